"""The served application's start-up: `panel serve app/` prepares shared data before the first visitor."""

from __future__ import annotations

import gc
import threading
import time
from types import SimpleNamespace
from typing import Any

import panel as pn
from panel.io.application import build_single_handler_application

from explorer.dashboard import app, resources

from .conftest import REPO, Demo, run_page_script


def test_server_hook__opens_catalogs_before_any_visitor_and_warms_a_session_in_the_background(
    demo: Demo, monkeypatch: Any, caplog: Any
) -> None:
    paths = [str(p) for p in demo.catalog_paths]
    key = tuple(paths)
    resources.forget(("opened", key))
    warmed: list[Any] = []
    original = app.warm_session
    monkeypatch.setattr(app, "warm_session", lambda application: warmed.append(original(application)))
    # the hook installs the server's exception handler process-wide: give the other tests theirs back
    monkeypatch.setattr(pn.config, "exception_handler", pn.config.exception_handler)
    # Bokeh's directory handler runs app/app_hooks.py with the --args as sys.argv, as `panel serve` does.
    application = build_single_handler_application(str(REPO / "app"), argv=paths)
    try:
        application.on_server_loaded(
            SimpleNamespace(application_context=SimpleNamespace(application=application))
        )
    finally:
        gc.unfreeze()
    assert resources.is_built(("opened", key))  # opened by the hook, before any visitor
    assert "ready in" in caplog.text and "2 datasets" in caplog.text  # pages are answered from now on
    warming = [t for t in threading.enumerate() if t.name == "eo-warm-up"]
    for thread in warming:  # the first-use costs are paid after the hook returns, in the background
        thread.join(timeout=600)
    catalogs, problems = app.open_catalogs(paths)
    assert [c.name for c in catalogs] == ["chatearthnet-demo", "bigearthnet-demo"] and problems == []
    assert len(warmed) == 1  # one whole session was built (and destroyed) from app/main.py
    assert "ready in" in caplog.text and "2 datasets" in caplog.text  # the console says when the wait is over
    assert "warmed up in" in caplog.text


def _broken_copies(good: Any, base: Any) -> dict[str, str]:
    """Copies of a demo catalog, each broken in its own way: name -> catalog folder."""
    import json
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    from explorer import startup_cache

    broken = {}
    for name in ("broken-corrupt", "broken-version", "broken-unreadable", "broken-columns"):
        folder = base / name
        shutil.copytree(good.path, folder)
        shutil.rmtree(folder / startup_cache.FOLDER, ignore_errors=True)  # nothing cached from the good one
        meta = json.loads((folder / "catalog.json").read_text())
        meta["name"] = name
        if name == "broken-version":
            meta["version"] = 1
        (folder / "catalog.json").write_text(json.dumps(meta))
        samples = folder / "samples.parquet"
        if name == "broken-corrupt":
            samples.write_bytes(b"PAR1" + b"\x00garbage" * 50)
        elif name == "broken-unreadable":
            samples.unlink()
            samples.symlink_to(samples.name)  # a link to itself: unreadable, even for root
        elif name == "broken-columns":
            pq.write_table(
                pa.table({"sample_id": pq.read_table(good.path / "samples.parquet")["sample_id"]}), samples
            )
        broken[name] = str(folder)
    return broken


def test_open_catalogs__broken_registered_catalogs_reported_and_the_others_shown(
    demo: Demo, demo_catalogs: list[Any], tmp_path: Any, monkeypatch: Any
) -> None:
    import json

    from explorer import registry

    monkeypatch.setenv("EO_EXPLORER_REGISTRY", str(tmp_path / "registry.json"))
    broken = _broken_copies(demo_catalogs[1], tmp_path)
    entries = [
        {"name": c.name, "path": str(c.path), "root": str(c.root), "format": c.format} for c in demo_catalogs
    ]
    entries += [
        {"name": n, "path": p, "root": str(demo_catalogs[1].root), "format": "x"} for n, p in broken.items()
    ]
    registry.registry_path().write_text(json.dumps({"catalogs": entries}))
    resources.forget(("opened", ()))
    try:
        catalogs, problems = app.open_catalogs()
        assert [c.name for c in catalogs] == ["chatearthnet-demo", "bigearthnet-demo"]
        assert len(problems) == 4
        by_name = {name: next(p for p in problems if f"Catalog {name} (" in p) for name in broken}
        assert "Parquet" in by_name["broken-corrupt"] or "parquet" in by_name["broken-corrupt"]
        assert "catalog version 1 is not" in by_name["broken-version"]
        assert "samples.parquet" in by_name["broken-unreadable"]
        assert "KeyError" in by_name["broken-columns"]
        assert all("eo-explorer unregister" in p and "The other datasets work" in p for p in problems)
        dashboard = app.build_dashboard(catalogs, problems)
        alert = next(item for item in dashboard.main() if getattr(item, "alert_type", "") == "danger")
        assert all(f"Catalog {name} (" in alert.object for name in broken)
        assert dashboard.state.count == sum(len(c.samples) for c in demo_catalogs)  # the others work
        dashboard.state.dataset = "bigearthnet-demo"
        assert dashboard.state.count == len(demo_catalogs[1].samples)
    finally:
        resources.forget(("opened", ()))


def test_warm_up__waits_for_a_first_visitors_page_then_until_it_is_built() -> None:
    """Its first steps (a reader's imports) cannot step aside once begun: they wait for the first visitor (who
    usually comes at once), then for that page's build."""
    visitors = app.VisitorsFirst()
    started = threading.Event()

    def warm_up() -> None:
        with visitors.warming():
            visitors.wait_for_first_visitor(grace=120.0)
            started.set()

    thread = threading.Thread(target=warm_up, daemon=True)
    thread.start()
    assert not started.wait(0.5)  # no visitor yet: the warm-up holds (for up to ``grace`` seconds)
    with visitors.page():
        assert not started.wait(0.5)  # a visitor's page is being built: still held
    thread.join(30)
    assert started.is_set()  # that page built: the warm-up goes on
    visitors.wait_for_first_visitor(grace=120.0)  # outside the warm-up: never waits
    done = threading.Event()  # and once a page has been asked for, a later warm-up does not wait for another

    def warm_up_again() -> None:
        with visitors.warming():
            visitors.wait_for_first_visitor(grace=120.0)
            done.set()

    threading.Thread(target=warm_up_again, daemon=True).start()
    assert done.wait(30)


def test_visitor_page__served_holds_the_warm_up_until_its_request_step_is_over() -> None:
    """Served, Panel renders the page's HTML on the event-loop step that built it: the warm-up (the first
    sample's read) waits until that step is over, not only until app/main.py has run."""
    import asyncio

    visitors = app.VisitorsFirst()

    async def request() -> tuple[int, int]:
        with visitors.page():
            pass
        rendering = visitors.building  # app/main.py done; the template is rendered next, on this step
        await asyncio.sleep(0)  # the step is over (the HTML sent)
        return rendering, visitors.building

    def not_served() -> int:
        with visitors.page():  # not served (no running loop): released at once, as before
            pass
        return visitors.building

    # In a thread of its own: this one may hold a loop left "running" by Playwright (the browser tests).
    result: list[int | tuple[int, int]] = []
    thread = threading.Thread(target=lambda: result.extend([asyncio.run(request()), not_served()]))
    thread.start()
    thread.join(30)
    assert result == [(1, 0), 0]


def test_warm_up__later_steps_wait_until_visitors_pause(demo_catalogs: list[Any], monkeypatch: Any) -> None:
    """The steps no visitor waits for (a whole session, statistics) would share the interpreter with a visitor's
    run of filters and Next clicks: they wait until visitors have done nothing for ``quiet`` seconds (at most
    ``limit``). A page's changes count as a visitor's; the warm-up's own do not."""
    visitors = app.VisitorsFirst()
    monkeypatch.setattr(app, "VISITORS", visitors)
    waited: list[float] = []

    def warm_up() -> None:
        with visitors.warming():
            visitors.touch()  # the warm-up's own changes: no visitor's
            started = time.monotonic()
            visitors.wait(quiet=0.4, limit=20.0)
            waited.append(time.monotonic() - started)

    thread = threading.Thread(target=warm_up, daemon=True)
    dashboard = app.build_dashboard(demo_catalogs)  # its state's changes are a visitor's
    dashboard.state.step(+1)
    thread.start()
    for _ in range(5):  # a visitor clicking Next every 0.15 s
        time.sleep(0.15)
        dashboard.state.step(+1)
    thread.join(20)
    assert len(waited) == 1 and waited[0] >= 0.75 + 0.4 - 0.1  # held through the clicks, then the pause
    started = time.monotonic()
    visitors.wait(quiet=100.0)  # outside the warm-up: never waits
    assert time.monotonic() - started < 1.0

    def patient() -> None:
        with visitors.warming():
            visitors.wait(quiet=100.0, limit=0.3)  # visitors who never pause hold it for ``limit`` at most

    started = time.monotonic()
    visitors.touch()
    patient()
    assert 0.25 < time.monotonic() - started < 5.0


PRIMED_FIRST_PAGE = """
import json, sys
import tornado.platform.asyncio  # imported by `panel serve` before any hook or page
from explorer.dashboard import app
from panel.io.application import build_single_handler_application
from panel.io.document import _cleanup_doc
from panel.io.session import generate_session

catalogs, _ = app.open_catalogs(sys.argv[2:])
app.prime_first_page(catalogs)
primed = set(sys.modules)
session = generate_session(build_single_handler_application(sys.argv[1], argv=sys.argv[2:]))
models = len(session.document.models)
_cleanup_doc(session.document, destroy=True)
print(json.dumps({"imported": sorted(set(sys.modules) - primed), "models": models}))
"""


def test_prime_first_page__leaves_the_first_page_no_module_to_import(demo: Demo) -> None:
    """What the server hook pays before answering (``prime_first_page``) covers the first page's lazy first-use
    imports (Panel's Markdown tooltips and alerts, Panel's entry points): that page then
    imports nothing but the app's own module (it cost the first visitor ~0.4 s of CPU)."""
    found = run_page_script(PRIMED_FIRST_PAGE, demo)
    assert found["models"] > 100  # a whole page was built
    # the app's module (run per page) and a codec looked up by name (built in) are all that comes in
    assert [m for m in found["imported"] if not m.startswith(("bokeh_app_", "encodings."))] == []


def test_prepare_server__a_failing_first_page_prime_does_not_stop_the_server(
    demo: Demo, monkeypatch: Any, caplog: Any
) -> None:
    """The prime only makes the first page faster: a failure in it is logged once and the server still answers."""
    from explorer.dashboard import map_figure

    def broken() -> Any:
        raise OSError("land outline unreadable")

    paths = [str(p) for p in demo.catalog_paths]
    monkeypatch.setattr(map_figure, "land_outline", broken)
    monkeypatch.setattr(pn.config, "exception_handler", pn.config.exception_handler)  # set by prepare_server
    try:
        thread = app.prepare_server(paths)
    finally:
        gc.unfreeze()
    assert "could not prepare the first page ahead (OSError: land outline unreadable)" in caplog.text
    assert "ready in" in caplog.text  # the server answers from now on
    assert thread is not None
    thread.join(timeout=600)
