"""BigEarthNet.txt: 9.55 M template-generated texts about BigEarthNet v2.0 patches, in one Parquet file.

Layout (FORMATS.md section 5): ``BigEarthNet.txt.parquet`` with columns ``ID, s1_name, patch_id, input,
output, type, category, split, latitude, longitude, country, season, climate_zone``. There is no imagery in
it: when the same folder (or a folder given as ``imagery=``) holds the BigEarthNet v2.0 layout or a rico-hdl
LMDB, layers are read through ``BigEarthNetV2Source``, and labels/flags come from its metadata.parquet.

Mapping onto the common model:

* samples: one row per distinct ``patch_id``; lat/lon as published ("published"); split = the most common
  split of the patch's rows, except that a patch with any "bench" row is "bench" (the manually verified
  split).
* annotations: ``type`` captioning -> caption, binary -> vqa_binary, mcq -> vqa_mcq, bounding box -> refexp;
  source "template"; ann_id = ID. ``category`` is kept as released except the literal string 'None' (used by
  captions), which becomes null. ``input`` is the instruction or question, ``output`` the reference answer
  (the caption text for captioning rows; if a caption's output is empty its input is taken as the caption).
  Parsed, vectorised with pyarrow.compute: MCQ options (input split on ``\\b[a-d]\\)``, never on commas), the
  box ``[x1 y1, x2 y2]`` in output (normalised, origin top-left), ``<ref>..</ref>`` and
  ``<point>(x, y)</point>`` in input. Malformed boxes or option lists are kept with null parses and counted
  in ``parse_stats``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xarray as xr

from ..errors import CorruptFileError, MissingFileError, SchemaError
from ..model import (
    ANNOTATION_SCHEMA,
    KIND_CAPTION,
    KIND_REFEXP,
    KIND_VQA_BINARY,
    KIND_VQA_MCQ,
    POSITION_NONE,
    POSITION_PUBLISHED,
    POSITION_TILE_GRID,
    SAMPLE_SCHEMA,
    table_from_columns,
)
from . import register
from .base import DatasetSource

TXT_FILE = "BigEarthNet.txt.parquet"
ID_THREADS = 2  # threads of the sample-id pass (row groups split between them): the build runs on 2 cores
BATCH_ROWS = 250_000  # ~ 40 batches for the full 9.55 M rows: one row group; two workers hold 1.3 GB, not 1.9

# The released file's exact columns and types (dataset card); writers of BigEarthNet.txt-shaped files (the demo,
# bench/make_fullsize.py) use it. tests/data/bigearthnet.py keeps its own copy on purpose: an independent
# statement of the format for the reader to be tested against.
RELEASED_SCHEMA = pa.schema(
    [
        ("ID", pa.int64()),
        ("s1_name", pa.string()),
        ("patch_id", pa.string()),
        ("input", pa.string()),
        ("output", pa.string()),
        ("type", pa.string()),
        ("category", pa.string()),
        ("split", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("country", pa.string()),
        ("season", pa.string()),
        ("climate_zone", pa.string()),
    ]
)

# Released column -> the Arrow type family it must have (checked on the footer before any read).
COLUMNS: dict[str, str] = {
    "ID": "integer",
    "s1_name": "string",
    "patch_id": "string",
    "input": "string",
    "output": "string",
    "type": "string",
    "category": "string",
    "split": "string",
    "latitude": "floating",
    "longitude": "floating",
    "country": "string",
    "season": "string",
    "climate_zone": "string",
}
TYPE_TO_KIND = {
    "captioning": KIND_CAPTION,
    "binary": KIND_VQA_BINARY,
    "mcq": KIND_VQA_MCQ,
    "bounding box": KIND_REFEXP,
}
BENCH_SPLIT = "bench"
SOURCE = "template"

MCQ_OPTION_MARK = r"\b[a-d]\)"
_OPTION_TRIM = " \t\n,?"  # what separates an option from the next mark: ", ", and "?" after the last one
_NUMBER = r"-?\d*\.?\d+"
BOX_PATTERN = rf"^\[(?P<x0>{_NUMBER})\s+(?P<y0>{_NUMBER}),\s*(?P<x1>{_NUMBER})\s+(?P<y1>{_NUMBER})\]$"
REF_PATTERN = r"<ref>(?P<ref>[^<]*)</ref>"  # a class, not a lazy .*?: 4x faster in RE2
POINT_PATTERN = rf"<point>\(\s*(?P<x>{_NUMBER})\s*,\s*(?P<y>{_NUMBER})\s*\)</point>"


def _is_type(field_type: pa.DataType, family: str) -> bool:
    if family == "integer":
        return pa.types.is_integer(field_type)
    if family == "floating":
        return pa.types.is_floating(field_type) or pa.types.is_decimal(field_type)
    if pa.types.is_dictionary(field_type):
        field_type = field_type.value_type
    return (
        pa.types.is_string(field_type) or pa.types.is_large_string(field_type) or pa.types.is_null(field_type)
    )


def check_schema(path: Path) -> pa.Schema:
    """The file's schema; SchemaError naming the file and the first missing or mistyped column."""
    try:
        schema = pq.read_schema(path)
    except FileNotFoundError:
        raise MissingFileError(path, f"the BigEarthNet.txt table {TXT_FILE}") from None
    except Exception as exc:
        raise CorruptFileError(path, "a readable Parquet file", str(exc)) from None
    for column, family in COLUMNS.items():
        if column not in schema.names:
            raise SchemaError(path, f"a column {column!r}", f"columns {', '.join(schema.names)}")
        if not _is_type(schema.field(column).type, family):
            raise SchemaError(path, f"column {column!r} of {family} type", str(schema.field(column).type))
    return schema


# --- annotation parsing (vectorised) ------------------------------------------------------------------------
def _strings(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    return array.cast(pa.string()) if array.type != pa.string() else array


def parse_mcq_options(inputs: pa.Array) -> pa.ListArray:
    """Options a) .. d) of each question, in order; the question text before a) is dropped.

    Split on the option marks, never on commas (option texts contain commas). Separators (", ", ", or ") and a
    final "?" are stripped. Rows without any mark give an empty list.
    """
    parts = pc.split_pattern_regex(inputs, MCQ_OPTION_MARK)
    options = pc.list_slice(parts, 1)
    # Trim, not regex-replace: a third of the cost. " or" before the last mark ("c) X, or d) Y") is cut too.
    cleaned = pc.utf8_trim(options.flatten(), characters=_OPTION_TRIM)
    ends_or = pc.ends_with(cleaned, " or")
    if _count_true(ends_or):
        cut = pc.utf8_rtrim(pc.utf8_slice_codeunits(cleaned, 0, -3), characters=_OPTION_TRIM)
        cleaned = pc.if_else(ends_or, cut, cleaned)
    counts = pc.list_value_length(options).fill_null(0).to_numpy(zero_copy_only=False)
    offsets = np.zeros(len(options) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), cleaned, mask=options.is_null())


def _field_float(struct: pa.Array, name: str) -> pa.Array:
    # struct_field ignores the parent's validity: rows that did not match would hold "" children.
    value = pc.if_else(struct.is_valid(), pc.struct_field(struct, name), None)
    return value.cast(pa.float64())


def parse_boxes(outputs: pa.Array) -> dict[str, pa.Array]:
    """``[x1 y1, x2 y2]`` -> bbox_x0, bbox_y0, bbox_x1, bbox_y1; null where a string is not of that form."""
    parts = pc.extract_regex(pc.utf8_trim_whitespace(outputs), BOX_PATTERN)
    return {f"bbox_{k}": _field_float(parts, k) for k in ("x0", "y0", "x1", "y1")}


def parse_refs(inputs: pa.Array) -> pa.Array:
    parts = pc.extract_regex(inputs, REF_PATTERN)
    return pc.if_else(parts.is_valid(), pc.struct_field(parts, "ref"), None)


def parse_points(inputs: pa.Array) -> tuple[pa.Array, pa.Array]:
    parts = pc.extract_regex(inputs, POINT_PATTERN)
    return _field_float(parts, "x"), _field_float(parts, "y")


def _distinct(column: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, np.ndarray | pa.Array]:
    """(values, positions): ``values.take(positions)`` is the column as strings.

    A dictionary column (read so from the Parquet file) gives only the dictionary entries its rows use: the
    texts repeat (a 250k-row batch of BigEarthNet.txt holds ~70k distinct inputs), so a regex parse runs once
    per distinct text and its result is taken back to the rows. Other columns are their own values.
    """
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_dictionary(array.type):
        values = _strings(array)
        return values, pa.array(np.arange(len(values)))
    dictionary = array.dictionary
    indices = array.indices.fill_null(0).to_numpy(zero_copy_only=False)  # a null row: masked below
    used = np.zeros(len(dictionary), dtype=bool)
    used[indices] = True
    remap = np.cumsum(used) - 1
    values = _strings(dictionary.filter(pa.array(used)))
    positions = pa.array(remap[indices].astype(np.int32), mask=array.is_null().to_numpy(zero_copy_only=False))
    return values, positions


def _per_distinct(column: pa.ChunkedArray | pa.Array, parse: Any) -> Any:
    """``parse`` (strings -> array or dict of arrays) over the distinct values of ``column``, taken back to
    its rows (``_distinct``)."""
    values, positions = _distinct(column)
    result = parse(values)
    if isinstance(result, dict):
        return {key: value.take(positions) for key, value in result.items()}
    if isinstance(result, tuple):
        return tuple(value.take(positions) for value in result)
    return result.take(positions)


def _count_true(mask: pa.Array) -> int:
    return int(pc.sum(mask.cast(pa.int64())).as_py() or 0)


def annotations_from_table(table: pa.Table, dataset: str) -> tuple[pa.Table, Counter[str]]:
    """One batch of BigEarthNet.txt rows -> ANNOTATION_SCHEMA rows, and counts of what did not parse.

    Rows are grouped by type so that each regex runs only on the rows it concerns; the batch comes out ordered
    by type, in file order within a type (the catalog sorts annotations by sample anyway).
    """
    stats: Counter[str] = Counter()
    # One stable sort by type, then zero-copy slices: cheaper than one filter per type.
    type_values, type_positions = _distinct(table["type"])
    codes = pc.take(pc.index_in(type_values, value_set=pa.array(list(TYPE_TO_KIND))), type_positions)
    codes_np = codes.fill_null(-1).to_numpy(zero_copy_only=False)
    order = np.argsort(codes_np, kind="stable")
    counts = np.bincount(codes_np + 1, minlength=len(TYPE_TO_KIND) + 1)
    stats["unknown_type"] = int(counts[0])
    table = table.take(pa.array(order))
    bounds = np.cumsum(counts)
    parts = []
    for code, kind in enumerate(TYPE_TO_KIND.values()):
        n = int(counts[code + 1])
        if n == 0:
            continue
        sub = table.slice(int(bounds[code]), n)
        inputs = _strings(sub["input"])
        outputs = _strings(sub["output"])
        category = _strings(sub["category"])
        columns: dict[str, Any] = {
            "dataset": pa.repeat(dataset, n),
            "sample_id": _strings(sub["patch_id"]),
            "ann_id": sub["ID"],
            "kind": pa.repeat(kind, n),
            "source": pa.repeat(SOURCE, n),
            "split": _strings(sub["split"]),
            "category": pc.if_else(pc.equal(category, "None"), None, category),
            "input": inputs,
            "output": outputs,
        }
        if kind == KIND_CAPTION:
            empty = pc.fill_null(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(outputs)), 0), True)
            columns["output"] = pc.if_else(empty, inputs, outputs)
            columns["input"] = pc.if_else(empty, None, inputs)
        elif kind == KIND_VQA_MCQ:
            options = _per_distinct(sub["input"], parse_mcq_options)
            columns["options"] = options
            stats["mcq_not_4_options"] += _count_true(
                pc.not_equal(pc.list_value_length(options).fill_null(0), 4)
            )
        elif kind == KIND_REFEXP:
            boxes = _per_distinct(sub["output"], parse_boxes)
            columns.update(boxes)
            stats["malformed_box"] += boxes["bbox_x0"].null_count
            columns["ref"] = _per_distinct(sub["input"], parse_refs)
            columns["point_x"], columns["point_y"] = _per_distinct(sub["input"], parse_points)
        parts.append(table_from_columns(ANNOTATION_SCHEMA, columns, n))
    if not parts:
        return ANNOTATION_SCHEMA.empty_table(), stats
    return pa.concat_tables(parts), stats


@register
class BigEarthNetTxtSource(DatasetSource):
    """BigEarthNet.txt.parquet, optionally with BigEarthNet v2.0 imagery beside it (or at ``imagery=``)."""

    format_name = "bigearthnet-txt"
    batch_rows = BATCH_ROWS
    description = (
        "BigEarthNet.txt: BigEarthNet.txt.parquet (texts), with BigEarthNet v2.0 imagery when present"
    )

    def __init__(self, root: str | Path, name: str | None = None, imagery: str | Path | None = None) -> None:
        given = Path(root).expanduser()
        self.path = given if given.is_file() else given / TXT_FILE
        super().__init__(root, name)
        if not self.path.is_file():
            raise MissingFileError(self.path, f"the BigEarthNet.txt table {TXT_FILE}")
        self.parse_stats: Counter[str] = Counter()
        self._chosen: dict[str, Any] | None = None  # _choose_patch_rows, kept from sample_ids_first
        from .bigearthnet_v2 import BigEarthNetV2Source  # imported here: keeps format registration order

        folder = Path(imagery).expanduser() if imagery is not None else self.path.parent
        if imagery is not None and not folder.is_dir():
            raise MissingFileError(folder, "a BigEarthNet v2.0 imagery folder")
        self.imagery: BigEarthNetV2Source | None = (
            BigEarthNetV2Source(folder, name=self.name) if BigEarthNetV2Source.has_imagery(folder) else None
        )

    @classmethod
    def detect(cls, root: Path) -> bool:
        if root.is_file():
            return root.name == TXT_FILE
        return root.is_dir() and (root / TXT_FILE).is_file()

    def default_name(self) -> str:
        return self.path.parent.resolve().name

    # --- tables ---------------------------------------------------------------------------------------------
    def _parquet(self, dictionaries: bool = False) -> pq.ParquetFile:
        """The file, footer checked. ``dictionaries``: the annotation pass's string columns come as Arrow
        dictionaries (the file's own dictionary pages, not decoded to one string per row): the parse then runs
        once per distinct text (``_per_distinct``). Not patch_id: ~190k distinct ids per 250k rows in random
        order, where reading it as a dictionary cost more than it saved."""
        schema = check_schema(self.path)
        wanted = [
            name
            for name in self._ANNOTATION_COLUMNS
            if dictionaries
            and name != "patch_id"
            and (
                pa.types.is_string(schema.field(name).type)
                or pa.types.is_large_string(schema.field(name).type)
            )
        ]
        try:
            return pq.ParquetFile(self.path, read_dictionary=wanted or None)
        except Exception as exc:
            raise CorruptFileError(self.path, "a readable Parquet file", str(exc)) from None

    def annotation_count_hint(self) -> int | None:
        try:
            return int(pq.ParquetFile(self.path).metadata.num_rows)
        except Exception:
            return None

    def sample_ids_first(self) -> pa.Array:
        """The patch ids, sorted: the first half of ``samples`` (kept for it, not computed twice)."""
        self._chosen = self._choose_patch_rows()
        return self._chosen["patch_id"]

    def samples(self) -> pa.Table:
        chosen, self._chosen = self._chosen or self._choose_patch_rows(), None
        n = len(chosen["patch_id"])
        patch_ids = chosen["patch_id"]
        fields = self._fields_at(chosen["row"])
        lat = np.array(fields["latitude"].to_numpy(zero_copy_only=False), dtype=float)  # writable copies
        lon = np.array(fields["longitude"].to_numpy(zero_copy_only=False), dtype=float)
        position = np.where(np.isnan(lat) | np.isnan(lon), POSITION_NONE, POSITION_PUBLISHED).astype(object)
        missing = np.flatnonzero(position == POSITION_NONE)
        if len(missing):  # fall back to the exact tile grid where a latitude/longitude is null
            from .bigearthnet_v2 import tile_grid_positions

            glat, glon, _ = tile_grid_positions(pc.take(patch_ids, pa.array(missing)))
            lat[missing], lon[missing] = glat, glon
            position[missing] = np.where(np.isnan(glat), POSITION_NONE, POSITION_TILE_GRID)
        columns: dict[str, Any] = {
            "dataset": pa.repeat(self.name, n),
            "sample_id": patch_ids,
            "split": chosen["split"],
            "lat": lat,
            "lon": lon,
            "position": pa.array(position, pa.string()),
            "country": _strings(fields["country"]),
            "season": _strings(fields["season"]),
            "image": patch_ids,
            "s1_id": _strings(fields["s1_name"]),
        }
        columns.update(self._from_imagery(patch_ids))
        return table_from_columns(SAMPLE_SCHEMA, columns, n)

    def _choose_patch_rows(self) -> dict[str, Any]:
        """Each patch (sorted by patch_id), its split and the file row its published fields are read from.

        The split: any bench row wins, else the split with most rows, ties to the split seen first; the fields
        come from the patch's first row of that split. Vectorised over integer codes: the patch ids are hashed
        once (one dictionary over the whole column), never grouped as strings batch by batch (rows in random
        order put nearly every patch in every batch).
        """
        n_groups = self._parquet().metadata.num_row_groups
        spans = [list(span) for span in np.array_split(np.arange(n_groups), min(ID_THREADS, n_groups)) if len(span)]
        # Row groups read and hashed in threads (Arrow releases the GIL): the build's workers wait for these ids.
        with ThreadPoolExecutor(max(1, len(spans))) as threads:
            encoded = list(threads.map(self._encoded_ids, spans))
        split_chunks = [chunk for _, _, chunks in encoded for chunk in chunks]
        if not split_chunks:
            return {
                "patch_id": pa.array([], pa.string()),
                "split": pa.array([], pa.string()),
                "row": np.empty(0, np.int64),
            }
        # One dictionary for all threads: their dictionaries hashed once more (~2 x the distinct ids, not rows).
        merged = pc.dictionary_encode(pa.concat_arrays([dictionary for dictionary, _, _ in encoded]))
        patch_dict, to_merged = merged.dictionary, merged.indices.to_numpy().astype(np.int64)
        codes, start = [], 0
        for dictionary, code, _ in encoded:
            codes.append(np.where(code >= 0, to_merged[start + np.maximum(code, 0)], -1))
            start += len(dictionary)
        patch_code = np.concatenate(codes)
        del encoded, codes, merged, to_merged
        splits = pc.dictionary_encode(pa.chunked_array(split_chunks, pa.string()), null_encoding="encode")
        del split_chunks
        split_dict = splits.chunk(splits.num_chunks - 1).dictionary
        split_code = np.concatenate([c.indices.to_numpy() for c in splits.chunks]).astype(np.int64)
        del splits
        rows = np.flatnonzero(patch_code >= 0)  # a row without patch id names no sample
        n_split = max(len(split_dict), 1)
        key = patch_code[rows] * n_split + split_code[rows]
        count = np.bincount(key, minlength=len(patch_dict) * n_split)
        first = np.full(len(count), np.iinfo(np.int64).max)
        np.minimum.at(first, key, rows)
        present = np.flatnonzero(count)
        patch, split = present // n_split, present % n_split
        is_bench = np.asarray(pc.fill_null(pc.equal(split_dict, BENCH_SPLIT), False), dtype=bool)
        bench = is_bench[split] if len(split_dict) else np.zeros(len(split), dtype=bool)
        # Per patch, best first: bench, then most rows, then first seen.
        order = np.lexsort((first[present], -count[present], ~bench, patch))
        patch, chosen = patch[order], present[order]
        lead = np.ones(len(patch), dtype=bool)
        lead[1:] = patch[1:] != patch[:-1]
        patch, chosen = patch[lead], chosen[lead]
        by_id = pc.sort_indices(patch_dict.take(pa.array(patch))).to_numpy()
        patch, chosen = patch[by_id], chosen[by_id]
        return {
            "patch_id": patch_dict.take(pa.array(patch)),
            "split": split_dict.take(pa.array(chosen % n_split)),
            "row": first[chosen],
        }

    def _encoded_ids(self, row_groups: list[int]) -> tuple[pa.Array, np.ndarray, list[pa.Array]]:
        """The patch ids of ``row_groups`` hashed: (their distinct ids, each row's code among them or -1 for a
        null id, the rows' split strings)."""
        patch_chunks, split_chunks = [], []
        batches = self._parquet().iter_batches(
            batch_size=self.batch_rows, row_groups=row_groups, columns=["patch_id", "split"]
        )
        for batch in batches:
            patch_chunks.append(_strings(batch.column(0)))
            split_chunks.append(_strings(batch.column(1)))
        patches = pc.dictionary_encode(pa.chunked_array(patch_chunks, pa.string()))
        del patch_chunks
        if not patches.num_chunks:
            return pa.array([], pa.string()), np.zeros(0, np.int64), split_chunks
        # A chunked encoding's dictionary grows: the last chunk's holds every id (never unify them all: that
        # hashes each chunk's dictionary again, ~40 x the distinct ids).
        dictionary = patches.chunk(patches.num_chunks - 1).dictionary
        code = np.concatenate([c.indices.fill_null(-1).to_numpy() for c in patches.chunks]).astype(np.int64)
        return dictionary, code, split_chunks

    def _fields_at(self, rows: np.ndarray) -> pa.Table:
        """The published per-patch fields at the given file rows, in the order of ``rows``."""
        fields = ["s1_name", "latitude", "longitude", "country", "season"]
        parquet = self._parquet()
        wanted = np.zeros(parquet.metadata.num_rows, dtype=bool)
        wanted[rows] = True
        parts, start = [], 0
        for batch in parquet.iter_batches(batch_size=self.batch_rows, columns=fields):
            stop = start + batch.num_rows
            parts.append(pa.Table.from_batches([batch]).filter(pa.array(wanted[start:stop])))
            start = stop
        if not parts:
            schema = parquet.schema_arrow
            return pa.table({f: pa.array([], schema.field(f).type) for f in fields})
        table = pa.concat_tables(parts, promote_options="permissive").combine_chunks()
        # Rows came out in file order: put them in the order asked for.
        return table.take(pa.array(np.argsort(np.argsort(rows, kind="stable"), kind="stable")))

    def _from_imagery(self, patch_ids: pa.Array) -> dict[str, Any]:
        """labels, flags and layers of the v2 imagery folder, joined on patch_id (vectorised)."""
        from .bigearthnet_v2 import repeated_list

        n = len(patch_ids)
        if self.imagery is None:
            return {"layers": repeated_list([], n), "flags": repeated_list([], n)}
        columns: dict[str, Any] = {"layers": repeated_list(self.imagery.available_layers(), n)}
        if self.imagery.metadata_path.is_file():
            v2 = self.imagery.samples()
            self.problems.extend(self.imagery.problems)
            index = pc.index_in(patch_ids, value_set=v2["sample_id"].combine_chunks())
            columns["labels"] = pc.take(v2["labels"].combine_chunks(), index)
            flags = pc.take(v2["flags"].combine_chunks(), index)
            columns["flags"] = pc.if_else(flags.is_valid(), flags, pa.scalar([], pa.list_(pa.string())))
        else:
            columns["flags"] = repeated_list([], n)
        return columns

    _ANNOTATION_COLUMNS = ["ID", "patch_id", "input", "output", "type", "category", "split"]

    def annotation_batches(self) -> Iterator[pa.Table]:
        self.parse_stats = Counter()
        batches = self._parquet(dictionaries=True).iter_batches(
            batch_size=self.batch_rows, columns=self._ANNOTATION_COLUMNS
        )
        yield from self._parsed(batches)
        self._report_parse_stats()

    def _parsed(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.Table]:
        for batch in batches:
            table, stats = annotations_from_table(pa.Table.from_batches([batch]), self.name)
            self.parse_stats.update(stats)
            yield table

    def annotation_partitions(self) -> list[Any] | None:
        """Runs of row groups of about ``batch_rows`` rows; None for a file of one row group."""
        metadata = self._parquet().metadata
        if metadata.num_row_groups < 2:
            return None
        parts: list[list[int]] = [[]]
        rows = 0
        for group in range(metadata.num_row_groups):
            if rows >= self.batch_rows:
                parts.append([])
                rows = 0
            parts[-1].append(group)
            rows += metadata.row_group(group).num_rows
        return parts if len(parts) > 1 else None

    def annotation_batches_of(self, partition: Any) -> Iterator[pa.Table]:
        self.parse_stats = Counter()
        batches = self._parquet(dictionaries=True).iter_batches(
            batch_size=self.batch_rows, row_groups=list(partition), columns=self._ANNOTATION_COLUMNS
        )
        yield from self._parsed(batches)

    def partition_report(self) -> Any:
        return list(self.problems), dict(self.parse_stats)

    def merge_partition_reports(self, reports: list[Any]) -> None:
        self.parse_stats = Counter()
        for problems, stats in reports:
            self.problems.extend(problems)
            self.parse_stats.update(stats)
        self._report_parse_stats()

    def _report_parse_stats(self) -> None:
        reasons = {
            "unknown_type": "rows of a type other than captioning/binary/mcq/bounding box (skipped)",
            "malformed_box": "bounding-box outputs not of the form [x1 y1, x2 y2] (kept, box left null)",
            "mcq_not_4_options": "multiple-choice inputs without exactly four options a)-d) (kept as parsed)",
        }
        for key, reason in reasons.items():
            if self.parse_stats.get(key):
                self.problem(self.path, f"{self.parse_stats[key]} {reason}", kept=key != "unknown_type")

    # --- layers ---------------------------------------------------------------------------------------------
    def read_layer(self, sample: Mapping[str, Any], kind: str) -> xr.DataArray:
        if self.imagery is None:
            return super().read_layer(sample, kind)
        return self.imagery.read_layer(sample, kind)

    def read_native_bands(self, sample: Mapping[str, Any]) -> dict[str, xr.DataArray]:
        if self.imagery is None:
            return super().read_native_bands(sample)
        return self.imagery.read_native_bands(sample)

    def describe(self) -> dict[str, Any]:
        return {
            "modality": "Sentinel-1 SAR + Sentinel-2 multispectral (12 bands)",
            "coverage": "Europe (10 countries)",
            "image_size": "120 x 120 px (1.2 km x 1.2 km), 10 m; 20/60 m bands at native size",
            "annotation": "captions, binary and multiple-choice VQA, referring expressions with boxes",
            "generation": "templates over CORINE reference maps",
            "license": "CDLA-Permissive-1.0",
        }
