"""Saving, reloading and the cache of statistics beside a catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from explorer import stats
from tests.data import annotations as fake


def test_save_stats__parquet_and_csv_round_trip(computed: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    paths = stats.save_stats(computed, tmp_path)
    assert {p.suffix for p in paths} == {".parquet", ".csv"}
    loaded = stats.load_stats(tmp_path)
    assert set(loaded) == set(computed)
    pd.testing.assert_frame_equal(loaded["task_mix"], computed["task_mix"], check_dtype=False)
    assert (
        pd.read_csv(tmp_path / "comparison.csv")["dataset"].tolist()
        == computed["comparison"]["dataset"].tolist()
    )


class CachedCatalog:
    def __init__(self, folder: Path, samples: pa.Table, annotations: pa.Table) -> None:
        self.name, self.path, self.meta = fake.CEN, folder, {"fingerprint": "v1"}
        self.samples, self.annotations = samples.to_pandas(), annotations
        self.stats_dir = folder / "stats"
        self.stats_dir.mkdir(parents=True, exist_ok=True)


def test_cached_stats__reused_until_the_catalog_changes(
    datasets: list[Any], tmp_path: Path, monkeypatch: Any
) -> None:
    _, samples, annotations, _ = datasets[0]
    catalog = CachedCatalog(tmp_path, samples, annotations)
    first = stats.cached_stats(catalog)
    calls = []
    original = stats.compute_all
    monkeypatch.setattr(stats.cache, "compute_all", lambda *a, **k: calls.append(1) or original(*a, **k))
    again = stats.cached_stats(catalog)
    assert calls == [] and set(again) == set(first)
    catalog.meta = {"fingerprint": "v2"}  # the dataset folder changed: recompute
    stats.cached_stats(catalog)
    assert calls == [1]
    stats.cached_stats(catalog, min_count=1)  # other options: recompute
    assert calls == [1, 1]


def test_cached_stats__replaces_files_shared_by_a_hard_link(datasets: list[Any], tmp_path: Path) -> None:
    """A copied catalog (``cp -al``) shares its saved statistics with the original: recomputing them in the copy
    must leave the original's files as they were."""
    import os

    _, samples, annotations, _ = datasets[0]
    original = CachedCatalog(tmp_path / "original", samples, annotations)
    stats.cached_stats(original)
    copy = CachedCatalog(tmp_path / "copy", samples, annotations)
    for file in Path(original.stats_dir).iterdir():
        os.link(file, Path(copy.stats_dir) / file.name)
    before = {f.name: f.read_bytes() for f in Path(original.stats_dir).iterdir()}
    copy.meta = {"fingerprint": "v2"}  # the copy's key differs: its statistics are computed again
    stats.cached_stats(copy)
    assert {f.name: f.read_bytes() for f in Path(original.stats_dir).iterdir()} == before
    assert not list(Path(copy.stats_dir).glob("*.tmp"))


def test_cache_key__changes_when_the_catalog_is_rebuilt(tmp_path: Path, monkeypatch: Any) -> None:
    """The key reads what the catalog writes (``built_at`` and its catalog.json), so a rebuild of the same
    folder is never served the statistics of the previous build."""
    from explorer import catalog
    from tests.data import chatearthnet as cen_data

    monkeypatch.setenv("EO_EXPLORER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("EO_EXPLORER_REGISTRY", str(tmp_path / "registry.json"))
    folder = cen_data.make(tmp_path / "cen")
    first, _ = catalog.build_catalog(folder, out=tmp_path / "catalog")
    assert first.meta.get("built_at")  # the field the key reads is there
    key = stats.cache_key(first, {})
    assert stats.cache_key(catalog.Catalog(first.path), {}) == key  # reopened unchanged: same key
    rebuilt, _ = catalog.build_catalog(folder, out=tmp_path / "catalog")
    assert stats.cache_key(rebuilt, {}) != key
