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


@njit(cache=True)
def label_all(index: np.ndarray, eight: bool) -> tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray]:
    """(labels, n, class of each component, size of each, boxes (n, 4): row0, row1, col0, col1 exclusive).

    ``index`` holds class indices, negative = unlabelled (never part of a component, label 0). Works on runs
    (maximal horizontal stretches of one class): land-cover maps have a few per row, so the union-find joins
    runs that touch in the row above instead of single pixels.
    """
    height, width = index.shape
    size = height * width
    run_row = np.empty(size, dtype=np.int64)
    run_c0 = np.empty(size, dtype=np.int64)
    run_c1 = np.empty(size, dtype=np.int64)
    run_cls = np.empty(size, dtype=np.int64)
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
                run_row[n_runs] = r
                run_c0[n_runs] = c
                run_c1[n_runs] = end
                run_cls[n_runs] = v
                n_runs += 1
            c = end
    row_start[height] = n_runs
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
    for i in range(n_runs):  # runs are in raster order: a component's first run holds its first pixel
        root = _root(parent, i)
        k = label_of_root[root]
        r, c0, c1 = run_row[i], run_c0[i], run_c1[i]
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
def touching(index: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(4-neighbour, 8-neighbour) symmetric boolean matrices of the classes that touch (unlabelled ignored)."""
    height, width = index.shape
    edge = np.zeros((n_classes, n_classes), dtype=np.bool_)
    corner = np.zeros((n_classes, n_classes), dtype=np.bool_)
    for r in range(height):
        for c in range(width):
            v = index[r, c]
            if v < 0:
                continue
            if c + 1 < width:
                u = index[r, c + 1]
                if u >= 0 and u != v:
                    edge[v, u] = edge[u, v] = True
            if r + 1 < height:
                u = index[r + 1, c]
                if u >= 0 and u != v:
                    edge[v, u] = edge[u, v] = True
                if c + 1 < width:
                    u = index[r + 1, c + 1]
                    if u >= 0 and u != v:
                        corner[v, u] = corner[u, v] = True
                if c > 0:
                    u = index[r + 1, c - 1]
                    if u >= 0 and u != v:
                        corner[v, u] = corner[u, v] = True
    return edge, edge | corner


@njit(cache=True)
def coordinate_sums(index: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_classes, 2) sums of the row and column numbers of each class's pixels (centroid = sum / count)."""
    height, width = index.shape
    sums = np.zeros((n_classes, 2), dtype=np.int64)
    for r in range(height):
        for c in range(width):
            v = index[r, c]
            if v >= 0:
                sums[v, 0] += r
                sums[v, 1] += c
    return sums
