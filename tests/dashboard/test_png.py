"""The map raster's PNG encoding: Pillow (an independent reader) decodes it to exactly the same pixels."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from explorer.dashboard.png import encode_png, png_data_url


def _decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as png:
        assert png.mode == "RGBA"
        return np.asarray(png)


def test_encode_png__decodes_to_the_same_pixels() -> None:
    rng = np.random.default_rng(12)
    rgba = np.zeros((43, 120, 4), np.uint8)  # mostly transparent, as a map raster is
    rows, cols = rng.integers(0, 43, 300), rng.integers(0, 120, 300)
    rgba[rows, cols] = rng.integers(0, 256, (300, 4), dtype=np.uint8)
    rgba[0, :, :] = [255, 0, 0, 255]  # the first row is the top row of the picture
    np.testing.assert_array_equal(_decode(encode_png(rgba)), rgba)


def test_encode_png__a_transparent_raster_is_small() -> None:
    empty = np.zeros((430, 1200, 4), np.uint8)
    assert len(encode_png(empty)) < empty.nbytes // 100


def test_png_data_url__is_a_base64_png() -> None:
    rgba = np.full((3, 5, 4), 7, np.uint8)
    url = png_data_url(rgba)
    prefix = "data:image/png;base64,"
    assert url.startswith(prefix)
    np.testing.assert_array_equal(_decode(base64.b64decode(url[len(prefix) :])), rgba)


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4, 4), np.float32)])
def test_encode_png__rejects_what_is_not_rgba_bytes(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="uint8"):
        encode_png(bad)
