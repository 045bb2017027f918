"""What a server computes at start-up is cached in the catalog folder and read back identical."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from explorer import catalog, startup_cache


@pytest.fixture(scope="module")
def ben(tmp_path_factory):
    from explorer.demo import write_demo

    out = tmp_path_factory.mktemp("startup-demo")
    write_demo(out, n_chatearthnet=12, n_bigearthnet=12)
    cat, _ = catalog.build_catalog(out / "bigearthnet-demo", out=out / "catalog", with_fulltext=False)
    return cat


def test_dashboard_index__second_build_reads_the_cache_and_equals_the_computed_one(ben):
    from explorer.dashboard.query import CatalogIndex

    computed = CatalogIndex.build(ben)
    assert (ben.path / "cache" / "dashboard_index.arrow").is_file()
    reopened = catalog.Catalog(ben.path)
    cached = CatalogIndex.build(reopened)
    assert "samples" not in vars(reopened)  # the samples table is not read on the way to a first page
    for name in ("x", "y", "label_codes", "label_owner", "sample_ids"):
        np.testing.assert_array_equal(getattr(cached, name), getattr(computed, name))
    assert cached.label_names == computed.label_names
    pd.testing.assert_series_equal(pd.Series(cached.split), pd.Series(computed.split))
    pd.testing.assert_series_equal(pd.Series(cached.country), pd.Series(computed.country))
    pd.testing.assert_series_equal(pd.Series(cached.subset), pd.Series(computed.subset))
    assert cached.x.dtype == np.float32  # positions kept small: ~10 M samples open at once
    label = computed.label_names[0]
    np.testing.assert_array_equal(cached.has_label(label), computed.has_label(label))


def test_cache__stale_key_is_ignored(ben):
    startup_cache.save(ben, "probe", 1, {"a": pa.array([1, 2, 3]), "b": pa.array(["x"])})
    loaded = startup_cache.load(ben, "probe", 1)
    assert loaded is not None and loaded["a"].to_pylist() == [1, 2, 3] and loaded["b"].to_pylist() == ["x"]
    assert startup_cache.load(ben, "probe", 2) is None  # another version of the computation
    ben.meta["built_at"] = "another build"
    assert startup_cache.load(ben, "probe", 1) is None  # a rebuilt catalog


def test_cache__corrupt_file_is_recomputed_not_fatal(ben):
    from explorer.dashboard.query import CatalogIndex

    (ben.path / "cache").mkdir(exist_ok=True)
    (ben.path / "cache" / "dashboard_index.arrow").write_bytes(b"not arrow")
    fresh = catalog.Catalog(ben.path)
    assert CatalogIndex.build(fresh).size == len(fresh.samples)
