"""What the BigEarthNet.txt claims need from one CORINE reference map, computed once per map and per variant.

Class indices follow ``legends.CORINE19`` (19 classes; codes outside them are unlabelled, index -1).
Connected components are computed lazily, once per connectivity for ALL classes (``regions.label_all``: one
sweep joining neighbours of equal class), so a patch with 20 questions labels its map at most twice (4- and
8-connectivity), whatever the number of questions and classes; a class's components are a view of that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..legends import CORINE19
from .regions import class_index, coordinate_sums_runs, label_runs, runs, touching_runs

NAMES: tuple[str, ...] = tuple(CORINE19.names)  # (the legend's ``names`` builds a new list per call)
N_CLASSES = len(NAMES)
# class index of every uint16 code: one lookup per pixel for the release's uint16 maps (any other dtype
# takes the legend's general, range-checked path)
_CLASS_OF_UINT16 = CORINE19.class_index(np.arange(1 << 16)).astype(np.int16)


@dataclass
class Labelling:
    """Components of every class under one connectivity (``regions.label_all``)."""

    labels: np.ndarray  # 0 = unlabelled pixel, k = component k (1-based), raster order of first pixel
    classes: np.ndarray  # class of component k at index k - 1
    sizes: np.ndarray  # pixels of component k at index k - 1
    boxes: np.ndarray  # (row0, row1, col0, col1), exclusive ends, of component k at index k - 1


@dataclass
class Components:
    """The components of one class, numbered 1..n in raster order (as ``scipy.ndimage.label`` of its mask)."""

    ids: np.ndarray  # their labels in the map-wide labelling
    sizes: np.ndarray  # pixels of component k at index k - 1
    boxes: np.ndarray  # (row0, row1, col0, col1) of component k at index k - 1
    _labels: np.ndarray  # the map-wide labelling

    def label_at(self, row: int, col: int) -> int:
        """The component (1-based) covering pixel (row, col); 0 when that pixel is not of this class."""
        found = int(np.searchsorted(self.ids, self._labels[row, col]))
        return found + 1 if found < self.ids.size and self.ids[found] == self._labels[row, col] else 0

    def box(self, k: int, shape: tuple[int, int]) -> tuple[float, float, float, float]:
        """Normalised (x0, y0, x1, y1) of component k (1-based), origin top-left, pixel edges."""
        row0, row1, col0, col1 = (int(v) for v in self.boxes[k - 1])
        height, width = shape
        return col0 / width, row0 / height, col1 / width, row1 / height


class CorineMap:
    """One reference map (raw CLC codes) and the facts derived from it."""

    def __init__(self, codes: np.ndarray) -> None:
        codes = np.asarray(codes)
        if codes.ndim == 3:
            codes = codes[0]
        if codes.dtype in (np.uint8, np.uint16):
            self.index, self.counts = class_index(codes, _CLASS_OF_UINT16, N_CLASSES)
        else:
            self.index = np.ascontiguousarray(CORINE19.class_index(codes).astype(np.int16))
            valid = self.index >= 0
            self.counts = np.bincount(self.index[valid].ravel(), minlength=N_CLASSES)
        self.shape: tuple[int, int] = (int(self.index.shape[0]), int(self.index.shape[1]))
        # the counts as Python ints: the checks read and format them per claim, and a NumPy scalar costs
        # ~10x a Python int to index, compare and format
        self.count_of: list[int] = self.counts.tolist()
        self.labelled = int(self.counts.sum())
        self.total = int(self.index.size)
        self._labellings: dict[int, Labelling] = {}
        self._components: dict[tuple[int, int], Components] = {}
        self._adjacent: dict[int, np.ndarray] = {}  # neighbourhood -> which classes touch
        self._n_regions: dict[int, list[int]] = {}  # connectivity -> components per class
        self._touch_rows: dict[int, list[list[bool]]] = {}  # the same as Python lists (read per claim)
        self._centroids: list[tuple[float, float]] | None = None
        self._runs: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._largest: dict[int, dict[int, int]] = {}  # connectivity -> class -> its largest component

    def present(self, cls: int, min_pixels: int = 1) -> bool:
        return self.count_of[cls] >= min_pixels

    def runs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The map's runs of labelled pixels (``regions.runs``): found once, used by every sweep."""
        if self._runs is None:
            self._runs = runs(self.index)
        return self._runs

    def labelling(self, connectivity: int) -> Labelling:
        if connectivity not in self._labellings:
            labels, _, classes, sizes, boxes = label_runs(*self.runs(), *self.shape, connectivity == 8)
            self._labellings[connectivity] = Labelling(labels, classes, sizes, boxes)
        return self._labellings[connectivity]

    def components(self, cls: int, connectivity: int) -> Components:
        key = (cls, connectivity)
        if key not in self._components:
            whole = self.labelling(connectivity)
            mine = np.flatnonzero(whole.classes == cls)
            self._components[key] = Components(mine + 1, whole.sizes[mine], whole.boxes[mine], whole.labels)
        return self._components[key]

    def n_regions(self, cls: int, connectivity: int) -> int:
        if not self.count_of[cls]:
            return 0
        if connectivity not in self._n_regions:
            classes = self.labelling(connectivity).classes
            self._n_regions[connectivity] = np.bincount(classes, minlength=N_CLASSES).tolist()
        return self._n_regions[connectivity][cls]

    def box_of(
        self, cls: int, connectivity: int, at: tuple[int, int] | None = None
    ) -> tuple[float, float, float, float]:
        """Normalised (x0, y0, x1, y1) of the largest component of ``cls`` (the first in raster order among
        equals), or of the component covering pixel ``at`` = (row, col), which must be of class ``cls``."""
        whole = self.labelling(connectivity)
        k = self._largest_of(connectivity)[cls] if at is None else int(whole.labels[at]) - 1
        row0, row1, col0, col1 = whole.boxes[k].tolist()
        height, width = self.shape
        return col0 / width, row0 / height, col1 / width, row1 / height

    def _largest_of(self, connectivity: int) -> dict[int, int]:
        """Per class, its largest component (the first in raster order among equals): one pass over the
        components per map, not a scan of them all per box claim."""
        if connectivity not in self._largest:
            whole = self.labelling(connectivity)
            largest: dict[int, int] = {}
            size_of: dict[int, int] = {}
            for k, (cls, size) in enumerate(zip(whole.classes.tolist(), whole.sizes.tolist(), strict=True)):
                if size > size_of.get(cls, -1):  # strictly larger: ties keep the first, as argmax does
                    largest[cls], size_of[cls] = k, size
            self._largest[connectivity] = largest
        return self._largest[connectivity]

    def adjacent(self, neighbourhood: int) -> set[tuple[int, int]]:
        """Pairs (i, j), i < j, of classes that touch (4: across an edge; 8: also across a corner)."""
        pairs = np.nonzero(np.triu(self._touching(neighbourhood), 1))
        return {(int(i), int(j)) for i, j in zip(*pairs, strict=True)}

    def touch(self, a: int, b: int, neighbourhood: int) -> bool:
        """Whether two different classes touch (as ``(min(a, b), max(a, b)) in adjacent(neighbourhood)``)."""
        if neighbourhood not in self._touch_rows:
            self._touch_rows[neighbourhood] = self._touching(neighbourhood).tolist()
        return a != b and self._touch_rows[neighbourhood][a][b]

    def _touching(self, neighbourhood: int) -> np.ndarray:
        """Symmetric boolean matrix of the classes that touch (one sweep gives both neighbourhoods)."""
        if neighbourhood not in self._adjacent:
            self._adjacent.update(
                zip((4, 8), touching_runs(*self.runs(), self.shape[0], N_CLASSES), strict=True)
            )
        return self._adjacent[neighbourhood]

    def centroid(self, cls: int) -> tuple[float, float]:
        """(row, column) mean of the class's pixels (NaN for an absent class, as the mean of nothing)."""
        if self._centroids is None:
            with np.errstate(invalid="ignore", divide="ignore"):
                means = coordinate_sums_runs(*self.runs(), self.shape[0], N_CLASSES) / self.counts[:, None]
            self._centroids = [(r, c) for r, c in means.tolist()]
        return self._centroids[cls]

    def direction(self, a: int, b: int, axes: tuple[int, int]) -> str | None:
        """Where class a lies relative to class b along the dominant axis of their centroids' offset."""
        if not (self.count_of[a] and self.count_of[b]):
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
