"""Where the explorer keeps catalogs, its registry and the demo; each place overridable by an environment variable."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Built catalogs live here (``EO_EXPLORER_CACHE``), not in the dataset folder, which may be read-only."""
    return Path(os.environ.get("EO_EXPLORER_CACHE", Path.home() / ".cache" / "eo-explorer")).expanduser()


def registry_path() -> Path:
    """The user-level list of catalogued datasets the dashboard opens (``EO_EXPLORER_REGISTRY``)."""
    default = Path.home() / ".config" / "eo-explorer" / "registry.json"
    return Path(os.environ.get("EO_EXPLORER_REGISTRY", default)).expanduser()


def demo_dir() -> Path:
    """Where the built-in demo is generated when nothing else is registered (``EO_EXPLORER_DEMO``)."""
    return Path(os.environ.get("EO_EXPLORER_DEMO", cache_dir() / "demo")).expanduser()
