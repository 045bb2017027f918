"""Two dataset folders with one dataset name: both stay registered, both open, under names a user can tell
apart, and the dashboard's index/query path (which once failed with "Categorical categories must be unique")
handles them together."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from explorer import catalog, registry
from explorer.dashboard import query

KARPATHY = {
    "images": [
        {"filename": f"{i}.tif", "imgid": i, "split": "train", "sentences": [{"raw": f"caption {i} ."}] * 5}
        for i in range(3)
    ],
    "dataset": "UCM",
}


@pytest.fixture
def two_copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("EO_EXPLORER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("EO_EXPLORER_REGISTRY", str(tmp_path / "registry.json"))
    first = tmp_path / "downloads" / "ucm"
    first.mkdir(parents=True)
    (first / "dataset.json").write_text(json.dumps(KARPATHY))
    second = tmp_path / "converted" / "ucm"
    shutil.copytree(first, second)
    return first, second


def _dashboard_path(catalogs: list[catalog.Catalog]) -> None:
    indexes = [query.index_of(c) for c in catalogs]
    matches = query.match(indexes, query.Filters())
    assert matches.count == 6
    for color_by in (query.COLOR_BY_DATASET, query.COLOR_BY_SPLIT):
        cats = query.categories(indexes, matches, color_by, None)
        assert len(cats) == 6
    frame = query.results_frame(indexes, matches)
    assert sorted(set(frame["dataset"])) == sorted(c.name for c in catalogs)


def test_index__second_folder_registered_under_a_distinct_name(two_copies: tuple[Path, Path]) -> None:
    first, second = two_copies
    catalog.index(first, progress=False, with_stats=False)
    catalog.index(second, progress=False, with_stats=False)
    entries = registry.load()
    assert [e["name"] for e in entries] == ["UCM", "UCM (converted-ucm)"]
    assert [e["root"] for e in entries] == [str(first.resolve()), str(second.resolve())]
    opened = catalog.open_registered()
    assert [c.name for c in opened] == ["UCM", "UCM (converted-ucm)"]
    assert set(opened[1].samples["dataset"]) == {"UCM (converted-ucm)"}  # the tables carry the name too
    _dashboard_path(opened)
    # Re-indexing a folder keeps its name and its single entry.
    catalog.index(second, progress=False, with_stats=False)
    assert [e["name"] for e in registry.load()] == ["UCM", "UCM (converted-ucm)"]


def test_open_many__same_name_catalogs_renamed_after_their_folder(
    two_copies: tuple[Path, Path], tmp_path: Path
) -> None:
    first, second = two_copies
    # Built apart from the registry (as catalogs built before names were made distinct): both say "UCM".
    built = [
        catalog.build_catalog(p, out=tmp_path / "out" / str(i))[0] for i, p in enumerate((first, second))
    ]
    assert [c.name for c in built] == ["UCM", "UCM"]
    opened = catalog.open_many([c.path for c in built])
    assert [c.name for c in opened] == ["UCM", "UCM (converted-ucm)"]
    _dashboard_path(opened)
