"""The common model on disk: one catalog folder per dataset, fast to open and to query at full size.

Layout of a catalog folder::

    catalog.json        name, format, dataset root, counts, fingerprint, problems met while building
    samples.parquet     SAMPLE_SCHEMA + ``sidx`` (row number), read whole at open (480k rows: well under 2 s)
    annotations.arrow   ANNOTATION_SCHEMA + ``sidx``, Arrow IPC, uncompressed, sorted by ``sidx``: memory-mapped,
                        so opening costs nothing and 9.6 M rows never enter Python
    ann_offsets.npy     annotations of sample ``i`` are rows ``offsets[i]:offsets[i + 1]``: one slice per lookup
    fulltext/           full-text index of the texts (``explorer.fulltext``), opened on first search
    stats/              cached statistics (written by ``explorer.stats``)

Building streams the reader's annotation batches to a scratch file, then sorts by sample in chunks through a
memory map, so peak memory stays far below the size of the text.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xarray as xr

from . import registry, world
from .errors import CatalogError, DataError, ExplorerError, LayersUnavailableError, MissingFileError
from .fulltext import FullTextIndex, ScanProgress, SearchResult, regex_scan
from .fulltext import build as build_fulltext
from .fulltext import exists as fulltext_exists
from .model import ANNOTATION_SCHEMA, SAMPLE_SCHEMA, SampleProblem, conform
from .settings import cache_dir, demo_dir
from .sources import open_source
from .sources.base import DatasetSource

__all__ = [
    "BuildReport",
    "Catalog",
    "build_catalog",
    "default_catalog_path",
    "ensure_demo",
    "fingerprint",
    "index",
    "is_catalog",
    "open_catalog",
    "open_many",
    "open_registered",
]

CATALOG_VERSION = 2  # 2: annotations.boxes (list of rotated boxes), samples subset/date/footprint/extra
SYNTHETIC_MARKER = "README_SYNTHETIC.txt"
_BUCKET_ROWS = 500_000  # rows per sort bucket: bounds build memory to a few hundred MB of text


@dataclass
class BuildReport:
    name: str
    n_samples: int
    n_annotations: int
    problems: list[SampleProblem] = field(default_factory=list)
    seconds: float = 0.0
    seconds_stats: float = 0.0
    seconds_fulltext: float = 0.0

    @property
    def skipped(self) -> list[SampleProblem]:
        """Problems where samples, records or rows were left out of the catalog."""
        return [p for p in self.problems if not p.kept]

    @property
    def warnings(self) -> list[SampleProblem]:
        """Problems about data that is in the catalog anyway (an unparsed box, an unknown position)."""
        return [p for p in self.problems if p.kept]

    def summary_line(self) -> str:
        line = f"{self.name}: {self.n_samples:,} samples, {self.n_annotations:,} annotations"
        skipped, warnings = len(self.skipped), len(self.warnings)
        parts = []
        if skipped:
            parts.append(f"{skipped:,} problem{'s' * (skipped != 1)} where data was skipped")
        if warnings:
            parts.append(f"{warnings:,} warning{'s' * (warnings != 1)} about data kept")
        if parts:
            line += f" ({'; '.join(parts)}: see above and catalog.json)"
        return line


class Catalog:
    """An opened catalog. Cheap to open; share one instance read-only between dashboard sessions."""

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
        self.samples: pd.DataFrame = pq.read_table(self.path / "samples.parquet").to_pandas()
        self._offsets = np.load(self.path / "ann_offsets.npy")
        # Zero-copy: the table's buffers point into the memory-mapped file.
        self._ann_source = pa.memory_map(str(self.path / "annotations.arrow"), "r")
        self.annotations: pa.Table = pa.ipc.open_file(self._ann_source).read_all()
        self._index = pd.Index(self.samples["sample_id"])
        self._source: DatasetSource | None = None
        self._fulltext: FullTextIndex | None = None

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
        try:
            loc = self._index.get_loc(sample_id)
        except KeyError:
            raise KeyError(f"{self.name}: no sample {sample_id!r}") from None
        return int(loc) if not isinstance(loc, slice) else int(loc.start)

    def sample(self, sample_id: str) -> dict[str, Any]:
        return {str(k): v for k, v in self.samples.iloc[self.sidx(sample_id)].items()}

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
        return sorted({str(k) for layers in self.samples["layers"] if layers is not None for k in layers})

    @property
    def unavailable_layers(self) -> dict[str, str]:
        """Layer kind -> why it cannot be read now (empty when all can)."""
        problem = self.layer_problem()
        return {} if problem is None else dict.fromkeys(self.layer_names, problem)

    def read_layer(self, sample_id: str, kind: str) -> xr.DataArray:
        return self.source.read_layer(self.sample(sample_id), kind)


# --- building ------------------------------------------------------------------------------------------------
def fingerprint(root: Path) -> str:
    """Cheap change detector: names, sizes and mtimes of the files at the top two levels (not every image)."""
    digest = hashlib.sha1()
    entries = [root] if root.is_file() else sorted(root.iterdir())
    for entry in entries:
        children = sorted(entry.iterdir()) if entry.is_dir() else [entry]
        for item in [entry, *children[:200]]:
            stat = item.stat()
            digest.update(f"{item.relative_to(root.parent)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def default_catalog_path(root: Path, name: str) -> Path:
    key = hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:10]
    return cache_dir() / "catalogs" / f"{name}-{key}"


def build_catalog(
    path: str | Path,
    format: str | None = None,
    name: str | None = None,
    out: str | Path | None = None,
    progress: bool = False,
    with_fulltext: bool = True,
    workers: int | None = None,
) -> tuple[Catalog, BuildReport]:
    """Read a dataset folder through its reader and write its catalog. Bad samples are skipped and reported.

    Readers that split their annotations (``annotation_partitions``) are read by ``workers`` processes
    (default: ``build_workers()``, every core).
    """
    started = time.perf_counter()
    root = Path(path).expanduser().resolve()
    source = open_source(root, format=format, name=name)
    unique = registry.distinct_name(source.name, root)  # another folder registered under this name
    if unique != source.name:
        source = open_source(root, format=source.format_name, name=unique)
    target = Path(out) if out else default_catalog_path(root, source.name)
    scratch = target.with_name(target.name + ".building")
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)

    samples = _prepare_samples(source, root)
    sample_ids = samples.column("sample_id").combine_chunks()
    partitions = source.annotation_partitions()
    workers = build_workers() if workers is None else workers
    if partitions and workers > 1:
        n_annotations, n_orphans = _write_sorted_annotations_parallel(
            source, root, partitions, sample_ids, scratch, progress, min(workers, len(partitions))
        )
    else:
        n_annotations, n_orphans = _write_sorted_annotations(source, sample_ids, scratch, progress)
    if n_orphans:
        source.problem(root, f"{n_orphans:,} annotations name samples the dataset does not list; skipped")

    pq.write_table(samples, scratch / "samples.parquet", compression="zstd")
    seconds_fulltext = 0.0
    if with_fulltext:
        fulltext_started = time.perf_counter()
        with pa.memory_map(str(scratch / "annotations.arrow"), "r") as mapped:
            build_fulltext(pa.ipc.open_file(mapped).read_all(), samples.num_rows, scratch)
        seconds_fulltext = time.perf_counter() - fulltext_started
    problems = list(source.problems)
    meta = {
        "version": CATALOG_VERSION,
        "name": source.name,
        "format": source.format_name,
        "root": str(root),
        "fingerprint": fingerprint(root),
        "n_samples": samples.num_rows,
        "n_annotations": n_annotations,
        "synthetic": (root / SYNTHETIC_MARKER).exists() if root.is_dir() else False,
        "describe": source.describe(),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "problems": [
            {"path": p.path, "reason": p.reason, "sample_id": p.sample_id, "kept": p.kept}
            for p in problems[:10_000]
        ],
        "n_problems": len(problems),
        "n_skipped": sum(not p.kept for p in problems),
        "n_warnings": sum(p.kept for p in problems),
    }
    (scratch / "catalog.json").write_text(json.dumps(meta, indent=2))
    if target.exists():
        shutil.rmtree(target)
    scratch.rename(target)
    report = BuildReport(
        source.name, samples.num_rows, n_annotations, problems, time.perf_counter() - started
    )
    report.seconds_fulltext = seconds_fulltext
    return Catalog(target), report


def _prepare_samples(source: DatasetSource, root: Path) -> pa.Table:
    table = conform(source.samples(), SAMPLE_SCHEMA)
    # One sample id once: a later duplicate is a data problem, not a reason to fail.
    ids = pd.Series(table.column("sample_id").to_numpy(zero_copy_only=False))
    duplicated = ids.duplicated().to_numpy()
    if duplicated.any():
        for sid in ids[duplicated].head(100):
            source.problem(root, "sample listed twice; kept the first", str(sid))
        table = table.filter(pa.array(~duplicated))
    # Countries for datasets that do not name them, from the shipped world outline.
    country = table.column("country")
    if country.null_count == table.num_rows and table.num_rows:
        lon = table.column("lon").to_numpy(zero_copy_only=False)
        lat = table.column("lat").to_numpy(zero_copy_only=False)
        table = table.set_column(
            table.schema.get_field_index("country"),
            "country",
            pa.array(world.country_of(lon, lat), type=pa.string()),
        )
    if (root / SYNTHETIC_MARKER).exists():
        flagged = [list(f or []) + ["synthetic"] for f in table.column("flags").to_pylist()]
        table = table.set_column(
            table.schema.get_field_index("flags"), "flags", pa.array(flagged, type=pa.list_(pa.string()))
        )
    return table.append_column("sidx", pa.array(np.arange(table.num_rows, dtype=np.int32)))


def _annotation_file_schema() -> pa.Schema:
    # Whatever columns the model's schema has (it grows): the build never lists them itself.
    return ANNOTATION_SCHEMA.append(pa.field("sidx", pa.int32()))


def _bucket_count(source: DatasetSource) -> int:
    return int(min(64, max(1, (source.annotation_count_hint() or 0) // _BUCKET_ROWS)))


class _Buckets:
    """Pass 1 of the external sort: appends annotation batches to the bucket file of their sample range."""

    def __init__(self, paths: list[Path], sample_ids: pa.Array) -> None:
        self.schema = _annotation_file_schema()
        self.sample_ids = sample_ids
        self.n_samples = len(sample_ids)
        self.sinks = [pa.OSFile(str(p), "wb") for p in paths]
        self.writers = [pa.ipc.new_stream(sink, self.schema) for sink in self.sinks]
        self.n_rows = self.n_orphans = 0

    def add(self, batch: pa.Table) -> int:
        batch = conform(batch, ANNOTATION_SCHEMA)
        sidx = pc.index_in(batch.column("sample_id"), value_set=self.sample_ids).to_numpy(zero_copy_only=False)
        known = ~np.isnan(sidx) if sidx.dtype.kind == "f" else sidx >= 0
        self.n_orphans += int((~known).sum())
        if not known.all():
            batch = batch.filter(pa.array(known))
            sidx = sidx[known]
        sidx = sidx.astype(np.int64)
        batch = batch.append_column("sidx", pa.array(sidx.astype(np.int32)))
        n_buckets = len(self.writers)
        bucket = sidx * n_buckets // max(self.n_samples, 1)
        if n_buckets == 1:
            self.writers[0].write_table(batch, max_chunksize=256_000)
        else:
            # One stable sort by bucket, then zero-copy slices: one take per batch, not one per bucket.
            order = np.argsort(bucket, kind="stable")
            ordered = batch.take(pa.array(order))
            bounds = np.searchsorted(bucket[order], np.arange(n_buckets + 1))
            for b in range(n_buckets):
                if bounds[b + 1] > bounds[b]:
                    part = ordered.slice(int(bounds[b]), int(bounds[b + 1] - bounds[b]))
                    self.writers[b].write_table(part, max_chunksize=256_000)
        self.n_rows += batch.num_rows
        return batch.num_rows

    def close(self) -> None:
        for writer, sink in zip(self.writers, self.sinks, strict=True):
            writer.close()
            sink.close()


def _sorted_bucket(paths: list[Path]) -> tuple[pa.Table, np.ndarray]:
    """Pass 2 for one bucket: its part files in order, sorted by sample (stable: file order within a sample)."""
    tables = []
    for path in paths:
        with pa.OSFile(str(path), "rb") as handle:
            tables.append(pa.ipc.open_stream(handle).read_all())
        path.unlink()
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    keys = table.column("sidx").to_numpy()
    if keys.size > 1 and np.any(np.diff(keys) < 0):  # already sorted (files grouped by patch): kept as is
        order = np.argsort(keys, kind="stable")
        table, keys = table.take(pa.array(order)), keys[order]
    return table, keys


def _write_sorted_annotations(
    source: DatasetSource, sample_ids: pa.Array, scratch: Path, progress: bool
) -> tuple[int, int]:
    """Stream annotations into ``annotations.arrow`` sorted by sample; returns (rows, orphan rows).

    External bucket sort: pass 1 appends each batch to the bucket of its sample range, pass 2 sorts one bucket
    at a time. Memory stays near one bucket, whatever the dataset size.
    """
    schema = _annotation_file_schema()
    n_samples = len(sample_ids)
    n_buckets = _bucket_count(source)
    bucket_paths = [scratch / f"annotations.bucket{b:02d}.arrows" for b in range(n_buckets)]
    bar = _progress(source.annotation_count_hint(), f"indexing {source.name}") if progress else None
    buckets = _Buckets(bucket_paths, sample_ids)
    try:
        for batch in source.annotation_batches():
            added = buckets.add(batch)
            if bar is not None:
                bar.update(added)
    finally:
        buckets.close()
        if bar is not None:
            bar.close()

    counts = np.zeros(n_samples + 1, dtype=np.int64)
    with pa.OSFile(str(scratch / "annotations.arrow"), "wb") as sink, pa.ipc.new_file(sink, schema) as out:
        for path in bucket_paths:
            table, keys = _sorted_bucket([path])
            counts[1:] += np.bincount(keys, minlength=n_samples)
            out.write_table(table, max_chunksize=256_000)
            del table
    np.save(scratch / "ann_offsets.npy", np.cumsum(counts))
    return buckets.n_rows, buckets.n_orphans


# --- parallel build: parts of the reader's annotations in worker processes ---------------------------------
def _scatter_part(job: tuple[Any, ...]) -> tuple[int, int, Any]:
    """Worker: read one part of the annotations through a fresh reader and append it to its bucket files."""
    root, format, name, partition, ids_path, paths = job
    source = open_source(root, format=format, name=name)
    with pa.memory_map(str(ids_path), "r") as mapped:
        sample_ids = pa.ipc.open_file(mapped).read_all().column(0).combine_chunks()
        buckets = _Buckets(paths, sample_ids)
        try:
            for batch in source.annotation_batches_of(partition):
                buckets.add(batch)
        finally:
            buckets.close()
    return buckets.n_rows, buckets.n_orphans, source.partition_report()


def _sort_bucket_to_file(job: tuple[Any, ...]) -> np.ndarray:
    """Worker: sort one bucket's part files into one Arrow file; the annotation count of every sample."""
    paths, out_path, n_samples = job
    table, keys = _sorted_bucket([p for p in paths if p.exists()])
    with pa.OSFile(str(out_path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
        out.write_table(table, max_chunksize=256_000)
    return np.bincount(keys, minlength=n_samples)


def build_workers() -> int:
    """Worker processes for a parallel build: every core, or ``EO_EXPLORER_BUILD_WORKERS``."""
    value = os.environ.get("EO_EXPLORER_BUILD_WORKERS", "")
    return max(1, int(value)) if value.isdigit() else max(1, os.cpu_count() or 1)


def _write_sorted_annotations_parallel(
    source: DatasetSource,
    root: Path,
    partitions: list[Any],
    sample_ids: pa.Array,
    scratch: Path,
    progress: bool,
    workers: int,
) -> tuple[int, int]:
    """``_write_sorted_annotations`` with both passes spread over worker processes.

    Pass 1: each part (row groups) is parsed in a worker and appended to its own bucket files. Pass 2: each
    bucket is sorted in a worker into its own file. Then the sorted buckets are copied, in order, into
    ``annotations.arrow``. Peak memory: about one batch per worker in pass 1, one bucket per worker in pass 2.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    schema = _annotation_file_schema()
    n_samples = len(sample_ids)
    n_buckets = _bucket_count(source)
    ids_path = scratch / "sample_ids.arrow"
    with pa.OSFile(str(ids_path), "wb") as sink, pa.ipc.new_file(sink, pa.schema([("id", pa.string())])) as out:
        out.write_table(pa.table({"id": sample_ids.cast(pa.string())}))
    part_paths = [
        [scratch / f"annotations.bucket{b:02d}.part{i:04d}.arrows" for b in range(n_buckets)]
        for i in range(len(partitions))
    ]
    jobs = [
        (root, source.format_name, source.name, part, ids_path, part_paths[i])
        for i, part in enumerate(partitions)
    ]
    bar = _progress(source.annotation_count_hint(), f"indexing {source.name}") if progress else None
    # fork where there is one: spawn would re-run a user's script that calls this without a __main__ guard,
    # and Arrow re-creates its thread pools in a forked child (its at-fork handlers).
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    n_rows = n_orphans = 0
    reports = []
    counts = np.zeros(n_samples + 1, dtype=np.int64)
    sorted_paths = [scratch / f"annotations.sorted{b:02d}.arrow" for b in range(n_buckets)]
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for rows, orphans, report in pool.map(_scatter_part, jobs):
                n_rows += rows
                n_orphans += orphans
                reports.append(report)
                if bar is not None:
                    bar.update(rows)
            sort_jobs = [
                ([paths[b] for paths in part_paths], sorted_paths[b], n_samples) for b in range(n_buckets)
            ]
            for bucket_counts in pool.map(_sort_bucket_to_file, sort_jobs):
                counts[1:] += bucket_counts
    finally:
        if bar is not None:
            bar.close()
    source.merge_partition_reports(reports)
    with pa.OSFile(str(scratch / "annotations.arrow"), "wb") as sink, pa.ipc.new_file(sink, schema) as out:
        for path in sorted_paths:
            with pa.memory_map(str(path), "r") as mapped:
                out.write_table(pa.ipc.open_file(mapped).read_all(), max_chunksize=256_000)
            path.unlink()
    ids_path.unlink()
    np.save(scratch / "ann_offsets.npy", np.cumsum(counts))
    return n_rows, n_orphans


def _progress(total: int | None, desc: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="rows", unit_scale=True, leave=False)


# --- opening -------------------------------------------------------------------------------------------------
def is_catalog(path: Path) -> bool:
    return (path / "catalog.json").is_file()


def open_catalog(path: str | Path, format: str | None = None, rebuild: bool = False) -> Catalog:
    """A catalog folder, or a dataset folder whose catalog is reused when its files have not changed."""
    path = Path(path).expanduser()
    if is_catalog(path):
        return Catalog(path)
    if not path.exists():
        raise MissingFileError(path, "a catalog folder or a dataset folder")
    root = path.resolve()
    cached = None if rebuild else _cached_catalog_path(root, format)
    if cached is not None:
        return Catalog(cached)
    catalog, _ = build_catalog(root, format=format)
    return catalog


def _cached_catalog_path(root: Path, format: str | None) -> Path | None:
    folder = cache_dir() / "catalogs"
    if not folder.is_dir():
        return None
    current = fingerprint(root)
    for candidate in sorted(folder.glob("*/catalog.json")):
        try:
            meta = json.loads(candidate.read_text())
        except ValueError:
            continue
        if (
            meta.get("root") == str(root)
            and meta.get("version") == CATALOG_VERSION
            and format in (None, meta.get("format"))
            and meta.get("fingerprint") == current
        ):
            return candidate.parent
    return None


def index(
    path: str | Path,
    format: str | None = None,
    name: str | None = None,
    progress: bool = True,
    with_stats: bool = True,
) -> BuildReport:
    """Build a catalog, cache its statistics and register it, as ``eo-explorer index`` does.

    Statistics are computed here, once, so that no dashboard session or notebook pays for them.
    """
    catalog, report = build_catalog(path, format=format, name=name, progress=progress)
    if with_stats:
        from . import stats

        started = time.perf_counter()
        stats.cached_stats(catalog)
        report.seconds_stats = time.perf_counter() - started
    registry.add(catalog.name, catalog.path, catalog.root, catalog.format)
    return report


# --- registered catalogs: state, re-pointing, removal ------------------------------------------------------
def registered_path(name_or_path: str | Path) -> Path:
    """A catalog folder given by its registered dataset name or by its path."""
    for entry in registry.load():
        if entry.get("name") == str(name_or_path):
            return Path(entry["path"])
    path = Path(name_or_path).expanduser()
    if is_catalog(path):
        return path
    names = ", ".join(e.get("name", "?") for e in registry.load()) or "none registered"
    raise CatalogError(f"{name_or_path}: expected a registered catalog name ({names}) or a catalog folder")


def entry_state(entry: dict[str, Any]) -> str:
    """A registry entry's state, from catalog.json and the dataset folder only (cheap: no table is read)."""
    path, name = Path(entry["path"]), entry.get("name", "?")
    if not (path / "catalog.json").is_file():
        return f"catalog missing: {path} (`eo-explorer unregister {name}`, or index the dataset again)"
    try:
        meta = json.loads((path / "catalog.json").read_text())
    except (OSError, ValueError) as exc:
        return f"catalog unreadable: {exc} (index the dataset again)"
    root = Path(meta.get("root", ""))
    if not root.exists():
        return (
            f"layers unavailable: dataset folder {root} missing; texts, positions and statistics work "
            f"(`eo-explorer relink {name} NEW_FOLDER` or `eo-explorer unregister {name}`)"
        )
    return "ok"


def relink(name_or_path: str | Path, new_root: str | Path) -> Catalog:
    """Point a catalog at its dataset folder's new place (moved disk, renamed folder), without rebuilding.

    The new folder must open with the catalog's reader; the registry entry (if any) follows.
    """
    path = registered_path(name_or_path)
    meta_file = path / "catalog.json"
    meta = json.loads(meta_file.read_text())
    root = Path(new_root).expanduser().resolve()
    if not root.exists():
        raise MissingFileError(root, f"the new folder of dataset {meta['name']!r} ({meta['format']})")
    reader = open_source(root, format=meta["format"], name=meta["name"])  # unreadable: the reader says why
    if not type(reader).detect(root):
        raise DataError(root, f"a {meta['format']} dataset folder for {meta['name']!r}", "another layout")
    meta["root"] = str(root)
    meta["fingerprint"] = fingerprint(root)
    scratch = meta_file.with_name("catalog.json.new")
    scratch.write_text(json.dumps(meta, indent=2))
    scratch.replace(meta_file)
    if any(e.get("name") == meta["name"] for e in registry.load()):
        registry.add(meta["name"], path, root, meta["format"])
    return Catalog(path)


def unregister(name: str, delete: bool = False) -> Path | None:
    """Remove a dataset from the registry (and its catalog folder with ``delete``); its catalog path, if any."""
    path = next((Path(e["path"]) for e in registry.load() if e.get("name") == name), None)
    if path is None:
        names = ", ".join(e.get("name", "?") for e in registry.load()) or "none registered"
        raise CatalogError(f"{name}: no registered catalog of that name ({names})")
    registry.remove(name)
    if delete and is_catalog(path):
        shutil.rmtree(path)
    return path


def ensure_demo(directory: Path | None = None) -> list[Path]:
    """The built-in demo's dataset folders, generated on first use (deterministic, under a minute)."""
    from .demo import write_demo

    directory = directory or demo_dir()
    folders = [directory / "chatearthnet-demo", directory / "bigearthnet-demo"]
    if not all((f / SYNTHETIC_MARKER).exists() for f in folders):
        write_demo(directory)
    return folders


def open_registered() -> list[Catalog]:
    """Every registered catalog; with none registered, the built-in demo (generated and indexed on first use)."""
    catalogs: list[Catalog] = []
    for entry in registry.load():
        try:
            catalogs.append(Catalog(entry["path"]))
        except (ExplorerError, OSError, ValueError):
            # A stale entry (catalog deleted) must not keep the dashboard from opening the others.
            continue
    if catalogs:
        return distinct_names(catalogs)
    return distinct_names([open_catalog(folder) for folder in ensure_demo()])


def open_many(paths: Iterable[str | Path]) -> list[Catalog]:
    return distinct_names([open_catalog(p) for p in paths])


def distinct_names(catalogs: list[Catalog]) -> list[Catalog]:
    """Rename (in memory) catalogs that share a name with an earlier one, after their dataset folder, so that
    no view ever sees two datasets under one name (catalogs built before names were made distinct)."""
    taken: set[str] = set()
    for catalog in catalogs:
        if catalog.name in taken:
            catalog.name = registry.unique_name(catalog.name, catalog.root, taken)
        taken.add(catalog.name)
    return catalogs
