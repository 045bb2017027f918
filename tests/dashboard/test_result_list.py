"""The result list: pages of the matches, sorting, a clicked row opens its sample, stale or malformed messages
from the page are ignored, and the same frame again sends nothing."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from explorer.dashboard.filters import FilterPanel
from explorer.dashboard.result_list import PAGE_SIZE, ResultList
from explorer.dashboard.state import ExplorerState


def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dataset": ["a-very-long-dataset-name"] * n,
            "sample_id": [f"s{i:03d}" for i in range(n)],
            "split": pd.Categorical(["train", "test"] * (n // 2) + ["train"] * (n % 2)),
            "country": [None if i % 3 == 0 else f"C{i % 4}" for i in range(n)],
        }
    )


@pytest.fixture
def opened() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def results(opened: list[tuple[str, str]]) -> ResultList:
    view = ResultList(lambda dataset, sample_id: opened.append((dataset, sample_id)))
    view.set_frame(_frame(25))
    return view


def test_first_page__rows_as_text_missing_as_empty(results: ResultList) -> None:
    assert results.columns == ["dataset", "sample_id", "split", "country"]
    assert (results.first, results.total) == (0, 25)
    assert len(results.rows) == PAGE_SIZE
    assert results.rows[0] == ["a-very-long-dataset-name", "s000", "train", ""]
    assert results.rows[1] == ["a-very-long-dataset-name", "s001", "test", "C1"]


def test_pages__clamped_to_the_frame(results: ResultList) -> None:
    results._handle_msg({"page": 2})
    assert results.first == 20 and [r[1] for r in results.rows] == ["s020", "s021", "s022", "s023", "s024"]
    results._handle_msg({"page": 99})
    assert results.first == 20
    results._handle_msg({"page": -3})
    assert results.first == 0 and results.rows[0][1] == "s000"


def test_sort__toggles_and_a_new_frame_resets_it(results: ResultList) -> None:
    results._handle_msg({"sort": "sample_id"})
    assert results.sort == ["sample_id", True] and results.rows[0][1] == "s000"
    results._handle_msg({"sort": "sample_id"})
    assert results.sort == ["sample_id", False] and results.rows[0][1] == "s024"
    results._handle_msg({"sort": "no-such-column"})
    assert results.sort == ["sample_id", False]
    results.set_frame(_frame(3))
    assert results.sort == [] and [r[1] for r in results.rows] == ["s000", "s001", "s002"]


def test_row_click__opens_that_sample_of_the_sorted_page(
    results: ResultList, opened: list[tuple[str, str]]
) -> None:
    results._handle_msg({"sort": "sample_id"})
    results._handle_msg({"sort": "sample_id"})  # descending: s024 first
    results._handle_msg({"page": 1})
    row = results.rows[2]
    results._handle_msg({"row": results.first + 2, "dataset": row[0], "sample_id": row[1]})
    assert opened == [("a-very-long-dataset-name", "s012")]


@pytest.mark.parametrize(
    "msg",
    [
        {"row": 3, "dataset": "a-very-long-dataset-name", "sample_id": "s004"},  # the list changed meanwhile
        {"row": 99, "dataset": "a-very-long-dataset-name", "sample_id": "s099"},
        {"row": -1, "dataset": "a-very-long-dataset-name", "sample_id": "s024"},
        {"row": "3"},
        "knock",
        {"page": "2"},
    ],
)
def test_stale_or_malformed_messages__ignored(
    results: ResultList, opened: list[tuple[str, str]], msg: Any
) -> None:
    results._handle_msg(msg)
    assert opened == [] and results.first == 0


def test_unchanged_rows__nothing_sent(results: ResultList) -> None:
    changed: list[str] = []
    results.param.watch(lambda event: changed.append(event.name), ["columns", "rows", "first", "total", "sort"])
    results.set_frame(_frame(25))  # another frame, the same rows (as two filters sharing their first matches)
    assert changed == []
    frame = _frame(24)
    results.set_frame(frame)
    assert changed == ["total"]  # the first page is the same
    results.set_frame(frame.iloc[::-1])
    assert changed == ["total", "rows"]


def test_empty_and_none__headers_only() -> None:
    view = ResultList(lambda *_: None)
    view.set_frame(_frame(0))
    assert view.rows == [] and view.total == 0 and view.columns[0] == "dataset"
    view.set_frame(None)
    assert view.rows == [] and view.columns == []


def test_filter_panel__list_follows_the_filters_and_opens_a_clicked_sample(demo_catalogs: list[Any]) -> None:
    state = ExplorerState(demo_catalogs)
    panel = FilterPanel(state)
    assert panel.results.total == len(state.results)
    state.dataset = "bigearthnet-demo"
    assert {r[0] for r in panel.results.rows} == {"bigearthnet-demo"}
    assert panel.results.rows[0][1] == state.results["sample_id"].iloc[0]
    panel.results._handle_msg({"page": 1})
    row = panel.results.rows[0]
    panel.results._handle_msg({"row": PAGE_SIZE, "dataset": row[0], "sample_id": row[1]})
    assert (state.open_dataset, state.sample_id) == (row[0], row[1])
