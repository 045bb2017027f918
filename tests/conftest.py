"""Shared test fixtures: the real release files in ../shared/fixtures (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """Real files from the released datasets; a user's clone has no ../shared, so skip there."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(f"real dataset fixtures not found at {SHARED_FIXTURES} (only in the project's workspace)")
    return SHARED_FIXTURES
