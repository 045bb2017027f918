"""Duplicates and templates in any caption dataset, map or not.

* ``same-caption-other-image``: the exact caption (after lower-casing and collapsing spaces and punctuation)
  also describes another image;
* ``padding-repeat``: an image's references repeat one caption (datasets that pad to N references per image);
* ``near-duplicate``: another image's caption is almost the same: MinHash/LSH (``datasketch``'s hashing and
  bands; the banding vectorised in ``lsh``) over word 1-3-grams (captions are short: 5-gram shingles would
  miss them), estimated Jaccard >= ``NEAR_THRESHOLD``;
* templatedness (a dataset statistic, not a verdict): the share of sentences covered by the
  ``TOP_SKELETONS`` most frequent skeletons, a skeleton being the sentence with numbers, class names and
  positions replaced by placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
from numba import njit

from ..legends import CHATEARTHNET, CORINE19, WORLDCOVER
from . import lsh
from .verdicts import AGREE, DISPUTE, VerdictRows

NUM_PERM = 64
NEAR_THRESHOLD = 0.8
TOP_SKELETONS = 20
_WORD = re.compile(r"[a-z0-9]+")
_CONTEXT_COLUMNS = ("dataset", "sample_id", "ann_id", "kind", "source", "split", "category", "country")
_BATCH = 256  # texts per signature batch (up to ~200 shingles each: tens of MB of hash values at a time)


_NOT_WORD = str.maketrans({chr(i): " " for i in range(128) if not _WORD.fullmatch(chr(i))})


def normalise(text: str | None) -> str:
    """Lower-case words (runs of a-z, 0-9) joined by one space. An ASCII text's other characters become
    spaces and it is split (the same words as the regular expression finds, ~1.3x faster)."""
    text = (text or "").lower()
    if text.isascii():
        return " ".join(text.translate(_NOT_WORD).split())
    return " ".join(_WORD.findall(text))


def shingles(text: str) -> set[bytes]:
    return {g.encode() for g in _grams(text)}


def _grams(text: str) -> set[str]:
    """Word 1-, 2- and 3-grams of a normalised text (the text itself when it has no words)."""
    words = text.split()
    grams = set(words)
    grams.update(map(" ".join, zip(words, words[1:], strict=False)))
    grams.update(map(" ".join, zip(words, words[1:], words[2:], strict=False)))
    return grams or {text}


def check_duplicates(
    captions: pd.DataFrame, out: VerdictRows, near: bool = True, known: Signatures | None = None
) -> None:
    """Verdicts for every caption of one dataset (columns of ANNOTATION_SCHEMA plus ``country``); ``known``:
    MinHash signatures computed beforehand (by the audit's tasks), any caption missing there computed here."""
    if captions.empty:
        return
    frame = captions.reset_index(drop=True).copy()
    if "norm" not in frame.columns:  # (the audit's client passes the norms its tasks computed)
        frame["norm"] = [normalise(t) for t in frame["output"]]
    # padding: the 2nd, 3rd, ... copy of a caption within one sample
    repeat = frame.duplicated(["sample_id", "norm"], keep="first").to_numpy()
    # the same caption on other images: distinct samples sharing the text
    samples_per_text = frame.groupby("norm")["sample_id"].nunique()
    shared = frame["norm"].map(samples_per_text).to_numpy() > 1
    near_of: dict[int, tuple[str, float]] = {}
    if near:
        near_of = _near_duplicates(frame, known)
    # only the columns a verdict's context and the text need (all columns as records: ~0.2 ms per caption)
    needed = [c for c in (*_CONTEXT_COLUMNS, "output", "norm") if c in frame.columns]
    columns = [frame[c].tolist() for c in needed]
    records: list[dict[str, Any]] = [
        dict(zip(needed, values, strict=True)) for values in zip(*columns, strict=True)
    ]
    for record in records:
        record["country"] = record["country"] if isinstance(record.get("country"), str) else None
    near_variant = f"minhash-jaccard>={NEAR_THRESHOLD}"
    for i, row in enumerate(records):
        text = row["output"] or ""
        said = text[:80]
        whole = len(text)
        if repeat[i]:
            out.emit(
                row,
                "padding-repeat",
                "normalised-text",
                True,
                DISPUTE,
                said,
                "repeats an earlier reference of this image",
                None,
                "output",
                0,
                whole,
            )
        else:
            out.emit(row, "padding-repeat", "normalised-text", True, AGREE, said, "unique in its image")
        if shared[i]:
            others = int(samples_per_text[row["norm"]]) - 1
            out.emit(
                row,
                "same-caption-other-image",
                "normalised-text",
                True,
                DISPUTE,
                said,
                f"also on {others} other image(s)",
                None,
                "output",
                0,
                whole,
            )
        else:
            out.emit(
                row, "same-caption-other-image", "normalised-text", True, AGREE, said, "on this image only"
            )
        if near:
            if i in near_of:
                other, score = near_of[i]
                out.emit(
                    row,
                    "near-duplicate",
                    near_variant,
                    True,
                    DISPUTE,
                    said,
                    f"~{score:.2f} Jaccard with a caption of {other}",
                    None,
                    "output",
                    0,
                    whole,
                    score,
                )
            else:
                out.emit(
                    row, "near-duplicate", near_variant, True, AGREE, said, "no near copy on another image"
                )


_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)


def signatures(texts: list[str], num_perm: int = NUM_PERM, seed: int = 1) -> np.ndarray:
    """MinHash signatures (n, num_perm) of word 1-3-gram shingles, computed with NumPy.

    The universal hashing of ``datasketch.MinHash``'s "legacy" scheme (``(a * h + b) mod (2^61 - 1)``, 32-bit
    values, its permutations for ``seed``), but shingles hashed with CRC-32 and all permutations applied at
    once, instead of SHA-1 and a Python call per shingle: much faster, and the signatures plug into
    ``MinHashLSH`` as ``MinHash(hashvalues=..., scheme="legacy")``.
    """
    import zlib

    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="legacy").permutations
    out = np.empty((len(texts), num_perm), dtype=np.uint64)
    for first in range(0, len(texts), _BATCH):  # all shingles of a batch of texts in one array operation
        grams = [_grams(text) for text in texts[first : first + _BATCH]]
        sizes = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        every = list(chain.from_iterable(grams))  # C-level iteration: a generator frame per shingle cost ~2x
        joined = "".join(every)
        if joined.isascii():  # (normalised texts are) one byte per character: CRC-32 of every run at once
            lengths = np.fromiter(map(len, every), dtype=np.int64, count=len(every))
            h = _crc32_runs(np.frombuffer(joined.encode("ascii"), dtype=np.uint8), lengths)
        else:
            h = np.fromiter(map(zlib.crc32, map(str.encode, every)), dtype=np.uint64, count=len(every))
        distinct, where = np.unique(h, return_inverse=True)  # templated captions share most shingles
        with np.errstate(over="ignore"):
            values = ((distinct[:, None] * a[None, :] + b[None, :]) % _MERSENNE) & _MAX_HASH
        values = values.astype(np.uint32)  # 32-bit values: half the bytes read per shingle
        _min_per_text(values, where.astype(np.int64).ravel(), sizes, out[first : first + len(grams)])
    return out


def _crc_table() -> np.ndarray:
    """The byte table of CRC-32 (zlib's polynomial 0xEDB88320, reflected)."""
    table = np.empty(256, dtype=np.uint32)
    for n in range(256):
        c = n
        for _ in range(8):
            c = (0xEDB88320 ^ (c >> 1)) if c & 1 else (c >> 1)
        table[n] = c
    return table


_CRC_TABLE = _crc_table()


@njit(cache=True)
def _crc32_runs(data: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``zlib.crc32`` of each consecutive run of ``data`` (``lengths[i]`` bytes each), as uint64: the same
    values as the per-shingle ``zlib.crc32(s.encode())`` it replaces (tests check), without a Python call and
    an encoded copy per shingle (half of the MinHash signing's CPU)."""
    out = np.empty(lengths.shape[0], dtype=np.uint64)
    k = 0
    for i in range(lengths.shape[0]):
        crc = np.uint32(0xFFFFFFFF)
        for m in range(k, k + lengths[i]):
            crc = _CRC_TABLE[(crc ^ data[m]) & np.uint32(0xFF)] ^ (crc >> np.uint32(8))
        out[i] = crc ^ np.uint32(0xFFFFFFFF)
        k += lengths[i]
    return out


@njit(cache=True)
def _min_per_text(values: np.ndarray, where: np.ndarray, sizes: np.ndarray, out: np.ndarray) -> None:
    """out[t] = the column-wise minimum of ``values[where[k]]`` over text t's shingles k (``sizes[t]`` of them,
    consecutive, >= 1 each): ``np.minimum.reduceat(values[where], starts)`` without its (shingles x num_perm)
    gathered copy (~100 MB per batch of 256 templated captions, written then read once)."""
    n_perm = values.shape[1]
    acc = np.empty(n_perm, dtype=np.uint32)
    k = 0
    for t in range(sizes.shape[0]):
        acc[:] = values[where[k]]
        for m in range(k + 1, k + sizes[t]):
            row = values[where[m]]
            for j in range(n_perm):
                if row[j] < acc[j]:
                    acc[j] = row[j]
        for j in range(n_perm):
            out[t, j] = acc[j]
        k += sizes[t]


class Signatures(NamedTuple):
    """MinHash signatures of normalised captions: row of each text in ``matrix`` (n, NUM_PERM); ``norms``:
    every caption's normalised text in the parts' order (``None`` when not known)."""

    row_of: dict[str, int]
    matrix: np.ndarray
    norms: list[str] | None = None


def signature_table(outputs: Iterable[str | None]) -> pa.Table:
    """Per caption of one audit task, in order: its normalised text, and the MinHash signature of that text
    on its first caption in the task (null on the others). The tasks normalise and hash in parallel; the
    client only merges (normalising every caption again there was ~17 % of its CPU)."""
    norms = [normalise(t) for t in outputs]
    first: dict[str, int] = {}
    for i, norm in enumerate(norms):
        first.setdefault(norm, i)
    matrix = signatures(list(first))
    column: list[bytes | None] = [None] * len(norms)
    for row, signature in zip(first.values(), matrix, strict=True):
        column[row] = signature.tobytes()
    return pa.table(
        {"norm": pa.array(norms, pa.string()), "signature": pa.array(column, pa.binary(NUM_PERM * 8))}
    )


def read_signature_tables(tables: Iterable[pa.Table]) -> Signatures:
    """The tasks' signature tables merged (in the order given): each distinct text's first signature."""
    table = pa.concat_tables(list(tables)).combine_chunks()
    norms = table.column("norm").to_pylist()
    column = table.column("signature").chunk(0) if table.num_rows else pa.array([], pa.binary(NUM_PERM * 8))
    width = NUM_PERM * 8
    data = np.frombuffer(column.buffers()[1], dtype=np.uint8) if len(column) else np.empty(0, np.uint8)
    every = data[column.offset * width : (column.offset + len(column)) * width].view(np.uint64)
    every = every.reshape(len(column), NUM_PERM)
    signed = column.is_valid().to_numpy(zero_copy_only=False)
    row_of: dict[str, int] = {}
    rows: list[int] = []
    for i in np.flatnonzero(signed).tolist():
        if norms[i] not in row_of:
            row_of[norms[i]] = len(rows)
            rows.append(i)
    return Signatures(row_of, every[np.asarray(rows, dtype=np.int64)], norms)


def _signatures_of(keys: list[str], known: Signatures | None) -> np.ndarray:
    if known is None:
        return signatures(keys)
    rows = np.fromiter((known.row_of.get(k, -1) for k in keys), dtype=np.int64, count=len(keys))
    out = np.empty((len(keys), NUM_PERM), dtype=np.uint64)
    have = rows >= 0
    out[have] = known.matrix[rows[have]]
    missing = np.flatnonzero(~have)
    if missing.size:
        out[missing] = signatures([keys[i] for i in missing])
    return out


def _near_duplicates(frame: pd.DataFrame, known: Signatures | None = None) -> dict[int, tuple[str, float]]:
    """Row -> (another sample, estimated Jaccard) for captions with a near (not exact) copy elsewhere: the
    nearest other distinct caption (LSH candidates of ``lsh.near_pairs``) whose samples are not all this
    caption's own; among equally near ones the first in the frame's order."""
    keys = frame["norm"].drop_duplicates().tolist()
    near = lsh.near_pairs(_signatures_of(keys, known), NEAR_THRESHOLD)
    if not len(near.score):
        return {}
    # each pair both ways; per caption the nearest first, then the earliest other caption
    mine = np.concatenate([near.first, near.second])
    theirs_at = np.concatenate([near.second, near.first])
    scores = np.concatenate([near.score, near.score])
    order = np.lexsort((theirs_at, -scores, mine))
    sets: dict[str, set[str]] = {}  # (a pandas groupby-agg with a lambda cost ~0.2 ms per caption)
    for norm, sample in zip(frame["norm"].tolist(), frame["sample_id"].tolist(), strict=True):
        sets.setdefault(norm, set()).add(sample)
    best: dict[str, tuple[str, float]] = {}
    for k, o, score in zip(
        mine[order].tolist(), theirs_at[order].tolist(), scores[order].tolist(), strict=True
    ):
        key = keys[k]
        if key in best:
            continue
        own = sets[key]
        theirs = [s for s in sorted(sets[keys[o]]) if s not in own]
        if theirs:
            best[key] = (theirs[0], score)
    return {i: best[n] for i, n in enumerate(frame["norm"]) if n in best}


# --- templatedness -----------------------------------------------------------------------------------------
def _placeholder_pattern() -> re.Pattern[str]:
    names = {n.lower() for legend in (CHATEARTHNET, CORINE19, WORLDCOVER) for n in legend.names}
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"\b({alternatives})\b")


_POSITIONS = re.compile(
    r"\b(top|bottom|upper|lower) (left|right)\b|\b(middle|center|centre)\b|\b(north|south|east|west)\w*\b"
)
_PROPORTIONS = re.compile(r"\b(extra small|extra large|small|medium|large)\b")


def skeleton(sentence: str, classes: re.Pattern[str] | None = None) -> str:
    """One sentence's skeleton (for reading; ``skeletons`` does the same for many, with Arrow)."""
    text = " ".join(sentence.lower().split())
    text = (classes or _placeholder_pattern()).sub("<class>", text)
    text = re.sub(r"\d[\d,.]*", "<num>", text)
    text = _POSITIONS.sub("<pos>", text)
    return _PROPORTIONS.sub("<size>", text)


def skeletons(captions: pd.Series) -> pd.DataFrame:
    """(caption row, sentence skeleton) for every sentence of every caption, vectorised in Arrow (RE2)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(captions.fillna("").astype(str).tolist(), pa.string())
    sentences = pc.split_pattern_regex(pc.utf8_lower(text), r"(?:[.!?])\s+")
    parents = pc.list_parent_indices(sentences).to_numpy()
    flat = pc.utf8_trim_whitespace(pc.list_flatten(sentences))
    flat = pc.replace_substring_regex(flat, r"\s+", " ")
    flat = pc.replace_substring_regex(flat, _placeholder_pattern().pattern, "<class>")
    flat = pc.replace_substring_regex(flat, r"\d[\d,.]*", "<num>")
    flat = pc.replace_substring_regex(flat, _POSITIONS.pattern, "<pos>")
    flat = pc.replace_substring_regex(flat, _PROPORTIONS.pattern, "<size>")
    flat = pc.utf8_rtrim(flat, characters=".!? ")
    frame = pd.DataFrame({"row": parents, "skeleton": flat.to_numpy(zero_copy_only=False)})
    return frame[frame["skeleton"].str.len() > 0]


def skeleton_counts(outputs: Sequence[str | None], sources: Sequence[str | None]) -> pa.Table:
    """Per scope (null: every caption; else a caption source, "(none)" for none) each skeleton's sentences, in
    order of first appearance; the captions counted in the schema's metadata. The audit's tasks count their
    captions' skeletons in parallel (Arrow regular expressions over every sentence: a quarter of the client's
    CPU when it did them all) and the client sums the tables (``merge_skeleton_counts``)."""
    parts = skeletons(pd.Series(list(outputs), dtype=object))
    scope = pd.Series(list(sources), dtype=object).fillna("(none)").to_numpy()[parts["row"].to_numpy()]
    counted = [(None, parts["skeleton"].value_counts(sort=False))]
    counted += [(s, parts["skeleton"][scope == s].value_counts(sort=False)) for s in pd.unique(scope)]
    table = pa.table(
        {
            "scope": pa.array([s for s, c in counted for _ in range(len(c))], pa.string()),
            "skeleton": pa.array([str(k) for _, c in counted for k in c.index], pa.string()),
            "sentences": pa.array([int(n) for _, c in counted for n in c.to_numpy()], pa.int64()),
        }
    )
    return table.replace_schema_metadata({"captions": str(len(outputs))})


def merge_skeleton_counts(tables: Iterable[pa.Table]) -> tuple[dict[str | None, pd.Series], int]:
    """The tasks' ``skeleton_counts`` summed in the order given: per scope, sentences per skeleton in order
    of first appearance (what ``templatedness`` takes as ``counts``); and the captions counted."""
    merged: dict[str | None, dict[str, int]] = {}
    captions = 0
    for table in tables:
        captions += int((table.schema.metadata or {}).get(b"captions", b"-1"))
        columns = (table.column(c).to_pylist() for c in ("scope", "skeleton", "sentences"))
        for scope, skeleton, sentences in zip(*columns, strict=True):
            counts = merged.setdefault(scope, {})
            counts[skeleton] = counts.get(skeleton, 0) + sentences
    series = {s: pd.Series(list(c.values()), index=list(c), dtype=np.int64) for s, c in merged.items()}
    return series, captions


def templatedness(
    captions: pd.Series,
    top: int = TOP_SKELETONS,
    parts: pd.DataFrame | None = None,
    counts: pd.Series | None = None,
    normalised: pd.Series | None = None,
) -> dict[str, Any]:
    """Share of sentences covered by the ``top`` most frequent skeletons, and those skeletons.

    ``parts``: precomputed ``skeletons(captions)`` (rows positional in ``captions``), to group without redoing
    them; or ``counts``: sentences per skeleton, in order of first appearance (``merge_skeleton_counts``);
    ``normalised``: the captions' ``normalise``d texts, when known.
    """
    if counts is not None:  # value_counts' own order: by count, ties in order of first appearance
        counts = counts.sort_values(ascending=False, kind="stable")
    else:
        parts = skeletons(captions) if parts is None else parts
        counts = parts["skeleton"].value_counts()
    total = int(counts.sum())
    common = counts.head(top)
    covered = int(common.sum())
    if normalised is None:
        normalised = pd.Series([normalise(t) for t in captions.fillna("")])
    return {
        "sentences": total,
        "distinct_skeletons": int(len(counts)),
        "top_k": top,
        "share_covered_by_top_k": float(covered / total) if total else float("nan"),
        "top_skeletons": [{"skeleton": str(k), "sentences": int(n)} for k, n in common.items()],
        "caption_count": int(captions.notna().sum()),
        "exact_duplicate_share": float(np.mean(normalised.duplicated(keep=False))) if len(captions) else 0.0,
    }
