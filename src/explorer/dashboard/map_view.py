"""Global map of the matching samples: tiles (online) over the shipped world outline (offline), points or a
server-side raster (``shade``) above ``RASTER_THRESHOLD`` points; click opens the nearest sample, box-select
restricts the matches. Coloured by the store's categories (dataset, split, class), or by a per-sample number
the owning view supplies (``MapView.colour_values``: the Audit's dispute rate, the Evaluate view's score)."""

from __future__ import annotations

import html
import threading
import weakref
from collections import OrderedDict
from functools import lru_cache
from typing import Any

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (registers the bokeh backend, needed before .opts)
import numpy as np
import pandas as pd
import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool

from .. import world
from . import query
from .base import View
from .map_values import MapValues, rasterize_values, value_bins, value_legend_html
from .png import png_data_url
from .state import ExplorerState
from .style import bokeh_updates
from .style import html as html_pane

RASTER_THRESHOLD = 20_000
GLYPH_TOOLTIPS = [("dataset", "@dataset"), ("sample", "@sample"), ("", "@info")]
# "samples": how many matching samples the raster shows (a new filter is a new raster, even when its pixels
# happen to be the same: the page and the benchmarks see that the map is up to date).
EMPTY_RASTER: dict[str, list[Any]] = {k: [] for k in ("url", "x", "y", "dw", "dh", "samples")}
EMPTY_GLYPHS: dict[str, list[Any]] = {k: [] for k in ("x", "y", "color", "sample", "dataset", "info")}
CLICK_TOLERANCE_PX = 6
MAP_HEIGHT = 430
WORLD_X = (-20_037_508.34, 20_037_508.34)
WORLD_Y = (-8_500_000.0, 15_000_000.0)
SEA_COLOR = "#dbe7ef"
MARK_COLOR = "#e6007e"
HIGHLIGHT_COLOR = "#111111"  # samples picked in the statistics (stats_view)


@lru_cache(maxsize=1)
def _land_outline() -> dict[str, np.ndarray]:
    """Every country ring in Web Mercator as ONE NaN-separated geometry: one glyph, cheap ranges and updates."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for ring in world.outline_paths():
        x, y = query.to_web_mercator(ring[:, 0], ring[:, 1])
        xs += [x, np.array([np.nan])]
        ys += [y, np.array([np.nan])]
    return {"x": np.concatenate(xs[:-1]), "y": np.concatenate(ys[:-1])}


def world_outline() -> hv.Polygons:
    """The offline basemap: land filled lightly so that online tiles still show through."""
    return hv.Polygons([_land_outline()], kdims=["x", "y"]).opts(
        fill_color="#f4f1ea", fill_alpha=0.55, line_color="#9a9a9a", line_width=0.6, tools=[]
    )


def data_extent(frame: pd.DataFrame | None) -> tuple[tuple[float, float], tuple[float, float]]:
    """A view around the points (padded, never smaller than a region), or the world."""
    if frame is None or frame.empty:
        return WORLD_X, WORLD_Y
    x0, x1 = float(frame["x"].min()), float(frame["x"].max())
    y0, y1 = float(frame["y"].min()), float(frame["y"].max())
    pad = max(x1 - x0, y1 - y0, 2_000_000.0) * 0.1
    return (max(x0 - pad, WORLD_X[0]), min(x1 + pad, WORLD_X[1])), (
        max(y0 - pad, WORLD_Y[0]),
        min(y1 + pad, WORLD_Y[1]),
    )


def render_map(
    state: ExplorerState,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    width: int = 900,
    height: int = MAP_HEIGHT,
    draw: bool = True,
    values: MapValues | None = None,
) -> hv.Overlay:
    """The matching samples for a view: a shaded raster (many points) or glyphs (few), as HoloViews elements
    (the same elements, empty, when not ``draw``); coloured by ``values`` when given, else by category.

    Also what the benchmark times: no browser needed.
    """
    frame = state.map_frame if draw else None
    if x_range is None or y_range is None:
        x_range, y_range = data_extent(frame)
    x_range = (float(x_range[0]), float(x_range[1]))
    y_range = (float(y_range[0]), float(y_range[1]))
    empty_points = hv.Points(
        pd.DataFrame({"x": [], "y": [], "cat": [], "sample": []}), ["x", "y"], ["cat", "sample"]
    )
    bounds = (x_range[0], y_range[0], x_range[1], y_range[1])
    if frame is None or len(frame) <= RASTER_THRESHOLD:
        raster = hv.RGB(np.zeros((2, 2, 4), np.uint8), bounds=bounds)
        points = (
            _glyph_points(state, frame, values) if frame is not None and len(frame) else empty_points
        )
    else:
        raster = hv.RGB(raster_rgba(state, x_range, y_range, width, height, values), bounds=bounds)
        points = empty_points
    return raster.opts(tools=["tap", "box_select"]) * points


# Rasters of views of ALL samples (no filter), shared by the sessions of a server: every new page starts with the
# unfiltered world view, which at ~10 M samples costs ~0.3-0.5 s of CPU to shade. ~2 MB each (RGBA). One lock
# guards the dict (sessions and the warm-up thread); the shading itself runs outside it.
UNFILTERED_RASTERS_KEPT = 8
_UNFILTERED_RASTERS: OrderedDict[tuple[Any, ...], np.ndarray] = OrderedDict()
_UNFILTERED_LOCK = threading.Lock()


def raster_rgba(
    state: ExplorerState,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    width: int,
    height: int,
    values: MapValues | None = None,
) -> np.ndarray:
    """The matching samples inside the view shaded into a (height, width, 4) uint8 image, first row at the top."""
    frame = state.map_frame
    assert frame is not None  # callers shade only when there are matches
    if values is None:  # the shading skips points outside the view itself: no filtered copy of ~10 M rows
        key = _unfiltered_key(state, frame, x_range, y_range, width, height)
        if key is not None:
            with _UNFILTERED_LOCK:
                rgba = _UNFILTERED_RASTERS.get(key)
                if rgba is not None:
                    _UNFILTERED_RASTERS.move_to_end(key)
                    return rgba
        rgba = query.rasterize_points(frame, x_range, y_range, width, height, state.map_colors)
        if key is not None:
            with _UNFILTERED_LOCK:
                _UNFILTERED_RASTERS[key] = rgba
                while len(_UNFILTERED_RASTERS) > UNFILTERED_RASTERS_KEPT:
                    _UNFILTERED_RASTERS.popitem(last=False)
        return rgba
    visible = frame[
        (frame["x"] >= x_range[0])
        & (frame["x"] <= x_range[1])
        & (frame["y"] >= y_range[0])
        & (frame["y"] <= y_range[1])
    ]
    shown = values.at(state.matches, visible["pos"].to_numpy())
    return rasterize_values(visible, shown, x_range, y_range, width, height, values.low, values.high)


def _unfiltered_key(
    state: ExplorerState,
    frame: pd.DataFrame,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    width: int,
    height: int,
) -> tuple[Any, ...] | None:
    """What an unfiltered raster depends on, or None when the matches are not every sample of the catalogs."""
    matches = state.matches
    if matches is None or matches.count != sum(ix.size for ix in state.indexes):
        return None
    catalogs = tuple((ix.name, ix.size, str(ix.catalog.path)) for ix in state.indexes)
    colours = tuple(sorted(state.map_colors.items()))
    return (catalogs, state.color_by, state.color_class, colours, len(frame), x_range, y_range, width, height)


def glyph_frame(
    state: ExplorerState, frame: pd.DataFrame, values: MapValues | None = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """One row per matching sample drawn as a glyph (x, y, cat, sample, dataset, info) and the colour of each
    ``cat``: by category, or by ``values`` binned into the colour map."""
    matches = state.matches
    pos = frame["pos"].to_numpy()
    names = np.asarray(matches.datasets, dtype=object)[matches.dataset_code[pos]]
    ids = np.empty(len(pos), dtype=object)
    for code, ix in enumerate(state.indexes):
        rows = np.flatnonzero(matches.dataset_code[pos] == code)
        ids[rows] = ix.sample_ids[matches.sidx[pos[rows]]]
    cats = frame["cat"].astype(str).to_numpy()
    colors = state.map_colors
    info = cats
    if values is not None:
        # The same categorical colouring as the categories (one Bokeh colour mapper whatever the map shows, so a
        # plot can switch between them), on the value binned into VALUE_BINS colours of the colour map.
        shown = values.at(matches, pos)
        cats, colors = value_bins(shown, values.low, values.high)
        info = np.array([f"{values.label}: {v:.3g}" if v == v else "no value" for v in shown], dtype=object)
    data = pd.DataFrame(
        {
            "x": frame["x"].to_numpy(),
            "y": frame["y"].to_numpy(),
            "cat": cats,
            "sample": ids,
            "dataset": names,
            "info": info,
        }
    )
    return data, colors


def _glyph_points(state: ExplorerState, frame: pd.DataFrame, values: MapValues | None = None) -> hv.Points:
    data, colors = glyph_frame(state, frame, values)
    return hv.Points(data, ["x", "y"], ["cat", "sample", "dataset", "info"]).opts(
        color="cat",
        cmap=colors,
        size=6,
        line_color="white",
        line_width=0.5,
        show_legend=False,
        hover_tooltips=GLYPH_TOOLTIPS,
        tools=["hover"],
        nonselection_alpha=1.0,
        selection_alpha=1.0,
    )


def highlight_points(state: ExplorerState) -> tuple[np.ndarray, np.ndarray]:
    """Web-Mercator positions (finite only) of the highlighted samples."""
    xs, ys = [np.zeros(0)], [np.zeros(0)]
    for ix in state.indexes:
        sidx = (state.highlight or {}).get(ix.name)
        if sidx is not None and len(sidx):
            xs.append(ix.x[sidx])
            ys.append(ix.y[sidx])
    x, y = np.concatenate(xs), np.concatenate(ys)
    finite = np.isfinite(x) & np.isfinite(y)
    return x[finite], y[finite]


def highlight_raster(
    state: ExplorerState,
    x_range: tuple[float, float] | None,
    y_range: tuple[float, float] | None,
    width: int = 900,
    height: int = MAP_HEIGHT,
) -> hv.RGB:
    """Many highlighted samples as pixels in the highlight colour (a transparent image when they are few: then
    MapView outlines them as glyphs)."""
    if x_range is None or y_range is None:
        x_range, y_range = data_extent(state.map_frame)
    bounds = (float(x_range[0]), float(y_range[0]), float(x_range[1]), float(y_range[1]))
    x, y = highlight_points(state)
    if len(x) <= RASTER_THRESHOLD:
        return hv.RGB(np.zeros((2, 2, 4), np.uint8), bounds=bounds)
    width, height = max(int(width), 2), max(int(height), 2)
    counts, _, _ = np.histogram2d(
        y, x, bins=(height, width), range=((bounds[1], bounds[3]), (bounds[0], bounds[2]))
    )
    hit = counts > 0
    hit[1:, :] |= hit[:-1, :].copy()  # one pixel of spread keeps isolated samples visible
    hit[:, 1:] |= hit[:, :-1].copy()
    rgba = np.zeros((height, width, 4), np.uint8)
    rgba[..., :3] = [int(HIGHLIGHT_COLOR[i : i + 2], 16) for i in (1, 3, 5)]
    rgba[..., 3] = np.where(hit, 200, 0)
    return hv.RGB(np.ascontiguousarray(rgba[::-1]), bounds=bounds)


def _is_basemap(renderer: Any) -> bool:
    """The tiles and the land outline, which the raster is drawn over."""
    from bokeh.models import MultiPolygons, Patches
    from bokeh.models.renderers import TileRenderer

    glyph = getattr(renderer, "glyph", None)
    return isinstance(renderer, TileRenderer) or isinstance(glyph, (Patches, MultiPolygons))


def _weak_hook(method: Any) -> Any:
    """A plot hook calling ``method`` while its object lives, without keeping the object alive.

    HoloViews keeps the options it looks up (hooks included) in a process-wide cache (``Store._lookup_cache``):
    a bound method there held every closed session's map, state and dashboard for the server's lifetime.
    """
    ref = weakref.WeakMethod(method)

    def hook(plot: Any, element: Any) -> None:
        bound = ref()
        if bound is not None:
            bound(plot, element)

    return hook


class MapView(View):
    """The global map and its colouring controls."""

    tiles = param.Boolean(default=True, doc="Draw web map tiles (they load in the browser when online)")
    colour_values = param.ClassSelector(
        class_=MapValues, default=None, allow_None=True,
        doc="A per-sample number supplied by the view showing this map (none: colour by category)",
    )  # fmt: skip
    by_value = param.Boolean(default=True, label="Colour by value", doc="Colour by ``colour_values`` when given")

    def __init__(self, state: ExplorerState, **params: Any) -> None:
        super().__init__(state=state, **params)
        self._extent = data_extent(state.map_frame)  # the first view (and the reset tool's)
        # The matching samples are drawn in plain Bokeh glyphs added by the hook below and updated in place:
        # many as a raster image (shaded again for a filter, a zoom or a resize), few as circles with hover.
        # Re-rendering a HoloViews overlay instead cost ~0.35 s CPU per filter (HoloViews walks the whole plot's
        # models), far more than shading the raster (~0.05 s at full size). The HoloViews layer is an empty
        # element that only carries the tap and box-select tools and the view/size streams.
        self._raster_source = ColumnDataSource(dict(EMPTY_RASTER))
        self._glyph_source = ColumnDataSource(dict(EMPTY_GLYPHS))
        self._raster_scheduled = False  # a shading is queued for the session's next tick
        state.param.watch(self._on_data, ["map_frame", "map_colors"])
        self.param.watch(self._on_data, ["colour_values", "by_value"])
        # The view and size streams are linked to the plot through their source, like the tools', and are NOT
        # the DynamicMaps' streams: the plot feeds them all the same, but their events re-render no HoloViews
        # layer. (As DynamicMap streams, HoloViews' first-view trigger re-rendered the whole overlay once more
        # while building every page, ~0.3 s CPU, and every zoom re-rendered it.) The raster and the highlight
        # layer follow them here.
        self._points = hv.DynamicMap(self._render)
        self._range = hv.streams.RangeXY(source=self._points)
        self._size = hv.streams.PlotSize(source=self._points)
        self._range.add_subscriber(self._on_view)
        self._size.add_subscriber(self._on_view)
        self._tap = hv.streams.Tap(source=self._points, x=None, y=None)
        self._tap.add_subscriber(self._on_tap)
        self._box = hv.streams.BoundsXY(source=self._points, bounds=None)
        self._box.add_subscriber(self._on_box)
        # The open sample and the box are plain Bokeh glyphs added by a hook, updated in place: moving the
        # marker must not re-render the HoloViews overlay (that alone costs ~200 ms).
        self._marker_source = ColumnDataSource({"x": [], "y": []})
        self._bounds_source = ColumnDataSource({"left": [], "right": [], "bottom": [], "top": []})
        state.param.watch(self._update_marks, ["sample", "bounds"])
        self._update_marks()
        # Highlighted samples (picked in the statistics): outlined glyphs in place when few, else a raster layer
        # of its own (re-rendered alone through its counter stream).
        self._highlight_source = ColumnDataSource({"x": [], "y": []})
        self._highlight_version = hv.streams.Counter()
        self._highlight_layer = hv.DynamicMap(self._render_highlight, streams=[self._highlight_version])
        self._highlight_raster = False
        state.param.watch(self._update_highlight, "highlight")
        self._update_highlight()
        self._draw_glyphs()
        x_range, y_range = self._extent
        base = world_outline()
        if self.tiles:
            base = hv.element.tiles.CartoLight().opts(alpha=0.9) * base
        self._overlay = (base * self._points * self._highlight_layer).opts(
            responsive=True,
            height=MAP_HEIGHT,
            xlim=x_range,
            ylim=y_range,
            xaxis=None,
            yaxis=None,
            bgcolor=SEA_COLOR,
            active_tools=["wheel_zoom", "pan"],
            default_tools=["pan", "wheel_zoom", "reset"],
            toolbar="above",
            hooks=[_weak_hook(self._add_marks)],
        )
        self._pane = pn.pane.HoloViews(self._overlay, sizing_mode="stretch_width", min_height=MAP_HEIGHT)

    # --- rendering ------------------------------------------------------------------------------------------
    def _render(self, **_: Any) -> hv.RGB:
        """The HoloViews layer: one empty element (the samples are in ``_raster_source`` / ``_glyph_source``),
        carrying the tap and box-select tools. One element, not an overlay: the streams with this layer as
        their source are then linked to the plot (and one glyph fewer is built per page)."""
        (x0, x1), (y0, y1) = self._extent
        empty = hv.RGB(np.zeros((2, 2, 4), np.uint8), bounds=(x0, y0, x1, y1))
        return empty.opts(tools=["tap", "box_select"])

    def _on_data(self, *_: Any) -> None:
        """New matches or colours: redraw the glyphs and the raster in place. In a server session the raster
        is shaded on the next tick, so that the filter's other updates (the count first) go out before it
        instead of waiting ~0.1 s for the shading and its PNG."""
        self._draw_glyphs()
        self._draw_raster_soon()

    def _draw_raster_soon(self) -> None:
        """Shade on the next tick of a server session (once, however many changes come before it), else now."""
        doc = pn.state.curdoc
        if doc is None or doc.session_context is None:
            self._draw_raster()
            return
        if self._raster_scheduled:
            return
        self._raster_scheduled = True

        def draw() -> None:
            self._raster_scheduled = False
            self._draw_raster()

        doc.add_next_tick_callback(draw)

    def _draw_glyphs(self) -> None:
        """Few matching samples: one circle each, coloured as the raster would colour them (none when many)."""
        frame = self.state.map_frame
        data: dict[str, Any] = dict(EMPTY_GLYPHS)
        if frame is not None and 0 < len(frame) <= RASTER_THRESHOLD:
            glyphs, colors = glyph_frame(self.state, frame, self.colouring)
            color = pd.Series(glyphs["cat"].astype(str)).map(colors).fillna("#7f7f7f")
            data = {c: glyphs[c].to_numpy() for c in ("x", "y", "sample", "dataset", "info")}
            data["color"] = color.to_numpy(dtype=object)
        if not len(data["x"]) and not len(self._glyph_source.data["x"]):
            return  # empty stays empty: nothing to send
        with bokeh_updates():
            self._glyph_source.data = data

    def _on_view(self, **_: Any) -> None:
        """A zoom, pan or resize. HoloViews calls this from its stream callback, where Bokeh's document lock is
        not held (changing a data source there raises and stalls the session): in a server session the raster
        is redrawn on the next tick, under the lock."""
        self._draw_raster_soon()
        if self._highlight_raster:  # the highlight layer follows the view when it is a raster too
            doc = pn.state.curdoc
            if doc is not None and doc.session_context is not None:
                doc.add_next_tick_callback(self._highlight_version.event)
            else:
                self._highlight_version.event()

    def _draw_raster(self) -> None:
        """Shade the matching samples for the current view into the raster glyph (empty when glyphs show them).

        Until the figure reports its view (the plot does as soon as it is created) nothing is shaded."""
        frame = self.state.map_frame
        x_range, y_range = self._range.x_range, self._range.y_range
        width, height = self._size.width or 900, self._size.height or MAP_HEIGHT
        data: dict[str, Any] = dict(EMPTY_RASTER)
        if (
            frame is not None and len(frame) > RASTER_THRESHOLD
            and x_range is not None and y_range is not None and width and height
        ):  # fmt: skip
            x0, x1 = float(x_range[0]), float(x_range[1])
            y0, y1 = float(y_range[0]), float(y_range[1])
            rgba = raster_rgba(self.state, (x0, x1), (y0, y1), int(width), int(height), self.colouring)
            # A PNG (~20-150 KiB) rather than raw RGBA (2 MiB at 1200 x 430): the image is mostly transparent.
            data = {
                "url": [png_data_url(rgba)], "x": [x0], "y": [y0], "dw": [x1 - x0], "dh": [y1 - y0],
                "samples": [len(frame)],
            }  # fmt: skip
        if not data["url"] and not self._raster_source.data["url"]:
            return  # empty stays empty: nothing to send
        with bokeh_updates():
            self._raster_source.data = data

    @property
    def colouring(self) -> MapValues | None:
        """The per-sample values the map is coloured by now (None: the store's categories)."""
        return self.colour_values if self.by_value else None

    def _add_marks(self, plot: Any, element: Any) -> None:
        fig = plot.state
        if "eo-marks" in fig.tags:
            return
        fig.tags = [*fig.tags, "eo-marks"]
        raster = fig.image_url(
            url="url", x="x", y="y", w="dw", h="dh", anchor="bottom_left", source=self._raster_source,
            name="eo-raster",
        )  # fmt: skip
        glyphs = fig.scatter(
            "x", "y", source=self._glyph_source, marker="circle", size=6, fill_color="color",
            line_color="white", line_width=0.5, name="eo-glyphs",
            nonselection_fill_alpha=1.0, nonselection_line_alpha=1.0, selection_fill_alpha=1.0,
        )  # fmt: skip
        fig.add_tools(HoverTool(renderers=[glyphs], tooltips=GLYPH_TOOLTIPS))
        # Drawn over the basemap (tiles, land outline) and under the other layers (highlights, marks).
        ours = (raster, glyphs)
        base = [r for r in fig.renderers if _is_basemap(r)]
        rest = [r for r in fig.renderers if all(r is not o for o in ours) and not _is_basemap(r)]
        fig.renderers = [*base, *ours, *rest]
        fig.quad(
            left="left",
            right="right",
            bottom="bottom",
            top="top",
            source=self._bounds_source,
            fill_alpha=0.05,
            fill_color=MARK_COLOR,
            line_color=MARK_COLOR,
            line_dash="dashed",
            line_width=1.5,
        )
        fig.scatter(
            "x",
            "y",
            source=self._highlight_source,
            marker="circle",
            size=11,
            fill_alpha=0.0,
            line_color=HIGHLIGHT_COLOR,
            line_width=2,
        )
        fig.scatter(
            "x",
            "y",
            source=self._marker_source,
            marker="circle",
            size=18,
            fill_alpha=0.0,
            line_color=MARK_COLOR,
            line_width=3,
        )

    def _update_marks(self, *_: Any) -> None:
        """Move the open-sample ring and the box outline (plain Bokeh sources: inside ``bokeh_updates``)."""
        sample = self.state.sample
        xs: list[float] = []
        ys: list[float] = []
        if sample:
            x, y = query.to_web_mercator(
                np.array([sample.get("lon")], float), np.array([sample.get("lat")], float)
            )
            if np.isfinite(x[0]) and np.isfinite(y[0]):
                xs, ys = [float(x[0])], [float(y[0])]
        b = self.state.bounds
        box: dict[str, Any] = {"left": [], "right": [], "bottom": [], "top": []}
        if b:
            box = {
                "left": [min(b[0], b[2])],
                "right": [max(b[0], b[2])],
                "bottom": [min(b[1], b[3])],
                "top": [max(b[1], b[3])],
            }
        with bokeh_updates():
            self._marker_source.data = {"x": xs, "y": ys}
            self._bounds_source.data = box

    def _render_highlight(self, **_: Any) -> hv.RGB:
        width, height = self._size.width, self._size.height
        x_range, y_range = self._range.x_range, self._range.y_range
        return highlight_raster(self.state, x_range, y_range, width or 900, height or MAP_HEIGHT)

    def _update_highlight(self, *_: Any) -> None:
        """Few highlighted samples: outlined glyphs, updated in place; many: their raster layer re-renders."""
        x, y = highlight_points(self.state)
        raster = len(x) > RASTER_THRESHOLD
        with bokeh_updates():
            self._highlight_source.data = {"x": x[:0] if raster else x, "y": y[:0] if raster else y}
        if raster or self._highlight_raster:
            self._highlight_version.event()
        self._highlight_raster = raster

    # --- interaction ----------------------------------------------------------------------------------------
    def tolerance(self) -> float:
        """Metres corresponding to a few screen pixels at the current zoom."""
        x_range = self._range.x_range
        width = self._size.width
        if x_range is None or not width:
            x_range, _ = data_extent(self.state.map_frame)
            width = 900
        return abs(x_range[1] - x_range[0]) / float(width) * CLICK_TOLERANCE_PX

    def click(self, x: float, y: float) -> bool:
        """Open the matching sample nearest to a click; True when one was close enough."""
        position = query.nearest(self.state.matches, x, y, self.tolerance())
        if position is None:
            return False
        self.state.open_match(position)
        return True

    def _on_tap(self, x: float | None = None, y: float | None = None, **_: Any) -> None:
        if x is not None and y is not None:
            self.click(float(x), float(y))

    def _on_box(self, bounds: tuple[float, float, float, float] | None = None, **_: Any) -> None:
        if bounds is not None:
            self.state.bounds = tuple(float(v) for v in bounds)

    # --- layout ---------------------------------------------------------------------------------------------
    def legend_html(self, *_: Any) -> str:
        frame = self.state.map_frame
        mode = "raster" if frame is not None and len(frame) > RASTER_THRESHOLD else "points"
        values = self.colouring
        if values is not None:
            positions = frame["pos"].to_numpy() if frame is not None else np.zeros(0, np.int64)
            return value_legend_html(values, values.at(self.state.matches, positions), mode)
        counts = frame["cat"].value_counts() if frame is not None else pd.Series(dtype=int)
        items = []
        for cat, color in self.state.map_colors.items():
            n = int(counts.get(cat, 0))
            if n:
                items.append(
                    f'<span class="eo-legend-item"><span class="eo-dot" style="background:{html.escape(color)}"></span>'
                    f"{html.escape(str(cat))} ({n:,})</span>"
                )
        return (
            '<div class="eo-map-legend">' + " ".join(items) + f' <span class="eo-muted">· {mode}</span></div>'
        )

    def __panel__(self) -> pn.viewable.Viewable:
        color_by = pn.widgets.RadioButtonGroup.from_param(
            self.state.param.color_by, label="", color="light", variant="outline", width=240
        )
        color_class = pn.widgets.Select.from_param(
            self.state.param.color_class,
            label="",
            width=260,
            visible=self.state.param.color_by.rx() == query.COLOR_BY_CLASS,
        )
        by_value = pn.widgets.Checkbox.from_param(
            self.param.by_value,
            name=self.param.colour_values.rx().rx.pipe(lambda v: f"Colour by {v.label}" if v else ""),
            visible=self.param.colour_values.rx.is_not(None),
            margin=(14, 10),
            css_classes=["eo-by-value"],
        )
        controls = pn.Row(html_pane("<b>Colour by</b>", margin=(12, 5)), by_value, color_by, color_class)
        legend = html_pane(
            pn.bind(
                self.legend_html,
                self.state.param.map_frame,
                self.state.param.map_colors,
                self.param.colour_values,
                self.param.by_value,
            ),
            sizing_mode="stretch_width",
            margin=(0, 10),
        )
        return pn.Column(controls, self._pane, legend, sizing_mode="stretch_width")
