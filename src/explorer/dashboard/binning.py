"""The map's point binning as one compiled pass (numba, cached on disk): what ``shade.count_categories`` runs
for large renders.

The NumPy pass makes ~20 passes over the points (pixel of x, of y, clamping, the upper edge, the flat pixel code,
the bincount); this one reads each point once and adds it to its pixel. Unlike datashader's kernels, which are
generated at run time and so compiled again by every server, this is a plain function: ``cache=True`` keeps its
machine code on disk (``__pycache__``, or ``NUMBA_CACHE_DIR``), so only the first server ever compiles it.

The arithmetic is the NumPy pass's, step by step in the positions' own precision (float32 positions are binned
in float32), so both give exactly the same counts (``tests/dashboard/test_shade.py`` checks it on random points,
on the edges of the view and beyond them).

``shade_points`` goes on from the counted planes to the RGBA image in a second compiled pass over the pixels (the
colour mix and the equalised opacity of ``shade.shade``, with the same float64 arithmetic, so the same bytes):
no (height, width, category) copy of the planes, no float temporaries over the canvas, no sort of the drawn
pixels' totals (a histogram of them instead).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _count(
    x: np.ndarray,
    y: np.ndarray,
    code: np.ndarray,
    x_low: float,
    x_scale: float,
    x_high: float,
    y_low: float,
    y_scale: float,
    y_high: float,
    out: np.ndarray,
) -> None:
    n_categories, height, width = out.shape
    for i in range(x.size):
        c = code[i]
        if c < 0 or c >= n_categories:
            continue
        xv = x[i]
        col = np.floor((xv - x_low) * x_scale)
        if xv == x_high:
            col = width - 1
        if not (col >= 0 and col < width):  # NaN too
            continue
        yv = y[i]
        row = np.floor((yv - y_low) * y_scale)
        if yv == y_high:
            row = height - 1
        if not (row >= 0 and row < height):
            continue
        out[c, int(row), int(col)] += 1


# Totals below this are ranked by a histogram (one int64 per value: 512 KiB); the few pixels above it are sorted.
_HISTOGRAM_LEVELS = 1 << 16


@njit(cache=True, nogil=True)
def _shade(planes: np.ndarray, rgb: np.ndarray, min_alpha: int, out: np.ndarray) -> None:
    """``shade.shade`` of the planes into ``out`` (height, width, 4), zeros on entry: colour of each drawn pixel,
    then its opacity by the rank of its total among the drawn pixels' totals."""
    n_categories, height, width = planes.shape
    total = np.zeros((height, width), dtype=np.int64)
    histogram = np.zeros(_HISTOGRAM_LEVELS, dtype=np.int64)
    n_drawn = 0
    n_large = 0
    for r in range(height):
        for w in range(width):
            t = 0
            for c in range(n_categories):
                t += planes[c, r, w]
            if t == 0:
                continue
            total[r, w] = t
            n_drawn += 1
            if t < _HISTOGRAM_LEVELS:
                histogram[t] += 1
            else:
                n_large += 1
            for k in range(3):
                mixed = 0.0  # a sum of integer products: exact in float64, whatever the order
                for c in range(n_categories):
                    mixed += float(planes[c, r, w]) * rgb[c, k]
                value = np.rint(mixed / t)
                out[r, w, k] = min(max(value, 0.0), 255.0)
    if n_drawn == 0:
        return
    large = np.empty(n_large, dtype=np.int64)  # totals beyond the histogram, sorted (few pixels)
    i = 0
    for r in range(height):
        for w in range(width):
            if total[r, w] >= _HISTOGRAM_LEVELS:
                large[i] = total[r, w]
                i += 1
    large.sort()
    # at_most[t]: drawn pixels with a total <= t (the cumulative histogram: ``shade._eq_hist_alpha``'s cdf)
    at_most = np.cumsum(histogram)
    lowest = large[0] if n_large == n_drawn else 0
    if lowest == 0:
        for t in range(1, _HISTOGRAM_LEVELS):
            if histogram[t]:
                lowest = t
                break
    highest = large[-1] if n_large else 0
    if highest == 0:
        for t in range(_HISTOGRAM_LEVELS - 1, 0, -1):
            if histogram[t]:
                highest = t
                break
    first = _at_most(lowest, at_most, large)
    span = float(n_drawn - first)
    for r in range(height):
        for w in range(width):
            t = total[r, w]
            if t == 0:
                continue
            if lowest == highest:  # one level: every drawn pixel opaque
                out[r, w, 3] = 255
            else:
                cdf = float(_at_most(t, at_most, large) - first) / span
                out[r, w, 3] = np.uint8(min_alpha + (255 - min_alpha) * cdf)


@njit(cache=True, nogil=True)
def _at_most(t: int, at_most: np.ndarray, large: np.ndarray) -> int:
    """Drawn pixels whose total is <= t."""
    if t < _HISTOGRAM_LEVELS:
        return at_most[t]
    return at_most[-1] + np.searchsorted(large, t, side="right")


def shade_points(
    x: np.ndarray,
    y: np.ndarray,
    codes: np.ndarray,
    colors: np.ndarray,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    width: int,
    height: int,
    min_alpha: int,
) -> np.ndarray:
    """``shade.shade(count_categories(...), ...)`` in two compiled passes: RGBA (height, width, 4), row 0 at the
    bottom; ``colors`` the (n_categories, 3) RGB of each category."""
    rgb = np.asarray(colors, dtype=np.float64).reshape(-1, 3)
    planes = _planes(x, y, codes, len(rgb), x_range, y_range, width, height)
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    _shade(planes, rgb, int(min_alpha), rgba)
    return rgba


def count_categories(
    x: np.ndarray,
    y: np.ndarray,
    codes: np.ndarray,
    n_categories: int,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    width: int,
    height: int,
) -> np.ndarray:
    """``shade.count_categories`` in one compiled pass (same arguments, same result)."""
    planes = _planes(x, y, codes, n_categories, x_range, y_range, width, height)
    return np.ascontiguousarray(np.moveaxis(planes, 0, -1))


def _planes(
    x: np.ndarray,
    y: np.ndarray,
    codes: np.ndarray,
    n_categories: int,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    width: int,
    height: int,
) -> np.ndarray:
    """Points per category and pixel, shape (n_categories, height, width), row 0 at the bottom."""
    x, y = _float(x), _float(y)
    # Counted one category plane after the other (a plane is ~1.7 MB at 1000 x 430 px, and the codes usually come
    # sorted: the map coloured by dataset): ~4x less CPU than counting into (height, width, category) directly,
    # whose writes miss the cache.
    planes = np.zeros((n_categories, height, width), dtype=np.uint32)
    if x.size:
        x_low, x_scale, x_high = _axis(x, x_range, width)
        y_low, y_scale, y_high = _axis(y, y_range, height)
        _count(x, y, np.asarray(codes), x_low, x_scale, x_high, y_low, y_scale, y_high, planes)
    return planes


def _float(values: np.ndarray) -> np.ndarray:
    """float32 stays float32; anything else as float64 (two compiled versions, not one per input type)."""
    values = np.asarray(values)
    return values if values.dtype in (np.float32, np.float64) else values.astype(np.float64)


def _axis(values: np.ndarray, value_range: tuple[float, float], n: int) -> tuple[Any, Any, Any]:
    """low, scale and high in the values' precision, as ``shade._pixel`` computes them."""
    dtype = np.float32 if values.dtype == np.float32 else np.float64
    low, high = value_range
    scale = n / (high - low) if high != low else 0.0
    return dtype(low), dtype(scale), dtype(high)
