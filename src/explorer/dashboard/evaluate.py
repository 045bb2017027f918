"""Evaluate: the model scores stored by ``eo-explorer evaluate`` (``explorer.evaluate.Evaluations``) for the
open catalogs. Pick a model and a metric; the matching samples on the Explore map, coloured by their score
(unscored samples grey; ``MapView.colour_values``); the worst and best
samples (a row opens the sample in every view); the open sample's prediction beside its references with the
shared n-grams highlighted, and its scores. Nothing is scored here: a catalog never evaluated is named with the
command that evaluates it."""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np
import pandas as pd
import panel as pn
import param

from ..catalog import Catalog
from . import query
from .base import View
from .map_values import MapValues, per_sidx
from .map_view import MapView
from .resources import shared
from .result_list import ResultList
from .selection import matched_sidx
from .style import html as html_pane

EVALUATE_COMMAND = "eo-explorer evaluate CATALOG --predictions FILE"
LISTED = 15
EVALUATE_CSS = """
mark.eo-shared { background: #cfe8ff; } .eo-pred { font-weight: 600; }
mark.eo-hallucinated { background: #ffd6d6; text-decoration: underline wavy #c0392b; }
.eo-scores td, .eo-scores th { padding: 1px 8px; text-align: left; font-size: 0.85em; }
"""


def evaluated(catalog: Catalog) -> list[str]:
    """The models with stored scores for ``catalog`` (empty when never evaluated)."""
    from ..evaluate import Evaluations

    try:
        return Evaluations(catalog).models()
    except (OSError, KeyError, ValueError):
        return []


def highlighted(text: str, ngrams: list[str]) -> str:
    """``text`` escaped, every occurrence of a shared n-gram (longest first) marked."""
    grams = sorted({g for g in ngrams if g.strip()}, key=len, reverse=True)
    if not grams:
        return html.escape(text)
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(g) for g in grams) + r")(?!\w)", re.IGNORECASE)
    out, at = [], 0
    for match in pattern.finditer(text):
        out += [
            html.escape(text[at : match.start()]),
            f'<mark class="eo-shared">{html.escape(match.group())}</mark>',
        ]
        at = match.end()
    out.append(html.escape(text[at:]))
    return "".join(out)


def sample_scores(catalog: Catalog, model: str, metric: str) -> np.ndarray:
    """The stored score of every sample of ``catalog`` (index = sidx; NaN: not scored), read once per process,
    model and metric (``resources``). KeyError when the metric was not stored for this model."""
    from ..evaluate import Evaluations

    def build() -> np.ndarray:
        frame = Evaluations(catalog).scores(model, metric)
        return per_sidx(query.index_of(catalog).sample_ids, frame["sample_id"], frame["score"])

    return shared(("scores", str(catalog.path), model, metric), build, owner=catalog)


def ranked_scores(
    indexes: list[query.CatalogIndex], matches: query.Matches, scores: dict[str, np.ndarray], n: int,
    worst: bool,
) -> pd.DataFrame:  # fmt: skip
    """The ``n`` worst (or best) scored samples among the matches: dataset, sample_id, score."""
    parts = []
    by_name = {ix.name: ix for ix in indexes}
    for name, sidx in matched_sidx(matches).items():
        values, ix = scores.get(name), by_name[name]
        if values is None:
            continue
        sidx = sidx[np.isfinite(values[sidx])]
        parts.append(pd.DataFrame({"dataset": ix.name, "sample_id": ix.sample_ids[sidx], "score": values[sidx]}))
    if not parts:
        return pd.DataFrame(columns=["dataset", "sample_id", "score"])
    table = pd.concat(parts, ignore_index=True)
    table = table.sort_values(["score", "dataset", "sample_id"], ascending=[worst, True, True], kind="stable")
    return table.head(n).reset_index(drop=True)


def not_scored_sentence(model: str, sample_id: str) -> str:
    return (
        f"Model {model} has no score for sample {sample_id}: its predictions did not cover it, or it is not in "
        "the split that was evaluated."
    )


def prediction_html(text: str, ngrams: list[str], hallucinated: list[dict[str, Any]]) -> str:
    """The prediction escaped: each class the map lacks marked (hover: what the map holds), the n-grams it
    shares with the references highlighted in the rest."""
    out, at = [], 0
    for span in sorted(hallucinated, key=lambda s: int(s["start"])):
        start, end = int(span["start"]), int(span["end"])
        if start < at or end > len(text):
            continue
        tip = f"hallucinated class: {span.get('from_map') or ''}"
        out += [
            highlighted(text[at:start], ngrams),
            f'<mark class="eo-hallucinated" title="{html.escape(tip, quote=True)}">'
            f"{html.escape(text[start:end])}</mark>",
        ]
        at = end
    out.append(highlighted(text[at:], ngrams))
    return "".join(out)


class EvaluateView(View):
    """Model + metric picker, score map, worst/best lists, prediction vs references."""

    model: param.Selector[Any] = param.Selector(default=None, objects=[], doc="Evaluated model")
    metric: param.Selector[Any] = param.Selector(default=None, objects=[], doc="Caption metric")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        from ..evaluate import CAPTION_METRICS

        self.runs = {c.name: evaluated(c) for c in self.state.catalogs.values()}
        models = sorted({m for ms in self.runs.values() for m in ms})
        self.param.model.objects = models
        self.param.metric.objects = list(CAPTION_METRICS)
        self.param.update(model=models[0] if models else None, metric="CIDEr" if "CIDEr" in CAPTION_METRICS
                          else CAPTION_METRICS[0])  # fmt: skip
        # The project's small result list (as Explore's), not Panel's Tabulator: no page loads Tabulator's scripts.
        table: dict[str, Any] = dict(float_format="{:.3f}", height=260, sizing_mode="stretch_width")
        self._worst = ResultList(self.state.open_sample, **table)
        self._best = ResultList(self.state.open_sample, **table)
        self.values: MapValues | None = None  # what the map colours by: the picked model's metric
        self.map: MapView | None = None  # built with the layout: a session that never opens Evaluate never pays
        self._layout: pn.viewable.Viewable | None = None
        self._sample = html_pane("", sizing_mode="stretch_width", stylesheets=[EVALUATE_CSS])
        self._scores: dict[str, np.ndarray] = {}
        self.param.watch(self._refresh, ["model", "metric"])
        self.state.param.watch(self._rank, "matches")
        self.state.param.watch(self._show_sample, ["open_dataset", "sample_id"])
        self._refresh()

    def _catalogs(self) -> list[Catalog]:
        return [self.state.catalogs[n] for n, models in self.runs.items() if self.model in models]

    def _refresh(self, *_: Any) -> None:
        scores: dict[str, np.ndarray] = {}
        for catalog in self._catalogs():
            try:
                scores[catalog.name] = sample_scores(catalog, self.model, self.metric)
            except KeyError:
                continue  # this metric was not computed for this run
        self._scores = scores
        self._rank()
        self.values = (
            MapValues.spanning(f"{self.metric} of {self.model}", scores, low=0.0) if self.model else None
        )
        if self.map is not None:
            self.map.colour_values = self.values
        self._show_sample()

    def _rank(self, *_: Any) -> None:
        """The worst and best scored samples among the session's matches (they follow the filters)."""
        if self.state.matches is None:
            return
        indexes, matches = self.state.indexes, self.state.matches
        shown = ["score", "dataset", "sample_id"]  # the score first: long sample ids must not push it out of view
        self._worst.value = ranked_scores(indexes, matches, self._scores, LISTED, worst=True)[shown]
        self._best.value = ranked_scores(indexes, matches, self._scores, LISTED, worst=False)[shown]

    def _show_sample(self, *_: Any) -> None:
        from ..evaluate import Evaluations

        catalog = self.state.catalogs.get(self.state.open_dataset)
        if catalog is None or self.model not in self.runs.get(catalog.name, []):
            self._sample.object = (
                '<p class="eo-muted">The open sample\'s dataset has no scores for this model.</p>'
            )
            return
        try:
            record = Evaluations(catalog).sample(self.model, self.state.sample_id)
        except KeyError:
            self._sample.object = (
                f'<p class="eo-muted">{html.escape(not_scored_sentence(self.model, self.state.sample_id))}</p>'
            )
            return
        grams = [g["ngram"] for g in record["shared_ngrams"]]
        scores = "".join(
            f"<tr><th>{html.escape(m)}</th><td>{v:.3f}</td></tr>"
            for m, v in record["scores"].items()
            if v is not None
        )
        refs = "".join(f"<li>{highlighted(r, grams)}</li>" for r in record["references"])
        wrong = record.get("hallucinated") or []
        mentions = record.get("class_mentions")
        checks = (
            '<p class="eo-muted">No land-cover map to check the classes it names against.</p>'
            if mentions is None or mentions != mentions
            else f'<p class="eo-class-checks">{int(mentions)} class mention{"s" if mentions != 1 else ""}, '
            f"{len(wrong)} hallucinated (a class the land-cover map lacks, marked)</p>"
        )
        self._sample.object = (
            f"<b>{html.escape(self.state.sample_id)}</b> ({html.escape(str(record['split']))})"
            f'<p class="eo-pred">Prediction: {prediction_html(str(record["prediction"]), grams, wrong)}</p>'
            f'{checks}<b>References</b><ol>{refs}</ol><table class="eo-scores">{scores}</table>'
        )

    def __panel__(self) -> pn.viewable.Viewable:
        if self._layout is not None:
            return self._layout
        self.map = MapView(state=self.state, colour_values=self.values)
        missing = [n for n, models in self.runs.items() if not models]
        note = (
            f'<div class="eo-note">No evaluation is stored for {html.escape(", ".join(missing))}: run '
            f"<code>{EVALUATE_COMMAND}</code>, then reload.</div>"
            if missing
            else ""
        )
        self._layout = pn.Column(
            html_pane(note, sizing_mode="stretch_width"),
            pn.Row(pn.widgets.Select.from_param(self.param.model, width=220),
                   pn.widgets.Select.from_param(self.param.metric, width=160)),
            pn.Row(pn.Column(self.map, sizing_mode="stretch_width"),
                   pn.Column(self._sample, width=480, height=560, scroll=True), sizing_mode="stretch_width"),
            pn.Row(pn.Column(html_pane("<b>Worst among the matches</b> (click to open)"), self._worst, sizing_mode="stretch_width"),
                   pn.Column(html_pane("<b>Best among the matches</b>"), self._best, sizing_mode="stretch_width"),
                   sizing_mode="stretch_width"),
            sizing_mode="stretch_width", css_classes=["eo-evaluate"],
        )  # fmt: skip
        return self._layout
