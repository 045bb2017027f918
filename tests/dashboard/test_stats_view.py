"""The statistics area without a browser: panels render, counts vs density, the map box restricts what is
counted, a bar or bin highlights exactly its samples (on the map too), export at 300 dpi, debounced recompute."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import holoviews as hv
import numpy as np
import pandas as pd
import panel as pn
import pytest
from bokeh.document import Document
from matplotlib.colors import to_hex
from PIL import Image

from explorer import figures
from explorer.dashboard import map_view, resources, stats_store, stats_view
from explorer.dashboard.state import ExplorerState
from explorer.dashboard.stats_view import COUNTS, DENSITY, StatsView
from explorer.palette import dataset_color
from explorer.text import tokenize

EUROPE = (-2e6, 4e6, 4e6, 1e7)  # Web-Mercator box: every BigEarthNet demo sample, some ChatEarthNet ones


@pytest.fixture(autouse=True)
def _reset_panel() -> Iterator[None]:
    yield
    pn.state.reset()


@pytest.fixture
def state(demo_catalogs: list[Any]) -> ExplorerState:
    return ExplorerState(demo_catalogs)


@pytest.fixture
def view(state: ExplorerState) -> StatsView:
    return StatsView(state=state)


def _annotations(state: ExplorerState, name: str) -> pd.DataFrame:
    columns = ["sidx", "kind", "category", "output"]
    return state.catalogs[name].annotations.select(columns).to_pandas()


def _matched(state: ExplorerState, name: str) -> np.ndarray:
    code = state.matches.datasets.index(name)
    return np.sort(state.matches.sidx[state.matches.dataset_code == code])


def _captions_counted(view: StatsView) -> pd.Series:
    hist = view.tables["length_hist"]
    return hist[hist["kind"] == "caption"].groupby("dataset")["count"].sum()


def _row_of(frame: pd.DataFrame, **values: Any) -> int:
    mask = np.ones(len(frame), dtype=bool)
    for column, value in values.items():
        mask &= (frame[column] == value).to_numpy()
    return int(np.flatnonzero(mask)[0])


def test_stats_view__panels_render(view: StatsView) -> None:
    root = pn.panel(view).get_root()
    assert root is not None
    for key in ("length", "classes", "tasks", "answers", "words"):
        assert view._cards[key].visible, key
        assert view._panes[key].object is not None, key
    assert set(view.counted) == {"chatearthnet-demo", "bigearthnet-demo"}
    assert "matching samples" in view.summary_html()


def test_scale__density_integrates_to_one_per_dataset(view: StatsView, state: ExplorerState) -> None:
    counts = view.frames["length"].copy()
    for name in state.catalogs:
        captions = _annotations(state, name)
        expected = int((captions["kind"] == "caption").sum())
        assert counts[counts["dataset"] == name]["value"].sum() == expected
    view.scale = DENSITY
    density = view.frames["length"]
    assert not np.allclose(density["value"], counts["value"])
    shares = density.groupby("label")["value"].sum()  # a share of each line's captions per bin
    assert set(density["dataset"]) == set(state.catalogs)
    np.testing.assert_allclose(shares.to_numpy(), 1.0)
    # bars become shares of each dataset's samples
    classes = view.frames["classes"]
    assert classes["value"].max() <= 1.0
    view.scale = COUNTS
    assert view.frames["classes"]["value"].max() > 1.0


def test_box_selection__restricts_the_statistics(view: StatsView, state: ExplorerState) -> None:
    before = _captions_counted(view)
    state.bounds = EUROPE
    after = _captions_counted(view)
    chat = "chatearthnet-demo"
    assert 0 < view.counted[chat] < len(state.catalogs[chat].samples)
    assert after.sum() < before.sum()
    # exactly the captions of the samples inside the box
    ann = _annotations(state, chat)
    inside = ann["sidx"].isin(_matched(state, chat)) & (ann["kind"] == "caption")
    assert after[chat] == int(inside.sum())
    state.bounds = None
    assert _captions_counted(view).sum() == before.sum()


def test_bar_selection__highlights_exactly_the_samples_with_that_class(
    view: StatsView, state: ExplorerState
) -> None:
    state.bounds = EUROPE
    frame = view.frames["classes"]
    row = _row_of(frame, dataset="bigearthnet-demo", label="Pastures")
    view.streams["classes"].event(index=[row])
    samples = state.catalogs["bigearthnet-demo"].samples
    has = samples["labels"].map(lambda labels: "Pastures" in list(labels)).to_numpy()
    expected = np.intersect1d(np.flatnonzero(has), _matched(state, "bigearthnet-demo"))
    assert expected.size > 0
    assert set(state.highlight) == {"bigearthnet-demo"}
    np.testing.assert_array_equal(state.highlight["bigearthnet-demo"], expected)
    assert "Pastures" in state.highlight_label and "Pastures" in view.highlight_html()
    view.clear_highlight()
    assert state.highlight == {} and state.highlight_label == ""


def test_bar_order__matches_the_bokeh_plot(view: StatsView) -> None:
    """A selected bar's index is its row in the frame: HoloViews must draw grouped bars in frame order."""

    frame = view.frames["tasks"]
    plot = hv.renderer("bokeh").get_plot(view._panes["tasks"].object)
    source = plot.handles["source"].data
    drawn = [tuple(x) for x in source["xoffsets"]]
    assert drawn == list(zip(frame["label"], frame["dataset"], strict=True))


def test_length_bin__highlights_samples_with_a_caption_of_that_length(
    view: StatsView, state: ExplorerState
) -> None:
    frame = view.frames["length"]
    chat = frame[(frame["dataset"] == "chatearthnet-demo") & (frame["value"] > 0)].iloc[0]
    view.streams["length"].event(x=(chat["left"] + chat["right"]) / 2, y=0)
    for name in state.catalogs:
        ann = _annotations(state, name)
        captions = ann[ann["kind"] == "caption"]
        words = tokenize.word_counts(captions["output"].fillna("").tolist())
        inside = (words >= chat["left"]) & (words < chat["right"])
        expected = np.unique(captions["sidx"].to_numpy()[inside])
        np.testing.assert_array_equal(state.highlight.get(name, np.zeros(0, int)), expected)
    assert state.highlight["chatearthnet-demo"].size > 0
    assert "words" in state.highlight_label


def test_task_and_answer_bars__highlight_samples_with_that_annotation(
    view: StatsView, state: ExplorerState
) -> None:
    ben = "bigearthnet-demo"
    ann = _annotations(state, ben)
    tasks = view.frames["tasks"]
    row = tasks.iloc[_row_of(tasks, dataset=ben, kind="vqa_binary")]
    view.streams["tasks"].event(index=[_row_of(tasks, dataset=ben, label=row["label"])])
    mine = (ann["kind"] == "vqa_binary") & (ann["category"] == row["category"])
    np.testing.assert_array_equal(state.highlight[ben], np.unique(ann["sidx"][mine]))

    answers = view.frames["answers"]
    view.streams["answers"].event(index=[_row_of(answers, dataset=ben, kind="vqa_binary", answer="yes")])
    yes = (ann["kind"] == "vqa_binary") & (ann["output"].str.strip().str.lower() == "yes")
    np.testing.assert_array_equal(state.highlight[ben], np.unique(ann["sidx"][yes]))


def test_highlight__follows_the_matches(view: StatsView, state: ExplorerState) -> None:
    frame = view.frames["classes"]
    view.streams["classes"].event(index=[_row_of(frame, dataset="bigearthnet-demo", label="Pastures")])
    everywhere = state.highlight["bigearthnet-demo"]
    state.split = "validation"
    now = state.highlight.get("bigearthnet-demo", np.zeros(0, int))
    assert np.isin(now, _matched(state, "bigearthnet-demo")).all()
    assert now.size < everywhere.size


def test_map_view__draws_highlighted_samples(state: ExplorerState, monkeypatch: Any) -> None:
    view = map_view.MapView(state=state, tiles=False)
    sidx = np.arange(5)
    state.highlight = {"bigearthnet-demo": sidx}
    ix = state.indexes[[i.name for i in state.indexes].index("bigearthnet-demo")]
    np.testing.assert_allclose(view.sources.highlight.data["x"], ix.x[sidx])
    empty = map_view.highlight_raster(state, None, None, 200, 100)
    assert empty[..., 3].max() == 0 and view.sources.highlight_raster.data["url"] == []
    monkeypatch.setattr(map_view, "RASTER_THRESHOLD", 3)  # many highlighted samples: a raster layer instead
    state.highlight = {"bigearthnet-demo": np.arange(10)}
    assert len(view.sources.highlight.data["x"]) == 0
    raster = map_view.highlight_raster(state, None, None, 200, 100)
    assert raster.shape == (100, 200, 4) and raster[..., 3].max() > 0
    assert len(view.sources.highlight_raster.data["url"]) == 1  # the map's highlight layer drew them


def test_export__png_at_300_dpi_svg_pdf(view: StatsView) -> None:
    name, data = view.export("length")
    assert name == "caption_length_counts.png"
    image = Image.open(io.BytesIO(data))
    assert image.info["dpi"][0] == pytest.approx(300, abs=1)
    assert image.size[0] > 1500
    view.param.update(export_format="SVG", scale=DENSITY)
    name, data = view.export("length")
    assert name == "caption_length_density.svg" and b"<svg" in data[:1000]
    view.export_format = "PDF"
    name, data = view.export("classes")
    assert name == "classes_by_sample_bigearthnet-demo.pdf" and data.startswith(b"%PDF")
    assert view._downloads["tasks"].filename == "task_mix.pdf"
    for panel in ("tasks", "answers", "words"):
        assert len(view.export(panel)[1]) > 1000


@pytest.mark.parametrize("scale", [COUNTS, DENSITY])
def test_length_panel__is_the_exported_figure(view: StatsView, scale: str) -> None:
    """The caption-length panel and its export draw the same bins and values (they used to bin to 60 and 120
    and to differ in what density meant), in each dataset's one colour."""
    view.scale = scale
    frame = view.frames["length"]
    fig = figures.caption_length_figure(view.tables, density=scale == DENSITY)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert set(lines) == set(frame["label"])
    for label, rows in frame.groupby("label"):
        line = lines[label]
        np.testing.assert_allclose(line.get_ydata(), rows["value"].to_numpy())
        np.testing.assert_allclose(line.get_xdata(), (rows["left"] + rows["right"] - 1).to_numpy() / 2)
        assert line.get_color() == dataset_color(str(rows["dataset"].iloc[0]))
    plot = view._panes["length"].object
    drawn = {layer.label: layer for layer in plot}
    for label, rows in frame.groupby("label"):
        np.testing.assert_allclose(drawn[label].dimension_values("value"), rows["value"].to_numpy())


def test_dataset_colour__the_same_on_the_map_in_the_panels_and_the_figures(
    view: StatsView, state: ExplorerState
) -> None:
    from explorer.dashboard import query

    cats = query.categories(state.indexes, state.matches, query.COLOR_BY_DATASET, None)
    on_map = query.color_key(cats, query.COLOR_BY_DATASET)
    in_bars = view._panes["classes"].object.opts.get().kwargs["cmap"]  # the datasets with labels
    dataset_of = dict(zip(view.frames["length"]["label"], view.frames["length"]["dataset"], strict=True))
    in_panel = {
        dataset_of[layer.label]: layer.opts.get().kwargs["fill_color"]
        for layer in view._panes["length"].object
    }
    fig = figures.task_mix_figure(view.tables)
    in_figure = {}
    for ax in fig.axes:  # one axis per dataset, titled with its name
        in_figure[ax.get_title()] = to_hex(ax.patches[0].get_facecolor())
    for name in state.catalogs:
        colour = dataset_color(name)
        assert on_map[name] == colour
        assert in_panel[name] == colour
        assert in_bars.get(name, colour) == colour
        assert in_figure.get(name, colour).lower() == colour.lower()
    assert in_figure and in_bars  # the figure and the bars were checked
    assert on_map["chatearthnet-demo"] != on_map["bigearthnet-demo"]


def test_export_panel__one_file_per_dataset_comes_as_a_zip() -> None:
    tables = {
        "class_by_sample": pd.DataFrame(
            {"dataset": ["a", "b"], "class": ["Pastures", "Pastures"], "samples": [3, 4], "share": [0.5, 0.4]}
        )
    }
    name, data = stats_view.export_panel(tables, "classes", "png", density=False)
    assert name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["classes_by_sample_a.png", "classes_by_sample_b.png"]


def test_selection_stats__all_samples_equal_the_cached_statistics(demo_catalogs: list[Any]) -> None:
    for catalog in demo_catalogs:
        mine = stats_view.selection_stats(catalog, np.arange(len(catalog.samples)))
        cached = stats_view.full_stats(catalog)
        for key, frame in mine.items():
            other = cached[key]
            if "group" in other.columns:
                other = other[other["group"] == "caption"]
            columns = [c for c in frame.columns if c != "share"]

            def tidy(f: pd.DataFrame, columns: list[str] = columns) -> pd.DataFrame:
                return f[columns].astype(str).sort_values(columns).reset_index(drop=True)

            pd.testing.assert_frame_equal(tidy(frame), tidy(other), obj=f"{catalog.name} {key}")


def test_no_match__panels_hide_and_say_why(view: StatsView, state: ExplorerState) -> None:
    state.query = "no caption contains this phrase"
    assert view.counted == {}
    assert not any(card.visible for card in view._cards.values())
    assert "No sample matches" in view.summary_html()


def test_refresh__debounced_on_a_worker_under_a_server(
    view: StatsView, state: ExplorerState, monkeypatch: Any
) -> None:
    """Under a server, rapid changes schedule ONE recompute after a pause, run off the event loop; the view says
    it is busy meanwhile and shows only the latest result."""
    doc = Document()
    monkeypatch.setattr(stats_store, "_server_doc", lambda: doc)
    total = sum(view.counted.values())
    state.bounds = (-1e7, -1e7, 1e7, 1e7)
    state.split = "train"
    state.bounds = EUROPE
    pending = list(doc.session_callbacks)
    assert len(pending) == 1 and view.busy
    assert sum(view.counted.values()) == total  # nothing computed yet
    pending[0].callback()
    resources.EXECUTOR.submit(lambda: None).result(timeout=60)  # the worker finished our job
    for _ in range(100):  # the result comes back as a next-tick callback
        ticks = list(doc.session_callbacks)
        if ticks:
            break
        import time

        time.sleep(0.05)
    assert len(ticks) == 1
    ticks[0].callback()
    assert not view.busy
    assert sum(view.counted.values()) == state.count < total


def test_inactive_view__computes_nothing_until_activated(state: ExplorerState) -> None:
    view = StatsView(state=state, active=False)
    assert view.tables == {} and all(p.object is None for p in view._panes.values())
    state.split = "train"  # a filter change while hidden costs nothing either
    assert view.tables == {}
    view.activate()
    assert set(view.counted) == {"chatearthnet-demo", "bigearthnet-demo"}
    assert all(view._panes[key].object is not None for key in ("length", "classes"))
