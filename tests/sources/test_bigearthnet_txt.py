from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from explorer.errors import DataError, MissingFileError, SchemaError
from explorer.model import ANNOTATION_SCHEMA, SAMPLE_SCHEMA
from explorer.sources import detect_format, open_source
from explorer.sources.bigearthnet_txt import (
    BigEarthNetTxtSource,
    annotations_from_table,
    parse_boxes,
    parse_mcq_options,
    parse_points,
    parse_refs,
)
from tests.data import bigearthnet as fake

FIRST = fake.PATCHES[0]["patch_id"]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return fake.make(tmp_path_factory.mktemp("bigearthnet"))


@pytest.fixture(scope="module")
def annotations(data) -> pa.Table:
    source = BigEarthNetTxtSource(data / "bigearthnet-txt")
    return pa.concat_tables(source.annotation_batches())


def by_id(table: pa.Table) -> dict[str, dict]:
    return {r["sample_id"]: r for r in table.to_pylist()}


def write_txt(table: pa.Table, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / "BigEarthNet.txt.parquet")
    return folder


def test_detect_format__folder_file_and_folder_with_v2(data):
    assert detect_format(data / "bigearthnet-txt") == "bigearthnet-txt"
    assert detect_format(data / "bigearthnet-txt" / "BigEarthNet.txt.parquet") == "bigearthnet-txt"
    assert detect_format(data / "bigearthnet-txt-lmdb") == "bigearthnet-txt"  # also holds metadata.parquet
    assert not BigEarthNetTxtSource.detect(data / "bigearthnet-v2")


def test_samples__one_row_per_patch_published_positions(data):
    source = BigEarthNetTxtSource(data / "bigearthnet-txt")
    table = source.samples()
    assert table.schema == SAMPLE_SCHEMA and table.num_rows == 3
    rows = by_id(table)
    for patch in fake.PATCHES[:3]:
        row = rows[patch["patch_id"]]
        assert (row["lat"], row["lon"]) == patch["latlon"]  # exactly as published
        assert row["position"] == "published"
        assert row["country"] == patch["country"] and row["season"] == "Summer"
        assert row["s1_id"] == patch["s1_name"] and row["image"] == patch["patch_id"]
        assert row["layers"] == [] and row["labels"] is None and row["flags"] == []


def test_samples__split_bench_wins_else_most_common(data):
    rows = by_id(BigEarthNetTxtSource(data / "bigearthnet-txt").samples())
    assert rows[FIRST]["split"] == "bench"  # 7 test rows, 2 bench rows
    assert rows[fake.PATCHES[1]["patch_id"]]["split"] == "train"  # 7 train rows, 1 validation row
    assert rows[fake.PATCHES[2]["patch_id"]]["split"] == "train"


def test_samples__same_result_across_many_small_batches(data):
    source = BigEarthNetTxtSource(data / "bigearthnet-txt")
    whole = source.samples()
    source.batch_rows = 4  # patches' rows spread over several batches
    assert source.samples().equals(whole)


def test_samples__row_groups_hashed_in_threads_give_the_one_thread_result(data, tmp_path, monkeypatch):
    # Small row groups, shuffled rows, a null patch id and a null split: every thread count chooses the same
    # split and published row per patch (threads encode their row groups apart; codes are unified after).
    source_path = data / "bigearthnet-txt" / "BigEarthNet.txt.parquet"
    rows = pq.read_table(source_path)
    rows = rows.take(pa.array(np.random.default_rng(5).permutation(rows.num_rows)))
    patch = rows.column("patch_id").to_pylist()
    split = rows.column("split").to_pylist()
    patch[3], split[7] = None, None
    rows = rows.set_column(rows.schema.get_field_index("patch_id"), "patch_id", pa.array(patch, pa.string()))
    rows = rows.set_column(rows.schema.get_field_index("split"), "split", pa.array(split, pa.string()))
    folder = tmp_path / "grouped"
    folder.mkdir()
    pq.write_table(rows, folder / "BigEarthNet.txt.parquet", row_group_size=5)
    chosen = {}
    for threads in (1, 2, 3):
        monkeypatch.setattr("explorer.sources.bigearthnet_txt.ID_THREADS", threads)
        chosen[threads] = BigEarthNetTxtSource(folder)._choose_patch_rows()
    for threads in (2, 3):
        assert chosen[threads]["patch_id"].equals(chosen[1]["patch_id"])
        assert chosen[threads]["split"].equals(chosen[1]["split"])
        np.testing.assert_array_equal(chosen[threads]["row"], chosen[1]["row"])
    assert len(chosen[1]["patch_id"]) == len(set(patch) - {None})


def test_samples__labels_flags_layers_from_imagery_folder(data):
    source = BigEarthNetTxtSource(data / "bigearthnet-txt", imagery=data / "bigearthnet-v2")
    rows = by_id(source.samples())
    for patch in fake.PATCHES[:3]:
        assert rows[patch["patch_id"]]["labels"] == patch["labels"]
        assert rows[patch["patch_id"]]["layers"] == ["s2", "s1", "landcover"]
        assert rows[patch["patch_id"]]["flags"] == []
    layer = source.read_layer(rows[FIRST], "s2")
    assert layer.shape == (12, 120, 120) and layer.rio.crs.to_epsg() == 32633
    assert source.read_layer(rows[FIRST], "landcover").attrs["legend"].startswith("CORINE")


def test_samples__lmdb_in_same_folder(data):
    source = open_source(data / "bigearthnet-txt-lmdb")
    assert isinstance(source, BigEarthNetTxtSource)
    rows = by_id(source.samples())
    assert rows[FIRST]["layers"] == ["s2", "s1"]
    assert rows[FIRST]["labels"] == fake.PATCHES[0]["labels"]
    layer = source.read_layer(rows[FIRST], "s1")
    assert layer.shape == (2, 120, 120) and layer.rio.crs is None


def test_samples__labels_joined_from_real_metadata(data, shared_fixtures):
    source = BigEarthNetTxtSource(data / "bigearthnet-txt", imagery=shared_fixtures / "bigearthnet_v2")
    rows = by_id(source.samples())
    assert rows[FIRST]["labels"] == ["Arable land", "Broad-leaved forest", "Mixed forest", "Pastures"]
    assert rows[fake.PATCHES[2]["patch_id"]]["labels"] == ["Marine waters"]
    assert rows[FIRST]["layers"] == []  # metadata only: no imagery there


def test_read_layer__without_imagery_is_data_error(data):
    source = BigEarthNetTxtSource(data / "bigearthnet-txt")
    with pytest.raises(DataError, match="bigearthnet-txt has none"):
        source.read_layer({"sample_id": FIRST, "image": FIRST}, "s2")


def test_init__missing_imagery_folder(data, tmp_path):
    with pytest.raises(MissingFileError, match="imagery"):
        BigEarthNetTxtSource(data / "bigearthnet-txt", imagery=tmp_path / "nowhere")


def test_samples__missing_column_names_file_and_column(data, tmp_path):
    table = fake.txt_table().drop_columns(["season"])
    source = BigEarthNetTxtSource(write_txt(table, tmp_path / "t"))
    with pytest.raises(SchemaError, match=r"BigEarthNet\.txt\.parquet.*'season'"):
        source.samples()
    with pytest.raises(SchemaError, match="'season'"):
        next(iter(source.annotation_batches()))


def test_samples__wrong_column_type(data, tmp_path):
    table = fake.txt_table()
    index = table.schema.get_field_index("latitude")
    table = table.set_column(index, "latitude", pc.cast(table["latitude"], pa.string()))
    with pytest.raises(SchemaError, match="'latitude' of floating type"):
        BigEarthNetTxtSource(write_txt(table, tmp_path / "t")).samples()


def test_annotation_batches__kinds_ids_and_categories(data, annotations):
    released = fake.txt_table()
    assert annotations.schema == ANNOTATION_SCHEMA
    assert annotations.num_rows == released.num_rows
    assert sorted(annotations["ann_id"].to_pylist()) == sorted(released["ID"].to_pylist())
    mapping = {"captioning": "caption", "binary": "vqa_binary", "mcq": "vqa_mcq", "bounding box": "refexp"}
    assert Counter(annotations["kind"].to_pylist()) == Counter(
        mapping[t] for t in released["type"].to_pylist()
    )
    assert set(annotations["source"].to_pylist()) == {"template"}
    captions = annotations.filter(pc.equal(annotations["kind"], "caption"))
    assert captions["category"].null_count == captions.num_rows  # the literal 'None' becomes null
    assert "None" not in annotations["category"].to_pylist()
    refexp = annotations.filter(pc.equal(annotations["kind"], "refexp"))
    assert set(refexp["category"].to_pylist()) == {"reference", "point"}
    # each annotation keeps its own row's patch and split
    released_rows = {r["ID"]: r for r in released.to_pylist()}
    for row in annotations.to_pylist():
        assert row["sample_id"] == released_rows[row["ann_id"]]["patch_id"]
        assert row["split"] == released_rows[row["ann_id"]]["split"]


def test_annotation_batches__caption_text_in_output(annotations):
    captions = {
        r["sample_id"]: r for r in annotations.filter(pc.equal(annotations["kind"], "caption")).to_pylist()
    }
    assert captions[FIRST]["output"] == fake.CAPTION_1
    assert captions[FIRST]["input"] == fake.CAPTION_INSTRUCTION


def test_annotation_batches__mcq_options_with_commas(annotations):
    mcq = annotations.filter(pc.equal(annotations["kind"], "vqa_mcq")).to_pylist()
    adjacency = [r for r in mcq if r["category"] == "adjacency"]
    assert adjacency and all(r["options"] == fake.MCQ_OPTIONS for r in adjacency)
    assert all(r["output"] == "d" for r in adjacency)
    season = [r for r in mcq if r["category"] == "season"]
    assert all(r["options"] == ["Spring", "Summer", "Autumn", "Winter"] for r in season)


def test_annotation_batches__boxes_refs_points_and_malformed(data, annotations):
    refexp = annotations.filter(pc.equal(annotations["kind"], "refexp")).to_pylist()
    references = [r for r in refexp if r["category"] == "reference"]
    assert all(r["ref"] == "largest connected region of pastures" for r in references)
    assert all(
        (r["bbox_x0"], r["bbox_y0"], r["bbox_x1"], r["bbox_y1"]) == (0.0, 0.33, 0.28, 0.8) for r in references
    )
    assert all(r["point_x"] is None for r in references)
    points = [r for r in refexp if r["category"] == "point"]
    assert all((r["point_x"], r["point_y"]) == (0.82, 0.28) for r in points)
    malformed = [r for r in points if r["output"] == fake.MALFORMED_BOX]
    assert len(malformed) == 1 and malformed[0]["bbox_x0"] is None and malformed[0]["bbox_y1"] is None
    good = [r for r in points if r["output"] != fake.MALFORMED_BOX]
    assert all(
        (r["bbox_x0"], r["bbox_y0"], r["bbox_x1"], r["bbox_y1"]) == (0.64, 0.0, 1.0, 0.71) for r in good
    )
    source = BigEarthNetTxtSource(data / "bigearthnet-txt")
    for _ in source.annotation_batches():
        pass
    assert source.parse_stats["malformed_box"] == 1
    assert any("1 bounding-box outputs" in p.reason for p in source.problems)


def test_annotation_count_hint__row_count(data):
    assert BigEarthNetTxtSource(data / "bigearthnet-txt").annotation_count_hint() == fake.txt_table().num_rows


def test_parse_mcq_options__commas_or_and_question_mark():
    inputs = pa.array(
        [
            "Which? a) Mixed forest, Pastures, b) Moors, heathland and sclerophyllous vegetation, c) X, or d) Y?",
            "no options here",
            None,
        ]
    )
    assert parse_mcq_options(inputs).to_pylist() == [
        ["Mixed forest, Pastures", "Moors, heathland and sclerophyllous vegetation", "X", "Y"],
        [],
        None,
    ]


def test_parse_boxes__valid_negative_and_malformed():
    boxes = parse_boxes(
        pa.array(["[0.0 0.33, 0.28 0.8]", "[-0.1 .5, 1 1.0]", "[0.1 0.2 0.3 0.4]", "0.1 0.2, 0.3 0.4", None])
    )
    assert boxes["bbox_x0"].to_pylist() == [0.0, -0.1, None, None, None]
    assert boxes["bbox_y0"].to_pylist() == [0.33, 0.5, None, None, None]
    assert boxes["bbox_y1"].to_pylist() == [0.8, 1.0, None, None, None]


def test_parse_refs_and_points__only_where_tagged():
    inputs = pa.array(["find <ref>urban fabric</ref> now", "at <point>(0.5, 0.25)</point>", "plain", None])
    assert parse_refs(inputs).to_pylist() == ["urban fabric", None, None, None]
    x, y = parse_points(inputs)
    assert x.to_pylist() == [None, 0.5, None, None] and y.to_pylist() == [None, 0.25, None, None]


def test_annotations_from_table__empty_caption_output_uses_input_and_unknown_type_skipped():
    table = fake.txt_table().slice(0, 3)
    table = pa.table(
        {
            **{name: table[name] for name in table.column_names},
            "type": pa.array(["captioning", "essay", "binary"]),
            "output": pa.array(["", "x", "yes"]),
            "input": pa.array(["A caption given as input.", "x", "Is it?"]),
        }
    ).select(table.column_names)
    out, stats = annotations_from_table(table, "demo")
    rows = {r["kind"]: r for r in out.to_pylist()}
    assert set(rows) == {"caption", "vqa_binary"} and stats["unknown_type"] == 1
    assert rows["caption"]["output"] == "A caption given as input." and rows["caption"]["input"] is None
    assert rows["vqa_binary"]["dataset"] == "demo"


def test_samples__null_published_position_falls_back_to_tile_grid(tmp_path):
    table = fake.txt_table()
    lat = np.array(table["latitude"].to_pylist(), dtype=float)
    lat[np.array(table["patch_id"].to_pylist()) == FIRST] = np.nan
    index = table.schema.get_field_index("latitude")
    table = table.set_column(index, "latitude", pa.array(lat, from_pandas=True))
    rows = by_id(BigEarthNetTxtSource(write_txt(table, tmp_path / "t")).samples())
    assert rows[FIRST]["position"] == "tile-grid"
    assert rows[FIRST]["lat"] == pytest.approx(fake.PATCHES[0]["latlon"][0], abs=1e-6)
    assert rows[fake.PATCHES[1]["patch_id"]]["position"] == "published"


def test_annotations_from_table__dictionary_columns_parse_as_plain_strings():
    # The annotation pass reads the string columns as dictionaries and parses each distinct text once: the
    # result (options, boxes, refs, points, nulls, malformed rows, their counts) is the plain-string one.
    table = fake.txt_table()
    table = table.take(pa.array(np.random.default_rng(3).integers(0, table.num_rows, 4 * table.num_rows)))
    nulls = np.zeros(table.num_rows, dtype=bool)
    nulls[::7] = True
    for name in ("input", "output", "category"):  # some nulls, and a dictionary with unused entries
        column = table[name].combine_chunks()
        table = table.set_column(
            table.schema.get_field_index(name), name, pc.if_else(pa.array(nulls), None, column)
        )
    encoded = table
    for name in ("patch_id", "input", "output", "type", "category", "split"):
        column = pc.dictionary_encode(pa.concat_arrays([table[name].combine_chunks(), pa.array(["unused"])]))
        encoded = encoded.set_column(encoded.schema.get_field_index(name), name, column.slice(0, table.num_rows))
    plain, plain_stats = annotations_from_table(table, "demo")
    coded, coded_stats = annotations_from_table(encoded, "demo")
    assert coded.equals(plain) and coded_stats == plain_stats
    assert plain["bbox_x0"].null_count < plain.num_rows and plain["options"].null_count < plain.num_rows
    assert pa.types.is_dictionary(encoded["input"].type) and coded.schema == plain.schema
