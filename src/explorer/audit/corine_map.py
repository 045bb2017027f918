"""What the BigEarthNet.txt claims need from one CORINE reference map, computed once per map and per variant.

Class indices follow ``legends.CORINE19`` (19 classes; codes outside them are unlabelled, index -1).
Connected components are computed lazily, per class and connectivity, and cached: a patch with 20 questions
labels each class at most twice (4- and 8-connectivity), whatever the number of questions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from ..legends import CORINE19

N_CLASSES = len(CORINE19.names)
_STRUCTURE = {4: ndimage.generate_binary_structure(2, 1), 8: np.ones((3, 3), dtype=bool)}


@dataclass
class Components:
    labels: np.ndarray  # 0 = not the class, k = component k (1-based)
    sizes: np.ndarray  # pixels of component k at index k - 1
    _slices: list[tuple[slice, slice]] | None = None

    @property
    def slices(self) -> list[tuple[slice, slice]]:
        """Extents of the components, found on first use (only boxes need them)."""
        if self._slices is None:
            self._slices = (
                [(s[0], s[1]) for s in ndimage.find_objects(self.labels)] if self.sizes.size else []
            )
        return self._slices

    def box(self, k: int, shape: tuple[int, int]) -> tuple[float, float, float, float]:
        """Normalised (x0, y0, x1, y1) of component k (1-based), origin top-left, pixel edges."""
        rows, cols = self.slices[k - 1]
        height, width = shape
        return cols.start / width, rows.start / height, cols.stop / width, rows.stop / height


class CorineMap:
    """One reference map (raw CLC codes) and the facts derived from it."""

    def __init__(self, codes: np.ndarray) -> None:
        codes = np.asarray(codes)
        if codes.ndim == 3:
            codes = codes[0]
        self.index = CORINE19.class_index(codes).astype(np.int16)
        self.shape: tuple[int, int] = (int(self.index.shape[0]), int(self.index.shape[1]))
        valid = self.index >= 0
        self.counts = np.bincount(self.index[valid].ravel(), minlength=N_CLASSES)
        self.labelled = int(self.counts.sum())
        self.total = int(self.index.size)
        self._components: dict[tuple[int, int], Components] = {}
        self._adjacent: dict[int, set[tuple[int, int]]] = {}
        self._centroids: dict[int, tuple[float, float]] = {}

    def present(self, cls: int, min_pixels: int = 1) -> bool:
        return bool(self.counts[cls] >= min_pixels)

    def components(self, cls: int, connectivity: int) -> Components:
        key = (cls, connectivity)
        if key not in self._components:
            labelled = ndimage.label(self.index == cls, structure=_STRUCTURE[connectivity])
            labels, n = np.asarray(labelled[0]), int(labelled[1])
            sizes = np.bincount(labels.ravel(), minlength=n + 1)[1:]
            self._components[key] = Components(labels, sizes)
        return self._components[key]

    def n_regions(self, cls: int, connectivity: int) -> int:
        return int(self.components(cls, connectivity).sizes.size) if self.counts[cls] else 0

    def adjacent(self, neighbourhood: int) -> set[tuple[int, int]]:
        """Pairs (i, j), i < j, of classes that touch (4: across an edge; 8: also across a corner)."""
        if neighbourhood not in self._adjacent:
            index = self.index
            pairs = [(index[:, :-1], index[:, 1:]), (index[:-1, :], index[1:, :])]
            if neighbourhood == 8:
                pairs += [(index[:-1, :-1], index[1:, 1:]), (index[:-1, 1:], index[1:, :-1])]
            touching = np.zeros(N_CLASSES * N_CLASSES, dtype=np.int64)
            for a, b in pairs:
                edge = (a != b) & (a >= 0) & (b >= 0)
                touching += np.bincount(
                    a[edge].astype(np.int64) * N_CLASSES + b[edge], minlength=N_CLASSES * N_CLASSES
                )
            grid = touching.reshape(N_CLASSES, N_CLASSES)
            grid = grid + grid.T
            found = {(int(i), int(j)) for i, j in zip(*np.nonzero(np.triu(grid, 1)), strict=True)}
            self._adjacent[neighbourhood] = found
        return self._adjacent[neighbourhood]

    def centroid(self, cls: int) -> tuple[float, float]:
        """(row, column) mean of the class's pixels."""
        if cls not in self._centroids:
            rows, cols = np.nonzero(self.index == cls)
            self._centroids[cls] = (float(rows.mean()), float(cols.mean()))
        return self._centroids[cls]

    def direction(self, a: int, b: int, axes: tuple[int, int]) -> str | None:
        """Where class a lies relative to class b along the dominant axis of their centroids' offset."""
        if not (self.counts[a] and self.counts[b]):
            return None
        (ra, ca), (rb, cb) = self.centroid(a), self.centroid(b)
        east, south = axes
        dx, dy = (ca - cb) * east, (ra - rb) * south
        if dx == 0 and dy == 0:
            return None
        if abs(dy) > abs(dx):
            return "south" if dy > 0 else "north"
        return "east" if dx > 0 else "west"


def box_iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0
