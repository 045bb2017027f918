"""SkyScript (Wang et al., AAAI 2024; wangzhecheng/SkyScript, MIT, commit b16d2e76): OSM-captioned images.

Released layout (FORMATS.md section 7, [confirmed from its README and code])::

    dataframe/SkyScript_{train_unfiltered_5M, train_top{30,50}pct_filtered_by_CLIP_{openai,laion_RS},
                         val_5K_filtered_by_CLIP_*, test_30K_filtered_by_CLIP_*}[_language_polished].csv
        comma-separated: filepath (images2/n8454739999_US_21.jpg), title, title_multi_objects[, more...]
    images2/ ... images7/   {a|w|n}<OSM id>_<SRC>_<YY>.jpg   (OSM area/way/node; SRC sensor code; YY year)
    meta2/ ... meta7/       one pickle per image, same stem: {"box": (west, south, east, north),
                            "time": (year, month, day, hour, minute), "center_tags": {key: value},
                            "surrounding_tags": [{key: value}, ...]}

What the reader makes of it:

* one sample per image: id = file stem, ``image`` = ``filepath``, split from the CSV name, ``subset`` = the
  image source decoded from SRC (NAIP, Sentinel-2, Landsat 8, ...), ``date`` = the year from YY, refined by the
  pickle's ``time``; ``labels`` = the OSM centre tags as ``key=value``; ``extra`` (with the pickles only: the
  rest is in the name) = OSM element type and id, sensor code and surrounding tags; position = centre of the pickle's ``box`` (``footprint`` = the box). The
  CSVs carry no coordinates: without the ``meta*`` folders samples have no position.
* two caption annotations per CSV row, ``source`` ``osm-title`` and ``osm-title-multi-objects``, so the two
  caption styles can be compared; any further CSV column (e.g. of the ``_language_polished`` files, whose extra
  columns are [inferred]) is kept in the annotation's ``extra`` JSON.
* which CSVs: a CSV file given as the path is read alone. In a folder, the CSVs overlap (the filtered training
  files are subsets of the 5M one; every val/test split exists once per CLIP filter), so ONE file per split is
  read, the first of: unfiltered, top50pct, top30pct; CLIP openai before laion_RS; original before
  language-polished. The others are listed in ``describe()["skipped_files"]``; name one to read it instead.
* the metadata pickles are untrusted: they are read with ``_pickle.load_plain`` (plain data only), and only
  those under the folder the user gave. A refused or unreadable pickle is a recorded problem, never a crash.
* imagery: the JPEG as an 8-bit RGB ``s2`` layer, offered when its ``images<k>/`` folder exists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xarray as xr

from ..errors import DataError, SchemaError
from ..model import (
    ANNOTATION_SCHEMA,
    KIND_CAPTION,
    LAYER_S2,
    POSITION_NONE,
    POSITION_PUBLISHED,
    SAMPLE_SCHEMA,
    table_from_columns,
)
from . import register
from ._io import constant, list_column, rgb_layer
from ._pickle import load_plain
from ._stream import csv_batches, csv_header
from .base import DatasetSource
from .facts import describe_facts

COLUMNS = ("filepath", "title", "title_multi_objects")
BATCH_ROWS = 1_000_000  # annotations per yielded table (~100 MB of caption text at most)
CAPTION_SOURCES = {"title": "osm-title", "title_multi_objects": "osm-title-multi-objects"}
CSV_NAME = re.compile(r"^SkyScript_(?P<split>train|val|test)_.*\.csv$")


def sample_ids(filepath: pa.Array) -> pa.Array:
    """The file stem (sample id) of each path; split on "/" and "." (cheap), regex only for odd rows."""
    last = pc.split_pattern(filepath, "/", max_splits=1, reverse=True)
    simple = pc.all(pc.equal(pc.list_value_length(last), 2)).as_py() if len(filepath) else True
    name = pc.list_element(last, 1) if simple else pc.replace_substring_regex(filepath, r"^.*/", "")
    parts = pc.split_pattern(name, ".", max_splits=1, reverse=True)
    if len(name) and pc.all(pc.equal(pc.list_value_length(parts), 2)).as_py():
        return pc.list_element(parts, 0)
    return pc.replace_substring_regex(name, r"\.[A-Za-z]+$", "")


def name_parts(stem: pa.Array) -> dict[str, pa.Array]:
    """OSM element type, OSM id, sensor code and two-digit year of ``{a|w|n}<id>_<SRC>_<YY>`` stems (null
    where a stem has another shape)."""
    fields = pc.split_pattern(stem, "_")
    shaped = pc.and_(
        pc.equal(pc.list_value_length(fields), 3),
        pc.match_substring_regex(stem, r"^[awn]\d+_[A-Z0-9]+_\d{2}$"),
    )
    if not pc.all(shaped).as_py():
        fields = pc.if_else(shaped, fields, pa.scalar(None, fields.type))
    head = pc.list_element(fields, 0)
    return {
        "osm": pc.utf8_slice_codeunits(head, 0, 1),
        "id": pc.utf8_slice_codeunits(head, 1, 64),
        "src": pc.list_element(fields, 1),
        "yy": pc.list_element(fields, 2),
    }


def first_occurrences(values: pa.Array) -> np.ndarray | None:
    """Mask of each value's first row, or None when every value is distinct (the usual case)."""
    codes = pc.dictionary_encode(values).indices.to_numpy(zero_copy_only=False)
    _, first = np.unique(codes, return_index=True)
    if len(first) == len(codes):
        return None
    mask = np.zeros(len(codes), dtype=bool)
    mask[first] = True
    return mask


OSM_TYPES = {"a": "area", "w": "way", "n": "node"}
# SRC codes of the file names (FORMATS.md section 7); codes not listed keep their code as the subset.
SENSORS = {
    "US": "NAIP",
    "DE": "Germany orthophoto",
    "FI": "Finland orthophoto",
    "CH": "Switzerland orthophoto",
    "ES": "Spain orthophoto",
    "P3": "PlanetScope",
    "P5": "PlanetScope",
    "S2": "Sentinel-2",
    "L8": "Landsat 8",
    "L9": "Landsat 9",
}
PICKLE_SUFFIXES = (".pickle", ".pkl")  # [inferred]: the release says "pickle", not the suffix


def _preference(path: Path) -> tuple[int, int, int, str]:
    name = path.name
    size = 0 if "unfiltered" in name else 1 if "top50pct" in name else 2 if "top30pct" in name else 3
    clip = 0 if "openai" in name else 1
    return (size, clip, int("language_polished" in name), name)


def _csv_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root] if root.suffix.lower() == ".csv" else []
    found: list[Path] = []
    for folder in (root / "dataframe", root):
        if folder.is_dir():
            found += [p for p in folder.glob("SkyScript_*.csv") if CSV_NAME.match(p.name)]
    return sorted(found)


def _is_skyscript_csv(path: Path) -> bool:
    header = csv_header(path)
    return header[:1] == ["filepath"] and {"title", "title_multi_objects"} <= set(header)


@register
class SkyScriptSource(DatasetSource):
    """SkyScript caption CSVs with optional images and metadata pickles."""

    format_name = "skyscript"
    description = (
        "SkyScript: dataframe/SkyScript_*.csv (filepath, title, title_multi_objects), images*/, meta*/"
    )

    def __init__(self, root: str | Path, name: str | None = None) -> None:
        super().__init__(root, name)
        self.folder = self.root if self.root.is_dir() else self.root.parent
        if self.folder.name == "dataframe":
            self.folder = self.folder.parent
        found = _csv_files(self.root)
        if not found:
            raise SchemaError(self.root, self.description, "no SkyScript_*.csv caption file")
        for path in found:
            if not _is_skyscript_csv(path):
                raise SchemaError(
                    path,
                    f"a SkyScript caption CSV with columns {list(COLUMNS)}",
                    f"header {csv_header(path)}",
                )
        self.files = self._choose(found)
        self.skipped = [p for p in found if p not in self.files]
        self._rows: int | None = None

    @staticmethod
    def _choose(found: list[Path]) -> list[Path]:
        if len(found) == 1:
            return found
        best: dict[str, Path] = {}
        for path in sorted(found, key=_preference):
            match = CSV_NAME.match(path.name)
            split = match.group("split") if match else path.stem
            best.setdefault(split, path)
        return [best[s] for s in ("train", "val", "test") if s in best] + [
            p for s, p in best.items() if s not in ("train", "val", "test")
        ]

    @classmethod
    def detect(cls, root: Path) -> bool:
        return any(_is_skyscript_csv(path) for path in _csv_files(root))

    def default_name(self) -> str:
        folder = self.root if self.root.is_dir() else self.root.parent
        return (folder.parent if folder.name == "dataframe" else folder).resolve().name

    @staticmethod
    def _split_of(path: Path) -> str | None:
        match = CSV_NAME.match(path.name)
        return match.group("split") if match else None

    # --- samples -----------------------------------------------------------------------------------------
    def samples(self) -> pa.Table:
        # Not kept: a build holds the table it was given, and 5 M samples held twice would double the peak.
        return self._build_samples()

    def _build_samples(self) -> pa.Table:
        paths, splits = [], []
        rows = 0
        for path in self.files:
            for batch in csv_batches(path, COLUMNS, expected="a SkyScript caption CSV"):
                column = batch.column("filepath")
                paths.append(column)
                splits.append(constant(self._split_of(path), len(column)))
                rows += len(column)
        self._rows = rows
        filepath = (
            pa.chunked_array(paths, pa.string()).combine_chunks() if paths else pa.array([], pa.string())
        )
        split = (
            pa.chunked_array(splits, pa.string()).combine_chunks() if splits else pa.array([], pa.string())
        )
        first = first_occurrences(filepath)
        if first is not None:
            filepath, split = filepath.filter(pa.array(first)), split.filter(pa.array(first))
        n = len(filepath)
        sample_id = sample_ids(filepath)
        parts = name_parts(sample_id)
        src, osm = parts["src"], parts["osm"]
        codes = pa.array(list(SENSORS), pa.string())
        subset = pc.coalesce(
            pc.take(pa.array(list(SENSORS.values())), pc.index_in(src, value_set=codes)), src
        )
        year = pc.binary_join_element_wise("20", parts["yy"], "")
        osm_type = pc.take(
            pa.array(list(OSM_TYPES.values())), pc.index_in(osm, value_set=pa.array(list(OSM_TYPES)))
        )
        extra = pc.binary_join_element_wise(
            '{"osm_type": "',
            osm_type,
            '", "osm_id": "',
            parts["id"],
            '", "sensor_code": "',
            src,
            '"}',
            "",
        )
        folder = pc.list_element(pc.split_pattern(filepath, "/", max_splits=1), 0)
        folders = {str(f) for f in pc.unique(folder).to_pylist() if f}
        present = pa.array(sorted(f for f in folders if (self.folder / f).is_dir()), pa.string())
        has_image = pc.fill_null(pc.is_in(folder, value_set=present), False).to_numpy(zero_copy_only=False)
        columns: dict[str, Any] = {
            "dataset": constant(self.name, n),
            "sample_id": sample_id,
            "split": split,
            "lat": np.full(n, np.nan),
            "lon": np.full(n, np.nan),
            "position": constant(POSITION_NONE, n),
            "labels": list_column({}, n),
            "layers": list_column({LAYER_S2: has_image}, n),
            "image": filepath,
            "flags": list_column({}, n),
            "subset": subset,
            "date": year,
            # OSM type / id / sensor code are in the file name already: only kept with the pickles' tags, so
            # 5 M samples without metadata do not carry 5 M redundant JSON strings.
            "extra": constant(None, n),
        }
        meta_folders = {f: "meta" + f[len("images") :] for f in folders if f.startswith("images")}
        if any((self.folder / m).is_dir() for m in meta_folders.values()):
            columns["extra"] = extra
            self._apply_meta(columns, folder.to_pylist(), meta_folders)
        return table_from_columns(SAMPLE_SCHEMA, columns, length=n)

    def _apply_meta(
        self, columns: dict[str, Any], folder: list[str | None], meta_folders: dict[str, str]
    ) -> None:
        """Position, footprint, date, tags from each image's pickle (one file per image: the slow part)."""
        n = len(folder)
        lat, lon = columns["lat"], columns["lon"]
        footprint: list[list[float] | None] = [None] * n
        labels: list[list[str]] = [[] for _ in range(n)]
        extra = [json.loads(e) if e else {} for e in columns["extra"].to_pylist()]
        date = np.array(columns["date"].to_pylist(), dtype=object)
        ids = columns["sample_id"].to_pylist()
        for i in range(n):
            meta = meta_folders.get(folder[i] or "")
            if meta is not None:
                self._read_meta(self.folder / meta, str(ids[i]), i, lat, lon, footprint, labels, extra, date)
        columns.update(
            position=np.where(np.isfinite(lat), POSITION_PUBLISHED, POSITION_NONE),
            labels=pa.array(labels, pa.list_(pa.string())),
            footprint=pa.array(footprint, pa.list_(pa.float64())),
            date=pa.array(date, pa.string()),
            extra=[json.dumps(e, ensure_ascii=False) if e else None for e in extra],
        )

    def _read_meta(
        self,
        meta: Path,
        sample_id: str,
        i: int,
        lat: np.ndarray,
        lon: np.ndarray,
        footprint: list[list[float] | None],
        labels: list[list[str]],
        extra: list[dict[str, Any]],
        date: np.ndarray,
    ) -> None:
        path = next(
            (meta / (sample_id + s) for s in PICKLE_SUFFIXES if (meta / (sample_id + s)).is_file()), None
        )
        if path is None:
            return
        try:
            record = load_plain(path)
        except DataError as exc:
            self.problem(path, f"expected {exc.expected}, found {exc.found}", sample_id)
            return
        if not isinstance(record, dict):
            self.problem(path, f"expected a dict of metadata, found {type(record).__name__}", sample_id)
            return
        box = record.get("box")
        if isinstance(box, (list, tuple)) and len(box) == 4 and all(isinstance(v, (int, float)) for v in box):
            west, south, east, north = (float(v) for v in box)
            if -180 <= west <= east <= 180 and -90 <= south <= north <= 90:
                lon[i], lat[i] = (west + east) / 2, (south + north) / 2
                footprint[i] = [west, south, east, north]
            else:
                self.problem(path, f"box {box!r} is not (west, south, east, north) in degrees", sample_id)
        time = record.get("time")
        if isinstance(time, (list, tuple)) and len(time) >= 3 and all(isinstance(v, int) for v in time[:3]):
            date[i] = f"{time[0]:04d}-{time[1]:02d}-{time[2]:02d}"
        tags = record.get("center_tags")
        if isinstance(tags, dict):
            labels[i] = [f"{k}={v}" for k, v in tags.items()]
        surrounding = record.get("surrounding_tags")
        if isinstance(surrounding, list):
            extra[i]["surrounding_tags"] = surrounding

    # --- annotations -------------------------------------------------------------------------------------
    def annotation_batches(self) -> Iterator[pa.Table]:
        """Both captions of each row, in tables of about ``BATCH_ROWS`` annotations. Each caption column is one
        run of ids in sample (CSV) order, which the catalog matches to its samples without hashing them."""
        next_id = 0
        pending: list[pa.Table] = []
        size = 0
        for path in self.files:
            split = self._split_of(path)
            for batch in csv_batches(path, COLUMNS, expected="a SkyScript caption CSV"):
                n = batch.num_rows
                sample_id = sample_ids(batch.column("filepath"))
                others = [c for c in batch.schema.names if c not in COLUMNS]
                extra: Any = constant(None, n)
                if others:
                    values = {c: batch.column(c).to_pylist() for c in others}
                    extra = [
                        json.dumps({c: values[c][r] for c in others}, ensure_ascii=False) for r in range(n)
                    ]
                for column, source in CAPTION_SOURCES.items():
                    pending.append(
                        table_from_columns(
                            ANNOTATION_SCHEMA,
                            {
                                "dataset": constant(self.name, n),
                                "sample_id": sample_id,
                                "ann_id": np.arange(next_id, next_id + n, dtype=np.int64),
                                "kind": constant(KIND_CAPTION, n),
                                "source": constant(source, n),
                                "split": constant(split, n),
                                "output": batch.column(column),
                                "extra": extra,
                            },
                            length=n,
                        )
                    )
                    next_id += n
                    size += n
                if size >= BATCH_ROWS:
                    yield pa.concat_tables(pending)
                    pending, size = [], 0
        if pending:
            yield pa.concat_tables(pending)

    def annotation_count_hint(self) -> int | None:
        return 2 * self._rows if self._rows is not None else None

    # --- layers ------------------------------------------------------------------------------------------
    def read_layer(self, sample: Mapping[str, Any], kind: str) -> xr.DataArray:
        if kind != LAYER_S2 or not sample.get("image"):
            return super().read_layer(sample, kind)
        path = self.folder / str(sample["image"])
        return rgb_layer(path, str(sample.get("sample_id")), path)

    def describe(self) -> dict[str, Any]:
        return {
            **describe_facts("skyscript"),
            "files": [p.name for p in self.files],
            "skipped_files": [p.name for p in self.skipped],
        }
