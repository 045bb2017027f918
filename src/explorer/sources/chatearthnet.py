"""ChatEarthNet (Yuan et al., ESSD 2025): Sentinel-2 patches captioned by ChatGPT from ESA WorldCover maps.

Released layout (FORMATS.md section 1)::

    json_files/ChatEarthNet_caps_{35,4v}_{train,val,test}.json   [{"image": "<name>.png", "caption": "..."}]
    s2_rgb_images/s2_images/<name>.png                          bands B4, B3, B2
    s2_band_5_6_7_images/<name>.png                             bands B5, B6, B7
    s2_band_8_11_12_images/<name>.png                           bands B8, B11, B12
    landcover/<stem>.png | <stem>.tif                           optional maps added by the user (or the demo)

The captions are the only list of samples: a sample is a distinct image name across all six caption files.

Positions. The release carries no coordinates. A name ``<col>_<row>_patch<R><C>`` is read as zoom-13
Web-Mercator tile (col, row), the SatlasPretrain tiling, cut into four 256 px quadrants. ASSUMPTION (not
confirmed by the authors): ``patch<R><C>`` is row-major as it reads, R = 0 the northern half and C = 0 the
western half. A sample is placed at its quadrant's centre; a wrong guess moves it by less than half a tile
(~2.4 km at the equator). Such samples carry ``position = "web-mercator-quadrant"`` so a view can say the
position is inferred; any other name gets no position (NaN, "none") and a recorded problem.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xarray as xr
from PIL import Image

from ..errors import CorruptFileError, DataError, MissingFileError, SchemaError
from ..geo import chatearthnet_quadrant_centre
from ..legends import CHATEARTHNET, WORLDCOVER, Legend
from ..model import (
    ANNOTATION_SCHEMA,
    KIND_CAPTION,
    LAYER_LANDCOVER,
    LAYER_S2,
    POSITION_NONE,
    POSITION_WEB_MERCATOR,
    SAMPLE_SCHEMA,
    table_from_columns,
)
from . import register
from ._io import IMAGE_ERRORS, has_layer, list_column, list_names, read_json, small_files
from .base import DatasetSource

CAPTION_DIR = "json_files"
CAPTION_GLOB = "ChatEarthNet_caps_*.json"
#: caption version in the file name -> who wrote the captions
VERSIONS = {"35": "chatgpt-3.5", "4v": "chatgpt-4v"}
#: a sample listed in several files takes the first split of this order
SPLITS = ("train", "val", "test")

#: the three PNG folders, each holding three Sentinel-2 bands (zero-padded names, as BigEarthNet spells them)
BAND_FOLDERS: tuple[tuple[str, tuple[str, str, str]], ...] = (
    ("s2_rgb_images/s2_images", ("B04", "B03", "B02")),
    ("s2_band_5_6_7_images", ("B05", "B06", "B07")),
    ("s2_band_8_11_12_images", ("B08", "B11", "B12")),
)
S2_BANDS: tuple[str, ...] = tuple(band for _, bands in BAND_FOLDERS for band in bands)
PATCH_SIZE = 256

LANDCOVER_DIR = "landcover"
LANDCOVER_SUFFIXES = (".png", ".tif", ".tiff")
WORLDCOVER_CODES = frozenset({0, *(code for cls in WORLDCOVER.classes for code in cls.codes)})

NAME_PATTERN = r"^(?P<col>\d+)_(?P<row>\d+)_patch(?P<quadrant_row>[01])(?P<quadrant_col>[01])$"
PLACEHOLDER_FLAG = "placeholder-image"
# A single-colour 256 x 256 PNG compresses to well under 1 KB; a real Sentinel-2 patch takes tens of KB. Files up
# to this size are opened to check (a few flat scenes among them cost a read each); larger ones cannot be flat.
PLACEHOLDER_MAX_BYTES = 16_384

ANNOTATION_BATCH_ROWS = 100_000


def caption_files(root: Path) -> list[tuple[Path, str, str]]:
    """(path, version, split) of the caption files present, in a fixed order (35 before 4v, train first).

    The files normally sit in ``json_files/``; a copy unzipped straight into the dataset folder works too.
    """
    for folder in (root / CAPTION_DIR, root):
        found = [
            (folder / f"ChatEarthNet_caps_{version}_{split}.json", version, split)
            for version in VERSIONS
            for split in SPLITS
        ]
        found = [entry for entry in found if entry[0].is_file()]
        if found:
            return found
    return []


def is_in(values: np.ndarray, names: set[str]) -> np.ndarray:
    """Row mask of ``values`` found in ``names``, computed by Arrow (fast for 163k rows)."""
    value_set = pa.array(sorted(names), pa.string())
    return pc.is_in(pa.array(values, pa.string()), value_set=value_set).to_numpy(zero_copy_only=False)


def read_rgb_png(path: Path, expected: str) -> np.ndarray:
    """A 256x256x3 uint8 PNG; every failure names the file."""
    if not path.is_file():
        raise MissingFileError(path, expected)
    try:
        with Image.open(path) as image:
            image.load()
            mode = image.mode
            array = np.asarray(image)
    except IMAGE_ERRORS as exc:
        raise CorruptFileError(path, f"a readable PNG ({expected})", f"{type(exc).__name__}: {exc}") from exc
    if array.shape != (PATCH_SIZE, PATCH_SIZE, 3) or array.dtype != np.uint8:
        raise DataError(
            path, "a 256x256x3 8-bit image", f"shape {'x'.join(map(str, array.shape))}, mode {mode}"
        )
    return array


def landcover_legend(codes: np.ndarray, path: Path) -> Legend:
    """Tell WorldCover codes from ChatEarthNet class indices by the values present.

    Values within {0, 10, ..., 100, 95} are WorldCover (so a map holding only 0 and 10 reads as tree cover,
    not mangroves); otherwise values 0-11 are the ChatEarthNet index.
    """
    present = {int(v) for v in np.unique(codes)}
    if present <= WORLDCOVER_CODES:
        return WORLDCOVER
    if present and min(present) >= 0 and max(present) <= len(CHATEARTHNET.classes):
        return CHATEARTHNET
    raise DataError(
        path,
        "ESA WorldCover codes (0, 10, 20, ..., 100, 95) or ChatEarthNet class indices (0-11)",
        f"values {sorted(present)[:12]}",
    )


@register
class ChatEarthNetSource(DatasetSource):
    """A ChatEarthNet folder as released on Zenodo (record 11003436)."""

    format_name = "chatearthnet"
    description = "ChatEarthNet: json_files/ChatEarthNet_caps_*.json + three Sentinel-2 PNG folders"

    def __init__(self, root: str | Path, name: str | None = None) -> None:
        super().__init__(root, name)
        self._captions_table: pa.Table | None = None
        self._samples_table: pa.Table | None = None

    @classmethod
    def detect(cls, root: Path) -> bool:
        if not root.is_dir():
            return False
        if any((root / CAPTION_DIR).glob(CAPTION_GLOB)):
            return True
        return all((root / folder).is_dir() for folder, _ in BAND_FOLDERS)

    # --- captions -------------------------------------------------------------------------------------------
    def _captions(self) -> pa.Table:
        """All caption records of all files: image, sample_id, caption, split, source (parsed once)."""
        if self._captions_table is not None:
            return self._captions_table
        files = caption_files(self.root)
        if not files:
            raise MissingFileError(
                self.root / CAPTION_DIR,
                "the ChatEarthNet caption files json_files/ChatEarthNet_caps_{35,4v}_{train,val,test}.json",
            )
        parts = [self._read_caption_file(path, version, split) for path, version, split in files]
        table = pa.concat_tables(parts)
        # Path(image).name and its stem, vectorised: the image key may carry a folder prefix.
        name = pc.replace_substring_regex(table["image"], r"^.*[/\\]", "")
        has_suffix = pc.match_substring_regex(name, r"\.[^.]+$")
        name = pc.if_else(has_suffix, name, pc.binary_join_element_wise(name, ".png", ""))
        stem = pc.replace_substring_regex(name, r"\.[^.]+$", "")
        table = table.set_column(table.schema.get_field_index("image"), "image", name)
        self._captions_table = table.append_column("sample_id", stem)
        return self._captions_table

    def _read_caption_file(self, path: Path, version: str, split: str) -> pa.Table:
        records = read_json(path)
        if not isinstance(records, list):
            raise SchemaError(
                path, 'a JSON array of {"image": ..., "caption": ...} records', type(records).__name__
            )
        images: list[str] = []
        captions: list[str] = []
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                self.problem(path, f"record {index}: expected an object, found {type(record).__name__}")
                continue
            image = record.get("image", record.get("image_id"))
            if not isinstance(image, str) or not image.strip("/\\ "):
                self.problem(path, f"record {index}: expected an image name in 'image' (or 'image_id')")
                continue
            caption = record.get("caption")
            if isinstance(caption, str):
                images.append(image)
                captions.append(caption)
            elif isinstance(caption, list) and caption and all(isinstance(c, str) for c in caption):
                images.extend([image] * len(caption))
                captions.extend(caption)
            else:
                self.problem(path, f"record {index}: expected 'caption' to be a string or a list of strings")
        count = len(images)
        return pa.table(
            {
                "image": pa.array(images, pa.string()),
                "caption": pa.array(captions, pa.string()),
                "split": pa.array([split] * count, pa.string()),
                "source": pa.array([VERSIONS[version]] * count, pa.string()),
            }
        )

    # --- tables ---------------------------------------------------------------------------------------------
    def samples(self) -> pa.Table:
        if self._samples_table is not None:
            return self._samples_table
        captions = self._captions()
        frame = pd.DataFrame(
            {
                "sample_id": captions["sample_id"].to_numpy(),
                "image": captions["image"].to_numpy(),
                "rank": pd.Categorical(captions["split"].to_numpy(), categories=list(SPLITS)).codes,
            }
        )
        per_sample = frame.groupby("sample_id", sort=False).agg(
            image=("image", "first"), rank=("rank", "min")
        )
        sample_ids = per_sample.index.to_numpy(dtype=object)
        images = per_sample["image"].to_numpy(dtype=object)
        splits = np.array(SPLITS, dtype=object)[per_sample["rank"].to_numpy()]
        count = len(sample_ids)

        lon, lat, placed = self._positions(sample_ids)
        in_all_folders = set.intersection(*(list_names(self.root / folder) for folder, _ in BAND_FOLDERS))
        landcover_stems = {
            Path(name).stem
            for name in list_names(self.root / LANDCOVER_DIR)
            if Path(name).suffix.lower() in LANDCOVER_SUFFIXES
        }
        has_s2 = is_in(images, in_all_folders)
        layers = list_column({LAYER_S2: has_s2, LAYER_LANDCOVER: is_in(sample_ids, landcover_stems)}, count)
        flags = list_column({PLACEHOLDER_FLAG: has_s2 & is_in(images, self._placeholder_images())}, count)
        self._samples_table = table_from_columns(
            SAMPLE_SCHEMA,
            {
                "dataset": [self.name] * count,
                "sample_id": pa.array(sample_ids, pa.string()),
                "split": pa.array(splits, pa.string()),
                "lat": lat,
                "lon": lon,
                "position": np.where(placed, POSITION_WEB_MERCATOR, POSITION_NONE).astype(object),
                "labels": list_column({}, count),
                "layers": layers,
                "image": pa.array(images, pa.string()),
                "flags": flags,
            },
            length=count,
        )
        return self._samples_table

    def _placeholder_images(self) -> set[str]:
        """True-colour PNG names that are a single colour (the release's all-white / all-black placeholders).

        Only files small enough to be flat are opened: listing 163k samples stays a directory scan.
        """
        folder = self.root / BAND_FOLDERS[0][0]
        return {name for name in small_files(folder, PLACEHOLDER_MAX_BYTES) if self._is_flat_png(folder / name)}

    def _is_flat_png(self, path: Path) -> bool:
        try:
            return is_flat_png(path)
        except IMAGE_ERRORS as exc:
            self.problem(path, f"unreadable PNG while looking for placeholders: {exc}", path.stem, kept=True)
            return False

    def _positions(self, sample_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Quadrant centres for names ``<col>_<row>_patch<R><C>``; NaN (and a problem) for any other name."""
        parts = pc.extract_regex(pa.array(sample_ids, pa.string()), NAME_PATTERN)
        placed = parts.is_valid().to_numpy(zero_copy_only=False)
        lon = np.full(len(sample_ids), np.nan)
        lat = np.full(len(sample_ids), np.nan)
        if placed.any():
            col, row, quadrant_row, quadrant_col = (
                field.filter(parts.is_valid()).cast(pa.int64()).to_numpy() for field in parts.flatten()
            )
            lon[placed], lat[placed] = chatearthnet_quadrant_centre(col, row, quadrant_row, quadrant_col)
        for sample_id in sample_ids[~placed]:
            self.problem(
                self.root / CAPTION_DIR,
                "image name is not <col>_<row>_patch<R><C>; position unknown",
                str(sample_id),
                kept=True,
            )
        return lon, lat, placed

    def annotation_batches(self) -> Iterator[pa.Table]:
        captions = self._captions()
        for start in range(0, captions.num_rows, ANNOTATION_BATCH_ROWS):
            part = captions.slice(start, ANNOTATION_BATCH_ROWS)
            rows = part.num_rows
            yield table_from_columns(
                ANNOTATION_SCHEMA,
                {
                    "dataset": [self.name] * rows,
                    "sample_id": part["sample_id"],
                    "ann_id": np.arange(start, start + rows, dtype=np.int64),
                    "kind": [KIND_CAPTION] * rows,
                    "source": part["source"],
                    "split": part["split"],
                    "output": part["caption"],
                },
                length=rows,
            )

    def annotation_count_hint(self) -> int | None:
        return self._captions_table.num_rows if self._captions_table is not None else None

    # --- layers ---------------------------------------------------------------------------------------------
    def read_layer(self, sample: Mapping[str, Any], kind: str) -> xr.DataArray:
        if kind == LAYER_S2:
            return self._read_s2(sample)
        if kind == LAYER_LANDCOVER:
            return self._read_landcover(sample)
        return super().read_layer(sample, kind)

    def _image_name(self, sample: Mapping[str, Any]) -> str:
        return str(sample.get("image") or f"{sample['sample_id']}.png")

    def _read_s2(self, sample: Mapping[str, Any]) -> xr.DataArray:
        name = self._image_name(sample)
        planes = []
        for folder, bands in BAND_FOLDERS:
            array = read_rgb_png(
                self.root / folder / name, f"the ChatEarthNet PNG of bands {', '.join(bands)}, 256x256x3"
            )
            planes.append(np.moveaxis(array, -1, 0))
        return xr.DataArray(
            np.concatenate(planes, axis=0),
            dims=("band", "y", "x"),
            coords={"band": list(S2_BANDS), "y": np.arange(PATCH_SIZE), "x": np.arange(PATCH_SIZE)},
            name=LAYER_S2,
            attrs={"scale": "8-bit", "sample_id": str(sample.get("sample_id"))},
        )

    def landcover_path(self, sample_id: str) -> Path | None:
        for suffix in LANDCOVER_SUFFIXES:
            path = self.root / LANDCOVER_DIR / f"{sample_id}{suffix}"
            if path.is_file():
                return path
        return None

    def _read_landcover(self, sample: Mapping[str, Any]) -> xr.DataArray:
        sample_id = str(sample["sample_id"])
        path = self.landcover_path(sample_id)
        if path is None:
            raise MissingFileError(
                self.root / LANDCOVER_DIR / f"{sample_id}.png", "a land-cover map (<sample_id>.png or .tif)"
            )
        if path.suffix.lower() == ".png":
            layer = self._read_landcover_png(path)
        else:
            layer = self._read_landcover_tif(path)
        layer.attrs["legend"] = landcover_legend(layer.values, path).name
        layer.attrs["sample_id"] = sample_id
        layer.name = LAYER_LANDCOVER
        return layer

    @staticmethod
    def _read_landcover_png(path: Path) -> xr.DataArray:
        try:
            with Image.open(path) as image:
                image.load()
                array = np.asarray(image)
        except IMAGE_ERRORS as exc:
            raise CorruptFileError(path, "a readable single-band land-cover PNG", str(exc)) from exc
        if array.ndim != 2:
            raise DataError(path, "a single-band land-cover map of class codes", f"shape {array.shape}")
        height, width = array.shape
        return xr.DataArray(
            array[np.newaxis],
            dims=("band", "y", "x"),
            coords={"band": [LAYER_LANDCOVER], "y": np.arange(height), "x": np.arange(width)},
        )

    @staticmethod
    def _read_landcover_tif(path: Path) -> xr.DataArray:
        import rasterio.errors
        import rioxarray

        try:
            layer = rioxarray.open_rasterio(path)
            assert isinstance(layer, xr.DataArray)
            layer = layer.load()
        except (rasterio.errors.RasterioError, OSError, ValueError) as exc:
            raise CorruptFileError(path, "a readable single-band land-cover GeoTIFF", str(exc)) from exc
        if layer.sizes.get("band", 1) != 1:
            raise DataError(
                path, "a single-band land-cover map of class codes", f"{layer.sizes['band']} bands"
            )
        return layer.assign_coords(band=[LAYER_LANDCOVER])

    def describe(self) -> dict[str, Any]:
        return {
            "modality": "Sentinel-2 multispectral (9 bands, 8-bit PNG)",
            "coverage": "global",
            "generation": "WorldCover + ChatGPT",
        }


def is_flat_png(path: Path) -> bool:
    """Every channel of the image holds one value."""
    with Image.open(path) as png:
        extrema = png.getextrema()
    bands = extrema if isinstance(extrema[0], tuple) else (extrema,)
    return all(low == high for low, high in bands)


def find_placeholder_images(source: ChatEarthNetSource, sample_ids: list[str] | None = None) -> list[str]:
    """Sample ids whose true-colour PNG is a single colour, by reading every PNG (minutes for 163k).

    The catalog flags these samples already (``placeholder-image``, found from file sizes); this exhaustive check
    is for auditing that shortcut. Unreadable files are recorded as problems of ``source`` and skipped.
    """
    table = source.samples()
    frame = pd.DataFrame(
        {
            "sample_id": table["sample_id"].to_numpy(zero_copy_only=False),
            "image": table["image"].to_numpy(zero_copy_only=False),
            "has_s2": has_layer(table["layers"], LAYER_S2),
        }
    )
    frame = frame[frame["has_s2"]]
    if sample_ids is not None:
        frame = frame[frame["sample_id"].isin(set(sample_ids))]
    rgb_folder = source.root / BAND_FOLDERS[0][0]
    uniform: list[str] = []
    for sample_id, image in zip(frame["sample_id"], frame["image"], strict=True):
        path = rgb_folder / str(image)
        try:
            flat = is_flat_png(path)
        except IMAGE_ERRORS as exc:
            source.problem(
                path, f"unreadable PNG while looking for placeholders: {exc}", str(sample_id), kept=True
            )
            continue
        if flat:
            uniform.append(str(sample_id))
    return uniform
