"""Building a catalog: read a dataset folder through its reader and write the catalog folder (``folder``).

Samples are conformed, de-duplicated and given countries here; annotations are sorted by sample in ``sort``
(an external bucket sort, in worker processes when the reader splits its annotations); the full-text index is
built from the sorted file, or in the parallel build from the workers' summaries of the texts they read (beside
the bucket sort). Bad samples are skipped and reported, never fatal.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import registry, world
from ..errors import CatalogError
from ..fulltext import build as build_fulltext
from ..model import SAMPLE_SCHEMA, SampleProblem, conform
from ..settings import cache_dir
from ..sources import open_source
from ..sources.base import DatasetSource
from . import sort
from .folder import CATALOG_VERSION, SYNTHETIC_MARKER, Catalog


@dataclass
class BuildReport:
    name: str
    n_samples: int
    n_annotations: int
    problems: list[SampleProblem] = field(default_factory=list)
    seconds: float = 0.0
    seconds_stats: float = 0.0
    seconds_fulltext: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # phase -> seconds since the start, when it ended

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
    (default: ``sort.build_workers()``, every core).
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
    sort.remove_stale_trash(scratch)
    scratch.mkdir(parents=True)

    phases: dict[str, float] = {"open": time.perf_counter() - started}
    partitions = source.annotation_partitions()
    workers = sort.build_workers() if workers is None else workers
    parallel = bool(partitions) and workers > 1
    fulltext_done = False
    if parallel:
        assert partitions is not None
        found: dict[str, Any] = {}

        def ids_first() -> pa.Array:
            """Called once the workers have started: the sample ids, and the samples unless the reader gives
            the ids first (``sample_ids_first``); then the samples are built beside the workers' scatter."""
            early = source.sample_ids_first()
            pa.default_memory_pool().release_unused()  # the id pass's pages go back: the workers need them
            if early is None:
                found["n"], found["ids"] = _write_samples(source, root, scratch)
                phases["samples"] = time.perf_counter() - started
                return found["ids"]
            found["n"], found["ids"], found["early"] = len(early), early.cast(pa.string()), True
            phases["sample_ids"] = time.perf_counter() - started
            return found["ids"]

        def samples_meanwhile() -> None:
            if not found.get("early"):
                return
            _, written = _write_samples(source, root, scratch)
            if not written.equals(found["ids"]):
                raise CatalogError(
                    f"{root}: the {source.format_name} reader listed other samples than the ids it gave "
                    "first (a reader bug); build with EO_EXPLORER_BUILD_WORKERS=1"
                )
            phases["samples"] = time.perf_counter() - started

        n_annotations, n_orphans = sort.write_sorted_annotations_parallel(
            source, root, partitions, ids_first, scratch, progress, min(workers, len(partitions)),
            phases=phases, started=started, with_fulltext=with_fulltext, while_scattering=samples_meanwhile,
        )
        n_samples = found["n"]
        fulltext_done = with_fulltext
    else:
        n_samples, sample_ids = _write_samples(source, root, scratch)
        phases["samples"] = time.perf_counter() - started
        n_annotations, n_orphans = sort.write_sorted_annotations(source, sample_ids, scratch, progress)
    phases["annotations"] = time.perf_counter() - started
    if n_orphans:
        source.problem(root, f"{n_orphans:,} annotations name samples the dataset does not list; skipped")

    seconds_fulltext = phases.pop("fulltext_seconds", 0.0)
    if with_fulltext and not fulltext_done:
        fulltext_started = time.perf_counter()
        with pa.memory_map(str(scratch / "annotations.arrow"), "r") as mapped:
            build_fulltext(pa.ipc.open_file(mapped).read_all(), n_samples, scratch)
        seconds_fulltext = time.perf_counter() - fulltext_started
        phases["fulltext"] = time.perf_counter() - started
    problems = list(source.problems)
    meta = {
        "version": CATALOG_VERSION,
        "name": source.name,
        "format": source.format_name,
        "root": str(root),
        "fingerprint": fingerprint(root),
        "n_samples": n_samples,
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
        source.name, n_samples, n_annotations, problems, time.perf_counter() - started
    )
    report.seconds_fulltext = seconds_fulltext
    report.phases = phases
    return Catalog(target), report


def _write_samples(source: DatasetSource, root: Path, scratch: Path) -> tuple[int, pa.Array]:
    """samples.parquet written and the table let go (5 M samples are ~1 GB in memory): (count, sample ids)."""
    samples = _prepare_samples(source, root)
    sample_ids = samples.column("sample_id").combine_chunks()
    pq.write_table(samples, scratch / "samples.parquet", compression="zstd")
    n_samples = samples.num_rows
    del samples
    # Arrow's allocator keeps freed pages for reuse: handed back, they are not held through the rest of the
    # build, while the workers need them (the build's 2 GB are for all its processes together).
    pa.default_memory_pool().release_unused()
    return n_samples, sample_ids


def _prepare_samples(source: DatasetSource, root: Path) -> pa.Table:
    table = conform(source.samples(), SAMPLE_SCHEMA)
    # One sample id once: a later duplicate is a data problem, not a reason to fail.
    # Hashed in Arrow: millions of ids never become Python strings (a pandas Series of objects).
    encoded = pc.dictionary_encode(table.column("sample_id").combine_chunks())
    if len(encoded.dictionary) < table.num_rows:
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        first = np.zeros(table.num_rows, dtype=bool)
        first[np.unique(codes, return_index=True)[1]] = True
        for sid in table.column("sample_id").filter(pa.array(~first)).slice(0, 100).to_pylist():
            source.problem(root, "sample listed twice; kept the first", str(sid))
        table = table.filter(pa.array(first))
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
