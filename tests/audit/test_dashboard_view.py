"""The Audit view on the planted, audited catalogs: the map coloured by dispute rate, the disputed-only filter
restricting the session's matches (count, stepping, map), the ranked list following them."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from explorer.dashboard import map_view
from explorer.dashboard.audit import AuditView, sample_disputes
from explorer.dashboard.state import ExplorerState


def _view(planted: dict[str, Any]) -> tuple[ExplorerState, AuditView]:
    state = ExplorerState(list(planted["catalogs"].values()))
    view = AuditView(state=state)
    view.__panel__()
    return state, view


def _disputed(planted: dict[str, Any]) -> Counter[tuple[str, str]]:
    return Counter((d, s) for d, s, _ in planted["expected"]["disputes"])


def test_audit_view__map_coloured_by_each_samples_dispute_rate(planted: dict[str, Any]) -> None:
    state, view = _view(planted)
    assert view.map is not None and view.map.colouring is not None
    values = view.map.colouring
    rates = np.concatenate([r[np.isfinite(r)] for r in values.by_dataset.values()])
    assert values.label == "dispute rate" and (values.low, values.high) == (0.0, rates.max())
    for dataset, sample_id in _disputed(planted):
        sidx = planted["catalogs"][dataset].sidx(sample_id)
        assert values.by_dataset[dataset][sidx] > 0
    frame = state.map_frame
    shown = values.at(state.matches, frame["pos"].to_numpy())
    assert np.nanmax(shown) <= 1 and np.isfinite(shown).any()
    legend = view.map.legend_html()
    assert "dispute rate" in legend and "eo-colorbar" in legend
    view.map.by_value = False  # back to the dataset colours
    assert view.map.colouring is None and "eo-colorbar" not in view.map.legend_html()


def test_audit_view__disputed_only_filter_restricts_count_stepping_and_ranking(planted: dict[str, Any]) -> None:
    state, view = _view(planted)
    everything = state.count
    disputes = {name: sample_disputes(c).disputes for name, c in planted["catalogs"].items()}
    view.disputed_only = True
    assert state.count == sum(int((d >= 1).sum()) for d in disputes.values()) < everything
    assert "at least 1 dispute" in state.keep_label
    ranked = view._ranked.value
    assert len(ranked) == state.count and ranked["disputes"].is_monotonic_decreasing
    assert set(zip(ranked["dataset"], ranked["sample_id"], strict=True)) >= set(_disputed(planted))
    view.min_disputes = 2
    assert state.count == sum(int((d >= 2).sum()) for d in disputes.values())
    assert (view._ranked.value["disputes"] >= 2).all() and len(view._ranked.value) == state.count
    for _ in range(state.count + 1):  # stepping stays on the kept samples
        state.step(+1)
        assert disputes[state.open_dataset][state.catalogs[state.open_dataset].sidx(state.sample_id)] >= 2
    assert len(state.map_frame) <= state.count
    state.dataset = "chatearthnet-demo"  # the other filters still apply on top
    assert set(view._ranked.value["dataset"]) <= {"chatearthnet-demo"}
    view.disputed_only = False
    state.dataset = "All"
    assert state.count == everything and state.keep is None


def test_render_map__value_raster_draws_valued_samples_in_the_colour_map_and_the_rest_grey(
    planted: dict[str, Any], monkeypatch: Any
) -> None:
    from explorer.dashboard.map_values import NO_VALUE_COLOR, MapValues, value_bins

    state, _ = _view(planted)
    sizes = {name: len(c.samples) for name, c in planted["catalogs"].items()}
    valued, unvalued = sorted(sizes)
    values = MapValues("x", {valued: np.ones(sizes[valued]), unvalued: np.full(sizes[unvalued], np.nan)})
    monkeypatch.setattr(map_view, "RASTER_THRESHOLD", 0)  # force the datashader path on a small set
    rgba = map_view.render_map(state, map_view.WORLD_X, map_view.WORLD_Y, 400, 300, values=values).rgba
    drawn = {tuple(int(v) for v in px) for px in rgba[rgba[..., 3] > 0][:, :3]}
    grey = tuple(int(NO_VALUE_COLOR[i : i + 2], 16) for i in (1, 3, 5))
    _, bins = value_bins(np.array([1.0]), 0.0, 1.0)
    top = tuple(int(bins["value 30"][i : i + 2], 16) for i in (1, 3, 5))  # the top colour bin
    assert grey in drawn and top in drawn
    monkeypatch.setattr(map_view, "RASTER_THRESHOLD", 20_000)  # few samples: glyphs with the value, NaN for none
    glyphs = map_view.render_map(state, values=values).glyphs
    assert set(glyphs.loc[glyphs["dataset"] == valued, "cat"]) == {"value 30"}  # the top colour bin
    assert set(glyphs.loc[glyphs["dataset"] == valued, "info"]) == {"x: 1"}
    assert set(glyphs.loc[glyphs["dataset"] == unvalued, "cat"]) == {"no value"}


def test_value_bins__span_the_colour_map_and_grey_for_no_value() -> None:
    from explorer.dashboard.map_values import value_bins

    names, colors = value_bins(np.array([0.0, 0.5, 1.0, 7.0, np.nan]), 0.0, 1.0)
    assert list(names) == ["value 00", "value 15", "value 30", "value 30", "no value"]
    assert colors["no value"] == "#b5b5b5" and colors["value 00"] != colors["value 30"] and len(colors) == 32


def test_dashboard_url__keeps_the_disputed_only_filter_and_its_minimum(planted: dict[str, Any]) -> None:
    from explorer.dashboard import url
    from tests.harness import perf

    catalogs = list(planted["catalogs"].values())
    first, _ = perf.served_dashboard(catalogs)
    assert isinstance(first.audit, AuditView)
    assert "disputed" not in dict(url.url_items(first))  # off: not in the link
    first.view = "audit"
    first.audit.param.update(disputed_only=True, min_disputes=2)
    first.state.step(+1)
    query = dict(url.url_items(first))
    assert query["disputed"] == "1" and query["min_disputes"] == "2"
    second, _ = perf.served_dashboard(catalogs)
    url.restore(second, query)
    assert second.audit.disputed_only and second.audit.min_disputes == 2
    disputes = {name: sample_disputes(c).disputes for name, c in planted["catalogs"].items()}
    assert second.state.count == first.state.count == sum(int((d >= 2).sum()) for d in disputes.values())
    opened = (second.state.open_dataset, second.state.sample_id)
    assert opened == (first.state.open_dataset, first.state.sample_id)
    third, _ = perf.served_dashboard(catalogs)
    url.restore(third, {"disputed": "1", "min_disputes": "-3<x>"})  # a bad minimum is ignored, not raised on
    assert third.audit.disputed_only and third.audit.min_disputes == 1
    url.restore(third, {"disputed": "maybe"})
    assert third.audit.disputed_only  # unchanged
