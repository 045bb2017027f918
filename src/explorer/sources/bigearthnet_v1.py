"""BigEarthNet v1.0: one folder per patch with 12 band GeoTIFFs and a ``_labels_metadata.json``.

Layout (FORMATS.md section 4)::

    BigEarthNet-v1.0/<S2 name>/<S2 name>_B01..B12,B8A.tif  + <S2 name>_labels_metadata.json
    BigEarthNet-S1-v1.0/<S1 name>/<S1 name>_{VV,VH}.tif    + <S1 name>_labels_metadata.json

The dataset folder may be the parent of these (any S2 folder of patch folders, e.g.
``BigEarthNet-S2-Example/``, and optionally an S1 folder whose name contains ``S1``), or the S2 folder itself.
Samples are the S2 patches; an S1 patch is paired through ``corresponding_s2_patch`` in its JSON. Labels are
the 43-class CORINE names as released. Positions are the centre of the JSON's UTM footprint (``ulx, uly, lrx,
lry``; S1 JSONs spell ``lry`` as ``lly``) in the projection's EPSG code: measured positions ("geotiff"), not
inferred.

There are no reference maps in v1; layers are ``s2`` and, when paired, ``s1`` (same conventions as v2).
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xarray as xr

from .. import geo
from ..errors import DataError, MissingFileError
from ..model import LAYER_S1, LAYER_S2, POSITION_GEOTIFF, POSITION_NONE, SAMPLE_SCHEMA, table_from_columns
from . import _geotiff as gt
from . import register
from .base import DatasetSource
from .bigearthnet_v2 import patch_id_of, s1_name_of

S2_FOLDER = "BigEarthNet-v1.0"
S1_FOLDER = "BigEarthNet-S1-v1.0"
# The hour may lack its leading zero (``T93020``); patch column/row have no padding.
S2_NAME = re.compile(r"^S2[AB]_MSIL2A_\d{8}T\d{5,6}_\d+_\d+$")
S1_NAME = re.compile(r"^S1[AB]_IW_GRDH_1SDV_\d{8}T\d{5,6}_\d{2}[A-Z]{3}_\d+_\d+$")
JSON_SUFFIX = "_labels_metadata.json"
_EPSG_AT_END = re.compile(r'AUTHORITY\[\s*"EPSG"\s*,\s*"(\d+)"\s*\]\s*\]\s*$')


def _first_match(folder: Path, pattern: re.Pattern[str], look_at: int = 64) -> bool:
    """True if one of the first ``look_at`` entries is a matching sub-folder.

    Cheap on purpose: a v1 folder holds nothing but its 590,326 patch folders, while a folder of another
    dataset may hold as many files (ChatEarthNet's PNGs), which detection must not list in full.
    """
    try:
        with os.scandir(folder) as entries:
            return any(e.is_dir() and pattern.match(e.name) for e in itertools.islice(entries, look_at))
    except OSError:
        return False


def _patch_folders(folder: Path, pattern: re.Pattern[str]) -> Iterator[os.DirEntry[str]]:
    with os.scandir(folder) as entries:
        yield from sorted((e for e in entries if e.is_dir() and pattern.match(e.name)), key=lambda e: e.name)


def find_s2_folder(root: Path) -> Path | None:
    """``BigEarthNet-v1.0/``, else ``root`` itself if it holds S2 patch folders, else a child that does."""
    if (root / S2_FOLDER).is_dir():
        return root / S2_FOLDER
    if _first_match(root, S2_NAME):
        return root
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:
        return None
    for child in children:
        if _first_match(child, S2_NAME):
            return child
    return None


def find_s1_folder(root: Path, s2_folder: Path) -> Path | None:
    """``BigEarthNet-S1-v1.0/`` or a folder named ``*S1*`` of S1 patch folders, beside or under ``root``."""
    candidates = [root / S1_FOLDER, s2_folder.parent / S1_FOLDER]
    for parent in dict.fromkeys((root, s2_folder.parent)):
        try:
            candidates += sorted(p for p in parent.iterdir() if p.is_dir() and "S1" in p.name)
        except OSError:
            continue
    for candidate in candidates:
        if candidate.is_dir() and _first_match(candidate, S1_NAME):
            return candidate
    return None


def epsg_from_wkt(wkt: str) -> int:
    """The EPSG code of a WKT1 projection: its last AUTHORITY, or pyproj's reading when that is absent."""
    match = _EPSG_AT_END.search(wkt)
    if match:
        return int(match.group(1))
    from pyproj import CRS

    code = CRS.from_wkt(wkt).to_epsg()
    if code is None:
        raise ValueError("projection has no EPSG code")
    return int(code)


def read_patch_json(path: Path) -> dict[str, Any]:
    """The JSON record of one patch; ValueError with the reason when it is unusable."""
    try:
        record = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise ValueError("no labels_metadata.json") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"invalid JSON ({exc})") from None
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, found {type(record).__name__}")
    return record


def footprint(record: Mapping[str, Any]) -> tuple[int, float, float, float, float]:
    """(EPSG, ulx, uly, lrx, lry) of a patch JSON; S1 JSONs say ``lly`` for ``lry``."""
    coords = record.get("coordinates")
    if not isinstance(coords, dict):
        raise ValueError("no 'coordinates' object")
    lry: Any = coords.get("lry", coords.get("lly"))
    try:
        values = [float(coords["ulx"]), float(coords["uly"]), float(coords["lrx"]), float(lry)]
    except (KeyError, TypeError, ValueError):
        raise ValueError("coordinates need numeric ulx, uly, lrx and lry (or lly)") from None
    projection = record.get("projection")
    if not isinstance(projection, str):
        raise ValueError("no 'projection' WKT")
    try:
        epsg = epsg_from_wkt(projection)
    except Exception as exc:
        raise ValueError(f"unreadable projection ({exc})") from None
    return epsg, values[0], values[1], values[2], values[3]


@register
class BigEarthNetV1Source(DatasetSource):
    """BigEarthNet v1.0 patch folders (S2, optionally S1), labels and footprints from the per-patch JSON."""

    format_name = "bigearthnet-v1"
    description = "BigEarthNet v1.0: BigEarthNet-v1.0/<patch>/<patch>_B01..B12.tif + _labels_metadata.json"

    def __init__(self, root: str | Path, name: str | None = None) -> None:
        super().__init__(root, name)
        s2 = find_s2_folder(self.root)
        if s2 is None:
            raise DataError(
                self.root, f"a folder of BigEarthNet v1.0 S2 patch folders (e.g. {S2_FOLDER}/)", "none"
            )
        self.s2_dir = s2
        self.s1_dir = find_s1_folder(self.root, s2)

    @classmethod
    def detect(cls, root: Path) -> bool:
        return root.is_dir() and find_s2_folder(root) is not None

    # --- tables ---------------------------------------------------------------------------------------------
    def samples(self) -> pa.Table:
        s1_of = self._s1_pairs()
        names: list[str] = []
        labels: list[list[str] | None] = []
        epsg: list[int] = []
        corners: list[tuple[float, float, float, float]] = []
        for entry in _patch_folders(self.s2_dir, S2_NAME):
            names.append(entry.name)
            path = Path(entry.path) / f"{entry.name}{JSON_SUFFIX}"
            try:
                record = read_patch_json(path)
                labels.append(_labels(record))
                code, *box = footprint(record)
            except ValueError as exc:
                self.problem(path, f"{exc}; patch listed without labels/position", entry.name, kept=True)
                if len(labels) < len(names):
                    labels.append(None)
                epsg.append(0)
                corners.append((np.nan, np.nan, np.nan, np.nan))
                continue
            epsg.append(code)
            corners.append((box[0], box[1], box[2], box[3]))
        n = len(names)
        lat, lon = _centres(np.asarray(epsg, dtype=np.int64), np.asarray(corners, dtype=float).reshape(n, 4))
        placed = ~np.isnan(lat)
        s1_ids = [s1_of.get(name) for name in names]
        has_s1 = np.array([s is not None for s in s1_ids], dtype=bool)
        layers = pa.array([[LAYER_S2, LAYER_S1] if paired else [LAYER_S2] for paired in has_s1])
        return table_from_columns(
            SAMPLE_SCHEMA,
            {
                "dataset": pa.repeat(self.name, n),
                "sample_id": names,
                "lat": lat,
                "lon": lon,
                "position": pc.if_else(pa.array(placed, pa.bool_()), POSITION_GEOTIFF, POSITION_NONE),
                "labels": labels,
                "layers": layers,
                "image": names,
                "s1_id": s1_ids,
            },
            n,
        )

    def _s1_pairs(self) -> dict[str, str]:
        """S2 name -> S1 name, from each S1 JSON's ``corresponding_s2_patch``."""
        pairs: dict[str, str] = {}
        if self.s1_dir is None:
            return pairs
        for entry in _patch_folders(self.s1_dir, S1_NAME):
            path = Path(entry.path) / f"{entry.name}{JSON_SUFFIX}"
            try:
                s2 = read_patch_json(path).get("corresponding_s2_patch")
            except ValueError as exc:
                self.problem(path, f"{exc}; S1 patch not paired", entry.name, kept=True)
                continue
            if isinstance(s2, str) and s2:
                pairs[s2] = entry.name
            else:
                self.problem(path, "no 'corresponding_s2_patch'; S1 patch not paired", entry.name, kept=True)
        return pairs

    # --- layers ---------------------------------------------------------------------------------------------
    def read_layer(self, sample: Mapping[str, Any], kind: str) -> xr.DataArray:
        name = patch_id_of(sample)
        if kind == LAYER_S2:
            bands, where = self._s2_bands(name)
            return gt.s2_layer(bands, where)
        if kind == LAYER_S1:
            return self._read_s1(sample)
        return super().read_layer(sample, kind)

    def _s2_bands(self, name: str) -> tuple[dict[str, gt.Band], Path]:
        folder = self.s2_dir / name
        paths = {band: folder / f"{name}_{band}.tif" for band in gt.S2_BANDS}
        return gt.read_geotiff_bands(paths, f"S2 patch {name}"), folder

    def read_native_bands(self, sample: Mapping[str, Any]) -> dict[str, xr.DataArray]:
        bands, _ = self._s2_bands(patch_id_of(sample))
        out = {}
        for name, band in bands.items():
            layer = gt.band_array(band.data[np.newaxis], [name], band.transform, band.crs, {"units": "DN"})
            out[name] = layer.sel(band=name)
        return out

    def _read_s1(self, sample: Mapping[str, Any]) -> xr.DataArray:
        s1_name = s1_name_of(sample)
        if self.s1_dir is None:
            raise MissingFileError(self.root / S1_FOLDER, f"the S1 folder holding {s1_name}")
        folder = self.s1_dir / str(s1_name)
        paths = {pol: folder / f"{s1_name}_{pol}.tif" for pol in gt.S1_BANDS}
        bands = gt.read_geotiff_bands(paths, f"S1 patch {s1_name}")
        for band in bands.values():
            gt.check_shape(band, gt.PATCH_PX, folder)
        data = np.stack([bands[p].data for p in gt.S1_BANDS]).astype(np.float32, copy=False)
        first = bands[gt.S1_BANDS[0]]
        return gt.band_array(data, gt.S1_BANDS, first.transform, first.crs, {"units": "dB"})

    def describe(self) -> dict[str, Any]:
        return {
            "modality": "Sentinel-1 SAR + Sentinel-2 multispectral (12 bands)",
            "coverage": "Europe (10 countries)",
            "image_size": "120 x 120 px (1.2 km x 1.2 km), 10 m; 20/60 m bands at native size",
            "annotation": "multi-label (43 CORINE classes)",
            "generation": "none (no text; labels from CORINE Land Cover 2018)",
            "license": "CDLA-Permissive-1.0",
        }


def _labels(record: Mapping[str, Any]) -> list[str] | None:
    labels = record.get("labels")
    if labels is None:
        return None
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ValueError("'labels' is not a list of class names")
    return labels


def _centres(epsg: np.ndarray, corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Footprint centres as lat/lon, one pyproj call per UTM zone."""
    lat = np.full(len(epsg), np.nan)
    lon = np.full(len(epsg), np.nan)
    easting = (corners[:, 0] + corners[:, 2]) / 2
    northing = (corners[:, 1] + corners[:, 3]) / 2
    for code in np.unique(epsg[epsg > 0]):
        rows = np.flatnonzero(epsg == code)
        lon[rows], lat[rows] = geo.utm_to_lonlat(int(code), easting[rows], northing[rows])
    return lat, lon
