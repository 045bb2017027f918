"""The one-sweep labelling of all classes equals scipy's labelling of each class alone, on random maps."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from explorer.audit.corine_map import N_CLASSES, CorineMap
from explorer.legends import CORINE19

_STRUCTURE = {4: ndimage.generate_binary_structure(2, 1), 8: np.ones((3, 3), dtype=bool)}


def _random_codes(rng: np.random.Generator, shape: tuple[int, int], n_classes: int) -> np.ndarray:
    """Blocky maps (regions of several pixels, diagonal contacts, holes) with some unlabelled pixels."""
    codes = np.array([c.codes[0] for c in CORINE19.classes] + [999], dtype=np.uint16)
    small = rng.integers(0, n_classes, size=(shape[0] // 2 + 1, shape[1] // 2 + 1))
    index = np.kron(small, np.ones((2, 2), dtype=np.int64))[: shape[0], : shape[1]]
    noise = rng.random(shape) < 0.2
    index[noise] = rng.integers(0, n_classes, size=int(noise.sum()))
    index[rng.random(shape) < 0.05] = N_CLASSES  # unlabelled
    return codes[index]


@pytest.mark.parametrize("connectivity", [4, 8])
@pytest.mark.parametrize("seed", range(12))
def test_components__equal_scipy_per_class_labelling(connectivity: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 40)), int(rng.integers(1, 40))) if seed % 3 else (120, 120)
    cmap = CorineMap(_random_codes(rng, shape, int(rng.integers(1, 6))))
    for cls in range(N_CLASSES):
        expected, n = ndimage.label(cmap.index == cls, structure=_STRUCTURE[connectivity])
        mine = cmap.components(cls, connectivity)
        assert cmap.n_regions(cls, connectivity) == n
        np.testing.assert_array_equal(mine.sizes, np.bincount(expected.ravel(), minlength=n + 1)[1:])
        for k, (rows, cols) in enumerate(ndimage.find_objects(expected), start=1):
            assert mine.box(k, cmap.shape) == (
                cols.start / shape[1],
                rows.start / shape[0],
                cols.stop / shape[1],
                rows.stop / shape[0],
            )
        for r, c in zip(rng.integers(0, shape[0], 200), rng.integers(0, shape[1], 200), strict=True):
            assert mine.label_at(int(r), int(c)) == expected[r, c]
            if expected[r, c]:  # the box under a point: that of scipy's component there
                assert cmap.box_of(cls, connectivity, (int(r), int(c))) == mine.box(
                    int(expected[r, c]), cmap.shape
                )
        if n:  # the largest region's box: the first of the largest in scipy's numbering
            sizes = np.bincount(expected.ravel())[1:]
            assert cmap.box_of(cls, connectivity) == mine.box(int(sizes.argmax()) + 1, cmap.shape)


@pytest.mark.parametrize("seed", range(6))
def test_adjacency_and_centroids__equal_the_numpy_definitions(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    cmap = CorineMap(_random_codes(rng, (int(rng.integers(2, 60)), int(rng.integers(2, 60))), 6))
    index = cmap.index
    for neighbourhood in (4, 8):
        pairs = [(index[:, :-1], index[:, 1:]), (index[:-1, :], index[1:, :])]
        if neighbourhood == 8:
            pairs += [(index[:-1, :-1], index[1:, 1:]), (index[:-1, 1:], index[1:, :-1])]
        expected = set()
        for a, b in pairs:
            touch = (a != b) & (a >= 0) & (b >= 0)
            expected |= {(int(min(x, y)), int(max(x, y))) for x, y in zip(a[touch], b[touch], strict=True)}
        assert cmap.adjacent(neighbourhood) == expected
        for a in range(N_CLASSES):
            for b in range(N_CLASSES):
                assert cmap.touch(a, b, neighbourhood) == ((min(a, b), max(a, b)) in expected)
    for cls in np.flatnonzero(cmap.counts):
        rows, cols = np.nonzero(index == cls)
        assert cmap.centroid(int(cls)) == (float(rows.mean()), float(cols.mean()))
