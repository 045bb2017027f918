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

import pyarrow as pa

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
        pa.field("bbox_x0", pa.float64()),  # normalised box, origin top-left, y down
        pa.field("bbox_y0", pa.float64()),
        pa.field("bbox_x1", pa.float64()),
        pa.field("bbox_y1", pa.float64()),
    ]
)


def empty_table(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()


def table_from_columns(schema: pa.Schema, columns: Mapping[str, Any], length: int | None = None) -> pa.Table:
    """Build a table of ``schema`` from the columns a reader has; absent columns become nulls.

    Readers fill only what their format holds; this keeps every table the same shape without each reader
    repeating the null-filling.
    """
    if length is None:
        length = len(next(iter(columns.values()))) if columns else 0
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
