"""The served dashboard in headless Chromium: page, map, viewers, URL, click, highlights, boxes, safety.

Run with `pytest -m browser`. Every wait is on a condition (selector, text, JavaScript predicate), never a sleep.
"""

from __future__ import annotations

import io
import json
import urllib.parse
from typing import Any

import numpy as np
import pytest

from explorer.dashboard.query import to_web_mercator

from .conftest import XSS_CAPTION, Demo, screenshot

pytestmark = pytest.mark.browser

# Bokeh's document lives in the page; these helpers look into it (the canvas itself cannot be read as text).
MAP_FIGURE_JS = "[...Bokeh.documents[0].all_models].find(m => (m.tags || []).includes('eo-marks'))"
DATA_TO_PAGE_JS = f"""([x, y]) => {{
  const fig = {MAP_FIGURE_JS};
  const view = Bokeh.index.find_one(fig);
  const rect = view.canvas_view.el.getBoundingClientRect();
  return [rect.left + view.frame.x_scale.compute(x), rect.top + view.frame.y_scale.compute(y)];
}}"""
BOX_COUNT_JS = """() => [...Bokeh.documents[0].all_models]
  .filter(m => m.type === 'ColumnDataSource' && m.data && m.data.xs !== undefined && m.data.ys !== undefined)
  .filter(m => m.data.xs.length === 1 && m.data.xs[0].length === 4).length"""  # one rotated box per viewer


def open_app(page: Any, server: str, **query: str) -> None:
    url = server + ("?" + urllib.parse.urlencode(query) if query else "")
    page.goto(url)
    page.wait_for_selector(".eo-sample-id", state="attached")
    page.wait_for_function("() => window.Bokeh !== undefined && Bokeh.documents.length > 0")
    wait_for_canvases(page, 4)
    # The session is connected (the app marks the body) and the URL names the open sample.
    page.wait_for_function(
        "() => document.body.dataset.eoConnected === '1' && location.search.includes('sample=')"
    )


def wait_for_canvases(page: Any, n: int) -> None:
    """Canvases live in shadow roots: count them through every open shadow root."""
    page.wait_for_function(
        """(n) => {
          const count = (root) => [...root.querySelectorAll('*')].reduce(
            (k, el) => k + (el.tagName === 'CANVAS' ? 1 : 0) + (el.shadowRoot ? count(el.shadowRoot) : 0), 0);
          return count(document) >= n;
        }""",
        arg=n,
    )


def sample_title(page: Any) -> str:
    return str(page.locator(".eo-sample-id").inner_text())


def wait_for_sample(page: Any, sample_id: str) -> None:
    page.locator(".eo-sample-id", has_text=sample_id).wait_for()


def test_page__map_and_viewers_render_without_errors(page: Any, server: str) -> None:
    open_app(page, server)
    # Locators pierce Panel's shadow roots (document.body.innerText does not).
    page.locator(".eo-count", has_text="matching samples").wait_for()
    assert page.get_by_text("Traceback").count() == 0
    assert page.get_by_text("Internal Server Error").count() == 0
    assert page.locator(".eo-badge-synthetic").first.is_visible()
    page.wait_for_function(f"() => {MAP_FIGURE_JS} !== undefined")
    screenshot(page, "view-explore")
    assert page.watcher.errors == []


def test_load__basemap_tiles_that_never_come_do_not_hold_the_first_read(page: Any, server: str) -> None:
    """Panel runs a page's on-load work (its first sample read, "connected") on Bokeh's DocumentReady, which
    waited for every map tile to load or fail: a tile host's DNS timing out (5 s, offline) held the page that
    long, a tile server that never answers for ever. Here no tile request is ever answered."""
    page.route("**/light_all/**", lambda route: None)  # neither continued nor fulfilled: pending for ever
    open_app(page, server)  # connected, and the URL names the sample the first read opened
    assert page.evaluate("() => Bokeh.documents[0].is_idle")
    assert page.locator(".eo-sample-id").inner_text().strip()


def test_url__opens_the_sample_it_names_and_follows_navigation(
    page: Any, server: str, demo_catalogs: list[Any]
) -> None:
    ben = next(c for c in demo_catalogs if c.name == "bigearthnet-demo")
    sample_id = str(ben.samples["sample_id"].iloc[3])
    open_app(page, server, dataset="bigearthnet-demo", sample=sample_id)
    wait_for_sample(page, sample_id)
    assert "bigearthnet-demo" in page.locator(".eo-dataset").inner_text()
    page.get_by_role("button", name="Next ▶").click()
    page.wait_for_function(
        "(old) => !location.search.includes(encodeURIComponent(old)) && location.search.includes('sample=')",
        arg=sample_id,
    )
    assert "dataset=" in page.url
    # Later URLs follow once the user pauses (each write costs the browser ~40 ms), and at once when the pointer
    # leaves the page, e.g. for the address bar.
    before = sample_title(page)
    page.get_by_role("button", name="Next ▶").click()
    page.locator(".eo-sample-id").filter(has_not_text=before).wait_for()
    shown = sample_title(page)
    search = page.evaluate(
        "() => { document.documentElement.dispatchEvent(new MouseEvent('mouseleave')); return location.search }"
    )
    assert urllib.parse.parse_qs(search[1:])["sample"] == [shown]
    screenshot(page, "bigearthnet-sample")
    assert page.watcher.errors == []


def _isolated_sample(catalogs: list[Any]) -> tuple[str, str, float, float]:
    """The sample farthest from every other one, so a click on it is unambiguous."""
    rows = []
    for cat in catalogs:
        frame = cat.samples
        x, y = to_web_mercator(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
        rows += [
            (cat.name, str(s), float(a), float(b)) for s, a, b in zip(frame["sample_id"], x, y, strict=True)
        ]
    xy = np.array([[r[2], r[3]] for r in rows])
    dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    np.fill_diagonal(dist, np.inf)
    return rows[int(np.argmax(dist.min(axis=1)))]


def test_map_click__opens_the_nearest_sample(page: Any, server: str, demo_catalogs: list[Any]) -> None:
    dataset, sample_id, x, y = _isolated_sample(demo_catalogs)
    open_app(page, server)
    page.wait_for_function(f"() => {MAP_FIGURE_JS} !== undefined")
    if sample_title(page) == sample_id:
        page.get_by_role("button", name="Next ▶").click()
        page.locator(".eo-sample-id").filter(has_not_text=sample_id).wait_for()
    px, py = page.evaluate(DATA_TO_PAGE_JS, [x, y])
    page.mouse.click(px + 1, py + 1)  # a pixel off: the lookup tolerates a few pixels
    wait_for_sample(page, sample_id)
    assert dataset in page.locator(".eo-dataset").inner_text()
    assert page.watcher.errors == []


def test_text__spatial_terms_are_highlighted(page: Any, server: str, demo_catalogs: list[Any]) -> None:
    chat = next(c for c in demo_catalogs if c.name == "chatearthnet-demo")
    sample_id = str(chat.samples["sample_id"].iloc[5])
    open_app(page, server, dataset="chatearthnet-demo", sample=sample_id)
    wait_for_sample(page, sample_id)
    marks = page.locator(".eo-caption-text mark.st")
    marks.first.wait_for()
    kinds = set(page.locator(".eo-caption-text mark.st").evaluate_all("els => els.map(e => e.dataset.kind)"))
    assert {"position", "class"} <= kinds
    screenshot(page, "chatearthnet-sample")
    assert page.watcher.errors == []


def test_refexp__selecting_one_draws_its_box_on_every_viewer(
    page: Any, server: str, demo_catalogs: list[Any]
) -> None:
    ben = next(c for c in demo_catalogs if c.name == "bigearthnet-demo")
    ann = ben.annotations.to_pandas()
    with_box = ann[(ann["kind"] == "refexp") & ann["bbox_x0"].notna()]
    sample_id = str(with_box["sample_id"].iloc[0])
    open_app(page, server, dataset="bigearthnet-demo", sample=sample_id)
    wait_for_sample(page, sample_id)
    assert page.evaluate(BOX_COUNT_JS) == 0
    viewer = page.locator(".eo-view-s2 canvas").first
    before = _box_pixels(viewer.screenshot())

    page.get_by_text("Referring expressions", exact=True).click()
    picker = page.locator(".eo-refexp-picker input[type=radio]")
    picker.nth(1).check()
    page.locator(".eo-selected-box").wait_for()
    page.wait_for_function(f"() => ({BOX_COUNT_JS})() >= 3")
    after = _box_pixels(viewer.screenshot())
    assert after > before + 20, (before, after)
    screenshot(page, "refexp-box")
    assert page.watcher.errors == []


def _box_pixels(png: bytes) -> int:
    """Pixels close to the box colour (#ff1493) in a screenshot."""
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    target = np.array([0xFF, 0x14, 0x93])
    return int((np.abs(rgb - target).sum(axis=2) < 60).sum())


def test_caption_with_script__renders_as_literal_text(page: Any, server: str, demo: Demo) -> None:
    open_app(page, server, dataset="chatearthnet-demo", sample=demo.xss_sample)
    wait_for_sample(page, demo.xss_sample)
    caption = page.locator(".eo-caption-text", has_text="window.__xss")
    caption.first.wait_for()
    assert "<script>window.__xss = 1</script>" in caption.first.inner_text()
    assert page.evaluate("() => window.__xss") is None
    assert page.locator(".eo-caption-text script, .eo-caption-text img").count() == 0
    assert XSS_CAPTION.split(">", 1)[0] in caption.first.inner_text()
    assert page.watcher.errors == []


def test_broken_sample__message_in_viewer_and_session_goes_on(page: Any, server: str, demo: Demo) -> None:
    open_app(page, server, dataset="chatearthnet-demo", sample=demo.broken_sample)
    wait_for_sample(page, demo.broken_sample)
    # The alert's text sits in its shadow root: get_by_text pierces it, inner_text of the host does not.
    message = page.locator(".eo-view-s2 .eo-layer-message").get_by_text("Could not read the optical layer")
    message.wait_for()
    assert f"{demo.broken_sample}.png" in message.inner_text()
    screenshot(page, "broken-sample")
    page.get_by_role("button", name="Next ▶").click()
    page.locator(".eo-sample-id").filter(has_not_text=demo.broken_sample).wait_for()
    page.locator(".eo-view-s2 .eo-layer-message").wait_for(state="hidden")
    assert page.watcher.errors == []


def test_invalid_regex__shows_a_message_not_a_crash(page: Any, server: str) -> None:
    open_app(page, server)
    page.locator(".eo-regex input[type=checkbox]").check()
    search = page.locator(".eo-query input")
    search.fill("forest(")
    search.press("Enter")
    alert = page.locator(".eo-query-error")
    alert.get_by_text("invalid regular expression").wait_for()
    search.fill("forest|water")
    search.press("Enter")
    page.locator(".eo-count").wait_for()
    alert.wait_for(state="hidden")
    assert page.watcher.errors == []


def test_export__downloads_a_png_of_the_sample(page: Any, server: str, demo_catalogs: list[Any]) -> None:
    ben = next(c for c in demo_catalogs if c.name == "bigearthnet-demo")
    sample_id = str(ben.samples["sample_id"].iloc[2])
    open_app(page, server, dataset="bigearthnet-demo", sample=sample_id)
    wait_for_sample(page, sample_id)
    with page.expect_download() as download_info:
        page.get_by_text("Export PNG (300 dpi)").click()
    download = download_info.value
    assert download.suggested_filename == f"bigearthnet-demo_{sample_id}.png"
    with open(download.path(), "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    assert page.watcher.errors == []


def test_box_select__restricts_the_matches(page: Any, server: str) -> None:
    open_app(page, server)
    page.wait_for_function(f"() => {MAP_FIGURE_JS} !== undefined")
    total = page.locator(".eo-count b").inner_text()
    page.locator("[title='Box Select']").first.click()
    # Drag a box over western and central Europe.
    corners = to_web_mercator(np.array([-10.0, 20.0]), np.array([60.0, 40.0]))
    x0, y0 = page.evaluate(DATA_TO_PAGE_JS, [float(corners[0][0]), float(corners[1][0])])
    x1, y1 = page.evaluate(DATA_TO_PAGE_JS, [float(corners[0][1]), float(corners[1][1])])
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    page.locator(".eo-count", has_text="inside the box").wait_for()
    assert page.locator(".eo-count b").inner_text() != total
    page.get_by_role("button", name="Clear box selection").click()
    page.locator(".eo-count b", has_text=total).wait_for()
    assert page.watcher.errors == []


def open_view(page: Any, server: str, view: str, **query: str) -> None:
    """Open the page on ``view`` (any view: Explore's sample header is not awaited)."""
    page.goto(server + "?" + urllib.parse.urlencode({"view": view, **query}))
    page.wait_for_function("() => document.body.dataset.eoConnected === '1'")
    page.locator(".eo-view-switch").first.wait_for()


def test_compare_view__table_on_top_and_every_statistic_below(page: Any, server: str) -> None:
    open_app(page, server)
    page.locator(".eo-view-switch").get_by_text("Compare", exact=True).click()
    page.locator(".eo-comparison").wait_for()
    page.wait_for_function("() => location.search.includes('view=compare')")
    assert page.locator(".eo-comparison tbody tr").count() == 2  # one row per open dataset
    assert page.locator(".eo-coverage-map").count() == 2  # each with its small coverage map
    page.locator(".eo-stats", has_text="Statistics of the").first.wait_for()
    page.get_by_text("Caption length", exact=True).wait_for()
    page.get_by_text("Word clouds", exact=True).wait_for()
    page.get_by_text("Geography", exact=True).wait_for()
    wait_for_canvases(page, 5)
    screenshot(page, "view-compare")
    assert page.get_by_text("Traceback").count() == 0
    assert page.watcher.errors == []


def test_url__restores_view_filters_and_sample(page: Any, server: str, demo_catalogs: list[Any]) -> None:
    ben = next(c for c in demo_catalogs if c.name == "bigearthnet-demo")
    sample_id = str(ben.samples["sample_id"].iloc[3])
    open_view(page, server, "compare", **{"in": "bigearthnet-demo", "q": "forest"},
              dataset="bigearthnet-demo", sample=sample_id)  # fmt: skip
    page.locator(".eo-comparison").wait_for()
    page.locator(".eo-stats", has_text="bigearthnet-demo").first.wait_for()
    assert "chatearthnet-demo " not in page.locator(".eo-stats").first.inner_text()  # the filter holds here
    page.keyboard.press("1")  # to Explore: same filters, same sample
    wait_for_sample(page, sample_id)
    page.locator(".eo-count", has_text="matching samples").wait_for()
    page.wait_for_function("() => location.search.includes('view=explore')")
    search = urllib.parse.parse_qs(page.evaluate("() => location.search")[1:])
    assert (
        search["q"] == ["forest"] and search["in"] == ["bigearthnet-demo"] and search["sample"] == [sample_id]
    )
    assert page.watcher.errors == []


def test_keys__next_previous_sample_and_views(page: Any, server: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    open_app(page, server)
    first = sample_title(page)
    page.keyboard.press("n")
    page.wait_for_function("(s) => !location.search.includes('sample=' + encodeURIComponent(s))", arg=first)
    (following,) = urllib.parse.parse_qs(page.evaluate("() => location.search")[1:])["sample"]
    assert following != first
    wait_for_sample(page, following)
    page.keyboard.press("p")
    wait_for_sample(page, first)
    screenshot(page, "view-explore-1280x800")
    page.keyboard.press("3")
    page.locator(".eo-audit, .eo-pending").first.wait_for()
    screenshot(page, "view-audit")
    page.keyboard.press("4")
    page.get_by_text("has not been run", exact=False).first.wait_for()
    screenshot(page, "view-evaluate")
    assert page.watcher.errors == []


def test_compare_export__whole_comparison_as_one_paper_figure(page: Any, server: str) -> None:
    open_view(page, server, "compare")
    page.locator(".eo-comparison").wait_for()
    page.locator(".eo-stats", has_text="Statistics of the").first.wait_for()
    with page.expect_download(timeout=240_000) as download_info:
        page.get_by_text("Download paper figure").click()
    download = download_info.value
    assert download.suggested_filename == "comparison_paper.png"
    from PIL import Image

    with Image.open(download.path()) as png:
        assert png.info["dpi"] == pytest.approx((300, 300), abs=0.1)
        assert png.height > png.width  # every panel, two columns wide
    assert page.watcher.errors == []


def test_next__every_panel_changes_in_one_message(page: Any, server: str) -> None:
    # Each message re-lays out the whole page in the browser: opening a sample must send its header, texts,
    # images, download name and URL together, with no loading indicator toggled around them.
    patches: list[str] = []
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda payload: (
                patches.append(payload) if isinstance(payload, str) and '"events"' in payload else None
            ),
        ),
    )
    open_app(page, server)
    first = sample_title(page)
    page.wait_for_timeout(1000)  # the session's start-up messages are over
    patches.clear()
    page.get_by_role("button", name="Next ▶").click()
    page.wait_for_function("(s) => !location.search.includes('sample=' + encodeURIComponent(s))", arg=first)
    (following,) = urllib.parse.parse_qs(page.evaluate("() => location.search")[1:])["sample"]
    wait_for_sample(page, following)
    page.wait_for_timeout(1000)  # any straggler would arrive meanwhile
    assert len(patches) == 1, [p[:200] for p in patches]
    assert "eo-sample-header" in patches[0] and following in patches[0]  # header and URL together
    classes = [e["new"] for e in json.loads(patches[0])["events"] if e.get("attr") == "css_classes"]
    assert not [c for c in classes if "pn-loading" in c]  # no loading indicator shown
    assert page.watcher.errors == []


def test_filter__count_list_and_map_change_in_one_message(page: Any, server: str) -> None:
    # As for Next: each message re-lays out the page, and Panel sent each model a filter changes (count, result
    # list, panes, map points, URL) as its own message, after a 50 ms debounce.
    patches: list[str] = []
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda payload: (
                patches.append(payload) if isinstance(payload, str) and '"events"' in payload else None
            ),
        ),
    )
    open_app(page, server)
    total = page.locator(".eo-count b").inner_text()
    page.wait_for_timeout(1000)  # the session's start-up messages are over
    patches.clear()
    page.get_by_label("Split", exact=True).select_option("validation")
    page.wait_for_function("() => location.search.includes('split=validation')")
    page.wait_for_timeout(1000)  # any straggler would arrive meanwhile
    assert page.locator(".eo-count b").inner_text() != total
    assert len(patches) == 1, [p[:200] for p in patches]
    changed = {e.get("attr") for e in json.loads(patches[0])["events"]}
    assert "eo-count" in patches[0] and "split=validation" in patches[0]  # count and URL together
    assert "data" in changed or "ColumnDataChanged" in patches[0]  # the result list and the map's points too
    assert page.watcher.errors == []


def test_result_list__pages_sorts_and_a_clicked_row_opens_its_sample(page: Any, server: str) -> None:
    open_app(page, server, dataset="bigearthnet-demo")
    rows = page.locator(".eo-results tbody tr")
    rows.first.wait_for()
    assert rows.count() == 10
    first_page = rows.first.locator("td").nth(1).inner_text()
    page.locator(".eo-results .eo-rl-pager button", has_text="Next").click()
    page.locator(".eo-results tbody tr:first-child td:nth-child(2)", has_not_text=first_page).wait_for()
    page.locator(".eo-results th", has_text="sample_id").click()  # ascending: the smallest id first
    page.locator(".eo-results .eo-rl-sort.up").wait_for()
    ids = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())]
    assert ids == sorted(ids)
    row = rows.nth(3)
    sample_id = row.locator("td").nth(1).inner_text()
    assert sample_id != sample_title(page).strip()
    row.click()
    wait_for_sample(page, sample_id)
    # The address bar follows once the pointer leaves the page (URL writer), as for any other opening.
    page.evaluate("() => document.documentElement.dispatchEvent(new MouseEvent('mouseleave'))")
    page.wait_for_function("(s) => location.search.includes(encodeURIComponent(s))", arg=sample_id)
    assert "selected" in (row.get_attribute("class") or "")
    assert page.watcher.errors == []
