"""Fixtures of the statistics tests: the generated sample/annotation tables and their statistics."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from explorer import stats
from tests.data import annotations as fake
from tests.stats.helpers import _part


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[pa.Table, pa.Table]:
    folder = fake.make(tmp_path_factory.mktemp("annotations"))
    return pq.read_table(folder / "samples.parquet"), pq.read_table(folder / "annotations.parquet")


@pytest.fixture(scope="module")
def datasets(tables: tuple[pa.Table, pa.Table]) -> list[tuple[str, pa.Table, pa.Table, dict[str, Any]]]:
    samples, annotations = tables
    return [(n, _part(samples, n), _part(annotations, n), {}) for n in (fake.CEN, fake.BEN)]


@pytest.fixture(scope="module")
def computed(datasets: list[Any]) -> dict[str, pd.DataFrame]:
    return stats.compute_all(datasets)
