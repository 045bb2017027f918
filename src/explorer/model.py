"""The common model every reader produces and every view consumes.

Two Arrow tables and one kind of array:

* samples: one row per image footprint (``SAMPLE_SCHEMA``);
* annotations: one row per text item (``ANNOTATION_SCHEMA``);
* layers: read on demand as ``xarray.DataArray`` with a ``band`` coordinate (see ``sources.base``).

Tables stay columnar end to end; nothing turns millions of rows into Python objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Layer kinds a sample can offer. ``s2``: multispectral (Sentinel-2 bands, or the RGB of a caption dataset),
# ``s1``: SAR (VV, VH in dB), ``landcover``: class codes with their legend.
LAYER_S2 = "s2"
LAYER_S1 = "s1"
LAYER_LANDCOVER = "landcover"
LAYER_KINDS = (LAYER_S2, LAYER_S1, LAYER_LANDCOVER)

# Annotation kinds. BigEarthNet.txt's ``type`` maps onto them (see sources.bigearthnet_txt).
KIND_CAPTION = "caption"
KIND_VQA_BINARY = "vqa_binary"
KIND_VQA_MCQ = "vqa_mcq"
KIND_REFEXP = "refexp"
KIND_CONVERSATION = "conversation"
ANNOTATION_KINDS = (KIND_CAPTION, KIND_VQA_BINARY, KIND_VQA_MCQ, KIND_REFEXP, KIND_CONVERSATION)

# How a sample's lat/lon were obtained: users must be able to tell a measured position from an inferred one.
POSITION_GEOTIFF = "geotiff"  # centre of the GeoTIFF footprint
POSITION_TILE_GRID = "tile-grid"  # Sentinel-2 MGRS tile + patch column/row in the name
POSITION_WEB_MERCATOR = "web-mercator-quadrant"  # ChatEarthNet zoom-13 tile + quadrant (assumption documented)
POSITION_PUBLISHED = "published"  # given by the dataset itself (BigEarthNet.txt latitude/longitude)
POSITION_NONE = "none"

SAMPLE_SCHEMA = pa.schema(
    [
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("sample_id", pa.string(), nullable=False),
        pa.field("split", pa.string()),
        pa.field("lat", pa.float64()),  # NaN when unknown
        pa.field("lon", pa.float64()),
        pa.field("position", pa.string()),  # one of the POSITION_* values
        pa.field("country", pa.string()),
        pa.field("season", pa.string()),
        pa.field("labels", pa.list_(pa.string())),  # class names in the dataset's own nomenclature
        pa.field("layers", pa.list_(pa.string())),  # LAYER_* kinds this sample can offer
        pa.field("image", pa.string()),  # source-specific key locating the imagery (file name, patch id)
        pa.field("s1_id", pa.string()),  # paired Sentinel-1 patch, when any
        pa.field("flags", pa.list_(pa.string())),  # e.g. "placeholder-image", "snow-cloud-shadow", "synthetic"
        # The sub-dataset or sensor an image comes from, as a filterable field: RS5M "ben" / "fmow" /
        # "millionaid" / pub11 source, RemoteCLIP file-name prefix ("rsitmd"), SkyScript image source ("NAIP").
        pa.field("subset", pa.string()),
        pa.field("date", pa.string()),  # acquisition date as far as known: "2021-05-03", "2021-05", "2021"
        pa.field("footprint", pa.list_(pa.float64())),  # (west, south, east, north) degrees, when published
        pa.field("extra", pa.string()),  # JSON object of format-specific fields kept as released (OSM tags, ...)
    ]
)

# One box of an annotation: normalised corners of the UNROTATED box (origin top-left, y down) and its rotation
# in degrees about the box centre (null when the format gives none). See ``sources._boxes`` for the syntaxes.
BOX_TYPE = pa.struct(
    [
        pa.field("x0", pa.float64()),
        pa.field("y0", pa.float64()),
        pa.field("x1", pa.float64()),
        pa.field("y1", pa.float64()),
        pa.field("angle", pa.float64()),
    ]
)

ANNOTATION_SCHEMA = pa.schema(
    [
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("sample_id", pa.string(), nullable=False),
        pa.field("ann_id", pa.int64(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),  # one of ANNOTATION_KINDS
        pa.field("source", pa.string()),  # who wrote it: "chatgpt-3.5", "chatgpt-4v", "human", "template", ...
        pa.field("split", pa.string()),
        pa.field("category", pa.string()),  # BigEarthNet.txt category; null elsewhere
        pa.field("input", pa.string()),  # question / instruction; null for plain captions
        pa.field("output", pa.string()),  # caption text, answer, or box string as released
        pa.field("options", pa.list_(pa.string())),  # parsed multiple-choice options, in order a) b) c) d)
        pa.field("ref", pa.string()),  # text inside <ref>...</ref>
        pa.field("point_x", pa.float64()),  # <point>(x, y)</point>, normalised
        pa.field("point_y", pa.float64()),
        # The FIRST box of ``boxes`` (unrotated corners), kept as flat columns for fast filtering and stats.
        pa.field("bbox_x0", pa.float64()),  # normalised box, origin top-left, y down
        pa.field("bbox_y0", pa.float64()),
        pa.field("bbox_x1", pa.float64()),
        pa.field("bbox_y1", pa.float64()),
        pa.field("boxes", pa.list_(BOX_TYPE)),  # every box of the annotation, in text order (empty: none)
        pa.field("extra", pa.string()),  # JSON object of format-specific columns kept as released
    ]
)
BBOX_COLUMNS = ("bbox_x0", "bbox_y0", "bbox_x1", "bbox_y1")


def empty_table(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()


def table_from_columns(schema: pa.Schema, columns: Mapping[str, Any], length: int | None = None) -> pa.Table:
    """Build a table of ``schema`` from the columns a reader has; absent columns become nulls.

    Readers fill only what their format holds; this keeps every table the same shape without each reader
    repeating the null-filling.

    For annotations, ``boxes`` and ``bbox_*`` are kept consistent: a reader may give either (or both), and
    the other is derived (one box per row with finite ``bbox_*``; ``bbox_*`` = the first of ``boxes``).
    """
    if length is None:
        length = len(next(iter(columns.values()))) if columns else 0
    if "boxes" in schema.names:
        columns = _consistent_boxes(dict(columns), length)
    unknown = set(columns) - set(schema.names)
    if unknown:
        raise ValueError(f"columns not in the schema: {sorted(unknown)}")
    arrays = []
    for field in schema:
        if field.name in columns:
            value = columns[field.name]
            if isinstance(value, pa.ChunkedArray):
                value = value.combine_chunks()
            if isinstance(value, pa.Array):
                arrays.append(value.cast(field.type) if value.type != field.type else value)
            else:
                arrays.append(pa.array(value, type=field.type))
        else:
            arrays.append(pa.nulls(length, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _float_array(value: Any, length: int) -> pa.Array:
    if isinstance(value, pa.ChunkedArray):
        value = value.combine_chunks()
    if not isinstance(value, pa.Array):
        value = pa.array(value, type=pa.float64(), from_pandas=True)
    return value.cast(pa.float64())


def boxes_from_bbox(x0: Any, y0: Any, x1: Any, y1: Any, length: int) -> pa.ListArray:
    """A ``boxes`` column holding one unrotated box where all four corners are finite, else an empty list."""
    corners = [_float_array(v, length) for v in (x0, y0, x1, y1)]
    present = np.ones(length, dtype=bool)
    for corner in corners:
        values = corner.to_numpy(zero_copy_only=False)
        present &= np.isfinite(np.asarray(values, dtype=float))
    keep = pa.array(present)
    struct = pa.StructArray.from_arrays(
        [pc.filter(c, keep) for c in corners] + [pa.nulls(int(present.sum()), pa.float64())],
        fields=list(BOX_TYPE),
    )
    offsets = np.concatenate([[0], np.cumsum(present)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), struct, type=pa.list_(BOX_TYPE))


def boxes_array(rows: list[list[tuple[float, float, float, float, float | None]]]) -> pa.ListArray:
    """A ``boxes`` column from per-row lists of (x0, y0, x1, y1, angle)."""
    flat = [box for row in rows for box in row]
    struct = pa.StructArray.from_arrays(
        [pa.array([box[i] for box in flat], pa.float64()) for i in range(5)], fields=list(BOX_TYPE)
    )
    offsets = np.concatenate([[0], np.cumsum([len(row) for row in rows])]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), struct, type=pa.list_(BOX_TYPE))


def _consistent_boxes(columns: dict[str, Any], length: int) -> dict[str, Any]:
    has_bbox = all(name in columns for name in BBOX_COLUMNS)
    if "boxes" not in columns and has_bbox:
        x0, y0, x1, y1 = (columns[name] for name in BBOX_COLUMNS)
        columns["boxes"] = boxes_from_bbox(x0, y0, x1, y1, length)
    elif "boxes" in columns and not has_bbox:
        boxes = columns["boxes"]
        if isinstance(boxes, pa.ChunkedArray):
            boxes = boxes.combine_chunks()
        if not isinstance(boxes, pa.Array):
            boxes = pa.array(boxes, pa.list_(BOX_TYPE))
        first = pc.list_element(pc.if_else(pc.greater(pc.list_value_length(boxes), 0), boxes, pa.scalar(
            [{"x0": None, "y0": None, "x1": None, "y1": None, "angle": None}], pa.list_(BOX_TYPE))), 0)
        for name in BBOX_COLUMNS:
            columns[name] = pc.struct_field(first, name[-2:])
    return columns


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Cast/reorder a table to ``schema``; a missing column is an error, not a silent null."""
    missing = [name for name in schema.names if name not in table.column_names]
    if missing:
        raise ValueError(f"table lacks columns {missing}")
    return table.select(schema.names).cast(schema)


@dataclass(frozen=True)
class SampleProblem:
    """A sample, record or file a reader had to skip (``kept`` False), or a warning about data it kept anyway
    (``kept`` True), recorded so a build can report it truthfully instead of dying."""

    path: str
    reason: str
    sample_id: str | None = None
    kept: bool = False

    def __str__(self) -> str:
        who = f"{self.sample_id}: " if self.sample_id else ""
        return f"{who}{self.path}: {self.reason}"


def concat(tables: Iterable[pa.Table], schema: pa.Schema) -> pa.Table:
    tables = [t for t in tables if t.num_rows]
    if not tables:
        return empty_table(schema)
    return pa.concat_tables([conform(t, schema) for t in tables])
