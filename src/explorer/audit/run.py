"""Run the audit over catalogs on Dask, chunked by sample so each map is read once, and store the verdicts.

Layout, next to the catalog's own files::

    <catalog>/audit/context.parquet          per sample (sidx order): season, country, climate zone, season of
                                             the acquisition date: the metadata the claims are checked against
    <catalog>/audit/verdicts/part-<a>-<b>.parquet   verdicts of samples a..b-1 (VERDICT_SCHEMA), one per task
    <catalog>/audit/verdicts/dataset.parquet        dataset-wide checks (duplicates)
    <catalog>/audit/minhash/part-<a>-<b>.parquet    MinHash signatures of the captions of samples a..b-1,
                                                    computed by the tasks; the client merges them into one LSH
    <catalog>/audit/skeletons/part-<a>-<b>.parquet  sentences per caption skeleton of samples a..b-1, counted by
                                                    the tasks; the client sums them (templatedness)
    <catalog>/audit/tallies/<part>.parquet   each verdict part's rows counted per TALLY_KEYS (choosing the
                                             variants and the per-sample counts read these, not the parts)
    <catalog>/audit/samples.parquet          per-sample counts (for ranking, filtering, colouring a map)
    <catalog>/audit/dataset.json             templatedness and run figures

Scheduling: ``scheduler=None`` starts a local cluster (processes, one thread each); an address
("tcp://host:8786") uses that cluster; ``client=`` takes a ``distributed.Client`` (tests pass a
``LocalCluster(processes=False)``); ``scheduler="sync"`` runs the same tasks in this process (debugging).
A task opens the catalog memory-mapped (``Catalog.__reduce__`` ships only its path) and returns counts,
never verdict rows, so the scheduler moves kilobytes whatever the dataset size.
"""

from __future__ import annotations

import gc
import json
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..catalog import Catalog
from ..errors import ExplorerError
from ..model import LAYER_LANDCOVER, LAYER_S2
from . import (
    bigearthnet_captions,
    boxes,
    chatearthnet_captions,
    corine_text,
    duplicates,
    images,
    maps,
    prompt_rules,
    vqa,
)
from .corine_map import CorineMap
from .mentions import read_captions
from .verdicts import AGREE, NOT_EVALUABLE, VERDICT_SCHEMA, VerdictRows

AUDIT_DIR = "audit"
VERDICT_DIR = "verdicts"
MINHASH_DIR = "minhash"
SKELETON_DIR = "skeletons"
TALLY_DIR = "tallies"
TALLY_KEYS = ["sample_id", "rule", "variant", "primary", "verdict"]
CHUNK_SAMPLES = 2000
TXT_FILE = "BigEarthNet.txt.parquet"
FORMAT_BIGEARTHNET_TXT = "bigearthnet-txt"
FORMAT_CHATEARTHNET = "chatearthnet"
_UNCHECKED_COLUMNS = ("boxes", "extra")  # annotation columns no check reads (oriented boxes, raw extras)


@dataclass
class AuditRun:
    """What one run did: per catalog its folder, maps read, annotations checked, verdict rows, seconds."""

    folders: dict[str, Path] = field(default_factory=dict)
    maps: dict[str, int] = field(default_factory=dict)
    annotations: dict[str, int] = field(default_factory=dict)
    verdicts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def audit_folder(catalog: Catalog) -> Path:
    return catalog.path / AUDIT_DIR


# --- per-sample context ------------------------------------------------------------------------------------
def write_context(catalog: Catalog) -> Path:
    """season, country, climate zone and acquisition season per sample, in sidx order."""
    samples = catalog.samples
    frame = pd.DataFrame(
        {
            "sample_id": samples["sample_id"].astype(str),
            "season": samples["season"],
            "country": samples["country"],
            "climate_zone": pd.Series([None] * len(samples), dtype=object),
        }
    )
    dates = [corine_text.acquisition_date(str(s)) for s in samples["sample_id"]]
    frame["season_from_date"] = [corine_text.season_of_month(d[1]) if d else None for d in dates]
    txt = catalog.root / TXT_FILE if catalog.root.is_dir() else catalog.root
    if catalog.format == FORMAT_BIGEARTHNET_TXT and txt.is_file():
        table = pq.read_table(txt, columns=["patch_id", "climate_zone"])
        climate = (
            table.group_by("patch_id", use_threads=False).aggregate([("climate_zone", "first")]).to_pandas()
        )
        frame["climate_zone"] = frame["sample_id"].map(climate.set_index("patch_id")["climate_zone_first"])
    path = audit_folder(catalog) / "context.parquet"
    frame.to_parquet(path, index=False)
    return path


# --- one task ------------------------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _open(path: str) -> Catalog:
    """One opened catalog per worker process and path (opening reads the samples table: once, not per task)."""
    return Catalog(path)


@lru_cache(maxsize=4)
def _context(path: str, mtime_ns: int) -> pa.Table:
    """The per-sample context, read once per worker and run (a task slices it: at full size re-reading all
    464,044 rows per 250-sample task would cost more than the task's own checks)."""
    return pq.read_table(path)


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if value is not None else []


def audit_chunk(
    catalog_path: str, start: int, stop: int, check_images: bool = True, minhash: bool = True
) -> dict[str, Any]:
    """Audit samples ``start:stop``: read each map once, check every annotation, write one part file (and,
    with ``minhash``, the MinHash signatures of its captions for the dataset-wide near-duplicate check).

    Python's cyclic garbage collector is paused during the task: a task allocates a row dict per annotation
    and a keyword dict per verdict (freed by reference counting when it returns; the few cycles wait for the
    next collection after it), and the collector's passes over them cost ~5 % of the task's CPU."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _audit_chunk(catalog_path, start, stop, check_images, minhash)
    finally:
        if collecting:
            gc.enable()


def _audit_chunk(
    catalog_path: str, start: int, stop: int, check_images: bool, minhash: bool
) -> dict[str, Any]:
    catalog = _open(catalog_path)
    out = VerdictRows()
    context_path = audit_folder(catalog) / "context.parquet"
    context = (
        _context(str(context_path), context_path.stat().st_mtime_ns).slice(start, stop - start).to_pandas()
    )
    samples = catalog.samples.iloc[start:stop]
    offsets = catalog._offsets
    lo, hi = int(offsets[start]), int(offsets[stop])
    annotations = catalog.annotations.slice(lo, hi - lo)
    unused = [c for c in _UNCHECKED_COLUMNS if c in annotations.column_names]
    rows = annotations.drop_columns(unused).to_pylist()  # Python rows: half the cost without those columns
    by_sample: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_sample.setdefault(int(row["sidx"]), []).append(row)
    is_txt = catalog.format == FORMAT_BIGEARTHNET_TXT
    is_chat = catalog.format == FORMAT_CHATEARTHNET
    readings: dict[int, Any] = {}
    if is_chat:
        captions = [r for r in rows if r["kind"] == "caption"]
        for r, reading in zip(captions, read_captions([r["output"] or "" for r in captions]), strict=True):
            readings[id(r)] = reading
    n_maps = 0
    records: list[dict[str, Any]] = [{str(k): v for k, v in r.items()} for r in samples.to_dict("records")]
    metas = [{str(k): images.text_or_none(v) for k, v in m.items()} for m in context.to_dict("records")]
    for offset, (sample, meta) in enumerate(zip(records, metas, strict=True)):
        sidx = start + offset
        layers = _as_list(sample.get("layers"))
        sample_ctx = images.sample_context(sample, catalog.name)
        if check_images and LAYER_S2 in layers:
            try:
                pixels = np.asarray(catalog.source.read_layer(sample, LAYER_S2).values)
            except Exception:  # one unreadable image is a verdict, not a failed run
                pixels = None
            images.check_image(sample_ctx, pixels, _as_list(sample.get("flags")), out)
        images.check_s1_s2_dates(
            sample_ctx, sample["sample_id"], images.text_or_none(sample.get("s1_id")), out
        )
        texts = by_sample.get(sidx, [])
        if not texts:
            continue
        codes, legend = None, None
        if (is_txt or is_chat) and LAYER_LANDCOVER in layers:
            try:
                codes, legend = maps.read_codes(catalog, sample)
                n_maps += 1
            except Exception:  # a missing or corrupt map makes its claims not evaluable
                codes = None
        cmap = CorineMap(codes) if (is_txt and codes is not None) else None
        facts = None
        if is_chat and codes is not None:
            facts = chatearthnet_captions.LandCoverFacts(
                chatearthnet_captions.chatearthnet_index(codes, legend)
            )
        country = images.text_or_none(sample.get("country"))
        for row in texts:
            row["country"] = country
            if is_txt:
                vqa.check_question(row, cmap, meta, out)
                boxes.check_box(row, cmap, out)
                bigearthnet_captions.check_caption(row, cmap, meta, out)
            if is_chat and row["kind"] == "caption":
                chatearthnet_captions.check_caption(row, readings[id(row)], facts, out)
            prompt_rules.check_caption(row, out)
    name = f"part-{start:08d}-{stop:08d}.parquet"
    _write_verdicts(out.table(), catalog, name)
    captions = [r for r in rows if r["kind"] == "caption"]
    outputs = [r["output"] for r in captions]
    if minhash:
        pq.write_table(duplicates.signature_table(outputs), audit_folder(catalog) / MINHASH_DIR / name)
    skeletons = duplicates.skeleton_counts(outputs, [r["source"] for r in captions])
    pq.write_table(skeletons, audit_folder(catalog) / SKELETON_DIR / name)
    return {"catalog": catalog.name, "maps": n_maps, "annotations": len(rows), "verdicts": len(out)}


def dataset_checks(catalog: Catalog, near: bool = True) -> dict[str, Any]:
    """Duplicates over every caption of the catalog; templatedness; written beside the parts. The captions'
    normalised texts, signatures and skeleton counts come from the tasks' tables when they cover every
    caption (else they are computed here)."""
    table = catalog.annotations
    kinds = table.column("kind").to_numpy(zero_copy_only=False)
    caption_rows = np.flatnonzero(kinds == "caption")
    captions = table.take(pa.array(caption_rows)).to_pandas() if caption_rows.size else pd.DataFrame()
    out = VerdictRows()
    stats: dict[str, Any] = {}
    if not captions.empty:
        country = catalog.samples["country"].to_numpy()
        captions["country"] = country[captions["sidx"].to_numpy()]
        known = None
        if near:  # signatures the tasks computed (a caption missing there is hashed here)
            known = duplicates.read_signature_tables(
                pq.read_table(p) for p in _task_parts(catalog, MINHASH_DIR)
            )
        if known is not None and known.norms is not None and len(known.norms) == len(captions):
            captions["norm"] = known.norms
        else:
            captions["norm"] = [duplicates.normalise(t) for t in captions["output"]]
        duplicates.check_duplicates(captions, out, near=near, known=known)
        stats = {"templatedness": _templatedness(catalog, captions.reset_index(drop=True))}
    _write_verdicts(out.table(), catalog, "dataset.parquet")
    return stats


def _write_verdicts(table: pa.Table, catalog: Catalog, name: str) -> None:
    """A verdict part and its tally (``verdict_tally``)."""
    pq.write_table(table, audit_folder(catalog) / VERDICT_DIR / name, compression="zstd")
    pq.write_table(verdict_tally(table), audit_folder(catalog) / TALLY_DIR / name)


def verdict_tally(table: pa.Table) -> pa.Table:
    """Verdict rows counted per ``TALLY_KEYS`` (``count_all``): all that choosing the variants and counting
    per sample read. Each task tallies its own part while it has it in memory, so the client sums small
    tables instead of reading every verdict back, twice, after the tasks (at 20,000 maps 1.3 M rows: ~1.5
    of the client's CPU-s, on one core while the workers waited)."""
    return table.select(TALLY_KEYS).group_by(TALLY_KEYS, use_threads=False).aggregate([([], "count_all")])


def verdict_tallies(catalog: Catalog) -> list[pa.Table]:
    """The tally of every verdict part (read from the tasks' tables; a part without one tallied here)."""
    tallies = []
    for path in verdict_parts(catalog):
        stored = audit_folder(catalog) / TALLY_DIR / path.name
        tallies.append(pq.read_table(stored) if stored.is_file() else verdict_tally(pq.read_table(path)))
    return tallies


def _task_parts(catalog: Catalog, folder: str) -> list[Path]:
    return sorted((audit_folder(catalog) / folder).glob("part-*.parquet"))


def _templatedness(catalog: Catalog, captions: pd.DataFrame) -> dict[str, Any]:
    """Over all captions, then per source: from the tasks' skeleton counts when they counted every caption."""
    texts, norms = captions["output"], captions["norm"]
    sources = captions["source"].fillna("(none)").to_numpy()
    counted, n = duplicates.merge_skeleton_counts(
        pq.read_table(p) for p in _task_parts(catalog, SKELETON_DIR)
    )
    if n != len(captions):  # (an older run's folder, or tasks not run): count here
        parts = duplicates.skeletons(texts)
        scope = sources[parts["row"].to_numpy()]
        counted = {None: parts["skeleton"].value_counts(sort=False)}
        counted |= {s: parts["skeleton"][scope == s].value_counts(sort=False) for s in pd.unique(sources)}
    empty = pd.Series([], dtype=np.int64)
    result = {"all": duplicates.templatedness(texts, counts=counted.get(None, empty), normalised=norms)}
    for source in pd.unique(sources):
        rows = np.flatnonzero(sources == source)
        result[str(source)] = duplicates.templatedness(
            texts.iloc[rows], counts=counted.get(source, empty), normalised=norms.iloc[rows]
        )
    return result


# --- orchestration -------------------------------------------------------------------------------------------
def _chunks(n: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(a + size, n)) for a in range(0, n, size)]


def _prepare(catalog: Catalog) -> None:
    folder = audit_folder(catalog)
    if folder.exists():
        shutil.rmtree(folder)
    (folder / VERDICT_DIR).mkdir(parents=True)
    (folder / MINHASH_DIR).mkdir()
    (folder / SKELETON_DIR).mkdir()
    (folder / TALLY_DIR).mkdir()
    write_context(catalog)


def run_audit(
    catalogs: Sequence[Catalog] | Catalog,
    scheduler: str | None = None,
    client: Any = None,
    chunk_samples: int = CHUNK_SAMPLES,
    check_images: bool = True,
    near_duplicates: bool = True,
    progress: bool = True,
) -> AuditRun:
    """Audit every catalog; verdicts land in ``<catalog>/audit/`` (see the module docstring)."""
    from .summary import write_sample_counts

    catalogs = [catalogs] if isinstance(catalogs, Catalog) else list(catalogs)
    started = time.perf_counter()
    run = AuditRun()
    # connect first: a bad scheduler address must not cost the verdicts of the previous run
    client, owned = _connect(scheduler, client)
    try:
        tasks: list[tuple[Catalog, int, int]] = []
        for catalog in catalogs:
            _prepare(catalog)
            _open.cache_clear()
            run.folders[catalog.name] = audit_folder(catalog)
            run.maps[catalog.name] = run.annotations[catalog.name] = run.verdicts[catalog.name] = 0
            tasks += [(catalog, a, b) for a, b in _chunks(len(catalog.samples), chunk_samples)]
        for result in _execute(tasks, client, check_images, near_duplicates, progress):
            name = result["catalog"]
            run.maps[name] += result["maps"]
            run.annotations[name] += result["annotations"]
            run.verdicts[name] += result["verdicts"]
    finally:
        for resource in owned:
            resource.close()
    for catalog in catalogs:
        stats = dataset_checks(catalog, near=near_duplicates)
        stats["variants"] = choose_variants(catalog)
        write_sample_counts(catalog)
        stats["run"] = {
            "maps": run.maps[catalog.name],
            "annotations": run.annotations[catalog.name],
            "verdicts": run.verdicts[catalog.name],
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        (audit_folder(catalog) / "dataset.json").write_text(json.dumps(stats, indent=2, default=str))
    run.seconds = time.perf_counter() - started
    return run


def _connect(scheduler: str | None, client: Any) -> tuple[Any, list[Any]]:
    """(client or None for in-process, the things to close afterwards)."""
    if client is not None or scheduler in ("sync", "synchronous"):
        return client, []
    from distributed import Client

    if scheduler:
        try:
            own = Client(scheduler, timeout=20, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExplorerError(
                f"{scheduler}: expected the address of a running Dask scheduler; {exc}"
            ) from exc
        return own, [own]
    cluster = local_cluster(2)
    own = Client(cluster, set_as_default=False)
    return own, [own, cluster]


# Read by the scheduler and the workers as they start. Dask's statistical profiler samples every task's stack
# every 10 ms; its event-loop health tick (every 20 ms) and system monitor (every 0.5 s) run in every process:
# an idle local cluster cost the client's process 0.058 CPU-s per second of wall time (4.4 of its 6.9 CPU-s at
# 20,000 maps), 0.020 with the tick at 1 s and the monitor at 5 s. None of them is a figure the audit reads.
_QUIET_CLUSTER = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
}


def local_cluster(workers: int) -> Any:
    """Single-threaded worker processes without Dask's profiler and with its periodic health checks slowed
    (``_QUIET_CLUSTER``: CPU the audit's own work does not need)."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(_QUIET_CLUSTER):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)


def _execute(
    tasks: list[tuple[Catalog, int, int]], client: Any, check_images: bool, minhash: bool, progress: bool
) -> Iterable[dict[str, Any]]:
    bar = _bar(len(tasks)) if progress else None
    try:
        if client is None:
            for catalog, a, b in tasks:
                yield audit_chunk(str(catalog.path), a, b, check_images, minhash)
                if bar is not None:
                    bar.update()
            return
        from distributed import as_completed

        futures = [
            client.submit(audit_chunk, str(c.path), a, b, check_images, minhash, pure=False)
            for c, a, b in tasks
        ]
        for future in as_completed(futures, loop=client.loop):  # our client is not the default one
            yield future.result()
            if bar is not None:
                bar.update()
    finally:
        if bar is not None:
            bar.close()


def _bar(total: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="auditing", unit="chunk", leave=False)


def is_audited(catalog: Catalog) -> bool:
    """Whether ``eo-explorer audit`` has stored verdicts for this catalog."""
    folder = audit_folder(catalog) / VERDICT_DIR
    return folder.is_dir() and any(folder.glob("*.parquet"))


def verdict_parts(catalog: Catalog) -> list[Path]:
    from ..errors import CatalogError

    folder = audit_folder(catalog) / VERDICT_DIR
    parts = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not parts:
        raise CatalogError(f"{catalog.path}: no audit verdicts (run `eo-explorer audit {catalog.path}`)")
    return parts


def choose_variants(catalog: Catalog) -> dict[str, str]:
    """Per rule, the variant the data agrees with most (ties: the declared default); stored in variants.json.

    This is how the data says which unpublished rule its authors used; ``primary`` then means "under the
    chosen variant" in every table loaded afterwards. Counted with Arrow from each part's tally (tens of
    millions of verdicts at full size: no pandas frame of them all).
    """
    tallies: list[pa.Table] = []
    for tally in verdict_tallies(catalog):
        part = tally.filter(pc.not_equal(tally.column("verdict"), NOT_EVALUABLE))
        agree = pc.cast(pc.equal(part.column("verdict"), AGREE), pa.int64())
        part = part.append_column("ok", pc.multiply(agree, part.column("count_all")))
        tallies.append(
            part.group_by(["rule", "variant"], use_threads=False).aggregate(
                [("ok", "sum"), ("count_all", "sum"), ("primary", "any")]
            )
        )
    total = pa.concat_tables(tallies).group_by(["rule", "variant"], use_threads=False)
    total = total.aggregate([("ok_sum", "sum"), ("count_all_sum", "sum"), ("primary_any", "any")])
    chosen: dict[str, str] = {}
    frame = total.to_pandas().sort_values(["rule", "variant"])
    for rule, group in frame.groupby("rule"):
        ok = group["ok_sum_sum"].to_numpy() / group["count_all_sum_sum"].to_numpy()
        best = group[np.isclose(ok, ok.max())]
        declared = best[best["primary_any_any"].to_numpy(dtype=bool)]
        chosen[str(rule)] = str((declared if not declared.empty else best)["variant"].iloc[0])
    (audit_folder(catalog) / "variants.json").write_text(json.dumps(chosen, indent=2))
    return chosen


def chosen_variants(catalog: Catalog) -> dict[str, str]:
    path = audit_folder(catalog) / "variants.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def apply_choice(table: pa.Table, chosen: dict[str, str]) -> pa.Table:
    """Set ``primary`` to "this row is under its rule's chosen variant" (rules not chosen keep their default)."""
    if not chosen or table.num_rows == 0:
        return table
    variants = table.column("variant")
    declared = table.column("primary")
    where = pc.index_in(table.column("rule"), value_set=pa.array(list(chosen), pa.string()))
    picked = pc.take(pa.array(list(chosen.values()), pa.string()), where)  # null: rule not chosen
    # rows without a variant ("-": not evaluable before any variant applies) keep their declared flag
    keep = pc.or_(pc.is_null(picked), pc.equal(variants, "-"))
    primary = pc.if_else(keep, declared, pc.fill_null(pc.equal(variants, picked), False))
    return table.set_column(table.schema.get_field_index("primary"), "primary", primary)


def read_part(
    path: Path, chosen: dict[str, str], filters: Any = None, primary_only: bool = False
) -> pa.Table:
    table = apply_choice(pq.read_table(path, filters=filters).cast(VERDICT_SCHEMA), chosen)
    if primary_only and table.num_rows:
        table = table.filter(table.column("primary"))
    return table


def load_verdicts(catalog: Catalog, primary_only: bool = False) -> pa.Table:
    """All stored verdicts of a catalog (an error naming the folder when it was never audited)."""
    chosen = chosen_variants(catalog)
    return pa.concat_tables([read_part(p, chosen, primary_only=primary_only) for p in verdict_parts(catalog)])
