"""Figures of an evaluation (PNG/SVG/PDF at 300 dpi): Table 2 as bars, per-sample score distributions per
model, and one metric across subsets (caption-length bins, classes, countries).

Drawn from stored tables only (group rows from ``aggregate``, per-sample rows from ``run``), with the
project's figure style (``explorer.figures.STYLE``), headless (no pyplot state).
``write_evaluation_figures`` is the entry point ``eo-explorer figures`` / ``evaluate --figures`` call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..catalog import Catalog
from ..constants import FIGURE_DPI
from ..figure_files import new_figure, write_figure_set
from ..frames import slug
from ..palette import PALETTE
from .store import Evaluations
from .table import METRIC_LABELS, TABLE2_ORDER, long_table, splits

#: metrics on a 0-1 scale (CIDEr-D runs to 10 and gets its own axis)
UNIT_METRICS = tuple(m for m in TABLE2_ORDER if m != "CIDEr")


def model_color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def table2_figure(groups: Mapping[str, pd.DataFrame], split: str) -> Figure:
    """Grouped bars: models x metrics for one split (CIDEr-D on its own axis)."""
    frame = long_table(groups)
    frame = frame[(frame["split"] == split) & (frame["subset_kind"] == "all")].set_index("model")
    unit = [m for m in UNIT_METRICS if m in frame.columns and frame[m].notna().any()]
    fig = new_figure(7.5, 3.2)
    left, right = fig.subplots(1, 2, width_ratios=[max(len(unit), 1), 1.4])
    models = list(frame.index)
    width = 0.8 / max(len(models), 1)
    for i, model in enumerate(models):
        x = np.arange(len(unit)) + (i - (len(models) - 1) / 2) * width
        left.bar(x, frame.loc[model, unit].to_numpy(dtype=float), width, label=model, color=model_color(i))
        if "CIDEr" in frame.columns:
            right.bar(i, float(frame.loc[model, "CIDEr"]), 0.8, color=model_color(i))
    left.set_xticks(np.arange(len(unit)), [METRIC_LABELS[m] for m in unit], rotation=30, ha="right")
    left.set_ylabel("score")
    left.set_title(f"Caption metrics, {split} split")
    left.legend(frameon=False, loc="upper right")
    right.set_xticks(np.arange(len(models)), models, rotation=30, ha="right")
    right.set_title("CIDEr-D")
    return fig


def score_distribution_figure(
    captions: Mapping[str, pd.DataFrame], metrics: Sequence[str] | None = None
) -> Figure:
    """Per-sample score distributions, one panel per metric, one box per model (all splits together)."""
    frames = {m: f for m, f in captions.items() if len(f)}
    available = [m for m in TABLE2_ORDER if any(m in f.columns for f in frames.values())]
    metrics = [m for m in (metrics or available) if m in available]
    columns = min(4, max(len(metrics), 1))
    rows = int(np.ceil(len(metrics) / columns)) if metrics else 1
    fig = new_figure(2.1 * columns, 2.2 * rows)
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    models = list(frames)
    for ax, metric in zip(axes, metrics, strict=False):
        data = [
            frames[m][metric].dropna().to_numpy(dtype=float) if metric in frames[m] else np.zeros(0)
            for m in models
        ]
        parts = ax.boxplot(data, patch_artist=True, widths=0.6, flierprops={"markersize": 2})
        for i, box in enumerate(parts["boxes"]):
            box.set_facecolor(model_color(i))
            box.set_alpha(0.7)
        ax.set_xticks(np.arange(1, len(models) + 1), models, rotation=30, ha="right", fontsize=7)
        ax.set_title(METRIC_LABELS[metric])
    for ax in axes[len(metrics) :]:
        ax.set_axis_off()
    return fig


def subset_figure(
    groups: Mapping[str, pd.DataFrame], split: str, subset_kind: str, metric: str, top: int = 20
) -> Figure:
    """One metric across the subsets of one kind (largest ``top`` subsets), one bar per model."""
    frame = long_table(groups)
    frame = frame[(frame["split"] == split) & (frame["subset_kind"] == subset_kind)]
    fig = new_figure(7.0, 3.2)
    ax = fig.add_subplot()
    if frame.empty or metric not in frame.columns:
        ax.text(
            0.5, 0.5, f"no {subset_kind} subsets scored", ha="center", va="center", transform=ax.transAxes
        )
        ax.set_axis_off()
        return fig
    sizes = frame.groupby("subset")["n"].max().sort_values(ascending=False)
    subsets = sorted(sizes.index[:top].tolist()) if subset_kind == "length" else sizes.index[:top].tolist()
    models = list(dict.fromkeys(frame["model"]))
    width = 0.8 / max(len(models), 1)
    for i, model in enumerate(models):
        values = (
            frame[frame["model"] == model].set_index("subset")[metric].reindex(subsets).to_numpy(dtype=float)
        )
        x = np.arange(len(subsets)) + (i - (len(models) - 1) / 2) * width
        ax.bar(x, values, width, label=model, color=model_color(i))
    ax.set_xticks(
        np.arange(len(subsets)), [f"{s} (n={sizes[s]})" for s in subsets], rotation=40, ha="right", fontsize=7
    )
    ax.set_ylabel(METRIC_LABELS.get(metric, metric))
    note = " (document frequencies of the whole split)" if metric == "CIDEr" else ""
    ax.set_title(f"{METRIC_LABELS.get(metric, metric)} by {subset_kind}, {split} split{note}")
    ax.legend(frameon=False, fontsize=7)
    return fig


def evaluation_figures(
    groups: Mapping[str, pd.DataFrame], captions: Mapping[str, pd.DataFrame]
) -> list[tuple[str, Figure]]:
    figures: list[tuple[str, Figure]] = []
    for split in splits(groups):
        figures.append((f"evaluate_table2_{split}", table2_figure(groups, split)))
        for kind in ("length", "class", "country"):
            figures.append((f"evaluate_{kind}_{split}_cider", subset_figure(groups, split, kind, "CIDEr")))
    if any(len(f) for f in captions.values()):
        figures.append(("evaluate_score_distributions", score_distribution_figure(captions)))
    return figures


def write_evaluation_figures(
    groups: Mapping[str, pd.DataFrame],
    captions: Mapping[str, pd.DataFrame],
    out_dir: str | Path,
    formats: Sequence[str] = ("png", "svg", "pdf"),
    dpi: int = FIGURE_DPI,
) -> list[Path]:
    """Render every evaluation figure in every format into ``out_dir``; return the written paths."""
    return write_figure_set(evaluation_figures(groups, captions), out_dir, formats, dpi)


def write_stored_figures(
    catalogs: Sequence[Catalog],
    out_dir: str | Path,
    formats: Sequence[str] = ("png", "svg", "pdf"),
    dpi: int = FIGURE_DPI,
) -> list[Path]:
    """The figures of every evaluation stored with these catalogs (latest run per model), one file set per
    catalog prefixed with its name: what ``eo-explorer figures`` adds when catalogs have been evaluated."""
    paths: list[Path] = []
    for catalog in catalogs:
        store = Evaluations(catalog)
        models = store.models()
        if not models:
            continue
        groups = {m: store.groups(m) for m in models}
        captions = {m: store.scores(m) for m in models}
        folder = Path(out_dir) / f"evaluate_{slug(catalog.name)}"
        paths += write_evaluation_figures(groups, captions, folder, formats=formats, dpi=dpi)
    return paths
