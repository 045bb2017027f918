"""Reliability under faults (issue #12): a session that meets a bad sample, a catalog deleted under the running
server, or a failing callback shows a message and leaves the other sessions working; the log names a cause once."""

from __future__ import annotations

import logging
import shutil
from typing import Any

import panel as pn
from bokeh.document import Document
from panel.io.state import set_curdoc

import explorer
from explorer.dashboard import faults
from explorer.dashboard.app import build_dashboard

from .conftest import Demo


def _works(dashboard: Any) -> None:
    """The session still answers: a step opens another sample, a filter changes the count."""
    state = dashboard.state
    before = state.sample_id
    state.step(+1)
    assert state.sample_id and state.sample_id != before
    total = state.count
    state.query = "water"
    assert 0 < state.count < total
    state.query = ""
    assert state.count == total


def test_bad_sample__its_session_says_so_the_other_keeps_working(demo: Demo, demo_catalogs) -> None:
    broken, other = build_dashboard(demo_catalogs), build_dashboard(demo_catalogs)
    broken.state.open_sample("chatearthnet-demo", demo.broken_sample)
    assert broken.state.sample_id == demo.broken_sample
    assert broken.state.layer_errors  # the viewer says which layer could not be read, and why
    _works(other)
    _works(broken)


def test_catalog_deleted_under_the_server__sessions_keep_working(demo: Demo, tmp_path) -> None:
    copies = [shutil.copytree(path, tmp_path / path.name) for path in demo.catalog_paths]
    catalogs = [explorer.open(path) for path in copies]
    first, second = build_dashboard(catalogs), build_dashboard(catalogs)
    shutil.rmtree(copies[0])  # the ChatEarthNet catalog folder vanishes while both sessions are open

    _works(second)  # what the process has open (memory-mapped tables, indexes) stays readable
    _works(first)


def test_failing_callback__message_in_its_page_one_log_line_per_cause_others_work(
    demo_catalogs, caplog
) -> None:
    faults._SEEN.clear()
    failing = Document()
    pn.config.notifications = True
    try:
        with set_curdoc(failing):
            area = pn.state.notifications
            for _ in range(3):  # the same fault, three times (a user clicking again, or several users)
                faults.report_exception(KeyError("sample 'S2A_x' has no row"))
            faults.report_exception(OSError("disk gone"))
    finally:
        pn.config.notifications = False
    messages = [n.message for n in area.notifications]
    assert len(messages) == 4 and "KeyError" in messages[0] and "still works" in messages[0]
    lines = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "explorer.dashboard"]
    assert [r.getMessage().split(": ", 1)[1] for r in lines] == [
        "KeyError: \"sample 'S2A_x' has no row\"",
        "OSError: disk gone",
    ]
    assert all(r.exc_info for r in lines)  # the traceback, once per cause
    _works(build_dashboard(demo_catalogs))
