"""The map's first view (the extent of its points) is computed once per large frame, however many pages draw it."""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pandas as pd

from explorer.dashboard import map_view


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-5e6, 5e6, size=(2, n)).astype(np.float32)
    return pd.DataFrame({"x": xy[0], "y": xy[1], "cat": pd.Categorical(rng.integers(0, 3, n))})


def test_data_extent__a_large_frame_is_measured_once_while_it_lives_a_small_one_every_time(monkeypatch: Any) -> None:
    calls: list[int] = []
    measure = map_view._padded_extent
    monkeypatch.setattr(map_view, "_padded_extent", lambda frame: calls.append(len(frame)) or measure(frame))
    big = _frame(map_view.EXTENT_MEMO_FROM, seed=1)
    extent = map_view.data_extent(big)
    assert extent == measure(big)
    x0, x1 = float(big["x"].min()), float(big["x"].max())
    assert extent[0][0] < x0 and extent[0][1] > x1  # padded around the points
    assert map_view.data_extent(big) == extent and calls == [len(big)]  # the second page: no new pass
    other = _frame(map_view.EXTENT_MEMO_FROM, seed=2)  # another frame (another filter): its own extent
    assert map_view.data_extent(other) == measure(other) and len(calls) == 2
    small = _frame(100, seed=3)
    map_view.data_extent(small)
    map_view.data_extent(small)
    assert len(calls) == 4  # small frames are not remembered
    key = id(big)
    del big
    gc.collect()
    assert (key, "extent") not in map_view._DERIVED  # a frame gone takes its entry with it
    assert map_view.data_extent(None) == (map_view.WORLD_X, map_view.WORLD_Y)


def test_category_counts__the_legends_numbers_once_per_large_frame_while_it_lives() -> None:
    big = _frame(map_view.EXTENT_MEMO_FROM, seed=4)
    counts = map_view.category_counts(big)
    assert counts.to_dict() == big["cat"].value_counts().to_dict() and counts.sum() == len(big)
    assert map_view.category_counts(big) is counts  # the next page: no new pass over the frame
    other = _frame(map_view.EXTENT_MEMO_FROM, seed=5)
    assert map_view.category_counts(other) is not counts
    assert map_view.category_counts(other).to_dict() == other["cat"].value_counts().to_dict()
    key = id(big)
    del big, counts
    gc.collect()
    assert (key, "cat-counts") not in map_view._DERIVED
    assert map_view.category_counts(None).empty
