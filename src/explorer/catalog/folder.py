"""A catalog folder on disk and the ``Catalog`` that reads it: cheap to open, fast to query at full size.

Layout of a catalog folder::

    catalog.json        name, format, dataset root, counts, fingerprint, problems met while building
    samples.parquet     SAMPLE_SCHEMA + ``sidx`` (row number), read whole at open (480k rows: well under 2 s)
    annotations.arrow   ANNOTATION_SCHEMA + ``sidx``, Arrow IPC, uncompressed, sorted by ``sidx``: memory-mapped,
                        so opening costs nothing and 9.6 M rows never enter Python
    ann_offsets.npy     annotations of sample ``i`` are rows ``offsets[i]:offsets[i + 1]``: one slice per lookup
    fulltext/           full-text index of the texts (``explorer.fulltext``), opened on first search
    stats/              cached statistics (written by ``explorer.stats``)

``build`` writes this layout; ``opening`` finds or builds the folder for a dataset.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

if TYPE_CHECKING:  # xarray (~0.3-0.5 s of imports) only when a layer is read: not on the way to a page
    import xarray as xr

from ..errors import CatalogError, ExplorerError, LayersUnavailableError
from ..fulltext import FullTextIndex, ScanProgress, SearchResult, regex_scan
from ..fulltext import exists as fulltext_exists
from ..sources import open_source
from ..sources.base import DatasetSource

CATALOG_VERSION = 2  # 2: annotations.boxes (list of rotated boxes), samples subset/date/footprint/extra
SYNTHETIC_MARKER = "README_SYNTHETIC.txt"


class Catalog:
    """An opened catalog. Cheap to open; share one instance read-only between dashboard sessions."""

    RECENT_SIZE = 64  # sample lookups remembered by ``sidx``

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        meta_file = self.path / "catalog.json"
        if not meta_file.exists():
            raise CatalogError(
                f"{self.path}: expected a catalog folder with catalog.json (run `eo-explorer index`)"
            )
        self.meta: dict[str, Any] = json.loads(meta_file.read_text())
        if self.meta.get("version") != CATALOG_VERSION:
            raise CatalogError(
                f"{self.path}: catalog version {self.meta.get('version')} is not {CATALOG_VERSION}; rebuild it"
            )
        self.name: str = self.meta["name"]
        self.format: str = self.meta["format"]
        self.root = Path(self.meta["root"])
        self.problems: list[dict[str, Any]] = self.meta.get("problems", [])
        self._offsets = np.load(self.path / "ann_offsets.npy")
        # Zero-copy: the table's buffers point into the memory-mapped file.
        self._ann_source = pa.memory_map(str(self.path / "annotations.arrow"), "r")
        self.annotations: pa.Table = pa.ipc.open_file(self._ann_source).read_all()
        self._source: DatasetSource | None = None
        self._fulltext: FullTextIndex | None = None
        # sample_id -> sidx of the last lookups (a sample is looked up often). Sessions and the server's warm-up
        # thread look samples up at once, so every read and change of it holds ``_recent_lock`` (for microseconds:
        # the scan itself runs outside it).
        self._recent: dict[str, int] = {}
        self._recent_lock = threading.Lock()

    @cached_property
    def samples(self) -> pd.DataFrame:
        """The samples table in pandas, read on first use (a build that only writes the catalog never pays).

        Sized for ~10 M samples open at once: the list columns stay Arrow (``pd.ArrowDtype``; a cell reads as a
        Python list, ~4 B per empty cell instead of a NumPy array of ~115 B) and the few-valued text columns are
        ``pd.Categorical`` (one small code per row). A missing ``labels``/``layers``/``flags`` reads as an empty
        list, so readers never meet ``pd.NA`` there; ``footprint`` stays missing (NA) when unpublished. The
        unique-text columns (``sample_id``, ``image``...) stay Arrow ``string`` (``pd.ArrowDtype``, zero-copy;
        pandas' own ``str`` would copy them as ``large_string``, 4 B per row more), missing as ``pd.NA``; one that
        is missing everywhere (SkyScript's ``s1_id``) is an empty ``pd.Categorical`` (1 B per row), missing as NaN.
        """
        return read_samples(self.path / "samples.parquet")

    @cached_property
    def _ids(self) -> pa.Array | pa.ChunkedArray:
        """The sample_id column as Arrow, sharing the frame's buffers."""
        return pa.array(self.samples["sample_id"].array)

    def __reduce__(self) -> tuple[type[Catalog], tuple[str]]:
        # Dask ships catalogs to workers: send the path (each worker re-opens it, memory-mapped), not the map.
        return (Catalog, (str(self.path),))

    def __repr__(self) -> str:
        return f"<Catalog {self.name!r} ({self.format}): {len(self.samples):,} samples, {self.annotations.num_rows:,} annotations>"

    # --- lookups -------------------------------------------------------------------------------------------
    @property
    def stats_dir(self) -> Path:
        path = self.path / "stats"
        path.mkdir(exist_ok=True)
        return path

    def sidx(self, sample_id: str) -> int:
        """Row of a sample. A scan of the ids (~13 ms per million, once per sample: the last ones are remembered)
        instead of a hash index, which costs ~120 B per sample and ~0.8 s per million to build on first use."""
        with self._recent_lock:
            found = self._recent.get(sample_id)
        if found is None:
            found = int(pc.index(self._ids, sample_id).as_py())
            if found < 0:
                raise KeyError(f"{self.name}: no sample {sample_id!r}")
            with self._recent_lock:
                self._recent[sample_id] = found
                while len(self._recent) > self.RECENT_SIZE:
                    del self._recent[next(iter(self._recent))]
        return found

    def sample(self, sample_id: str) -> dict[str, Any]:
        """One sample as a dict of plain values (None where missing; list columns as Python lists)."""
        return {str(k): None if v is pd.NA else v for k, v in self.samples.iloc[self.sidx(sample_id)].items()}

    def annotations_of(self, sample_id: str) -> pd.DataFrame:
        i = self.sidx(sample_id)
        start, stop = int(self._offsets[i]), int(self._offsets[i + 1])
        return self.annotations.slice(start, stop - start).to_pandas()

    def annotations_of_many(self, sidx: Iterable[int] | np.ndarray) -> pa.Table:
        """Annotations of many samples; contiguous runs are sliced, so a selection costs its size, not the table's."""
        sidx = np.unique(np.asarray(list(sidx) if not isinstance(sidx, np.ndarray) else sidx, dtype=np.int64))
        if sidx.size == 0:
            return self.annotations.slice(0, 0)
        starts, stops = self._offsets[sidx], self._offsets[sidx + 1]
        keep = stops > starts
        starts, stops = starts[keep], stops[keep]
        if starts.size == 0:
            return self.annotations.slice(0, 0)
        if starts.size > 5000:
            rows = np.concatenate([np.arange(a, b) for a, b in zip(starts, stops, strict=False)])
            return self.annotations.take(pa.array(rows))
        return pa.concat_tables(
            [self.annotations.slice(int(a), int(b - a)) for a, b in zip(starts, stops, strict=False)]
        )

    # --- text search ---------------------------------------------------------------------------------------
    @property
    def has_fulltext(self) -> bool:
        return fulltext_exists(self.path)

    @property
    def fulltext(self) -> FullTextIndex:
        """The full-text index, opened on first use (FullTextError when the catalog was built without one)."""
        if self._fulltext is None:
            self._fulltext = FullTextIndex(self.path)
        return self._fulltext

    def search(self, query: str, limit: int = 50) -> SearchResult:
        """Samples whose texts match ``query`` (words, "phrases", prefix*), with the best texts ranked by BM25."""
        return self.fulltext.search(query, limit)

    def regex_scan(
        self, pattern: str, cancel: Any = None, chunk_rows: int = 500_000
    ) -> Iterable[ScanProgress]:
        """The slow path: a chunked regular-expression scan that reports progress and stops on ``cancel``."""
        return regex_scan(self.annotations, pattern, cancel=cancel, chunk_rows=chunk_rows)

    # --- layers --------------------------------------------------------------------------------------------
    @property
    def source(self) -> DatasetSource:
        """The dataset's reader; LayersUnavailableError (saying why and what to do) when it cannot be opened."""
        problem = self.layer_problem()
        if problem is not None or self._source is None:
            raise LayersUnavailableError(
                f"{self.name}: layers unavailable ({problem}); texts, positions and statistics still work. "
                f"Re-point the catalog with `eo-explorer relink {self.name} NEW_DATASET_FOLDER` "
                f"or drop it with `eo-explorer unregister {self.name}`"
            )
        return self._source

    def layer_problem(self) -> str | None:
        """Why the dataset folder (imagery) cannot be read, or None when it can. Checked again on each call
        until it succeeds, so a folder that comes back (remounted disk) is picked up without reopening."""
        if self._source is not None:
            return None
        if not self.root.exists():
            return f"the dataset folder {self.root} is missing (moved or deleted)"
        try:
            self._source = open_source(self.root, format=self.format, name=self.name)
        except (ExplorerError, OSError) as exc:
            return f"the dataset folder {self.root} cannot be read: {exc}"
        return None

    @property
    def status(self) -> str:
        """"ok", or what is unavailable and why (``eo-explorer list`` shows it)."""
        problem = self.layer_problem()
        return "ok" if problem is None else f"layers unavailable: {problem}"

    @cached_property
    def layer_names(self) -> list[str]:
        """Every layer kind some sample has (s2, s1, landcover, rgb...)."""
        return sorted(str(k) for k in self.samples["layers"].explode().dropna().unique())

    @property
    def unavailable_layers(self) -> dict[str, str]:
        """Layer kind -> why it cannot be read now (empty when all can)."""
        problem = self.layer_problem()
        return {} if problem is None else dict.fromkeys(self.layer_names, problem)

    def read_layer(self, sample_id: str, kind: str) -> xr.DataArray:
        return self.source.read_layer(self.sample(sample_id), kind)


# Text columns with few distinct values (a handful of splits, countries, subsets...): read as categories.
FEW_VALUED = ("dataset", "split", "position", "country", "season", "subset", "date")
EMPTY_WHEN_MISSING = ("labels", "layers", "flags")
# Text columns with a value per sample (ids, file names, JSON): kept in Arrow, or one code per row when all missing.
UNIQUE_TEXT = ("sample_id", "image", "s1_id", "extra")


def read_samples(path: Path) -> pd.DataFrame:
    """``samples.parquet`` in pandas at ~170 B per sample instead of ~760 (see ``Catalog.samples``)."""
    order = pq.read_schema(path).names
    names = set(order)
    table = pq.read_table(path, read_dictionary=[c for c in FEW_VALUED if c in names])
    for name in EMPTY_WHEN_MISSING:
        if name in names and table[name].null_count:
            column = table[name]
            filled = pc.if_else(column.is_valid(), column, pa.scalar([], column.type))
            table = table.set_column(table.schema.get_field_index(name), name, filled)
    missing_everywhere = [
        c for c in UNIQUE_TEXT if c in names and table.num_rows and table[c].null_count == table.num_rows
    ]
    table = table.drop_columns(missing_everywhere)
    frame = table.to_pandas(types_mapper=_arrow_lists_and_strings)
    del table
    for name in missing_everywhere:
        no_text = pd.Index([], dtype=object)
        frame[name] = pd.Categorical.from_codes(np.full(len(frame), -1, np.int8), categories=no_text)
    # The Parquet decoder's scratch buffers stay in the allocator otherwise (~70 B per sample of resident memory).
    pa.default_memory_pool().release_unused()
    return frame[order]  # the file's column order (no copy: pandas copies on write)


def _arrow_lists_and_strings(arrow_type: pa.DataType) -> pd.ArrowDtype | None:
    keep = pa.types.is_list(arrow_type) or pa.types.is_string(arrow_type)
    return pd.ArrowDtype(arrow_type) if keep else None


def is_catalog(path: Path) -> bool:
    return (path / "catalog.json").is_file()
