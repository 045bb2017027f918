"""Global map of the matching samples: tiles (online) over the shipped world outline (offline), points or a
server-side raster (``shade``) above ``RASTER_THRESHOLD`` points; click opens the nearest sample, box-select
restricts the matches. Coloured by the store's categories (dataset, split, class), or by a per-sample number
the owning view supplies (``MapView.colour_values``: the Audit's dispute rate, the Evaluate view's score).
The figure itself is plain Bokeh (``map_figure``); this module decides what its layers show."""

from __future__ import annotations

import html
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd
import panel as pn
import param
from bokeh.document import Document
from bokeh.events import RangesUpdate, SelectionGeometry, Tap

from . import query
from .base import View
from .map_figure import (
    EMPTY_GLYPHS,
    EMPTY_IMAGE,
    HIGHLIGHT_COLOR,
    MAP_HEIGHT,
    WORLD_X,
    WORLD_Y,
    MapSources,
    map_figure,
)
from .map_values import MapValues, rasterize_values, value_bins, value_legend_html
from .png import png_data_url
from .state import ExplorerState
from .style import Select, bokeh_updates
from .style import html as html_pane

__all__ = ["MAP_HEIGHT", "WORLD_X", "WORLD_Y", "MapLayers", "MapView", "data_extent", "render_map"]

T = TypeVar("T")
RASTER_THRESHOLD = 20_000
CLICK_TOLERANCE_PX = 6
DEFAULT_WIDTH = 900  # the raster's width until the page reports the figure's


Extent = tuple[tuple[float, float], tuple[float, float]]

# Frames many pages draw (the shared unfiltered one: 3.8 M rows at ~10 M samples) and rasters many sessions show are
# never changed in place (a filter or a colouring makes a new one), so what every page or session derives from them
# alike is derived once while they live (``derived``): 20 sessions applying one filter encode its raster's PNG,
# count its legend (~12 ms) and build its glyphs once instead of 20 times; every page measures the shared frame's
# extent (~25 ms of min/max, twice per page) once.
EXTENT_MEMO_FROM = 100_000  # smaller frames are measured every time: they cost nothing
_DERIVED: dict[tuple[int, str], tuple[weakref.ref[Any], Any]] = {}
_DERIVED_LOCK = threading.Lock()


def derived(obj: Any, what: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per live ``obj`` and ``what``; ``obj`` must never change (its result is reused as is)."""
    key = (id(obj), what)
    with _DERIVED_LOCK:
        known = _DERIVED.get(key)
    if known is not None and known[0]() is obj:
        return cast(T, known[1])
    value = compute()

    def forget(_: Any) -> None:
        with _DERIVED_LOCK:
            entry = _DERIVED.get(key)
            if entry is not None and entry[0]() is None:
                del _DERIVED[key]

    with _DERIVED_LOCK:
        _DERIVED[key] = (weakref.ref(obj, forget), value)
    return value


def data_extent(frame: pd.DataFrame | None) -> Extent:
    """A view around the points (padded, never smaller than a region), or the world."""
    if frame is None or frame.empty:
        return WORLD_X, WORLD_Y
    if len(frame) < EXTENT_MEMO_FROM:
        return _padded_extent(frame)
    return derived(frame, "extent", lambda: _padded_extent(frame))


def category_counts(frame: pd.DataFrame | None) -> pd.Series:
    """Points per colour category of a map frame (the legend's numbers; read-only: shared while the frame lives)."""
    if frame is None:
        return pd.Series(dtype=int)
    return derived(frame, "cat-counts", lambda: frame["cat"].value_counts())


def _padded_extent(frame: pd.DataFrame) -> Extent:
    x0, x1 = float(frame["x"].min()), float(frame["x"].max())
    y0, y1 = float(frame["y"].min()), float(frame["y"].max())
    pad = max(x1 - x0, y1 - y0, 2_000_000.0) * 0.1
    return (max(x0 - pad, WORLD_X[0]), min(x1 + pad, WORLD_X[1])), (
        max(y0 - pad, WORLD_Y[0]),
        min(y1 + pad, WORLD_Y[1]),
    )


@dataclass
class MapLayers:
    """The matching samples for one view, as the map draws them: a raster (top row first; 2 x 2 transparent
    when the samples are few) or one glyph row per sample (empty when many), with the colour of each ``cat``."""

    rgba: np.ndarray
    glyphs: pd.DataFrame
    colors: dict[str, str]
    bounds: tuple[float, float, float, float]  # left, bottom, right, top


def render_map(
    state: ExplorerState,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    width: int = 900,
    height: int = MAP_HEIGHT,
    draw: bool = True,
    values: MapValues | None = None,
) -> MapLayers:
    """The matching samples for a view: a shaded raster (many points) or glyphs (few), (empty when not
    ``draw``); coloured by ``values`` when given, else by category.

    Also what the benchmark times: no browser needed.
    """
    frame = state.map_frame if draw else None
    if x_range is None or y_range is None:
        x_range, y_range = data_extent(frame)
    x_range = (float(x_range[0]), float(x_range[1]))
    y_range = (float(y_range[0]), float(y_range[1]))
    bounds = (x_range[0], y_range[0], x_range[1], y_range[1])
    empty = np.zeros((2, 2, 4), np.uint8)
    no_glyphs = pd.DataFrame({k: [] for k in ("x", "y", "cat", "sample", "dataset", "info")})
    if frame is None or not len(frame):
        return MapLayers(empty, no_glyphs, dict(state.map_colors), bounds)
    if len(frame) <= RASTER_THRESHOLD:
        glyphs, colors = glyph_frame(state, frame, values)
        return MapLayers(empty, glyphs, colors, bounds)
    rgba = raster_rgba(state, x_range, y_range, width, height, values)
    return MapLayers(rgba, no_glyphs, dict(state.map_colors), bounds)


# Rasters of views of shared matches (``query.match``: no filter, or a filter other sessions apply too), shared by
# the sessions of a server: every new page starts with the unfiltered world view, which at ~10 M samples costs
# ~0.3-0.5 s of CPU to shade, and 20 sessions applying the same filter shade it once. ~2 MB each (RGBA). One lock
# guards the dict (sessions and the warm-up thread); the shading itself runs outside it.
UNFILTERED_RASTERS_KEPT = 16
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
    """What a raster of shared matches depends on, or None when the matches are this session's own."""
    matches = state.matches
    if matches is None or matches.key is None:
        return None
    catalogs = tuple((ix.name, ix.size, str(ix.catalog.path)) for ix in state.indexes)
    colours = tuple(sorted(state.map_colors.items()))
    return (
        catalogs, matches.key, state.color_by, state.color_class, colours, len(frame), x_range, y_range, width,
        height,
    )  # fmt: skip


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
        ids[rows] = ix.ids_at(matches.sidx[pos[rows]])
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
    width: int = DEFAULT_WIDTH,
    height: int = MAP_HEIGHT,
) -> np.ndarray:
    """Many highlighted samples as pixels in the highlight colour, a (height, width, 4) image, top row first (a
    transparent 2 x 2 image when they are few: then MapView outlines them as glyphs)."""
    if x_range is None or y_range is None:
        x_range, y_range = data_extent(state.map_frame)
    bounds = (float(x_range[0]), float(y_range[0]), float(x_range[1]), float(y_range[1]))
    x, y = highlight_points(state)
    if len(x) <= RASTER_THRESHOLD:
        return np.zeros((2, 2, 4), np.uint8)
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
    return np.ascontiguousarray(rgba[::-1])


class MapView(View):
    """The global map and its colouring controls."""

    tiles = param.Boolean(default=True, doc="Draw web map tiles (they load in the browser when online)")
    colour_values = param.ClassSelector(
        class_=MapValues, default=None, allow_None=True,
        doc="A per-sample number supplied by the view showing this map (none: colour by category)",
    )  # fmt: skip
    by_value = param.Boolean(
        default=True, label="Colour by value", doc="Colour by ``colour_values`` when given"
    )

    def __init__(self, state: ExplorerState, **params: Any) -> None:
        super().__init__(state=state, **params)
        self._extent = data_extent(state.map_frame)  # the first view (and the reset tool's)
        # Every layer is a data source changed in place: many matching samples as a raster image (shaded again
        # for a filter, a zoom or a resize), few as circles with hover; the highlighted samples likewise.
        self.sources = MapSources()
        self.figure = map_figure(self.sources, *self._extent, tiles=self.tiles)
        # The view and the plot size the browser reports (None until it does: nothing is shaded before, except
        # the first view of a served page, see below).
        self._view: tuple[tuple[float, float], tuple[float, float]] | None = None
        self._width: int | None = None
        self._height: int | None = None
        self._raster_scheduled = False  # a shading is queued for the session's next tick
        self._highlight_raster = False  # the highlighted samples are many: a raster that follows the view
        self.figure.on_event(RangesUpdate, self._on_ranges)  # the end of a pan, a zoom, a reset
        self.figure.on_change("inner_width", self._on_size)
        self.figure.on_change("inner_height", self._on_size)
        self.figure.on_event(Tap, self._on_tap)
        self.figure.on_event(SelectionGeometry, self._on_selection)
        state.param.watch(self._on_data, ["map_frame", "map_colors"])
        self.param.watch(self._on_data, ["colour_values", "by_value"])
        state.param.watch(self._update_marks, ["sample", "bounds"])
        state.param.watch(self._update_highlight, "highlight")
        self._update_marks()
        self._update_highlight()
        self._draw_glyphs()
        self._pane = pn.pane.Bokeh(self.figure, sizing_mode="stretch_width", min_height=MAP_HEIGHT)
        doc = pn.state.curdoc
        if doc is not None and doc.session_context is not None:
            # A served page: its first view is known, shade it on the first tick (beside the page's sending)
            # rather than only once the browser has laid the figure out; a reported size then reshades it.
            self._view = self._extent
            self._draw_raster_soon()

    # --- what the browser reports -------------------------------------------------------------------------
    def set_view(self, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        """The figure shows this view now: reshade the raster layers for it."""
        self._view = ((float(x_range[0]), float(x_range[1])), (float(y_range[0]), float(y_range[1])))
        self._on_view()

    def set_size(self, width: int, height: int) -> None:
        """The figure's plotting area is this many pixels now: reshade at that size."""
        if width <= 0 or height <= 0:  # one side reported so far: kept, nothing shaded yet
            self._width, self._height = (int(width) or self._width), (int(height) or self._height)
            return
        if (width, height) == (self._width, self._height):
            return
        self._width, self._height = int(width), int(height)
        if self._view is None:
            self._view = self.view_ranges()
        self._on_view()

    def view_ranges(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The figure's current view (its ranges as last synchronised with the browser)."""
        x, y = self.figure.x_range, self.figure.y_range
        return (float(x.start), float(x.end)), (float(y.start), float(y.end))

    def _on_ranges(self, event: RangesUpdate) -> None:
        x0, x1, y0, y1 = event.x0, event.x1, event.y0, event.y1
        if x0 is not None and x1 is not None and y0 is not None and y1 is not None:
            self.set_view((x0, x1), (y0, y1))

    def _on_size(self, attr: str, old: Any, new: Any) -> None:
        """One of the plotting area's sides (Bokeh reports width and height as two changes)."""
        width = int(new) if attr == "inner_width" else self._width
        height = int(new) if attr == "inner_height" else self._height
        self.set_size(width or 0, height or 0)

    def _on_view(self) -> None:
        """A zoom, pan or resize: the raster layers are redrawn (on the next tick in a server session: a
        resize reports its width and its height one after the other, one shading follows them both)."""
        self._draw_raster_soon()

    # --- rendering ------------------------------------------------------------------------------------------
    def _document(self) -> Document | None:
        return self.figure.document or pn.state.curdoc

    def _on_data(self, *_: Any) -> None:
        """New matches or colours: redraw the glyphs and the raster in place. In a server session the raster
        is shaded on the next tick, so that the filter's other updates (the count first) go out before it
        instead of waiting ~0.1 s for the shading and its PNG."""
        self._draw_glyphs()
        self._draw_raster_soon()

    def _draw_raster_soon(self) -> None:
        """Shade on the next tick of a server session (once, however many changes come before it), else now."""
        doc = self._document()
        if doc is None or doc.session_context is None:
            self._draw_rasters()
            return
        if self._raster_scheduled:
            return
        self._raster_scheduled = True

        def draw() -> None:
            self._raster_scheduled = False
            self._draw_rasters()

        doc.add_next_tick_callback(draw)

    def _draw_rasters(self) -> None:
        self._draw_raster()
        if self._highlight_raster:  # the highlight layer follows the view when it is a raster too
            self._draw_highlight_raster()

    def _draw_glyphs(self) -> None:
        """Few matching samples: one circle each, coloured as the raster would colour them (none when many)."""
        frame = self.state.map_frame
        data: dict[str, Any] = dict(EMPTY_GLYPHS)
        if frame is not None and 0 < len(frame) <= RASTER_THRESHOLD:
            values = self.colouring
            if values is None:  # coloured by category: the same for every session showing this frame
                data = dict(derived(frame, "glyphs", lambda: self._glyph_data(frame, None)))
            else:
                data = self._glyph_data(frame, values)
        source = self.sources.glyphs
        if not len(data["x"]) and not len(source.data["x"]):
            return  # empty stays empty: nothing to send
        with bokeh_updates():
            source.data = data

    def _glyph_data(self, frame: pd.DataFrame, values: MapValues | None) -> dict[str, Any]:
        glyphs, colors = glyph_frame(self.state, frame, values)
        color = pd.Series(glyphs["cat"].astype(str)).map(colors).fillna("#7f7f7f")
        data = {c: glyphs[c].to_numpy() for c in ("x", "y", "sample", "dataset", "info")}
        data["color"] = color.to_numpy(dtype=object)
        return data

    def _image(self, rgba: np.ndarray | None, samples: int) -> dict[str, list[Any]]:
        """An image layer's data: ``rgba`` over the current view (empty when None)."""
        if rgba is None or self._view is None:
            return dict(EMPTY_IMAGE)
        (x0, x1), (y0, y1) = self._view
        # A PNG (~20-150 KiB) rather than raw RGBA (2 MiB at 1200 x 430): the image is mostly transparent.
        return {
            "url": [derived(rgba, "png", lambda: png_data_url(rgba))],  # a shared raster: encoded once
            "x": [x0],
            "y": [y0],
            "dw": [x1 - x0],
            "dh": [y1 - y0],
            "samples": [samples],
        }

    def _draw_raster(self) -> None:
        """Shade the matching samples for the current view into the raster layer (empty when glyphs show them,
        or before the figure's view is known)."""
        frame = self.state.map_frame
        rgba = None
        if frame is not None and len(frame) > RASTER_THRESHOLD and self._view is not None:
            width, height = self._width or DEFAULT_WIDTH, self._height or MAP_HEIGHT
            rgba = raster_rgba(self.state, *self._view, width, height, self.colouring)
        self._set_image(self.sources.raster, rgba, 0 if frame is None else len(frame))

    def _draw_highlight_raster(self) -> None:
        rgba = None
        if self._highlight_raster and self._view is not None:
            width, height = self._width or DEFAULT_WIDTH, self._height or MAP_HEIGHT
            rgba = highlight_raster(self.state, *self._view, width, height)
        self._set_image(self.sources.highlight_raster, rgba, 0)

    def _set_image(self, source: Any, rgba: np.ndarray | None, samples: int) -> None:
        data = self._image(rgba, samples)
        if not data["url"] and not source.data["url"]:
            return  # empty stays empty: nothing to send
        with bokeh_updates():
            source.data = data

    @property
    def colouring(self) -> MapValues | None:
        """The per-sample values the map is coloured by now (None: the store's categories)."""
        return self.colour_values if self.by_value else None

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
        # An unchanged source is not set again (a Next moves the ring, not the box): each set is re-sent and
        # makes the page repaint the map.
        marker: dict[str, Any] = {"x": xs, "y": ys}
        with bokeh_updates():
            if marker != dict(self.sources.marker.data):
                self.sources.marker.data = marker
            if box != dict(self.sources.bounds.data):
                self.sources.bounds.data = box

    def _update_highlight(self, *_: Any) -> None:
        """Few highlighted samples: outlined glyphs, updated in place; many: their raster layer, reshaded."""
        x, y = highlight_points(self.state)
        raster = len(x) > RASTER_THRESHOLD
        with bokeh_updates():
            self.sources.highlight.data = {"x": x[:0] if raster else x, "y": y[:0] if raster else y}
        was_raster, self._highlight_raster = self._highlight_raster, raster
        if raster or was_raster:
            if raster and self._view is None:
                self._view = self.view_ranges()
            self._draw_highlight_raster()

    # --- interaction ----------------------------------------------------------------------------------------
    def tolerance(self) -> float:
        """Metres corresponding to a few screen pixels at the current zoom."""
        x_range = self._view[0] if self._view is not None else self._extent[0]
        width = self._width or DEFAULT_WIDTH
        return abs(x_range[1] - x_range[0]) / float(width) * CLICK_TOLERANCE_PX

    def click(self, x: float, y: float) -> bool:
        """Open the matching sample nearest to a click; True when one was close enough."""
        position = query.nearest(self.state.matches, x, y, self.tolerance())
        if position is None:
            return False
        self.state.open_match(position)
        return True

    def _on_tap(self, event: Tap) -> None:
        if event.x is not None and event.y is not None:
            self.click(float(event.x), float(event.y))

    def _on_selection(self, event: SelectionGeometry) -> None:
        """The box-select tool's final box is the box filter (its moves while dragging are not)."""
        geometry: dict[str, Any] = dict(event.geometry or {})
        if event.final and geometry.get("type") == "rect":
            self.select_box(geometry["x0"], geometry["y0"], geometry["x1"], geometry["y1"])

    def select_box(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Restrict the matches to a box (Web-Mercator corners)."""
        self.state.bounds = (float(x0), float(y0), float(x1), float(y1))

    # --- layout ---------------------------------------------------------------------------------------------
    def legend_html(self, *_: Any) -> str:
        frame = self.state.map_frame
        mode = "raster" if frame is not None and len(frame) > RASTER_THRESHOLD else "points"
        values = self.colouring
        if values is not None:
            positions = frame["pos"].to_numpy() if frame is not None else np.zeros(0, np.int64)
            return value_legend_html(values, values.at(self.state.matches, positions), mode)
        counts = category_counts(frame)
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
        # No description: Panel would make it a Tooltip model, whose view repositions itself on every resize and
        # scroll of the page; the help is the label's own browser tooltip instead.
        color_by = pn.widgets.RadioButtonGroup.from_param(
            self.state.param.color_by, label="", color="light", variant="outline", width=240, description=None
        )
        color_class = Select.from_param(
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
        # Wrapped when the column is narrower than the controls (Audit's map column): they never overlap its neighbour.
        controls = pn.FlexBox(
            html_pane(f'<b title="{html.escape(self.state.param.color_by.doc or "")}">Colour by</b>', margin=(12, 5)),
            by_value, color_by, color_class, flex_wrap="wrap", align_items="center", sizing_mode="stretch_width",
        )  # fmt: skip
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
