"""Figure helpers shared by the audit and evaluation figures: a styled blank figure and writing a set of
(file stem, figure) pairs in several formats, so every figure module saves the same way (``figures.save_figure``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, cast

import matplotlib as mpl
from matplotlib.figure import Figure

from .constants import FIGURE_DPI
from .figures import STYLE, save_figure

__all__ = ["new_figure", "write_figure_set"]


def new_figure(width: float, height: float) -> Figure:
    """A blank figure drawn in the project style (constrained layout)."""
    with mpl.rc_context(cast(Any, STYLE)):
        return Figure(figsize=(width, height), layout="constrained")


def write_figure_set(
    figures: Iterable[tuple[str, Figure]],
    out_dir: str | Path,
    formats: Sequence[str] = ("png", "svg", "pdf"),
    dpi: int = FIGURE_DPI,
) -> list[Path]:
    """Write each (stem, figure) into ``out_dir`` once per format; return the written paths. The figures are
    drawn inside the project style too, since ``figures`` may be a generator that draws them lazily."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    with mpl.rc_context(cast(Any, STYLE)):
        for stem, fig in figures:
            for fmt in formats:
                path = out / f"{stem}.{fmt}"
                save_figure(fig, path, fmt, dpi)
                paths.append(path)
    return paths
