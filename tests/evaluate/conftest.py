"""Catalogs of the small demo (with its baseline prediction files), built once per session in a temp folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from explorer.catalog import Catalog, build_catalog

needs_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="needs Java (apt-get install default-jre-headless)"
)


@pytest.fixture(scope="session")
def chat_catalog(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    catalog, _ = build_catalog(small_demo / "chatearthnet-demo", out=tmp_path_factory.mktemp("cat") / "chat")
    return catalog


@pytest.fixture(scope="session")
def big_catalog(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    catalog, _ = build_catalog(small_demo / "bigearthnet-demo", out=tmp_path_factory.mktemp("cat") / "big")
    return catalog
