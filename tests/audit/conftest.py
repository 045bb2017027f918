"""The planted data set, built and audited once per session (tests only read the stored verdicts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from explorer.audit import run_audit
from explorer.catalog import Catalog, build_catalog
from tests.data import audit_planted


@pytest.fixture(scope="session")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("planted")
    expected = audit_planted.make(root / "data")
    catalogs: list[Catalog] = []
    # A registry of their own: a catalog of the same name registered by another test would rename these.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EO_EXPLORER_REGISTRY", str(root / "registry.json"))
        for name in (audit_planted.CEN, audit_planted.BEN):
            catalog, _ = build_catalog(root / "data" / name, out=root / "catalogs" / name)
            catalogs.append(catalog)
    run = run_audit(catalogs, scheduler="sync", progress=False)
    return {"expected": expected, "catalogs": {c.name: c for c in catalogs}, "run": run, "root": root}


@pytest.fixture(scope="session")
def planted_root(planted: dict[str, Any]) -> Path:
    return Path(planted["root"])
