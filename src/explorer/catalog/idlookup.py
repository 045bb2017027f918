"""Where each annotation's sample id is among the sample ids, with the ids hashed ONCE per build worker.

``pc.index_in`` hashes its whole value set again on every call: at 464k BigEarthNet patch ids that was
~0.3 s CPU per 250k-row batch, ~13 s over the 9.55 M rows of a full build. Here every id becomes a 64-bit key
computed with numpy from its bytes (8 bytes at a time, no Python object per id); the sample keys are sorted
once and a batch finds them through a table indexed by the keys' top bits (a binary search of random keys
costs ~10x more: one cache miss per step). A key match is checked against the real strings (one ``take`` and one
``equal``), so a hash collision costs only a slower lookup of the colliding rows, never a wrong row.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MAX_WIDTH = 256  # bytes: longer sample ids are looked up with index_in (no dataset has them so far)
_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [(1 << 64) - 1], dtype=np.uint64)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SLICE = 65_536  # ids hashed at a time: the per-slice temporaries stay a few MB
_PREFIX_BITS = 20  # the sorted keys are reached through a table of their top 20 bits (a 4 MB array)


def _keys(ids: pa.Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(64-bit key, fits) of each id: ``fits`` is False for a null or an id longer than ``width`` bytes."""
    ids = ids.cast(pa.large_string()) if not pa.types.is_large_string(ids.type) else ids
    n = len(ids)
    offsets = np.frombuffer(ids.buffers()[1], dtype=np.int64)[ids.offset : ids.offset + n + 1]
    data_buffer = ids.buffers()[2]
    raw = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    # 8 zero bytes after the data: a word read at any id's start stays inside the buffer.
    padded = np.zeros(raw.size + 8, dtype=np.uint8)
    padded[: raw.size] = raw
    words = np.ndarray(shape=(max(padded.size - 7, 0),), dtype="<u8", buffer=padded.data, strides=(1,))
    lengths = np.diff(offsets)
    fits = lengths <= width
    if ids.null_count:
        fits &= ids.is_valid().to_numpy(zero_copy_only=False)
    keys = np.empty(n, dtype=np.uint64)
    for start in range(0, n, _SLICE):
        stop = min(start + _SLICE, n)
        begin, length = offsets[start:stop], lengths[start:stop]
        key = length.astype(np.uint64) * _MIX
        for word in range(0, int(length[fits[start:stop]].max(initial=0)), 8):
            left = np.clip(length - word, 0, 8)
            value = words[np.minimum(begin + word, words.size - 1)] & _MASKS[left]
            mixed = (key ^ value) * _MIX  # wraps modulo 2**64
            mixed ^= mixed >> np.uint64(29)
            key = np.where(left > 0, mixed, key)  # an id's key depends on its own bytes only
        keys[start:stop] = key
    return keys, fits


class IdLookup:
    """The row of each id among ``sample_ids`` (-1: not a sample), ``index_in``'s answer without its re-hash."""

    def __init__(self, sample_ids: pa.Array) -> None:
        self.sample_ids = sample_ids
        lengths = pc.binary_length(sample_ids).to_numpy(zero_copy_only=False) if len(sample_ids) else []
        self.width = int(np.max(lengths, initial=0))
        self.hashed = self.width <= MAX_WIDTH
        if self.hashed:
            keys, _ = _keys(sample_ids, self.width)
            self.order = np.argsort(keys, kind="stable")
            self.sorted_keys = keys[self.order]
            # Keys with top bits p are sorted_keys[first[p]:first[p + 1]] (~0.5 per slot at 464k ids).
            bounds = np.arange((1 << _PREFIX_BITS) + 1, dtype=np.uint64) << np.uint64(64 - _PREFIX_BITS)
            first = np.searchsorted(self.sorted_keys, bounds[:-1]).astype(np.int64)
            self.first = np.append(first, len(keys)).astype(np.int64)

    def _find(self, keys: np.ndarray) -> np.ndarray:
        """Index in ``sorted_keys`` of each key (any index where it is absent: the caller compares)."""
        prefix = (keys >> np.uint64(64 - _PREFIX_BITS)).astype(np.int64)
        at, end = self.first[prefix], self.first[prefix + 1]
        last = len(self.sorted_keys) - 1
        todo = np.flatnonzero((at < end) & (self.sorted_keys[np.minimum(at, last)] < keys))
        while todo.size:  # step through the few keys sharing a slot
            at[todo] += 1
            moved = at[todo]
            todo = todo[(moved < end[todo]) & (self.sorted_keys[np.minimum(moved, last)] < keys[todo])]
        return np.minimum(at, last)

    def rows(self, ids: pa.Array) -> np.ndarray:
        if not self.hashed or not len(self.sample_ids):
            return self._index_in(ids)
        keys, fits = _keys(ids, self.width)
        at = self._find(keys)
        hit = fits & (self.sorted_keys[at] == keys)
        rows = np.full(len(ids), -1, dtype=np.int64)
        where = np.flatnonzero(hit)
        candidate = self.order[at[where]]
        found = ids if where.size == len(ids) else ids.take(pa.array(where))  # every row a hit: no copy
        same = pc.equal(found, self.sample_ids.take(pa.array(candidate)))
        same_np = same.fill_null(False).to_numpy(zero_copy_only=False)
        rows[where[same_np]] = candidate[same_np]
        # A key shared by two different ids (a collision, or an id equal to a sample's up to trailing zero
        # bytes): those rows are looked up exactly.
        collided = where[~same_np]
        if collided.size:
            rows[collided] = self._index_in(ids.take(pa.array(collided)))
        return rows

    def _index_in(self, ids: pa.Array) -> np.ndarray:
        found = pc.index_in(ids, value_set=self.sample_ids)
        return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
