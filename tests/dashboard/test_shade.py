"""The map's categorical point shading (NumPy, no datashader): counts, colours, opacity, spreading."""

from __future__ import annotations

import sys
from typing import Any

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


def test_compiled_binning__gives_exactly_the_numpy_counts_on_random_points_and_the_view_edges() -> None:
    from explorer.dashboard import binning

    rng = np.random.default_rng(11)
    view = ((-2.0e7, 1.3e7), (-7.0e6, 9.1e6))  # a Web-Mercator view, as the map asks
    for dtype in (np.float32, np.float64):
        n = 20_000
        x = rng.uniform(-2.2e7, 1.5e7, n).astype(dtype)
        y = rng.uniform(-8.0e6, 1.0e7, n).astype(dtype)
        above, below = dtype(np.inf), dtype(-np.inf)
        x_edges = [*view[0], np.nextafter(dtype(view[0][1]), above), np.nextafter(dtype(view[0][0]), below)]
        y_edges = [*view[1], np.nextafter(dtype(view[1][1]), above)]
        x[:40] = np.resize(np.array(x_edges, dtype=dtype), 40)  # on each edge, and just beyond it
        y[40:80] = np.resize(np.array(y_edges, dtype=dtype), 40)
        x[80:90], y[90:100] = np.nan, np.inf  # never counted
        codes = rng.integers(-1, 5, n).astype(np.int8)
        codes[100:110] = 7  # beyond the categories: not counted
        for c in (codes, np.sort(codes)):
            for width, height in ((1000, 430), (17, 9), (2, 2)):
                want = shade.count_categories_numpy(x, y, c, 5, *view, width, height)
                got = binning.count_categories(x, y, c, 5, *view, width, height)
                assert got.dtype == want.dtype == np.uint32
                assert np.array_equal(got, want), (dtype, width, height)
        degenerate = ((1.0, 1.0), (0.0, 1.0), 8, 8)  # an empty x range: the same answer too
        assert np.array_equal(
            binning.count_categories(x, y, codes, 5, *degenerate),
            shade.count_categories_numpy(x, y, codes, 5, *degenerate),
        )


def test_count_categories__large_renders_take_the_compiled_pass_with_the_same_counts() -> None:
    rng = np.random.default_rng(3)
    n = shade.COMPILED_FROM
    x, y = rng.uniform(-1.2, 1.2, n).astype(np.float32), rng.uniform(-1.2, 1.2, n).astype(np.float32)
    codes = np.sort(rng.integers(0, 3, n)).astype(np.int16)
    got = shade.count_categories(x, y, codes, 3, (-1.0, 1.0), (-1.0, 1.0), 64, 32)
    assert "explorer.dashboard.binning" in sys.modules
    assert np.array_equal(got, shade.count_categories_numpy(x, y, codes, 3, (-1.0, 1.0), (-1.0, 1.0), 64, 32))


def _clustered_points(rng: np.random.Generator, n: int, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """Points in a few dense clusters (one pixel holds > 65,536 of them) over a sparse background."""
    x, y = rng.uniform(-1.2, 1.2, n), rng.uniform(-1.2, 1.2, n)
    dense = rng.random(n) < 0.6
    x[dense] = rng.choice([-0.5, 0.1, 0.7], dense.sum()) + rng.normal(0, 0.01, dense.sum())
    y[dense] = rng.choice([-0.3, 0.4], dense.sum()) + rng.normal(0, 0.01, dense.sum())
    x[:120_000] = y[:120_000] = 0.2501  # one pixel with > 65,536 points (of counted codes): beyond the compiled pass's histogram
    x[120_000:120_010] = np.nan
    return x.astype(dtype), y.astype(dtype)


def test_shade_points__the_compiled_pass_gives_exactly_the_numpy_bytes() -> None:
    from explorer.dashboard import binning

    rng = np.random.default_rng(17)
    colors = ["#DDCC77", "#E69F00", "#CC6677", "#117733"]
    rgb = np.array([shade._hex_rgb(c) for c in colors], dtype=np.float64)
    for dtype in (np.float32, np.float64):
        x, y = _clustered_points(rng, 300_000, dtype)
        codes = rng.integers(-1, 5, x.size)  # -1 and 4: not a category, not counted
        for c in (codes, np.sort(codes)):
            for view in (((-1.0, 1.0), (-1.0, 1.0)), ((0.0, 0.5), (0.1, 0.6)), ((5.0, 6.0), (5.0, 6.0))):
                counts = shade.count_categories_numpy(x, y, c, 4, *view, 200, 90)
                want = shade.shade(counts, colors)
                got = binning.shade_points(x, y, c, rgb, *view, 200, 90, shade.MIN_ALPHA)
                assert np.array_equal(got, want)
        assert shade.count_categories_numpy(x, y, codes, 4, (-1.0, 1.0), (-1.0, 1.0), 200, 90).sum(2).max() > 65_536
    lone = binning.shade_points(np.array([0.5]), np.array([0.5]), np.array([1]), rgb, (0, 1), (0, 1), 4, 4, 120)
    assert lone[2, 2].tolist() == [230, 159, 0, 255] and lone[..., 3].sum() == 255  # one level: opaque
    big = np.repeat([0.1, 0.9], [70_000, 80_000])  # two pixels, both beyond the histogram
    codes = np.repeat([0, 1], 75_000)
    for view in (((0.0, 1.0), (0.0, 1.0)), ((0.0, 0.5), (0.0, 0.5))):  # two levels, then one
        want = shade.shade(shade.count_categories_numpy(big, big, codes, 4, *view, 4, 4), colors)
        assert np.array_equal(binning.shade_points(big, big, codes, rgb, *view, 4, 4, 120), want)


def _large_render(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], Any, np.ndarray]:
    """A render of ``COMPILED_FROM`` clustered points in three categories, and the NumPy pass's image of it."""
    rng = np.random.default_rng(seed)
    colors = ["#ff0000", "#00ff00", "#0000ff"]
    x, y = _clustered_points(rng, shade.COMPILED_FROM, np.float32)
    codes = np.sort(rng.integers(0, 3, x.size)).astype(np.int8)
    view = ((-1.0, 1.0), (-1.0, 1.0))
    return x, y, codes, colors, view, shade.shade(shade.count_categories_numpy(x, y, codes, 3, *view, 120, 60), colors)


def test_shade_points__large_renders_take_the_compiled_pass_small_ones_numpy() -> None:
    x, y, codes, colors, view, want = _large_render(seed=23)
    assert np.array_equal(shade.shade_points(x, y, codes, colors, *view, 120, 60), want)
    small = shade.shade_points(x[:1000], y[:1000], codes[:1000], colors, *view, 120, 60)
    counts = shade.count_categories(x[:1000], y[:1000], codes[:1000], 3, *view, 120, 60)
    assert np.array_equal(small, shade.shade(counts, colors))


def test_shade_points__a_server_defers_the_compiled_pass_until_its_warm_up_loads_it(monkeypatch: Any) -> None:
    from explorer.dashboard import binning

    monkeypatch.setattr(shade, "_binning", None)  # as in a fresh process
    monkeypatch.setattr(shade, "_deferred", False)
    compiled: list[int] = []
    original = binning.shade_points
    monkeypatch.setattr(binning, "shade_points", lambda x, *a: (compiled.append(np.size(x)), original(x, *a))[1])
    x, y, codes, colors, view, want = _large_render(seed=29)
    shade.defer_compiled()  # a server, until its warm-up has loaded the compiled pass
    assert np.array_equal(shade.shade_points(x, y, codes, colors, *view, 120, 60), want)
    assert np.array_equal(shade.count_categories(x, y, codes, 3, *view, 120, 60),
                          shade.count_categories_numpy(x, y, codes, 3, *view, 120, 60))  # fmt: skip
    assert compiled == [] and not shade.compiled_loaded()  # NumPy: nothing loaded in the middle of a page
    shade.load_compiled()  # the warm-up: machine code loaded on a few points, the deferral over
    assert shade.compiled_loaded() and compiled == [2]
    assert np.array_equal(shade.shade_points(x, y, codes, colors, *view, 120, 60), want)  # the same bytes
    assert compiled == [2, x.size]


def test_shade_points__without_a_deferral_the_first_large_render_loads_the_compiled_pass(monkeypatch: Any) -> None:
    monkeypatch.setattr(shade, "_binning", None)
    monkeypatch.setattr(shade, "_deferred", False)
    n = shade.COMPILED_FROM
    points = np.linspace(0.0, 1.0, n, dtype=np.float32)
    rgba = shade.shade_points(points, points, np.zeros(n, np.int8), ["#ff0000"], (0.0, 1.0), (0.0, 1.0), 8, 8)
    assert shade.compiled_loaded() and rgba[..., 3].diagonal().all()
