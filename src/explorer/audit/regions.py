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

    ``index`` holds class indices, negative = unlabelled (never part of a component, label 0).
    """
    height, width = index.shape
    parent = np.arange(height * width, dtype=np.int32)
    for r in range(height):
        for c in range(width):
            v = index[r, c]
            if v < 0:
                continue
            p = r * width + c
            if c > 0 and index[r, c - 1] == v:
                _join(parent, p, p - 1)
            if r > 0:
                if index[r - 1, c] == v:
                    _join(parent, p, p - width)
                if eight:
                    if c > 0 and index[r - 1, c - 1] == v:
                        _join(parent, p, p - width - 1)
                    if c + 1 < width and index[r - 1, c + 1] == v:
                        _join(parent, p, p - width + 1)
    labels = np.zeros((height, width), dtype=np.int32)
    label_of_root = np.zeros(height * width, dtype=np.int32)
    classes = np.empty(height * width, dtype=np.int16)
    sizes = np.zeros(height * width, dtype=np.int64)
    row0 = np.empty(height * width, dtype=np.int64)
    row1 = np.empty(height * width, dtype=np.int64)
    col0 = np.empty(height * width, dtype=np.int64)
    col1 = np.empty(height * width, dtype=np.int64)
    n = 0
    for r in range(height):
        for c in range(width):
            v = index[r, c]
            if v < 0:
                continue
            root = _root(parent, r * width + c)
            k = label_of_root[root]
            if k == 0:  # first pixel of a component in raster order: the next label
                n += 1
                k = n
                label_of_root[root] = k
                classes[k - 1] = v
                row0[k - 1] = r
                col0[k - 1] = c
                col1[k - 1] = c + 1
            labels[r, c] = k
            sizes[k - 1] += 1
            row1[k - 1] = r + 1  # raster order: the last row seen is the lowest
            if c < col0[k - 1]:
                col0[k - 1] = c
            if c + 1 > col1[k - 1]:
                col1[k - 1] = c + 1
    boxes = np.empty((n, 4), dtype=np.int64)
    boxes[:, 0] = row0[:n]
    boxes[:, 1] = row1[:n]
    boxes[:, 2] = col0[:n]
    boxes[:, 3] = col1[:n]
    return labels, n, classes[:n].copy(), sizes[:n].copy(), boxes


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
