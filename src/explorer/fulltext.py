"""Full-text search over a catalog's texts: an SQLite FTS5 index built with the catalog, plus a regex slow path.

Why FTS5 (bench/bench_fulltext.py measured it against tantivy; DuckDB's FTS extension is not bundled in its
wheel and would be downloaded, which the explorer never does): it ships with Python's sqlite3, its files are
safe to open read-only from many processes, and over the DISTINCT texts of a catalog it answers in
milliseconds. Template-generated datasets repeat their texts massively (BigEarthNet.txt: 9.55 M rows), so the
index holds each distinct text once, and a mapping text -> samples (CSR arrays) turns matching texts into
matching samples with one numpy gather.

Files, in ``<catalog>/fulltext/``::

    texts.sqlite     FTS5 table ``texts(text)``, rowid = text id (unicode61 tokenizer, diacritics folded)
    meta.json        n_samples, n_texts
    offsets.npy      samples of text ``t`` are ``sidx[offsets[t]:offsets[t + 1]]`` (sorted, unique)
    sidx.npy         int32 sample rows
    n_rows.npy       annotation rows carrying each text

Searched texts: every annotation's ``input`` (question, instruction) and the ``output`` of captions (answers
such as "yes" are not searched), the same rule as the substring scan.

Query language (user input is never passed raw to FTS5): words (all must match, case and accents ignored),
"quoted phrases", prefixes ``fores*``, ``OR`` between terms and ``-word`` to exclude.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import threading
import time
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
TOKENIZER = "unicode61 remove_diacritics 2"
_INSERT_BATCH = 50_000


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


# --- building -----------------------------------------------------------------------------------------------
def build(annotations: pa.Table, n_samples: int, catalog_path: str | Path) -> Path:
    """Write ``<catalog_path>/fulltext`` from a catalog's annotations (atomic: built aside, then renamed)."""
    target = Path(catalog_path) / FOLDER
    scratch = target.with_name(FOLDER + ".building")
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)

    texts, sidx = searchable(annotations)
    distinct = pc.unique(texts).drop_null()
    codes = pc.index_in(texts, value_set=distinct).to_numpy(zero_copy_only=False)
    known = ~np.isnan(codes) if codes.dtype.kind == "f" else codes >= 0
    codes = codes[known].astype(np.int64)
    sidx = sidx[known]
    n_texts = len(distinct)
    n_rows = np.bincount(codes, minlength=n_texts).astype(np.int64)
    # One (text, sample) pair once, sorted by text then sample: the CSR mapping text -> samples.
    pairs = np.unique(codes * max(n_samples, 1) + sidx)
    pair_text = pairs // max(n_samples, 1)
    offsets = np.zeros(n_texts + 1, dtype=np.int64)
    np.cumsum(np.bincount(pair_text, minlength=n_texts), out=offsets[1:])
    np.save(scratch / "offsets.npy", offsets)
    np.save(scratch / "sidx.npy", (pairs % max(n_samples, 1)).astype(np.int32))
    np.save(scratch / "n_rows.npy", n_rows)
    (scratch / "meta.json").write_text(json.dumps({"n_samples": n_samples, "n_texts": n_texts}))
    del pairs, pair_text, codes, sidx

    db = sqlite3.connect(scratch / "texts.sqlite")
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        # detail=full keeps positions (phrases); prefix indexes make 2- and 3-letter prefixes cheap.
        db.execute(f"CREATE VIRTUAL TABLE texts USING fts5(text, tokenize='{TOKENIZER}', prefix='2 3')")
        for start in range(0, n_texts, _INSERT_BATCH):
            chunk = distinct.slice(start, _INSERT_BATCH).to_pylist()
            db.executemany(
                "INSERT INTO texts(rowid, text) VALUES (?, ?)",
                zip(range(start, start + len(chunk)), chunk, strict=True),
            )
        db.execute("INSERT INTO texts(texts) VALUES('optimize')")  # one b-tree: fewer pages per query
        db.commit()
    finally:
        db.close()
    if target.exists():
        shutil.rmtree(target)
    scratch.rename(target)
    return target


def exists(catalog_path: str | Path) -> bool:
    return (Path(catalog_path) / FOLDER / "texts.sqlite").is_file()


# --- query language -----------------------------------------------------------------------------------------
_TERM = re.compile(r'(-?)"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


def to_fts5(query: str) -> str:
    """The user's query as an FTS5 expression; every word is quoted, so no input is FTS5 syntax by accident."""
    parts: list[str] = []
    pending_or = False
    for match in _TERM.finditer(query):
        negate, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare == "OR":
            pending_or = bool(parts)
            continue
        prefix = False
        if phrase is None:
            negate = "-" if bare.startswith("-") and len(bare) > 1 else ""
            bare = bare[1:] if negate else bare
            prefix = bare.endswith("*")
            phrase = bare.rstrip("*")
        words = _WORD.findall(phrase)
        if not words:
            continue
        term = '"' + " ".join(words) + '"' + (" *" if prefix else "")
        if negate:
            if not parts:
                raise FullTextError(f"{query!r}: a query cannot start with an excluded word")
            parts.append(f"NOT {term}")
        elif pending_or:
            parts[-1] = f"({parts[-1]} OR {term})"
        else:
            parts.append(term)
        pending_or = False
    if not parts:
        raise FullTextError(f"{query!r}: expected at least one word to search for")
    # NOT is binary in FTS5: "a NOT b" works, "a b" needs AND; build left to right.
    expression = parts[0]
    for part in parts[1:]:
        expression = f"{expression} {part}" if part.startswith("NOT ") else f"{expression} AND {part}"
    return expression


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
    """An opened index. Read-only and thread-safe (one SQLite connection per thread): share it between sessions."""

    def __init__(self, catalog_path: str | Path) -> None:
        self.folder = Path(catalog_path) / FOLDER
        self.db_path = self.folder / "texts.sqlite"
        if not self.db_path.is_file():
            raise FullTextError(
                f"{self.db_path}: no full-text index; rebuild the catalog with `eo-explorer index`"
            )
        # In memory (tens of MB at full size): every query reads them through.
        self.offsets = np.load(self.folder / "offsets.npy")
        self.sample_rows = np.load(self.folder / "sidx.npy")
        self.n_rows = np.load(self.folder / "n_rows.npy")
        self.n_samples = int(json.loads((self.folder / "meta.json").read_text())["n_samples"])
        self._local = threading.local()

    @property
    def n_texts(self) -> int:
        return int(self.n_rows.size)

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            # immutable=1: no locks, no journal look-ups; the file never changes once built.
            uri = f"file:{self.db_path.as_posix()}?mode=ro&immutable=1"
            db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._local.db = db
        return db

    def text_ids(self, query: str) -> np.ndarray:
        """Ids of every distinct text matching ``query`` (sorted)."""
        expression = to_fts5(query)
        try:
            # One string of ids built in SQLite's C, parsed by numpy: 10x cheaper than a Python row per id.
            (joined,) = self._db().execute(
                "SELECT group_concat(rowid, ' ') FROM texts WHERE texts MATCH ?", (expression,)
            ).fetchone()
            ids = np.array(joined.split(), dtype=np.int64) if joined else np.zeros(0, dtype=np.int64)
        except sqlite3.Error as exc:
            raise FullTextError(f"{query!r}: cannot search for this ({exc})") from None
        return np.sort(ids)

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

    def ranked(self, query: str, limit: int = 50) -> pd.DataFrame:
        """The ``limit`` best-matching distinct texts, best first (BM25; ``score`` higher is better)."""
        expression = to_fts5(query)
        try:
            rows = self._db().execute(
                "SELECT rowid, text, -bm25(texts) FROM texts WHERE texts MATCH ? ORDER BY rank LIMIT ?",
                (expression, int(limit)),
            ).fetchall()
        except sqlite3.Error as exc:
            raise FullTextError(f"{query!r}: cannot search for this ({exc})") from None
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        first = np.asarray(self.offsets[ids], dtype=np.int64) if ids.size else np.zeros(0, np.int64)
        return pd.DataFrame(
            {
                "text": [r[1] for r in rows],
                "score": np.array([r[2] for r in rows], dtype=float),
                "rows": np.asarray(self.n_rows[ids], dtype=np.int64) if ids.size else np.zeros(0, np.int64),
                "samples": (np.asarray(self.offsets[ids + 1]) - first) if ids.size else np.zeros(0, np.int64),
                "sample_sidx": np.asarray(self.sample_rows[first], dtype=np.int64)
                if ids.size
                else np.zeros(0, np.int64),
            }
        )

    def matching_samples(self, query: str) -> np.ndarray:
        """Sample rows matching ``query``, without the ranked list (what a map filter needs)."""
        return self.samples_of(self.text_ids(query))

    def search(self, query: str, limit: int = 50) -> SearchResult:
        ids = self.text_ids(query)
        return SearchResult(
            query=query,
            sidx=self.samples_of(ids),
            n_texts=int(ids.size),
            n_rows=int(np.asarray(self.n_rows[ids]).sum()) if ids.size else 0,
            ranked=self.ranked(query, limit),
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
    try:
        pc.match_substring_regex(pa.array([""]), pattern=pattern, ignore_case=ignore_case)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise FullTextError(f"invalid regular expression {pattern!r}: {exc}") from None
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


def _unique(parts: list[np.ndarray]) -> np.ndarray:
    return np.unique(np.concatenate(parts)).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)


def run_scan(scan: Iterator[ScanProgress]) -> ScanProgress:
    """Drive a scan to its end; its last progress item (the result)."""
    last: Any = None
    for step in scan:
        last = step
    return last
