"""A per-sample number the map colours by, supplied by the view that shows the map (Audit: the dispute rate,
Evaluate: a model's score on a metric), and how it is drawn: a continuous colour map with a colour bar, samples
without a value in grey. No Panel here; ``map_view`` draws it, the views build the values from stored results
(never recomputed in the dashboard), once per catalog, through ``resources``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from bokeh.palettes import Viridis256

from .query import Matches, rasterize_points

__all__ = [
    "COLORMAP", "NO_VALUE_COLOR", "MapValues", "per_sidx", "rasterize_values", "value_bins", "value_legend_html",
]  # fmt: skip

COLORMAP: list[str] = list(Viridis256)
NO_VALUE_COLOR = "#b5b5b5"


@dataclass(frozen=True)
class MapValues:
    """One float per sample of each dataset (index = sidx; NaN = no value), the range the colours span and
    what the number is."""

    label: str  # "dispute rate", "CIDEr of nearest-caption"
    by_dataset: Mapping[str, np.ndarray]
    low: float = 0.0
    high: float = 1.0

    def at(self, matches: Matches, positions: np.ndarray) -> np.ndarray:
        """The value of the matching samples at ``positions`` (NaN where a dataset or sample has none)."""
        positions = np.asarray(positions, dtype=np.int64)
        out = np.full(positions.size, np.nan)
        codes = matches.dataset_code[positions]
        for code, name in enumerate(matches.datasets):
            values = self.by_dataset.get(name)
            rows = np.flatnonzero(codes == code)
            if values is None or rows.size == 0:
                continue
            out[rows] = values[matches.sidx[positions[rows]]]
        return out

    @classmethod
    def spanning(cls, label: str, by_dataset: Mapping[str, np.ndarray], low: float | None = None,
                 high: float | None = None) -> MapValues:  # fmt: skip
        """Values whose colour range is given, or else the range of the values (0..1 when there are none)."""
        finite = [v[np.isfinite(v)] for v in by_dataset.values()]
        finite = [v for v in finite if v.size]
        lo = low if low is not None else (min(float(v.min()) for v in finite) if finite else 0.0)
        hi = high if high is not None else (max(float(v.max()) for v in finite) if finite else 1.0)
        if hi <= lo:
            hi = lo + 1.0
        return cls(label, dict(by_dataset), float(lo), float(hi))


def per_sidx(sample_ids: np.ndarray, ids: pd.Series | np.ndarray, values: pd.Series | np.ndarray) -> np.ndarray:
    """A float per sample of a catalog (aligned to ``sample_ids``, its sidx order) from (id, value) pairs;
    NaN for samples not listed. Ids the catalog lacks are ignored."""
    out = np.full(len(sample_ids), np.nan)
    where = pd.Index(np.asarray(sample_ids, dtype=object)).get_indexer(np.asarray(ids, dtype=object))
    known = where >= 0
    out[where[known]] = np.asarray(values, dtype=np.float64)[known]
    return out


#: values are drawn in this many colours of the colour map, plus grey for "no value": 32 categories through
#: the same categorical raster as the dataset colours (``query.rasterize_points``, NumPy ``shade``), so one plot
#: switches between the two without a second pipeline
VALUE_BINS = 31
NO_VALUE = "no value"


def value_bins(values: np.ndarray, low: float, high: float) -> tuple[np.ndarray, dict[str, str]]:
    """Each value's colour bin name (``NO_VALUE`` for NaN) and the colour of every bin."""
    keys = [f"value {i:02d}" for i in range(VALUE_BINS)]
    colors = {k: COLORMAP[int((i + 0.5) * len(COLORMAP) / VALUE_BINS)] for i, k in enumerate(keys)}
    colors[NO_VALUE] = NO_VALUE_COLOR
    scaled = np.clip((np.asarray(values, dtype=np.float64) - low) / max(high - low, 1e-12), 0.0, 1.0)
    index = np.minimum((np.nan_to_num(scaled) * VALUE_BINS).astype(np.int64), VALUE_BINS - 1)
    names = np.asarray(keys, dtype=object)[index]
    names[~np.isfinite(values)] = NO_VALUE
    return names, colors


def rasterize_values(
    frame: pd.DataFrame,
    values: np.ndarray,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    width: int,
    height: int,
    low: float,
    high: float,
) -> np.ndarray:
    """Shade points by their value (RGBA, rows top to bottom): the value's colour bin as the category of the
    categorical raster, so a pixel of several samples mixes their colours; samples without a value grey."""
    names, colors = value_bins(values, low, high)
    cats = pd.Categorical(names, categories=[*colors])
    key = pd.Categorical.from_codes(np.asarray(cats.codes), categories=pd.Index([f"c{i}" for i in range(len(colors))]))
    points = pd.DataFrame({"x": frame["x"].to_numpy(), "y": frame["y"].to_numpy(), "cat": cats, "key": key})
    return rasterize_points(points, x_range, y_range, width, height, colors)


def value_legend_html(values: MapValues, shown: np.ndarray, mode: str) -> str:
    """The colour bar (low .. high) with what the number is, and how many shown samples have no value."""
    stops = ", ".join(COLORMAP[i] for i in range(0, 256, 32)) + f", {COLORMAP[-1]}"
    valued = int(np.isfinite(shown).sum())
    missing = int(shown.size - valued)
    grey = (
        f'<span class="eo-legend-item"><span class="eo-dot" style="background:{NO_VALUE_COLOR}"></span>'
        f"no value ({missing:,})</span>"
        if missing
        else ""
    )
    return (
        f'<div class="eo-map-legend eo-value-legend"><b>{html.escape(values.label)}</b> '
        f'<span class="eo-legend-item">{_number(values.low)} '
        f'<span class="eo-colorbar" style="display:inline-block;width:160px;height:10px;vertical-align:middle;'
        f'background:linear-gradient(to right, {stops})"></span> {_number(values.high)}</span>'
        f'<span class="eo-legend-item">{valued:,} samples with a value</span>{grey}'
        f' <span class="eo-muted">· {html.escape(mode)}</span></div>'
    )


def _number(value: float) -> str:
    return f"{value:.3g}"
