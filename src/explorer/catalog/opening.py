"""Opening catalogs: a catalog folder, a dataset folder (its cached catalog reused while its files are
unchanged, else built), the registered ones, or the built-in demo; names kept distinct across them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from .. import registry
from ..errors import ExplorerError, MissingFileError
from ..settings import cache_dir, demo_dir
from .build import build_catalog, fingerprint
from .folder import CATALOG_VERSION, SYNTHETIC_MARKER, Catalog, is_catalog


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


def ensure_demo(directory: Path | None = None) -> list[Path]:
    """The built-in demo's dataset folders, generated on first use (deterministic, under a minute)."""
    from ..demo import write_demo

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
