"""What the served page makes the browser load (dashboard/bundle.py): MathJax only for a page that shows math."""

from __future__ import annotations

from typing import Any

import panel as pn
from bokeh.document import Document
from panel.io.application import build_single_handler_application
from panel.io.document import _cleanup_doc
from panel.io.resources import Resources, bundle_resources
from panel.io.session import generate_session
from panel.io.state import set_curdoc

from explorer.dashboard.bundle import only_needed_mathjax

from .conftest import REPO, Demo


def _scripts(roots: Any) -> list[str]:
    bundle = bundle_resources(roots, Resources(mode="server"))
    return [str(url) for url in bundle.js_files]


def _page_roots(*objects: Any) -> list[Any]:
    document = Document()
    with set_curdoc(document):
        for obj in objects:
            pn.panel(obj).server_doc(document)
    return list(document.roots)


def test_served_page__does_not_load_mathjax(demo: Demo) -> None:
    application = build_single_handler_application(
        str(REPO / "app"), argv=[str(p) for p in demo.catalog_paths]
    )
    session = generate_session(application)  # app/main.py: the whole dashboard, ~20 HTML panes
    try:
        scripts = _scripts(session.document.roots)
        assert any("bokeh.min.js" in url for url in scripts)
        assert not any("mathjax" in url for url in scripts)
    finally:
        _cleanup_doc(session.document, destroy=True)


def test_a_pane_that_shows_math__still_loads_mathjax() -> None:
    only_needed_mathjax()
    math = pn.pane.Markdown("Area $$\\pi r^2$$")  # Markdown typesets math; an HTML pane does not
    assert any("mathjax" in url for url in _scripts(_page_roots(math)))
    assert not any(
        "mathjax" in url for url in _scripts(_page_roots(pn.pane.HTML("$$\\pi r^2$$"), "plain text"))
    )
    assert not any("mathjax" in url for url in _scripts(_page_roots(pn.pane.Markdown("costs $5 or $$ sign"))))
