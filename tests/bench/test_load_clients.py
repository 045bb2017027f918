"""The load script's Bokeh client driver: two Python client sessions filter and step on a real served app."""

from __future__ import annotations

from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def load_sessions(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import load_sessions

    return load_sessions


@pytest.mark.slow
def test_load_sessions_bokeh_driver__two_client_sessions_without_error(tmp_path, capsys, monkeypatch, load_sessions):
    monkeypatch.setenv("EO_EXPLORER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("EO_EXPLORER_REGISTRY", str(tmp_path / "registry.json"))

    argv = ["--driver", "bokeh", "--sessions", "2", "--duration", "15", "--settle", "1", "--work", str(tmp_path)]
    code = load_sessions.main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "driver bokeh" in out and "errors 0" in out
    filters = int(out.split("filters ")[2].split(",")[0])  # after "filters used: ..."
    steps = int(out.split("steps ")[1].split(",")[0])
    assert filters >= 4 and steps >= 2, out  # both sessions filtered, reset and stepped at least once
    assert "query=" in out.split("filters used: ")[1].splitlines()[0], out  # a caption word was calibrated
    assert "next -> sample id shown: p50" in out
    # What the server spent per request, and where the sessions lived (one process: every connection in it).
    per_request = int(out.split(" ms per request answered")[0].rsplit(", ", 1)[1])
    assert per_request > 0, out
    spread = out.split("connections open at once, most seen, by server process: [")[1].split("]")[0]
    assert len(spread.split(",")) == 1 and int(spread) >= 3, out  # 2 sessions + the warm page
