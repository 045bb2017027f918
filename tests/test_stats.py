"""Statistics library: each statistic on small known inputs, the generated tables, and the real caption files."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import xarray as xr

from explorer import stats
from explorer.errors import MissingFileError
from explorer.legends import CHATEARTHNET, CORINE19
from explorer.model import ANNOTATION_SCHEMA, SAMPLE_SCHEMA, table_from_columns
from explorer.text import tokenize
from tests.data import annotations as fake


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[pa.Table, pa.Table]:
    folder = fake.make(tmp_path_factory.mktemp("annotations"))
    return pq.read_table(folder / "samples.parquet"), pq.read_table(folder / "annotations.parquet")


def _part(table: pa.Table, name: str) -> pa.Table:
    return table.filter(pc.equal(table["dataset"], name))


@pytest.fixture(scope="module")
def datasets(tables: tuple[pa.Table, pa.Table]) -> list[tuple[str, pa.Table, pa.Table, dict[str, Any]]]:
    samples, annotations = tables
    return [(n, _part(samples, n), _part(annotations, n), {}) for n in (fake.CEN, fake.BEN)]


@pytest.fixture(scope="module")
def computed(datasets: list[Any]) -> dict[str, pd.DataFrame]:
    return stats.compute_all(datasets)


def _annotations(**columns: Any) -> pa.Table:
    n = len(next(iter(columns.values())))
    base = {"dataset": ["d"] * n, "sample_id": [f"s{i}" for i in range(n)], "ann_id": list(range(n))}
    return table_from_columns(ANNOTATION_SCHEMA, {**base, **columns}, length=n)


# --- texts and lengths ---------------------------------------------------------------------------------------
def test_annotation_texts__which_column_per_kind() -> None:
    table = _annotations(
        kind=["caption", "vqa_binary", "vqa_mcq", "refexp", "conversation", "caption"],
        input=["ignored", "Is it wet?", "Which? a) x", "Find <ref>x</ref>.", "Describe.", None],
        output=["A lake.", "yes", "a", "[0 0, 1 1]", "A field.", None],
    )
    texts = stats.annotation_texts(table).to_pylist()
    assert texts == ["A lake.", "Is it wet?", "Which? a) x", "Find <ref>x</ref>.", "Describe. A field.", None]


def test_corpus__counts_equal_the_tokenizer_per_row(tables: tuple[pa.Table, pa.Table]) -> None:
    _, annotations = tables
    corpus = stats.Corpus.from_annotations(annotations)
    texts = stats.annotation_texts(annotations)
    assert corpus.row_index is not None
    np.testing.assert_array_equal(corpus.word_counts()[corpus.row_index], tokenize.word_counts(texts))
    np.testing.assert_array_equal(corpus.sentence_counts()[corpus.row_index], tokenize.sentence_counts(texts))
    assert corpus.n_texts == annotations.num_rows
    assert len(corpus.sentences) < int(corpus.sentence_counts().sum())  # templated sentences stored once


def test_caption_lengths__one_row_per_annotation(tables: tuple[pa.Table, pa.Table]) -> None:
    _, annotations = tables
    lengths = stats.caption_lengths(annotations)
    assert list(lengths.columns) == ["dataset", "source", "split", "kind", "words", "sentences", "chars"]
    assert len(lengths) == annotations.num_rows
    texts = stats.annotation_texts(annotations).to_pylist()
    assert lengths["chars"].tolist() == [len(t or "") for t in texts]
    assert isinstance(lengths["kind"].dtype, pd.CategoricalDtype)


def test_length_summary__equals_numpy_on_the_rows(tables: tuple[pa.Table, pa.Table]) -> None:
    _, annotations = tables
    lengths = stats.caption_lengths(annotations)
    summary = stats.length_summary(lengths, by=("dataset", "kind"))
    for row in summary.itertuples():
        words = lengths.loc[(lengths["dataset"] == row.dataset) & (lengths["kind"] == row.kind), "words"]
        assert row.texts == len(words)
        assert row.mean_words == pytest.approx(words.mean())
        assert row.median_words == pytest.approx(np.median(words))
        assert row.std_words == pytest.approx(words.std())
        assert row.p95_words == np.quantile(words, 0.95, method="inverted_cdf")
        assert (row.min_words, row.max_words) == (words.min(), words.max())


def test_length_histogram__counts_add_up(tables: tuple[pa.Table, pa.Table]) -> None:
    _, annotations = tables
    lengths = stats.caption_lengths(annotations)
    hist = stats.length_histogram(lengths)
    assert hist["count"].sum() == len(lengths)
    assert hist["chars"].sum() == lengths["chars"].sum()


# --- vocabulary ------------------------------------------------------------------------------------------------
def test_vocabulary__sizes_top_words_and_ngrams() -> None:
    vocab = stats.vocabulary(["The water is next to the tree.", "The water.", "The water."], top=10)
    assert (vocab.tokens, vocab.size) == (11, 6)
    assert vocab.type_token_ratio == pytest.approx(6 / 11)
    assert vocab.hapax == 4  # is, next, to, tree
    assert vocab.top_words(2).to_dict("list") == {"token": ["the", "water"], "count": [4, 3]}
    assert vocab.ngrams[2].iloc[0].to_dict() == {"ngram": "the water", "count": 3}
    assert "to the tree" in set(vocab.ngrams[3]["ngram"])


def test_vocabulary__ngrams_do_not_cross_sentences() -> None:
    vocab = stats.vocabulary(["North. East."])
    assert vocab.ngrams[2].empty


def test_vocabulary__zipf_ranks_decreasing_counts() -> None:
    vocab = stats.vocabulary([" ".join(f"w{i}" for i in range(j)) for j in range(1, 40)])
    zipf = vocab.zipf(max_points=10)
    assert zipf["rank"].is_monotonic_increasing and zipf["count"].is_monotonic_decreasing
    assert len(zipf) <= 10 and zipf["rank"].iloc[0] == 1


def test_unique_words__each_side() -> None:
    result = stats.unique_words(["water tree", "water"], ["tree grass"])
    assert result["only_a"]["token"].tolist() == ["water"]
    assert result["only_b"]["token"].tolist() == ["grass"]
    assert result["shared"] == 1


def test_word_cloud__image_from_frequencies_offline() -> None:
    image = stats.word_cloud(
        pd.DataFrame({"token": ["water", "tree", "the"], "count": [10, 5, 50]}), 300, 150
    )
    assert image.size == (300, 150)
    assert np.asarray(image).std() > 0
    assert Path(stats.dejavu_font()).name.startswith("DejaVuSans")


# --- classes ---------------------------------------------------------------------------------------------------
def test_class_frequency_by_sample__arrow_and_pandas_agree(tables: tuple[pa.Table, pa.Table]) -> None:
    samples, _ = tables
    from_arrow = stats.class_frequency_by_sample(samples)
    from_pandas = stats.class_frequency_by_sample(samples.to_pandas())
    pd.testing.assert_frame_equal(from_arrow, from_pandas, check_dtype=False)
    labels = samples.to_pandas()
    cen = labels[labels["dataset"] == fake.CEN]
    water = sum("water" in list(x) for x in cen["labels"])
    row = from_arrow[(from_arrow["dataset"] == fake.CEN) & (from_arrow["class"] == "water")]
    assert int(row["samples"].iloc[0]) == water and row["share"].iloc[0] == pytest.approx(water / len(cen))


class FakeCatalog:
    """Catalog-like: name, samples, annotations, read_layer; one sample's map is missing."""

    def __init__(self) -> None:
        self.name = "fake"
        self.samples = pd.DataFrame(
            {"sample_id": ["a", "b", "broken", "nomap"], "layers": [["landcover"]] * 3 + [["s2"]]}
        )
        self.annotations = _annotations(kind=["caption"], output=["x"])

    def read_layer(self, sample_id: str, kind: str) -> xr.DataArray:
        if sample_id == "broken":
            raise MissingFileError(f"/data/{sample_id}.tif", "a land-cover map")
        codes = {"a": [[10, 10], [80, 0]], "b": [[50, 50], [50, 10]]}[sample_id]
        return xr.DataArray(np.array(codes, dtype=np.uint8), attrs={"legend": "ESA WorldCover"})


def test_class_frequency_by_pixel__catalog_with_local_threads() -> None:
    frame = stats.class_frequency_by_pixel(FakeCatalog())
    pixels = dict(zip(frame["class"], frame["pixels"], strict=True))
    assert pixels["Tree cover"] == 3 and pixels["Built-up"] == 3 and pixels["Permanent water bodies"] == 1
    assert frame["skipped"].iloc[0] == 1  # "broken" is skipped, not fatal; "nomap" has no land-cover layer
    assert frame["samples"].iloc[0] == 2
    assert frame["share"].sum() == pytest.approx(1.0)


def test_class_frequency_by_pixel__arrays_with_legend() -> None:
    arrays = {"x": np.array([[1, 1], [3, 0]]), "y": np.array([[6]])}
    frame = stats.class_frequency_by_pixel(arrays, legend=CHATEARTHNET, dataset="demo")
    assert dict(zip(frame["class"], frame["pixels"], strict=True))["water"] == 2
    assert set(frame["dataset"]) == {"demo"}
    with pytest.raises(ValueError, match="legend"):
        stats.class_frequency_by_pixel(arrays)


def test_class_frequency_by_pixel__existing_dask_cluster() -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        frame = stats.class_frequency_by_pixel(FakeCatalog(), scheduler=cluster.scheduler_address)
    local = stats.class_frequency_by_pixel(FakeCatalog())
    pd.testing.assert_frame_equal(frame, local)


def test_class_mentions__counts_mentions_and_texts() -> None:
    frame = stats.class_mentions(["Water next to water and trees.", "Arable land.", "Nothing."], dataset="d")
    counts = {r["class"]: (r["mentions"], r["texts"]) for r in frame.to_dict("records")}
    assert counts == {"water": (2, 1), "tree": (1, 1), "Arable land": (1, 1)}


# --- spatial language ----------------------------------------------------------------------------------------------
def test_spatial_term_frequency__kinds_and_numeric_sizes() -> None:
    texts = ["In the top left, a large portion of water.", "Top-left: 30% (~708,000 sqm)."] * 2
    frame = stats.spatial_term_frequency(texts, dataset="d")
    counts = {(r["kind"], r["label"]): (r["mentions"], r["texts"]) for r in frame.to_dict("records")}
    assert counts[("POSITION", "top left")] == (4, 4)
    assert counts[("SIZE", "large")] == (2, 2)
    assert counts[("SIZE", "percentage")] == (2, 2) and counts[("SIZE", "area")] == (2, 2)
    assert not any(kind == "CLASS" for kind, _ in counts)


def test_cooccurrence__pmi_by_hand() -> None:
    texts = ["Water in the top left."] * 3 + ["Trees in the middle."] * 1 + ["Water in the middle."] * 1
    table = stats.cooccurrence(texts, level="sentence", min_count=2)
    row = table[(table["term"] == "top left") & (table["class"] == "water")].iloc[0]
    # 5 sentences; "top left" in 3, water in 4, together in 3: PMI = log2(3 * 5 / (3 * 4))
    assert (row["count"], row["term_count"], row["class_count"], row["units"]) == (3, 3, 4, 5)
    assert row["pmi"] == pytest.approx(math.log2(15 / 12)) and bool(row["shown"])
    middle = table[(table["term"] == "middle") & (table["class"] == "water")].iloc[0]
    assert middle["pmi"] < 0 and middle["ppmi"] == 0 and not bool(middle["shown"])


def test_cooccurrence__caption_level_joins_sentences() -> None:
    texts = ["Water. It lies in the top left."]
    assert stats.cooccurrence(texts, level="sentence", min_count=1).empty
    table = stats.cooccurrence(texts, level="caption", min_count=1)
    assert table[["term", "class", "count"]].values.tolist() == [["top left", "water", 1]]
    with pytest.raises(ValueError):
        stats.cooccurrence(texts, level="word")


# --- task mix --------------------------------------------------------------------------------------------------------
def test_task_mix_answer_balance_and_boxes() -> None:
    table = _annotations(
        kind=["vqa_binary", "vqa_binary", "vqa_binary", "vqa_mcq", "vqa_mcq", "refexp", "refexp", "caption"],
        category=["presence", "presence", "area", "count", "count", "point", "reference", None],
        output=["Yes", "no", "maybe", "(b)", "d) Pastures", "[0.1 0.2, 0.5 0.6]", "[0 0, 1 1]", "A lake."],
        bbox_x0=[None] * 5 + [0.1, 0.0, None],
        bbox_y0=[None] * 5 + [0.2, 0.0, None],
        bbox_x1=[None] * 5 + [0.5, 1.0, None],
        bbox_y1=[None] * 5 + [0.6, 1.0, None],
        sample_id=["s1", "s1", "s2", "s2", "s3", "s1", "s1", "s4"],
    )
    mix = stats.task_mix(table)
    counts = {(r["kind"], r["category"]): r["count"] for r in mix.to_dict("records")}
    assert counts[("vqa_binary", "presence")] == 2 and counts[("caption", "(none)")] == 1
    assert mix["share"].sum() == pytest.approx(1.0)
    answers = stats.answer_balance(table)
    got = {(r["kind"], r["answer"]): r["count"] for r in answers.to_dict("records")}
    assert got == {
        ("vqa_binary", "yes"): 1, ("vqa_binary", "no"): 1, ("vqa_binary", "other"): 1,
        ("vqa_mcq", "b"): 1, ("vqa_mcq", "d"): 1,
    }  # fmt: skip
    per_sample = stats.boxes_per_sample(table)
    assert dict(zip(per_sample["boxes"], per_sample["samples"], strict=True)) == {0: 3, 2: 1}
    sizes = stats.box_sizes(table, bins=10)
    area = sizes[sizes["measure"] == "area"]
    assert area["count"].sum() == 2 and area["count"].iloc[1] == 1 and area["count"].iloc[-1] == 1


# --- geography -------------------------------------------------------------------------------------------------------
def test_continent_of__country_first_then_boxes() -> None:
    result = stats.continent_of(
        ["Austria", None, None, None, "Atlantis", None],
        [0, -34.8, 35.0, 40.7, np.nan, np.nan],
        [0, -56.2, 105.0, -74.0, np.nan, np.nan],
    )
    assert result.tolist() == ["Europe", "South America", "Asia", "North America", None, None]


def test_geography__countries_continents_density(tables: tuple[pa.Table, pa.Table]) -> None:
    samples, _ = tables
    countries = stats.samples_per_country(samples)
    assert countries["samples"].sum() == samples.num_rows
    ben = countries[countries["dataset"] == fake.BEN]
    assert set(ben["continent"]) == {"Europe"} and "unknown" not in set(ben["country"])
    density = stats.density_grid(samples, cell_deg=10)
    positioned = int(np.isfinite(samples["lat"].to_numpy(zero_copy_only=False)).sum())
    assert density["count"].sum() == positioned  # the sample without a position is left out
    assert stats.spatial_coverage(_part(samples, fake.BEN)) == "6 countries, 1 continent (Europe)"
    no_position = table_from_columns(SAMPLE_SCHEMA, {"dataset": ["x"], "sample_id": ["a"], "lat": [np.nan]})
    assert stats.spatial_coverage(no_position) == "unknown"


# --- comparison and everything ---------------------------------------------------------------------------------
def test_comparison_table__from_tuples(datasets: list[Any]) -> None:
    table = stats.comparison_table(datasets).set_index("dataset")
    cen = table.loc[fake.CEN]
    assert cen["image-text pairs"] == 150 and cen["captions"] == 150 and cen["images"] == 30
    assert cen["annotation types"] == "caption"
    assert table.loc[fake.BEN, "annotation types"] == "caption, refexp, vqa_binary, vqa_mcq"
    assert table.loc[fake.BEN, "image modality"] == "multispectral + SAR"
    assert cen["spatial coverage"].startswith("6 continents")


def _ucm_and_sydney(root: Path) -> list[tuple[str, pa.Table, pa.Table, dict[str, Any]]]:
    """Both real caption files parsed directly into the common model (no dependency on the readers)."""
    ucm = json.loads((root / "captions/ucm/dataset.json").read_text(encoding="utf-8"))
    ucm_rows = [
        (image["filename"], image["split"], s["raw"]) for image in ucm["images"] for s in image["sentences"]
    ]
    lines = (root / "captions/sydney/descriptions_SIDNEY.txt").read_text(encoding="utf-8").splitlines()
    sydney_rows = [(line.split(" ", 1)[0], None, line.split(" ", 1)[1]) for line in lines if line.strip()]
    out = []
    for name, rows in (("ucm", ucm_rows), ("sydney", sydney_rows)):
        ids = [r[0] for r in rows]
        annotations = table_from_columns(
            ANNOTATION_SCHEMA,
            {
                "dataset": [name] * len(rows),
                "sample_id": ids,
                "ann_id": list(range(len(rows))),
                "kind": ["caption"] * len(rows),
                "split": [r[1] for r in rows],
                "output": [r[2] for r in rows],
            },
        )
        unique = sorted(set(ids))
        samples = table_from_columns(SAMPLE_SCHEMA, {"dataset": [name] * len(unique), "sample_id": unique})
        out.append((name, samples, annotations, {"modality": "RGB aerial"}))
    return out


def test_comparison_table__real_ucm_and_sydney_pairs(shared_fixtures: Path) -> None:
    table = stats.comparison_table(_ucm_and_sydney(shared_fixtures)).set_index("dataset")
    assert table.loc["ucm", "image-text pairs"] == 10_500 and table.loc["ucm", "images"] == 2_100
    assert table.loc["sydney", "image-text pairs"] == 3_065 and table.loc["sydney", "images"] == 613
    assert table.loc["ucm", "spatial coverage"] == "unknown"
    assert 5 < table.loc["ucm", "mean caption length (words)"] < 20
    assert table.loc["ucm", "vocabulary size"] > 200


def test_comparison_table__real_files_through_the_readers(shared_fixtures: Path) -> None:
    from explorer.sources import open_source

    class Opened:
        def __init__(self, path: Path) -> None:
            self.source = open_source(path)
            self.name = self.source.name
            self.samples = self.source.samples()
            self.annotations = pa.concat_tables(list(self.source.annotation_batches()))

    opened = [Opened(shared_fixtures / "captions" / n) for n in ("ucm", "sydney")]
    table = stats.comparison_table(opened)
    assert table["image-text pairs"].tolist() == [10_500, 3_065]
    assert table["caption generation"].tolist() == ["human", "human"]


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


def test_save_stats__parquet_and_csv_round_trip(computed: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    paths = stats.save_stats(computed, tmp_path)
    assert {p.suffix for p in paths} == {".parquet", ".csv"}
    loaded = stats.load_stats(tmp_path)
    assert set(loaded) == set(computed)
    pd.testing.assert_frame_equal(loaded["task_mix"], computed["task_mix"], check_dtype=False)
    assert (
        pd.read_csv(tmp_path / "comparison.csv")["dataset"].tolist()
        == computed["comparison"]["dataset"].tolist()
    )


class CachedCatalog:
    def __init__(self, folder: Path, samples: pa.Table, annotations: pa.Table) -> None:
        self.name, self.path, self.meta = fake.CEN, folder, {"fingerprint": "v1"}
        self.samples, self.annotations = samples.to_pandas(), annotations
        self.stats_dir = folder / "stats"
        self.stats_dir.mkdir(parents=True, exist_ok=True)


def test_cached_stats__reused_until_the_catalog_changes(
    datasets: list[Any], tmp_path: Path, monkeypatch: Any
) -> None:
    _, samples, annotations, _ = datasets[0]
    catalog = CachedCatalog(tmp_path, samples, annotations)
    first = stats.cached_stats(catalog)
    calls = []
    original = stats.compute_all
    monkeypatch.setattr(stats, "compute_all", lambda *a, **k: calls.append(1) or original(*a, **k))
    again = stats.cached_stats(catalog)
    assert calls == [] and set(again) == set(first)
    catalog.meta = {"fingerprint": "v2"}  # the dataset folder changed: recompute
    stats.cached_stats(catalog)
    assert calls == [1]
    stats.cached_stats(catalog, min_count=1)  # other options: recompute
    assert calls == [1, 1]


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
