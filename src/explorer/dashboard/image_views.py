"""The linked image viewers of the open sample: multispectral, SAR and land cover.

Plain Bokeh figures whose data sources are updated in place: a sample change then costs a few milliseconds per
viewer instead of a full HoloViews re-render, which keeps "select a sample -> every panel updated" within budget.
Each image goes to the page as a PNG data URL (``png.py``, 1-4 ms to encode): 3-25x fewer bytes than raw RGBA
arrays on the websocket, and the browser decodes it natively instead of unpacking an array in BokehJS.
The three figures share one pair of ranges, so zoom and pan move together. Every image fills the unit square
(whatever its pixel size), and every box of the selected annotation (normalised, origin top-left, rotated by
its angle) is drawn on each.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, Grid, ImageURL, Range1d
from bokeh.models.glyphs import Patches
from bokeh.plotting import figure

from .. import imagery
from ..model import LAYER_LANDCOVER, LAYER_S1, LAYER_S2
from . import resources
from .base import View
from .png import png_data_url
from .state import ExplorerState
from .style import Select, bokeh_updates
from .style import html as html_pane

BOX_COLOR = "#ff1493"
VIEW_SIZE = 300


def image_data(rgb: np.ndarray | None) -> dict[str, Any]:
    """(H, W, 3) uint8, row 0 at the top -> an ``image_url`` source's data: the opaque image as a PNG data URL
    (no image: no row, nothing drawn)."""
    if rgb is None:
        return {"url": []}
    # Drawn images are shared read-only by the sessions that open the same sample (``ExplorerState._memo``):
    # encoded once per image object while recently used, not once per session.
    url = resources.shared_recent(
        ("png-url", id(rgb)), lambda: _png_url(rgb), len, owner=rgb, pool="samples"
    )
    return {"url": [url]}


def _png_url(rgb: np.ndarray) -> str:
    height, width = rgb.shape[:2]
    rgba = np.empty((height, width, 4), dtype=np.uint8)
    rgba[:, :, :3] = rgb
    rgba[:, :, 3] = 255
    return png_data_url(rgba)


def box_data(boxes: list[tuple[float, float, float, float, float | None]] | None) -> dict[str, Any]:
    """Normalised top-left-origin boxes, each rotated by its angle (degrees, clockwise in the y-down image)
    about its centre, as polygon corners in the image frame (y up): one patch per box."""
    xs: list[list[float]] = []
    ys: list[list[float]] = []
    for x0, y0, x1, y1, angle in boxes or []:
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        theta = np.radians(angle or 0.0)
        dx = np.array([x0, x1, x1, x0]) - cx
        dy = np.array([y0, y0, y1, y1]) - cy
        xs.append((cx + dx * np.cos(theta) - dy * np.sin(theta)).tolist())
        ys.append((1.0 - (cy + dx * np.sin(theta) + dy * np.cos(theta))).tolist())
    return {"xs": xs, "ys": ys}


class LinkedRanges:
    """One pair of ranges per dashboard: every viewer built on it zooms and pans together."""

    def __init__(self) -> None:
        self.x = Range1d(start=0, end=1, bounds=(0, 1), min_interval=0.02)
        self.y = Range1d(start=0, end=1, bounds=(0, 1), min_interval=0.02)


class ImageView(View):
    """Shared shape of the three viewers: a title, an error/absence message, the linked image, controls."""

    kind: str = LAYER_S2
    title: str = "Image"
    depends: tuple[str, ...] = ()
    layers: int = 1

    def __init__(
        self,
        state: ExplorerState,
        ranges: LinkedRanges | None = None,
        base: ColumnDataSource | None = None,
        **params: Any,
    ) -> None:
        """``base``: another viewer's source for this one's bottom layer when both draw the same image (it is
        then encoded and sent once, and updated by its owner only)."""
        super().__init__(state=state, **params)
        self.ranges = ranges or LinkedRanges()
        self._base_shared = base is not None
        options: dict[str, Any] = dict(
            x_range=self.ranges.x,
            y_range=self.ranges.y,
            width=VIEW_SIZE,
            height=VIEW_SIZE,
            tools="pan,wheel_zoom,reset",
            active_scroll="wheel_zoom",
            toolbar_location="above",
            background_fill_color="#f3f3f3",
            min_border=0,
            x_axis_location=None,
            y_axis_location=None,
            outline_line_color=None,
            title=None,
        )
        # What the page builds per viewer is kept small (as the map's, ``map_figure``): no axes, grids or title
        # models, and glyphs added as plain models (the plotting API adds selection, hover and mute copies of
        # each, none of which is ever used here): ~20 models a viewer instead of ~54.
        self.figure = figure(**options)
        self.figure.center = [r for r in self.figure.center if not isinstance(r, Grid)]
        self.figure.toolbar.logo = None
        self.sources = [ColumnDataSource(image_data(None)) for _ in range(self.layers)]
        if base is not None:
            self.sources[0] = base
        # The unit square, top-left anchored: a PNG's first row is its top (no flip as for raw RGBA).
        unit_square: dict[str, Any] = dict(url="url", x=0, y=1, w=1, h=1, anchor="top_left")
        self.glyphs = [self.figure.add_glyph(source, ImageURL(**unit_square)) for source in self.sources]
        self.box_source = ColumnDataSource(box_data(None))
        # A white halo under the box line keeps it visible on any class colour.
        for color, width in (("white", 6), (BOX_COLOR, 3)):
            outline: dict[str, Any] = dict(xs="xs", ys="ys", fill_alpha=0.0, line_color=color, line_width=width)
            self.figure.add_glyph(self.box_source, Patches(**outline))
        self._pane = pn.pane.Bokeh(self.figure, margin=0)
        # The message (why the viewer is empty) and the caption (what is drawn) in ONE pane, updated in one go.
        self._notes = html_pane("", margin=0, width=VIEW_SIZE)
        self.state.param.watch(self._update_images, ["layers", *self.depends])
        self.state.param.watch(self._update_box, ["refexp", "annotations"])
        self.state.param.watch(self._update_notes, ["layers", "layer_errors", "sample_message", *self.depends])
        self._update_images()
        self._update_box()
        self._update_notes()

    def images(self) -> list[np.ndarray | None]:
        """RGB arrays for this viewer's image layers, bottom first."""
        raise NotImplementedError

    # Plain Bokeh models change inside ``bokeh_updates`` (see there why).
    # An unchanged source is not set again: each change is re-sent and makes the page redraw that figure (most
    # samples have no box, and a dataset without SAR leaves that viewer empty sample after sample).
    def _update_images(self, *_: Any) -> None:
        with bokeh_updates():
            for i, (source, rgb) in enumerate(zip(self.sources, self.images(), strict=True)):
                if i == 0 and self._base_shared:
                    continue  # its owner updates it
                data = image_data(rgb)
                if data != dict(source.data):
                    source.data = data

    def _update_box(self, *_: Any) -> None:
        data = box_data(self.state.refexp_boxes())
        if data == dict(self.box_source.data):
            return
        with bokeh_updates():
            self.box_source.data = data

    def controls(self) -> list[pn.viewable.Viewable]:
        return []

    def caption(self) -> str:
        """Plain-text line under the image (escaped when shown)."""
        return ""

    def message(self, *_: Any) -> str:
        """Why this viewer is empty: the layer failed to read, the sample has none, or the sample is unknown."""
        return str(self.state.layer_errors.get(self.kind) or self.state.sample_message or "")

    def notes_html(self) -> str:
        """Why the viewer is empty (if it is), then the line under the image; every piece escaped."""
        # Only the pane's text changes (empty message when all is well): changing an Alert's type or any pane's
        # visibility re-sends stylesheets, and Bokeh then walks the whole document (~50 ms).
        text = self.message()
        kind = "eo-note" if text.startswith("This sample has no") else "eo-problem"
        message = f'<div class="{kind} eo-layer-message">{html.escape(text)}</div>' if text else ""
        try:
            line = self.caption()
        except ValueError as error:
            line = str(error)
        return f'{message}<div class="eo-image-caption">{html.escape(line)}</div>'

    def _update_notes(self, *_: Any) -> None:
        self._notes.object = self.notes_html()

    def __panel__(self) -> pn.viewable.Viewable:
        # Images first, so the three line up whatever controls each viewer has.
        return pn.Column(
            html_pane(f"<h3 class='eo-view-title'>{self.title}</h3>", margin=(0, 5)),
            self._pane,
            self._notes,
            *self.controls(),
            width=VIEW_SIZE + 30,
            css_classes=["eo-image-view", f"eo-view-{self.kind}"],
        )


class OpticalView(ImageView):
    """Multispectral composites with a percentile stretch."""

    kind = LAYER_S2
    title = "Multispectral"
    depends = ("composite", "red", "green", "blue", "percentiles")

    def images(self) -> list[np.ndarray | None]:
        try:
            rendered = self.state.optical()
        except ValueError:
            rendered = None
        return [None if rendered is None else rendered.rgb]

    def caption(self) -> str:
        rendered = self.state.optical()
        if rendered is None:
            return ""
        limits = ", ".join(f"{lo:.3g}–{hi:.3g}" for lo, hi in rendered.limits)
        return f"{rendered.description}; stretch {limits}"

    def controls(self) -> list[pn.viewable.Viewable]:
        s = self.state
        custom = s.param.composite.rx() == imagery.CUSTOM
        # The band selects exist once a custom composite is first chosen: most pages never show them, and every
        # page would otherwise build them (three selects with their help tooltips).
        # (An empty layout makes Bokeh warn, so a spacer holds the place.)
        bands = pn.Row(pn.Spacer(width=0, height=0, margin=0), visible=custom, css_classes=["eo-bands"])

        def fill(*_: Any) -> None:
            if s.composite == imagery.CUSTOM and isinstance(bands.objects[0], pn.Spacer):
                bands.objects = [
                    Select.from_param(s.param[c], label=c[0].upper(), width=85)
                    for c in ("red", "green", "blue")
                ]

        s.param.watch(fill, "composite")
        fill()
        return [
            Select.from_param(s.param.composite, label="Composite", width=VIEW_SIZE),
            bands,
            pn.widgets.RangeSlider.from_param(s.param.percentiles, step=0.5, width=VIEW_SIZE - 10),
        ]


class SarView(ImageView):
    """Sentinel-1 VV, VH or false colour, in dB with fixed ranges."""

    kind = LAYER_S1
    title = "SAR (Sentinel-1)"
    depends = ("sar_mode",)

    def images(self) -> list[np.ndarray | None]:
        try:
            rendered = self.state.sar()
        except ValueError:
            rendered = None
        return [None if rendered is None else rendered.rgb]

    def caption(self) -> str:
        rendered = self.state.sar()
        if rendered is None:
            return ""
        pairs = list(zip(rendered.bands, rendered.limits, strict=True))
        if self.state.sar_mode != imagery.SAR_FALSE_COLOUR:
            pairs = pairs[:1]
        return ", ".join(f"{band} {lo:g}..{hi:g} dB" for band, (lo, hi) in pairs)

    def controls(self) -> list[pn.viewable.Viewable]:
        return [Select.from_param(self.state.param.sar_mode, label="Display", width=VIEW_SIZE)]


class LandcoverView(ImageView):
    """The class map in its legend's colours, over the optical image at an adjustable opacity."""

    kind = LAYER_LANDCOVER
    title = "Land cover"
    depends = ("composite", "red", "green", "blue", "percentiles")
    layers = 2

    def __init__(
        self,
        state: ExplorerState,
        ranges: LinkedRanges | None = None,
        base: ColumnDataSource | None = None,
        **params: Any,
    ) -> None:
        super().__init__(state, ranges, base, **params)
        self.state.param.watch(self._update_opacity, "landcover_opacity")
        self._update_opacity()

    def _update_opacity(self, *_: Any) -> None:
        # Only the glyph's alpha changes: dragging the slider sends no pixels.
        with bokeh_updates():
            self.glyphs[1].glyph.global_alpha = float(self.state.landcover_opacity)

    def images(self) -> list[np.ndarray | None]:
        try:
            optical = self.state.optical()
        except ValueError:
            optical = None
        try:
            landcover = self.state.landcover()
        except ValueError:
            landcover = None
        return [None if optical is None else optical.rgb, None if landcover is None else landcover[0]]

    def legend_html(self, *_: Any) -> str:
        """Classes present in the land-cover map with their share; names come from the legend (escaped)."""
        try:
            result = self.state.landcover()
        except ValueError as error:
            return f"<div class='eo-muted'>{html.escape(str(error))}</div>"
        if result is None:
            return ""
        layer = self.state.layers[LAYER_LANDCOVER]
        rows = "".join(
            f'<li><span class="eo-swatch" style="background:{html.escape(e.color)}"></span>'
            f"{html.escape(e.name)} <span class='eo-muted'>{e.share:.1%}</span></li>"
            for e in result[1]
        )
        title = html.escape(str(layer.attrs.get("legend", "")))
        return f'<div class="eo-lc-legend"><div class="eo-muted">{title}</div><ul>{rows}</ul></div>'

    def controls(self) -> list[pn.viewable.Viewable]:
        return [
            pn.widgets.FloatSlider.from_param(
                self.state.param.landcover_opacity, step=0.05, width=VIEW_SIZE - 10
            )
        ]

    def __panel__(self) -> pn.viewable.Viewable:
        column = super().__panel__()
        assert isinstance(column, pn.Column)
        column.append(
            html_pane(pn.bind(self.legend_html, self.state.param.layers), width=VIEW_SIZE, margin=(0, 5))
        )
        return column


class ImagePanel(View):
    """The three viewers side by side, sharing one pair of ranges (linked zoom and pan)."""

    def __init__(self, state: ExplorerState, **params: Any) -> None:
        super().__init__(state=state, **params)
        self.ranges = LinkedRanges()
        self.optical = OpticalView(state=self.state, ranges=self.ranges)
        self.sar = SarView(state=self.state, ranges=self.ranges)
        # The land-cover map lies over the same optical image as the multispectral viewer's: one source.
        self.landcover = LandcoverView(state=self.state, ranges=self.ranges, base=self.optical.sources[0])

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.FlexBox(
            self.optical,
            self.sar,
            self.landcover,
            sizing_mode="stretch_width",
            loading=self.state.param.loading,
        )
