"""The external sort of a build: annotations into ``annotations.arrow`` ordered by sample, with their offsets.

Readers emit annotations in any order (files grouped by patch, or random); the catalog needs them grouped by
sample so one sample's annotations are one slice. Pass 1 appends each batch to the bucket file of its sample
range, pass 2 sorts one bucket at a time: peak memory stays near one bucket, far below the size of the text.
``write_sorted_annotations_parallel`` runs both passes in worker processes when the reader splits its
annotations (``annotation_partitions``).
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import CatalogError
from ..fulltext import TextSummary
from ..fulltext import summarise as summarise_texts
from ..model import ANNOTATION_SCHEMA, conform
from ..sources import open_source
from ..sources.base import DatasetSource
from .idlookup import IdLookup

BUCKET_ROWS = 250_000  # rows per sort bucket: one bucket per worker in memory at a time, ~200 MB of text


def _annotation_file_schema() -> pa.Schema:
    # Whatever columns the model's schema has (it grows): the build never lists them itself.
    return ANNOTATION_SCHEMA.append(pa.field("sidx", pa.int32()))


def _part_schema() -> pa.Schema:
    """Bucket part files: the annotation file's columns but ``sample_id``, which the sort takes back from the
    sample ids by ``sidx`` (~12 % fewer bytes of the texts written, read and copied between the passes)."""
    schema = _annotation_file_schema()
    return schema.remove(schema.get_field_index("sample_id"))


def _bucket_count(source: DatasetSource) -> int:
    return int(min(64, max(1, (source.annotation_count_hint() or 0) // BUCKET_ROWS)))


class _Buckets:
    """Pass 1 of the external sort: appends annotation batches to the bucket file of their sample range."""

    def __init__(
        self,
        paths: list[Path],
        sample_ids: pa.Array,
        lookup: IdLookup | None = None,
        summaries: list[TextSummary] | None = None,
    ) -> None:
        self.schema = _part_schema()
        self.summaries = summaries  # each batch's full-text summary is appended here when given
        self.sample_ids = sample_ids
        self.lookup = lookup
        self.n_samples = len(sample_ids)
        self.sinks = [pa.OSFile(str(p), "wb") for p in paths]
        self.writers = [pa.ipc.new_stream(sink, self.schema) for sink in self.sinks]
        self.n_rows = self.n_orphans = 0
        self.cursor = 0  # where the last run of ids aligned with the samples ended

    def sample_rows(self, ids: pa.ChunkedArray) -> np.ndarray:
        """Row of each id in the samples (-1: not a sample).

        Readers that stream annotations in sample order (SkyScript: CSV order, one part per caption column)
        hand over runs of ids equal to a slice of the samples: such a chunk is checked against the slice at
        the cursor (or where its first id is) in one vectorised comparison. Other chunks are looked up
        together in an ``IdLookup`` (the sample ids hashed once, not again per call as ``index_in`` does).
        """
        rows = np.full(len(ids), -1, dtype=np.int64)
        pending, start = [], 0
        for chunk in ids.chunks:
            at = self._aligned(chunk)
            if at is None:
                pending.append((start, chunk))
            else:
                rows[start : start + len(chunk)] = np.arange(at, at + len(chunk))
            start += len(chunk)
        if pending:
            if self.lookup is None:
                self.lookup = IdLookup(self.sample_ids)
            together = pa.concat_arrays([c for _, c in pending]) if len(pending) > 1 else pending[0][1]
            found_np = self.lookup.rows(together)
            offset = 0
            for begin, chunk in pending:
                rows[begin : begin + len(chunk)] = found_np[offset : offset + len(chunk)]
                offset += len(chunk)
        return rows

    def _aligned(self, chunk: pa.Array) -> int | None:
        """Where ``chunk`` equals a slice of the sample ids, tried at the cursor and at its first id's row."""
        n = len(chunk)
        if n == 0 or chunk.null_count:
            return None
        first, last = chunk[0], chunk[n - 1]
        for at in (self.cursor, None):
            if at is None:
                at = pc.index(self.sample_ids, first).as_py()  # a linear scan, far cheaper than hashing all
                if at < 0:
                    return None
            if at + n > self.n_samples or self.sample_ids[at] != first or self.sample_ids[at + n - 1] != last:
                continue
            if pc.all(pc.equal(chunk, self.sample_ids.slice(at, n))).as_py():
                self.cursor = at + n
                return int(at)
        return None

    def add(self, batch: pa.Table) -> int:
        batch = conform(batch, ANNOTATION_SCHEMA)
        sidx = self.sample_rows(batch.column("sample_id"))
        known = sidx >= 0
        self.n_orphans += int((~known).sum())
        if not known.all():
            batch = batch.filter(pa.array(known))
            sidx = sidx[known]
        sidx = sidx.astype(np.int64)
        batch = batch.append_column("sidx", pa.array(sidx.astype(np.int32))).drop_columns(["sample_id"])
        if self.summaries is not None:
            self.summaries.append(summarise_texts(batch, self.n_samples))
        n_buckets = len(self.writers)
        bucket = sidx * n_buckets // max(self.n_samples, 1)
        if n_buckets == 1:
            self.writers[0].write_table(batch, max_chunksize=256_000)
        else:
            # One stable sort by sample (so by bucket too), then zero-copy slices: one take per batch, not one
            # per bucket. By sample, not only by bucket: each part is then a run already in sample order, so the
            # bucket's sort merges runs and its take reads the parts in sequence (~40 % less CPU than a take in
            # random order). Stable: a sample's rows keep the file order, so the sorted file is the same.
            order = np.argsort(sidx, kind="stable")
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


def _read_parts(paths: list[Path]) -> pa.Table:
    """Bucket part files (Arrow streams) as one table, memory-mapped: the batches point into the page cache."""
    tables = []
    for path in paths:
        with pa.memory_map(str(path), "r") as mapped:
            tables.append(pa.ipc.open_stream(mapped).read_all())
    if not tables:
        return _part_schema().empty_table()
    return pa.concat_tables(tables) if len(tables) > 1 else tables[0]


def _sorted_bucket(paths: list[Path], sample_ids: pa.Array) -> tuple[pa.Table, np.ndarray]:
    """Pass 2 for one bucket: its part files in order, sorted by sample (stable: file order within a sample),
    with their ``sample_id`` column back (taken from ``sample_ids`` at ``sidx``).

    The part files are deleted once read."""
    table = _read_parts(paths)  # the one copy is the sort's take below
    for path in paths:
        path.unlink()
    keys = table.column("sidx").to_numpy()
    if keys.size > 1 and np.any(np.diff(keys) < 0):  # already sorted (files grouped by patch): kept as is
        order = np.argsort(keys, kind="stable")
        table, keys = table.take(pa.array(order)), keys[order]
    schema = _annotation_file_schema()
    at = schema.get_field_index("sample_id")
    return table.add_column(at, schema.field(at), sample_ids.take(pa.array(keys))), keys


def write_sorted_annotations(
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
            table, keys = _sorted_bucket([path], sample_ids)
            counts[1:] += np.bincount(keys, minlength=n_samples)
            out.write_table(table, max_chunksize=256_000)
            del table
    np.save(scratch / "ann_offsets.npy", np.cumsum(counts))
    return buckets.n_rows, buckets.n_orphans


# --- parallel: parts of the reader's annotations in worker processes -----------------------------------------
def _scatter_part(job: tuple[Any, ...]) -> tuple[int, int, Any]:
    """Worker: read one part of the annotations through a fresh reader and append it to its bucket files."""
    root, format, name, partition, ids_path, paths, summary_path = job
    source = open_source(root, format=format, name=name)
    batches = source.annotation_batches_of(partition)
    # The first batch is read and parsed before the ids are asked for: the first jobs start while the main
    # process is still finding the sample ids (a pass over the file with the other core idle otherwise).
    first = next(batches, None)
    sample_ids, lookup = _worker_lookup(ids_path)
    summaries: list[TextSummary] | None = [] if summary_path is not None else None
    buckets = _Buckets(paths, sample_ids, lookup, summaries)
    try:
        for batch in itertools.chain([] if first is None else [first], batches):
            buckets.add(batch)
    finally:
        buckets.close()
    if summaries is not None:
        _write_summaries(summary_path, summaries)
    pa.default_memory_pool().release_unused()  # freed batches back to the system: the other workers need them
    return buckets.n_rows, buckets.n_orphans, source.partition_report()


_WORKER_LOOKUP: dict[str, tuple[pa.Array, IdLookup]] = {}


def _worker_lookup(ids_path: Path) -> tuple[pa.Array, IdLookup]:
    """The build's sample ids and their lookup, made once per worker process (its first scatter job)."""
    key = str(ids_path)
    if key not in _WORKER_LOOKUP:
        _WORKER_LOOKUP.clear()  # another build's ids (a pool lives for one build; this is only a safeguard)
        sample_ids = _worker_ids(ids_path)
        _WORKER_LOOKUP[key] = sample_ids, IdLookup(sample_ids)
    return _WORKER_LOOKUP[key]


_WORKER_IDS: dict[str, pa.Array] = {}


def _worker_ids(ids_path: Path) -> pa.Array:
    """The build's sample ids in a worker process, read once. Memory-mapped: the ids stay page cache shared by
    the workers (their buffers keep the map open)."""
    key = str(ids_path)
    if key not in _WORKER_IDS:
        _WORKER_IDS.clear()
        _await_ids(ids_path)
        column = pa.ipc.open_file(pa.memory_map(key, "r")).read_all().column(0)
        _WORKER_IDS[key] = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return _WORKER_IDS[key]


def _sort_bucket_into(job: tuple[Any, ...]) -> tuple[np.ndarray, int]:
    """Worker: sort one bucket's part files and write its record batches straight into ``annotations.arrow``.

    Returns the annotation count of every sample and the bucket's bytes in the file. The bucket's place in
    the file is after every earlier bucket: its own size is published first (a small file in ``temporary``),
    then the sizes of the earlier buckets are awaited (their jobs were handed out before this one, so they
    are running or done). The main process then writes only the file's header and footer
    (``_write_header_and_footer``): the texts are written once, not into a sorted file and copied again.
    """
    paths, annotations_path, temporary, bucket, header, ids_path = job
    try:
        sample_ids = _worker_ids(ids_path)
        table, keys = _sorted_bucket([p for p in paths if p.exists()], sample_ids)
        stream_schema = _schema_message_size(table.schema)
        size = _write_stream(_PlacedSink(None, stream_schema, None), table) - stream_schema if table.num_rows else 0
    except BaseException:
        _publish_size(temporary, bucket, _FAILED)  # the later buckets' workers stop waiting for this one
        raise
    _publish_size(temporary, bucket, size)
    offset = header + sum(_await_size(temporary, earlier) for earlier in range(bucket))
    if size:
        fd = os.open(annotations_path, os.O_WRONLY | getattr(os, "O_BINARY", 0))
        try:
            _write_stream(_PlacedSink(fd, stream_schema, stream_schema + size, offset - stream_schema), table)
        finally:
            os.close(fd)
    del table
    pa.default_memory_pool().release_unused()
    return np.bincount(keys, minlength=len(sample_ids)), size


class _PlacedSink:
    """A file-like sink for Arrow's IPC writers that writes only part of the stream, at a shifted place.

    Bytes at stream positions in [``start``, ``stop``) go to ``fd`` at ``position + shift`` (``os.pwrite``);
    the rest is only counted (``stop`` None: no end). ``inside=False`` writes the bytes outside the range
    instead. Arrow hands the column buffers over without copying them, so counting costs nothing: this is how
    several processes write their parts of one IPC file with Arrow's own encoding."""

    def __init__(self, fd: int | None, start: int, stop: int | None, shift: int = 0, inside: bool = True) -> None:
        self.fd, self.start, self.stop, self.shift, self.inside = fd, start, stop, shift, inside
        self.end = 0
        self.closed = False

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        begin, self.end = self.end, self.end + len(view)
        stop = self.end if self.stop is None else self.stop
        within = self.start <= begin and self.end <= stop
        outside = self.end <= self.start or begin >= stop
        if not (within or outside):
            raise CatalogError(f"an IPC write [{begin}, {self.end}) crosses [{self.start}, {stop}) (a build bug)")
        if self.fd is not None and len(view) and within == self.inside:
            written = 0
            while written < len(view):
                written += _pwrite(self.fd, view[written:], begin + self.shift + written)
        return len(view)

    def tell(self) -> int:
        return self.end

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def _pwrite(fd: int, data: memoryview, offset: int) -> int:
    """``os.pwrite``, or a seek and a write where there is none (Windows; each process has its own fd)."""
    if hasattr(os, "pwrite"):
        return os.pwrite(fd, data, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.write(fd, data)


def _write_stream(sink: _PlacedSink, table: pa.Table) -> int:
    """``table`` as an Arrow IPC stream into ``sink``, in the batches ``annotations.arrow`` has always had;
    the stream's end before its 8-byte end-of-stream marker."""
    with pa.ipc.new_stream(pa.PythonFile(sink, mode="w"), table.schema) as writer:
        writer.write_table(table, max_chunksize=256_000)
        end = sink.end
    return end


def _schema_message_size(schema: pa.Schema) -> int:
    """Bytes of the schema message that opens an IPC stream (an empty stream is that and an 8-byte end)."""
    sink = pa.BufferOutputStream()
    pa.ipc.new_stream(sink, schema).close()
    return int(sink.getvalue().size) - 8


_FAILED = -1  # the size published by a bucket whose sort raised


def _publish_ids(ids_path: Path, sample_ids: pa.Array | None) -> None:
    """The build's sample ids for the workers (written aside, then renamed); None: finding them failed."""
    if sample_ids is None:
        ids_path.with_suffix(".failed").touch()
        return
    staged = ids_path.with_suffix(".tmp")
    with pa.OSFile(str(staged), "wb") as sink, pa.ipc.new_file(sink, pa.schema([("id", pa.string())])) as out:
        out.write_table(pa.table({"id": sample_ids.cast(pa.string())}))
    staged.replace(ids_path)


def _await_ids(ids_path: Path, timeout: float = 3600.0) -> None:
    """Worker: wait until the main process has published the sample ids (``_publish_ids``)."""
    deadline = time.monotonic() + timeout
    while not ids_path.exists():
        if ids_path.with_suffix(".failed").exists():
            raise CatalogError(f"the build's sample ids could not be made (see its error); in {ids_path.parent}")
        if time.monotonic() > deadline:
            raise CatalogError(f"{ids_path}: the build's sample ids never came (the main process died?)")
        time.sleep(0.005)


def _publish_size(temporary: Path, bucket: int, size: int) -> None:
    staged = temporary / f"size{bucket:02d}.tmp"
    staged.write_text(str(size))
    staged.replace(temporary / f"size{bucket:02d}")


def _await_size(temporary: Path, bucket: int, timeout: float = 3600.0) -> int:
    path = temporary / f"size{bucket:02d}"
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise CatalogError(f"{path}: the size of sort bucket {bucket} never came (its worker died?)")
        time.sleep(0.005)
    size = int(path.read_text())
    if size == _FAILED:
        raise CatalogError(f"sort bucket {bucket} failed (see its error); bucket files in {temporary}")
    return size


def _write_header_and_footer(path: Path, schema: pa.Schema, header: int, size: int) -> None:
    """Main process: the IPC file header and footer around the buckets the workers wrote at [header, +size).

    Arrow's file writer is handed those batches again, read back memory-mapped (zero-copy), and writes the
    file's magic, schema and footer (which lists every batch's place) while their bytes are only counted."""
    with pa.memory_map(str(path), "r") as mapped:
        if mapped.size() != header + size:
            raise CatalogError(f"{path}: {mapped.size()} bytes, expected {header + size} (a build bug)")
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_BINARY", 0))
        try:
            sink = _PlacedSink(fd, header, header + size, inside=False)
            with pa.ipc.new_file(pa.PythonFile(sink, mode="w"), schema) as writer:
                mapped.seek(header)
                while mapped.tell() < header + size:
                    writer.write_batch(pa.ipc.read_record_batch(pa.ipc.read_message(mapped), schema))
                if sink.end != header + size:
                    raise CatalogError(f"{path}: batches re-encoded to {sink.end - header} bytes, not {size}")
        finally:
            os.close(fd)


def _write_summaries(path: Path, summaries: list[TextSummary]) -> None:
    """A scatter job's full-text summaries: ``PATH.NNN.arrow`` (texts, rows per text) and ``PATH.NNN.npy``
    (pairs) per batch."""
    for k, summary in enumerate(summaries):
        table = pa.table({"text": summary.texts, "n_rows": summary.n_rows})
        with pa.OSFile(f"{path}.{k:03d}.arrow", "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        np.save(f"{path}.{k:03d}.npy", summary.pairs)


def _read_summaries(paths: list[Path]) -> list[TextSummary]:
    """The summaries of ``_write_summaries`` (``PATH.NNN.arrow`` given), memory-mapped: page cache, not copies."""
    summaries = []
    for path in paths:
        table = pa.ipc.open_file(pa.memory_map(str(path), "r")).read_all().combine_chunks()
        pairs = np.load(path.with_suffix(".npy"), mmap_mode="r")
        summaries.append(
            TextSummary(table.column("text").chunk(0), table.column("n_rows").chunk(0).to_numpy(), pairs)
        )
    return summaries


def _fulltext_of_summaries(job: tuple[Any, ...]) -> float:
    """Worker: the full-text index from the scatter jobs' summaries of their texts; its seconds.

    The scatter workers hashed every row's text already (``fulltext.summarise``), so this job only merges the
    distinct texts and pairs, then tokenises: short enough to leave the bucket sorts the rest of both cores."""
    from ..fulltext import build_from_summaries

    started = time.perf_counter()
    temporary, n_samples, scratch = job
    build_from_summaries(_read_summaries(sorted(temporary.glob(f"{SUMMARIES}.*.arrow"))), n_samples, scratch)
    pa.default_memory_pool().release_unused()
    return time.perf_counter() - started


SUMMARIES = "fulltext-summary"  # the scatter jobs' full-text summaries in ``temporary``
TEMPORARY = "temporary"  # the parallel build's scratch files, inside the catalog folder being built
TRASH_SUFFIX = ".trash-"
REMOVER = "explorer-build-remove-temporary"  # the deleting thread's name


def remove_in_background(folder: Path) -> None:
    """Rename ``folder`` aside and delete it in a thread: the build returns meanwhile.

    At full size the folder holds ~9 GB of bucket files written seconds ago; deleting them waited ~11 s on
    their pages' writeback with both cores idle. The thread is not a daemon, so the interpreter finishes the
    deletion before it exits; a folder left by a killed process is removed by the next build of the catalog
    (``remove_stale_trash``)."""
    if not folder.exists():
        return
    aside = folder.parent.with_name(f"{folder.parent.name}{TRASH_SUFFIX}{os.getpid()}-{time.monotonic_ns()}")
    folder.rename(aside)
    threading.Thread(
        target=shutil.rmtree, args=(aside,), kwargs={"ignore_errors": True}, name=REMOVER, daemon=False
    ).start()


def remove_stale_trash(scratch: Path) -> None:
    """Temporary folders of an earlier build of this catalog whose process died before deleting them."""
    for stale in scratch.parent.glob(f"{scratch.name}{TRASH_SUFFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)


def build_workers() -> int:
    """Worker processes for a parallel build: every core, or ``EO_EXPLORER_BUILD_WORKERS``."""
    value = os.environ.get("EO_EXPLORER_BUILD_WORKERS", "")
    return max(1, int(value)) if value.isdigit() else max(1, os.cpu_count() or 1)


def write_sorted_annotations_parallel(
    source: DatasetSource,
    root: Path,
    partitions: list[Any],
    sample_ids: pa.Array | Callable[[], pa.Array],
    scratch: Path,
    progress: bool,
    workers: int,
    phases: dict[str, float] | None = None,
    started: float = 0.0,
    with_fulltext: bool = False,
    while_scattering: Callable[[], Any] | None = None,
) -> tuple[int, int]:
    """``write_sorted_annotations`` with both passes spread over worker processes.

    Pass 1: each part (row groups) is parsed in a worker and appended to its own bucket files (and, with
    ``with_fulltext``, its texts summarised for the index). Pass 2: each bucket is sorted in a worker and
    written at its place in ``annotations.arrow`` (this process adds the file's header and footer), while
    (``with_fulltext``) a worker merges the summaries into the full-text index. Peak memory: about one batch
    per worker in pass 1, one bucket per worker in pass 2.
    ``sample_ids`` may be a function: it is then called once the workers have started (they read and parse
    their first batch meanwhile, then wait for the ids). ``while_scattering`` runs in this process while the
    workers read pass 1 (the build's samples).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    schema = _annotation_file_schema()
    n_buckets = _bucket_count(source)
    temporary = scratch / TEMPORARY  # sample ids, bucket parts, bucket sizes: removed as one folder at the end
    temporary.mkdir()
    ids_path = temporary / "sample_ids.arrow"
    part_paths = [
        [temporary / f"annotations.bucket{b:02d}.part{i:04d}.arrows" for b in range(n_buckets)]
        for i in range(len(partitions))
    ]
    def summaries_at(part: int) -> Path | None:
        return temporary / f"{SUMMARIES}.{part:04d}" if with_fulltext else None

    jobs = [
        (root, source.format_name, source.name, part, ids_path, part_paths[i], summaries_at(i))
        for i, part in enumerate(partitions)
    ]
    bar = _progress(source.annotation_count_hint(), f"indexing {source.name}") if progress else None
    # fork where there is one: spawn would re-run a user's script that calls this without a __main__ guard,
    # and Arrow re-creates its thread pools in a forked child (its at-fork handlers).
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    n_rows = n_orphans = 0
    reports = []
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            scattered = [pool.submit(_scatter_part, job) for job in jobs]  # forks the workers first
            try:
                ids = sample_ids() if callable(sample_ids) else sample_ids
            except BaseException:
                for future in scattered:
                    future.cancel()  # the jobs not started yet; the running ones stop at the marker below
                _publish_ids(ids_path, None)
                raise
            _publish_ids(ids_path, ids)
            n_samples = len(ids)
            counts = np.zeros(n_samples + 1, dtype=np.int64)
            if while_scattering is not None:
                while_scattering()  # this process's own share of the build, beside the workers
            for rows, orphans, report in (future.result() for future in scattered):
                n_rows += rows
                n_orphans += orphans
                reports.append(report)
                if bar is not None:
                    bar.update(rows)
            if phases is not None:
                phases["scatter"] = time.perf_counter() - started
            if bar is not None:
                bar.close()
                bar = None
            # Submitted first: the longest job starts at once, the other worker sorts meanwhile.
            fulltext = (
                pool.submit(_fulltext_of_summaries, (temporary, n_samples, scratch)) if with_fulltext else None
            )
            annotations_path = scratch / "annotations.arrow"
            annotations_path.touch()
            header = 8 + _schema_message_size(schema)  # the file's magic (padded to 8) and schema message
            sorted_buckets = [
                pool.submit(
                    _sort_bucket_into,
                    (
                        [ps[b] for ps in part_paths],
                        annotations_path,
                        temporary,
                        b,
                        header,
                        ids_path,
                    ),
                )
                for b in range(n_buckets)
            ]
            size = 0
            for bucket in sorted_buckets:
                bucket_counts, bucket_size = bucket.result()
                counts[1:] += bucket_counts
                size += bucket_size
            _write_header_and_footer(annotations_path, schema, header, size)
            if phases is not None:
                phases["sort"] = time.perf_counter() - started
            if fulltext is not None:
                seconds = fulltext.result()
                if phases is not None:
                    phases["fulltext_seconds"] = seconds
                    phases["fulltext_done"] = time.perf_counter() - started
    finally:
        if phases is not None:
            phases["pool_closed"] = time.perf_counter() - started
        if bar is not None:
            bar.close()
        remove_in_background(temporary)
    source.merge_partition_reports(reports)
    np.save(scratch / "ann_offsets.npy", np.cumsum(counts))
    return n_rows, n_orphans


def _progress(total: int | None, desc: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="rows", unit_scale=True, leave=False)
