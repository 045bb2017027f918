"""The whole comparison on one page, laid out for a two-column paper (a ``figure*`` 7.16 in wide).

Every cell is drawn by the same code as the per-panel exports: each panel of ``figures.STAT_PANELS`` draws its
figures into sub-figures of the page (``figures.drawing_into``), in registry order, lettered (a), (b), ... A
figure that is wide on its own (geography, box sizes: 8 in or more) spans both columns. Used by the Compare
view's download button and ``eo-explorer figures --layout paper``.
"""

from __future__ import annotations

import io
import string
from collections.abc import Mapping, Sequence
from typing import Any, cast

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure

from .constants import FIGURE_DPI
from .figures import STAT_PANELS, STYLE, drawing_into, save_figure

__all__ = ["PAGE_WIDTH", "export_paper", "paper_cells", "paper_figure"]

PAGE_WIDTH = 7.16  # inches: the text width of a two-column IEEE/Elsevier page (figure*)
COLUMN_WIDTH = PAGE_WIDTH / 2
WIDE = 8.0  # a panel figure at least this wide (inches) spans both columns
MIN_HEIGHT, MAX_HEIGHT = 1.7, 3.4


def paper_cells(
    tables: Mapping[str, pd.DataFrame], density: bool = False, panels: Sequence[str] | None = None
) -> list[tuple[str, str, float, int]]:
    """(panel key, file stem, cell height in inches, columns spanned) per cell, from each panel's standalone
    figures (their sizes decide the layout)."""
    cells = []
    for key in panels or STAT_PANELS:
        for stem, fig in STAT_PANELS[key].figures(tables, density):
            width, height = (float(v) for v in fig.get_size_inches())
            span = 2 if width >= WIDE else 1
            scaled = height * (COLUMN_WIDTH * span) / width
            cells.append((key, stem, min(max(scaled, MIN_HEIGHT), MAX_HEIGHT), span))
    return cells


def _rows(cells: list[tuple[str, str, float, int]]) -> list[list[int]]:
    """Cell indices per row: two one-column cells side by side, a two-column cell alone."""
    rows: list[list[int]] = []
    for i, (_, _, _, span) in enumerate(cells):
        if span == 2 or not rows or len(rows[-1]) == 2 or cells[rows[-1][0]][3] == 2:
            rows.append([i])
        else:
            rows[-1].append(i)
    return rows


def paper_figure(
    tables: Mapping[str, pd.DataFrame], density: bool = False, panels: Sequence[str] | None = None
) -> Figure:
    """One multi-panel figure of every statistic the tables allow, 7.16 in wide."""
    cells = paper_cells(tables, density, panels)
    with mpl.rc_context(cast(Any, STYLE)):
        if not cells:
            fig = Figure(figsize=(PAGE_WIDTH, 1.5), layout="constrained")
            fig.text(0.5, 0.5, "no statistics to draw", ha="center", va="center")
            return fig
        rows = _rows(cells)
        heights = [max(cells[i][2] for i in row) for row in rows]
        fig = Figure(figsize=(PAGE_WIDTH, sum(heights)), layout="constrained")
        grid = fig.add_gridspec(len(rows), 2, height_ratios=heights)
        targets: dict[int, Any] = {}
        for r, row in enumerate(rows):
            if len(row) == 1 and cells[row[0]][3] == 2:
                targets[row[0]] = fig.add_subfigure(grid[r, :])
            else:
                for c, i in enumerate(row):
                    targets[i] = fig.add_subfigure(grid[r, c])
        position = 0
        for key in panels or STAT_PANELS:
            count = sum(1 for cell in cells if cell[0] == key)
            mine = [targets[i] for i in range(position, position + count)]
            with drawing_into(mine):
                STAT_PANELS[key].figures(tables, density)
            position += count
        for i, sub in targets.items():
            letter = string.ascii_lowercase[i] if i < 26 else f"{i + 1}"
            sub.text(0.0, 1.0, f"({letter})", ha="left", va="top", fontweight="bold", fontsize=9)
    return fig


def export_paper(
    tables: Mapping[str, pd.DataFrame], fmt: str, density: bool = False, dpi: int = FIGURE_DPI
) -> tuple[str, bytes]:
    """(file name, bytes) of the paper figure in ``fmt`` (png at 300 dpi, svg, pdf)."""
    buffer = io.BytesIO()
    save_figure(paper_figure(tables, density), buffer, fmt, dpi)
    return f"comparison_paper.{fmt}", buffer.getvalue()
