"""Publication figures: written in every format, 300 dpi, not blank; caption-length bins shared with the panel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pytest
from PIL import Image

from explorer import figures, frames, stats
from tests.data import annotations as fake


@pytest.fixture(scope="module")
def computed() -> dict[str, pd.DataFrame]:
    samples = fake.samples(n_per_dataset=25)
    table = fake.annotations(samples)
    parts = [
        (
            name,
            samples.filter(pc.equal(samples["dataset"], name)),
            table.filter(pc.equal(table["dataset"], name)),
        )
        for name in (fake.CEN, fake.BEN)
    ]
    result = stats.compute_all(parts, min_count=2)
    result["class_by_pixel"] = pd.DataFrame(
        {"dataset": fake.CEN, "legend": "ChatEarthNet", "class": ["water", "tree"], "pixels": [30, 70],
         "share": [0.3, 0.7], "samples": 2, "skipped": 0}
    )  # fmt: skip
    return result


@pytest.fixture(scope="module")
def written(computed: dict[str, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every figure as PNG; the vector formats for a few (a word cloud, the map, a heatmap): they take longer."""
    folder = tmp_path_factory.mktemp("figures")
    paths = figures.write_figures(computed, folder, formats=("png",))
    vector = {k: computed[k] for k in ("length_hist", "top_words", "countries", "density", "cooccurrence")}
    return paths + figures.write_figures(vector, folder, formats=("svg", "pdf"))


def test_write_figures__every_figure_written(written: list[Path]) -> None:
    stems = {p.stem for p in written}
    assert {p.suffix for p in written} == {".png", ".svg", ".pdf"}
    assert {p.stem for p in written if p.suffix == ".pdf"} == {p.stem for p in written if p.suffix == ".svg"}
    assert {"geography", f"word_cloud_{fake.CEN}_caption", f"pmi_{fake.CEN}_caption"} <= {
        p.stem for p in written if p.suffix == ".pdf"
    }
    for expected in (
        "caption_length_counts", "caption_length_density", "top_words_caption", "top_words_question", "zipf",
        f"word_cloud_{fake.CEN}_caption", f"classes_by_sample_{fake.BEN}", f"classes_by_pixel_{fake.CEN}",
        f"classes_by_text_{fake.CEN}", "task_mix", "answer_balance", "boxes", "geography", f"pmi_{fake.CEN}_caption",
    ):  # fmt: skip
        assert expected in stems, expected


def test_write_figures__png_300_dpi_and_not_blank(written: list[Path]) -> None:
    for path in (p for p in written if p.suffix == ".png"):
        with Image.open(path) as image:
            assert tuple(round(d) for d in image.info["dpi"]) == (300, 300), path.name
            pixels = np.asarray(image.convert("L"), dtype=float)
        assert pixels.std() > 5, f"{path.name} looks blank"
        assert (pixels < 128).mean() > 0.002, f"{path.name} has almost no ink"


def test_write_figures__svg_and_pdf_are_real_files(written: list[Path]) -> None:
    for path in written:
        if path.suffix == ".svg":
            text = path.read_text(encoding="utf-8")
            assert text.lstrip().startswith("<?xml") and "<svg" in text and path.stat().st_size > 800
        elif path.suffix == ".pdf":
            data = path.read_bytes()
            assert data.startswith(b"%PDF") and len(data) > 800 and b"CreationDate" not in data


def test_write_figures__chosen_formats_and_dpi(computed: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    subset = {k: computed[k] for k in ("length_hist", "task_mix")}
    paths = figures.write_figures(subset, tmp_path, formats=("png",), dpi=100)
    assert sorted(p.name for p in paths) == [
        "caption_length_counts.png", "caption_length_density.png", "task_mix.png", "zipf.png",
    ]  # fmt: skip
    with Image.open(tmp_path / "task_mix.png") as image:
        assert round(image.info["dpi"][0]) == 100


def test_write_figures__empty_statistics_still_draw(tmp_path: Path) -> None:
    paths = figures.write_figures({}, tmp_path, formats=("png",))
    assert [p.name for p in paths] == ["caption_length_counts.png", "caption_length_density.png", "zipf.png"]


def test_caption_length_figure__counts_or_density(computed: dict[str, pd.DataFrame]) -> None:
    counts = figures.caption_length_figure(computed, density=False)
    density = figures.caption_length_figure(computed, density=True)
    assert counts.axes[0].get_ylabel() == "Captions (count)"
    assert density.axes[0].get_ylabel() == "Share of captions"
    for line in density.axes[0].get_lines():
        assert np.asarray(line.get_ydata()).sum() == pytest.approx(1.0)
    colors = {line.get_label(): line.get_color() for line in counts.axes[0].get_lines()}
    assert colors[f"{fake.CEN} (chatgpt-3.5)"] == figures.dataset_color(fake.CEN)


def _hist(words: list[int], counts: list[int], dataset: str = "d") -> dict[str, pd.DataFrame]:
    n = len(words)
    return {
        "length_hist": pd.DataFrame(
            {"dataset": dataset, "source": None, "kind": ["caption"] * n, "words": words, "count": counts}
        )
    }


def test_length_frame__gap_free_axis_and_wide_bins() -> None:
    sparse = frames.length_frame(_hist([3, 6], [5, 2]), density=False)
    assert sparse["left"].tolist() == [3, 4, 5, 6] and sparse["value"].tolist() == [5, 0, 0, 2]
    assert (sparse["right"] - sparse["left"]).eq(1).all()
    wide = frames.length_frame(_hist(list(range(500)), [1] * 500), density=False, max_bins=100)
    assert len(wide) == 100 and wide["value"].sum() == 500
    both = {**_hist([1, 2], [1, 1], "a")}
    both["length_hist"] = pd.concat([both["length_hist"], _hist([2, 90], [1, 3], "b")["length_hist"]])
    common = frames.length_frame(both, density=True)
    assert (
        common[common["dataset"] == "a"]["left"].tolist() == common[common["dataset"] == "b"]["left"].tolist()
    )
    np.testing.assert_allclose(common.groupby("dataset")["value"].sum(), 1.0)


def test_geography_figure__world_outline_when_shipped(computed: dict[str, pd.DataFrame]) -> None:
    fig = figures.geography_figure(computed)
    world = Path(figures.__file__).parent / "data" / "world.geojson"
    lines = len(fig.axes[1].get_lines())
    assert lines > 100 if world.exists() else lines == 0
    assert fig.axes[1].get_xlabel() == "Longitude (°)"


def test_class_frequency_figure__legend_colours(computed: dict[str, pd.DataFrame]) -> None:
    fig = figures.class_frequency_figure(computed, fake.CEN, "pixel")
    bars = fig.axes[0].patches
    colors = {tuple(np.round(b.get_facecolor()[:3], 3)) for b in bars}
    assert (0.0, 0.0, 1.0) in colors  # water's legend colour #0000ff


def test_pmi_heatmap_figure__only_shown_pairs(computed: dict[str, pd.DataFrame]) -> None:
    fig = figures.pmi_heatmap_figure(computed, fake.CEN)
    image: Any = fig.axes[0].images[0]
    data = image.get_array()
    assert data.min() >= 0 and np.ma.count_masked(data) >= 0
    assert fig.axes[0].get_ylabel() == "Spatial term"


def test_paper_figure__every_panel_on_one_two_column_page(computed: dict[str, pd.DataFrame]) -> None:
    from explorer import paper

    cells = paper.paper_cells(computed)
    drawn = [stem for key in figures.STAT_PANELS for stem, _ in figures.STAT_PANELS[key].figures(computed, False)]
    assert [stem for _, stem, _, _ in cells] == drawn  # the same figures as the per-panel exports, in order
    assert {key for key, _, _, span in cells if span == 2} == {"boxes", "geography"}
    fig = paper.paper_figure(computed)
    assert abs(fig.get_size_inches()[0] - paper.PAGE_WIDTH) < 1e-6
    assert len(fig.subfigs) == len(cells)
    # each cell holds what its own export draws: the first cell is the caption-length plot
    assert fig.subfigs[0].axes[0].get_xlabel() == "Caption length (words)"
    name, data = paper.export_paper(computed, "pdf")
    assert name == "comparison_paper.pdf" and data.startswith(b"%PDF")
