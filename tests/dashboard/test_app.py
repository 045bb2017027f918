"""The served application's start-up: `panel serve app/` prepares shared data before the first visitor."""

from __future__ import annotations

import gc
import threading
from types import SimpleNamespace
from typing import Any

from panel.io.application import build_single_handler_application

from explorer.dashboard import app, resources

from .conftest import REPO, Demo


def test_server_hook__opens_catalogs_before_any_visitor_and_warms_a_session_in_the_background(
    demo: Demo, monkeypatch: Any, caplog: Any
) -> None:
    paths = [str(p) for p in demo.catalog_paths]
    key = tuple(paths)
    resources.forget(("opened", key))
    warmed: list[Any] = []
    original = app.warm_session
    monkeypatch.setattr(app, "warm_session", lambda application: warmed.append(original(application)))
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
    assert "warmed up in" in caplog.text
