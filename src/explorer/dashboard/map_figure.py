"""The map pane's Bokeh figure, built directly: web-mercator plane without axes, the CartoLight tiles (they load
in the browser when online), the shipped land outline, then the layers ``map_view.MapView`` fills in place.

A plain figure rather than a HoloViews overlay: HoloViews' plot of the same layers cost ~0.4 s CPU per page to
build (option lookups, a model-graph walk per layer) and ~120 Bokeh models; this one is a few dozen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from bokeh.core.properties import field as column
from bokeh.models import (
    BoxSelectTool,
    ColumnDataSource,
    Grid,
    HoverTool,
    ImageURL,
    PanTool,
    Patch,
    Quad,
    Range1d,
    ResetTool,
    Scatter,
    WheelZoomTool,
    WMTSTileSource,
)
from bokeh.plotting import figure

from .. import world
from . import query

MAP_HEIGHT = 430
WORLD_X = (-20_037_508.34, 20_037_508.34)
WORLD_Y = (-8_500_000.0, 15_000_000.0)
SEA_COLOR = "#dbe7ef"
LAND_COLOR = "#f4f1ea"
MARK_COLOR = "#e6007e"
HIGHLIGHT_COLOR = "#111111"  # samples picked in the statistics (stats_view)
GLYPH_TOOLTIPS = [("dataset", "@dataset"), ("sample", "@sample"), ("", "@info")]
CARTO_LIGHT_URL = "https://cartodb-basemaps-4.global.ssl.fastly.net/light_all/{Z}/{X}/{Y}.png"
CARTO_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors, '
    '&copy; <a href="https://cartodb.com/attributions">CartoDB</a>'
)
TILES_ALPHA = 0.9
# "samples": how many matching samples the raster shows (a new filter is a new raster, even when its pixels
# happen to be the same: the page and the benchmarks see that the map is up to date).
EMPTY_IMAGE: dict[str, list[Any]] = {k: [] for k in ("url", "x", "y", "dw", "dh", "samples")}
EMPTY_GLYPHS: dict[str, list[Any]] = {k: [] for k in ("x", "y", "color", "sample", "dataset", "info")}
FIGURE_TAG = "eo-marks"  # how the page (and the browser tests) find the map among the document's models


@lru_cache(maxsize=1)
def land_outline() -> dict[str, np.ndarray]:
    """Every country ring in Web Mercator as ONE NaN-separated geometry: one glyph, cheap ranges and updates."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for ring in world.outline_paths():
        x, y = query.to_web_mercator(ring[:, 0], ring[:, 1])
        xs += [x, np.array([np.nan])]
        ys += [y, np.array([np.nan])]
    return {"x": np.concatenate(xs[:-1]), "y": np.concatenate(ys[:-1])}


@dataclass
class MapSources:
    """The data of every layer MapView changes in place (one session's; never shared between documents)."""

    raster: ColumnDataSource = field(default_factory=lambda: ColumnDataSource(dict(EMPTY_IMAGE)))
    glyphs: ColumnDataSource = field(default_factory=lambda: ColumnDataSource(dict(EMPTY_GLYPHS)))
    highlight_raster: ColumnDataSource = field(default_factory=lambda: ColumnDataSource(dict(EMPTY_IMAGE)))
    highlight: ColumnDataSource = field(default_factory=lambda: ColumnDataSource({"x": [], "y": []}))
    marker: ColumnDataSource = field(default_factory=lambda: ColumnDataSource({"x": [], "y": []}))
    bounds: ColumnDataSource = field(
        default_factory=lambda: ColumnDataSource({"left": [], "right": [], "bottom": [], "top": []})
    )


def map_figure(
    sources: MapSources,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    tiles: bool = True,
) -> Any:
    """The map: drawn bottom to top, tiles (when ``tiles``), land, samples (raster or circles), highlighted
    samples (raster), the box filter, highlighted samples (rings), the open sample's ring.

    Tools: pan and wheel zoom (active), box select (its geometry is the box filter; it selects nothing itself),
    reset (back to ``x_range``/``y_range``), hover on the circles. A tap needs no tool: the figure's ``Tap`` event
    reaches MapView wherever the map is clicked.
    """
    pan, zoom = PanTool(), WheelZoomTool()
    box = BoxSelectTool(renderers=[])  # selects no glyph: nothing dims, no selection goes back and forth
    options: dict[str, Any] = dict(
        x_range=Range1d(start=x_range[0], end=x_range[1]),
        y_range=Range1d(start=y_range[0], end=y_range[1]),
        height=MAP_HEIGHT,
        min_height=MAP_HEIGHT,
        sizing_mode="stretch_width",
        x_axis_location=None,
        y_axis_location=None,
        tools=[pan, zoom, box, ResetTool()],
        active_drag=pan,
        active_scroll=zoom,
        toolbar_location="above",
        background_fill_color=SEA_COLOR,
        border_fill_color=None,
        outline_line_color=None,
        min_border=0,
        match_aspect=False,
        tags=[FIGURE_TAG],
        title=None,
    )
    fig = figure(**options)
    fig.center = [r for r in fig.center if not isinstance(r, Grid)]  # no axes (so no grids): 10 models fewer
    fig.toolbar.logo = None
    if tiles:
        fig.add_tile(WMTSTileSource(url=CARTO_LIGHT_URL, attribution=CARTO_ATTRIBUTION), alpha=TILES_ALPHA)
    # Glyph models added directly: the plotting API's glyph methods build five glyph models per layer (selection,
    # hover, mute variants), ~3x the CPU, and nothing here is ever selected or muted.
    land_data: dict[str, Any] = dict(land_outline())
    land = ColumnDataSource(land_data)
    fig.add_glyph(
        land,
        Patch(x="x", y="y", fill_color=LAND_COLOR, fill_alpha=0.55, line_color="#9a9a9a", line_width=0.6),
    )
    image: dict[str, Any] = dict(url="url", x="x", y="y", w="dw", h="dh", anchor="bottom_left")
    fig.add_glyph(sources.raster, ImageURL(**image), name="eo-raster")
    circles = Scatter(
        x="x", y="y", marker="circle", size=6, fill_color=column("color"), line_color="white", line_width=0.5
    )
    glyphs = fig.add_glyph(sources.glyphs, circles, name="eo-glyphs")
    fig.add_tools(HoverTool(renderers=[glyphs], tooltips=GLYPH_TOOLTIPS))
    fig.add_glyph(sources.highlight_raster, ImageURL(**image), name="eo-highlight-raster")
    box_outline = Quad(
        left="left", right="right", bottom="bottom", top="top", fill_alpha=0.05, fill_color=MARK_COLOR,
        line_color=MARK_COLOR, line_dash="dashed", line_width=1.5,
    )  # fmt: skip
    fig.add_glyph(sources.bounds, box_outline)
    ring: dict[str, Any] = dict(x="x", y="y", marker="circle", fill_alpha=0.0)
    fig.add_glyph(sources.highlight, Scatter(**ring, size=11, line_color=HIGHLIGHT_COLOR, line_width=2))
    fig.add_glyph(sources.marker, Scatter(**ring, size=18, line_color=MARK_COLOR, line_width=3))
    return fig
