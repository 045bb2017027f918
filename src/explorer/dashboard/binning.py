"""The map's point binning as one compiled pass (numba, cached on disk): what ``shade.count_categories`` runs
for large renders.

The NumPy pass makes ~20 passes over the points (pixel of x, of y, clamping, the upper edge, the flat pixel code,
the bincount); this one reads each point once and adds it to its pixel. Unlike datashader's kernels, which are
generated at run time and so compiled again by every server, this is a plain function: ``cache=True`` keeps its
machine code on disk (``__pycache__``, or ``NUMBA_CACHE_DIR``), so only the first server ever compiles it.

The arithmetic is the NumPy pass's, step by step in the positions' own precision (float32 positions are binned
in float32), so both give exactly the same counts (``tests/dashboard/test_shade.py`` checks it on random points,
on the edges of the view and beyond them).
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
    x, y = _float(x), _float(y)
    # Counted one category plane after the other (a plane is ~1.7 MB at 1000 x 430 px, and the codes usually come
    # sorted: the map coloured by dataset), then laid out as the NumPy pass returns them: ~4x less CPU than
    # counting into (height, width, category) directly, whose writes miss the cache.
    planes = np.zeros((n_categories, height, width), dtype=np.uint32)
    if x.size:
        x_low, x_scale, x_high = _axis(x, x_range, width)
        y_low, y_scale, y_high = _axis(y, y_range, height)
        _count(x, y, np.asarray(codes), x_low, x_scale, x_high, y_low, y_scale, y_high, planes)
    return np.ascontiguousarray(np.moveaxis(planes, 0, -1))


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
