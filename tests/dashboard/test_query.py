"""Filtering, vectorised text search, colouring, rasterising and nearest lookup on the demo catalogs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from explorer.dashboard import query


def _indexes(demo_catalogs: list[Any]) -> list[query.CatalogIndex]:
    return [query.index_of(c) for c in demo_catalogs]


def test_to_web_mercator__known_points() -> None:
    x, y = query.to_web_mercator(np.array([0.0, 180.0, np.nan]), np.array([0.0, 0.0, 10.0]))
    assert x[0] == pytest.approx(0.0, abs=1e-6) and y[0] == pytest.approx(0.0, abs=1e-6)
    assert x[1] == pytest.approx(20_037_508.34, rel=1e-9)
    assert np.isnan(x[2])


def test_index_of__is_shared_between_callers(demo_catalogs: list[Any]) -> None:
    assert query.index_of(demo_catalogs[0]) is query.index_of(demo_catalogs[0])


def test_match__no_filter_matches_every_sample(demo_catalogs: list[Any]) -> None:
    matches = query.match(_indexes(demo_catalogs), query.Filters())
    assert matches.count == sum(len(c.samples) for c in demo_catalogs)
    assert matches.message == ""


def test_match__dataset_split_country_filters(demo_catalogs: list[Any]) -> None:
    indexes = _indexes(demo_catalogs)
    ben = next(c for c in demo_catalogs if c.name == "bigearthnet-demo")
    split = str(ben.samples["split"].iloc[0])
    country = str(ben.samples["country"].iloc[0])
    matches = query.match(indexes, query.Filters(dataset="bigearthnet-demo", split=split, country=country))
    expected = ((ben.samples["split"] == split) & (ben.samples["country"] == country)).sum()
    assert matches.count == expected > 0
    assert set(matches.dataset_code.tolist()) == {[ix.name for ix in indexes].index("bigearthnet-demo")}


def test_match__class_filter_uses_labels(demo_catalogs: list[Any]) -> None:
    indexes = _indexes(demo_catalogs)
    ben = next(c for c in demo_catalogs if c.name == "bigearthnet-demo")
    label = str(ben.samples["labels"].iloc[0][0])
    matches = query.match(indexes, query.Filters(label=label))
    expected = sum(label in list(x) for x in ben.samples["labels"])
    assert matches.count == expected > 0


def test_search_annotations__plain_words_ignore_case() -> None:
    table = pa.table(
        {
            "kind": ["caption", "caption", "vqa_binary", "vqa_binary"],
            "input": [None, None, "Is there FOREST here?", "Is there water?"],
            "output": ["A forest in the north.", "Crop land.", "yes", "forest"],
            "sidx": pa.array([0, 1, 2, 3], pa.int32()),
        }
    )
    assert query.search_annotations(table, "forest", regex=False).tolist() == [0, 2]


def test_search_annotations__regex_and_invalid_regex() -> None:
    table = pa.table(
        {
            "kind": ["caption"],
            "input": pa.array([None], pa.string()),
            "output": ["top left water"],
            "sidx": pa.array([7], pa.int32()),
        }
    )
    assert query.search_annotations(table, r"top\s+(left|right)", regex=True).tolist() == [7]
    with pytest.raises(query.InvalidQuery, match="invalid regular expression"):
        query.search_annotations(table, "top(", regex=True)


def test_match__invalid_regex_gives_message_not_exception(demo_catalogs: list[Any]) -> None:
    matches = query.match(_indexes(demo_catalogs), query.Filters(query="water(", regex=True))
    assert matches.count == 0
    assert "invalid regular expression" in matches.message


def test_match__text_search_maps_annotations_to_samples(demo_catalogs: list[Any]) -> None:
    indexes = _indexes(demo_catalogs)
    matches = query.match(indexes, query.Filters(query="top left"))
    assert 0 < matches.count < sum(ix.size for ix in indexes)
    code = int(matches.dataset_code[0])
    ann = indexes[code].catalog.annotations_of(str(indexes[code].sample_ids[matches.sidx[0]]))
    text = " ".join(str(t) for t in ann["output"].tolist() + ann["input"].tolist())
    assert "top left" in text.lower()


def test_match__bounds_keep_points_inside(demo_catalogs: list[Any]) -> None:
    indexes = _indexes(demo_catalogs)
    everything = query.match(indexes, query.Filters())
    box = (0.0, 0.0, 5_000_000.0, 10_000_000.0)
    inside = query.match(indexes, query.Filters(bounds=box))
    assert inside.count == int(
        ((everything.x >= 0) & (everything.x <= 5e6) & (everything.y >= 0) & (everything.y <= 1e7)).sum()
    )


def test_categories__by_split_and_by_class(demo_catalogs: list[Any]) -> None:
    indexes = _indexes(demo_catalogs)
    matches = query.match(indexes, query.Filters())
    by_split = query.categories(indexes, matches, query.COLOR_BY_SPLIT, None)
    assert "train" in set(by_split.categories)
    label = indexes[0].label_names[0] if indexes[0].label_names else indexes[1].label_names[0]
    by_class = query.categories(indexes, matches, query.COLOR_BY_CLASS, label)
    assert set(by_class.categories) <= {f"with {label}", f"without {label}"}
    colors = query.color_key(by_class, query.COLOR_BY_CLASS)
    assert set(colors) == {str(c) for c in by_class.categories}


def test_rasterize_points__draws_points_where_they_are() -> None:
    import pandas as pd

    matches = query.Matches(
        ["d"], np.zeros(1, np.int16), np.zeros(1, np.int64), np.array([0.25]), np.array([0.75])
    )
    frame = query.points_frame(matches, pd.Categorical(["a"]))
    rgba = query.rasterize_points(frame, (0.0, 1.0), (0.0, 1.0), 40, 40, {"a": "#ff0000"})
    assert rgba.shape == (40, 40, 4)
    rows, cols = np.nonzero(rgba[:, :, 3])
    # Row 0 is the top: y = 0.75 lies in the upper half, x = 0.25 in the left half.
    assert rows.mean() < 20 and cols.mean() < 20


def test_nearest__within_tolerance_only(demo_catalogs: list[Any]) -> None:
    matches = query.match(_indexes(demo_catalogs), query.Filters())
    finite = np.flatnonzero(np.isfinite(matches.x))
    target = int(finite[0])
    assert (
        query.nearest(matches, matches.x[target] + 10, matches.y[target], tolerance=1_000) == target
        or (np.hypot(matches.x - matches.x[target], matches.y - matches.y[target]) < 20).sum() > 1
    )
    assert query.nearest(matches, 1e9, 1e9, tolerance=1_000) is None


def test_results_frame__first_rows_in_match_order(demo_catalogs: list[Any]) -> None:
    indexes = _indexes(demo_catalogs)
    matches = query.match(indexes, query.Filters())
    frame = query.results_frame(indexes, matches, limit=5)
    assert list(frame.columns) == ["dataset", "sample_id", "split", "country"]
    assert len(frame) == 5
    assert frame["sample_id"].iloc[0] == indexes[int(matches.dataset_code[0])].sample_ids[matches.sidx[0]]


def test_ids_at__takes_ids_chunk_by_chunk_in_any_order_as_indexing_the_column_would(
    demo_catalogs: list[Any],
) -> None:
    import dataclasses

    import pandas as pd

    ids = [f"s{i:03d}" for i in range(23)]
    column = pa.chunked_array([ids[:5], ids[5:6], ids[6:17], ids[17:]])  # uneven chunks, as a Parquet read gives
    index = dataclasses.replace(_indexes(demo_catalogs)[0], sample_ids=pd.arrays.ArrowExtensionArray(column), _chunks=None)
    rows = np.array([22, 0, 5, 4, 6, 16, 17, 5, 11])  # chunk edges, a repeat, out of order
    assert index.ids_at(rows).tolist() == [ids[r] for r in rows]
    assert index.ids_at(rows.astype(np.int32)).dtype == object
    assert index.ids_at(np.array([], dtype=np.int64)).tolist() == []
    with pytest.raises(IndexError):
        index.ids_at(np.array([23]))
    plain = dataclasses.replace(index, sample_ids=np.array(ids, dtype=object), _chunks=None)  # not Arrow
    assert plain.ids_at(rows).tolist() == [ids[r] for r in rows]


def test_match__without_filters_every_sample_of_each_chosen_dataset_in_order(demo_catalogs: list[Any]) -> None:
    indexes = _indexes(demo_catalogs)
    for dataset in (query.ALL, indexes[1].name):
        matches = query.match(indexes, query.Filters(dataset=dataset))
        chosen = [(code, ix) for code, ix in enumerate(indexes) if dataset in (query.ALL, ix.name)]
        assert matches.sidx.tolist() == [i for _, ix in chosen for i in range(ix.size)]
        assert matches.dataset_code.tolist() == [code for code, ix in chosen for _ in range(ix.size)]
        assert np.array_equal(matches.x, np.concatenate([ix.x for _, ix in chosen]), equal_nan=True)
        assert np.array_equal(matches.y, np.concatenate([ix.y for _, ix in chosen]), equal_nan=True)
        assert matches.sidx.dtype == query.ROW and not matches.x.flags.writeable  # shared: read-only
        cats = query.categories(indexes, matches, query.COLOR_BY_DATASET, None)
        assert list(cats.astype(str)) == [matches.datasets[c] for c in matches.dataset_code]


def test_position_of__finds_each_match_and_nothing_else(demo_catalogs: list[Any]) -> None:
    indexes = _indexes(demo_catalogs)
    ben = next(c for c in demo_catalogs if c.name == "bigearthnet-demo")
    split = str(ben.samples["split"].iloc[0])
    for filters in (query.Filters(), query.Filters(split=split), query.Filters(dataset="bigearthnet-demo")):
        matches = query.match(indexes, filters)
        for position in range(matches.count):
            dataset = matches.datasets[int(matches.dataset_code[position])]
            assert matches.position_of(dataset, int(matches.sidx[position])) == position
        for ix in indexes:  # samples that do not match, and rows beyond the last
            matched = set(matches.sidx[matches.dataset_code == matches.datasets.index(ix.name)].tolist())
            for sidx in [*range(ix.size + 2)]:
                if sidx not in matched:
                    assert matches.position_of(ix.name, sidx) is None
    assert query.match(indexes, query.Filters()).position_of("no-such-dataset", 0) is None
