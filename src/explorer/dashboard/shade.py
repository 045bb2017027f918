"""Categorical point shading in plain NumPy: what the map draws above its raster threshold.

It replaces datashader's ``count_cat`` -> ``shade(eq_hist)`` -> ``dynspread`` for this one case because a server
start-up paid for datashader twice: importing it (numba, dask, xarray: ~3 s CPU) and compiling its kernels,
which it generates at run time so numba cannot cache them across processes (5-30 s per server start on this
machine). Counting is one ``np.bincount`` over (pixel, category) codes: ~10 ms for 640,000 points, no compile;
from ``COMPILED_FROM`` points on, one compiled pass (``binning``, numba cached on disk) counts them instead, ~Nx
less CPU at ~4-10 M points, for the price of importing numba and loading the machine code (~1-2.5 s of CPU) on
the first large render; a server pays that in its warm-up instead (``defer_compiled``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

MIN_ALPHA = 120
SPREAD_THRESHOLD = 0.5  # spread isolated pixels until at least half of the drawn pixels touch another
MAX_SPREAD_PX = 3
COMPILED_FROM = 1_000_000  # points; below it the NumPy pass costs less than importing numba would

# The compiled pass (the ``binning`` module) once imported and its machine code loaded, else None.
_binning: Any = None
# Set by a server until its warm-up has loaded the compiled pass (``defer_compiled``): large renders meanwhile take
# the NumPy pass. The first large render of a process would otherwise import numba and load the machine code
# (~2-2.5 s of CPU) in the middle of the first page: on the server's event loop, while the browser waits for the
# page's scripts, against ~0.1-0.2 s for the NumPy pass over the 3.8 M points of ~10 M samples.
_deferred = False


def defer_compiled(defer: bool = True) -> None:
    """Until ``load_compiled`` runs (``defer``), large renders take the NumPy pass instead of loading the
    compiled one; ``defer=False``: the next large render loads it (as in any process that never deferred)."""
    global _deferred
    _deferred = defer


def load_compiled() -> None:
    """Import the compiled pass and load its machine code (numba's disk cache; compiled once per source tree) by
    running it once on a few points of the map's types (float32 positions, int8 category codes); ends a
    deferral. What a server's warm-up pays once, away from its pages."""
    global _binning, _deferred
    from . import binning  # imports numba: only processes with large renders pay for it

    points = np.zeros(2, dtype=np.float32)
    binning.shade_points(points, points, np.zeros(2, np.int8), np.zeros((1, 3)), (0.0, 1.0), (0.0, 1.0), 2, 2, 1)
    _binning, _deferred = binning, False


def compiled_loaded() -> bool:
    """Whether large renders take the compiled pass now without loading it first."""
    return _binning is not None


def _compiled(n_points: int) -> Any:
    """The ``binning`` module when ``n_points`` are shaded by the compiled pass (loaded now on first use, unless a
    server deferred it), else None: the NumPy pass."""
    if n_points < COMPILED_FROM:
        return None
    if _binning is None and not _deferred:
        load_compiled()
    return _binning


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
    """Points per pixel and category, shape (height, width, n_categories), row 0 at ``y_range[0]`` (bottom).

    A point on the upper edge of a range falls in the last pixel; points outside it, not finite, or with a
    negative code (missing category) are not counted. Written for ~10 M points a render, with no mask and no
    compression: float32 positions are binned in float32, and every point is counted in a grid one pixel wider
    on each side (outside points land on that border) with one more category (missing codes), then cut back.
    From ``COMPILED_FROM`` points on, ``binning.count_categories`` gives the same counts in one compiled pass
    (unless a server deferred loading it: ``defer_compiled``).
    """
    binning = _compiled(np.size(x))
    if binning is not None:
        return binning.count_categories(x, y, codes, n_categories, x_range, y_range, width, height)
    return count_categories_numpy(x, y, codes, n_categories, x_range, y_range, width, height)


def count_categories_numpy(
    x: np.ndarray,
    y: np.ndarray,
    codes: np.ndarray,
    n_categories: int,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    width: int,
    height: int,
) -> np.ndarray:
    """``count_categories`` with NumPy only (no compile, no numba import): ~20 passes over the points."""
    col = _pixel(x, x_range, width)
    row = _pixel(y, y_range, height)
    code = np.asarray(codes)
    if code.size and (code.min() < -1 or code.max() >= n_categories):
        code = np.where((code >= 0) & (code < n_categories), code, -1)
    pixel = row.astype(np.int64)
    pixel += 1
    pixel *= width + 2
    pixel += col
    pixel += 1
    pixels = (height + 2) * (width + 2)
    if code.size and bool(np.all(code[1:] >= code[:-1])):
        # Sorted codes (the map coloured by dataset: matches come dataset by dataset): one bincount per run of a
        # category over pixels only, a 4x smaller output than pixel x category (~3x faster at 10 M points).
        starts = np.searchsorted(code, np.arange(n_categories + 1))
        runs = [np.bincount(pixel[a:b], minlength=pixels) for a, b in zip(starts[:-1], starts[1:], strict=True)]
        full = np.stack(runs, axis=-1).reshape(height + 2, width + 2, n_categories)
        return full[1:-1, 1:-1].astype(np.uint32)
    pixel *= n_categories + 1
    pixel += code
    pixel += 1  # category bin 0: missing
    full = np.bincount(pixel, minlength=pixels * (n_categories + 1))
    full = full.reshape(height + 2, width + 2, n_categories + 1)
    return full[1:-1, 1:-1, 1:].astype(np.uint32)


def _pixel(values: np.ndarray, value_range: tuple[float, float], n: int) -> np.ndarray:
    """int32 pixel of each value in ``value_range`` split into ``n`` (the upper edge in the last pixel); -1 or
    ``n`` outside it or when not finite."""
    values = np.asarray(values)
    dtype = np.float32 if values.dtype == np.float32 else np.float64
    low, high = value_range
    scale = n / (high - low) if high != low else 0.0
    pixel = np.subtract(values, low, dtype=dtype)
    pixel *= dtype(scale)
    np.floor(pixel, out=pixel)
    np.fmax(pixel, -1, out=pixel)  # NaN -> -1 too
    np.fmin(pixel, n, out=pixel)
    pixel[values == high] = n - 1  # the closed upper edge, as datashader counts it (just beyond it: not counted)
    return pixel.astype(np.int32)


def _hex_rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _eq_hist_alpha(total: np.ndarray, min_alpha: int) -> np.ndarray:
    """Alpha per pixel by rank of its count among the drawn pixels (histogram equalisation), from ``min_alpha``
    for the sparsest to 255 for the densest; 0 where nothing is drawn."""
    alpha = np.zeros(total.shape, dtype=np.uint8)
    drawn = total > 0
    if not drawn.any():
        return alpha
    values = total[drawn]
    levels, inverse, per_level = np.unique(values, return_inverse=True, return_counts=True)
    if len(levels) == 1:
        alpha[drawn] = 255
        return alpha
    cdf = np.cumsum(per_level).astype(np.float64)
    cdf = (cdf - cdf[0]) / (cdf[-1] - cdf[0])
    alpha[drawn] = (min_alpha + (255 - min_alpha) * cdf[inverse]).astype(np.uint8)
    return alpha


def shade_points(
    x: np.ndarray,
    y: np.ndarray,
    codes: np.ndarray,
    colors: list[str],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    width: int,
    height: int,
    min_alpha: int = MIN_ALPHA,
) -> np.ndarray:
    """``shade(count_categories(...), colors)``: the points' RGBA (height, width, 4), row 0 at the bottom, one
    colour per category code. From ``COMPILED_FROM`` points on, ``binning.shade_points`` gives the same bytes in
    two compiled passes (points, then pixels) instead of a dozen NumPy passes over the canvas."""
    binning = _compiled(np.size(x))
    if binning is not None:
        rgb = np.array([_hex_rgb(c) for c in colors], dtype=np.float64).reshape(-1, 3)
        return binning.shade_points(x, y, codes, rgb, x_range, y_range, width, height, min_alpha)
    counts = count_categories_numpy(x, y, codes, len(colors), x_range, y_range, width, height)
    return shade(counts, colors, min_alpha)


def shade(counts: np.ndarray, colors: list[str], min_alpha: int = MIN_ALPHA) -> np.ndarray:
    """RGBA (height, width, 4) uint8 from per-category counts: each pixel's colour is the count-weighted mix of
    its categories' colours, its opacity the equalised rank of its total count."""
    rgb = np.array([_hex_rgb(c) for c in colors], dtype=np.float64).reshape(-1, 3)
    total = counts.sum(axis=2)
    drawn = total > 0  # colours mixed for the drawn pixels only: a world view leaves most pixels empty
    # float64: the sums of integer count x colour products are exact, so any order of summation (BLAS here, the
    # compiled pass in ``binning``) gives the same mix
    mixed = counts[drawn].astype(np.float64) @ rgb  # (drawn, 3)
    mixed /= total[drawn][:, None]
    rgba = np.zeros((*total.shape, 4), dtype=np.uint8)
    rgba[drawn, :3] = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    rgba[..., 3] = _eq_hist_alpha(total, min_alpha)
    return rgba


def _touching_fraction(drawn: np.ndarray) -> float:
    """Share of drawn pixels with a drawn 8-neighbour: how crowded the image already is."""
    n = int(drawn.sum())
    if n == 0:
        return 1.0
    padded = np.pad(drawn, 1)
    neighbours = np.zeros(drawn.shape, dtype=bool)
    h, w = drawn.shape
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            if dy == 1 and dx == 1:
                continue
            neighbours |= padded[dy : dy + h, dx : dx + w]
    return float((drawn & neighbours).sum()) / n


def _spread_once(rgba: np.ndarray) -> np.ndarray:
    """Grow every drawn pixel by one pixel into empty neighbours (the most opaque neighbour wins)."""
    h, w = rgba.shape[:2]
    padded = np.pad(rgba, ((1, 1), (1, 1), (0, 0)))
    out = rgba.copy()
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            if dy == 1 and dx == 1:
                continue
            neighbour = padded[dy : dy + h, dx : dx + w]
            take = neighbour[..., 3] > out[..., 3]
            take &= rgba[..., 3] == 0  # drawn pixels keep their own colour
            out[take] = neighbour[take]
    return out


def dynspread(
    rgba: np.ndarray, threshold: float = SPREAD_THRESHOLD, max_px: int = MAX_SPREAD_PX
) -> np.ndarray:
    """Spread isolated pixels by up to ``max_px`` so that single samples stay visible, stopping as soon as at
    least ``threshold`` of the drawn pixels touch another (dense areas are not blurred)."""
    for _ in range(max_px):
        if _touching_fraction(rgba[..., 3] > 0) >= threshold:
            break
        rgba = _spread_once(rgba)
    return rgba
