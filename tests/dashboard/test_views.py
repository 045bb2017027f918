"""Views without a browser: safe text HTML, header badges, image arrays for Bokeh, map layers, PNG export, and
the whole dashboard rendered into a Bokeh document (as one server session)."""

from __future__ import annotations

import base64
import io
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd
import pytest
from bokeh.events import RangesUpdate, SelectionGeometry, Tap
from panel.io.document import hold
from panel.io.state import set_curdoc
from PIL import Image

from explorer.dashboard import map_figure, map_view, query
from explorer.dashboard.export import EXPORT_DPI, sample_png
from explorer.dashboard.image_views import box_data, image_data
from explorer.dashboard.png import png_data_url
from explorer.dashboard.sample_view import export_filename, header_html
from explorer.dashboard.state import ExplorerState
from explorer.dashboard.text_view import captions_html, correct_option, questions_html, refexps_html
from tests.harness import perf


def _annotations(**columns: Any) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base: dict[str, Any] = {
        "kind": ["caption"] * n,
        "source": [None] * n,
        "split": [None] * n,
        "category": [None] * n,
        "input": [None] * n,
        "output": [None] * n,
        "options": [None] * n,
        "ann_id": list(range(n)),
        "ref": [None] * n,
        "bbox_x0": [np.nan] * n,
        "bbox_y0": [np.nan] * n,
        "bbox_x1": [np.nan] * n,
        "bbox_y1": [np.nan] * n,
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_captions_html__escapes_markup_and_highlights_terms() -> None:
    frame = _annotations(
        output=["<script>alert(1)</script> water in the top left", "A forest."],
        source=["chatgpt-3.5", "chatgpt-4v"],
    )
    html = captions_html(frame)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "ChatGPT-3.5" in html and "ChatGPT-4V" in html
    assert '<mark class="st st-position"' in html


def test_captions_html__none() -> None:
    assert "No caption" in captions_html(None)


def test_correct_option__letter_or_text() -> None:
    options = ["Arable land", "Pastures", "Mixed forest"]
    assert correct_option(options, "b") == 1
    assert correct_option(options, "c)") == 2
    assert correct_option(options, "mixed forest") == 2
    assert correct_option(options, "z") is None


def test_questions_html__binary_and_mcq_with_correct_marked() -> None:
    frame = _annotations(
        kind=["vqa_binary", "vqa_mcq"],
        input=["Is there water <b>here</b>?", "Which class is largest? a) Pastures, b) Arable land"],
        output=["yes", "b"],
        options=[None, np.array(["Pastures", "Arable land"])],
        category=["presence", "area"],
    )
    html = questions_html(frame)
    assert "&lt;b&gt;here&lt;/b&gt;" in html
    assert '<li class="eo-correct">' in html and "✔ correct" in html
    assert html.index("eo-correct") > html.index("Pastures")  # the second option is the marked one
    assert ">presence<" in html


def test_refexps_html__box_and_selection() -> None:
    frame = _annotations(
        kind=["refexp"],
        input=["Identify the <ref>pastures</ref> in the north."],
        ann_id=[5],
        bbox_x0=[0.1],
        bbox_y0=[0.2],
        bbox_x1=[0.5],
        bbox_y1=[0.6],
    )
    html = refexps_html(frame, selected=5)
    assert "&lt;ref&gt;" in html and "eo-selected" in html and "(0.10, 0.20)" in html


def _decoded(url: str) -> np.ndarray:
    """The pixels of a PNG data URL, as the browser would draw them (first row at the top)."""
    import base64
    import io

    from PIL import Image

    prefix = "data:image/png;base64,"
    assert url.startswith(prefix)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url[len(prefix) :]))).convert("RGBA"))


def test_image_data__opaque_png_with_its_top_row_first() -> None:
    rgb = np.zeros((2, 3, 3), np.uint8)
    rgb[0, :, 0] = 255  # top row red
    rgb[1, 2] = (1, 2, 3)
    pixels = _decoded(image_data(rgb)["url"][0])
    assert pixels.shape == (2, 3, 4)
    assert pixels[0, 0].tolist() == [255, 0, 0, 255] and pixels[1, 2].tolist() == [1, 2, 3, 255]
    assert image_data(None) == {"url": []}  # nothing to draw


def test_box_data__top_left_origin_to_y_up() -> None:
    assert box_data([(0.1, 0.2, 0.5, 0.6, None)]) == {
        "xs": [pytest.approx([0.1, 0.5, 0.5, 0.1])],
        "ys": [pytest.approx([0.8, 0.8, 0.4, 0.4])],
    }
    assert box_data(None)["xs"] == []


def test_header_html__synthetic_badge_and_escaping(demo_catalogs: list[Any]) -> None:
    state = ExplorerState(demo_catalogs)
    state.open_first("chatearthnet-demo")
    html = header_html(state)
    assert "eo-badge-synthetic" in html and "SYNTHETIC" in html
    assert state.sample_id in html
    state.open_sample("chatearthnet-demo", "<img src=x>")
    assert "&lt;img src=x&gt;" in header_html(state)


def test_export_filename__safe() -> None:
    class Fake:
        open_dataset = "a/b"
        sample_id = "../x y"

    assert export_filename(Fake()) == "a_b_.._x_y.png"  # type: ignore[arg-type]


def test_sample_png__300_dpi_figure(demo_catalogs: list[Any]) -> None:
    state = ExplorerState(demo_catalogs)
    state.open_first("bigearthnet-demo")
    image = Image.open(io.BytesIO(sample_png(state).getvalue()))
    assert image.format == "PNG"
    assert image.info["dpi"][0] == pytest.approx(EXPORT_DPI, abs=1)
    assert image.size[0] >= 2500


def test_render_map__points_below_threshold_raster_above(demo_catalogs: list[Any], monkeypatch: Any) -> None:
    state = ExplorerState(demo_catalogs)
    layers = map_view.render_map(state, width=400, height=200)
    assert len(layers.glyphs) == len(state.map_frame) and layers.rgba[..., 3].max() == 0
    monkeypatch.setattr(map_view, "RASTER_THRESHOLD", 10)
    layers = map_view.render_map(state, width=400, height=200)
    assert len(layers.glyphs) == 0
    assert layers.rgba.shape == (200, 400, 4) and layers.rgba[..., 3].max() > 0  # some pixels are drawn


def _decode_png_url(url: str) -> np.ndarray:
    """The pixels of a ``data:image/png;base64,`` URL, decoded by Pillow (an independent PNG reader)."""
    prefix = "data:image/png;base64,"
    assert url.startswith(prefix)
    with Image.open(io.BytesIO(base64.b64decode(url[len(prefix) :]))) as png:
        assert png.mode == "RGBA"
        return np.asarray(png)


def test_map_view__samples_drawn_in_place_raster_when_many_glyphs_when_few(
    demo_catalogs: list[Any], monkeypatch: Any
) -> None:
    monkeypatch.setattr(map_view, "RASTER_THRESHOLD", 10)
    state = ExplorerState(demo_catalogs)
    view = map_view.MapView(state=state, tiles=False)
    sources = view.sources
    # Before the figure reports its view and size nothing is shaded (that raster would be thrown away at once).
    assert sources.raster.data["url"] == [] and len(sources.glyphs.data["x"]) == 0
    # What the browser sends: the plotting area's size (property patches), then the view (a RangesUpdate event).
    view.figure.set_from_json("inner_width", 300)
    view.figure.set_from_json("inner_height", 150)
    view.figure._trigger_event(
        RangesUpdate(
            view.figure,
            x0=map_view.WORLD_X[0],
            x1=map_view.WORLD_X[1],
            y0=map_view.WORLD_Y[0],
            y1=map_view.WORLD_Y[1],
        )
    )
    (url,) = sources.raster.data["url"]
    image = _decode_png_url(url)
    assert image.shape == (150, 300, 4) and np.count_nonzero(image[..., 3]) > 0
    assert sources.raster.data["x"] == [map_view.WORLD_X[0]]
    assert sources.raster.data["dw"] == [map_view.WORLD_X[1] - map_view.WORLD_X[0]]
    # A filter shades the new matches into the same source: a PNG of exactly the shaded pixels (top row first).
    state.split = "validation"
    (url,) = sources.raster.data["url"]
    filtered = _decode_png_url(url)
    expected = map_view.raster_rgba(state, map_view.WORLD_X, map_view.WORLD_Y, 300, 150)
    np.testing.assert_array_equal(filtered, expected)
    assert not np.array_equal(filtered, image)
    # Few matches: one circle each, in its category's colour, with what the hover shows; the raster empties.
    monkeypatch.setattr(map_view, "RASTER_THRESHOLD", 10_000)
    state.split = "train"
    glyphs = sources.glyphs.data
    assert sources.raster.data["url"] == [] and len(glyphs["x"]) == state.count
    np.testing.assert_allclose(np.sort(glyphs["x"]), np.sort(state.map_frame["x"].to_numpy()))
    assert set(glyphs["color"]) <= set(state.map_colors.values())
    assert set(glyphs["dataset"]) <= set(state.catalogs)
    ids = {str(i) for c in demo_catalogs for i in c.samples["sample_id"]}
    assert set(map(str, glyphs["sample"])) <= ids


def test_map_view__one_plain_bokeh_figure_with_every_layer_and_the_view_follows(
    demo_catalogs: list[Any], monkeypatch: Any
) -> None:
    """The map is one Bokeh figure built directly (HoloViews' plot of it cost ~0.4 s CPU per page): tiles, land,
    samples, highlights, box and ring layers, the map's tools; a zoom reshades the raster layers for its view."""
    from bokeh.models import (
        BoxSelectTool,
        HoverTool,
        ImageURL,
        PanTool,
        Patch,
        ResetTool,
        TileRenderer,
        WheelZoomTool,
    )

    dashboard, document = perf.served_dashboard(demo_catalogs)
    view = dashboard.map
    fig = view.figure
    assert document.get_model_by_id(fig.id) is fig and map_figure.FIGURE_TAG in fig.tags
    assert isinstance(fig.renderers[0], TileRenderer) and isinstance(fig.renderers[1].glyph, Patch)
    assert [type(r.glyph).__name__ for r in fig.renderers[2:]] == [
        "ImageURL",
        "Scatter",
        "ImageURL",
        "Quad",
        "Scatter",
        "Scatter",
    ]
    assert all(isinstance(fig.renderers[i].glyph, ImageURL) for i in (2, 4))
    tools = {type(t) for t in fig.toolbar.tools}
    assert {PanTool, WheelZoomTool, BoxSelectTool, ResetTool, HoverTool} <= tools
    assert (fig.x_range.start, fig.x_range.end) == pytest.approx(view._extent[0])
    assert len(fig.references()) < 80  # HoloViews' plot of the map had 121 models
    offline = map_view.MapView(state=ExplorerState(demo_catalogs), tiles=False).figure
    assert not any(isinstance(r, TileRenderer) for r in offline.renderers)
    # Many highlighted samples: their raster layer follows the view.
    monkeypatch.setattr(map_view, "RASTER_THRESHOLD", 10)
    shaded: list[Any] = []

    def highlight_raster(state: Any, x_range: Any, y_range: Any, *_: Any) -> np.ndarray:
        shaded.append((x_range, y_range))
        return np.zeros((2, 2, 4), np.uint8)

    monkeypatch.setattr(map_view, "highlight_raster", highlight_raster)
    zoom = ((-1e6, 1e6), (-5e5, 5e5))
    fig._trigger_event(RangesUpdate(fig, x0=zoom[0][0], x1=zoom[0][1], y0=zoom[1][0], y1=zoom[1][1]))
    dashboard.state.highlight = {demo_catalogs[0].name: np.arange(30)}
    assert shaded == [zoom] and view.sources.highlight_raster.data["x"] == [zoom[0][0]]
    zoom = ((-2e6, 2e6), (-1e6, 1e6))
    fig._trigger_event(RangesUpdate(fig, x0=zoom[0][0], x1=zoom[0][1], y0=zoom[1][0], y1=zoom[1][1]))
    assert shaded[-1] == zoom


def test_dashboard__statistics_built_when_compare_is_first_opened(demo_catalogs: list[Any]) -> None:
    dashboard, document = perf.served_dashboard(demo_catalogs)
    assert not dashboard.stats.active and dashboard.stats.tables == {}
    dashboard.show_statistics()
    assert dashboard.view == "compare" and dashboard.stats.active
    assert set(dashboard.stats.counted) == {c.name for c in demo_catalogs}
    assert dashboard._body.objects == [dashboard.compare.__panel__()]
    table = dashboard.compare.full["comparison"]
    assert table["dataset"].tolist() == [c.name for c in demo_catalogs]
    assert "eo-coverage-map" in dashboard.compare._table.object  # a small coverage map per row


def test_dashboard__url_round_trip_of_view_filters_and_sample(demo_catalogs: list[Any]) -> None:
    from explorer.dashboard import url

    first, _ = perf.served_dashboard(demo_catalogs)
    state = first.state
    first.view = "compare"
    state.dataset = "bigearthnet-demo"
    state.label = state.param.label.objects[1]
    state.query = "forest"
    state.bounds = (-2e6, 4e6, 4e6, 1e7)
    state.step(+1)
    query = dict(url.url_items(first))
    assert query["view"] == "compare" and query["in"] == "bigearthnet-demo" and query["q"] == "forest"
    second, _ = perf.served_dashboard(demo_catalogs)
    url.restore(second, query)
    for name in ("dataset", "label", "query", "open_dataset", "sample_id"):
        assert getattr(second.state, name) == getattr(state, name), name
    assert second.view == "compare" and second.state.count == state.count
    url.restore(second, {"view": "nosuch", "in": "<script>", "bounds": "1,2,x"})  # ignored, not raised


def test_dashboard__keys_step_samples_and_switch_views(demo_catalogs: list[Any]) -> None:
    dashboard, _ = perf.served_dashboard(demo_catalogs)
    before = dashboard.state.current_position()
    dashboard.keys._handle_msg({"key": "n"})
    assert dashboard.state.current_position() == (before or 0) + 1
    dashboard.keys._handle_msg({"key": "p"})
    assert dashboard.state.current_position() == before
    dashboard.keys._handle_msg({"key": "4"})
    assert dashboard.view == "evaluate"
    assert "has not been run" in dashboard.evaluate.__panel__().object


def test_map_click__opens_nearest_sample_within_tolerance(demo_catalogs: list[Any]) -> None:
    state = ExplorerState(demo_catalogs)
    view = map_view.MapView(state=state, tiles=False)
    target = state.matches.count - 1
    x, y = state.matches.x[target], state.matches.y[target]
    assert view.click(x + view.tolerance() / 3, y)
    assert state.current_position() is not None
    assert (
        np.hypot(state.matches.x[state.current_position()] - x, state.matches.y[state.current_position()] - y)
        < view.tolerance()
    )
    assert not view.click(1e9, 1e9)
    # A tap on the figure (Bokeh's Tap event, as the browser sends it) opens the sample under it.
    first = 0
    view.figure._trigger_event(
        Tap(view.figure, x=float(state.matches.x[first]), y=float(state.matches.y[first]))
    )
    assert state.current_position() is not None
    opened = state.current_position()
    assert (
        np.hypot(
            state.matches.x[opened] - state.matches.x[first], state.matches.y[opened] - state.matches.y[first]
        )
        < view.tolerance()
    )


def test_box_select__sets_bounds_filter(demo_catalogs: list[Any]) -> None:
    state = ExplorerState(demo_catalogs)
    view = map_view.MapView(state=state, tiles=False)
    total = state.count
    europe = {"type": "rect", "x0": -2e6, "y0": 4e6, "x1": 4e6, "y1": 1e7}
    view.figure._trigger_event(SelectionGeometry(view.figure, geometry=europe, final=False))  # still dragging
    assert state.bounds is None
    view.figure._trigger_event(SelectionGeometry(view.figure, geometry=europe, final=True))
    assert state.bounds == (-2e6, 4e6, 4e6, 1e7) and 0 < state.count < total
    assert view.sources.bounds.data["left"] == [-2e6] and view.sources.bounds.data["top"] == [1e7]
    # A Next moves the ring only: the unchanged box source is not set (nor sent, nor repainted) again.
    box, ring = view.sources.bounds.data, view.sources.marker.data
    state.step(+1)
    assert view.sources.bounds.data is box
    assert view.sources.marker.data is not ring and view.sources.marker.data["x"] != ring["x"]


def test_served_dashboard__benchmark_entry_points_update_the_session(demo_catalogs: list[Any]) -> None:
    # bench/bench_dashboard.py times these; here they must simply do their job in a rendered document.
    dashboard, document = perf.served_dashboard(demo_catalogs)
    ben = demo_catalogs[1]
    ids = ben.samples["sample_id"].tolist()
    for sample_id in ids[1:4]:
        perf.sample_update(dashboard, document, ben.name, sample_id)
        assert dashboard.state.sample_id == sample_id
        assert set(dashboard.state.layers) == {"s2", "s1", "landcover"}
    perf.map_render(dashboard.state)


def test_image_panel__viewers_share_ranges_so_zoom_and_pan_are_linked(demo_catalogs: list[Any]) -> None:
    from explorer.dashboard.image_views import ImagePanel

    panel = ImagePanel(ExplorerState(demo_catalogs))
    figures = [panel.optical.figure, panel.sar.figure, panel.landcover.figure]
    assert all(f.x_range is figures[0].x_range and f.y_range is figures[0].y_range for f in figures)


def test_image_views__sample_change_updates_sources_in_place(demo_catalogs: list[Any]) -> None:
    from explorer.dashboard.image_views import ImagePanel

    state = ExplorerState(demo_catalogs)
    panel = ImagePanel(state)
    source = panel.sar.sources[0]
    state.open_first("bigearthnet-demo")
    pixels = _decoded(source.data["url"][0])
    assert pixels.shape[:2] == state.layers["s1"].shape[1:]
    assert np.array_equal(pixels[:, :, :3], state.sar().rgb)  # what the viewer draws, unflipped
    assert panel.sar.sources[0] is source  # same model, new data: nothing re-rendered
    state.open_first("chatearthnet-demo")
    assert source.data["url"] == []  # ChatEarthNet has no SAR: nothing drawn
    # The land cover lies over the multispectral viewer's own image source: one PNG encoded and sent, not two.
    assert panel.landcover.sources[0] is panel.optical.sources[0]
    base = _decoded(panel.landcover.sources[0].data["url"][0])
    assert np.array_equal(base[:, :, :3], state.optical().rgb)
    assert len(panel.landcover.figure.renderers) == len(panel.optical.figure.renderers) + 1
    empty, boxes, optical = source.data, panel.sar.box_source.data, panel.optical.sources[0].data
    chat = next(c for c in demo_catalogs if c.name == "chatearthnet-demo")
    other = next(str(i) for i in chat.samples["sample_id"] if str(i) != state.sample_id)
    state.open_sample("chatearthnet-demo", other)
    assert panel.optical.sources[0].data is not optical  # a new image
    assert source.data is empty and panel.sar.box_source.data is boxes  # unchanged: not set (nor sent) again
    assert panel.sar.message().startswith("This sample has no SAR layer")


def test_image_views__one_notes_pane_says_why_empty_then_what_is_drawn(demo_catalogs: list[Any]) -> None:
    from bokeh.models import Axis, Grid, Title

    from explorer.dashboard.image_views import ImagePanel

    state = ExplorerState(demo_catalogs)
    panel = ImagePanel(state)
    state.open_first("chatearthnet-demo")  # no SAR layer: the viewer says so, and draws nothing
    notes = panel.sar._notes.object
    assert 'class="eo-note eo-layer-message">This sample has no SAR layer' in notes
    assert panel.optical._notes.object.startswith('<div class="eo-image-caption">')  # drawn: its caption only
    assert "stretch" in panel.optical._notes.object
    state.open_first("bigearthnet-demo")
    assert "eo-layer-message" not in panel.sar._notes.object and " dB" in panel.sar._notes.object
    # What the page builds per viewer: no axes, grids or title, and no selection / hover / mute glyph copies.
    for view in (panel.optical, panel.sar, panel.landcover):
        models = view.figure.references()
        assert not [m for m in models if isinstance(m, Axis | Grid | Title)]
        glyphs = [m for m in models if type(m).__name__ in ("ImageURL", "Patches")]
        assert len(glyphs) == view.layers + 2  # the image layers and the box's halo and line


def test_optical_view__band_selects_built_when_a_custom_composite_is_first_chosen(demo_catalogs: list[Any]) -> None:
    from explorer import imagery
    from explorer.dashboard.image_views import ImagePanel

    state = ExplorerState(demo_catalogs)
    state.open_first("bigearthnet-demo")
    bands = next(c for c in ImagePanel(state).optical.controls() if "eo-bands" in c.css_classes)
    assert [type(o).__name__ for o in bands.objects] == ["Spacer"] and not bands.visible
    state.composite = imagery.CUSTOM
    assert [w.label for w in bands.objects] == ["R", "G", "B"] and bands.visible
    state.red = state.param.red.objects[-1]
    assert bands.objects[0].value == state.red  # the select follows the store (and back)


def test_compare__paper_export_draws_the_panels_on_screen_over_the_full_statistics(
    demo_catalogs: list[Any],
) -> None:
    from explorer.figures import INTERACTIVE_PANELS, STAT_PANELS

    dashboard, _ = perf.served_dashboard(demo_catalogs)
    dashboard.state.dataset = "bigearthnet-demo"
    dashboard.show_statistics()
    compare = dashboard.compare
    shown = {c.css_classes[0].removeprefix("eo-card-") for c in compare._static.objects}
    assert shown and shown <= set(STAT_PANELS) - set(INTERACTIVE_PANELS)  # the full-statistics panels
    tables = compare.paper_tables()
    assert set(tables["length_hist"]["dataset"]) == {"bigearthnet-demo"}  # the filtered panels, as on screen
    assert set(tables["comparison"]["dataset"]) == {c.name for c in demo_catalogs}
    compare.paper_format = "PDF"
    name, data = compare.export_paper()
    assert name == "comparison_paper.pdf" and data.startswith(b"%PDF")


def test_render_map__rasters_of_shared_matches_are_shared_by_sessions_and_a_sessions_own_are_not(
    demo_catalogs: list[Any], monkeypatch: Any
) -> None:
    monkeypatch.setattr(map_view, "RASTER_THRESHOLD", 10)
    monkeypatch.setattr(map_view, "_UNFILTERED_RASTERS", OrderedDict())
    view = (map_view.WORLD_X, map_view.WORLD_Y, 300, 150)

    def alpha(state: ExplorerState) -> np.ndarray:
        return map_view.render_map(state, *view).rgba[..., 3]

    first = alpha(ExplorerState(demo_catalogs))
    assert len(map_view._UNFILTERED_RASTERS) == 1
    other_session = ExplorerState(demo_catalogs)
    assert np.array_equal(alpha(other_session), first)
    fresh = query.rasterize_points(other_session.map_frame, *view, other_session.map_colors)
    assert np.array_equal(fresh[..., 3], first)
    other_session.dataset = "bigearthnet-demo"  # a filter: its matches are shared, so is its raster
    filtered = alpha(other_session)
    assert not np.array_equal(filtered, first)
    assert len(map_view._UNFILTERED_RASTERS) == 2
    third = ExplorerState(demo_catalogs)
    third.dataset = "bigearthnet-demo"
    assert third.matches is other_session.matches
    assert map_view.render_map(third, *view).rgba is map_view.render_map(other_session, *view).rgba
    own = ExplorerState(demo_catalogs)
    own.keep = {"bigearthnet-demo": np.arange(5)}  # a view's own list of samples: this session's alone
    alpha(own)
    assert len(map_view._UNFILTERED_RASTERS) == 2


def test_html_panes__new_content_keeps_the_stylesheets_the_page_was_built_with(
    demo_catalogs: list[Any], monkeypatch: Any
) -> None:
    # Panel re-sent each pane's stylesheets at its first new content (with one more, the theme's default.css):
    # model references, so Bokeh recomputed the whole document's model graph once per pane at the first filter.
    from bokeh.models import Markup
    from panel.io.document import hold
    from panel.io.state import set_curdoc

    dashboard, document = perf.served_dashboard(demo_catalogs)
    divs = [m for m in document.models if isinstance(m, Markup)]
    before = {m.id: (m.text, list(m.stylesheets)) for m in divs}
    recomputes = []
    recompute = type(document.models).recompute
    monkeypatch.setattr(
        type(document.models), "recompute", lambda self: (recomputes.append(1), recompute(self))[1]
    )
    with set_curdoc(document), hold(document):
        dashboard.state.split = "validation"
    changed = [m for m in divs if m.text != before[m.id][0]]
    assert any(f"{dashboard.state.count:,}" in m.text for m in changed)  # the count pane got its new text
    assert all(m.stylesheets == before[m.id][1] for m in changed)
    assert recomputes == []


def test_warm_map__loads_a_large_maps_compiled_shading_and_shades_the_view_every_new_page_opens_with(
    demo_catalogs: list[Any], monkeypatch: Any
) -> None:
    from explorer.dashboard import app, shade

    monkeypatch.setattr(map_view, "_UNFILTERED_RASTERS", OrderedDict())
    monkeypatch.setattr(shade, "_binning", None)  # as in a fresh server process, which defers loading it
    monkeypatch.setattr(shade, "_deferred", True)
    state = ExplorerState(demo_catalogs)
    app.warm_map(state)  # the demo is far below the compiled binning's threshold: nothing to pay for
    assert len(map_view._UNFILTERED_RASTERS) == 0
    assert not shade.compiled_loaded() and not shade._deferred  # a larger render would load it itself
    shade.defer_compiled()
    monkeypatch.setattr(shade, "COMPILED_FROM", 10)
    app.warm_map(state)
    assert shade.compiled_loaded() and not shade._deferred
    (warmed,) = map_view._UNFILTERED_RASTERS.values()
    # A served page's first view, shaded before the browser reports the map's size, is the warm-up's raster.
    monkeypatch.setattr(map_view, "RASTER_THRESHOLD", 10)
    page = map_view.MapView(state=ExplorerState(demo_catalogs))
    page._view = page._extent  # what a served page sets before its first tick
    page._draw_raster()
    assert len(map_view._UNFILTERED_RASTERS) == 1 and page.sources.raster.data["url"] == [png_data_url(warmed)]
    fresh = query.rasterize_points(
        state.map_frame, *map_view.data_extent(state.map_frame), map_view.DEFAULT_WIDTH, map_view.MAP_HEIGHT,
        state.map_colors,
    )  # fmt: skip
    assert np.array_equal(warmed, fresh) and np.count_nonzero(fresh[..., 3]) > 0


def test_map_views__sessions_showing_one_shared_filter_share_its_png_glyphs_and_legend_counts(
    demo_catalogs: list[Any], monkeypatch: Any
) -> None:
    """What every session derives alike from a shared frame or raster is derived once while it lives."""
    monkeypatch.setattr(map_view, "RASTER_THRESHOLD", 10)
    monkeypatch.setattr(map_view, "_UNFILTERED_RASTERS", OrderedDict())
    encoded: list[int] = []
    encode = map_view.png_data_url
    monkeypatch.setattr(map_view, "png_data_url", lambda rgba: encoded.append(1) or encode(rgba))
    views, encodes = [], []
    for _ in range(2):
        state = ExplorerState(demo_catalogs)
        view = map_view.MapView(state=state, tiles=False)
        view.set_size(300, 150)  # shaded for the figure's first view, then for the world
        view.set_view(map_view.WORLD_X, map_view.WORLD_Y)
        views.append(view)
        encodes.append(len(encoded))
    first, second = views
    assert encodes[0] > 0 and encodes[1] == encodes[0]  # the second session's rasters: no PNG encoded again
    assert first.sources.raster.data["url"] == second.sources.raster.data["url"]
    assert first.legend_html() == second.legend_html()
    for view in views:
        view.state.dataset = "bigearthnet-demo"  # a filter both sessions apply: shared matches, frame, raster
    assert len(encoded) == encodes[0] + 1
    assert first.sources.raster.data["url"] == second.sources.raster.data["url"]
    counts = first.state.map_frame["cat"].value_counts()
    assert all(f"({int(n):,})" in second.legend_html() for n in counts if n)
    monkeypatch.setattr(map_view, "RASTER_THRESHOLD", 10_000)
    for view in views:
        view.state.split = "train"  # few: glyphs, the same arrays for both sessions
    assert first.state.map_frame is second.state.map_frame
    assert len(first.sources.glyphs.data["x"]) == first.state.count > 0
    for column in ("x", "sample", "color"):
        assert first.sources.glyphs.data[column] is second.sources.glyphs.data[column]
    own = map_view.MapView(state=ExplorerState(demo_catalogs), tiles=False)
    own.state.keep = {"bigearthnet-demo": np.arange(5)}  # a session's own matches: its own glyphs
    assert len(own.sources.glyphs.data["x"]) == 5


def test_text_view__only_the_tab_shown_is_in_the_page_and_a_hidden_one_is_rendered_when_shown(
    demo_catalogs: list[Any],
) -> None:
    """Opening a sample renders and sends the tab shown only (each Next sent ~25-35 KB of hidden questions at
    full size); a tab shown later holds the open sample's text, not the one it last rendered."""
    import html

    dashboard, document = perf.served_dashboard(demo_catalogs)
    text, ben = dashboard.text, demo_catalogs[1]
    ids = ben.samples["sample_id"].tolist()

    def in_page(pane: Any) -> bool:  # the pane's models hold its text (Panel sends it escaped)
        texts = {model.text for model, _ in pane._models.values()}
        return texts == {html.escape(pane.object)}

    perf.sample_update(dashboard, document, ben.name, ids[1])
    records = dashboard.state.annotation_records()
    assert text._captions.object == captions_html(records)
    assert not text._questions._models  # hidden: not in the page...
    assert text._questions.object != questions_html(records)  # ...nor rendered
    with set_curdoc(document), hold(document):
        text._tabs.active = text.QUESTIONS
    assert text._questions.object == questions_html(records) and text._questions._models
    perf.sample_update(dashboard, document, ben.name, ids[2])  # the tab shown follows the sample, the others wait
    records = dashboard.state.annotation_records()
    assert text._questions.object == questions_html(records)
    assert text._captions.object != captions_html(records)
    with set_curdoc(document), hold(document):
        text._tabs.active = text.CAPTIONS
    assert text._captions.object == captions_html(records)
    assert in_page(text._captions)
    hidden = {model.text for model, _ in text._questions._models.values()}  # shown once, hidden again
    perf.sample_update(dashboard, document, ben.name, ids[3])
    assert {model.text for model, _ in text._questions._models.values()} == hidden  # nothing sent to it
    assert text._captions.object == captions_html(dashboard.state.annotation_records()) and in_page(text._captions)
