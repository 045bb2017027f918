"""Composites, stretch, SAR display and land-cover colouring on layers built in memory."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from explorer import imagery
from explorer.legends import CHATEARTHNET, CORINE19

BEN_BANDS = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12"]
CEN_BANDS = ["B02", "B03", "B04", "B05", "B06", "B07", "B08", "B11", "B12"]


def _layer(bands: list[str], size: int = 20, dtype: type = np.float32, seed: int = 0) -> xr.DataArray:
    rng = np.random.default_rng(seed)
    if dtype == np.uint8:
        data = rng.integers(0, 256, (len(bands), size, size)).astype(np.uint8)
    else:
        data = rng.uniform(0.0, 0.5, (len(bands), size, size)).astype(np.float32)
    # Tag each band with a distinct offset so tests can tell which band landed in which channel.
    return xr.DataArray(data, dims=("band", "y", "x"), coords={"band": bands})


def test_resolve_bands__present_bands_are_kept() -> None:
    assert imagery.resolve_bands(BEN_BANDS, ("B12", "B8A", "B04")) == (("B12", "B8A", "B04"), "")


def test_resolve_bands__missing_b8a_falls_back_to_b08_and_says_so() -> None:
    used, note = imagery.resolve_bands(CEN_BANDS, ("B12", "B8A", "B04"))
    assert used == ("B12", "B08", "B04")
    assert "B8A" in note and "B08" in note


def test_resolve_bands__no_fallback_raises() -> None:
    with pytest.raises(ValueError, match="B10"):
        imagery.resolve_bands(CEN_BANDS, ("B10", "B03", "B02"))


def test_percentile_limits__per_band_2_98() -> None:
    data = np.stack([np.arange(100, dtype=np.float32).reshape(10, 10), np.full((10, 10), 3.0, np.float32)])
    limits = imagery.percentile_limits(data)
    assert limits[0] == pytest.approx([1.98, 97.02])
    assert limits[1] == pytest.approx([3.0, 3.0])


def test_percentile_limits__invalid_order_raises() -> None:
    with pytest.raises(ValueError, match="percentiles"):
        imagery.percentile_limits(np.zeros((1, 2, 2)), (50, 10))


def test_stretch__maps_limits_to_0_and_255_and_clips() -> None:
    data = np.array([[[0.0, 0.1, 0.2, 0.3]]], dtype=np.float32)
    out = imagery.stretch(data, np.array([[0.1, 0.2]]))
    assert out.dtype == np.uint8
    assert out[0, 0].tolist() == [0, 0, 255, 255]


def test_stretch__flat_band_uses_fallback_range_not_grey() -> None:
    white = np.full((1, 4, 4), 255, dtype=np.uint8)
    out = imagery.stretch(white, np.array([[255.0, 255.0]]), fallback=(0.0, 255.0))
    assert (out == 255).all()


def test_composite__true_colour_uses_b04_b03_b02() -> None:
    layer = _layer(BEN_BANDS)
    rendered = imagery.composite(layer, imagery.TRUE_COLOUR)
    assert rendered.bands == ("B04", "B03", "B02")
    assert rendered.rgb.shape == (20, 20, 3) and rendered.rgb.dtype == np.uint8
    expected_red = imagery.stretch(
        layer.sel(band=["B04"]).values, imagery.percentile_limits(layer.sel(band=["B04"]).values)
    )[0]
    np.testing.assert_array_equal(rendered.rgb[:, :, 0], expected_red)


@pytest.mark.parametrize(
    ("name", "bands"),
    [
        (imagery.COLOUR_INFRARED, ("B08", "B04", "B03")),
        (imagery.SWIR, ("B12", "B8A", "B04")),
        (imagery.AGRICULTURE, ("B11", "B08", "B02")),
    ],
)
def test_composite__named_composites_on_bigearthnet_bands(name: str, bands: tuple[str, ...]) -> None:
    rendered = imagery.composite(_layer(BEN_BANDS), name)
    assert rendered.bands == bands
    assert rendered.note == ""


def test_composite__swir_on_chatearthnet_falls_back_to_b08() -> None:
    rendered = imagery.composite(_layer(CEN_BANDS, dtype=np.uint8), imagery.SWIR)
    assert rendered.bands == ("B12", "B08", "B04")
    assert "B8A missing" in rendered.note


def test_composite__custom_bands() -> None:
    rendered = imagery.composite(_layer(BEN_BANDS), imagery.CUSTOM, bands=("B01", "B09", "B12"))
    assert rendered.bands == ("B01", "B09", "B12")


def test_composite__custom_needs_three_bands() -> None:
    with pytest.raises(ValueError, match="three bands"):
        imagery.composite(_layer(BEN_BANDS), imagery.CUSTOM, bands=("B01",))


def test_composite__adjustable_percentiles_change_limits() -> None:
    layer = _layer(BEN_BANDS)
    default = imagery.composite(layer)
    full = imagery.composite(layer, percentiles=(0, 100))
    assert full.limits[0][0] < default.limits[0][0]
    assert full.limits[0][1] > default.limits[0][1]


def test_composite__rgb_only_layer_shows_its_bands_and_says_why() -> None:
    layer = _layer(["R", "G", "B"], dtype=np.uint8)
    rendered = imagery.composite(layer, imagery.COLOUR_INFRARED)
    assert rendered.bands == ("R", "G", "B")
    assert "not in this layer" in rendered.note


def test_composite__all_white_placeholder_stays_white() -> None:
    layer = xr.DataArray(
        np.full((9, 8, 8), 255, np.uint8), dims=("band", "y", "x"), coords={"band": CEN_BANDS}
    )
    layer.attrs["scale"] = "8-bit"
    assert (imagery.composite(layer).rgb == 255).all()


def _sar(vv: float, vh: float) -> xr.DataArray:
    data = np.stack([np.full((4, 4), vv, np.float32), np.full((4, 4), vh, np.float32)])
    return xr.DataArray(data, dims=("band", "y", "x"), coords={"band": ["VV", "VH"]})


def test_sar_image__vv_fixed_range_minus25_to_0() -> None:
    assert imagery.sar_image(_sar(-25.0, -20.0), imagery.SAR_VV).rgb[0, 0].tolist() == [0, 0, 0]
    assert imagery.sar_image(_sar(0.0, -20.0), imagery.SAR_VV).rgb[0, 0].tolist() == [255, 255, 255]
    mid = imagery.sar_image(_sar(-12.5, -20.0), imagery.SAR_VV).rgb[0, 0, 0]
    assert mid in (127, 128)


def test_sar_image__false_colour_channels_vv_vh_ratio() -> None:
    # VV -12.5 dB -> half of -25..0; VH -17.5 dB -> half of -30..-5; ratio 5 dB -> a third of 0..15.
    rgb = imagery.sar_image(_sar(-12.5, -17.5)).rgb[0, 0]
    assert rgb[0] in (127, 128) and rgb[1] in (127, 128) and rgb[2] == 85


def test_sar_image__missing_band_raises() -> None:
    layer = _sar(-10, -15).sel(band=["VV"])
    with pytest.raises(ValueError, match="VH"):
        imagery.sar_image(layer)


def test_landcover_image__colours_and_present_classes_only() -> None:
    codes = np.zeros((1, 10, 10), np.uint16)
    codes[0, :6] = 1  # water, 60 %
    codes[0, 6:] = 3  # tree, 40 %
    layer = xr.DataArray(codes, dims=("band", "y", "x"), coords={"band": ["landcover"]})
    layer.attrs["legend"] = CHATEARTHNET.name
    rgb, entries = imagery.landcover_image(layer)
    assert rgb[0, 0].tolist() == [0, 0, 255]
    assert rgb[9, 9].tolist() == [0, 192, 0]
    assert [(e.name, round(e.share, 2)) for e in entries] == [("water", 0.6), ("tree", 0.4)]


def test_landcover_image__corine_raw_codes_and_nodata() -> None:
    codes = np.array([[[111, 112], [999, 523]]], np.uint16)
    layer = xr.DataArray(codes, dims=("band", "y", "x"), coords={"band": ["landcover"]})
    layer.attrs["legend"] = CORINE19.name
    rgb, entries = imagery.landcover_image(layer)
    assert {e.name for e in entries} == {"Urban fabric", "Marine waters"}
    assert rgb[1, 0].tolist() == [10, 10, 10]  # nodata colour


def test_landcover_image__unknown_legend_raises() -> None:
    layer = xr.DataArray(
        np.zeros((1, 2, 2), np.uint8), dims=("band", "y", "x"), coords={"band": ["landcover"]}
    )
    layer.attrs["legend"] = "nope"
    with pytest.raises(ValueError, match="legend"):
        imagery.landcover_image(layer)


def test_blend__opacity_and_resize() -> None:
    base = np.zeros((4, 4, 3), np.uint8)
    overlay = np.full((2, 2, 3), 200, np.uint8)
    assert (imagery.blend(base, overlay, 0.0) == 0).all()
    half = imagery.blend(base, overlay, 0.5)
    assert half.shape == (4, 4, 3) and (half == 100).all()
