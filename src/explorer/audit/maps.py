"""Reading the land-cover map of a sample for the audit: once per sample, as plain class codes.

BigEarthNet reference maps are single-band uint16 DEFLATE GeoTIFFs (FORMATS.md section 3). The audit needs
their codes, not their georeferencing. ``decode_tiff`` reads such a file directly (first page's strip or tile
table + ``zlib.decompress`` + the horizontal predictor): tifffile's Python-level parsing of every tag was ~24 %
of the audit's CPU at 464,044 maps. Any layout it does not handle goes to tifffile, and anything tifffile
refuses to the reader's ``read_layer`` (LMDB-only folders, ChatEarthNet PNG maps).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..catalog import Catalog
from ..legends import CORINE19
from ..model import LAYER_LANDCOVER

# TIFF tags and field types the decoder reads (TIFF 6.0)
_WIDTH, _HEIGHT, _BITS, _COMPRESSION, _SAMPLES = 256, 257, 258, 259, 277
_STRIP_OFFSETS, _ROWS_PER_STRIP, _STRIP_BYTES = 273, 278, 279
_PLANAR, _PREDICTOR, _SAMPLE_FORMAT = 284, 317, 339
_TILE_WIDTH, _TILE_LENGTH, _TILE_OFFSETS, _TILE_BYTES = 322, 323, 324, 325
_TYPES = {1: "B", 3: "H", 4: "I", 16: "Q"}  # BYTE, SHORT, LONG, LONG8: the integer types these tags use
_NONE, _DEFLATE, _ADOBE_DEFLATE = 1, 32946, 8
_MAX_PIXELS = (
    1 << 24
)  # a patch map is 120 x 120; larger files go to tifffile (untrusted sizes, no huge buffer)


class UnsupportedTiff(ValueError):
    """A TIFF layout ``decode_tiff`` does not handle (the caller falls back to tifffile)."""


def read_codes(catalog: Catalog, sample: Mapping[str, Any]) -> tuple[np.ndarray, str | None]:
    """(2-D class codes, legend name) of the sample's land-cover map; raises the reader's errors."""
    path = _reference_map_path(catalog, sample)
    if path is not None:
        try:
            codes = _read_tiff_codes(path)
            if codes.ndim == 2 and np.issubdtype(codes.dtype, np.integer):
                return codes, CORINE19.name
        except Exception:  # anything odd: let the reader read it and raise its own, clear error
            pass
    layer = catalog.source.read_layer(sample, LAYER_LANDCOVER)
    values = np.asarray(layer.values)
    return (values[0] if values.ndim == 3 else values), layer.attrs.get("legend")


def _read_tiff_codes(path: Path) -> np.ndarray:
    try:
        return decode_tiff(path.read_bytes())
    except UnsupportedTiff:
        import tifffile

        with tifffile.TiffFile(path) as tif:  # its one page, without imread's series analysis
            return np.asarray(tif.pages.first.asarray() if len(tif.pages) == 1 else tif.asarray())


def decode_tiff(data: bytes) -> np.ndarray:
    """The first page of a single-band integer TIFF (classic, either byte order; strips or tiles; no
    compression or DEFLATE, predictor none or horizontal) as a 2-D array; ``UnsupportedTiff`` otherwise."""
    if len(data) < 8 or data[:4] not in (b"II*\x00", b"MM\x00*"):
        raise UnsupportedTiff("not a classic TIFF")
    order = "<" if data[0] == 0x49 else ">"
    tags = _first_ifd(data, order)
    if tags.get(_SAMPLES, (1,))[0] != 1 or tags.get(_PLANAR, (1,))[0] != 1:
        raise UnsupportedTiff("more than one sample per pixel")
    bits = tags.get(_BITS, (1,))[0]
    sample_format = tags.get(_SAMPLE_FORMAT, (1,))[0]
    if bits not in (8, 16, 32) or sample_format not in (1, 2):
        raise UnsupportedTiff("not 8/16/32-bit integers")
    dtype = np.dtype(f"{order}{'u' if sample_format == 1 else 'i'}{bits // 8}")
    compression = tags.get(_COMPRESSION, (_NONE,))[0]
    predictor = tags.get(_PREDICTOR, (1,))[0]
    if compression not in (_NONE, _DEFLATE, _ADOBE_DEFLATE) or predictor not in (1, 2):
        raise UnsupportedTiff(f"compression {compression} / predictor {predictor}")
    width, height = tags[_WIDTH][0], tags[_HEIGHT][0]
    if not 0 < width * height <= _MAX_PIXELS:
        raise UnsupportedTiff(f"{width} x {height} pixels: not a patch's map")
    if _TILE_OFFSETS in tags:
        block_w, block_h = tags[_TILE_WIDTH][0], tags[_TILE_LENGTH][0]
        offsets, counts = tags[_TILE_OFFSETS], tags[_TILE_BYTES]
    else:
        block_w, block_h = width, min(tags.get(_ROWS_PER_STRIP, (height,))[0], height)
        offsets, counts = tags[_STRIP_OFFSETS], tags[_STRIP_BYTES]
    across, down = -(-width // block_w), -(-height // block_h)
    if len(offsets) != across * down or len(counts) != len(offsets):
        raise UnsupportedTiff("block table does not match the image size")
    if _TILE_OFFSETS not in tags:
        return _decode_strips(data, offsets, counts, width, height, block_h, dtype, compression, predictor)
    out = np.empty((down * block_h, across * block_w), dtype=dtype.newbyteorder("="))
    for i, (offset, count) in enumerate(zip(offsets, counts, strict=True)):
        rows = block_h
        if _TILE_OFFSETS not in tags:  # the last strip may be short
            rows = min(block_h, height - (i // across) * block_h)
        raw = data[offset : offset + count]
        if compression != _NONE:  # never more than the block holds (a file is untrusted: no zlib bomb)
            raw = zlib.decompressobj().decompress(raw, rows * block_w * dtype.itemsize)
        if len(raw) < rows * block_w * dtype.itemsize:
            raise UnsupportedTiff("block shorter than its size")
        block = np.frombuffer(raw, dtype=dtype, count=rows * block_w).reshape(rows, block_w)
        if predictor == 2:
            block = np.cumsum(block, axis=1, dtype=block.dtype)  # wraps as the predictor's sums do
        r, c = (i // across) * block_h, (i % across) * block_w
        out[r : r + rows, c : c + block_w] = block
    return out[:height, :width]


def _decode_strips(
    data: bytes,
    offsets: tuple[int, ...],
    counts: tuple[int, ...],
    width: int,
    height: int,
    rows_per_strip: int,
    dtype: np.dtype,
    compression: int,
    predictor: int,
) -> np.ndarray:
    """Strips are whole rows: their pixels joined are the image, so one array and one predictor sum for
    the map (a patch map has 4 strips: an array, a sum and a copy each cost more than the inflating)."""
    pieces = []
    for i, (offset, count) in enumerate(zip(offsets, counts, strict=True)):
        need = min(rows_per_strip, height - i * rows_per_strip) * width * dtype.itemsize
        raw = data[offset : offset + count]
        if compression != _NONE:  # never more than the block holds (a file is untrusted: no zlib bomb)
            raw = zlib.decompressobj().decompress(raw, need)
        if len(raw) < need:
            raise UnsupportedTiff("block shorter than its size")
        pieces.append(raw[:need])
    image = np.frombuffer(bytearray(b"".join(pieces)), dtype=dtype).reshape(height, width)
    if predictor == 2:
        image = np.cumsum(image, axis=1, dtype=image.dtype)  # wraps as the predictor's sums do
    return image.astype(dtype.newbyteorder("="), copy=False)


def _first_ifd(data: bytes, order: str) -> dict[int, tuple[int, ...]]:
    """The integer tags of the first image file directory: tag -> values."""
    (ifd,) = struct.unpack_from(order + "I", data, 4)
    (n,) = struct.unpack_from(order + "H", data, ifd)
    tags: dict[int, tuple[int, ...]] = {}
    for k in range(n):
        tag, kind, count = struct.unpack_from(order + "HHI", data, ifd + 2 + 12 * k)
        code = _TYPES.get(kind)
        if code is None:
            continue  # ASCII, RATIONAL, DOUBLE: georeferencing and the like, not needed
        size = struct.calcsize(code) * count
        where = ifd + 2 + 12 * k + 8
        if size > 4:
            (where,) = struct.unpack_from(order + "I", data, where)
        if where + size > len(data):
            raise UnsupportedTiff("tag beyond the end of the file")
        tags[tag] = struct.unpack_from(f"{order}{count}{code}", data, where)
    return tags


def _reference_map_path(catalog: Catalog, sample: Mapping[str, Any]) -> Any:
    imagery = getattr(catalog.source, "imagery", None)
    if imagery is None or not getattr(imagery, "has_reference_maps", False):
        return None
    return imagery.reference_map_path(str(sample["sample_id"]))  # a missing file: the reader's error
