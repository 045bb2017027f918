"""The map's categorical point shading (NumPy, no datashader): counts, colours, opacity, spreading."""

from __future__ import annotations

import numpy as np

from explorer.dashboard import shade


def test_count_categories__bins_points_per_pixel_and_category() -> None:
    x = np.array([0.05, 0.05, 0.95, 1.0, 2.0, 0.5])
    y = np.array([0.05, 0.05, 0.95, 1.0, 0.5, 0.5])
    codes = np.array([0, 1, 1, 0, 0, -1])  # x = 2.0 is outside the range, code -1 is a missing category
    counts = shade.count_categories(x, y, codes, 2, (0.0, 1.0), (0.0, 1.0), 10, 10)
    assert counts.shape == (10, 10, 2)
    assert counts[0, 0].tolist() == [1, 1]  # row 0 is the bottom of the range
    assert counts[9, 9].tolist() == [1, 1]  # the upper edge (x = y = 1.0) falls into the last pixel
    assert counts.sum() == 4


def test_shade__mixes_colours_by_count_and_equalises_opacity() -> None:
    counts = np.zeros((1, 3, 2), dtype=np.uint32)
    counts[0, 0] = [3, 1]  # three red, one blue
    counts[0, 1] = [0, 1]
    rgba = shade.shade(counts, ["#ff0000", "#0000ff"], min_alpha=100)
    assert rgba[0, 0, :3].tolist() == [191, 0, 64]
    assert rgba[0, 1, :3].tolist() == [0, 0, 255]
    assert rgba[0, 0, 3] == 255 and rgba[0, 1, 3] == 100  # densest opaque, sparsest at min_alpha
    assert rgba[0, 2, 3] == 0  # nothing drawn: transparent


def test_dynspread__grows_isolated_pixels_but_not_crowded_ones() -> None:
    lonely = np.zeros((9, 9, 4), dtype=np.uint8)
    lonely[4, 4] = [255, 0, 0, 255]
    spread = shade.dynspread(lonely, threshold=0.5, max_px=2)
    assert (spread[..., 3] > 0).sum() == 9  # grown by one pixel: then every drawn pixel touches another
    assert spread[3, 3].tolist() == [255, 0, 0, 255]
    crowded = np.zeros((9, 9, 4), dtype=np.uint8)
    crowded[4, 3:6] = [0, 255, 0, 200]
    assert np.array_equal(shade.dynspread(crowded, threshold=0.5, max_px=2), crowded)


def _naive_counts(x, y, codes, n, width, height):  # ranges (-1, 1) x (-1, 1); the upper edge in the last pixel
    out = np.zeros((height, width, n), np.uint32)
    for xi, yi, c in zip(x, y, codes, strict=True):
        if not (-1.0 <= xi <= 1.0 and -1.0 <= yi <= 1.0) or not 0 <= c < n:
            continue
        col = min(int(np.floor((xi + 1.0) * width / 2.0)), width - 1)
        row = min(int(np.floor((yi + 1.0) * height / 2.0)), height - 1)
        out[row, col, c] += 1
    return out


def test_count_categories__agrees_with_a_naive_count_for_sorted_and_unsorted_codes() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.uniform(-1.5, 1.5, 3000), rng.uniform(-1.5, 1.5, 3000)
    x[:5] = np.nan  # never counted
    x[5:10] = 1.0 + 1e-9  # just beyond the upper edge: not counted either
    codes = rng.integers(-1, 4, 3000)
    for c in (codes, np.sort(codes)):  # sorted: the map coloured by dataset, counted run by run
        got = shade.count_categories(x, y, c, 4, (-1.0, 1.0), (-1.0, 1.0), 17, 9)
        assert np.array_equal(got, _naive_counts(x, y, c, 4, 17, 9))
