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

from .conftest import REPO, Demo, run_page_script


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


def test_sessions_that_filtered_and_stepped__leave_nothing_behind_once_destroyed(demo: Demo) -> None:
    """A used session fills what it touches (search results, map frames, the open sample, Panel's per-document
    state): once destroyed, no document, dashboard or store of it is reachable from anything the process keeps."""
    from bokeh.document import Document
    from panel.io.state import set_curdoc
    from panel.io.state import state as panel_state

    from explorer.dashboard.app import Dashboard

    application = build_single_handler_application(
        str(REPO / "app"), argv=[str(p) for p in demo.catalog_paths]
    )
    before = {id(o) for o in gc.get_objects() if isinstance(o, (Dashboard, ExplorerState))}
    sessions = [generate_session(application) for _ in range(2)]
    dashboards = [o for o in gc.get_objects() if type(o) is Dashboard and id(o) not in before]
    assert len(dashboards) == 2
    for session, dashboard in zip(sessions, dashboards, strict=True):
        panel_state._on_load(session.document)  # the browser's DocumentReady: on-load work, first sample
        state = dashboard.state
        with set_curdoc(session.document):
            opened = state.sample_id
            state.query = "forest"
            state.step(+1)
            state.country = next(c for c in state.param.country.objects if c != "All")
            state.query, state.country = "", "All"
        assert state.sample_id and state.sample_id != opened  # the session was used, not just built
    alive = [weakref.ref(o) for o in [*dashboards, *(d.state for d in dashboards)]]
    documents = [weakref.ref(s.document) for s in sessions]
    del dashboards, dashboard, state

    for session in sessions:
        _cleanup_doc(session.document, destroy=True)
    del sessions, session
    gc.collect()

    assert [ref() for ref in alive if ref() is not None] == []
    assert [ref() for ref in documents if ref() is not None] == []
    assert [o for o in gc.get_objects() if isinstance(o, Document) and o.session_context is not None] == []


def test_the_app_gives_closed_sessions_memory_back(demo: Demo, monkeypatch: Any) -> None:
    """`panel serve app/` runs ``teardown.session_destroyed`` for every closed session (app/app_hooks.py)."""
    import asyncio

    from explorer.dashboard import teardown

    application = build_single_handler_application(
        str(REPO / "app"), argv=[str(p) for p in demo.catalog_paths]
    )
    closed: list[Any] = []
    monkeypatch.setattr(teardown, "session_destroyed", closed.append)
    context = object()  # Bokeh passes the session's context; the hook only forwards it
    on_own_loop(lambda: asyncio.run(application.on_session_destroyed(context)))  # type: ignore[arg-type]
    assert closed == [context]
    assert isinstance(teardown.give_back(), bool)


def test_session_destroyed__gives_back_once_after_a_burst_of_closes(monkeypatch: Any) -> None:
    from tornado.ioloop import IOLoop

    from explorer.dashboard import teardown

    calls: list[float] = []
    monkeypatch.setattr(teardown, "DELAY", 0.2)
    monkeypatch.setattr(teardown, "give_back", lambda keep_recent=False: calls.append(1))

    def burst() -> None:
        loop = IOLoop(make_current=False)
        try:
            for delay in (0.0, 0.05, 0.1):  # three sessions closing within the delay of each other
                loop.call_later(delay, teardown.session_destroyed)
            loop.call_later(0.15, lambda: calls.append(0))  # the burst still goes on: nothing given back yet
            loop.call_later(0.6, loop.stop)
            loop.start()
        finally:
            loop.close()

    on_own_loop(burst)
    assert calls == [0, 1]


def test_session_destroyed__keeps_cached_results_while_sessions_stay_open(monkeypatch: Any) -> None:
    """A close among open sessions still collects garbage, but keeps the shared filter results they may ask for
    again; the last close empties them."""
    from tornado.ioloop import IOLoop

    from explorer.dashboard import resources, teardown

    class Server:  # Bokeh's server context as the hook sees it: the sessions it still has open
        sessions: list[object] = [object()]

    class Context:
        server_context = Server()

    monkeypatch.setattr(teardown, "DELAY", 0.05)
    resources.forget()
    resources.shared_recent(("test", "open"), lambda: ["result"], lambda v: 10)

    def close_and_wait() -> None:
        loop = IOLoop(make_current=False)
        try:
            loop.call_later(0.0, lambda: teardown.session_destroyed(Context()))
            loop.call_later(0.3, loop.stop)
            loop.start()
        finally:
            loop.close()

    on_own_loop(close_and_wait)
    assert resources.recent_bytes() == 10  # one session still open
    Server.sessions = []
    on_own_loop(close_and_wait)
    assert resources.recent_bytes() == 0
    resources.forget()


def on_own_loop(run: Any) -> Any:
    """``run()`` in a thread of its own: an event loop another test left running in this thread (Playwright's
    sync API in the browser tests) would refuse to let a second one start here."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


# Imported by the first page on a fresh server only at a cost of seconds; none is needed before the page is up.
HEAVY_MODULES = (
    "spacy",  # caption highlights: the sample is read once the page has loaded
    "rasterio",  # GeoTIFF readers: idem
    "rioxarray",
    "xarray",  # the layers' type: imported by the readers, not by the catalogs' or the views' modules
    "holoviews",  # Compare's statistics plots
    "geoviews",
    "wordcloud",
    "matplotlib",
    "scipy",
    "sklearn",
    "datasketch",
    "datashader",
    "numba",  # the map's compiled binning: only from shade.COMPILED_FROM points (not this demo)
    "explorer.figures",  # matplotlib figures of Compare and of the exports
    "explorer.audit",
    "explorer.evaluate",
    "explorer.dashboard.compare",
    "explorer.dashboard.stats_view",
    "explorer.dashboard.audit",
    "explorer.dashboard.evaluate",
    "explorer.dashboard.export",
)

FIRST_SESSION = """
import gc, json, sys
import explorer.dashboard
from explorer.dashboard.app import VISITORS, Dashboard
from panel.io.application import build_single_handler_application
from panel.io.document import _cleanup_doc
from panel.io.session import generate_session

application = build_single_handler_application(sys.argv[1], argv=sys.argv[2:])
session = generate_session(application)
(dashboard,) = [o for o in gc.get_objects() if type(o) is Dashboard]
before = sorted(m for m in json.loads(sys.stdin.read()) if m in sys.modules)
built_only = VISITORS.building  # built, not loaded yet: its browser works, the warm-up may run meanwhile
in_browser = len(VISITORS._loading)  # ...but not its steps no first read needs (for LOADING_HOLD at most)
import panel as pn
pn.state._on_load(session.document)  # the browser's DocumentReady: on-load work, first read queued
reading = VISITORS.building  # until that read has run, the warm-up waits
in_browser = [in_browser, len(VISITORS._loading)]
dashboard.view = "audit"  # what ?view=audit or the switcher does: the view is built then
built, audit, models = dashboard.built_views(), type(dashboard.audit).__name__, len(session.document.models)
_cleanup_doc(session.document, destroy=True)  # a page closed before its read ran no longer holds the warm-up
print(json.dumps({"heavy": before, "built": built, "models": models, "audit": audit,
                  "pending": [built_only, reading], "in_browser": in_browser,
                  "after_close": VISITORS.building}))
"""


def test_first_session__imports_no_heavy_module_and_builds_only_explore(demo: Demo) -> None:
    """A fresh process (as a server's first visitor finds it) imports the dashboard and builds one session:
    no caption pipeline, image reader, figure library or hidden view is imported or built on that path."""
    import json

    found = run_page_script(FIRST_SESSION, demo, stdin=json.dumps(HEAVY_MODULES))
    assert found["heavy"] == []
    assert found["models"] > 100  # a whole page was built
    assert found["built"] == ["explore", "audit"]  # Audit once asked for; Compare and Evaluate never
    assert found["audit"] in ("AuditView", "PendingView")
    assert (found["pending"], found["after_close"]) == ([0, 1], 0)
    assert found["in_browser"] == [1, 0]


def test_warm_up__waits_while_a_visitors_page_is_built() -> None:
    import threading

    from explorer.dashboard.app import VisitorsFirst

    visitors = VisitorsFirst()
    stepped = threading.Event()

    def warm_up() -> None:
        with visitors.warming():
            visitors.wait()
            stepped.set()

    with visitors.warming(), visitors.page():  # the warm-up's own session is no visitor's: never waited for
        assert visitors.building == 0

    with visitors.page():
        assert visitors.building == 1
        thread = threading.Thread(target=warm_up, daemon=True)
        thread.start()
        assert not stepped.wait(0.5)  # held while the visitor's page is being built
    thread.join(10)
    assert stepped.is_set() and visitors.building == 0
    visitors.wait()  # outside the warm-up: never waits
