"""BigEarthNet v2.0 ("reBEN"): metadata.parquet plus GeoTIFF folders and/or a rico-hdl LMDB archive.

Layout (FORMATS.md section 3)::

    metadata.parquet                                       480,038 patches: labels, split, country, s1_name
    metadata_for_patches_with_snow_cloud_or_shadow.parquet 69,450 excluded patches (listed here, flagged)
    BigEarthNet-S2/<S2 product>/<patch_id>/<patch_id>_<BAND>.tif
    BigEarthNet-S1/<S1 product>/<s1_name>/<s1_name>_{VV,VH}.tif
    Reference_Maps/<S2 product>/<patch_id>/<patch_id>_reference_map.tif
    data.mdb (here or in a sub-folder such as Encoded-BigEarthNet/ or *.lmdb/): rico-hdl archive

The metadata has no coordinates: every patch is placed from the Sentinel-2 tile grid in its name
(``..._T<tile>_<x>_<y>``), which is exact (it reproduces BigEarthNet.txt's published centres), so all patches
appear on the map without any imagery.

The ``s2`` layer stacks the 12 bands in wavelength order B01, B02, B03, B04, B05, B06, B07, B08, B8A, B09,
B11, B12 as float32 reflectance (DN / 10000), with the 20 m and 60 m bands repeated to the 120 x 120 grid
(``attrs["resampled_bands"]``). From GeoTIFFs it carries UTM x/y and the CRS; from the LMDB (which stores no
georeferencing) x/y are pixel indices and there is no CRS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xarray as xr

from .. import geo
from ..errors import CorruptFileError, DataError, MissingFileError, SchemaError
from ..legends import CORINE19
from ..model import (
    LAYER_LANDCOVER,
    LAYER_S1,
    LAYER_S2,
    POSITION_NONE,
    POSITION_TILE_GRID,
    SAMPLE_SCHEMA,
    table_from_columns,
)
from . import _geotiff as gt
from . import register
from .base import DatasetSource

METADATA_FILE = "metadata.parquet"
COMPANION_FILE = "metadata_for_patches_with_snow_cloud_or_shadow.parquet"
S2_DIR = "BigEarthNet-S2"
S1_DIR = "BigEarthNet-S1"
REFERENCE_DIR = "Reference_Maps"
REQUIRED_COLUMNS = ("patch_id", "labels", "split", "country", "s1_name")
FLAG_SNOW_CLOUD = "snow-cloud-shadow"
TILE_PATTERN = r"_T(?P<tile>\d{2}[A-Z]{3})_(?P<x>\d+)_(?P<y>\d+)$"
_MAX_PROBLEMS = 1000  # individual problems recorded per listing; the rest are summarised in one line


def s2_product(patch_id: str) -> str:
    """``S2A_MSIL2A_20170613T101031_N9999_R022_T33UUP_26_57`` -> ``..._N9999_R022_T33UUP``."""
    return patch_id.rsplit("_", 2)[0]


def s1_product(s1_name: str) -> str:
    """``S1B_IW_GRDH_1SDV_20170612T165809_33UUP_26_57`` -> ``S1B_IW_GRDH_1SDV_20170612T165809``."""
    return s1_name.rsplit("_", 3)[0]


def repeated_list(items: Sequence[str], length: int) -> pa.ListArray:
    """The same short list of strings in every row, built from offsets (no per-row Python objects)."""
    k = len(items)
    offsets = pa.array(np.arange(length + 1, dtype=np.int32) * k)
    values = pc.take(pa.array(list(items), pa.string()), pa.array(np.tile(np.arange(k), length)))
    return pa.ListArray.from_arrays(offsets, values)


def flag_list(mask: np.ndarray, flag: str) -> pa.ListArray:
    """``[flag]`` where ``mask`` is true, ``[]`` elsewhere."""
    offsets = np.zeros(len(mask) + 1, dtype=np.int32)
    np.cumsum(mask, out=offsets[1:])
    values = pc.take(pa.array([flag], pa.string()), pa.array(np.zeros(int(offsets[-1]), dtype=np.int32)))
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def tile_grid_positions(patch_ids: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lat, lon, parsed) of patch names ``..._T<tile>_<x>_<y>``; NaN where a name does not parse."""
    parts = pc.extract_regex(patch_ids, TILE_PATTERN)
    parsed = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    tiles = pd.Series(pc.struct_field(parts, "tile").to_numpy(zero_copy_only=False)).where(parsed, None)
    xs = (
        pc.if_else(parsed, pc.struct_field(parts, "x"), None)
        .cast(pa.float64())
        .to_numpy(zero_copy_only=False)
    )
    ys = (
        pc.if_else(parsed, pc.struct_field(parts, "y"), None)
        .cast(pa.float64())
        .to_numpy(zero_copy_only=False)
    )
    lon, lat = geo.tile_grid_centres(tiles, xs, ys)
    return np.asarray(lat, dtype=float), np.asarray(lon, dtype=float), parsed


def read_parquet_checked(
    path: Path, required: Sequence[str], columns: Sequence[str] | None = None
) -> pa.Table:
    """A Parquet table, with a SchemaError naming the file and the first missing column."""
    if not path.is_file():
        raise MissingFileError(path, "a BigEarthNet metadata Parquet table")
    try:
        names = pq.read_schema(path).names
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError for non-Parquet bytes
        raise CorruptFileError(path, "a readable Parquet file", str(exc)) from None
    for column in required:
        if column not in names:
            raise SchemaError(path, f"a column {column!r}", f"columns {', '.join(names)}")
    wanted = [c for c in (columns or required) if c in names]
    try:
        return pq.read_table(path, columns=wanted)
    except Exception as exc:
        raise CorruptFileError(path, "a readable Parquet file", str(exc)) from None


@register
class BigEarthNetV2Source(DatasetSource):
    """BigEarthNet v2.0 folder: metadata.parquet with GeoTIFF folders, reference maps and/or an LMDB."""

    format_name = "bigearthnet-v2"
    description = (
        "BigEarthNet v2.0: metadata.parquet with BigEarthNet-S2/, BigEarthNet-S1/, Reference_Maps/ "
        "and/or a rico-hdl LMDB (data.mdb)"
    )

    def __init__(self, root: str | Path, name: str | None = None) -> None:
        super().__init__(root, name)
        self.metadata_path = self.root / METADATA_FILE
        self.companion_path = self.root / COMPANION_FILE
        self.s2_dir = self.root / S2_DIR
        self.s1_dir = self.root / S1_DIR
        self.reference_dir = self.root / REFERENCE_DIR
        self.has_s2_tiffs = self.s2_dir.is_dir()
        self.has_s1_tiffs = self.s1_dir.is_dir()
        self.has_reference_maps = self.reference_dir.is_dir()
        lmdb_folder = gt.find_lmdb(self.root)
        self.lmdb = gt.LmdbArchive(lmdb_folder) if lmdb_folder is not None else None
        self._layers: list[str] | None = None

    # --- detection ------------------------------------------------------------------------------------------
    @classmethod
    def detect(cls, root: Path) -> bool:
        if not root.is_dir() or (root / "BigEarthNet.txt.parquet").is_file():
            return False  # a folder with BigEarthNet.txt belongs to that reader, which composes this one
        if not (root / METADATA_FILE).is_file():
            return False
        if (
            any((root / d).is_dir() for d in (S2_DIR, S1_DIR, REFERENCE_DIR))
            or (root / COMPANION_FILE).is_file()
        ):
            return True
        try:  # a bare metadata.parquet: only if it is BigEarthNet's (footer read only)
            names = pq.read_schema(root / METADATA_FILE).names
        except Exception:
            return False
        return "patch_id" in names and "s1_name" in names

    @staticmethod
    def has_imagery(root: Path) -> bool:
        """True when ``root`` holds any v2 imagery (GeoTIFF folders or an LMDB) or its metadata."""
        return root.is_dir() and (
            any((root / d).is_dir() for d in (S2_DIR, S1_DIR, REFERENCE_DIR))
            or (root / METADATA_FILE).is_file()
            or gt.find_lmdb(root) is not None
        )

    # --- tables ---------------------------------------------------------------------------------------------
    def samples(self) -> pa.Table:
        columns = [*REQUIRED_COLUMNS]
        meta = read_parquet_checked(self.metadata_path, REQUIRED_COLUMNS, columns)
        flagged = np.zeros(meta.num_rows, dtype=bool)
        if self.companion_path.is_file():
            extra = read_parquet_checked(self.companion_path, REQUIRED_COLUMNS, columns)
            in_meta = pc.is_in(extra["patch_id"], value_set=meta["patch_id"].combine_chunks())
            flagged[pc.is_in(meta["patch_id"], value_set=extra["patch_id"].combine_chunks()).to_numpy()] = (
                True
            )
            extra = extra.filter(pc.invert(in_meta))
            meta = pa.concat_tables([meta, extra.cast(meta.schema)])
            flagged = np.concatenate([flagged, np.ones(extra.num_rows, dtype=bool)])
        n = meta.num_rows
        patch_ids = meta["patch_id"].combine_chunks()
        lat, lon, parsed = tile_grid_positions(patch_ids)
        self._record_unplaced(patch_ids, parsed)
        placed = ~np.isnan(lat)
        position = pc.if_else(pa.array(placed), POSITION_TILE_GRID, POSITION_NONE)
        return table_from_columns(
            SAMPLE_SCHEMA,
            {
                "dataset": pa.repeat(self.name, n),
                "sample_id": patch_ids,
                "split": meta["split"],
                "lat": lat,
                "lon": lon,
                "position": position,
                "country": meta["country"],
                "labels": meta["labels"],
                "layers": repeated_list(self.available_layers(), n),
                "image": patch_ids,
                "s1_id": meta["s1_name"],
                "flags": flag_list(flagged, FLAG_SNOW_CLOUD),
            },
            n,
        )

    def _record_unplaced(self, patch_ids: pa.Array, parsed: np.ndarray) -> None:
        bad = np.flatnonzero(~parsed)
        for index in bad[:_MAX_PROBLEMS]:
            pid = patch_ids[int(index)].as_py()
            self.problem(
                self.metadata_path, "patch_id not of the form ..._T<tile>_<x>_<y>: no position", pid, kept=True
            )
        if len(bad) > _MAX_PROBLEMS:
            self.problem(
                self.metadata_path, f"{len(bad) - _MAX_PROBLEMS} more patch_ids without a position", kept=True
            )

    def available_layers(self) -> list[str]:
        """Layers decided once per dataset from what exists (a missing file surfaces when it is read)."""
        if self._layers is None:
            layers = []
            s2_lmdb = s1_lmdb = False
            if self.lmdb is not None and not (self.has_s2_tiffs and self.has_s1_tiffs):
                s2_lmdb, s1_lmdb = self._probe_lmdb()
            if self.has_s2_tiffs or s2_lmdb:
                layers.append(LAYER_S2)
            if self.has_s1_tiffs or s1_lmdb:
                layers.append(LAYER_S1)
            if self.has_reference_maps:
                layers.append(LAYER_LANDCOVER)
            self._layers = layers
        return self._layers

    def _probe_lmdb(self, count: int = 20) -> tuple[bool, bool]:
        """Does the archive hold S2 and/or S1 patches? rico-hdl may encode either or both: probe a few."""
        assert self.lmdb is not None
        if not self.metadata_path.is_file():
            return True, True  # nothing to probe with: assume both, a missing key surfaces at read time
        try:
            head = pq.ParquetFile(self.metadata_path).read_row_group(0, columns=["patch_id", "s1_name"])
        except Exception:
            return True, True
        head = head.slice(0, count)
        s2 = self.lmdb.has_any(head["patch_id"].to_pylist())
        s1 = self.lmdb.has_any(head["s1_name"].to_pylist())
        return s2, s1

    # --- layers ---------------------------------------------------------------------------------------------
    def read_layer(self, sample: Mapping[str, Any], kind: str) -> xr.DataArray:
        if kind == LAYER_S2:
            return self.read_s2(patch_id_of(sample))
        if kind == LAYER_S1:
            return self.read_s1(s1_name_of(sample))
        if kind == LAYER_LANDCOVER:
            return self.read_landcover(patch_id_of(sample))
        return super().read_layer(sample, kind)

    def s2_band_paths(self, patch_id: str) -> dict[str, Path]:
        folder = self.s2_dir / s2_product(patch_id) / patch_id
        return {band: folder / f"{patch_id}_{band}.tif" for band in gt.S2_BANDS}

    def read_s2_bands(self, patch_id: str) -> tuple[dict[str, gt.Band], Path]:
        """The 12 bands at native size, and the file or archive they came from (for error messages)."""
        what = f"S2 patch {patch_id}"
        if self.has_s2_tiffs:
            paths = self.s2_band_paths(patch_id)
            return gt.read_geotiff_bands(paths, what), paths[gt.S2_REFERENCE_BAND].parent
        if self.lmdb is not None:
            return self.lmdb.bands(patch_id, gt.S2_BANDS, what), self.lmdb.path
        raise MissingFileError(self.s2_dir, f"the {S2_DIR} folder or an LMDB archive (data.mdb) for {what}")

    def read_s2(self, patch_id: str) -> xr.DataArray:
        bands, where = self.read_s2_bands(patch_id)
        return gt.s2_layer(bands, where)

    def read_native_bands(self, sample: Mapping[str, Any]) -> dict[str, xr.DataArray]:
        bands, where = self.read_s2_bands(patch_id_of(sample))
        out = {}
        for name, band in bands.items():
            if band.data.ndim != 2:
                raise DataError(where, f"band {name} as a 2-D array", f"shape {band.data.shape}")
            layer = gt.band_array(band.data[np.newaxis], [name], band.transform, band.crs, {"units": "DN"})
            out[name] = layer.sel(band=name)
        return out

    def read_s1(self, s1_name: str) -> xr.DataArray:
        what = f"S1 patch {s1_name}"
        where: Path
        if self.has_s1_tiffs:
            where = self.s1_dir / s1_product(s1_name) / s1_name
            paths = {pol: where / f"{s1_name}_{pol}.tif" for pol in gt.S1_BANDS}
            bands = gt.read_geotiff_bands(paths, what)
        elif self.lmdb is not None:
            where = self.lmdb.path
            bands = self.lmdb.bands(s1_name, gt.S1_BANDS, what)
        else:
            raise MissingFileError(
                self.s1_dir, f"the {S1_DIR} folder or an LMDB archive (data.mdb) for {what}"
            )
        for band in bands.values():
            gt.check_shape(band, gt.PATCH_PX, where)
        data = np.stack([bands[p].data for p in gt.S1_BANDS]).astype(np.float32, copy=False)
        first = bands[gt.S1_BANDS[0]]
        attrs = {"units": "dB", "sensor": "Sentinel-1 IW GRD"}
        return gt.band_array(data, gt.S1_BANDS, first.transform, first.crs, attrs)

    def reference_map_path(self, patch_id: str) -> Path:
        return self.reference_dir / s2_product(patch_id) / patch_id / f"{patch_id}_reference_map.tif"

    def read_landcover(self, patch_id: str) -> xr.DataArray:
        if not self.has_reference_maps:
            raise MissingFileError(
                self.reference_dir, f"the {REFERENCE_DIR} folder (reference map of {patch_id})"
            )
        path = self.reference_map_path(patch_id)
        with gt.gdal_env():
            band = gt.read_geotiff_band(path, "reference_map", f"patch {patch_id}")
        gt.check_shape(band, gt.PATCH_PX, path)
        if not np.issubdtype(band.data.dtype, np.integer):
            raise DataError(path, "integer CORINE Land Cover codes", f"dtype {band.data.dtype}")
        attrs = {"legend": CORINE19.name, "codes": "CORINE Land Cover 2018 level-3 (999 = no data)"}
        return gt.band_array(band.data[np.newaxis], ["landcover"], band.transform, band.crs, attrs)

    def describe(self) -> dict[str, Any]:
        return {
            "modality": "Sentinel-1 SAR + Sentinel-2 multispectral (12 bands)",
            "coverage": "Europe (10 countries)",
            "image_size": "120 x 120 px (1.2 km x 1.2 km), 10 m; 20/60 m bands at native size",
            "annotation": "multi-label (19 CORINE classes) and pixel-level CORINE reference maps",
            "generation": "none (no text; labels from CORINE Land Cover 2018)",
            "license": "CDLA-Permissive-1.0",
        }


def _text(sample: Mapping[str, Any], key: str) -> str | None:
    """A non-empty string field of a sample row (a dict, or a pandas row where missing may be NaN)."""
    value = sample.get(key)
    return value if isinstance(value, str) and value else None


def patch_id_of(sample: Mapping[str, Any]) -> str:
    value = _text(sample, "image") or _text(sample, "sample_id")
    if value is None:
        raise DataError(None, "a sample with a patch_id ('image' or 'sample_id')", repr(dict(sample)))
    return value


def s1_name_of(sample: Mapping[str, Any]) -> str:
    value = _text(sample, "s1_id")
    if value is None:
        raise DataError(None, f"an s1_name paired with {sample.get('sample_id')}", "none")
    return value
