"""Constants shared by the statistics, the figures and the dashboard, so that each is written once."""

from __future__ import annotations

__all__ = ["FIGURE_DPI", "NONE_LABEL"]

NONE_LABEL = "(none)"  # how a missing category/answer is shown in tables, figures and panels
FIGURE_DPI = 300  # raster figures (PNG) everywhere: ``eo-explorer figures``, the dashboard export, notebooks
