"""The regular-expression scan in the browser: after "Cancel scan" the page shows the previous filter again,
the "Regular expression" box unticked included.

On the full-size catalog the box stayed ticked while the session's (and the browser model's) value was False,
as long as every filter re-rendered the HoloViews map overlay in the callback that restores the filter; since the
map is drawn in place (map_view) it unticks (scripts/screenshot_text_search.py). This test guards that in the
page on the demo; it did not reproduce the old failure on the demo (a few hundred samples), only the full-size
catalog did. Run with `pytest -m browser`. The demo scans in milliseconds, too fast to press Cancel, so this
server runs the real app with the real scan slowed down per chunk (small chunks), the map drawn as a raster.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness.browser import served

from .conftest import Demo, screenshot

pytestmark = pytest.mark.browser

HELD_SCAN_APP = '''
import sys

import panel as pn

from explorer import catalog
from explorer.dashboard import build_dashboard, map_view, open_catalogs

# Patched once per process (the script runs once per session; a wrapper of a wrapper would hold twice).
real_scan = vars(catalog.Catalog).get("unheld_regex_scan") or catalog.Catalog.regex_scan
catalog.Catalog.unheld_regex_scan = real_scan


def held_scan(self, pattern, cancel=None, chunk_rows=500_000, real_scan=real_scan):
    """The real scan, slowed to 0.1 s a chunk (a demo is too small to press Cancel), reporting its progress
    as a full-size scan does. What it uses is bound as defaults: Bokeh clears a session's script globals when
    the session ends."""
    for step in real_scan(self, pattern, cancel=cancel, chunk_rows=chunk_rows):
        yield step
        if not (step.done or step.cancelled):
            cancel.wait(0.1)


catalog.Catalog.regex_scan = held_scan
map_view.RASTER_THRESHOLD = 10  # the map as at full size: a raster, however few the samples
pn.extension(notifications=True, loading_indicator=True)  # as app/main.py
catalogs, problems = open_catalogs(sys.argv[1:])
dashboard = build_dashboard(catalogs, problems)
dashboard.state.scan_chunk_rows = 20  # ~300 chunks: a 30 s scan
dashboard.servable(title="EO Image-Text Explorer")
'''


@pytest.fixture(scope="module")
def held_scan_server(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("held-scan")
    app = folder / "held_scan.py"
    app.write_text(HELD_SCAN_APP)
    env = {**os.environ, **demo.env}
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    catalogs = [str(p) for p in demo.catalog_paths]
    with served(app, "held_scan", catalogs, folder / "serve.log", env) as url:
        yield url


@pytest.fixture
def scan_page(browser: Any, held_scan_server: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1600, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


REGEX_ACTIVE_JS = """() => [...Bokeh.documents[0].all_models]
  .find(m => m.type === 'Checkbox' && (m.css_classes || []).includes('eo-regex')).active"""


def test_cancel_scan__unticks_the_regular_expression_box_in_the_page(
    scan_page: Any, held_scan_server: str
) -> None:
    from playwright.sync_api import expect

    page = scan_page
    page.goto(held_scan_server)
    page.wait_for_function("() => document.body.dataset.eoConnected === '1'")
    search = page.locator(".eo-query input")
    search.fill("water")
    search.press("Enter")
    page.locator(".eo-ranked li").first.wait_for()
    count = page.locator(".eo-count").inner_text()
    regex = page.locator(".eo-regex input[type=checkbox]")
    regex.check()  # the same text as a regular expression: the scan starts and waits
    page.locator(".eo-scan b").wait_for()
    page.locator(".eo-scan-cancel button").click()
    page.locator(".eo-scan").wait_for(state="detached")
    page.locator(".eo-ranked li").first.wait_for()  # the word query's ranked texts are back
    page.wait_for_function(
        f"() => !({REGEX_ACTIVE_JS})()", timeout=10_000
    )  # the session's value reached the page
    expect(regex).not_to_be_checked(timeout=10_000)  # and the box in the page shows it
    screenshot(page, "regex-cancelled")
    assert not regex.is_checked()
    assert page.locator(".eo-count").inner_text() == count
    # Ticking it again starts a new scan (the box and the session agree again).
    regex.check()
    page.locator(".eo-scan b").wait_for()
    page.locator(".eo-scan-cancel button").click()
    page.locator(".eo-scan").wait_for(state="detached")
    page.wait_for_function(f"() => !({REGEX_ACTIVE_JS})()", timeout=10_000)
    expect(regex).not_to_be_checked(timeout=10_000)
