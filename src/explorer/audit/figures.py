"""Publication figures of the audit (PNG / SVG / PDF, 300 dpi), drawn from the stored verdict tables.

``write_audit_figures(catalogs, out_dir)`` writes them; ``audit_figures`` yields (stem, Figure) for a notebook.
The style and dataset colours are the explorer's (``explorer.figures.STYLE`` / ``dataset_color``) so the
audit's figures sit beside the statistics' in a paper.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..catalog import Catalog
from ..constants import FIGURE_DPI
from ..figure_files import new_figure, write_figure_set
from ..figures import dataset_color
from ..frames import slug as file_slug
from .run import load_verdicts
from .summary import chair, load_sample_counts, split_agreement, summary, variant_agreement


def dispute_rate_figure(verdicts: pd.DataFrame) -> Figure:
    """Dispute rate per rule, one bar per dataset (chosen variants; not-evaluable claims left out)."""
    table = summary(verdicts, ["dataset", "rule"]).dropna(subset=["dispute_rate"])
    rules = sorted(table["rule"].unique())
    datasets = list(pd.unique(table["dataset"]))
    fig = new_figure(6.5, 0.2 * max(len(rules), 4) * max(len(datasets), 1) ** 0.5 + 1)
    ax = fig.add_subplot()
    height = 0.8 / max(len(datasets), 1)
    for k, name in enumerate(datasets):
        part = table[table["dataset"] == name].set_index("rule").reindex(rules)
        y = np.arange(len(rules)) + k * height
        ax.barh(y, 100 * part["dispute_rate"].fillna(0), height=height, color=dataset_color(name), label=name)
    ax.set_yticks(np.arange(len(rules)) + 0.4 - height / 2, rules)
    ax.invert_yaxis()
    ax.set_xlabel("claims the map (or metadata) disputes, %")
    ax.legend(loc="lower right")
    ax.set_title("Annotation audit: dispute rate per rule")
    return fig


def variant_figure(verdicts: pd.DataFrame, dataset: str) -> Figure:
    """Agreement of each rule under each variant: which unpublished rule the data follows."""
    table = variant_agreement(verdicts)
    table = table[(table["dataset"] == dataset) & table.groupby("rule")["variant"].transform("nunique").gt(1)]
    fig = new_figure(6.5, 0.3 * max(len(table), 3) + 1)
    ax = fig.add_subplot()
    if table.empty:
        ax.text(0.5, 0.5, "no rule with variants", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    labels = [f"{r}: {v}" for r, v in zip(table["rule"], table["variant"], strict=True)]
    colors = [dataset_color(dataset) if b else "#bbbbbb" for b in table["best"]]
    ax.barh(np.arange(len(table)), 100 * table["agreement"], color=colors)
    ax.set_yticks(np.arange(len(table)), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("agreement with the map, % (coloured: the variant the data agrees with most)")
    ax.set_title(f"{dataset}: which rule did the generator use?")
    return fig


def split_figure(verdicts: pd.DataFrame, dataset: str) -> Figure:
    """Agreement per rule and split: the manually verified ``bench`` split beside the others."""
    table = split_agreement(verdicts)
    table = table[table["dataset"] == dataset].set_index("rule").drop(columns=["dataset"])
    fig = new_figure(6.5, 0.3 * max(len(table), 3) + 1)
    ax = fig.add_subplot()
    splits = [s for s in ("bench", "train", "validation", "val", "test") if s in table] + [
        s for s in table if s not in ("bench", "train", "validation", "val", "test")
    ]
    height = 0.8 / max(len(splits), 1)
    for k, split in enumerate(splits):
        color = "#000000" if split == "bench" else mpl.colormaps["tab10"](k)
        ax.barh(
            np.arange(len(table)) + k * height,
            100 * table[split].fillna(0),
            height=height,
            color=color,
            label=split,
        )
    ax.set_yticks(np.arange(len(table)) + 0.4 - height / 2, list(table.index))
    ax.invert_yaxis()
    ax.set_xlabel("agreement with the map, %")
    ax.legend(loc="lower left", ncols=len(splits))
    ax.set_title(f"{dataset}: agreement per split (bench = manually verified)")
    return fig


def chair_figure(verdicts: pd.DataFrame) -> Figure:
    """CHAIR-i and CHAIR-s per dataset and caption source (ChatGPT-3.5 vs -4V)."""
    table = chair(verdicts)
    fig = new_figure(5.0, 3.0)
    ax = fig.add_subplot()
    labels = [f"{d}\n{s}" for d, s in zip(table["dataset"], table["source"], strict=True)]
    x = np.arange(len(table))
    ax.bar(
        x - 0.2, 100 * table["chair_i"].astype(float), width=0.4, label="CHAIR-i (mentions)", color="#0072B2"
    )
    ax.bar(
        x + 0.2, 100 * table["chair_s"].astype(float), width=0.4, label="CHAIR-s (captions)", color="#D55E00"
    )
    ax.set_xticks(x, labels)
    ax.set_ylabel("hallucinated, %")
    ax.legend()
    ax.set_title("Classes named that the land-cover map lacks")
    return fig


def dispute_map_figure(counts: pd.DataFrame, dataset: str) -> Figure:
    """Samples on a lon/lat plot coloured by their dispute rate (grey: nothing checkable)."""
    fig = new_figure(6.5, 4.0)
    ax = fig.add_subplot()
    known = counts.dropna(subset=["lat", "lon"])
    checked = known[known["checked"] > 0]
    ax.scatter(known["lon"], known["lat"], s=4, color="#cccccc", label="nothing checkable")
    points = ax.scatter(
        checked["lon"], checked["lat"], s=6, c=100 * checked["dispute_rate"].fillna(0), cmap="magma_r", vmin=0
    )
    fig.colorbar(points, ax=ax, label="dispute rate, %")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title(f"{dataset}: where the texts disagree with the maps")
    return fig


def audit_figures(catalogs: Sequence[Catalog]) -> Iterable[tuple[str, Figure]]:
    frames = [load_verdicts(c).to_pandas() for c in catalogs]
    verdicts = pd.concat(frames, ignore_index=True)
    yield "audit_dispute_rate", dispute_rate_figure(verdicts)
    for catalog, frame in zip(catalogs, frames, strict=True):
        slug = file_slug(catalog.name)
        yield f"audit_variants_{slug}", variant_figure(frame, catalog.name)
        if frame["split"].nunique() > 1:
            yield f"audit_splits_{slug}", split_figure(frame, catalog.name)
        yield f"audit_map_{slug}", dispute_map_figure(load_sample_counts(catalog), catalog.name)
    if not chair(verdicts).empty:
        yield "audit_chair", chair_figure(verdicts)


def write_audit_figures(
    catalogs: Sequence[Catalog],
    out_dir: str | Path,
    formats: Sequence[str] = ("png", "svg", "pdf"),
    dpi: int = FIGURE_DPI,
) -> list[Path]:
    return write_figure_set(audit_figures(catalogs), out_dir, formats, dpi)
