"""The store: filters -> matches, opening samples (and failing to), navigation, rendered layers, boxes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from explorer import imagery
from explorer.dashboard.state import NO_REFEXP, ExplorerState, refexp_label, refexp_options

from .conftest import Demo


@pytest.fixture
def state(demo_catalogs: list[Any]) -> ExplorerState:
    return ExplorerState(demo_catalogs)


def _ben(state: ExplorerState) -> Any:
    return state.catalogs["bigearthnet-demo"]


def test_init__options_and_matches_cover_every_dataset(state: ExplorerState) -> None:
    assert state.param.dataset.objects == ["All", "chatearthnet-demo", "bigearthnet-demo"]
    assert state.count == sum(len(c.samples) for c in state.catalogs.values())
    assert "train" in state.param.split.objects
    assert state.map_frame is not None and len(state.map_frame) == state.count


def test_dataset__restricts_matches_and_options(state: ExplorerState) -> None:
    state.dataset = "bigearthnet-demo"
    assert state.count == len(_ben(state).samples)
    assert set(state.results["dataset"]) == {"bigearthnet-demo"}
    assert set(state.param.country.objects) - {"All"} == set(_ben(state).samples["country"].dropna())


def test_query__invalid_regex_sets_message_and_recovers(state: ExplorerState) -> None:
    state.param.update(query="water(", regex=True)
    assert state.count == 0 and "invalid regular expression" in state.message
    state.query = "wat(er|ers)"
    assert state.message == "" and state.count > 0


def test_open_sample__reads_layers_and_annotations(state: ExplorerState) -> None:
    sample_id = str(_ben(state).samples["sample_id"].iloc[0])
    state.open_sample("bigearthnet-demo", sample_id)
    assert state.sample["sample_id"] == sample_id
    assert set(state.layers) == {"s2", "s1", "landcover"}
    assert state.layer_errors == {}
    assert state.synthetic
    assert state.annotations is not None and len(state.annotations) > 0
    rendered = state.optical()
    assert rendered is not None and rendered.bands == ("B04", "B03", "B02")
    assert state.sar() is not None and state.landcover() is not None


def test_open_sample__absent_layer_is_explained(state: ExplorerState) -> None:
    chat = state.catalogs["chatearthnet-demo"]
    state.open_sample("chatearthnet-demo", str(chat.samples["sample_id"].iloc[0]))
    assert "s1" not in state.layers
    assert state.layer_errors["s1"] == "This sample has no SAR layer."


def test_open_sample__corrupt_file_gives_message_and_state_keeps_working(
    state: ExplorerState, demo: Demo
) -> None:
    state.open_sample("chatearthnet-demo", demo.broken_sample)
    assert "s2" not in state.layers
    assert "Could not read the optical layer" in state.layer_errors["s2"]
    assert f"{demo.broken_sample}.png" in state.layer_errors["s2"]
    assert state.optical() is None
    state.step(+1)
    assert state.sample_id != demo.broken_sample and "s2" in state.layers


def test_open_sample__unknown_sample_or_dataset(state: ExplorerState) -> None:
    state.open_sample("bigearthnet-demo", "no-such-patch")
    assert "no sample 'no-such-patch'" in state.sample_message and state.sample is None
    state.open_sample("nope", "x")
    assert "no dataset named 'nope'" in state.sample_message


def test_step__previous_next_wrap_around_the_matches(state: ExplorerState) -> None:
    state.open_match(0)
    first = (state.open_dataset, state.sample_id)
    state.step(-1)
    assert state.current_position() == state.count - 1
    state.step(+1)
    assert (state.open_dataset, state.sample_id) == first


def test_open_random__stays_within_matches(state: ExplorerState) -> None:
    state.dataset = "chatearthnet-demo"
    for _ in range(5):
        state.open_random()
        assert state.open_dataset == "chatearthnet-demo"


def test_open_first__of_a_named_dataset(state: ExplorerState) -> None:
    state.open_first("bigearthnet-demo")
    assert state.open_dataset == "bigearthnet-demo"
    assert state.sample_id == str(_ben(state).samples["sample_id"].iloc[0])


def test_custom_composite__uses_picked_bands(state: ExplorerState) -> None:
    state.open_sample("bigearthnet-demo", str(_ben(state).samples["sample_id"].iloc[0]))
    state.param.update(composite=imagery.CUSTOM, red="B12", green="B8A", blue="B01")
    assert state.optical().bands == ("B12", "B8A", "B01")
    state.percentiles = (0.0, 100.0)
    assert state.optical().limits[0][1] >= state.optical().limits[0][0]


def test_refexp__box_of_the_selected_expression(state: ExplorerState) -> None:
    ann = _ben(state).annotations.to_pandas()
    row = ann[(ann["kind"] == "refexp") & ann["bbox_x0"].notna()].iloc[0]
    state.open_sample("bigearthnet-demo", str(row["sample_id"]))
    assert state.refexp == NO_REFEXP and state.refexp_box() is None
    assert int(row["ann_id"]) in state.param.refexp.objects.values()
    state.refexp = int(row["ann_id"])
    box = state.refexp_box()
    assert box == pytest.approx((row["bbox_x0"], row["bbox_y0"], row["bbox_x1"], row["bbox_y1"]))


def test_refexp_options__labels_are_unique_and_without_tags() -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "kind": ["refexp", "refexp", "caption"],
            "ann_id": [1, 2, 3],
            "ref": ["pastures", "pastures", None],
            "input": ["Identify the <ref>pastures</ref>.", "Identify the <ref>pastures</ref>.", None],
            "output": ["[0 0, 1 1]", "[0 0, 1 1]", "text"],
            "bbox_x0": [0.0, 0.1, np.nan],
        }
    )
    options = refexp_options(frame)
    assert list(options.values()) == [NO_REFEXP, 1, 2]
    assert len(set(options)) == 3
    assert refexp_label(frame.iloc[0]) == "pastures"


def test_annotation_records__read_from_arrow_agree_with_the_frame(state: ExplorerState) -> None:
    # The views and the options read the rows as dicts straight from Arrow (missing values None, not NaN): the
    # same options, texts and box as from the frame the export reads.
    ann = _ben(state).annotations.to_pandas()
    row = ann[(ann["kind"] == "refexp") & ann["bbox_x0"].notna()].iloc[0]
    state.open_sample("bigearthnet-demo", str(row["sample_id"]))
    records = state.annotation_records()
    frame = state.annotations
    assert [r["ann_id"] for r in records] == frame["ann_id"].tolist()
    assert [r["output"] for r in records] == frame["output"].tolist()
    assert any(r["bbox_x0"] is None for r in records)  # the captions and questions carry no box
    assert refexp_options(records) == refexp_options(frame) == state.param.refexp.objects
    state.refexp = int(row["ann_id"])
    assert state.refexp_boxes()[0][:4] == pytest.approx(tuple(row[["bbox_x0", "bbox_y0", "bbox_x1", "bbox_y1"]]))
    state.annotations = frame.iloc[:0]  # a frame set from outside: its own (here no) rows
    assert state.annotation_records() == [] and state.refexp_box() is None


def test_deferred_read__loading_shown_first_and_stale_reads_skipped(demo_catalogs: list[Any]) -> None:
    queued: list[Any] = []

    def later(read: Any) -> bool:
        queued.append(read)
        return True

    state = ExplorerState(demo_catalogs, defer=later)
    first, second = (str(s) for s in _ben(state).samples["sample_id"].iloc[:2])
    state.open_sample("bigearthnet-demo", first)
    assert state.loading and state.sample is None  # the indicator is up, nothing read yet
    state.open_sample("bigearthnet-demo", second)
    assert len(queued) == 2
    queued[0]()  # the first request is stale by now: skipped, indicator stays
    assert state.sample is None and state.loading
    queued[1]()
    assert state.sample["sample_id"] == second and not state.loading


def test_read_now__no_loading_indicator(demo_catalogs: list[Any]) -> None:
    # A served session reads a sample asked for once its page is loaded at once (one message to the browser):
    # the loading indicator would only cost the page two extra layouts.
    shown: list[bool] = []
    state = ExplorerState(demo_catalogs, defer=lambda read: read() or False)
    state.param.watch(lambda event: shown.append(event.new), "loading")
    sample = str(_ben(state).samples["sample_id"].iloc[3])
    state.open_sample("bigearthnet-demo", sample)
    assert state.sample["sample_id"] == sample and state.layers
    assert shown == [] and not state.loading


def test_open_sample__band_options_and_layers_arrive_in_one_redraw(state: ExplorerState) -> None:
    # ChatEarthNet offers 9 bands, BigEarthNet 12: switching datasets changes the picker's options and picks,
    # which must not redraw the composite once per band with the previous sample's layer.
    redraws: list[Any] = []
    state.param.watch(lambda *events: redraws.append(events), ["layers", "red", "green", "blue"])
    chat = str(state.catalogs["chatearthnet-demo"].samples["sample_id"].iloc[1])
    state.open_sample("chatearthnet-demo", chat)
    ben = str(_ben(state).samples["sample_id"].iloc[0])
    redraws.clear()
    state.open_sample("bigearthnet-demo", ben)
    assert len(redraws) == 1
    assert state.param.red.objects == imagery.band_names(state.layers["s2"])


def test_subset__filter_offered_only_with_subsets_and_restricts_the_selection(
    demo: Demo, demo_catalogs: list[Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    import explorer
    from explorer.dashboard.url import restore, url_items
    from tests.data import rs5m

    plain = ExplorerState(demo_catalogs)
    assert not plain.has_subsets and plain.param.subset.objects == ["All"]

    rs5m_catalog = explorer.open(rs5m.make(tmp_path_factory.mktemp("rs5m-dashboard")))
    state = ExplorerState([*demo_catalogs, rs5m_catalog])
    assert state.has_subsets
    assert state.param.subset.objects == ["All", "ben", "cc3m", "fmow", "millionaid", "yfcc"]
    everything = state.count
    state.subset = "fmow"
    assert state.count == 1 and len(state.map_frame) == 1
    assert state.results[["dataset", "sample_id"]].values.tolist() == [
        [rs5m_catalog.name, "fmow_stadium_211_3_msrgb"]
    ]
    state.param.update(subset="ben", query="farmland")  # combines with the other filters
    assert state.results["sample_id"].tolist() == ["ben_12345"]
    state.query = "harbour"
    assert state.count == 0
    from types import SimpleNamespace

    views = SimpleNamespace(view=SimpleNamespace(objects=["explore"]))
    dashboard = SimpleNamespace(state=state, view="explore", param=views)  # what url.py reads of the app
    assert ("subset", "ben") in url_items(dashboard)
    state.clear_filters()
    assert state.subset == "All" and state.count == everything
    restore(dashboard, {"subset": "cc3m"})
    assert state.subset == "cc3m" and state.results["sample_id"].tolist() == ["cc3m_0001234"]
    restore(dashboard, {"subset": "<x>"})
    assert state.subset == "cc3m"  # an unknown value from a URL is ignored
    state.dataset = "bigearthnet-demo"  # no subsets there: the filter goes back to All
    assert state.subset == "All" and state.param.subset.objects == ["All"]


def test_unfiltered_matches_and_map_layer__one_read_only_copy_shared_by_every_session(
    demo_catalogs: list[Any],
) -> None:
    from explorer.catalog import Catalog

    first, second = ExplorerState(demo_catalogs), ExplorerState(demo_catalogs)
    assert second.matches is first.matches and first.matches.shared
    assert second.map_frame is first.map_frame and second.map_colors == first.map_colors
    with pytest.raises(ValueError):
        first.matches.sidx[0] = 1  # read-only: one session cannot change another's matches
    everything = first.matches
    first.split = first.param.split.objects[1]
    assert first.matches is not everything and not first.matches.shared  # a filter: not every sample
    assert second.matches is everything and second.matches.count == everything.count
    first.split = "All"
    assert first.matches is everything and first.map_frame is second.map_frame
    first.color_by = "split"  # another colouring: its own frame, the same samples
    assert first.map_frame is not second.map_frame and len(first.map_frame) == len(second.map_frame)
    reopened = [Catalog(c.path) for c in demo_catalogs]  # a rebuilt catalog: its own matches again
    third = ExplorerState(reopened)
    assert third.matches is not everything and third.matches.count == everything.count


def test_same_filter_in_two_sessions__one_read_only_result_computed_once(
    demo_catalogs: list[Any], monkeypatch: Any
) -> None:
    from explorer.dashboard import query, resources

    resources.forget()
    computed: list[Any] = []
    real = query._match
    monkeypatch.setattr(query, "_match", lambda *a: (computed.append(a[1]), real(*a))[1])
    first, second = ExplorerState(demo_catalogs), ExplorerState(demo_catalogs)
    first.query = "forest"
    second.query = "  forest "  # the same search: outer spaces do not count
    assert len(computed) == 2  # the unfiltered matches, then "forest" once for both sessions
    assert second.matches is first.matches and first.matches.count > 0
    assert second.map_frame is first.map_frame and second.results is first.results
    assert second.ranked is first.ranked
    with pytest.raises(ValueError):
        first.matches.sidx[0] = 1  # read-only: one session cannot change another's matches
    second.color_by = first.color_by = "split"
    assert second.map_frame is first.map_frame  # the same matches in the same colouring
    first.query = "water"
    assert first.matches is not second.matches and second.matches.count != first.matches.count
    own = ExplorerState(demo_catalogs)
    own.keep = {"bigearthnet-demo": np.arange(3)}  # a view's own list of samples: computed for this session
    assert own.matches.key is None and own.count == 3
    assert resources.recent_bytes() <= resources.RECENT_BYTES


def test_same_sample_in_two_sessions__read_drawn_and_encoded_once(demo_catalogs: list[Any], monkeypatch: Any) -> None:
    """Twenty sessions stepping to the same sample read its files, draw its images and encode their PNGs once per
    process (issue #12: ~15 ms of the event loop per session and sample before), each session with its own dicts."""
    from explorer.dashboard import image_views, resources

    resources.forget()
    reads: list[str] = []
    catalog = next(c for c in demo_catalogs if c.name == "bigearthnet-demo")
    real = type(catalog).read_layer
    monkeypatch.setattr(type(catalog), "read_layer", lambda self, s, k: (reads.append(k), real(self, s, k))[1])
    sample_id = str(catalog.samples["sample_id"].iloc[0])
    first, second = ExplorerState(demo_catalogs), ExplorerState(demo_catalogs)
    results = resources.recent_bytes()  # the filter results' pool
    first.open_sample("bigearthnet-demo", sample_id)
    second.open_sample("bigearthnet-demo", sample_id)
    assert sorted(reads) == ["landcover", "s1", "s2"]  # one read of each layer for both sessions
    assert second.layers is not first.layers and second.layers["s2"] is first.layers["s2"]
    assert second.sample is not first.sample and second.sample == first.sample
    assert second.annotations is first.annotations
    assert second.optical() is first.optical() and second.landcover() is first.landcover()
    rgb = first.optical().rgb
    assert image_views.image_data(rgb)["url"][0] is image_views.image_data(second.optical().rgb)["url"][0]
    second.percentiles = (5.0, 95.0)  # this session's own stretch: drawn for it
    assert second.optical() is not first.optical()
    assert 0 < resources.recent_bytes("samples") <= resources.SAMPLE_BYTES
    assert resources.recent_bytes() == results  # samples are kept apart: they never push a filter's result out
    resources.forget()


def test_failed_sample_read__not_kept_so_the_next_opening_reads_again(state: ExplorerState, demo: Demo) -> None:
    from explorer.dashboard import resources

    resources.forget()
    state.open_sample("chatearthnet-demo", demo.broken_sample)
    assert "Could not read the optical layer" in state.layer_errors["s2"]
    assert resources.recent_bytes("samples") == 0  # a file being replaced is read again at the next opening
