"""Arrow column helpers every statistic shares: a table's column as strings or floats, string columns coded
as integers (hashed in Arrow, chunks kept), and counts per combination of integer keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TableLike: TypeAlias = pa.Table | pd.DataFrame


def as_arrow(table: TableLike) -> pa.Table:
    if isinstance(table, pa.Table):
        return table
    return pa.Table.from_pandas(pd.DataFrame(table), preserve_index=False)


def column(table: TableLike, name: str, default: Any = None) -> pa.ChunkedArray:
    arrow = as_arrow(table) if not isinstance(table, pd.DataFrame) else None
    if arrow is not None:
        if name in arrow.column_names:
            return arrow.column(name)
        return pa.chunked_array([pa.nulls(arrow.num_rows, pa.string() if default is None else pa.float64())])
    frame = table
    if name not in frame.columns:
        return pa.chunked_array([pa.nulls(len(frame))])
    return pa.chunked_array([pa.array(frame[name], from_pandas=True)])


def strings(table: TableLike, name: str) -> pa.Array | pa.ChunkedArray:
    """A column as Arrow strings; chunks are kept (copying 9.55 M strings to join them costs seconds)."""
    col = column(table, name)
    if not pa.types.is_string(col.type):  # dictionary, null, large_string (pandas 3), string_view
        col = col.cast(pa.string())  # per chunk, so chunks of up to 2 GB are fine
    return col.chunk(0) if col.num_chunks == 1 else col


def _shared_dictionary(encoded: pa.ChunkedArray) -> bool:
    """True when every chunk points at the same dictionary buffers (Arrow's hash kernel shares one memo table
    across chunks); unifying 73 copies of a 600k-entry dictionary would otherwise cost seconds."""
    first = [b.address if b is not None else None for b in encoded.chunk(0).dictionary.buffers()]
    return all(
        [b.address if b is not None else None for b in c.dictionary.buffers()] == first
        for c in encoded.chunks
    )


def encode(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """(codes, distinct values) of a string column, hashed in Arrow; null -> code -1."""
    if isinstance(values, pa.ChunkedArray) and values.num_chunks == 0:
        return np.zeros(0, np.int64), pa.array([], pa.string())
    encoded = pc.dictionary_encode(values)
    if isinstance(encoded, pa.ChunkedArray):
        if not _shared_dictionary(encoded):
            encoded = pa.table({"v": encoded}).unify_dictionaries().column("v")
        dictionary = encoded.chunk(0).dictionary
        codes = np.concatenate(
            [np.asarray(pc.fill_null(c.indices, -1).to_numpy(zero_copy_only=False)) for c in encoded.chunks]
        )
    else:
        dictionary = encoded.dictionary
        codes = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False))
    return codes.astype(np.int64), dictionary


def num_rows(table: TableLike) -> int:
    return table.num_rows if isinstance(table, pa.Table) else len(table)


def floats(table: TableLike, name: str) -> np.ndarray:
    values = column(table, name, default=0.0)
    if pa.types.is_null(values.type):
        return np.full(len(values), np.nan)
    return np.asarray(pc.fill_null(values.cast(pa.float64()), np.nan).to_numpy(), dtype=float)


def grouped_counts(
    keys: Sequence[np.ndarray], weights: Sequence[np.ndarray] = ()
) -> tuple[list[np.ndarray], np.ndarray, list[np.ndarray]]:
    """Count rows per combination of non-negative integer keys (and sum ``weights``): (key columns of each
    present combination, counts, sums). A bincount over the combined key when its range is small."""
    sizes = [int(k.max()) + 1 if len(k) else 1 for k in keys]
    combined = np.zeros(len(keys[0]) if keys else 0, dtype=np.int64)
    for key, size in zip(keys, sizes, strict=True):
        combined = combined * size + key.astype(np.int64)
    span = int(np.prod(sizes)) if sizes else 1
    if span <= 20_000_000:
        counts = np.bincount(combined, minlength=span)
        present = np.flatnonzero(counts)
        sums = [np.bincount(combined, weights=w, minlength=span)[present] for w in weights]
        counts = counts[present]
    else:
        present, inverse, counts = np.unique(combined, return_inverse=True, return_counts=True)
        sums = [np.bincount(inverse, weights=w) for w in weights]
    columns = []
    for size in reversed(sizes):
        columns.append(present % size)
        present = present // size
    return columns[::-1], counts, sums


def nullable(codes: np.ndarray, names: list[Any]) -> np.ndarray:
    """Codes shifted so that the null slot (len(names)) reads as -1 again."""
    return np.where(codes >= len(names), -1, codes)


def rows_of_sorted(sorted_keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Positions in ``sorted_keys`` (ascending) of every key in ``wanted`` (ascending), in order, by binary
    search: how a catalog's annotation rows (sorted by ``sidx``) of some samples are found without a scan."""
    starts = np.searchsorted(sorted_keys, wanted, side="left")
    stops = np.searchsorted(sorted_keys, wanted, side="right")
    lengths = stops - starts
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return np.arange(int(lengths.sum()), dtype=np.int64) + offsets
