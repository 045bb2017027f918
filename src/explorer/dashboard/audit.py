"""Audit: the verdicts of ``explorer.audit`` (stored beside each catalog by ``eo-explorer audit``) for the open
catalogs: the summary per dataset and rule, the disputed samples ranked (a row opens the sample in every view),
the open sample's texts with each checked claim marked (hover: what the map says) and its released versus
re-computed boxes. A catalog never audited is named with the command that audits it; nothing is made up."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import panel as pn
import param

from ..catalog import Catalog
from ..errors import ExplorerError
from .base import View
from .style import html as html_pane

AUDIT_COMMAND = "eo-explorer audit CATALOG"
RANKED = 50
AUDIT_CSS = """
mark.eo-agree { background: #d8f3dc; } mark.eo-dispute { background: #ffd6d6; }
mark.eo-not_evaluable { background: #eeeeee; }
.eo-audit-table { border-collapse: collapse; font-size: 0.85em; }
.eo-audit-table td, .eo-audit-table th { border-bottom: 1px solid #e3e3e3; padding: 2px 6px; text-align: left; }
"""


def audited(catalog: Catalog) -> bool:
    from ..audit.run import audit_folder

    return (audit_folder(catalog) / "samples.parquet").is_file()


def marked_text(text: str, rows: pd.DataFrame) -> str:
    """``text`` escaped, each claim span wrapped in a mark coloured by its verdict; the tooltip says what the
    text claims and what the map says."""
    spans = rows[(rows["span_start"] >= 0) & (rows["span_end"] > rows["span_start"])].sort_values(
        "span_start"
    )
    out, at = [], 0
    for row in spans.to_dict("records"):
        start, end = int(row["span_start"]), int(row["span_end"])
        if start < at or end > len(text):
            continue  # overlapping or out-of-range spans: the first one wins
        tip = f"{row['rule']}: {row['verdict']}; map says: {row.get('from_map') or '-'}"
        out += [
            html.escape(text[at:start]),
            f'<mark class="eo-{html.escape(str(row["verdict"]))}" title="{html.escape(tip, quote=True)}">'
            f"{html.escape(text[start:end])}</mark>",
        ]
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


def _table(frame: pd.DataFrame, columns: list[str]) -> str:
    if frame.empty:
        return '<p class="eo-muted">nothing</p>'
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(r.get(c)))}</td>" for c in columns) + "</tr>"
        for r in frame.to_dict("records")
    )
    return f'<table class="eo-audit-table"><tr>{head}</tr>{body}</table>'


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "-" if pd.isna(value) else f"{value:.3f}"
    return "" if value is None else str(value)


class AuditView(View):
    """Verdicts per sample, disputes ranked, summaries, marked spans, released vs re-computed boxes."""

    min_disputes = param.Integer(
        default=1, bounds=(1, None), doc="Rank samples with at least this many disputes"
    )

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._summary = html_pane("", sizing_mode="stretch_width", stylesheets=[AUDIT_CSS])
        self._ranked = pn.widgets.Tabulator(
            pd.DataFrame(), disabled=True, show_index=False, height=320, sizing_mode="stretch_width",
            selectable=1, pagination=None,
        )  # fmt: skip
        self._ranked.on_click(self._open_row)
        self._sample = html_pane("", sizing_mode="stretch_width", stylesheets=[AUDIT_CSS])
        self.state.param.watch(self._show_sample, ["annotations", "sample_id"])
        self._layout: pn.viewable.Viewable | None = None

    @property
    def catalogs(self) -> list[Catalog]:
        return [c for c in self.state.catalogs.values() if audited(c)]

    def _open_row(self, event: Any) -> None:
        row = self._ranked.value.iloc[int(event.row)]
        self.state.open_sample(str(row["dataset"]), str(row["sample_id"]))

    def refresh(self) -> None:
        from .. import audit

        frames, ranked = [], []
        for catalog in self.catalogs:
            try:
                frames.append(
                    audit.summary(audit.load_verdicts(catalog, primary_only=True), ["dataset", "rule"])
                )
                ranked.append(audit.ranked_samples(catalog, self.min_disputes).head(RANKED))
            except (ExplorerError, OSError) as error:
                frames.append(pd.DataFrame({"dataset": [catalog.name], "rule": [f"could not read: {error}"]}))
        summary = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        self._summary.object = "<b>Verdicts per dataset and rule</b> (primary variants)" + _table(
            summary, [c for c in ("dataset", "rule", "agree", "dispute", "not_evaluable", "dispute_rate")
                      if c in summary.columns]
        )  # fmt: skip
        table = pd.concat(ranked, ignore_index=True) if ranked else pd.DataFrame()
        keep = [
            c
            for c in ("dataset", "sample_id", "disputes", "checked", "dispute_rate", "country")
            if c in table
        ]
        self._ranked.value = table[keep] if len(table) else pd.DataFrame(columns=keep)
        self._show_sample()

    def _show_sample(self, *_: Any) -> None:
        from .. import audit

        catalog = self.state.catalogs.get(self.state.open_dataset)
        annotations = self.state.annotations
        if catalog is None or not audited(catalog) or annotations is None or not self.state.sample_id:
            self._sample.object = '<p class="eo-muted">The open sample\'s dataset has not been audited.</p>'
            return
        try:
            rows = audit.sample_verdicts(catalog, self.state.sample_id)
            boxes = audit.box_pairs(catalog, self.state.sample_id)
        except (ExplorerError, OSError, KeyError) as error:
            self._sample.object = f'<p class="eo-problem">{html.escape(str(error))}</p>'
            return
        parts = [f"<b>Sample {html.escape(self.state.sample_id)}</b>: {len(rows)} checked claims"]
        for ann in annotations.to_dict("records"):
            mine = rows[rows["ann_id"] == ann["ann_id"]]
            for field in ("input", "output"):
                text = ann.get(field)
                if isinstance(text, str) and text:
                    parts.append(f"<p>{marked_text(text, mine[mine['field'] == field])}</p>")
        parts.append("<b>Released vs re-computed boxes</b>")
        parts.append(_table(boxes, list(boxes.columns)))
        self._sample.object = "".join(parts)

    def __panel__(self) -> pn.viewable.Viewable:
        if self._layout is not None:
            return self._layout
        missing = [c.name for c in self.state.catalogs.values() if not audited(c)]
        note = html_pane(
            (
                f'<div class="eo-note">The audit has not been run for {html.escape(", ".join(missing))}: run '
                f"<code>{AUDIT_COMMAND}</code> (verdicts are stored beside the catalog), then reload.</div>"
            )
            if missing
            else "",
            sizing_mode="stretch_width",
        )
        self.refresh()
        self._layout = pn.Column(
            note,
            pn.Row(
                pn.Column(self._summary, html_pane("<b>Disputed samples</b> (click one to open it)"), self._ranked,
                          sizing_mode="stretch_width"),
                pn.Column(self._sample, sizing_mode="stretch_width"),
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
            css_classes=["eo-audit"],
        )  # fmt: skip
        return self._layout
