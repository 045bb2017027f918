"""The browser harness finds Chromium from the environment, then the PATH; never a hard-coded path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import browser


def test_chromium_path__environment_first_then_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(browser.CHROMIUM_ENV, raising=False)
    assert browser.chromium_path() == str(fake)
    assert browser.chromium_missing() is None
    monkeypatch.setenv(browser.CHROMIUM_ENV, "/opt/my/chrome")
    assert browser.chromium_path() == "/opt/my/chrome"
    missing = browser.chromium_missing()
    assert missing is not None and "/opt/my/chrome" in missing


def test_chromium_missing__says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(browser.CHROMIUM_ENV, raising=False)
    assert browser.chromium_path() == ""
    missing = browser.chromium_missing()
    assert missing is not None and browser.CHROMIUM_ENV in missing and "apt-get install chromium" in missing
