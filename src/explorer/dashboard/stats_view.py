"""The statistics area: distributions of the current matches (filters + map box) for each dataset, overlaid on
one axis as counts or shares; a click on a bar or bin outlines those samples on the map; each panel exports
the same figure as ``eo-explorer figures`` (PNG 300 dpi, SVG, PDF): ``figures.STAT_PANELS``.

Three parts: ``selection`` computes (no Panel), ``StatsStore`` holds a session's tables and runs the
computations, this view draws the frames of ``explorer.frames`` with HoloViews.
"""

from __future__ import annotations

import html
import io
from functools import partial
from typing import Any

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (registers the bokeh backend, needed before .opts)
import numpy as np
import pandas as pd
import panel as pn
import param

from .. import figures
from ..constants import FIGURE_DPI
from ..figures import INTERACTIVE_PANELS, STAT_PANELS, export_panel
from ..frames import answer_frame, class_frame, datasets_in, length_frame, task_frame, word_frames
from ..palette import dataset_color
from .base import View
from .selection import Pick, Tables, full_stats, highlight_of, selection_stats, statistics_of
from .state import ExplorerState
from .stats_store import StatsStore
from .style import html as html_pane

COUNTS, DENSITY = "Counts", "Density"
EXPORT_FORMATS = {f"PNG ({FIGURE_DPI} dpi)": "png", "SVG": "svg", "PDF": "pdf"}
PANEL_WIDTH = 380
PANEL_HEIGHT = 310
PANELS = INTERACTIVE_PANELS  # drawn here from the matches; the others: compare.py, from full statistics


class StatsView(View):
    """Statistics of the matching samples per dataset: draws a ``StatsStore`` (one per view, made from the
    session's store unless given), exports each panel as ``eo-explorer figures`` draws it."""

    scale: param.Selector[Any] = param.Selector(
        default=COUNTS, objects=[COUNTS, DENSITY], label="Scale", doc="Counts, or shares of each dataset"
    )
    export_format: param.Selector[Any] = param.Selector(
        default=next(iter(EXPORT_FORMATS)),
        objects=list(EXPORT_FORMATS),
        label="Export as",
        doc="File format of Export",
    )
    store: StatsStore = param.ClassSelector(  # type: ignore[assignment]
        class_=StatsStore, constant=True, doc="The statistics of the matching samples (made from ``state``)"
    )

    def __init__(self, state: ExplorerState | None = None, active: bool = True, **params: Any) -> None:
        super().__init__(state=state, **params)
        if self.store is None:
            with param.edit_constant(self):
                self.store = StatsStore(state=self.state, active=False)
        self.frames: dict[str, Any] = {}  # what each panel draws (the bar index of a selection is its row)
        self.streams: dict[str, Any] = {}  # the selection stream of each panel's latest plot
        self._panes = {
            key: pn.pane.HoloViews(
                None, sizing_mode="stretch_width", min_height=PANEL_HEIGHT, linked_axes=False
            )
            for key in PANELS
        }
        self._downloads = {
            key: pn.widgets.FileDownload(
                callback=partial(self._export, key),
                filename=self._filename(key),
                label="Export",
                color="light",
                icon="download",
                width=110,
                margin=(0, 5),
                embed=False,
            )
            for key in PANELS
        }
        self._cards = {
            key: pn.Column(
                pn.Row(
                    html_pane(f"<b>{STAT_PANELS[key].title}</b>", margin=(8, 5)),
                    pn.layout.HSpacer(),
                    self._downloads[key],
                ),
                self._panes[key],
                sizing_mode="stretch_width",
                min_width=PANEL_WIDTH,
                styles={
                    "flex": f"1 1 {PANEL_WIDTH}px",
                    "border": "1px solid #e3e3e3",
                    "border-radius": "4px",
                },
                margin=(5, 8),
            )
            for key in PANELS
        }
        self._layout: pn.viewable.Viewable | None = None
        self.store.param.watch(self._render, ["tables"])
        self.param.watch(self._render, ["scale"])
        self.param.watch(self._rename_downloads, ["export_format", "scale"])
        self.store.param.watch(self._render, ["active"])
        if active:
            self.store.activate()

    def activate(self) -> None:
        """Start computing and drawing (once; later calls do nothing)."""
        self.store.activate()

    def refresh(self) -> None:
        """Recompute the statistics of the current matches (see ``StatsStore.refresh``)."""
        self.store.refresh()

    def select(self, pick: Pick) -> None:
        """Outline on the map the matching samples a bar or bin stands for."""
        self.store.select(pick)

    def clear_highlight(self, *_: Any) -> None:
        self.store.clear_highlight()

    # --- what the store holds, read by the panels and the tests ---------------------------------------------------
    @property
    def tables(self) -> Tables:
        return self.store.tables

    @property
    def counted(self) -> dict[str, int]:
        return self.store.counted

    @property
    def busy(self) -> bool:
        return self.store.busy

    @property
    def status(self) -> str:
        return self.store.status

    @property
    def active(self) -> bool:
        return self.store.active

    # --- clicks -----------------------------------------------------------------------------------------------
    def _on_bars(self, panel: str, frame: pd.DataFrame, index: list[int] | None = None, **_: Any) -> None:
        if not index:
            return
        row = frame.iloc[int(index[0])]
        if panel == "classes":
            self.select(("class", str(row["dataset"]), str(row["class"])))
        elif panel == "tasks":
            self.select(("task", str(row["dataset"]), str(row["kind"]), str(row["category"])))
        elif panel == "answers":
            self.select(("answer", str(row["dataset"]), str(row["kind"]), str(row["answer"])))

    def _on_word(self, dataset: str, frame: pd.DataFrame, index: list[int] | None = None, **_: Any) -> None:
        if index:
            self.select(("word", dataset, str(frame["token"].iloc[int(index[0])])))

    def _on_length_tap(self, frame: pd.DataFrame, x: float | None = None, **_: Any) -> None:
        if x is None or frame.empty:
            return
        bins = frame.drop_duplicates("left")
        inside = bins[(bins["left"] <= x) & (x < bins["right"])]
        if len(inside):
            self.select(("length", int(inside["left"].iloc[0]), int(inside["right"].iloc[0])))

    # --- rendering --------------------------------------------------------------------------------------------
    @property
    def density(self) -> bool:
        return self.scale == DENSITY

    def _render(self, *_: Any) -> None:
        if not self.active:
            return
        tables, density = self.tables, self.density
        self._set("length", self._length_plot(length_frame(tables, density)))
        self._set("classes", self._bars_plot("classes", class_frame(tables, density), "Samples"))
        self._set("tasks", self._bars_plot("tasks", task_frame(tables, density), "Annotations"))
        self._set("answers", self._bars_plot("answers", answer_frame(tables, density), "Questions"))
        self._set("words", self._words_plot(word_frames(tables, density)))

    def _set(self, key: str, plot: Any) -> None:
        self._panes[key].object = plot
        self._cards[key].visible = plot is not None

    def _length_plot(self, frame: pd.DataFrame) -> Any:
        self.frames["length"] = frame
        if frame.empty:
            return None
        density = self.density
        ylabel = "Share of captions" if density else "Captions (count)"  # as the exported figure
        layers = []
        for label in pd.unique(frame["label"]):
            rows = frame[frame["label"] == label]
            edges = np.append(rows["left"].to_numpy(float), float(rows["right"].iloc[-1]))
            color = dataset_color(str(rows["dataset"].iloc[0]))
            layers.append(
                hv.Histogram(
                    (edges, rows["value"].to_numpy()), kdims=["words"], vdims=["value"], label=str(label)
                ).opts(
                    fill_color=color,
                    fill_alpha=0.3,
                    line_color=color,
                    line_width=1.5,
                    tools=["tap", "hover"],
                    nonselection_fill_alpha=0.3,
                    selection_fill_alpha=0.6,
                )  # fmt: skip
            )
        overlay = hv.Overlay(layers).opts(
            responsive=True, height=PANEL_HEIGHT - 20, legend_position="top_right", toolbar="above",
            default_tools=["pan", "wheel_zoom", "reset"], xlabel="Caption length (words)", ylabel=ylabel,
        )  # fmt: skip
        tap = hv.streams.Tap(source=overlay, x=None, y=None)
        tap.add_subscriber(partial(self._on_length_tap, frame))
        self.streams["length"] = tap
        return overlay

    def _bars_plot(self, key: str, frame: pd.DataFrame, unit: str) -> Any:
        self.frames[key] = frame
        if frame.empty:
            return None
        names = datasets_in(frame)
        labels = list(pd.unique(frame["label"]))
        xlabel = f"Share of {unit.lower()}" if self.density else f"{unit} (count)"
        bars = hv.Bars(frame, kdims=["label", "dataset"], vdims=["value"]).opts(
            invert_axes=True, responsive=True, height=max(PANEL_HEIGHT - 20, 16 * len(labels) + 60),
            color="dataset", cmap={n: dataset_color(n) for n in names}, show_legend=len(names) > 1,
            xlabel="", ylabel=xlabel, tools=["tap", "hover"], nonselection_alpha=0.35, toolbar=None,
            default_tools=[], multi_level=False, legend_position="bottom_right",
        )  # fmt: skip
        stream = hv.streams.Selection1D(source=bars)
        stream.add_subscriber(partial(self._on_bars, key, frame))
        self.streams[key] = stream
        return bars

    def _words_plot(self, frames: dict[str, pd.DataFrame]) -> Any:
        self.frames["words"] = frames
        if not frames:
            return None
        xlabel = "Share of caption tokens" if self.density else "Occurrences (count)"
        plots = []
        streams = {}
        for name, frame in frames.items():
            bars = hv.Bars(frame.iloc[::-1], kdims=["token"], vdims=["value"]).opts(
                invert_axes=True, responsive=True, height=PANEL_HEIGHT - 40, color=dataset_color(name),
                title=name, xlabel="", ylabel=xlabel, tools=["tap", "hover"], nonselection_alpha=0.35,
                toolbar=None, default_tools=[],
            )  # fmt: skip
            stream = hv.streams.Selection1D(source=bars)
            stream.add_subscriber(partial(self._on_word, name, frame.iloc[::-1].reset_index(drop=True)))
            streams[name] = stream
            plots.append(bars)
        self.streams["words"] = streams
        return hv.Layout(plots).cols(len(plots)).opts(shared_axes=False)

    # --- export -------------------------------------------------------------------------------------------------
    def _filename(self, panel: str) -> str:
        fmt = EXPORT_FORMATS[self.export_format]
        frame = self.store.tables.get("class_by_sample")
        names = datasets_in(frame) if frame is not None else []
        stems = figures.panel_stems(panel, self.density, names)
        return f"{stems[0]}.{fmt}" if len(stems) == 1 else f"{panel}_{fmt}.zip"

    def _rename_downloads(self, *_: Any) -> None:
        for key, widget in self._downloads.items():
            widget.filename = self._filename(key)

    def export(self, panel: str) -> tuple[str, bytes]:
        """(file name, bytes) of a panel's figure in the chosen format, from the statistics on screen."""
        return figures.export_panel(self.tables, panel, EXPORT_FORMATS[self.export_format], self.density)

    def _export(self, panel: str) -> io.BytesIO:
        name, data = self.export(panel)
        self._downloads[panel].filename = name  # one file per dataset comes as a zip
        return io.BytesIO(data)

    # --- layout -------------------------------------------------------------------------------------------------
    def summary_html(self, *_: Any) -> str:
        counted = self.counted
        total = sum(counted.values())
        if self.status:
            return f'<span class="eo-muted">{html.escape(self.status)}</span>'
        if not total:
            return '<span class="eo-muted">No sample matches the filters: nothing to count.</span>'
        per = ", ".join(f"{html.escape(n)} {c:,}" for n, c in counted.items())
        box = " inside the box selection" if self.state.bounds is not None else ""
        return (
            f"Statistics of the <b>{total:,}</b> matching samples{box} ({per}). "
            '<span class="eo-muted">Click a bar or bin to outline its samples on the map.</span>'
        )

    def highlight_html(self, *_: Any) -> str:
        highlight = self.state.highlight or {}
        n = sum(len(v) for v in highlight.values())
        if not self.state.highlight_label:
            return ""
        return (
            f'<span class="eo-highlight-note">Outlined on the map: <b>{n:,}</b> matching samples with '
            f"{html.escape(self.state.highlight_label)}</span>"
        )

    def __panel__(self) -> pn.viewable.Viewable:
        if self._layout is not None:
            return self._layout
        scale = pn.widgets.RadioButtonGroup.from_param(
            self.param.scale, color="primary", variant="outline", width=170, margin=(8, 5)
        )
        fmt = pn.widgets.Select.from_param(self.param.export_format, name="", width=130, margin=(8, 5))
        clear = pn.widgets.Button(
            label="Clear highlight", color="light", width=130, margin=(8, 5),
            disabled=self.state.param.highlight_label.rx() == "",
        )  # fmt: skip
        clear.on_click(self.clear_highlight)
        header = pn.FlexBox(  # wraps in a narrow column (the side tab beside the map)
            html_pane("<b>Statistics</b>", margin=(12, 5), css_classes=["eo-view-title"]),
            scale,
            pn.Row(html_pane("Export as", margin=(14, 0, 0, 10)), fmt),
            clear,
            sizing_mode="stretch_width",
        )
        summary = html_pane(
            pn.bind(self.summary_html, self.store.param.counted, self.store.param.status),
            sizing_mode="stretch_width",
            margin=(0, 10),
        )
        note = html_pane(
            pn.bind(self.highlight_html, self.state.param.highlight, self.state.param.highlight_label),
            sizing_mode="stretch_width",
            margin=(0, 10),
        )
        body = pn.FlexBox(*self._cards.values(), sizing_mode="stretch_width")
        self._layout = pn.Column(
            header,
            summary,
            note,
            body,
            sizing_mode="stretch_width",
            loading=self.store.param.busy,
            css_classes=["eo-stats"],
        )
        return self._layout


__all__ = [
    "COUNTS",
    "DENSITY",
    "StatsView",
    "export_panel",
    "full_stats",
    "highlight_of",
    "selection_stats",
    "statistics_of",
]
