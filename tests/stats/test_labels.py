"""Class frequency by sample, by pixel (Dask) and by mention."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import xarray as xr

from explorer import stats
from explorer.errors import MissingFileError
from explorer.legends import CHATEARTHNET
from tests.data import annotations as fake
from tests.stats.helpers import _annotations


def test_class_frequency_by_sample__arrow_and_pandas_agree(tables: tuple[pa.Table, pa.Table]) -> None:
    samples, _ = tables
    from_arrow = stats.class_frequency_by_sample(samples)
    from_pandas = stats.class_frequency_by_sample(samples.to_pandas())
    pd.testing.assert_frame_equal(from_arrow, from_pandas, check_dtype=False)
    labels = samples.to_pandas()
    cen = labels[labels["dataset"] == fake.CEN]
    water = sum("water" in list(x) for x in cen["labels"])
    row = from_arrow[(from_arrow["dataset"] == fake.CEN) & (from_arrow["class"] == "water")]
    assert int(row["samples"].iloc[0]) == water and row["share"].iloc[0] == pytest.approx(water / len(cen))


class FakeCatalog:
    """Catalog-like: name, samples, annotations, read_layer; one sample's map is missing."""

    def __init__(self) -> None:
        self.name = "fake"
        self.samples = pd.DataFrame(
            {"sample_id": ["a", "b", "broken", "nomap"], "layers": [["landcover"]] * 3 + [["s2"]]}
        )
        self.annotations = _annotations(kind=["caption"], output=["x"])

    def read_layer(self, sample_id: str, kind: str) -> xr.DataArray:
        if sample_id == "broken":
            raise MissingFileError(f"/data/{sample_id}.tif", "a land-cover map")
        codes = {"a": [[10, 10], [80, 0]], "b": [[50, 50], [50, 10]]}[sample_id]
        return xr.DataArray(np.array(codes, dtype=np.uint8), attrs={"legend": "ESA WorldCover"})


def test_class_frequency_by_pixel__catalog_with_local_threads() -> None:
    frame = stats.class_frequency_by_pixel(FakeCatalog())
    pixels = dict(zip(frame["class"], frame["pixels"], strict=True))
    assert pixels["Tree cover"] == 3 and pixels["Built-up"] == 3 and pixels["Permanent water bodies"] == 1
    assert frame["skipped"].iloc[0] == 1  # "broken" is skipped, not fatal; "nomap" has no land-cover layer
    assert frame["samples"].iloc[0] == 2
    assert frame["share"].sum() == pytest.approx(1.0)


def test_class_frequency_by_pixel__arrays_with_legend() -> None:
    arrays = {"x": np.array([[1, 1], [3, 0]]), "y": np.array([[6]])}
    frame = stats.class_frequency_by_pixel(arrays, legend=CHATEARTHNET, dataset="demo")
    assert dict(zip(frame["class"], frame["pixels"], strict=True))["water"] == 2
    assert set(frame["dataset"]) == {"demo"}
    with pytest.raises(ValueError, match="legend"):
        stats.class_frequency_by_pixel(arrays)


def test_class_frequency_by_pixel__existing_dask_cluster() -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        frame = stats.class_frequency_by_pixel(FakeCatalog(), scheduler=cluster.scheduler_address)
    local = stats.class_frequency_by_pixel(FakeCatalog())
    pd.testing.assert_frame_equal(frame, local)


def test_class_mentions__counts_mentions_and_texts() -> None:
    frame = stats.class_mentions(["Water next to water and trees.", "Arable land.", "Nothing."], dataset="d")
    counts = {r["class"]: (r["mentions"], r["texts"]) for r in frame.to_dict("records")}
    assert counts == {"water": (2, 1), "tree": (1, 1), "Arable land": (1, 1)}
