import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from explorer.errors import CorruptFileError, DataError, MissingFileError, SchemaError
from explorer.model import POSITION_NONE, POSITION_WEB_MERCATOR, SAMPLE_SCHEMA
from explorer.sources import detect_format, open_source
from explorer.sources.chatearthnet import ChatEarthNetSource, find_placeholder_images
from tests.data import chatearthnet as cen_data

RGB = "s2_rgb_images/s2_images"
RED_EDGE = "s2_band_5_6_7_images"
NIR_SWIR = "s2_band_8_11_12_images"


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated folder, shared and never modified."""
    return cen_data.make(tmp_path_factory.mktemp("chatearthnet"))


@pytest.fixture
def copy(released: Path, tmp_path: Path) -> Path:
    """A private copy for tests that break files."""
    return Path(shutil.copytree(released, tmp_path / "ChatEarthNet"))


def rows(source: ChatEarthNetSource) -> dict[str, dict]:
    return {row["sample_id"]: row for row in source.samples().to_pylist()}


def annotations(source: ChatEarthNetSource) -> list[dict]:
    return [row for batch in source.annotation_batches() for row in batch.to_pylist()]


def write_captions(root: Path, suffix: str, records: object) -> Path:
    path = root / "json_files" / f"ChatEarthNet_caps_{suffix}.json"
    path.write_text(json.dumps(records))
    return path


# --- detection ----------------------------------------------------------------------------------------------
def test_detect__released_layout(released: Path) -> None:
    assert ChatEarthNetSource.detect(released)
    assert detect_format(released) == "chatearthnet"


def test_detect__image_folders_without_captions(copy: Path) -> None:
    shutil.rmtree(copy / "json_files")
    assert ChatEarthNetSource.detect(copy)


def test_detect__other_folders(tmp_path: Path, released: Path) -> None:
    assert not ChatEarthNetSource.detect(tmp_path)
    assert not ChatEarthNetSource.detect(released / "json_files" / "ChatEarthNet_caps_35_train.json")


# --- samples ------------------------------------------------------------------------------------------------
def test_samples__one_row_per_distinct_image_across_all_files(released: Path) -> None:
    table = ChatEarthNetSource(released).samples()
    assert table.schema == SAMPLE_SCHEMA
    assert sorted(table["sample_id"].to_pylist()) == sorted(cen_data.SAMPLES)
    assert set(table["image"].to_pylist()) == {f"{name}.png" for name in cen_data.SAMPLES}
    assert set(table["dataset"].to_pylist()) == {"ChatEarthNet"}


def test_samples__split_from_first_file_train_before_val_before_test(released: Path) -> None:
    got = {sid: row["split"] for sid, row in rows(ChatEarthNetSource(released)).items()}
    assert got["2815_4942_patch00"] == "train"  # 35_train and 4v_train
    assert got["2815_4942_patch10"] == "val"
    assert got["2815_4942_patch11"] == "val"  # 35_test and 4v_val: val wins


def test_samples__montevideo_tile_position(released: Path) -> None:
    row = rows(ChatEarthNetSource(released))["2815_4942_patch00"]
    assert row["position"] == POSITION_WEB_MERCATOR
    assert row["lat"] == pytest.approx(-34.83, abs=0.05)
    assert row["lon"] == pytest.approx(-56.27, abs=0.05)
    assert row["country"] is None


def test_samples__quadrants_are_row_major_north_west_first(released: Path) -> None:
    got = rows(ChatEarthNetSource(released))
    p00, p01, p10, p11 = (got[f"2815_4942_patch{q}"] for q in ("00", "01", "10", "11"))
    assert p00["lat"] == pytest.approx(p01["lat"]) and p01["lon"] > p00["lon"]  # C: west -> east
    assert p00["lon"] == pytest.approx(p10["lon"]) and p10["lat"] < p00["lat"]  # R: north -> south
    assert p11["lat"] == pytest.approx(p10["lat"]) and p11["lon"] == pytest.approx(p01["lon"])
    # a quadrant is half a zoom-13 tile: 360 / 2**13 / 2 degrees of longitude apart
    assert p01["lon"] - p00["lon"] == pytest.approx(360 / 2**13 / 2)


def test_samples__other_tiles_land_where_expected(released: Path) -> None:
    got = rows(ChatEarthNetSource(released))
    munich, nairobi = got[cen_data.MUNICH], got[cen_data.PLACEHOLDER]
    assert (munich["lat"], munich["lon"]) == (pytest.approx(48.14, abs=0.05), pytest.approx(11.58, abs=0.05))
    assert (nairobi["lat"], nairobi["lon"]) == (
        pytest.approx(-1.29, abs=0.05),
        pytest.approx(36.82, abs=0.05),
    )


def test_samples__layers_from_folder_listings(released: Path) -> None:
    got = rows(ChatEarthNetSource(released))
    assert got[cen_data.LANDCOVER_SAMPLE]["layers"] == ["s2", "landcover"]
    assert got["2815_4942_patch01"]["layers"] == ["s2"]
    assert got["2815_4942_patch01"]["labels"] == [] and got["2815_4942_patch01"]["flags"] == []


def test_samples__missing_band_png_drops_s2_layer(copy: Path) -> None:
    (copy / RED_EDGE / "2815_4942_patch01.png").unlink()
    got = rows(ChatEarthNetSource(copy))
    assert got["2815_4942_patch01"]["layers"] == []
    assert got["2815_4942_patch00"]["layers"] == ["s2", "landcover"]


def test_samples__unparseable_name_listed_without_position(copy: Path) -> None:
    path = write_captions(copy, "4v_test", [{"image": "scene_17.png", "caption": "A river."}])
    source = ChatEarthNetSource(copy)
    row = rows(source)["scene_17"]
    assert np.isnan(row["lat"]) and np.isnan(row["lon"])
    assert row["position"] == POSITION_NONE
    assert row["split"] == "test"
    assert [p.sample_id for p in source.problems] == ["scene_17"]
    assert path.parent.name in source.problems[0].path


def test_samples__image_id_fallback_and_folder_prefix(copy: Path) -> None:
    write_captions(copy, "4v_test", [{"image_id": "s2_images/7000_3000_patch10.png", "caption": "Snow."}])
    row = rows(ChatEarthNetSource(copy))["7000_3000_patch10"]
    assert row["image"] == "7000_3000_patch10.png"
    assert row["layers"] == []  # no PNGs for it


def test_samples__malformed_records_skipped_and_reported(copy: Path) -> None:
    records = [
        {"image": "2815_4942_patch11.png", "caption": "Fine."},
        "not a record",
        {"caption": "no image"},
        {"image": "2815_4942_patch10.png", "caption": 42},
        {"image": "2815_4942_patch10.png", "caption": ["ok", 3]},
    ]
    path = write_captions(copy, "4v_test", records)
    source = ChatEarthNetSource(copy)
    assert len(source.samples()) == len(cen_data.SAMPLES)
    assert [p.reason.split(":")[0] for p in source.problems] == [
        "record 1",
        "record 2",
        "record 3",
        "record 4",
    ]
    assert all(p.path == str(path) for p in source.problems)
    assert sum(a["output"] == "Fine." for a in annotations(source)) == 1


def test_samples__invalid_json_raises_corrupt_file_error_naming_file(copy: Path) -> None:
    path = copy / "json_files" / "ChatEarthNet_caps_35_val.json"
    path.write_text('[{"image": "2815_4942_patch10.png", "caption": "cut')
    with pytest.raises(CorruptFileError, match="ChatEarthNet_caps_35_val.json"):
        ChatEarthNetSource(copy).samples()


def test_samples__not_an_array_raises_schema_error(copy: Path) -> None:
    write_captions(copy, "35_val", {"image": "x.png", "caption": "y"})
    with pytest.raises(SchemaError, match="JSON array"):
        ChatEarthNetSource(copy).samples()


def test_samples__no_caption_files_is_a_clear_error(copy: Path) -> None:
    shutil.rmtree(copy / "json_files")
    with pytest.raises(MissingFileError, match="ChatEarthNet_caps"):
        ChatEarthNetSource(copy).samples()


# --- annotations --------------------------------------------------------------------------------------------
def test_annotation_batches__both_caption_versions(released: Path) -> None:
    got = annotations(ChatEarthNetSource(released))
    assert len(got) == cen_data.N_CAPTIONS
    assert sorted({a["ann_id"] for a in got}) == list(range(cen_data.N_CAPTIONS))
    by_source = {s: [a for a in got if a["source"] == s] for s in ("chatgpt-3.5", "chatgpt-4v")}
    assert (len(by_source["chatgpt-3.5"]), len(by_source["chatgpt-4v"])) == (6, 3)
    assert {a["kind"] for a in got} == {"caption"} and {a["input"] for a in got} == {None}
    four_v = {(a["sample_id"], a["split"]) for a in by_source["chatgpt-4v"]}
    assert four_v == {("2815_4942_patch00", "train"), ("2815_4942_patch11", "val")}


def test_annotation_batches__caption_list_gives_one_row_per_string(released: Path) -> None:
    got = [a for a in annotations(ChatEarthNetSource(released)) if a["source"] == "chatgpt-4v"]
    patch11 = [a["output"] for a in got if a["sample_id"] == "2815_4942_patch11"]
    assert patch11 == cen_data.CAPTIONS["4v_val"][0]["caption"]


def test_annotation_count_hint__known_after_reading(released: Path) -> None:
    source = ChatEarthNetSource(released)
    source.samples()
    assert source.annotation_count_hint() == cen_data.N_CAPTIONS


# --- layers -------------------------------------------------------------------------------------------------
def test_read_layer__s2_nine_bands_in_release_order(released: Path) -> None:
    source = ChatEarthNetSource(released)
    layer = source.read_layer(rows(source)["2815_4942_patch01"], "s2")
    assert layer.dims == ("band", "y", "x") and layer.shape == (9, 256, 256) and layer.dtype == np.uint8
    assert list(layer["band"].values) == ["B04", "B03", "B02", "B05", "B06", "B07", "B08", "B11", "B12"]
    assert layer.attrs["scale"] == "8-bit"
    png = {
        folder: np.asarray(Image.open(released / folder / "2815_4942_patch01.png"))
        for folder in (RGB, NIR_SWIR)
    }
    np.testing.assert_array_equal(layer.sel(band="B04").values, png[RGB][..., 0])
    np.testing.assert_array_equal(layer.sel(band="B02").values, png[RGB][..., 2])
    np.testing.assert_array_equal(layer.sel(band="B12").values, png[NIR_SWIR][..., 2])


def test_read_layer__missing_band_png_names_the_file(copy: Path) -> None:
    source = ChatEarthNetSource(copy)
    sample = rows(source)["2815_4942_patch00"]
    (copy / NIR_SWIR / "2815_4942_patch00.png").unlink()
    with pytest.raises(MissingFileError, match=r"s2_band_8_11_12_images.2815_4942_patch00\.png"):
        source.read_layer(sample, "s2")


def test_read_layer__truncated_png_raises_corrupt_file_error(copy: Path) -> None:
    source = ChatEarthNetSource(copy)
    path = copy / RED_EDGE / "2815_4942_patch00.png"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CorruptFileError, match="s2_band_5_6_7_images"):
        source.read_layer(rows(source)["2815_4942_patch00"], "s2")


def test_read_layer__wrong_shape_raises_data_error(copy: Path) -> None:
    source = ChatEarthNetSource(copy)
    Image.new("RGB", (128, 128)).save(copy / RGB / "2815_4942_patch00.png")
    with pytest.raises(DataError, match="256x256x3") as info:
        source.read_layer(rows(source)["2815_4942_patch00"], "s2")
    assert not isinstance(info.value, (MissingFileError, CorruptFileError))


def test_read_layer__landcover_worldcover_codes(released: Path) -> None:
    source = ChatEarthNetSource(released)
    layer = source.read_layer(rows(source)[cen_data.LANDCOVER_SAMPLE], "landcover")
    assert list(layer["band"].values) == ["landcover"] and layer.shape == (1, 256, 256)
    assert layer.attrs["legend"] == "ESA WorldCover"
    assert set(np.unique(layer.values)) <= {10, 30, 40, 50, 80}


def test_read_layer__landcover_chatearthnet_index(copy: Path) -> None:
    codes = np.tile(np.arange(12, dtype=np.uint8), (256, 22))[:, :256]
    Image.fromarray(codes, "L").save(copy / "landcover" / "2815_4942_patch01.png")
    source = ChatEarthNetSource(copy)
    row = rows(source)["2815_4942_patch01"]
    assert "landcover" in row["layers"]
    assert source.read_layer(row, "landcover").attrs["legend"] == "ChatEarthNet"


def test_read_layer__landcover_geotiff_keeps_crs(copy: Path) -> None:
    import rasterio
    from rasterio.transform import from_bounds

    path = copy / "landcover" / "2815_4942_patch10.tif"
    codes = np.full((1, 64, 64), 80, np.uint8)
    profile = {"driver": "GTiff", "width": 64, "height": 64, "count": 1, "dtype": "uint8", "crs": "EPSG:4326"}
    with rasterio.open(
        path, "w", transform=from_bounds(-56.3, -34.85, -56.27, -34.82, 64, 64), **profile
    ) as dst:
        dst.write(codes)
    source = ChatEarthNetSource(copy)
    layer = source.read_layer(rows(source)["2815_4942_patch10"], "landcover")
    assert layer.attrs["legend"] == "ESA WorldCover" and list(layer["band"].values) == ["landcover"]
    assert layer.rio.crs.to_epsg() == 4326


def test_read_layer__landcover_unknown_codes_raise(copy: Path) -> None:
    Image.fromarray(np.full((8, 8), 200, np.uint8), "L").save(copy / "landcover" / "2815_4942_patch01.png")
    source = ChatEarthNetSource(copy)
    with pytest.raises(DataError, match="WorldCover codes"):
        source.read_layer(rows(source)["2815_4942_patch01"], "landcover")


def test_read_layer__landcover_absent_raises_missing(released: Path) -> None:
    source = ChatEarthNetSource(released)
    with pytest.raises(MissingFileError, match="2815_4942_patch11"):
        source.read_layer(rows(source)["2815_4942_patch11"], "landcover")


def test_read_layer__unknown_kind_raises(released: Path) -> None:
    source = ChatEarthNetSource(released)
    with pytest.raises(DataError, match="s1"):
        source.read_layer(rows(source)["2815_4942_patch11"], "s1")


# --- on-demand checks and facts -----------------------------------------------------------------------------
def test_find_placeholder_images__finds_the_uniform_png(released: Path) -> None:
    assert find_placeholder_images(ChatEarthNetSource(released)) == [cen_data.PLACEHOLDER]


def test_find_placeholder_images__restricted_and_reports_unreadable(copy: Path) -> None:
    (copy / RGB / "2815_4942_patch01.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    source = ChatEarthNetSource(copy)
    assert find_placeholder_images(source, ["2815_4942_patch01", "2815_4942_patch10"]) == []
    assert {p.sample_id for p in source.problems} == {"2815_4942_patch01"}


def test_samples__flag_placeholder_images_found_from_file_sizes(released: Path) -> None:
    flagged = {sid for sid, row in rows(ChatEarthNetSource(released)).items() if row["flags"]}
    assert flagged == {cen_data.PLACEHOLDER}
    assert rows(ChatEarthNetSource(released))[cen_data.PLACEHOLDER]["flags"] == ["placeholder-image"]


def test_samples__small_unreadable_png_is_a_problem_not_a_placeholder(copy: Path) -> None:
    (copy / RGB / "2815_4942_patch01.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    source = ChatEarthNetSource(copy)
    assert rows(source)["2815_4942_patch01"]["flags"] == []
    assert any("2815_4942_patch01.png" in p.path and "placeholder" in p.reason for p in source.problems)


def test_describe__facts_for_the_comparison_table(released: Path) -> None:
    facts = open_source(released).describe()
    assert facts == {
        "modality": "Sentinel-2 multispectral (9 bands, 8-bit PNG)",
        "coverage": "global",
        "generation": "WorldCover + ChatGPT",
    }
