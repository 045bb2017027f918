"""The load script's short form (the CI check): three concurrent sessions filter and step without an error."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.slow
@pytest.mark.xfail(
    reason="issue 12, open: sessions connect and the server builds their dashboards, but the server's answer "
    "to a filter set from a Python Bokeh client never comes back (Panel appears to hold the updates it batches "
    "until a browser's on-load; sending DocumentReady from the client did not release them)",
    strict=False,
)
def test_load_sessions_short__three_sessions_without_error(tmp_path, capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import load_sessions

    code = load_sessions.main(["--short", "--work", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "errors 0" in out
    filters = int(out.split("filters ")[1].split(",")[0])
    assert filters >= 3  # every session filtered at least once


def test_load_sessions__refuses_a_non_loopback_server():
    sys.path.insert(0, str(BENCH))
    import load_sessions

    with pytest.raises(SystemExit):
        load_sessions.main(["--url", "http://example.org:5006/app", "--sessions", "1", "--duration", "1"])
