"""Header of the open sample: identity, flags (a visible SYNTHETIC badge), classes, position, PNG export."""

from __future__ import annotations

import re
from typing import Any

import panel as pn

from ..text import highlight_html
from .base import View
from .state import ExplorerState
from .style import html as html_pane


def _escape(value: Any) -> str:
    return highlight_html(str(value), []) if value is not None else ""


def header_html(state: ExplorerState) -> str:
    """Markup for the open sample; every value from the data is escaped."""
    if state.sample_message:
        return f'<div class="eo-sample-header eo-error">{_escape(state.sample_message)}</div>'
    sample = state.sample
    if not sample:
        return (
            '<div class="eo-sample-header eo-muted">Select a sample on the map or in the result list.</div>'
        )
    badges = []
    for flag in state.flags:
        css = "eo-badge eo-badge-synthetic" if flag == "synthetic" else "eo-badge"
        text = "SYNTHETIC" if flag == "synthetic" else flag
        badges.append(f'<span class="{css}" title="sample flag: {_escape(flag)}">{_escape(text)}</span>')
    facts = []
    for key in ("split", "country", "season"):
        value = sample.get(key)
        if isinstance(value, str) and value:
            facts.append(f"{key}: <b>{_escape(value)}</b>")
    lat, lon = sample.get("lat"), sample.get("lon")
    if isinstance(lat, float) and isinstance(lon, float) and lat == lat and lon == lon:
        facts.append(
            f"{lat:.4f}°, {lon:.4f}° <span class='eo-muted'>({_escape(sample.get('position'))})</span>"
        )
    labels = sample.get("labels")
    classes = ", ".join(_escape(x) for x in labels) if labels is not None and len(labels) else "none listed"
    position = state.current_position()
    where = (
        f"match {position + 1:,} of {state.count:,}"
        if position is not None
        else "not among the current matches"
    )
    return (
        f'<div class="eo-sample-header"><div class="eo-sample-title">{"".join(badges)} '
        f'<span class="eo-dataset">{_escape(state.open_dataset)}</span> · '
        f'<span class="eo-sample-id">{_escape(state.sample_id)}</span> '
        f'<span class="eo-muted">({where})</span></div>'
        f'<div class="eo-facts">{" · ".join(facts)}</div>'
        f'<div class="eo-classes">classes: {classes}</div></div>'
    )


def export_filename(state: ExplorerState) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{state.open_dataset}_{state.sample_id}").strip("_") or "sample"
    return f"{stem}.png"


class SampleHeader(View):
    def __init__(self, state: ExplorerState, **params: Any) -> None:
        super().__init__(state=state, **params)
        self.download = pn.widgets.FileDownload(
            callback=self._png,
            filename="sample.png",
            label="Export PNG (300 dpi)",
            color="primary",
            width=190,
            css_classes=["eo-export"],
        )

    def _png(self) -> Any:
        from .export import sample_png  # matplotlib: imported when a PNG is asked for, not with the page

        # Named here, when a PNG is asked for: Panel sends the name with the PNG's data (both are read after
        # this callback). Renaming on every sample opened cost each Next ~1.5 ms of server CPU and a property
        # sent to the page.
        self.download.filename = export_filename(self.state)
        return sample_png(self.state)

    def __panel__(self) -> pn.viewable.Viewable:
        s = self.state
        header = html_pane(
            pn.bind(lambda *_: header_html(s), s.param.sample, s.param.sample_message, s.param.count),
            sizing_mode="stretch_width",
        )
        return pn.Column(header, self.download, sizing_mode="stretch_width")
