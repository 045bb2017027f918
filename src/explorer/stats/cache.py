"""Statistics saved beside a catalog and reloaded while the catalog and the options are unchanged."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .columns import num_rows
from .compute import compute_all

STATS_VERSION = 3  # 2: comparison row with Table A1 columns (published figures, hull area, bands)


def save_stats(stats: Mapping[str, pd.DataFrame], folder: str | Path, csv: bool = True) -> list[Path]:
    """Write each table as ``<name>.parquet`` (and ``<name>.csv`` for people); return the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in stats.items():
        clean = frame.copy()
        for column in clean.columns:
            if isinstance(clean[column].dtype, pd.CategoricalDtype):
                clean[column] = clean[column].astype(object)
        path = folder / f"{name}.parquet"
        pq.write_table(pa.Table.from_pandas(clean, preserve_index=False), path)
        paths.append(path)
        if csv:
            clean.to_csv(folder / f"{name}.csv", index=False)
            paths.append(folder / f"{name}.csv")
    return paths


def load_stats(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Read back what ``save_stats`` wrote (Parquet files only)."""
    return {path.stem: pq.read_table(path).to_pandas() for path in sorted(Path(folder).glob("*.parquet"))}


def cache_key(catalog: Any, options: Mapping[str, Any]) -> str:
    """What the saved statistics depend on: the catalog (its path, name, dataset fingerprint, when it was
    built: ``built_at`` in ``catalog.json`` and that file's modification time, row counts) and the options."""
    meta = getattr(catalog, "meta", {}) or {}
    meta_file = Path(str(getattr(catalog, "path", ""))) / "catalog.json"
    facts = {
        "version": STATS_VERSION,
        "path": str(getattr(catalog, "path", "")),
        "name": str(getattr(catalog, "name", "")),
        "fingerprint": meta.get("fingerprint"),
        "built_at": meta.get("built_at"),
        "written": meta_file.stat().st_mtime_ns if meta_file.is_file() else None,
        "annotations": num_rows(catalog.annotations),
        "samples": num_rows(catalog.samples),
        "options": dict(options),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def _options_key(catalog: Any, options: Mapping[str, Any]) -> str:
    """``cache_key`` without the scheduler, which changes how the tables are computed, not what they hold."""
    return cache_key(catalog, {k: v for k, v in options.items() if k != "scheduler"})


def _has_key(folder: Path, key: str) -> bool:
    try:
        return bool(json.loads((folder / "stats_key.json").read_text()).get("key") == key)
    except (json.JSONDecodeError, OSError):
        return False  # none, or unreadable: recompute


def is_saved(catalog: Any, **options: Any) -> bool:
    """Whether ``cached_stats(catalog, **options)`` would read its tables back instead of computing them."""
    return _has_key(Path(catalog.stats_dir), _options_key(catalog, options))


def cached_stats(catalog: Any, *, refresh: bool = False, **options: Any) -> dict[str, pd.DataFrame]:
    """``compute_all`` of one catalog, saved in ``catalog.stats_dir`` and reused while the catalog and the
    options are unchanged."""
    folder = Path(catalog.stats_dir)
    key = _options_key(catalog, options)
    if not refresh and _has_key(folder, key):
        return load_stats(folder)
    stats = compute_all(catalog, **options)
    # The key goes first and comes back last, as a new file renamed into place: a reader in another process (a
    # second server process, a notebook) never takes half-written tables for saved ones, and a file shared by a
    # hard link (a copied catalog) is replaced, never written through.
    (folder / "stats_key.json").unlink(missing_ok=True)
    for old in [*folder.glob("*.parquet"), *folder.glob("*.csv")]:
        old.unlink()
    save_stats(stats, folder)
    scratch = folder / f"stats_key.json.{os.getpid()}.tmp"
    scratch.write_text(json.dumps({"key": key, "version": STATS_VERSION}))
    scratch.replace(folder / "stats_key.json")
    return stats
