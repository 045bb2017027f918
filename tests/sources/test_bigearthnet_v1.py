import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import rasterio

from explorer import geo
from explorer.errors import MissingFileError
from explorer.sources import detect_format
from explorer.sources._geotiff import S2_BANDS
from explorer.sources.bigearthnet_v1 import BigEarthNetV1Source, epsg_from_wkt, footprint, read_patch_json

FIRST = "S2A_MSIL2A_20170613T101031_87_48"
FIRST_S1 = "S1A_IW_GRDH_1SDV_20170613T165043_33UUP_87_48"
# Centres from the fixtures README: Austria, Ireland x2, Portugal, Finland x2.
EXPECTED = {
    FIRST: (48.2223, 13.7209),
    "S2A_MSIL2A_20170617T113321_36_85": (52.31, -6.89),
    "S2A_MSIL2A_20170617T113321_4_55": (52.64, -7.44),
    "S2A_MSIL2A_20171221T112501_56_35": (39.36, -8.21),
    "S2B_MSIL2A_20170924T93020_69_24": (62.82, 30.60),
    "S2B_MSIL2A_20180204T94161_57_38": (62.68, 30.30),
}


@pytest.fixture(scope="module")
def v1(shared_fixtures) -> Path:
    return shared_fixtures / "bigearthnet_v1"


@pytest.fixture(scope="module")
def samples(v1) -> dict[str, dict]:
    return {r["sample_id"]: r for r in BigEarthNetV1Source(v1).samples().to_pylist()}


@pytest.fixture
def v1_copy(v1, tmp_path) -> Path:
    copy = Path(shutil.copytree(v1, tmp_path / "bigearthnet_v1"))
    for path in copy.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)  # the shared fixtures are read-only
    return copy


def test_detect_format__parent_and_s2_folder(v1):
    assert detect_format(v1) == "bigearthnet-v1"
    assert detect_format(v1 / "BigEarthNet-S2-Example") == "bigearthnet-v1"


def test_samples__positions_from_json_footprint(samples):
    assert set(samples) == set(EXPECTED)  # including the hour without its leading zero (T93020)
    for name, (lat, lon) in EXPECTED.items():
        assert samples[name]["lat"] == pytest.approx(lat, abs=0.01 if name != FIRST else 1e-4)
        assert samples[name]["lon"] == pytest.approx(lon, abs=0.01 if name != FIRST else 1e-4)
        assert samples[name]["position"] == "geotiff"


def test_samples__json_centre_equals_tile_grid(v1, samples):
    """The v1 footprints are the Sentinel-2 tile grid cells (tile origins on the 60 m grid, e.g. 499980)."""
    for name, row in samples.items():
        record = read_patch_json(v1 / "BigEarthNet-S2-Example" / name / f"{name}_labels_metadata.json")
        tile = record["tile_source"].split("_")[5]
        x, y = (int(v) for v in name.split("_")[-2:])
        lon, lat = geo.tile_grid_centres([tile], [x], [y])
        assert row["lat"] == pytest.approx(lat[0], abs=1e-7) and row["lon"] == pytest.approx(lon[0], abs=1e-7)


def test_samples__labels_and_s1_pairs(samples):
    first = samples[FIRST]
    assert first["labels"] == [
        "Non-irrigated arable land",
        "Land principally occupied by agriculture, with significant areas of natural vegetation",
    ]
    assert first["s1_id"] == FIRST_S1
    assert all(r["layers"] == ["s2", "s1"] for r in samples.values())
    assert (
        samples["S2B_MSIL2A_20180204T94161_57_38"]["s1_id"] == "S1A_IW_GRDH_1SDV_20180204T043253_35VPK_57_38"
    )


def test_footprint__s1_lly_typo(v1):
    s1 = read_patch_json(v1 / "BigEarthNet-S1-Example" / FIRST_S1 / f"{FIRST_S1}_labels_metadata.json")
    s2 = read_patch_json(v1 / "BigEarthNet-S2-Example" / FIRST / f"{FIRST}_labels_metadata.json")
    assert "lly" in s1["coordinates"] and "lry" not in s1["coordinates"]
    assert footprint(s1) == footprint(s2) == (32633, 404400.0, 5342400.0, 405600.0, 5341200.0)


def test_epsg_from_wkt__authority_and_pyproj_fallback():
    from pyproj import CRS

    assert epsg_from_wkt(CRS.from_epsg(32629).to_wkt("WKT1_GDAL")) == 32629
    wkt_without_authority = (
        CRS.from_epsg(32635).to_wkt("WKT1_GDAL").rsplit(',AUTHORITY["EPSG","32635"]', 1)[0] + "]"
    )
    assert epsg_from_wkt(wkt_without_authority) == 32635


def test_read_layer__s2_stacked_with_crs(v1, samples):
    source = BigEarthNetV1Source(v1)
    layer = source.read_layer(samples[FIRST], "s2")
    assert layer.shape == (12, 120, 120) and layer.dtype == np.float32
    assert list(layer["band"].values) == list(S2_BANDS)
    assert layer.rio.crs.to_epsg() == 32633
    assert float(layer.x[0]) == 404400 + 5 and float(layer.y[0]) == 5342400 - 5
    band_file = v1 / "BigEarthNet-S2-Example" / FIRST / f"{FIRST}_B05.tif"
    with rasterio.open(band_file) as ds:
        b05 = ds.read(1)
    assert b05.shape == (60, 60)
    np.testing.assert_allclose(layer.sel(band="B05").values[::2, ::2], b05 / 10000, rtol=1e-6)
    np.testing.assert_allclose(layer.sel(band="B05").values[1::2, 1::2], b05 / 10000, rtol=1e-6)
    assert 0 < float(layer.sel(band="B04").mean()) < 0.5  # plausible reflectance


def test_read_native_bands__120_60_20(v1, samples):
    bands = BigEarthNetV1Source(v1).read_native_bands(samples[FIRST])
    assert {n: b.shape[0] for n, b in bands.items()} == {
        "B01": 20, "B02": 120, "B03": 120, "B04": 120, "B05": 60, "B06": 60,
        "B07": 60, "B08": 120, "B8A": 60, "B09": 20, "B11": 60, "B12": 60,
    }  # fmt: skip


def test_read_layer__s1_db_with_crs(v1, samples):
    layer = BigEarthNetV1Source(v1).read_layer(samples[FIRST], "s1")
    assert layer.shape == (2, 120, 120) and layer.dtype == np.float32
    assert list(layer["band"].values) == ["VV", "VH"]
    assert layer.rio.crs.to_epsg() == 32633
    assert float(layer.sel(band="VV").mean()) > float(layer.sel(band="VH").mean())  # VH is weaker
    assert -30 < float(layer.sel(band="VH").mean()) < 0


def test_samples__malformed_json_recorded_patch_still_listed(v1_copy):
    bad = v1_copy / "BigEarthNet-S2-Example" / FIRST / f"{FIRST}_labels_metadata.json"
    bad.write_text('{"labels": ["Pastures"], "coordinates": {"ulx": 4044')
    source = BigEarthNetV1Source(v1_copy)
    by_id = {r["sample_id"]: r for r in source.samples().to_pylist()}
    assert len(by_id) == 6
    assert (
        by_id[FIRST]["labels"] is None
        and np.isnan(by_id[FIRST]["lat"])
        and by_id[FIRST]["position"] == "none"
    )
    assert by_id["S2A_MSIL2A_20171221T112501_56_35"]["position"] == "geotiff"
    assert len(source.problems) == 1
    assert source.problems[0].sample_id == FIRST and source.problems[0].path == str(bad)
    assert "invalid JSON" in source.problems[0].reason


def test_read_layer__missing_band(v1_copy):
    source = BigEarthNetV1Source(v1_copy)
    (v1_copy / "BigEarthNet-S2-Example" / FIRST / f"{FIRST}_B11.tif").unlink()
    with pytest.raises(MissingFileError, match="B11"):
        source.read_layer({"sample_id": FIRST, "image": FIRST}, "s2")


def test_init__folder_without_patches(tmp_path):
    assert not BigEarthNetV1Source.detect(tmp_path)
    with pytest.raises(Exception, match="S2 patch folders"):
        BigEarthNetV1Source(tmp_path)


def test_read_patch_json__not_an_object(tmp_path):
    path = tmp_path / "x_labels_metadata.json"
    path.write_text(json.dumps(["a"]))
    with pytest.raises(ValueError, match="JSON object"):
        read_patch_json(path)
