"""Closed sessions are given back: nothing process-wide (HoloViews' option caches, our shared resources,
callbacks) keeps a destroyed session's dashboard alive, so a server's memory does not grow with its visitors."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from panel.io.application import build_single_handler_application
from panel.io.document import _cleanup_doc
from panel.io.session import generate_session

from explorer.dashboard.state import ExplorerState

from .conftest import REPO, Demo


def _states() -> list[Any]:
    gc.collect()
    return [o for o in gc.get_objects() if issubclass(type(o), ExplorerState)]  # type(): skips weak proxies


def test_destroyed_sessions__leave_no_dashboard_behind(demo: Demo) -> None:
    application = build_single_handler_application(
        str(REPO / "app"), argv=[str(p) for p in demo.catalog_paths]
    )
    before = {id(s) for s in _states()}
    sessions = [generate_session(application) for _ in range(2)]
    built = [weakref.ref(s) for s in _states() if id(s) not in before]
    assert len(built) == 2  # one store per session

    for session in sessions:  # what Panel does when Bokeh discards a closed session
        _cleanup_doc(session.document, destroy=True)
    del sessions, session
    gc.collect()

    assert [ref() for ref in built if ref() is not None] == []
