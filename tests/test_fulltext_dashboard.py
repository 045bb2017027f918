"""The text search in the dashboard store: words go through the full-text index (count for the map plus a
ranked list of texts), a regular expression is scanned chunk by chunk with progress and can be cancelled."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from explorer import catalog
from explorer.dashboard import query as dq
from explorer.dashboard.state import ExplorerState


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> list[catalog.Catalog]:
    from explorer.demo import write_demo

    out = tmp_path_factory.mktemp("ft-dash")
    folders = write_demo(out, n_chatearthnet=12, n_bigearthnet=12)
    return [catalog.build_catalog(f, out=out / f"catalog-{name}")[0] for name, f in folders.items()]


@pytest.fixture
def state(catalogs: list[catalog.Catalog], isolated_places: Any) -> ExplorerState:
    for ix in (dq.index_of(c) for c in catalogs):
        ix._search_cache.clear()  # each test scans afresh
    return ExplorerState(catalogs, scan_chunk_rows=50)


def _scanned(state: ExplorerState, pattern: str) -> int:
    return sum(dq.search_annotations(c.annotations, pattern, True).size for c in state.catalogs.values())


def test_word_query__count_from_the_index_and_ranked_texts_beside_it(state: ExplorerState) -> None:
    state.query = "forest"
    expected = sum(c.search("forest").n_samples for c in state.catalogs.values() if c.has_fulltext)
    assert state.count == expected > 0
    ranked = state.ranked
    assert ranked is not None and 0 < len(ranked) <= dq.RANKED_LIMIT
    assert list(ranked["score"]) == sorted(ranked["score"], reverse=True)
    assert all("forest" in t.lower() for t in ranked["text"])
    state.regex = True  # a regular expression has no ranking
    assert state.ranked is None


def test_regex__scanned_in_chunks_with_progress_then_shown(state: ExplorerState) -> None:
    seen: list[float] = []
    state.param.watch(lambda e: seen.append(e.new), "scan_fraction")
    state.param.update(query="fores?t", regex=True)
    steps = [f for f in seen if f is not None]
    assert len(steps) > 2 and steps == sorted(steps) and 0.0 <= steps[0] < steps[-1] <= 1.0
    assert seen[-1] is None  # no scan running any more
    assert state.count == _scanned(state, "fores?t") > 0 and state.message == ""


def test_regex__cancel_keeps_the_previous_filter(state: ExplorerState) -> None:
    state.query = "water"
    before = state.count
    cancelled: list[float] = []

    def cancel_after_first_chunk(event: Any) -> None:
        if event.new and not cancelled:
            cancelled.append(event.new)
            state.cancel_scan()

    state.param.watch(cancel_after_first_chunk, "scan_fraction")
    state.param.update(query="fores?t", regex=True)
    assert cancelled and cancelled[0] < 1.0
    assert (state.query, state.regex, state.count) == ("water", False, before)
    assert state.scan_fraction is None


def test_regex__in_a_thread_the_session_stays_free_and_results_arrive_through_post(
    catalogs: list[catalog.Catalog], isolated_places: Any
) -> None:
    posted: list[Callable[[], None]] = []
    lock = threading.Lock()

    def post(call: Callable[[], None]) -> None:  # what the event loop would run later
        with lock:
            posted.append(call)

    for ix in (dq.index_of(c) for c in catalogs):
        ix._search_cache.clear()
    state = ExplorerState(catalogs, scan_chunk_rows=50, post=post)
    before = state.count
    state.param.update(query="lands?", regex=True)
    # The scan runs in its thread: until its posts are run, the previous matches are shown, and the session
    # can still change other filters or read the count.
    assert state.count == before and state.scan_fraction == 0.0
    ran_any_progress = False
    for _ in range(2000):
        with lock:
            calls, posted[:] = list(posted), []
        for call in calls:
            call()
            ran_any_progress |= state.scan_fraction not in (None, 0.0)
        if state.scan_fraction is None:
            break
        threading.Event().wait(0.01)
    assert ran_any_progress and state.scan_fraction is None
    assert state.count == _scanned(state, "lands?") > 0


def test_regex__invalid_pattern_is_a_message_without_a_scan(state: ExplorerState) -> None:
    state.param.update(query="fo(rest", regex=True)
    assert state.scan_fraction is None and state.count == 0
    assert "invalid regular expression" in state.message


def test_filter_panel__shows_progress_cancel_and_ranked_texts(state: ExplorerState) -> None:
    from explorer.dashboard.filters import FilterPanel

    panel = FilterPanel(state=state)
    assert panel.scan_html(None) == ""
    assert "40%" in panel.scan_html(0.4)
    state.query = "forest"
    shown = panel.ranked_html(state.ranked)
    assert "Best-matching texts" in shown and shown.count("<li>") == min(10, len(state.ranked))
    hostile = state.ranked.head(1).assign(text="<script>x</script>")
    assert "<script>" not in panel.ranked_html(hostile)
    panel.cancel_scan.clicks += 1  # no scan running: nothing happens, nothing breaks
    assert state.query == "forest"


def test_regex__cancel_from_the_session_while_the_thread_scans(
    catalogs: list[catalog.Catalog], isolated_places: Any
) -> None:
    posted: list[Callable[[], None]] = []
    lock = threading.Lock()
    gate = threading.Event()

    def post(call: Callable[[], None]) -> None:
        with lock:
            posted.append(call)
        gate.wait(5)  # hold the scan after its first report until the session has pressed Cancel

    for ix in (dq.index_of(c) for c in catalogs):
        ix._search_cache.clear()
    state = ExplorerState(catalogs, scan_chunk_rows=20, post=post)
    state.query = "water"
    before = state.count
    state.param.update(query="fores?t", regex=True)
    for _ in range(500):
        with lock:
            if posted:
                break
        threading.Event().wait(0.01)
    state.cancel_scan()  # the Cancel button
    gate.set()
    for _ in range(500):
        with lock:
            calls, posted[:] = list(posted), []
        for call in calls:
            call()
        if state.scan_fraction is None:
            break
        threading.Event().wait(0.01)
    assert (state.query, state.regex, state.count, state.scan_fraction) == ("water", False, before, None)


def test_filter_panel__cancel_unticks_the_regex_box_again(state: ExplorerState) -> None:
    import panel as pn

    from explorer.dashboard.filters import FilterPanel

    column = FilterPanel(state=state).__panel__()
    box = next(w for w in column.objects if isinstance(w, pn.widgets.Checkbox))
    state.query = "forest"
    shown = state.count
    state.param.watch(lambda e: e.new and state.cancel_scan(), "scan_fraction")
    box.value = True  # the user ticks "Regular expression": the scan starts, and is cancelled at once
    assert (state.regex, box.value, state.query, state.count) == (False, False, "forest", shown)
