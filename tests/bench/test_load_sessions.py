"""The load script's short form (the CI check): three Chromium pages filter and step at once without an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness.browser import chromium_missing

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def load_sessions(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import load_sessions

    return load_sessions


def _short(tmp_path, capsys, monkeypatch, load_sessions, *driver: str) -> str:
    monkeypatch.setenv("EO_EXPLORER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("EO_EXPLORER_REGISTRY", str(tmp_path / "registry.json"))
    code = load_sessions.main(["--short", *driver, "--work", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


@pytest.mark.slow
def test_load_sessions_short__three_client_sessions_without_error(tmp_path, capsys, monkeypatch, load_sessions):
    """The CI form: ``--short`` alone drives Bokeh client sessions against a served demo."""
    out = _short(tmp_path, capsys, monkeypatch, load_sessions)
    assert "driver bokeh, sessions 3" in out and "errors 0" in out
    filters = int(out.split("filters ")[2].split(",")[0])  # after "filters used: ..."
    steps = int(out.split("steps ")[1].split(",")[0])
    assert filters >= 3 and steps >= 1, out


@pytest.mark.slow
@pytest.mark.browser
def test_load_sessions_short__three_sessions_without_error(tmp_path, capsys, monkeypatch, load_sessions):
    missing = chromium_missing()
    if missing:
        pytest.skip(f"{missing}; never downloaded by the tests")
    pytest.importorskip("playwright.async_api")
    out = _short(tmp_path, capsys, monkeypatch, load_sessions, "--driver", "chromium")
    assert "errors 0" in out
    filters = int(out.split("filters ")[2].split(",")[0])  # after "filters used: ..."
    steps = int(out.split("steps ")[1].split(",")[0])
    assert filters >= 3 and steps >= 1, out  # every session filtered, and Next answered
    assert "filter -> count shown: p50" in out and "next -> sample id shown: p50" in out


def test_report__any_session_error_fails_the_run(capsys, load_sessions):
    ok = load_sessions.SessionLog(0, connect_s=1.0, filter_ms=[120.0, 80.0], sample_ms=[90.0])
    broken = load_sessions.SessionLog(1, connect_s=1.0, filter_ms=[100.0], errors=["TimeoutError: count"])
    result = {"warm": load_sessions.SessionLog(-1), "actions": [], "base": 0, "peak": 0, "after": 0}

    assert load_sessions.report({**result, "logs": [ok]}, 1, 1.0, 1) == 0
    assert load_sessions.report({**result, "logs": [ok, broken]}, 2, 1.0, 1) == 1
    assert "session 1: TimeoutError: count" in capsys.readouterr().out


def test_load_sessions__refuses_a_non_loopback_server(load_sessions):
    with pytest.raises(SystemExit):
        load_sessions.main(["--url", "http://example.org:5006/app", "--sessions", "1", "--duration", "1"])
