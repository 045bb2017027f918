"""The user-level registry of catalogs: what ``eo-explorer index`` adds and the dashboard opens by default."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .errors import CatalogError
from .settings import registry_path


def load() -> list[dict[str, Any]]:
    path = registry_path()
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text())["catalogs"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CatalogError(
            f"{path}: expected a JSON object with a 'catalogs' list ({exc}); delete or fix it"
        ) from exc
    return [e for e in entries if isinstance(e, dict) and "path" in e]


def distinct_name(name: str, root: Path) -> str:
    """``name``, or a variant a user can tell apart when another dataset folder is registered under it.

    Two copies of UCM, two RSICD conversions, one dataset indexed from two places: each keeps its own entry,
    the later one named after its folder (``UCM (copies-ucm)``). Re-indexing a folder keeps the name it had.
    """
    entries = load()
    root_text = str(root)
    for entry in entries:
        if entry.get("root") == root_text and str(entry.get("name", "")).startswith(name):
            return str(entry["name"])
    taken = {str(e.get("name")) for e in entries if e.get("root") != root_text}
    return unique_name(name, root, taken)


def unique_name(name: str, root: Path, taken: set[str]) -> str:
    """``name`` if free, else suffixed with the folder (then its parent, then a number) until free."""
    if name not in taken:
        return name
    # No path separator in a name: names become file and folder names (figures, audit and evaluation outputs).
    candidate = f"{name} ({root.parent.name}-{root.name})"
    if candidate not in taken:
        return candidate
    number = 2
    while f"{name} ({number})" in taken:
        number += 1
    return f"{name} ({number})"


def add(name: str, catalog_path: Path, root: Path, format: str) -> None:
    """Register (or refresh) a catalog: one entry per name and per dataset folder."""
    entries = [e for e in load() if e.get("name") != name and e.get("root") != str(root)]
    entries.append({"name": name, "path": str(catalog_path), "root": str(root), "format": format})
    _write(entries)


def remove(name: str) -> bool:
    entries = load()
    kept = [e for e in entries if e.get("name") != name]
    _write(kept)
    return len(kept) != len(entries)


def _write(entries: list[dict[str, Any]]) -> None:
    path = registry_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write-then-rename so a crash never leaves a half-written registry behind.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".registry-")
    with os.fdopen(fd, "w") as handle:
        json.dump({"catalogs": entries}, handle, indent=2)
    os.replace(tmp, path)
