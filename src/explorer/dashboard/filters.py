"""Sidebar: dataset selector, filters, match count, the result list and previous / next / random."""

from __future__ import annotations

import html
from typing import Any

import panel as pn
from panel.io.state import set_curdoc

from .base import View
from .result_list import ResultList
from .state import ExplorerState
from .style import PlainHelp, bokeh_updates, one_message
from .style import html as html_pane


class OneMessage:
    """Mixin for a filter widget: its change is handled at once and answered in ONE message.

    Panel waits 50 ms (``_debounce``) after a widget's change before handling it, then sends each model the
    handlers change (count, result list, panes, map sources: ~35 per filter) as its own websocket message, and
    the page re-lays itself out after each. A filter is one discrete choice (a select, a query sent with Enter),
    so there is nothing to debounce, and its whole answer goes out together (the map's raster follows on the
    next tick, see ``map_view``). Not frozen: leaving a freeze recomputes the whole model graph (~50 ms of CPU on
    this page), and a filter changes no model references (nothing to recompute).
    """

    _debounce = 0

    def _change_event(self, doc: Any) -> None:
        with set_curdoc(doc), bokeh_updates():
            super()._change_event(doc)  # type: ignore[misc]


class FilterSelect(OneMessage, PlainHelp, pn.widgets.Select):
    """A select filter (dataset, split, country, ...), answered in one message."""


class FilterText(OneMessage, PlainHelp, pn.widgets.TextInput):
    """The caption query, answered in one message."""


class FilterCheckbox(OneMessage, PlainHelp, pn.widgets.Checkbox):
    """The regular-expression switch, answered in one message."""


class FilterPanel(View):
    """Every filter of the store as a widget, plus what they match."""

    def __init__(self, state: ExplorerState, **params: Any) -> None:
        super().__init__(state=state, **params)
        s = self.state
        self.results = ResultList(
            s.open_sample, height=330, margin=(5, 10), sizing_mode="stretch_width", css_classes=["eo-results"]
        )  # the margin of a widget, as the Tabulator had
        self.results.set_frame(s.results)
        s.param.watch(lambda event: self.results.set_frame(event.new), "results")
        self.previous = pn.widgets.Button(label="◀ Previous", width=95, css_classes=["eo-prev"])
        self.next = pn.widgets.Button(label="Next ▶", width=95, css_classes=["eo-next"])
        self.random = pn.widgets.Button(label="Random", width=80, css_classes=["eo-random"])
        self.previous.on_click(one_message(lambda _: s.step(-1)))
        self.next.on_click(one_message(lambda _: s.step(+1)))
        self.random.on_click(one_message(lambda _: s.open_random()))
        self.clear_box = pn.widgets.Button(
            label="Clear box selection",
            color="light",
            visible=s.param.bounds.rx.is_not(None),
            sizing_mode="stretch_width",
        )
        self.clear_box.on_click(lambda _: setattr(s, "bounds", None))
        self.clear = pn.widgets.Button(label="Clear filters", color="light", sizing_mode="stretch_width")
        self.clear.on_click(lambda _: s.clear_filters())
        scanning = s.param.scan_fraction.rx.is_not(None)
        self.scan_progress = pn.indicators.Progress(
            value=s.param.scan_fraction.rx().rx.pipe(lambda f: int(round((f or 0.0) * 100))),
            max=100,
            visible=scanning,
            sizing_mode="stretch_width",
            css_classes=["eo-scan-progress"],
        )
        self.cancel_scan = pn.widgets.Button(
            label="Cancel scan", visible=scanning, sizing_mode="stretch_width", css_classes=["eo-scan-cancel"]
        )
        self.cancel_scan.on_click(lambda _: s.cancel_scan())

    def count_html(self, *_: Any) -> str:
        s = self.state
        if s.message:
            return ""
        shown = min(s.count, len(s.results) if s.results is not None else 0)
        more = f" (list shows the first {shown:,})" if shown < s.count else ""
        box = " inside the box" if s.bounds else ""
        kept = f" {html.escape(s.keep_label)}" if s.keep is not None and s.keep_label else ""
        return f'<div class="eo-count"><b>{s.count:,}</b> matching samples{kept}{box}{more}</div>'

    def scan_html(self, fraction: float | None) -> str:
        if fraction is None:
            return ""
        return (
            f'<div class="eo-scan">Scanning every text for the regular expression: <b>{fraction:.0%}</b> '
            "(the previous matches stay shown until it ends)</div>"
        )

    def ranked_html(self, ranked: Any) -> str:
        """The best-matching texts of a word query; texts are escaped (captions are text, never HTML)."""
        if ranked is None or not len(ranked):
            return ""
        items = "".join(
            f'<li><span class="eo-score">{row.score:.2f}</span> {html.escape(_shorten(str(row.text)))} '
            f'<span class="eo-carriers">({row.samples:,} samples, {html.escape(str(row.dataset))})</span></li>'
            for row in ranked.head(10).itertuples()
        )
        return (
            '<div class="eo-ranked"><b>Best-matching texts</b> (BM25, over all texts of the dataset)'
            f"<ol>{items}</ol></div>"
        )

    def __panel__(self) -> pn.viewable.Viewable:
        s = self.state
        return pn.Column(
            FilterSelect.from_param(s.param.dataset, label="Dataset", sizing_mode="stretch_width"),
            FilterSelect.from_param(s.param.split, sizing_mode="stretch_width"),
            FilterSelect.from_param(s.param.country, sizing_mode="stretch_width"),
            FilterSelect.from_param(
                s.param.subset,
                label="Subset (source)",
                visible=s.has_subsets,
                sizing_mode="stretch_width",
                css_classes=["eo-subset"],
            ),
            FilterSelect.from_param(s.param.label, label="Class", sizing_mode="stretch_width"),
            FilterText.from_param(
                s.param.query,
                label="Search captions and questions",
                placeholder="e.g. forest|woodland",
                sizing_mode="stretch_width",
                css_classes=["eo-query"],
            ),
            FilterCheckbox.from_param(s.param.regex, css_classes=["eo-regex"]),
            self.clear_box,
            self.clear,
            html_pane(
                pn.bind(self.count_html, s.param.count, s.param.message, s.param.bounds, s.param.keep_label),
                sizing_mode="stretch_width",
            ),
            pn.pane.Alert(
                s.param.message.rx().rx.pipe(html.escape),
                alert_type="warning",
                visible=s.param.message.rx().rx.bool(),
                css_classes=["eo-query-error"],
                sizing_mode="stretch_width",
            ),
            self.scan_progress,
            html_pane(pn.bind(self.scan_html, s.param.scan_fraction), sizing_mode="stretch_width"),
            self.cancel_scan,
            pn.Row(self.previous, self.next, self.random),
            self.results,
            html_pane(pn.bind(self.ranked_html, s.param.ranked), sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )


def _shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
