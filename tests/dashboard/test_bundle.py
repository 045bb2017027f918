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


def test_served_page__loads_no_fast_components_tabulator_or_web_font_and_holds_no_tooltip_model(demo: Demo) -> None:
    """The page's template keeps FAST's look without FAST's web components (their tokens are static CSS, for the
    light and the dark theme); no view holds a Tabulator; no widget's help is a Tooltip model."""
    from bokeh.models import Tooltip
    from panel.io.server import server_html_page_for_session

    application = build_single_handler_application(
        str(REPO / "app"), argv=[str(p) for p in demo.catalog_paths]
    )
    session = generate_session(application)
    document = session.document
    try:
        page = server_html_page_for_session(
            session, resources=Resources(mode="server"), title="t", template=document.template,
            template_variables=document.template_variables,
        )  # fmt: skip
        assert "bokeh.min.js" in page and "fast_list_template.css" in page  # the FastListTemplate's layout
        for absent in ("fast-components", "fast_design.js", "<fast-", "tabulator", "luxon", "googleapis"):
            assert absent not in page, absent
        assert "--accent-fill-rest: #2d6992" in page  # FAST's token for the accent, now static
        assert "_get_css_value" in page  # BokehJS's CSS-variable lookup of glyph values switched off
        assert not any(isinstance(model, Tooltip) for model in document.models)
    finally:
        _cleanup_doc(document, destroy=True)


def test_page_tokens__both_themes() -> None:
    from explorer.dashboard.page_template import tokens

    light, dark = tokens("default"), tokens("dark")
    for css in (light, dark):
        assert ":root {" in css and "#body-design-provider {" in css and "#header-design-provider {" in css
    assert light != dark and tokens("no-such-theme") == light
