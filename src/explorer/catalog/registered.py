"""Registered catalogs: indexing a dataset into the registry, and a registered catalog's state, re-pointing
(``relink``) and removal (``unregister``), as the ``eo-explorer index / list / relink / unregister`` verbs do."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from .. import registry
from ..errors import CatalogError, DataError, MissingFileError
from ..sources import open_source
from .build import BuildReport, build_catalog, fingerprint
from .folder import Catalog, is_catalog


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
        from .. import stats

        started = time.perf_counter()
        stats.cached_stats(catalog)
        report.seconds_stats = time.perf_counter() - started
    registry.add(catalog.name, catalog.path, catalog.root, catalog.format)
    return report


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
