"""IdLookup (catalog/idlookup.py) gives index_in's answer: sample row of each id, -1 for what is no sample."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from explorer.catalog import idlookup
from explorer.catalog.idlookup import IdLookup


def _expected(ids: pa.Array, sample_ids: pa.Array) -> np.ndarray:
    return pc.index_in(ids, value_set=sample_ids).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _tricky_queries(sample_ids: pa.Array, rng: np.random.Generator) -> pa.Array:
    picked = sample_ids.take(pa.array(rng.integers(0, len(sample_ids), 3000))).to_pylist()
    first = sample_ids[0].as_py()
    odd = [
        None, "", "nope", first + "\0", first[:-1], first + "x" * 300, "é" + first, first.upper(),
    ]
    return pa.array(picked + odd + picked[:5], pa.string()).slice(2)  # sliced: a non-zero array offset


@pytest.mark.parametrize("sorted_ids", [True, False])
def test_rows__agree_with_index_in_on_ids_of_every_length_nulls_and_near_misses(sorted_ids):
    rng = np.random.default_rng(3)
    names = {f"S2A_MSIL2A_{rng.integers(10**9)}_{'r' * int(rng.integers(0, 40))}" for _ in range(5000)}
    names |= {"", "a", "é-unicode-ü", "exactly8", "exactly16bytes!!"}
    listed = sorted(names) if sorted_ids else list(rng.permutation(sorted(names)))
    sample_ids = pa.array(listed, pa.string())
    lookup = IdLookup(sample_ids)
    queries = _tricky_queries(sample_ids, rng)
    np.testing.assert_array_equal(lookup.rows(queries), _expected(queries, sample_ids))
    large = queries.cast(pa.large_string())
    np.testing.assert_array_equal(lookup.rows(large), _expected(queries, sample_ids))


def test_rows__colliding_keys_are_resolved_on_the_strings(monkeypatch):
    # Every id gets the same key: each lookup is a collision, answered exactly by the fallback.
    monkeypatch.setattr(idlookup, "_MIX", np.uint64(0))
    sample_ids = pa.array([f"id{i}" for i in range(300)])
    lookup = IdLookup(sample_ids)
    queries = _tricky_queries(sample_ids, np.random.default_rng(1))
    np.testing.assert_array_equal(lookup.rows(queries), _expected(queries, sample_ids))


def test_rows__no_samples_and_ids_too_long_to_hash():
    empty = IdLookup(pa.array([], pa.string()))
    assert empty.rows(pa.array(["a", None])).tolist() == [-1, -1]
    long_ids = pa.array(["x" * 300, "y" * 10])
    lookup = IdLookup(long_ids)
    assert not lookup.hashed
    assert lookup.rows(pa.array(["y" * 10, "z", "x" * 300])).tolist() == [1, -1, 0]
