"""The open sample as a print-resolution PNG (images, land-cover legend, captions), drawn with matplotlib.

Uses the same rendered pixels as the dashboard (``ExplorerState.optical`` / ``sar`` / ``landcover``), so the
figure matches what is on screen. Object-oriented matplotlib only: no pyplot global state in a server.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from typing import TypeVar

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from .. import imagery
from ..model import KIND_CAPTION
from .state import ExplorerState

T = TypeVar("T")

EXPORT_DPI = 300
MAX_CAPTION_CHARS = 700


def _draw(ax: Axes, rgb: np.ndarray | None, title: str, message: str, box: tuple[float, ...] | None) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    if rgb is None:
        ax.text(
            0.5,
            0.5,
            textwrap.fill(message or "no layer", 30),
            ha="center",
            va="center",
            fontsize=7,
            transform=ax.transAxes,
            color="#666666",
        )
        return
    ax.imshow(rgb, extent=(0, 1, 0, 1), interpolation="nearest")
    if box is not None:
        x0, y0, x1, y1 = box
        ax.add_patch(
            Rectangle((x0, 1 - y1), x1 - x0, y1 - y0, fill=False, edgecolor="#ff1493", linewidth=1.5)
        )


def _try(render: Callable[[], T]) -> T | None:
    try:
        return render()
    except ValueError:
        return None


def sample_figure(state: ExplorerState) -> Figure:
    """A figure of the open sample as displayed: composite, SAR, land cover over optical, legend, captions."""
    fig = Figure(figsize=(10, 6.2), layout="constrained")
    sample = state.sample or {}
    title = f"{state.open_dataset} · {state.sample_id}"
    if state.synthetic:
        title += "   [SYNTHETIC DATA]"
    fig.suptitle(title, fontsize=11, color="#b00020" if state.synthetic else "black")
    grid = fig.add_gridspec(2, 3, height_ratios=[3, 1.25])
    box = state.refexp_box()
    optical = _try(state.optical)
    sar = _try(state.sar)
    landcover = _try(state.landcover)
    errors = state.layer_errors
    _draw(
        fig.add_subplot(grid[0, 0]),
        optical.rgb if optical is not None else None,
        "Multispectral: " + (optical.description if optical is not None else ""),
        errors.get("s2", ""),
        box,
    )
    _draw(
        fig.add_subplot(grid[0, 1]),
        sar.rgb if sar is not None else None,
        "SAR: " + state.sar_mode,
        errors.get("s1", ""),
        box,
    )
    lc_ax = fig.add_subplot(grid[0, 2])
    if landcover is not None:
        rgb, entries = landcover
        shown = rgb if optical is None else imagery.blend(optical.rgb, rgb, state.landcover_opacity)
        _draw(lc_ax, shown, f"Land cover (opacity {state.landcover_opacity:.2f})", "", box)
        handles = [
            Patch(facecolor=e.color, edgecolor="#444444", label=f"{e.name} ({e.share:.0%})") for e in entries
        ]
        lc_ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.02), fontsize=6, frameon=False)
    else:
        _draw(lc_ax, None, "Land cover", errors.get("landcover", ""), box)

    text_ax = fig.add_subplot(grid[1, :2])
    text_ax.axis("off")
    labels = sample.get("labels")
    facts = [f"split: {sample.get('split')}", f"country: {sample.get('country')}"]
    if labels is not None and len(labels):
        facts.append("classes: " + ", ".join(str(x) for x in labels))
    lines = [textwrap.fill(" · ".join(facts), 120)]
    annotations = state.annotations
    if annotations is not None and not annotations.empty:
        for _, row in annotations[annotations["kind"] == KIND_CAPTION].head(2).iterrows():
            text = str(row["output"])
            if len(text) > MAX_CAPTION_CHARS:
                text = text[:MAX_CAPTION_CHARS] + "…"
            lines.append(f"[{row.get('source') or 'caption'}] " + textwrap.fill(text, 120))
    text_ax.text(0, 1, "\n\n".join(lines), va="top", ha="left", fontsize=6.5, wrap=True, family="DejaVu Sans")
    return fig


def sample_png(state: ExplorerState, dpi: int = EXPORT_DPI) -> io.BytesIO:
    """PNG bytes of ``sample_figure`` at print resolution."""
    fig = sample_figure(state)
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    buffer.seek(0)
    return buffer
