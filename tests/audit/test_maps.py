"""The audit's own TIFF decoder reads maps exactly as tifffile does, and refuses what it does not handle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile

from explorer.audit.maps import UnsupportedTiff, _read_tiff_codes, decode_tiff
from explorer.demo.bigearthnet import _write_tif


def _codes(shape: tuple[int, int], dtype: str = "uint16", seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = np.array([111, 211, 231, 311, 512, 999, 1, 65535 if dtype == "uint16" else 100])
    return values[rng.integers(0, values.size, shape)].astype(dtype)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"compression": "zlib"},
        {"compression": "zlib", "predictor": True},
        {"compression": "zlib", "predictor": True, "rowsperstrip": 7},
        {"compression": "zlib", "tile": (16, 32)},
        {"compression": "zlib", "predictor": True, "tile": (16, 16), "byteorder": ">"},
        {"rowsperstrip": 13, "byteorder": ">"},
    ],
)
@pytest.mark.parametrize("dtype", ["uint16", "uint8", "int32"])
def test_decode_equals_tifffile(tmp_path: Path, options: dict, dtype: str) -> None:
    codes = _codes((120, 100), dtype)
    path = tmp_path / "map.tif"
    tifffile.imwrite(path, codes, **options)
    decoded = decode_tiff(path.read_bytes())
    assert decoded.dtype == codes.dtype and decoded.dtype.isnative
    np.testing.assert_array_equal(decoded, tifffile.imread(path))


def test_decode_reads_gdal_deflate_geotiffs(tmp_path: Path) -> None:
    """The demo's and the bench's reference maps are written by GDAL (rasterio), DEFLATE, with GeoTIFF tags."""
    codes = _codes((120, 120), seed=3)
    path = tmp_path / "ref.tif"
    _write_tif(path, codes, 32633, 300000.0, 5400000.0, 10, compress="deflate", predictor=2)
    np.testing.assert_array_equal(decode_tiff(path.read_bytes()), codes)
    _write_tif(
        path,
        codes,
        32633,
        300000.0,
        5400000.0,
        10,
        compress="deflate",
        tiled=True,
        blockxsize=64,
        blockysize=64,
    )
    np.testing.assert_array_equal(decode_tiff(path.read_bytes()), codes)


def test_decode_real_release_tiffs(shared_fixtures: Path) -> None:
    """Real BigEarthNet GeoTIFFs: integer bands decode as tifffile reads them; float ones are refused."""
    files = sorted((shared_fixtures / "bigearthnet_v1").glob("*/*/*.tif"))
    assert files
    for path in files:
        expected = tifffile.imread(path)
        if np.issubdtype(expected.dtype, np.integer):
            np.testing.assert_array_equal(decode_tiff(path.read_bytes()), expected)
        else:
            with pytest.raises(UnsupportedTiff):
                decode_tiff(path.read_bytes())
            np.testing.assert_array_equal(_read_tiff_codes(path), expected)  # falls back to tifffile


def test_unhandled_layouts_fall_back_to_tifffile(tmp_path: Path) -> None:
    codes = _codes((40, 40))
    _write_tif(tmp_path / "lzw.tif", codes, 32633, 300000.0, 5400000.0, 10, compress="lzw")
    with pytest.raises(UnsupportedTiff):  # read_codes then asks the reader (GDAL)
        decode_tiff((tmp_path / "lzw.tif").read_bytes())
    path = tmp_path / "rgb.tif"
    tifffile.imwrite(path, np.stack([codes] * 3, axis=-1), photometric="rgb")
    with pytest.raises(UnsupportedTiff):
        decode_tiff(path.read_bytes())
    np.testing.assert_array_equal(_read_tiff_codes(path), tifffile.imread(path))
    with pytest.raises(UnsupportedTiff):
        decode_tiff(b"PNG not a tiff")
    tifffile.imwrite(tmp_path / "big.tif", codes, bigtiff=True)
    with pytest.raises(UnsupportedTiff):
        decode_tiff((tmp_path / "big.tif").read_bytes())


def test_oversized_or_empty_maps_are_left_to_tifffile(tmp_path: Path) -> None:
    path = tmp_path / "wide.tif"
    tifffile.imwrite(path, np.zeros((1, 1 << 12), np.uint8), compression="zlib")
    np.testing.assert_array_equal(decode_tiff(path.read_bytes()), np.zeros((1, 1 << 12), np.uint8))
    tifffile.imwrite(path, np.zeros((1 << 12, 1 << 12 + 1), np.uint8), compression="zlib")  # 2^25 pixels
    with pytest.raises(UnsupportedTiff):
        decode_tiff(path.read_bytes())


def test_truncated_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "cut.tif"
    tifffile.imwrite(path, _codes((120, 120)), compression="zlib")
    data = path.read_bytes()
    with pytest.raises(Exception):  # noqa: B017 - zlib's or ours: read_codes then asks the reader
        decode_tiff(data[: len(data) // 2])
