"""Compare, at full width: the computed comparison table (Table A1 columns, one row per open dataset with a small
map of its coverage), then every statistic in a grid. The panels of the matching samples (``StatsView``) are
interactive: a bar or bin outlines its samples on the Explore map and the filters hold in every view. The rest
(vocabulary and Zipf, word clouds, classes by pixel and by mention, co-occurrence, boxes, geography) are drawn
from each dataset's full statistics by ``figures.STAT_PANELS``, as ``eo-explorer figures`` draws them. The whole
comparison downloads as one two-column paper figure (``explorer.paper``).
"""

from __future__ import annotations

import html
import io
import math
from functools import lru_cache, partial
from typing import Any

import pandas as pd
import panel as pn
import param

from .. import stats
from ..constants import FIGURE_DPI
from ..figures import INTERACTIVE_PANELS, STAT_PANELS, export_panel
from ..palette import dataset_color
from ..paper import export_paper
from .base import View
from .selection import Tables, full_stats
from .stats_view import EXPORT_FORMATS, StatsView
from .style import html as html_pane

MAP_W, MAP_H = 120, 60
STATIC_PANELS = tuple(k for k in STAT_PANELS if k not in INTERACTIVE_PANELS)
CARD_WIDTH = 420
# The tables the interactive panels draw (``selection.selection_stats``): of the matches; the rest: full.
INTERACTIVE_TABLES = (
    "length_hist",
    "class_by_sample",
    "task_mix",
    "answer_balance",
    "top_words",
    "vocabulary",
)


@lru_cache(maxsize=1)
def _world_path() -> str:
    """The world outline as one SVG path in the small maps' coordinates (every few points: it is 150 px)."""
    from ..world import outline_paths

    parts = []
    for ring in outline_paths():
        if len(ring) < 4:
            continue
        step = max(1, len(ring) // 40)
        pts = ring[::step]
        xs = (pts[:, 0] + 180) / 360 * MAP_W
        ys = (90 - pts[:, 1]) / 180 * MAP_H
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True)) + "Z")
    return "".join(parts)


def coverage_svg(density: pd.DataFrame, name: str) -> str:
    """A small world map with the dataset's occupied cells; says so when the dataset has no positions."""
    rows = density[density["dataset"] == name] if not density.empty else density
    if rows.empty:
        return '<span class="eo-muted">no positions</span>'
    cell = float(rows["cell_deg"].iloc[0]) if "cell_deg" in rows else 2.0
    w, h = max(cell / 360 * MAP_W, 1.2), max(cell / 180 * MAP_H, 1.2)
    color = dataset_color(name)
    cells = "".join(
        f'<rect x="{(lon + 180) / 360 * MAP_W:.1f}" y="{(90 - lat - cell) / 180 * MAP_H:.1f}" '
        f'width="{w:.1f}" height="{h:.1f}" fill="{color}"/>'
        for lat, lon in zip(rows["lat"].to_numpy(float), rows["lon"].to_numpy(float), strict=True)
    )
    try:
        outline = f'<path d="{_world_path()}" fill="#eeeeee" stroke="#b5b5b5" stroke-width="0.3"/>'
    except (ImportError, OSError, ValueError, KeyError):
        outline = ""  # no shipped outline: cells on a plain background
    return (
        f'<svg class="eo-coverage-map" width="{MAP_W}" height="{MAP_H}" viewBox="0 0 {MAP_W} {MAP_H}" '
        f'role="img" aria-label="coverage of {html.escape(name)}"><rect width="{MAP_W}" height="{MAP_H}" '
        f'fill="#f8fbff" stroke="#ccc"/>{outline}{cells}</svg>'
    )


def _number(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:,.{digits}f}"


TABLE_HEAD = (
    "Dataset", "Image-text pairs", "Images", "Caption length<br>mean / median (words)", "Vocabulary",
    "Caption granularity", "Caption generation", "Image data", "Countries", "Continents",
    "Convex hull (km²)", "Coverage",
)  # fmt: skip


def comparison_html(tables: Tables) -> str:
    """The comparison table as HTML (every value escaped: names and facts come from files)."""
    table = tables.get("comparison")
    if table is None or table.empty:
        return '<p class="eo-muted">No dataset is open: nothing to compare.</p>'
    density = tables.get("density", pd.DataFrame())
    e = html.escape
    body = []
    for row in table.to_dict("records"):
        name = str(row["dataset"])
        published = str(row.get("published granularity") or "")
        granularity = e(str(row.get("caption granularity", ""))) + (
            f'<br><span class="eo-muted">published: {e(published)}</span>' if published else ""
        )
        area = row.get("hull area (km²)")
        cells = [
            f'<span class="eo-dot" style="background:{dataset_color(name)}"></span><b>{e(name)}</b>',
            e(str(row.get("pairs (vs published)", _number(row.get("image-text pairs"))))),
            _number(row.get("images")),
            f"{_number(row.get('mean caption length (words)'), 1)} / "
            f"{_number(row.get('median caption length (words)'), 1)}",
            _number(row.get("vocabulary size")),
            granularity,
            e(str(row.get("caption generation", ""))) + '<sup title="from the facts table">f</sup>',
            e(str(row.get("image data", row.get("image modality", "")))),
            _number(row.get("countries")),
            _number(row.get("continents")),
            _number(area) if row.get("positioned samples") else '<span class="eo-muted">no positions</span>',
            coverage_svg(density, name),
        ]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    sources = sorted(
        {
            part.strip()
            for s in table.get("facts source", pd.Series(dtype=str))
            for part in str(s).split(" | ")
        }
        - {"", "none"}
    )
    note = (
        '<p class="eo-muted"><sup>f</sup> not measurable from the files; from the reader\'s facts or '
        f"the published table ({e(' | '.join(sources)) or 'no source'}). Every other value is computed from "
        "the catalogs; a count that differs from the published one shows the published figure beside it.</p>"
    )
    head = "".join(f"<th>{h}</th>" for h in TABLE_HEAD)
    return f'<table class="eo-comparison"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{note}'


TABLE_CSS = """
.eo-comparison { border-collapse: collapse; width: 100%; font-size: 0.85em; }
.eo-comparison th, .eo-comparison td { border-bottom: 1px solid #e3e3e3; padding: 4px 6px; text-align: left;
  vertical-align: middle; }
.eo-comparison th { background: #f3f6f9; font-weight: 600; }
.eo-comparison td { max-width: 170px; overflow-wrap: anywhere; }
.eo-comparison td:last-child { max-width: none; width: 125px; }
"""


class CompareView(View):
    """The comparison table, the interactive statistics of the matches and the full-statistics panels."""

    paper_format: param.Selector[Any] = param.Selector(
        default=next(iter(EXPORT_FORMATS)), objects=list(EXPORT_FORMATS), label="Paper figure as",
        doc="File format of the paper figure",
    )  # fmt: skip
    full = param.Dict(default={}, doc="Every dataset's full statistics, combined (computed when first shown)")
    active = param.Boolean(default=False, doc="Computed and drawn (the view was shown once)")

    def __init__(self, stats_view: StatsView | None = None, **params: Any) -> None:
        super().__init__(**params)
        self.stats = stats_view if stats_view is not None else StatsView(state=self.state, active=False)
        self._table = html_pane("", sizing_mode="stretch_width", stylesheets=[TABLE_CSS])
        self._static = pn.FlexBox(sizing_mode="stretch_width")
        self._paper = pn.widgets.FileDownload(
            callback=self._export_paper, filename="comparison_paper.png", label="Download paper figure",
            color="primary", icon="download", width=230, margin=(8, 5), embed=False,
        )  # fmt: skip
        self.param.watch(self._rename, "paper_format")
        self.param.watch(self._render, "full")
        self._layout: pn.viewable.Viewable | None = None

    def activate(self) -> None:
        """Compute (once) and draw: the table and full panels from each dataset's cached statistics."""
        if self.active:
            return
        self.active = True
        self.stats.activate()
        results = [full_stats(c) for c in self.state.catalogs.values()]
        self.full = stats.combine(results) if results else {}

    def _render(self, *_: Any) -> None:
        self._table.object = comparison_html(self.full)
        cards = []
        for key in STATIC_PANELS:
            drawn = STAT_PANELS[key].figures(self.full, False)
            if not drawn:
                continue
            panes = [
                pn.pane.Matplotlib(fig, dpi=96, tight=True, format="png", sizing_mode="stretch_width")
                for _, fig in drawn
            ]
            download = pn.widgets.FileDownload(
                callback=partial(self._export_full, key), filename=f"{key}.png", label="Export", color="light",
                icon="download", width=110, margin=(0, 5), embed=False,
            )  # fmt: skip
            cards.append(
                pn.Column(
                    pn.Row(
                        html_pane(f"<b>{STAT_PANELS[key].title}</b>", margin=(8, 5)),
                        pn.layout.HSpacer(),
                        download,
                    ),
                    pn.FlexBox(*panes, sizing_mode="stretch_width"),
                    sizing_mode="stretch_width",
                    min_width=CARD_WIDTH,
                    margin=(5, 8),
                    styles={
                        "flex": f"1 1 {CARD_WIDTH * min(len(panes), 2)}px",
                        "border": "1px solid #e3e3e3",
                        "border-radius": "4px",
                    },
                    css_classes=[f"eo-card-{key}"],
                )  # fmt: skip
            )
        self._static.objects = cards

    # --- export -------------------------------------------------------------------------------------------------
    def paper_tables(self) -> Tables:
        """What the paper figure draws: the panels on screen (matches) over the full statistics."""
        on_screen = {k: v for k, v in self.stats.tables.items() if k in INTERACTIVE_TABLES}
        return {**self.full, **on_screen}

    def export_paper(self) -> tuple[str, bytes]:
        return export_paper(self.paper_tables(), EXPORT_FORMATS[self.paper_format], self.stats.density)

    def _export_paper(self) -> io.BytesIO:
        name, data = self.export_paper()
        self._paper.filename = name
        return io.BytesIO(data)

    def _export_full(self, key: str) -> io.BytesIO:
        fmt = EXPORT_FORMATS[self.stats.export_format]
        name, data = export_panel(self.full, key, fmt, False, dpi=FIGURE_DPI)
        return io.BytesIO(data)

    def _rename(self, *_: Any) -> None:
        self._paper.filename = f"comparison_paper.{EXPORT_FORMATS[self.paper_format]}"

    def __panel__(self) -> pn.viewable.Viewable:
        if self._layout is not None:
            return self._layout
        fmt = pn.widgets.Select.from_param(self.param.paper_format, name="", width=140, margin=(8, 5))
        self._layout = pn.Column(
            pn.Row(
                html_pane("<h3 style='margin:6px 0'>Comparison of the open datasets</h3>"),
                pn.layout.HSpacer(), fmt, self._paper, sizing_mode="stretch_width",
            ),
            self._table,
            self.stats,
            html_pane(
                "<b>Every sample of each dataset</b> "
                '<span class="eo-muted">(these panels do not follow the filters)</span>',
                margin=(10, 10, 0, 10),
            ),
            self._static,
            sizing_mode="stretch_width",
            css_classes=["eo-compare"],
        )  # fmt: skip
        return self._layout


__all__ = ["CompareView", "comparison_html", "coverage_svg"]
