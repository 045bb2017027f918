"""Shared test fixtures: the real release files in ../shared/fixtures (skipped when absent)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"


def pytest_configure(config: pytest.Config) -> None:
    """Every test session gets its own cache, registry and demo folder: a user's catalogs (for example the
    demo that `make app` registered under ./data) never leak into the tests, nor the tests' into them. Tests
    that need a place of their own still set these per test (``isolated_places``)."""
    places = Path(tempfile.mkdtemp(prefix="eo-explorer-tests-"))
    os.environ["EO_EXPLORER_CACHE"] = str(places / "cache")
    os.environ["EO_EXPLORER_REGISTRY"] = str(places / "registry.json")
    os.environ["EO_EXPLORER_DEMO"] = str(places / "demo")


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """Real files from the released datasets; a user's clone has no ../shared, so skip there."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(f"real dataset fixtures not found at {SHARED_FIXTURES} (only in the project's workspace)")
    return SHARED_FIXTURES


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both demo datasets with 12 samples each, written once per session (a few seconds); point
    EO_EXPLORER_DEMO at it and ``explorer.open_registered()`` opens it instead of writing the full demo."""
    from explorer.demo import write_demo

    out = tmp_path_factory.mktemp("small-demo")
    write_demo(out, n_chatearthnet=12, n_bigearthnet=12)
    return out


@pytest.fixture
def isolated_places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Cache, registry and demo folder under this test's tmp_path, never $HOME or another test's."""
    monkeypatch.setenv("EO_EXPLORER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("EO_EXPLORER_REGISTRY", str(tmp_path / "registry.json"))
    monkeypatch.setenv("EO_EXPLORER_DEMO", str(tmp_path / "demo"))
    return tmp_path
