"""Full-text search over a catalog's texts: a positional inverted index built with the catalog, plus a regex slow path.

Why an index of our own (bench/bench_fulltext.py measured the alternatives over the 9.55 M rows of
BigEarthNet.txt): SQLite FTS5 answered which texts match in 0.1-0.2 s but computed ``bm25()`` for EVERY matching
row before ``ORDER BY rank LIMIT 20`` (1-1.4 s for a common word), and took 80-200 s to build; tantivy ranks the
top k fast but hands the full match set (needed for the map) back one Python object per hit. Template-generated
datasets repeat their texts massively, so the index holds each DISTINCT text once; its postings are numpy
arrays sorted by (term, text, position), so a word, a prefix (a range of the sorted vocabulary) or a phrase
(positions in a row) is one contiguous slice or an intersection of slices, BM25 is computed vectorised over
the matching texts only, and a mapping text -> samples (CSR arrays) turns matching texts into matching samples.
Built with Arrow's string kernels (no Python loop per text) in seconds; files are memory-mapped read-only and
shared by every session and process.

Files, in ``<catalog>/fulltext/``::

    meta.json        version, n_samples, n_texts, n_tokens, average text length (tokens)
    texts.arrow      the distinct texts (text id = row), shown in the ranked list
    vocab.arrow      the sorted vocabulary (term id = row): lower case, accents removed
    term_offsets.npy postings of term ``w`` are ``[term_offsets[w], term_offsets[w + 1])``
    post_text.npy    int32 text id of each posting (an occurrence of a term), sorted by term, text, position
    post_pos.npy     int32 position of the occurrence in its text (for phrases)
    lengths.npy      int32 tokens per text (BM25 length normalisation)
    offsets.npy      samples of text ``t`` are ``sidx[offsets[t]:offsets[t + 1]]`` (sorted, unique)
    sidx.npy         int32 sample rows
    n_rows.npy       annotation rows carrying each text

Searched texts: every annotation's ``input`` (question, instruction) and the ``output`` of captions (answers
such as "yes" are not searched), the same rule as the substring scan.

Tokens: maximal runs of letters and digits, lower-cased, accents removed (NFKD, combining marks dropped), the
same rule on both sides (Arrow RE2 at build time, Python at query time). Query language: words (all must
match), "quoted phrases", prefixes ``fores*`` (also ``"coniferous fore*"``), ``OR`` between terms and ``-word``
to exclude. Ranking: Okapi BM25 (k1 = 1.2, b = 0.75, idf = ln((N - n + 0.5) / (n + 0.5)) floored at 1e-6: the
formula of FTS5's ``bm25()``), a phrase or prefix counting as one term.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import ExplorerError
from .model import KIND_CAPTION

FOLDER = "fulltext"
VERSION = 2  # 1 was the SQLite FTS5 index
K1, B = 1.2, 0.75
_SEPARATORS = r"[^\p{L}\p{N}]+"  # RE2: what is not part of a token
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)  # Python: letters and digits (the same runs once accents are gone)


class FullTextError(ExplorerError):
    """A search the index cannot answer (bad syntax, missing index); the message is meant for the user."""


# --- what is searched -----------------------------------------------------------------------------------------
def searchable(annotations: pa.Table) -> tuple[pa.ChunkedArray, np.ndarray]:
    """(text, sidx) of every searchable text: all inputs, and the outputs of captions."""
    is_caption = pc.fill_null(pc.equal(annotations["kind"], KIND_CAPTION), False)
    texts = pa.chunked_array(
        annotations["input"].chunks + pc.filter(annotations["output"], is_caption).chunks, pa.string()
    )
    sidx = np.concatenate(
        [
            annotations["sidx"].to_numpy(),
            pc.filter(annotations["sidx"], is_caption).to_numpy(),
        ]
    ).astype(np.int64)
    return texts, sidx


def normalise_words(text: str) -> list[str]:
    """The tokens of ``text`` as the index holds them (query side)."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _TOKEN.findall(folded.lower())


_ASCII_LOWER = np.arange(256, dtype=np.uint8)
_ASCII_LOWER[ord("A") : ord("Z") + 1] += 32
_ASCII_ALNUM = np.zeros(256, dtype=bool)
for _first, _last in (("a", "z"), ("A", "Z"), ("0", "9")):
    _ASCII_ALNUM[ord(_first) : ord(_last) + 1] = True


def _tokenise(texts: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(token strings, owning text id) of every token of ``texts``, in text then position order (build side).

    Texts are expected ASCII ones first (``build`` orders them so): those are cut on their bytes with numpy
    (Arrow's RE2 split costs ~10x more), the others go through Unicode normalisation and an RE2 split.
    """
    is_ascii = pc.string_is_ascii(texts).to_numpy(zero_copy_only=False)
    n_ascii = int(np.count_nonzero(is_ascii))
    if not is_ascii[:n_ascii].all():
        raise ValueError("texts must come ASCII ones first")
    tokens, owner = _tokenise_ascii(texts.slice(0, n_ascii))
    if n_ascii == len(texts):
        return tokens, owner
    rest = texts.slice(n_ascii)
    folded = pc.utf8_lower(pc.replace_substring_regex(pc.utf8_normalize(rest, "NFKD"), r"\p{Mn}+", ""))
    split = pc.split_pattern_regex(folded, _SEPARATORS)
    flat = pc.list_flatten(split)
    keep = pc.not_equal(pc.utf8_length(flat), 0)  # a text starting/ending with a separator gives ""
    more = pc.filter(flat, keep).cast(pa.large_string())
    more_owner = pc.filter(pc.list_parent_indices(split), keep).to_numpy().astype(np.int64) + n_ascii
    return pa.concat_arrays([tokens, more]), np.concatenate([owner, more_owner])


def _tokenise_ascii(texts: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Runs of ASCII letters and digits, lower-cased, from the bytes of ``texts`` (all ASCII)."""
    texts = texts.cast(pa.large_string())
    bounds = np.frombuffer(texts.buffers()[1], dtype=np.int64)[texts.offset : texts.offset + len(texts) + 1]
    data = np.frombuffer(texts.buffers()[2], dtype=np.uint8)[bounds[0] : bounds[-1]] if len(texts) else None
    if data is None or data.size == 0:
        return pa.array([], pa.large_string()), np.zeros(0, dtype=np.int64)
    bounds = bounds - bounds[0]
    alnum = _ASCII_ALNUM[data]
    text_start = np.zeros(data.size + 1, dtype=bool)
    text_start[bounds] = True
    before = np.zeros_like(alnum)
    before[1:] = alnum[:-1]
    after = np.zeros_like(alnum)
    after[:-1] = alnum[1:]
    # A token starts after a separator or at a text start, and ends before one or at a text end.
    begin = np.flatnonzero(alnum & (~before | text_start[:-1]))
    end = np.flatnonzero(alnum & (~after | text_start[1:])) + 1
    token_bounds = np.zeros(begin.size + 1, dtype=np.int64)
    np.cumsum(end - begin, out=token_bounds[1:])
    chars = _ASCII_LOWER[data[alnum]]
    tokens = pa.LargeStringArray.from_buffers(begin.size, pa.py_buffer(token_bounds), pa.py_buffer(chars))
    per_text = np.diff(np.searchsorted(begin, bounds))
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), per_text)
    return tokens, owner.astype(np.int64)


# --- building -----------------------------------------------------------------------------------------------
@dataclass
class TextSummary:
    """What the index needs from a slice of annotations: its distinct searchable texts, the annotation rows
    carrying each, and its (text, sample) pairs as ``local text * n_samples + sidx`` (unique, sorted).

    Slices are summarised where they are read (a build worker's part, beside the bucket scatter): the index's
    per-row work (hashing ~12 M texts at full size) is then spread over every core, and what is left for
    ``build_from_summaries`` is the merge of a few million distinct texts."""

    texts: pa.Array
    n_rows: np.ndarray
    pairs: np.ndarray


def summarise(annotations: pa.Table, n_samples: int) -> TextSummary:
    """The ``TextSummary`` of ``annotations`` (columns kind, input, output, sidx)."""
    texts, sidx = searchable(annotations)
    encoded = pc.dictionary_encode(texts)  # one hash pass: the distinct texts and each row's code
    if not encoded.num_chunks:
        return TextSummary(pa.array([], pa.string()), np.zeros(0, np.int64), np.zeros(0, np.int64))
    distinct = encoded.chunk(encoded.num_chunks - 1).dictionary  # a chunked encoding's dictionary grows
    codes = np.concatenate([c.indices.fill_null(-1).to_numpy() for c in encoded.chunks]).astype(np.int64)
    known = codes >= 0  # a null text is not searchable
    codes = codes[known]
    pairs = _sorted_unique(codes * max(n_samples, 1) + sidx[known])
    return TextSummary(distinct, np.bincount(codes, minlength=len(distinct)), pairs)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``values`` sorted, repeats dropped (in place; np.unique's hashing path is several times slower here)."""
    values.sort()
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if values.size else values


def build(annotations: pa.Table, n_samples: int, catalog_path: str | Path) -> Path:
    """Write ``<catalog_path>/fulltext`` from a catalog's annotations (atomic: built aside, then renamed)."""
    # Row groups of GROUP_ROWS: a group's searchable texts (its caption outputs filtered: a copy) live only
    # while it is summarised, never all 9.5 M rows' at once.
    summaries = [
        summarise(annotations.slice(start, GROUP_ROWS), n_samples)
        for start in range(0, annotations.num_rows, GROUP_ROWS)
    ]
    return build_from_summaries(summaries, n_samples, catalog_path)


def build_from_summaries(summaries: list[TextSummary], n_samples: int, catalog_path: str | Path) -> Path:
    """Write ``<catalog_path>/fulltext`` from the ``summarise`` of every slice of the annotations (any order)."""
    target = Path(catalog_path) / FOLDER
    scratch = target.with_name(FOLDER + ".building")
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)

    # One hash pass over every summary's texts: the distinct texts and each summary text's code among them.
    encoded = pc.dictionary_encode(pa.chunked_array([s.texts for s in summaries], pa.string()))
    chunks = encoded.chunks
    distinct = chunks[-1].dictionary if chunks else pa.array([], pa.string())  # a chunked encoding's grows
    code = np.concatenate([c.indices.to_numpy() for c in chunks]).astype(np.int64) if chunks else np.zeros(0, int)
    del encoded
    # ASCII first (``_tokenise``), then in text order: text ids do not depend on the row order of the input
    # (the parallel build reads the texts in bucket-part order, the sequential one sorted by sample).
    keys = pa.table({"non_ascii": pc.invert(pc.string_is_ascii(distinct)), "text": distinct})
    order = pc.sort_indices(keys, [("non_ascii", "ascending"), ("text", "ascending")])
    distinct = distinct.take(order)
    n_texts = len(distinct)
    text_of_code = np.empty(n_texts, dtype=np.int64)
    text_of_code[order.to_numpy()] = np.arange(n_texts, dtype=np.int64)
    n_rows = np.zeros(n_texts, dtype=np.int64)
    # One (text, sample) pair once, sorted by text then sample: the CSR mapping text -> samples.
    pair_parts, start = [], 0
    for summary in summaries:
        text_id = text_of_code[code[start : start + len(summary.texts)]]
        start += len(summary.texts)
        n_rows[text_id] += summary.n_rows  # a summary's texts are distinct: no index repeats
        local = summary.pairs // max(n_samples, 1)
        pair_parts.append(text_id[local] * max(n_samples, 1) + (summary.pairs - local * max(n_samples, 1)))
    del code, chunks
    pairs = _sorted_unique(np.concatenate(pair_parts) if pair_parts else np.zeros(0, dtype=np.int64))
    del pair_parts
    pair_text = pairs // max(n_samples, 1)
    offsets = np.zeros(n_texts + 1, dtype=np.int64)
    np.cumsum(np.bincount(pair_text, minlength=n_texts), out=offsets[1:])
    del pair_text
    np.save(scratch / "offsets.npy", offsets)
    np.save(scratch / "sidx.npy", (pairs % max(n_samples, 1)).astype(np.int32))
    np.save(scratch / "n_rows.npy", n_rows)
    del pairs

    owner, position, term, vocab = _tokens_in_slices(distinct)
    lengths = np.bincount(owner, minlength=n_texts).astype(np.int32)
    # stable: (term, text, position) order; 16-bit codes sort by radix, several times faster
    by_term = np.argsort(term.astype(np.uint16) if len(vocab) <= 1 << 16 else term, kind="stable")
    term_offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(np.bincount(term, minlength=len(vocab)), out=term_offsets[1:])
    del term
    np.save(scratch / "term_offsets.npy", term_offsets)
    np.save(scratch / "post_text.npy", owner[by_term])
    np.save(scratch / "post_pos.npy", position[by_term])
    np.save(scratch / "lengths.npy", lengths)
    _write_strings(scratch / "vocab.arrow", vocab)
    _write_strings(scratch / "texts.arrow", distinct)
    meta = {
        "version": VERSION,
        "n_samples": n_samples,
        "n_texts": n_texts,
        "n_tokens": int(owner.size),
        "avg_length": float(lengths.mean()) if n_texts else 0.0,
    }
    (scratch / "meta.json").write_text(json.dumps(meta))
    if target.exists():
        shutil.rmtree(target)
    scratch.rename(target)
    return target


GROUP_ROWS = 1_000_000  # annotation rows summarised at a time (sequential build)
TOKENISE_TEXTS = 50_000  # distinct texts tokenised at a time: the per-byte temporaries stay ~10 MB


def _tokens_in_slices(distinct: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, pa.Array]:
    """(owner text, position, term id) of every token as int32, and the sorted vocabulary (term id = row).

    Tokenised and dictionary-encoded ``TOKENISE_TEXTS`` texts at a time: the token strings of one slice live
    only while it is encoded, so at 595k distinct texts / 19.5 M tokens the arrays of the whole index are
    int32 (~80 MB each) instead of int64 plus every token as a string (the build's memory peak, >1 GB)."""
    owners, positions, encoded = [], [], []
    for start in range(0, len(distinct), TOKENISE_TEXTS):
        part = distinct.slice(start, TOKENISE_TEXTS)
        tokens, owner = _tokenise(part)
        starts = np.zeros(len(part) + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner, minlength=len(part)), out=starts[1:])
        positions.append((np.arange(owner.size, dtype=np.int64) - starts[owner]).astype(np.int32))
        owners.append((owner + start).astype(np.int32))
        encoded.append(pc.dictionary_encode(tokens))
    if not encoded:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty, empty, pa.array([], pa.large_string())
    unified = pa.chunked_array(encoded).unify_dictionaries()
    del encoded
    vocab = unified.chunk(0).dictionary
    # Sorted vocabulary: a prefix is a contiguous range of term ids, so of postings.
    order = pc.sort_indices(vocab).to_numpy()
    rank = np.empty(order.size, dtype=np.int32)
    rank[order] = np.arange(order.size, dtype=np.int32)
    term = np.concatenate([rank[chunk.indices.to_numpy()] for chunk in unified.chunks])
    return np.concatenate(owners), np.concatenate(positions), term, vocab.take(pa.array(order))


def _write_strings(path: Path, values: pa.Array) -> None:
    table = pa.table({"text": values.cast(pa.large_string())})
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _read_strings(path: Path) -> pa.Array:
    """Zero-copy over a memory map (the map stays open as long as the array lives): opening costs no read."""
    column = pa.ipc.open_file(pa.memory_map(str(path), "r")).read_all().column("text")
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def exists(catalog_path: str | Path) -> bool:
    meta = Path(catalog_path) / FOLDER / "meta.json"
    try:
        return int(json.loads(meta.read_text()).get("version", 1)) == VERSION
    except (OSError, ValueError):
        return False


# --- query language -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    """Words in a row (one word: a plain word), the last one a prefix when ``prefix``."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    """Every group must match (a group: any of its terms), no excluded term may."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()


_PART = re.compile(r'(-?)"([^"]*)"(\*?)|(\S+)')


def parse(query: str) -> Query:
    """The user's query, read as words, "phrases", prefix*, OR and -excluded; never an error for punctuation."""
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    pending_or = False
    for match in _PART.finditer(query):
        negate, phrase, star, bare = match.group(1), match.group(2), match.group(3), match.group(4)
        if bare == "OR":
            pending_or = bool(groups)
            continue
        if phrase is None:
            negate = "-" if bare.startswith("-") and len(bare) > 1 else ""
            bare = bare[1:] if negate else bare
            star = "*" if bare.endswith("*") else ""
            phrase = bare.rstrip("*")
        words = normalise_words(phrase)
        if not words:
            continue
        term = Term(tuple(words), prefix=bool(star))
        if negate:
            excluded.append(term)
        elif pending_or:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    if not groups:
        what = "a query cannot consist of excluded words only" if excluded else "expected at least one word"
        raise FullTextError(f"{query!r}: {what} to search for")
    return Query(tuple(tuple(g) for g in groups), tuple(excluded))


# --- querying -----------------------------------------------------------------------------------------------
@dataclass
class SearchResult:
    """Samples matching a full-text query, and the best-matching distinct texts ranked by BM25."""

    query: str
    sidx: np.ndarray  # unique, sorted sample rows
    n_texts: int  # distinct matching texts
    n_rows: int  # annotation rows carrying a matching text
    ranked: pd.DataFrame = field(repr=False)  # text, score (higher is better), rows, samples, sample_sidx

    @property
    def n_samples(self) -> int:
        return int(self.sidx.size)


class FullTextIndex:
    """An opened index. Read-only and thread-safe (memory-mapped arrays): share it between sessions."""

    def __init__(self, catalog_path: str | Path) -> None:
        self.folder = Path(catalog_path) / FOLDER
        if not exists(catalog_path):
            raise FullTextError(
                f"{self.folder}: no full-text index (or one of an older version); "
                "rebuild the catalog with `eo-explorer index`"
            )
        meta = json.loads((self.folder / "meta.json").read_text())
        self.n_samples = int(meta["n_samples"])
        self.avg_length = float(meta["avg_length"]) or 1.0

        def load(name: str) -> np.ndarray:
            return np.load(self.folder / f"{name}.npy", mmap_mode="r")

        self.offsets = load("offsets")
        self.sample_rows = load("sidx")
        self.n_rows = load("n_rows")
        self.term_offsets = load("term_offsets")
        self.post_text = load("post_text")
        self.post_pos = load("post_pos")
        self.lengths = load("lengths")
        self.vocab = _read_strings(self.folder / "vocab.arrow")
        self.texts = _read_strings(self.folder / "texts.arrow")

    @property
    def n_texts(self) -> int:
        return int(self.n_rows.size)

    # --- terms -> texts ---
    def _term_range(self, word: str, prefix: bool) -> tuple[int, int]:
        """[first, last) term ids of a word (or of every word starting with it): the vocabulary is sorted."""
        if prefix:
            hits = np.flatnonzero(pc.starts_with(self.vocab, word).to_numpy(zero_copy_only=False))
            return (int(hits[0]), int(hits[-1]) + 1) if hits.size else (0, 0)
        at = pc.index(self.vocab, word).as_py()
        return (at, at + 1) if at >= 0 else (0, 0)

    def _postings(self, word: str, prefix: bool) -> tuple[np.ndarray, np.ndarray]:
        first, last = self._term_range(word, prefix)
        lo, hi = int(self.term_offsets[first]), int(self.term_offsets[last])
        return np.asarray(self.post_text[lo:hi]), np.asarray(self.post_pos[lo:hi])

    def _term_frequency(self, term: Term) -> np.ndarray:
        """Occurrences of ``term`` in each text (dense, one count per text)."""
        last = len(term.words) - 1
        texts, pos = self._postings(term.words[0], term.prefix and last == 0)
        if last > 0:
            # A phrase: word i must sit at position p + i of an occurrence p of the first word.
            stride = int(self.lengths.max(initial=0)) + 1
            keys = texts.astype(np.int64) * stride + pos
            for i, word in enumerate(term.words[1:], start=1):
                t, p = self._postings(word, term.prefix and i == last)
                keys = np.intersect1d(keys, t.astype(np.int64) * stride + p - i, assume_unique=True)
            texts = keys // stride
        return np.bincount(texts, minlength=self.n_texts)

    def _evaluate(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """(matching text ids sorted, their BM25 scores)."""
        parsed = parse(query)
        n = self.n_texts
        match = np.ones(n, dtype=bool)
        scored: list[np.ndarray] = []
        for group in parsed.groups:
            either = np.zeros(n, dtype=bool)
            for term in group:
                tf = self._term_frequency(term)
                either |= tf > 0
                scored.append(tf)
            match &= either
        for term in parsed.excluded:
            match &= self._term_frequency(term) == 0
        ids = np.flatnonzero(match)
        scores = np.zeros(ids.size)
        if ids.size:
            norm = K1 * (1 - B + B * np.asarray(self.lengths[ids]) / self.avg_length)
            for tf in scored:
                df = int(np.count_nonzero(tf))
                idf = max(np.log((n - df + 0.5) / (df + 0.5)), 1e-6)
                hits = tf[ids].astype(np.float64)
                scores += idf * hits * (K1 + 1) / (hits + norm)
        return ids, scores

    def text_ids(self, query: str) -> np.ndarray:
        """Ids of every distinct text matching ``query`` (sorted)."""
        return self._evaluate(query)[0]

    def samples_of(self, text_ids: np.ndarray) -> np.ndarray:
        """Unique sample rows carrying any of ``text_ids``.

        A common word matches texts covering millions of (text, sample) pairs: mark the runs of the CSR with
        a +1/-1 difference array and one cumulative sum, then scatter into a per-sample mask (no sort).
        """
        if text_ids.size == 0:
            return np.zeros(0, dtype=np.int64)
        starts, stops = self.offsets[text_ids], self.offsets[text_ids + 1]
        # Runs are disjoint and sorted (sorted ids, every text has a sample): starts are distinct, so are stops.
        edges = np.zeros(self.sample_rows.size + 1, dtype=np.int8)
        edges[starts] += 1
        edges[stops] -= 1
        inside = np.cumsum(edges[:-1], dtype=np.int8).view(bool)
        mask = np.zeros(self.n_samples, dtype=bool)
        mask[self.sample_rows[inside]] = True
        return np.flatnonzero(mask)

    def _top(self, ids: np.ndarray, scores: np.ndarray, limit: int) -> pd.DataFrame:
        """The ``limit`` best texts, best first (ties: lower text id first), with where they occur."""
        if ids.size > limit:
            keep = np.argpartition(-scores, limit - 1)[:limit]
            ids, scores = ids[keep], scores[keep]
        order = np.lexsort((ids, -scores))
        ids, scores = ids[order], scores[order]
        first = np.asarray(self.offsets[ids], dtype=np.int64)
        return pd.DataFrame(
            {
                "text": self.texts.take(pa.array(ids, pa.int64())).to_pylist(),
                "score": scores.astype(float),
                "rows": np.asarray(self.n_rows[ids], dtype=np.int64),
                "samples": np.asarray(self.offsets[ids + 1], dtype=np.int64) - first,
                "sample_sidx": np.asarray(self.sample_rows[first], dtype=np.int64),
            }
        )

    def ranked(self, query: str, limit: int = 50) -> pd.DataFrame:
        """The ``limit`` best-matching distinct texts, best first (BM25; ``score`` higher is better)."""
        return self._top(*self._evaluate(query), max(int(limit), 1))

    def matching_samples(self, query: str) -> np.ndarray:
        """Sample rows matching ``query``, without the ranked list (what a map filter needs)."""
        return self.samples_of(self.text_ids(query))

    def search(self, query: str, limit: int = 50) -> SearchResult:
        ids, scores = self._evaluate(query)
        return SearchResult(
            query=query,
            sidx=self.samples_of(ids),
            n_texts=int(ids.size),
            n_rows=int(np.asarray(self.n_rows[ids]).sum()) if ids.size else 0,
            ranked=self._top(ids, scores, max(int(limit), 1)),
        )


# --- slow path: regular expressions, chunked, with progress and cancel ----------------------------------------
@dataclass
class ScanProgress:
    rows_done: int
    rows_total: int
    hits: int  # matching texts so far
    sidx: np.ndarray | None = None  # matching samples (unique, sorted): set on the last item only
    done: bool = False
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def fraction(self) -> float:
        return self.rows_done / self.rows_total if self.rows_total else 1.0


def regex_scan(
    annotations: pa.Table,
    pattern: str,
    cancel: threading.Event | None = None,
    chunk_rows: int = 500_000,
    ignore_case: bool = True,
) -> Iterator[ScanProgress]:
    """Scan every searchable text for a regular expression (RE2 syntax), one chunk at a time.

    Yields progress after each chunk (the last item has ``done`` or ``cancelled`` set), so a caller can show a
    progress bar and stop the scan by setting ``cancel``. A bad pattern raises FullTextError before any work.
    """
    started = time.perf_counter()
    problem = regex_error(pattern)
    if problem:
        raise FullTextError(problem)
    total = annotations.num_rows
    found: list[np.ndarray] = []
    done = hits = 0
    for start in range(0, total, chunk_rows):
        if cancel is not None and cancel.is_set():
            yield ScanProgress(
                done, total, hits, _unique(found), cancelled=True, seconds=time.perf_counter() - started
            )
            return
        chunk = annotations.slice(start, chunk_rows)
        texts, sidx = searchable(chunk)
        hit = pc.fill_null(pc.match_substring_regex(texts, pattern=pattern, ignore_case=ignore_case), False)
        rows = sidx[hit.to_numpy(zero_copy_only=False)]
        found.append(np.unique(rows))
        done += chunk.num_rows
        hits += int(rows.size)
        yield ScanProgress(done, total, hits, seconds=time.perf_counter() - started)
    yield ScanProgress(done, total, hits, _unique(found), done=True, seconds=time.perf_counter() - started)


def regex_error(pattern: str) -> str:
    """Why ``pattern`` is not a regular expression the scan can use ("" when it is)."""
    try:
        pc.match_substring_regex(pa.array([""]), pattern=pattern, ignore_case=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        return f"invalid regular expression {pattern!r}: {exc}"
    return ""


def _unique(parts: list[np.ndarray]) -> np.ndarray:
    return np.unique(np.concatenate(parts)).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)


def run_scan(scan: Iterator[ScanProgress]) -> ScanProgress:
    """Drive a scan to its end; its last progress item (the result)."""
    last: Any = None
    for step in scan:
        last = step
    return last
