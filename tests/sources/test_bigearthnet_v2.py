import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import rasterio

from explorer import geo
from explorer.errors import CorruptFileError, DataError, MissingFileError, SchemaError
from explorer.legends import CORINE19
from explorer.sources import detect_format
from explorer.sources._geotiff import S2_BANDS
from explorer.sources.bigearthnet_v2 import BigEarthNetV2Source, s1_product, s2_product
from tests.data import bigearthnet as fake

PUBLISHED_ID = "S2A_MSIL2A_20170613T101031_N9999_R022_T33UUP_26_57"
PUBLISHED_LAT, PUBLISHED_LON = 48.11003471465957, 12.740300299577253
COMPANION_ID = fake.PATCHES[3]["patch_id"]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return fake.make(tmp_path_factory.mktemp("bigearthnet"))


@pytest.fixture
def v2_copy(data, tmp_path) -> Path:
    """A writable copy of the GeoTIFF folder, for tests that break files."""
    return Path(shutil.copytree(data / "bigearthnet-v2", tmp_path / "bigearthnet-v2"))


def rows(source: BigEarthNetV2Source) -> dict[str, dict]:
    return {r["sample_id"]: r for r in source.samples().to_pylist()}


def test_s2_product__drops_last_two_fields():
    assert s2_product(PUBLISHED_ID) == "S2A_MSIL2A_20170613T101031_N9999_R022_T33UUP"


def test_s1_product__drops_last_three_fields():
    assert s1_product("S1B_IW_GRDH_1SDV_20170612T165809_33UUP_26_57") == "S1B_IW_GRDH_1SDV_20170612T165809"


def test_detect_format__geotiff_and_lmdb_folders(data):
    assert detect_format(data / "bigearthnet-v2") == "bigearthnet-v2"
    assert detect_format(data / "bigearthnet-v2-lmdb") == "bigearthnet-v2"
    assert not BigEarthNetV2Source.detect(data / "bigearthnet-txt-lmdb")  # BigEarthNet.txt's reader owns it


def test_samples__generated_folder(data):
    source = BigEarthNetV2Source(data / "bigearthnet-v2")
    table = source.samples()
    assert table.num_rows == 4
    by_id = {r["sample_id"]: r for r in table.to_pylist()}
    for patch in fake.PATCHES:
        row = by_id[patch["patch_id"]]
        assert row["labels"] == patch["labels"]
        assert row["split"] == patch["split"] and row["country"] == patch["country"]
        assert row["s1_id"] == patch["s1_name"] and row["image"] == patch["patch_id"]
        assert row["layers"] == ["s2", "s1", "landcover"]
        assert row["position"] == "tile-grid"
        assert row["flags"] == (["snow-cloud-shadow"] if patch["companion"] else [])
        assert row["lat"] == pytest.approx(patch["latlon"][0], abs=1e-6)
        assert row["lon"] == pytest.approx(patch["latlon"][1], abs=1e-6)
    assert source.problems == []


def test_samples__tile_grid_centre_equals_geotiff_centre(data):
    """The name-derived position and the 10 m band's transform agree, also on a 60 m-snapped tile (29SND)."""
    source = BigEarthNetV2Source(data / "bigearthnet-v2")
    for row in source.samples().to_pylist():
        path = source.s2_band_paths(row["sample_id"])["B02"]
        with rasterio.open(path) as ds:
            cx, cy = ds.xy(59.5, 59.5)  # centre of the 120 x 120 grid
            lon, lat = geo.utm_to_lonlat(ds.crs.to_epsg(), np.array([cx]), np.array([cy]))
        assert row["lat"] == pytest.approx(lat[0], abs=1e-7)
        assert row["lon"] == pytest.approx(lon[0], abs=1e-7)


def test_samples__real_metadata_all_placed(shared_fixtures, tmp_path):
    (tmp_path / "metadata.parquet").symlink_to(shared_fixtures / "bigearthnet_v2" / "metadata.parquet")
    source = BigEarthNetV2Source(tmp_path)
    table = source.samples()
    assert table.num_rows == 480_038
    assert table["lat"].null_count == 0 and not np.isnan(table["lat"].to_numpy()).any()
    assert pc.all(pc.equal(table["position"], "tile-grid")).as_py()
    lat, lon = table["lat"].to_numpy(), table["lon"].to_numpy()
    assert lat.min() > 34 and lat.max() < 71 and lon.min() > -11 and lon.max() < 32  # Europe
    assert pc.count_distinct(table["country"]).as_py() == 10
    assert pc.sum(pc.list_value_length(table["flags"])).as_py() == 0
    assert table["layers"].to_pylist()[0] == []  # no imagery: placed all the same
    row = table.filter(pc.equal(table["sample_id"], PUBLISHED_ID)).to_pylist()[0]
    assert abs(row["lat"] - PUBLISHED_LAT) < 1e-6 and abs(row["lon"] - PUBLISHED_LON) < 1e-6
    assert row["labels"] == ["Arable land", "Broad-leaved forest", "Mixed forest", "Pastures"]


def test_samples__real_metadata_with_companion_flags(shared_fixtures):
    folder = shared_fixtures / "bigearthnet_v2"
    table = BigEarthNetV2Source(folder).samples()
    assert table.num_rows == 480_038 + 69_450
    flagged = table.filter(pc.greater(pc.list_value_length(table["flags"]), 0))
    assert flagged.num_rows == 69_450
    companion = pq.read_table(
        folder / "metadata_for_patches_with_snow_cloud_or_shadow.parquet", columns=["patch_id"]
    )
    assert set(flagged["sample_id"].to_pylist()) == set(companion["patch_id"].to_pylist())
    assert not np.isnan(table["lat"].to_numpy()).any()


def test_samples__unparseable_patch_id_recorded_and_listed(data, tmp_path):
    table = pq.read_table(data / "bigearthnet-v2" / "metadata.parquet")
    ids = table["patch_id"].to_pylist()
    ids[1] = "not_a_patch"
    pq.write_table(table.set_column(0, "patch_id", pa.array(ids)), tmp_path / "metadata.parquet")
    source = BigEarthNetV2Source(tmp_path)
    by_id = rows(source)
    assert len(by_id) == 3
    assert np.isnan(by_id["not_a_patch"]["lat"]) and by_id["not_a_patch"]["position"] == "none"
    assert by_id[PUBLISHED_ID]["position"] == "tile-grid"
    assert [p.sample_id for p in source.problems] == ["not_a_patch"]


def test_samples__missing_column_names_file_and_column(data, tmp_path):
    table = pq.read_table(data / "bigearthnet-v2" / "metadata.parquet").drop_columns(["s1_name"])
    pq.write_table(table, tmp_path / "metadata.parquet")
    with pytest.raises(SchemaError, match=r"metadata\.parquet.*'s1_name'"):
        BigEarthNetV2Source(tmp_path).samples()


def test_samples__corrupt_parquet(tmp_path):
    (tmp_path / "metadata.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(CorruptFileError, match="metadata.parquet"):
        BigEarthNetV2Source(tmp_path).samples()


def test_read_layer__s2_geotiff(data):
    source = BigEarthNetV2Source(data / "bigearthnet-v2")
    sample = rows(source)[PUBLISHED_ID]
    layer = source.read_layer(sample, "s2")
    assert layer.dims == ("band", "y", "x") and layer.shape == (12, 120, 120)
    assert layer.dtype == np.float32
    assert list(layer["band"].values) == list(S2_BANDS)
    assert layer.attrs["resampled_bands"] == ["B01", "B05", "B06", "B07", "B8A", "B09", "B11", "B12"]
    assert layer.rio.crs.to_epsg() == 32633
    paths = source.s2_band_paths(PUBLISHED_ID)
    with rasterio.open(paths["B02"]) as ds:
        b02, transform = ds.read(1), ds.transform
    with rasterio.open(paths["B01"]) as ds:
        b01 = ds.read(1)
    assert b01.shape == (20, 20)
    np.testing.assert_allclose(layer.sel(band="B02").values, b02 / 10000, rtol=1e-6)
    np.testing.assert_allclose(layer.sel(band="B01").values[:6, :6], b01[0, 0] / 10000, rtol=1e-6)
    np.testing.assert_allclose(layer.sel(band="B01").values[6, 6], b01[1, 1] / 10000, rtol=1e-6)
    assert float(layer.x[0]) == transform.c + 5 and float(layer.y[0]) == transform.f - 5
    assert float(layer.x[0]) == 300000 + 26 * 1200 + 5  # the tile grid, independently


def test_read_native_bands__native_sizes(data):
    source = BigEarthNetV2Source(data / "bigearthnet-v2")
    bands = source.read_native_bands(rows(source)[PUBLISHED_ID])
    sizes = {name: band.shape for name, band in bands.items()}
    assert sizes["B02"] == (120, 120) and sizes["B05"] == (60, 60) and sizes["B09"] == (20, 20)
    assert bands["B09"].dtype == np.uint16 and bands["B09"].rio.crs.to_epsg() == 32633


def test_read_layer__s2_lmdb_matches_geotiff(data):
    tiffs = BigEarthNetV2Source(data / "bigearthnet-v2")
    archive = BigEarthNetV2Source(data / "bigearthnet-v2-lmdb")
    for patch in fake.PATCHES[:3]:
        sample = {"sample_id": patch["patch_id"], "image": patch["patch_id"], "s1_id": patch["s1_name"]}
        from_lmdb = archive.read_layer(sample, "s2")
        np.testing.assert_array_equal(from_lmdb.values, tiffs.read_layer(sample, "s2").values)
        assert from_lmdb.rio.crs is None
        np.testing.assert_array_equal(from_lmdb.x.values, np.arange(120))
        np.testing.assert_array_equal(
            archive.read_layer(sample, "s1").values, tiffs.read_layer(sample, "s1").values
        )


def test_read_layer__s1_geotiff(data):
    source = BigEarthNetV2Source(data / "bigearthnet-v2")
    layer = source.read_layer(rows(source)[PUBLISHED_ID], "s1")
    assert layer.shape == (2, 120, 120) and layer.dtype == np.float32
    assert list(layer["band"].values) == ["VV", "VH"]
    assert layer.attrs["units"] == "dB"
    assert float(layer.sel(band="VV").mean()) == pytest.approx(-12.6, abs=0.5)
    assert float(layer.sel(band="VH").mean()) == pytest.approx(-19.3, abs=0.5)
    assert layer.rio.crs.to_epsg() == 32633


def test_read_layer__landcover(data):
    source = BigEarthNetV2Source(data / "bigearthnet-v2")
    layer = source.read_layer(rows(source)[PUBLISHED_ID], "landcover")
    assert layer.shape == (1, 120, 120) and layer.dtype == np.uint16
    assert list(layer["band"].values) == ["landcover"]
    assert layer.attrs["legend"] == CORINE19.name
    assert set(np.unique(layer.values)) == {211, 311, 313, 231}
    assert set(CORINE19.shares(layer.values)) == set(fake.PATCHES[0]["labels"])
    assert layer.rio.crs.to_epsg() == 32633


def test_read_layer__missing_band_names_path_and_band(v2_copy):
    source = BigEarthNetV2Source(v2_copy)
    source.s2_band_paths(PUBLISHED_ID)["B05"].unlink()
    with pytest.raises(MissingFileError, match=r"_B05\.tif.*band B05"):
        source.read_layer({"sample_id": PUBLISHED_ID, "image": PUBLISHED_ID}, "s2")


def test_read_layer__truncated_geotiff_is_corrupt(v2_copy):
    source = BigEarthNetV2Source(v2_copy)
    path = source.s2_band_paths(PUBLISHED_ID)["B03"]
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(CorruptFileError, match=r"_B03\.tif"):
        source.read_layer({"sample_id": PUBLISHED_ID, "image": PUBLISHED_ID}, "s2")


def test_read_layer__wrong_shape_is_data_error(v2_copy):
    source = BigEarthNetV2Source(v2_copy)
    path = source.s2_band_paths(PUBLISHED_ID)["B04"]
    fake.write_tif(path, np.zeros((100, 100), dtype=np.uint16), fake.PATCHES[0])
    with pytest.raises(DataError, match="120x120"):
        source.read_layer({"sample_id": PUBLISHED_ID, "image": PUBLISHED_ID}, "s2")


def test_read_layer__missing_reference_map(v2_copy):
    source = BigEarthNetV2Source(v2_copy)
    source.reference_map_path(PUBLISHED_ID).unlink()
    with pytest.raises(MissingFileError, match="reference_map.tif"):
        source.read_layer({"sample_id": PUBLISHED_ID, "image": PUBLISHED_ID}, "landcover")


def test_read_layer__lmdb_missing_key_names_archive_and_key(data):
    source = BigEarthNetV2Source(data / "bigearthnet-v2-lmdb")
    with pytest.raises(MissingFileError, match=rf"data\.mdb.*{COMPANION_ID}"):
        source.read_layer({"sample_id": COMPANION_ID, "image": COMPANION_ID}, "s2")


def test_available_layers__lmdb_only(data):
    source = BigEarthNetV2Source(data / "bigearthnet-v2-lmdb")
    assert source.available_layers() == ["s2", "s1"]
    assert {tuple(r["layers"]) for r in source.samples().to_pylist()} == {("s2", "s1")}
    with pytest.raises(MissingFileError, match="Reference_Maps"):
        source.read_layer({"sample_id": PUBLISHED_ID, "image": PUBLISHED_ID}, "landcover")


def test_read_layer__no_imagery_at_all(data, tmp_path):
    shutil.copy(data / "bigearthnet-v2" / "metadata.parquet", tmp_path / "metadata.parquet")
    source = BigEarthNetV2Source(tmp_path)
    assert source.available_layers() == []
    with pytest.raises(MissingFileError, match="BigEarthNet-S2"):
        source.read_layer({"sample_id": PUBLISHED_ID, "image": PUBLISHED_ID}, "s2")


def test_describe__modality_and_coverage(data):
    facts = BigEarthNetV2Source(data / "bigearthnet-v2").describe()
    assert facts["modality"] == "Sentinel-1 SAR + Sentinel-2 multispectral (12 bands)"
    assert facts["coverage"] == "Europe (10 countries)"


def test_read_layer__s1_without_pair_is_data_error(data):
    source = BigEarthNetV2Source(data / "bigearthnet-v2")
    with pytest.raises(DataError, match="s1_name paired"):
        source.read_layer({"sample_id": PUBLISHED_ID, "image": PUBLISHED_ID, "s1_id": float("nan")}, "s1")
