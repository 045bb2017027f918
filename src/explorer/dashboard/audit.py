"""Audit: the verdicts of ``explorer.audit`` (stored beside each catalog by ``eo-explorer audit``) for the open
catalogs: the map coloured by each sample's dispute rate, a filter keeping only samples with at least N disputes
(it restricts the session's matches, so the map, the count and previous / next follow it), the disputed samples
among the matches ranked by how many (a row opens the sample in every view), the summary per dataset and rule,
the open sample's texts with each checked claim marked (hover: what the map says) and its released versus
re-computed boxes. A catalog never audited is named with the command that audits it; nothing is made up."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import panel as pn
import param

from ..audit.verdicts import AGREE, DISPUTE, NOT_EVALUABLE
from ..catalog import Catalog
from ..errors import ExplorerError
from . import query
from .base import View
from .map_values import MapValues, per_sidx
from .map_view import MapView
from .resources import shared
from .result_list import ResultList
from .selection import matched_sidx
from .style import html as html_pane

AUDIT_COMMAND = "eo-explorer audit CATALOG"
RANKED = 50
AUDIT_CSS = """
mark.eo-agree { background: #d8f3dc; } mark.eo-dispute { background: #ffd6d6; }
mark.eo-not-evaluable { background: #eeeeee; }
.eo-audit-table { border-collapse: collapse; font-size: 0.85em; }
.eo-audit-table td, .eo-audit-table th { border-bottom: 1px solid #e3e3e3; padding: 2px 6px; text-align: left; }
"""


def audited(catalog: Catalog) -> bool:
    from ..audit.run import audit_folder

    return (audit_folder(catalog) / "samples.parquet").is_file()


@dataclass(frozen=True)
class SampleDisputes:
    """Per sample of one audited catalog (index = sidx): disputes, checked claims and the dispute rate, read
    once per process from ``audit/samples.parquet`` (primary variants), shared read-only by every session."""

    disputes: np.ndarray  # int64
    checked: np.ndarray  # int64
    rate: np.ndarray  # float64, NaN when no claim of the sample could be evaluated


def sample_disputes(catalog: Catalog) -> SampleDisputes:
    """The catalog's per-sample dispute counts (``resources``: built once per process and catalog)."""
    from .. import audit

    def build() -> SampleDisputes:
        counts = audit.load_sample_counts(catalog)
        ids = query.index_of(catalog).sample_ids
        disputes = np.nan_to_num(per_sidx(ids, counts["sample_id"], counts["disputes"])).astype(np.int64)
        checked = np.nan_to_num(per_sidx(ids, counts["sample_id"], counts["checked"])).astype(np.int64)
        return SampleDisputes(disputes, checked, per_sidx(ids, counts["sample_id"], counts["dispute_rate"]))

    return shared(("audit-disputes", str(catalog.path)), build, owner=catalog)


def ranked_matches(
    indexes: list[query.CatalogIndex], matches: query.Matches, disputes: dict[str, SampleDisputes],
    min_disputes: int, limit: int = RANKED,
) -> pd.DataFrame:  # fmt: skip
    """The matching samples with at least ``min_disputes`` disputes, most disputes first (then highest rate)."""
    parts = []
    by_name = {ix.name: ix for ix in indexes}
    for name, sidx in matched_sidx(matches).items():
        counts, ix = disputes.get(name), by_name[name]
        if counts is None:
            continue
        sidx = sidx[counts.disputes[sidx] >= min_disputes]
        parts.append(
            pd.DataFrame({
                "dataset": ix.name, "sample_id": ix.sample_ids[sidx], "disputes": counts.disputes[sidx],
                "checked": counts.checked[sidx], "dispute_rate": counts.rate[sidx],
                "country": query.category_values(ix.country, sidx),
            })  # fmt: skip
        )
    columns = ["dataset", "sample_id", "disputes", "checked", "dispute_rate", "country"]
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True)
    table = table.sort_values(["disputes", "dispute_rate", "dataset", "sample_id"],
                              ascending=[False, False, True, True], kind="stable")  # fmt: skip
    return table.head(limit).reset_index(drop=True)[columns]


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
    """Dispute-rate map, disputed-only filter, disputes ranked, summaries, marked spans, boxes."""

    min_disputes = param.Integer(
        default=1, bounds=(1, None), label="Minimum disputes", doc="Rank (and keep) samples with at least this "
        "many disputes",
    )  # fmt: skip
    disputed_only = param.Boolean(
        default=False, label="Only samples with disputes", doc="Keep only samples with at least "
        "``min_disputes`` disputes in the session's matches (map, count, previous / next)",
    )  # fmt: skip

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._summary = html_pane("", sizing_mode="stretch_width", stylesheets=[AUDIT_CSS])
        # The project's small result list (as Explore's), not Panel's Tabulator: no page loads Tabulator's scripts.
        self._ranked = ResultList(self.state.open_sample, float_format="{:.3f}", height=320, sizing_mode="stretch_width")
        self._sample = html_pane("", sizing_mode="stretch_width", stylesheets=[AUDIT_CSS])
        self.state.param.watch(self._show_sample, ["annotations", "sample_id"])
        self.state.param.watch(self._rank, "matches")
        self.param.watch(self._apply_filter, ["disputed_only", "min_disputes"])
        self.param.watch(self._rank, "min_disputes")
        self.map: MapView | None = None  # built with the layout: a session that never opens Audit never pays
        self._layout: pn.viewable.Viewable | None = None

    @property
    def catalogs(self) -> list[Catalog]:
        return [c for c in self.state.catalogs.values() if audited(c)]

    @property
    def disputes(self) -> dict[str, SampleDisputes]:
        out: dict[str, SampleDisputes] = {}
        for catalog in self.catalogs:
            try:
                out[catalog.name] = sample_disputes(catalog)
            except (ExplorerError, OSError, KeyError, ValueError):
                continue  # its summary row says it could not be read
        return out

    def map_values(self) -> MapValues:
        """Each audited sample's dispute rate (disputes / evaluated claims; others grey), the colours spanning
        0 to the highest rate: rates are mostly a few percent, which a 0-1 scale would paint all alike."""
        return MapValues.spanning("dispute rate", {name: d.rate for name, d in self.disputes.items()}, low=0.0)

    @property
    def filter_label(self) -> str:
        return f"with at least {self.min_disputes} dispute{'s' if self.min_disputes > 1 else ''} (Audit)"

    def _apply_filter(self, *_: Any) -> None:
        """Restrict (or stop restricting) the session's matches to the disputed samples."""
        if self.disputed_only:
            keep = {n: np.flatnonzero(d.disputes >= self.min_disputes) for n, d in self.disputes.items()}
            self.state.param.update(keep=keep, keep_label=self.filter_label)
        elif self.state.keep is not None and self.state.keep_label.endswith("(Audit)"):
            self.state.param.update(keep=None, keep_label="")

    def _rank(self, *_: Any) -> None:
        if self.state.matches is None:
            return
        self._ranked.value = ranked_matches(
            self.state.indexes, self.state.matches, self.disputes, self.min_disputes
        )

    def refresh(self) -> None:
        from .. import audit

        frames = []
        for catalog in self.catalogs:
            try:
                frames.append(
                    audit.summary(audit.load_verdicts(catalog, primary_only=True), ["dataset", "rule"])
                )
            except (ExplorerError, OSError) as error:
                frames.append(pd.DataFrame({"dataset": [catalog.name], "rule": [f"could not read: {error}"]}))
        summary = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        self._summary.object = "<b>Verdicts per dataset and rule</b> (primary variants)" + _table(
            summary, [c for c in ("dataset", "rule", AGREE, DISPUTE, NOT_EVALUABLE, "dispute_rate")
                      if c in summary.columns]
        )  # fmt: skip
        self._rank()
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
        self.map = MapView(state=self.state, colour_values=self.map_values())
        self._layout = pn.Column(
            note,
            pn.Row(
                pn.Column(self.map, sizing_mode="stretch_width"),
                pn.Column(
                    pn.Row(pn.widgets.Checkbox.from_param(self.param.disputed_only, margin=(18, 10),
                                                          css_classes=["eo-disputed-only"]),
                           pn.widgets.IntInput.from_param(self.param.min_disputes, start=1, width=130)),
                    html_pane("<b>Disputed samples among the matches</b>, most disputes first (click one to "
                              "open it)"),
                    self._ranked, width=660,
                ),
                sizing_mode="stretch_width",
            ),
            pn.Row(
                pn.Column(self._summary, sizing_mode="stretch_width"),
                pn.Column(self._sample, sizing_mode="stretch_width"),
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
            css_classes=["eo-audit"],
        )  # fmt: skip
        return self._layout
