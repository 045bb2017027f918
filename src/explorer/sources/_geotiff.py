"""Band reading shared by the BigEarthNet readers: single-band GeoTIFFs and rico-hdl LMDB archives.

The dashboard reads one sample's s2 + s1 + landcover on every click, so bands are read with rasterio directly
(open, read, transform, crs) rather than through ``rioxarray.open_rasterio`` per band, and the LMDB
environment is opened once per source. Every failure names the file (or archive and key) and what was expected
there.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import xarray as xr
from affine import Affine
from rasterio.crs import CRS
from rasterio.errors import RasterioError

from ..errors import CorruptFileError, DataError, MissingFileError

PATCH_PX = 120  # BigEarthNet patches are 120 x 120 px at 10 m

# Sentinel-2 bands in wavelength order (B8A sits between B08 and B09; B10 is absent from L2A products).
S2_BANDS: tuple[str, ...] = (
    "B01",
    "B02",
    "B03",
    "B04",
    "B05",
    "B06",
    "B07",
    "B08",
    "B8A",
    "B09",
    "B11",
    "B12",
)
S2_NATIVE_PX: dict[str, int] = {
    **dict.fromkeys(("B02", "B03", "B04", "B08"), 120),  # 10 m
    **dict.fromkeys(("B05", "B06", "B07", "B8A", "B11", "B12"), 60),  # 20 m
    **dict.fromkeys(("B01", "B09"), 20),  # 60 m
}
S2_REFERENCE_BAND = "B02"  # a 10 m band: its transform gives the layer's x/y
S1_BANDS: tuple[str, ...] = ("VV", "VH")
S2_DN_SCALE = 10_000.0  # L2A digital number -> surface reflectance

# BigEarthNet has no sidecar files (.aux.xml, .ovr): not listing each patch folder saves time per band.
_GDAL_ENV = {"GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR"}


@dataclass(frozen=True)
class Band:
    """One band as read; ``transform`` and ``crs`` are None when the source has no georeferencing."""

    name: str
    data: np.ndarray
    transform: Affine | None = None
    crs: CRS | None = None


class MissingKeyError(MissingFileError):
    """A key the layout requires is absent from an LMDB archive (the archive itself exists)."""

    def __init__(self, path: str | Path, expected: str) -> None:
        DataError.__init__(self, path, expected, "no such key")


def gdal_env() -> rasterio.Env:
    """One GDAL environment for all band reads of a layer (cheaper than one per ``rasterio.open``)."""
    return rasterio.Env(**_GDAL_ENV)


def read_geotiff_band(path: Path, name: str, what: str) -> Band:
    """Band 1 of a GeoTIFF with its transform and CRS; ``what`` says which band of which patch, for errors."""
    try:
        with rasterio.open(path) as ds:
            data = ds.read(1)
            transform, crs = ds.transform, ds.crs
    except RasterioError as exc:
        if not path.exists():
            raise MissingFileError(path, f"band {name} GeoTIFF of {what}") from None
        # rasterio's "Read failed. See previous exception" keeps GDAL's reason (a truncated strip) as cause.
        reason = str(exc.__cause__) if exc.__cause__ is not None else str(exc)
        raise CorruptFileError(
            path, f"a readable single-band GeoTIFF (band {name} of {what})", reason
        ) from None
    return Band(name, data, transform, crs)


def read_geotiff_bands(paths: Mapping[str, Path], what: str) -> dict[str, Band]:
    with gdal_env():
        return {name: read_geotiff_band(path, name, what) for name, path in paths.items()}


def check_shape(band: Band, expected: int, where: str | Path) -> None:
    if band.data.shape != (expected, expected):
        shape = "x".join(str(s) for s in band.data.shape)
        raise DataError(where, f"band {band.name} of {expected}x{expected} pixels", f"{shape}")


def upsample(data: np.ndarray, size: int) -> np.ndarray:
    """Repeat a coarser band to ``size`` x ``size`` (nearest neighbour: no invented values)."""
    factor = size // data.shape[0]
    if factor == 1:
        return data
    return np.repeat(np.repeat(data, factor, axis=0), factor, axis=1)


def stack_s2(bands: Mapping[str, Band], where: str | Path) -> tuple[np.ndarray, list[str]]:
    """The 12 S2 bands as float32 reflectance (12, 120, 120) in ``S2_BANDS`` order, and which were repeated.

    A band must be square with a size dividing 120 (its native 120, 60 or 20 px), else DataError.
    """
    out = np.empty((len(S2_BANDS), PATCH_PX, PATCH_PX), dtype=np.float32)
    resampled = []
    for index, name in enumerate(S2_BANDS):
        band = bands[name]
        rows, cols = band.data.shape if band.data.ndim == 2 else (0, -1)
        if rows != cols or rows == 0 or PATCH_PX % rows:
            shape = "x".join(str(s) for s in band.data.shape)
            native = S2_NATIVE_PX[name]
            raise DataError(
                where, f"band {name} of {native}x{native} pixels (expected 120x120 after resampling)", shape
            )
        if rows != PATCH_PX:
            resampled.append(name)
        np.divide(upsample(band.data, PATCH_PX), S2_DN_SCALE, out=out[index], casting="unsafe")
    return out, resampled


def pixel_centres(transform: Affine, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """x (columns) and y (rows) of pixel centres for a north-up transform."""
    x = transform.c + transform.a * (np.arange(width) + 0.5)
    y = transform.f + transform.e * (np.arange(height) + 0.5)
    return x, y


def band_array(
    data: np.ndarray,
    names: Sequence[str],
    transform: Affine | None,
    crs: CRS | None,
    attrs: Mapping[str, Any],
) -> xr.DataArray:
    """A ``(band, y, x)`` DataArray: map coordinates and CRS when georeferenced, pixel indices otherwise."""
    _, height, width = data.shape
    if transform is not None and crs is not None:
        x, y = pixel_centres(transform, width, height)
    else:
        x, y = np.arange(width, dtype=float), np.arange(height, dtype=float)
    array = xr.DataArray(
        data, dims=("band", "y", "x"), coords={"band": list(names), "y": y, "x": x}, attrs=dict(attrs)
    )
    if transform is not None and crs is not None:
        # Imported here: it registers the .rio accessor, and costs ~1 s of CPU (dask, scipy) that every process
        # registering the readers paid, a catalog build included, though only layer reads need it.
        import rioxarray  # noqa: F401

        array.rio.write_crs(crs, inplace=True)
        array.rio.write_transform(transform, inplace=True)
    return array


# --- rico-hdl LMDB -----------------------------------------------------------------------------------------
def s2_layer(bands: Mapping[str, Band], where: str | Path) -> xr.DataArray:
    """The ``s2`` layer of the common model from native-size bands: 10 m grid, reflectance, provenance attrs."""
    data, resampled = stack_s2(bands, where)
    reference = bands[S2_REFERENCE_BAND]
    attrs = {
        "units": "reflectance",
        "scale": "DN / 10000",
        "resampled_bands": resampled,
        "resampling": "nearest (pixel repeat)",
        "sensor": "Sentinel-2 L2A",
    }
    return band_array(data, S2_BANDS, reference.transform, reference.crs, attrs)


def find_lmdb(root: Path) -> Path | None:
    """The folder holding ``data.mdb``: ``root`` or one sub-folder (``*.lmdb/`` preferred), else None."""
    if (root / "data.mdb").is_file():
        return root
    try:
        children = sorted(
            (p for p in root.iterdir() if p.is_dir()), key=lambda p: (p.suffix != ".lmdb", p.name)
        )
    except OSError:
        return None
    for child in children:
        if (child / "data.mdb").is_file():
            return child
    return None


class LmdbArchive:
    """A read-only rico-hdl archive: key = patch name (utf-8), value = safetensors blob {band: array}."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "data.mdb"
        self._env: Any = None
        self._lock = threading.Lock()

    def _open(self) -> Any:
        if self._env is None:
            with self._lock:
                if self._env is None:
                    import lmdb

                    try:
                        # lock=False: the archive is never written while read; may be on read-only storage.
                        self._env = lmdb.open(
                            str(self.folder), readonly=True, lock=False, readahead=False, max_readers=512
                        )
                    except lmdb.Error as exc:
                        raise CorruptFileError(self.path, "an LMDB database (rico-hdl)", str(exc)) from None
        return self._env

    def has_any(self, keys: Iterable[str]) -> bool:
        """True if any of ``keys`` is stored: a cheap probe for which modalities an archive holds."""
        env = self._open()
        with env.begin(buffers=True) as txn:
            return any(txn.get(key.encode("utf-8")) is not None for key in keys)

    def get(self, key: str, what: str) -> dict[str, np.ndarray]:
        from safetensors.numpy import load

        env = self._open()
        with env.begin() as txn:
            value = txn.get(key.encode("utf-8"))
        if value is None:
            raise MissingKeyError(self.path, f"key {key!r} ({what})")
        try:
            return load(value)
        except Exception as exc:  # safetensors raises its own SafetensorError and ValueError
            raise CorruptFileError(self.path, f"a safetensors blob under key {key!r}", str(exc)) from None

    def bands(self, key: str, names: Sequence[str], what: str) -> dict[str, Band]:
        tensors = self.get(key, what)
        missing = [n for n in names if n not in tensors]
        if missing:
            raise DataError(
                self.path, f"bands {', '.join(names)} under key {key!r}", f"no {', '.join(missing)}"
            )
        return {n: Band(n, tensors[n]) for n in names}

    def close(self) -> None:
        if self._env is not None:
            self._env.close()
            self._env = None
