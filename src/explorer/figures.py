"""Publication figures (PNG/SVG/PDF) drawn from the tables of ``explorer.stats`` — never from raw data.

Headless by construction: figures are ``matplotlib.figure.Figure`` objects rendered by the Agg canvas, without
pyplot's global state, so this works in a server, a notebook or CI alike. One style for all: each dataset keeps
one colour everywhere (``dataset_color``), land-cover classes use their legend colours, axes say their units.

``write_figures(stats, out_dir)`` writes every figure the statistics allow and returns the paths;
``STAT_PANELS`` names the figures the dashboard's statistic panels export (``export_panel``), drawn from the same
frames as the panels (``explorer.frames``).

About 550 lines: one short function per figure family on shared helpers, plus the writers and the panel registry
built from them. Moving the writers and registry out means a ``figures/`` package (the dashboard and
``eo-explorer figures`` import them from here, and both are being changed elsewhere): left until those land.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

from .constants import FIGURE_DPI, NONE_LABEL
from .frames import CAPTION_KINDS, datasets_in, length_frame, short, slug
from .palette import dataset_color
from .stats import GROUP_CAPTION
from .text.spatial import class_color

__all__ = [
    "INTERACTIVE_PANELS",
    "STAT_PANELS",
    "STYLE",
    "StatPanel",
    "all_figures",
    "answer_balance_figure",
    "box_figure",
    "caption_length_figure",
    "class_frequency_figure",
    "dataset_color",
    "drawing_into",
    "export_panel",
    "geography_figure",
    "panel_stems",
    "pmi_heatmap_figure",
    "save_figure",
    "task_mix_figure",
    "top_words_figure",
    "word_cloud_figure",
    "write_figures",
    "zipf_figure",
]

STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "figure.dpi": 100,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
    "svg.fonttype": "none",  # text stays text in SVG
    "pdf.fonttype": 42,  # embed TrueType, editable in Illustrator/Inkscape
}

GROUP_LABEL = {"caption": "captions", "question": "questions"}


# Where the next figures are drawn: normally a new Figure each; the paper layout (``explorer.paper``) sets a
# queue of sub-figures of one page here, so that every panel draws into its cell with the very same code.
_INTO: ContextVar[list[Any] | None] = ContextVar("figures_into", default=None)


def _figure(width: float = 6.5, height: float = 3.6) -> Figure:
    queue = _INTO.get()
    if queue:
        return cast(Figure, queue.pop(0))
    with mpl.rc_context(cast(Any, STYLE)):
        return Figure(figsize=(width, height), layout="constrained")


@contextmanager
def drawing_into(subfigures: list[Any]) -> Iterator[None]:
    """Within the block, figure functions draw into ``subfigures`` in turn instead of new figures."""
    token = _INTO.set(list(subfigures))
    try:
        yield
    finally:
        _INTO.reset(token)


def _empty(fig: Figure, message: str) -> Figure:
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_axis_off()
    return fig


def _get(stats: Mapping[str, pd.DataFrame], key: str) -> pd.DataFrame:
    frame = stats.get(key)
    return frame if frame is not None else pd.DataFrame()


# --- text figures ----------------------------------------------------------------------------------------------
def caption_length_figure(
    stats: Mapping[str, pd.DataFrame],
    density: bool = False,
    kinds: Sequence[str] = CAPTION_KINDS,
) -> Figure:
    """Distribution of caption length (words), one line per dataset (and caption source when several), on the
    bins of ``frames.length_frame``: the dashboard's caption-length panel draws the same frame."""
    fig = _figure()
    frame = length_frame(stats, density, kinds=tuple(kinds))
    if frame.empty:
        return _empty(fig, "no texts")
    ax = fig.add_subplot()
    styles = ["-", "--", ":", "-."]
    for name in datasets_in(frame):
        part = frame[frame["dataset"] == name]
        for i, label in enumerate(pd.unique(part["label"])):
            rows = part[part["label"] == label]
            centres = (rows["left"].to_numpy(float) + rows["right"].to_numpy(float) - 1) / 2
            ax.step(
                centres, rows["value"].to_numpy(), where="mid", color=dataset_color(name),
                linestyle=styles[i % len(styles)], linewidth=1.4, label=str(label),
            )  # fmt: skip
    ax.set_xlabel("Caption length (words)")
    ax.set_ylabel("Share of captions" if density else "Captions (count)")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False)
    ax.set_title("Caption length")
    return fig


def top_words_figure(stats: Mapping[str, pd.DataFrame], n: int = 20, group: str = "caption") -> Figure:
    """The ``n`` most frequent words per dataset, one panel each."""
    words = _get(stats, "top_words")
    words = words[words["group"] == group] if not words.empty else words
    names = datasets_in(words)
    fig = _figure(width=max(3.2 * len(names), 4.0), height=0.18 * n + 1.2)
    if not names:
        return _empty(fig, f"no {GROUP_LABEL.get(group, group)}")
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names, strict=True):
        rows = words[words["dataset"] == name].nsmallest(n, "rank")
        ax.barh(rows["token"][::-1], rows["count"][::-1], color=dataset_color(name))
        ax.set_title(name)
        ax.set_xlabel("Occurrences (count)")
        ax.grid(axis="y", visible=False)
    return fig


def zipf_figure(stats: Mapping[str, pd.DataFrame]) -> Figure:
    """Rank-frequency (Zipf) curves on log-log axes, per dataset and text group."""
    fig = _figure()
    zipf = _get(stats, "zipf")
    if zipf.empty:
        return _empty(fig, "no texts")
    ax = fig.add_subplot()
    for (name, group), rows in zipf.groupby(["dataset", "group"], sort=False):
        ax.loglog(
            rows["rank"], rows["frequency"], color=dataset_color(str(name)),
            linestyle="-" if group == "caption" else "--", linewidth=1.4,
            label=f"{name} ({GROUP_LABEL.get(str(group), group)})",
        )  # fmt: skip
    ax.set_xlabel("Word rank")
    ax.set_ylabel("Relative frequency (share of tokens)")
    ax.set_title("Rank-frequency (Zipf) curve")
    ax.legend(frameon=False)
    return fig


def word_cloud_figure(stats: Mapping[str, pd.DataFrame], dataset: str, group: str = "caption") -> Figure:
    """Word cloud of a dataset's most frequent words (stop words removed), drawn with DejaVu Sans."""
    from .stats import word_cloud

    words = _get(stats, "top_words")
    rows = words[(words["dataset"] == dataset) & (words["group"] == group)] if not words.empty else words
    fig = _figure(width=6.5, height=3.4)
    if rows.empty:
        return _empty(fig, f"no words for {dataset}")
    ax = fig.add_subplot()
    ax.imshow(word_cloud(rows, width=1000, height=500), interpolation="bilinear")
    ax.set_axis_off()
    ax.set_title(f"{dataset}: {GROUP_LABEL.get(group, group)}")
    return fig


def class_frequency_figure(
    stats: Mapping[str, pd.DataFrame], dataset: str, measure: str = "sample"
) -> Figure:
    """Class frequency of one dataset: by ``sample`` (labels), ``pixel`` (land-cover maps) or ``text``
    (mentions); bars in the legend colour of each class."""
    key, value, xlabel = {
        "sample": ("class_by_sample", "samples", "Samples carrying the label (count)"),
        "pixel": ("class_by_pixel", "share", "Share of land-cover pixels"),
        "text": ("class_mentions", "mentions", "Mentions in the texts (count)"),
    }[measure]
    frame = _get(stats, key)
    rows = frame[frame["dataset"] == dataset] if not frame.empty else frame
    if measure == "text" and not rows.empty:
        rows = rows.groupby("class", as_index=False).agg(mentions=("mentions", "sum"))
    rows = rows.nlargest(25, value) if not rows.empty else rows
    fig = _figure(width=6.5, height=0.22 * max(len(rows), 4) + 1.0)
    if rows.empty:
        return _empty(fig, f"no class statistics ({measure}) for {dataset}")
    ax = fig.add_subplot()
    names = [str(c) for c in rows["class"]][::-1]
    colors = [class_color(c) or "#999999" for c in names]
    ax.barh(
        [short(c, 38) for c in names],
        rows[value].to_numpy()[::-1],
        color=colors,
        edgecolor="#555555",
        linewidth=0.4,
    )
    ax.set_xlabel(xlabel)
    ax.set_title(f"{dataset}: classes by {measure}")
    ax.grid(axis="y", visible=False)
    return fig


# --- task mix, answers, boxes ------------------------------------------------------------------------------------
def task_mix_figure(stats: Mapping[str, pd.DataFrame]) -> Figure:
    """Annotations per kind and category, per dataset (horizontal bars, log scale when counts span decades)."""
    mix = _get(stats, "task_mix")
    names = datasets_in(mix)
    fig = _figure(width=max(3.4 * len(names), 4.5), height=3.6)
    if not names:
        return _empty(fig, "no annotations")
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names, strict=True):
        rows = mix[mix["dataset"] == name].sort_values("count")
        labels = [
            f"{k} / {c}" if c not in (NONE_LABEL, "None") else str(k)
            for k, c in zip(rows["kind"], rows["category"], strict=True)
        ]
        ax.barh(labels, rows["count"], color=dataset_color(name))
        if rows["count"].max() > 100 * max(rows["count"].min(), 1):
            ax.set_xscale("log")
        ax.set_xlabel("Annotations (count)")
        ax.set_title(name)
        ax.grid(axis="y", visible=False)
    return fig


def answer_balance_figure(stats: Mapping[str, pd.DataFrame]) -> Figure:
    """Share of each answer of binary (yes/no) and multiple-choice (a-d) questions."""
    answers = _get(stats, "answer_balance")
    fig = _figure(width=6.5, height=3.2)
    if answers.empty:
        return _empty(fig, "no binary or multiple-choice questions")
    kinds = [str(k) for k in pd.unique(answers["kind"])]
    axes = fig.subplots(1, len(kinds), squeeze=False)[0]
    for ax, kind in zip(axes, kinds, strict=True):
        rows = answers[answers["kind"] == kind]
        names = datasets_in(rows)
        options = sorted(str(a) for a in pd.unique(rows["answer"]))
        width = 0.8 / len(names)
        for i, name in enumerate(names):
            part = rows[rows["dataset"] == name].set_index("answer")["share"].reindex(options).fillna(0)
            ax.bar(
                np.arange(len(options)) + i * width,
                part.to_numpy(),
                width=width,
                color=dataset_color(name),
                label=name,
            )
        ax.set_xticks(np.arange(len(options)) + 0.4 - width / 2, options)
        ax.axhline(
            1 / max(len([o for o in options if o != "other"]), 1),
            color="#444444",
            linewidth=0.8,
            linestyle=":",
        )
        ax.set_ylabel("Share of answers")
        ax.set_xlabel("Answer")
        ax.set_title(
            {"vqa_binary": "Binary questions", "vqa_mcq": "Multiple-choice questions"}.get(kind, kind)
        )
        ax.grid(axis="x", visible=False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=max(len(labels), 1), frameon=False)
    return fig


def box_figure(stats: Mapping[str, pd.DataFrame]) -> Figure:
    """Boxes per sample, and the distribution of box width, height and area (normalised image units)."""
    sizes = _get(stats, "box_sizes")
    per_sample = _get(stats, "boxes_per_sample")
    fig = _figure(width=9.0, height=2.8)
    if sizes.empty:
        return _empty(fig, "no boxes")
    axes = fig.subplots(1, 4)
    names = datasets_in(sizes)
    for name in names:
        rows = per_sample[per_sample["dataset"] == name] if not per_sample.empty else per_sample
        if not rows.empty:
            axes[0].bar(rows["boxes"], rows["samples"], color=dataset_color(name), alpha=0.8, label=name)
    axes[0].set_xlabel("Boxes per sample")
    axes[0].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_ylabel("Samples (count)")
    for ax, measure, label in zip(
        axes[1:], ("width", "height", "area"), ("Box width (image fraction)", "Box height (image fraction)",
                                               "Box area (image fraction)"), strict=True
    ):  # fmt: skip
        for name in names:
            rows = sizes[(sizes["dataset"] == name) & (sizes["measure"] == measure)]
            centres = (rows["bin_left"] + rows["bin_right"]) / 2
            ax.step(centres, rows["count"], where="mid", color=dataset_color(name), label=name)
        ax.set_xlabel(label)
        ax.set_ylabel("Boxes (count)")
        ax.set_xlim(0, 1)
    axes[0].legend(frameon=False)
    return fig


# --- geography --------------------------------------------------------------------------------------------------
def _world_rings() -> list[np.ndarray]:
    try:
        from .world import outline_paths

        return outline_paths()
    except (ImportError, OSError, FileNotFoundError, KeyError, ValueError):
        return []  # no shipped outline: the map is drawn without coastlines


def geography_figure(stats: Mapping[str, pd.DataFrame], top: int = 20) -> Figure:
    """Samples per country (top ``top``) and a lat/lon density map over the world outline."""
    countries = _get(stats, "countries")
    density = _get(stats, "density")
    fig = _figure(width=10.0, height=3.8)
    if countries.empty and density.empty:
        return _empty(fig, "no positions or countries")
    left, right = fig.subplots(1, 2, width_ratios=[1, 2])
    known = countries[countries["country"] != "unknown"] if not countries.empty else countries
    if not known.empty:
        totals = known.groupby("country")["samples"].sum().nlargest(top).index[::-1]
        bottom = np.zeros(len(totals))
        for name in datasets_in(known):
            rows = (
                known[known["dataset"] == name].groupby("country")["samples"].sum().reindex(totals).fillna(0)
            )
            left.barh(list(totals), rows.to_numpy(), left=bottom, color=dataset_color(name), label=name)
            bottom += rows.to_numpy()
        left.set_xlabel("Samples (count)")
        left.legend(frameon=False)
        left.grid(axis="y", visible=False)
    else:
        left.text(0.5, 0.5, "no country names", ha="center", va="center", transform=left.transAxes)
        left.set_axis_off()
    left.set_title("Samples per country")
    for ring in _world_rings():
        right.plot(ring[:, 0], ring[:, 1], color="#9a9a9a", linewidth=0.4)
    if not density.empty:
        cell = float(density["cell_deg"].iloc[0]) if "cell_deg" in density else 2.0
        cells = density.groupby(["lat", "lon"], as_index=False)["count"].sum()
        points = right.scatter(
            cells["lon"] + cell / 2, cells["lat"] + cell / 2, c=cells["count"], s=max(4.0, cell * 3), marker="s",
            cmap="viridis", norm=LogNorm(vmin=1, vmax=max(cells["count"].max(), 2)), linewidths=0,
        )  # fmt: skip
        bar = fig.colorbar(points, ax=right, label=f"Samples per {cell:g}° cell", shrink=0.85)
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
        bar.ax.yaxis.set_minor_formatter(NullFormatter())
    right.set_xlim(-180, 180)
    right.set_ylim(-90, 90)
    right.set_aspect("equal")
    right.set_xlabel("Longitude (°)")
    right.set_ylabel("Latitude (°)")
    right.set_title("Sample density")
    return fig


# --- spatial language ---------------------------------------------------------------------------------------------
def pmi_heatmap_figure(
    stats: Mapping[str, pd.DataFrame],
    dataset: str,
    group: str = "caption",
    max_terms: int = 25,
    max_classes: int = 15,
) -> Figure:
    """Positive PMI between spatial terms (rows) and classes (columns); pairs below the count threshold or with
    non-positive PMI are left blank."""
    table = _get(stats, "cooccurrence")
    rows = table[(table["dataset"] == dataset) & (table["group"] == group)] if not table.empty else table
    shown = rows[rows["shown"].astype(bool)] if not rows.empty else rows
    fig = _figure(width=7.0, height=5.5)
    if shown.empty:
        return _empty(fig, f"no spatial term and class pairs above the threshold for {dataset}")
    terms = shown.groupby("term")["term_count"].max().nlargest(max_terms).index
    classes = shown.groupby("class")["class_count"].max().nlargest(max_classes).index
    grid = shown.pivot_table(index="term", columns="class", values="ppmi", aggfunc="max").reindex(
        index=terms, columns=classes
    )
    ax = fig.add_subplot()
    image = ax.imshow(np.ma.masked_invalid(grid.to_numpy(dtype=float)), cmap="magma_r", aspect="auto", vmin=0)
    ax.set_xticks(np.arange(len(classes)), [short(str(c), 24) for c in classes], rotation=60, ha="right")
    ax.set_yticks(np.arange(len(terms)), [str(t) for t in terms])
    ax.grid(False)
    ax.set_xlabel("Land-cover class mentioned")
    ax.set_ylabel("Spatial term")
    ax.set_title(f"{dataset}: spatial term x class (positive PMI)")
    fig.colorbar(image, ax=ax, label="PPMI (bits)", shrink=0.8)
    return fig


# --- writing ----------------------------------------------------------------------------------------------------
def all_figures(stats: Mapping[str, pd.DataFrame]) -> Iterable[tuple[str, Figure]]:
    """(file stem, figure) for every figure the statistics allow, generated lazily."""
    yield from STAT_PANELS["length"].figures(stats, False)
    yield from STAT_PANELS["length"].figures(stats, True)
    top = _get(stats, "top_words")
    for group in ("caption", "question"):
        if not top.empty and (top["group"] == group).any():
            yield f"top_words_{group}", top_words_figure(stats, group=group)
    yield "zipf", zipf_figure(stats)
    if not top.empty:
        for (name, text_group), _ in top.groupby(["dataset", "group"], sort=False):
            yield (
                f"word_cloud_{slug(str(name))}_{text_group}",
                word_cloud_figure(stats, str(name), str(text_group)),
            )
    for measure, key in (
        ("sample", "class_by_sample"),
        ("pixel", "class_by_pixel"),
        ("text", "class_mentions"),
    ):
        for name in datasets_in(_get(stats, key)):
            yield f"classes_by_{measure}_{slug(name)}", class_frequency_figure(stats, name, measure)
    if not _get(stats, "task_mix").empty:
        yield from STAT_PANELS["tasks"].figures(stats, False)
    if not _get(stats, "answer_balance").empty:
        yield from STAT_PANELS["answers"].figures(stats, False)
    if not _get(stats, "box_sizes").empty:
        yield "boxes", box_figure(stats)
    if not _get(stats, "countries").empty or not _get(stats, "density").empty:
        yield "geography", geography_figure(stats)
    co = _get(stats, "cooccurrence")
    if not co.empty:
        for (name, text_group), rows in co.groupby(["dataset", "group"], sort=False):
            if rows["shown"].astype(bool).any():
                yield (
                    f"pmi_{slug(str(name))}_{text_group}",
                    pmi_heatmap_figure(stats, str(name), str(text_group)),
                )


def write_figures(
    stats: Mapping[str, pd.DataFrame],
    out_dir: str | Path,
    formats: Sequence[str] = ("png", "svg", "pdf"),
    dpi: int = FIGURE_DPI,
) -> list[Path]:
    """Render every figure in every format into ``out_dir``; return the written paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    with mpl.rc_context(cast(Any, STYLE)):
        for stem, fig in all_figures(stats):
            for fmt in formats:
                path = out / f"{stem}.{fmt}"
                save_figure(fig, path, fmt, dpi)
                paths.append(path)
    return paths


def _metadata(fmt: str) -> dict[str, Any] | None:
    """Reproducible files: no creation date in SVG/PDF (so reruns do not show as changes)."""
    if fmt == "svg":
        return {"Date": None}
    if fmt == "pdf":
        return {"CreationDate": None}
    return None


def save_figure(fig: Figure, target: Any, fmt: str, dpi: int = FIGURE_DPI) -> None:
    """Write ``fig`` to a path or file object: the one place figures are saved (style, dpi, no dates)."""
    with mpl.rc_context(cast(Any, STYLE)):
        fig.savefig(target, format=fmt, dpi=dpi, metadata=_metadata(fmt))


# --- the statistic panels: one registry for the dashboard and ``eo-explorer figures`` --------------------------
PanelFigures = Callable[[Mapping[str, pd.DataFrame], bool], list[tuple[str, Figure]]]


@dataclass(frozen=True)
class StatPanel:
    """A statistic panel of the dashboard and the figure(s) exported from it: ``figures(tables, density)``
    gives (file stem, figure) per file, drawn from the same frame (``explorer.frames``) as the panel."""

    key: str
    title: str
    figures: PanelFigures


def _length_figures(tables: Mapping[str, pd.DataFrame], density: bool) -> list[tuple[str, Figure]]:
    stem = "caption_length_density" if density else "caption_length_counts"
    return [(stem, caption_length_figure(tables, density=density))]


def _class_figures(tables: Mapping[str, pd.DataFrame], density: bool) -> list[tuple[str, Figure]]:
    names = datasets_in(_get(tables, "class_by_sample"))
    return [(f"classes_by_sample_{slug(n)}", class_frequency_figure(tables, n, "sample")) for n in names]


def _per_dataset(key: str, measure: str) -> PanelFigures:
    def draw(tables: Mapping[str, pd.DataFrame], _: bool) -> list[tuple[str, Figure]]:
        return [
            (f"classes_by_{measure}_{slug(n)}", class_frequency_figure(tables, n, measure))
            for n in datasets_in(_get(tables, key))
        ]

    return draw


def _clouds(tables: Mapping[str, pd.DataFrame], _: bool) -> list[tuple[str, Figure]]:
    top = _get(tables, "top_words")
    names = datasets_in(top[top["group"] == GROUP_CAPTION]) if not top.empty else []
    return [(f"word_cloud_{slug(n)}_caption", word_cloud_figure(tables, n, GROUP_CAPTION)) for n in names]


def _cooccurrence(tables: Mapping[str, pd.DataFrame], _: bool) -> list[tuple[str, Figure]]:
    co = _get(tables, "cooccurrence")
    if co.empty:
        return []
    shown = co[co["shown"].astype(bool) & (co["group"] == GROUP_CAPTION)]
    return [(f"pmi_{slug(n)}_caption", pmi_heatmap_figure(tables, n, GROUP_CAPTION)) for n in datasets_in(shown)]


def _if_any(key: str, stem: str, draw: Callable[[Mapping[str, pd.DataFrame]], Figure]) -> PanelFigures:
    return lambda tables, _: [(stem, draw(tables))] if not _get(tables, key).empty else []


# The interactive panels (drawn from the statistics of the matching samples) come first; the others are drawn
# from each dataset's full statistics. ``explorer.paper`` lays them all out on one page in this order.
INTERACTIVE_PANELS = ("length", "classes", "tasks", "answers", "words")
STAT_PANELS: dict[str, StatPanel] = {
    panel.key: panel
    for panel in (
        StatPanel("length", "Caption length", _length_figures),
        StatPanel("classes", "Class frequency (samples)", _class_figures),
        StatPanel("tasks", "Task mix", lambda tables, _: [("task_mix", task_mix_figure(tables))]),
        StatPanel(
            "answers", "Answer balance", lambda tables, _: [("answer_balance", answer_balance_figure(tables))]
        ),
        StatPanel(
            "words",
            "Top words (captions)",
            lambda tables, _: [("top_words_caption", top_words_figure(tables, group=GROUP_CAPTION))],
        ),
        StatPanel("zipf", "Vocabulary: rank-frequency (Zipf)", _if_any("zipf", "zipf", zipf_figure)),
        StatPanel("clouds", "Word clouds", _clouds),
        StatPanel("class_pixel", "Class frequency (pixels)", _per_dataset("class_by_pixel", "pixel")),
        StatPanel("class_mention", "Class frequency (mentions)", _per_dataset("class_mentions", "text")),
        StatPanel("cooccurrence", "Spatial term x class co-occurrence", _cooccurrence),
        StatPanel("boxes", "Box sizes", _if_any("box_sizes", "boxes", box_figure)),
        StatPanel("geography", "Geography", _if_any("density", "geography", geography_figure)),
    )
}


def panel_stems(panel: str, density: bool, datasets: Sequence[str] = ()) -> list[str]:
    """File stems of an interactive panel's export without drawing it (download button names)."""
    if panel == "length":
        return ["caption_length_density" if density else "caption_length_counts"]
    if panel == "classes":
        return [f"classes_by_sample_{slug(n)}" for n in datasets]
    return {"tasks": ["task_mix"], "answers": ["answer_balance"], "words": ["top_words_caption"]}[panel]


def export_panel(
    tables: Mapping[str, pd.DataFrame], panel: str, fmt: str, density: bool, dpi: int = FIGURE_DPI
) -> tuple[str, bytes]:
    """(file name, bytes) of a panel's figure in ``fmt`` (png at 300 dpi, svg, pdf), named as
    ``write_figures`` names it; a zip when the panel draws one figure per dataset and there are several."""
    if panel not in STAT_PANELS:
        raise ValueError(f"unknown panel {panel!r}; choose from {', '.join(STAT_PANELS)}")
    files = []
    for stem, fig in STAT_PANELS[panel].figures(tables, density):
        buffer = io.BytesIO()
        save_figure(fig, buffer, fmt, dpi)
        files.append((f"{stem}.{fmt}", buffer.getvalue()))
    if len(files) == 1:
        return files[0]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return f"{panel}_{fmt}.zip", buffer.getvalue()
