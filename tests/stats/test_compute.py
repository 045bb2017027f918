"""The compute entry points: every table, pandas vs arrow, selections."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from explorer import stats
from explorer.legends import CORINE19
from tests.data import annotations as fake
from tests.stats.helpers import _part


def test_compute_all__every_table(computed: dict[str, pd.DataFrame]) -> None:
    expected = {
        "length_summary", "length_hist", "vocabulary", "top_words", "ngrams", "zipf", "spatial_terms",
        "class_mentions", "cooccurrence", "task_mix", "answer_balance", "boxes_per_sample", "box_sizes",
        "class_by_sample", "countries", "continents", "density", "comparison",
    }  # fmt: skip
    assert set(computed) == expected
    assert set(computed["comparison"]["dataset"]) == {fake.CEN, fake.BEN}
    vocab = computed["vocabulary"].set_index(["dataset", "group"])
    assert vocab.loc[(fake.CEN, "caption"), "vocabulary"] > 20
    co = computed["cooccurrence"]
    assert co[co["dataset"] == fake.CEN]["shown"].any()


def test_compute_all__pandas_inputs_match_arrow(
    datasets: list[Any], computed: dict[str, pd.DataFrame]
) -> None:
    as_pandas = [(n, s.to_pandas(), a.to_pandas(), d) for n, s, a, d in datasets]
    again = stats.compute_all(as_pandas)
    for key in ("length_summary", "vocabulary", "task_mix", "class_mentions", "comparison"):
        pd.testing.assert_frame_equal(again[key], computed[key], check_dtype=False, check_categorical=False)


def test_compute_selection__equals_computing_the_subset(datasets: list[Any]) -> None:
    name, samples, annotations, _ = datasets[1]
    chosen = samples["sample_id"].to_pylist()[::3]
    prepared = stats.prepare(annotations)
    selected = stats.compute_selection((name, samples, annotations), chosen, prepared=prepared)
    ids = pa.array(chosen)
    direct = stats.compute_all(
        (
            name,
            samples.filter(pc.is_in(samples["sample_id"], value_set=ids)),
            annotations.filter(pc.is_in(annotations["sample_id"], value_set=ids)),
        )
    )
    for key in ("length_summary", "vocabulary", "top_words", "spatial_terms", "class_mentions", "cooccurrence",
                "task_mix", "answer_balance", "boxes_per_sample", "box_sizes", "comparison"):  # fmt: skip
        pd.testing.assert_frame_equal(selected[key], direct[key], check_dtype=False, check_categorical=False)


def test_selection_rows__catalog_sidx_and_hash_paths() -> None:
    annotations = pa.table({"sample_id": ["a", "a", "b", "c", "c", "c"], "sidx": [0, 0, 1, 2, 2, 2]})
    samples = pa.table({"sample_id": ["a", "b", "c"], "sidx": [0, 1, 2]})
    assert stats.selection_rows(annotations, ["c", "a"], samples).tolist() == [0, 1, 3, 4, 5]
    assert stats.selection_rows(annotations, ["c", "a"]).tolist() == [0, 1, 3, 4, 5]
    assert stats.selection_rows(annotations, [], samples).tolist() == []


def test_compute_all__timing_on_generated_rows() -> None:
    """Vectorised: 100,000 BigEarthNet.txt-like rows take seconds (bench/bench_stats.py measures full size)."""
    sample_table = fake.samples(n_per_dataset=5_000)
    table = fake.annotations(sample_table, n_rows=100_000)
    ben = (fake.BEN, _part(sample_table, fake.BEN), _part(table, fake.BEN))
    import time

    start = time.process_time()
    result = stats.compute_all(ben)
    assert time.process_time() - start < 20  # about 0.5 s CPU on the reference machine
    assert int(result["task_mix"]["count"].sum()) == 100_000
    assert CORINE19.names[0] in set(result["class_mentions"]["class"])
