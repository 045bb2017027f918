"""Connected regions of every class of a class map in one sweep, and which classes touch, compiled with numba.

The audit needs, per map, the components of several classes under 4- and 8-connectivity (counts, the largest,
the one under a point, their boxes). Labelling each class separately with ``scipy.ndimage.label`` costs a call,
a mask and a ``find_objects`` per class and connectivity; here one union-find pass over the map joins
neighbours OF EQUAL CLASS, so one labelling holds the components of all classes at once, with their class,
size and bounding box.

Components are numbered in raster order of their first pixel, as ``scipy.ndimage.label`` numbers them, so the
components of one class, in label order, are exactly scipy's per-class labels 1..n (``tests/audit`` checks
this on random maps for both connectivities): ties (e.g. "the largest region") resolve as before.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _root(parent: np.ndarray, p: int) -> int:
    while parent[p] != p:
        parent[p] = parent[parent[p]]
        p = parent[p]
    return p


@njit(cache=True)
def _join(parent: np.ndarray, p: int, q: int) -> None:
    a, b = _root(parent, p), _root(parent, q)
    if a < b:
        parent[b] = a
    elif b < a:
        parent[a] = b


def label_all(index: np.ndarray, eight: bool) -> tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray]:
    """(labels, n, class of each component, size of each, boxes (n, 4): row0, row1, col0, col1 exclusive).

    ``index`` holds class indices, negative = unlabelled (never part of a component, label 0). Works on runs
    (maximal horizontal stretches of one class): land-cover maps have a few per row, so the union-find joins
    runs that touch in the row above instead of single pixels.
    """
    return label_runs(*runs(index), index.shape[0], index.shape[1], eight)


@njit(cache=True)
def label_runs(
    row_start: np.ndarray,
    run_c0: np.ndarray,
    run_c1: np.ndarray,
    run_cls: np.ndarray,
    height: int,
    width: int,
    eight: bool,
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray]:
    """``label_all`` on the map's ``runs`` (computed once per map for every sweep; passed as four arrays, not
    a tuple: numba types a tuple argument in Python on every call, ~20 us)."""
    n_runs = run_c0.size
    parent = np.arange(n_runs)
    reach = 1 if eight else 0  # 8-connectivity: runs touching corner to corner join too
    for r in range(1, height):
        j, prev_end = row_start[r - 1], row_start[r]
        for i in range(row_start[r], row_start[r + 1]):
            lo, hi = run_c0[i] - reach, run_c1[i] + reach
            while j < prev_end and run_c1[j] <= lo:
                j += 1
            k = j
            while k < prev_end and run_c0[k] < hi:
                if run_cls[k] == run_cls[i]:
                    _join(parent, i, k)
                k += 1
    labels = np.zeros((height, width), dtype=np.int32)
    label_of_root = np.zeros(n_runs, dtype=np.int64)
    classes = np.empty(n_runs, dtype=np.int16)
    sizes = np.zeros(n_runs, dtype=np.int64)
    boxes = np.empty((n_runs, 4), dtype=np.int64)
    n = 0
    for r in range(height):
        for i in range(
            row_start[r], row_start[r + 1]
        ):  # raster order: a component's first run holds its first pixel
            root = _root(parent, i)
            k = label_of_root[root]
            c0, c1 = run_c0[i], run_c1[i]
            if k == 0:
                n += 1
                k = n
                label_of_root[root] = k
                classes[k - 1] = run_cls[i]
                boxes[k - 1, 0] = r
                boxes[k - 1, 2] = c0
                boxes[k - 1, 3] = c1
            labels[r, c0:c1] = k
            sizes[k - 1] += c1 - c0
            boxes[k - 1, 1] = r + 1  # raster order: the last row seen is the lowest
            if c0 < boxes[k - 1, 2]:
                boxes[k - 1, 2] = c0
            if c1 > boxes[k - 1, 3]:
                boxes[k - 1, 3] = c1
    return labels, n, classes[:n].copy(), sizes[:n].copy(), boxes[:n].copy()


@njit(cache=True)
def class_index(codes: np.ndarray, class_of: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(class index of every pixel, pixels per class): ``class_of[codes]`` and the ``bincount`` of its
    non-negative entries in one pass (NumPy's gather from a 65,536-entry table, mask and bincount cost
    ~0.2-0.3 ms per 120 x 120 map: ~8 % of the audit's tasks)."""
    height, width = codes.shape
    index = np.empty((height, width), dtype=class_of.dtype)
    counts = np.zeros(n_classes, dtype=np.int64)
    for r in range(height):
        for c in range(width):
            k = class_of[codes[r, c]]
            index[r, c] = k
            if k >= 0:
                counts[k] += 1
    return index, counts


@njit(cache=True)
def runs(index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(row_start (height + 1), c0, c1, class) of the runs of labelled pixels, in raster order."""
    height, width = index.shape
    run_c0 = np.empty(height * width, dtype=np.int64)
    run_c1 = np.empty(height * width, dtype=np.int64)
    run_cls = np.empty(height * width, dtype=np.int64)
    row_start = np.zeros(height + 1, dtype=np.int64)
    n_runs = 0
    for r in range(height):
        row_start[r] = n_runs
        c = 0
        while c < width:
            v = index[r, c]
            end = c + 1
            while end < width and index[r, end] == v:
                end += 1
            if v >= 0:
                run_c0[n_runs] = c
                run_c1[n_runs] = end
                run_cls[n_runs] = v
                n_runs += 1
            c = end
    row_start[height] = n_runs
    return row_start, run_c0[:n_runs], run_c1[:n_runs], run_cls[:n_runs]


def touching(index: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(4-neighbour, 8-neighbour) symmetric boolean matrices of the classes that touch (unlabelled ignored)."""
    return touching_runs(*runs(index), index.shape[0], n_classes)


@njit(cache=True)
def touching_runs(
    row_start: np.ndarray, c0: np.ndarray, c1: np.ndarray, cls: np.ndarray, height: int, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """(4-neighbour, 8-neighbour) symmetric boolean matrices of the classes that touch (unlabelled ignored).

    On runs: two runs of a row touch when one ends where the next starts (runs are maximal, so their
    classes differ); a run touches the runs of the row above that overlap its columns (across an edge) or
    come within one column of them (across a corner)."""
    edge = np.zeros((n_classes, n_classes), dtype=np.bool_)
    near = np.zeros((n_classes, n_classes), dtype=np.bool_)
    for r in range(height):
        for i in range(row_start[r], row_start[r + 1] - 1):
            if c1[i] == c0[i + 1]:
                edge[cls[i], cls[i + 1]] = edge[cls[i + 1], cls[i]] = True
        if r == 0:
            continue
        j, prev_end = row_start[r - 1], row_start[r]
        for i in range(row_start[r], row_start[r + 1]):
            while j < prev_end and c1[j] < c0[i]:  # ends left of the column before this run
                j += 1
            k = j
            while k < prev_end and c0[k] <= c1[i]:  # starts at most at the column after this run
                a, b = cls[i], cls[k]
                if a != b:
                    near[a, b] = near[b, a] = True
                    if c0[k] < c1[i] and c1[k] > c0[i]:  # shares a column: across an edge
                        edge[a, b] = edge[b, a] = True
                k += 1
    return edge, edge | near


def coordinate_sums(index: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_classes, 2) sums of the row and column numbers of each class's pixels (centroid = sum / count)."""
    return coordinate_sums_runs(*runs(index), index.shape[0], n_classes)


@njit(cache=True)
def coordinate_sums_runs(
    row_start: np.ndarray, c0: np.ndarray, c1: np.ndarray, cls: np.ndarray, height: int, n_classes: int
) -> np.ndarray:
    """``coordinate_sums`` on the map's ``runs``."""
    sums = np.zeros((n_classes, 2), dtype=np.int64)
    for r in range(height):
        for i in range(row_start[r], row_start[r + 1]):
            n = c1[i] - c0[i]
            sums[cls[i], 0] += r * n
            sums[cls[i], 1] += (c0[i] + c1[i] - 1) * n // 2
    return sums
