"""Continents, countries, density and coverage."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from explorer import stats
from explorer.model import SAMPLE_SCHEMA, table_from_columns
from tests.data import annotations as fake
from tests.stats.helpers import _part


def test_continent_of__country_first_then_boxes() -> None:
    result = stats.continent_of(
        ["Austria", None, None, None, "Atlantis", None],
        [0, -34.8, 35.0, 40.7, np.nan, np.nan],
        [0, -56.2, 105.0, -74.0, np.nan, np.nan],
    )
    assert result.tolist() == ["Europe", "South America", "Asia", "North America", None, None]


def test_geography__countries_continents_density(tables: tuple[pa.Table, pa.Table]) -> None:
    samples, _ = tables
    countries = stats.samples_per_country(samples)
    assert countries["samples"].sum() == samples.num_rows
    ben = countries[countries["dataset"] == fake.BEN]
    assert set(ben["continent"]) == {"Europe"} and "unknown" not in set(ben["country"])
    density = stats.density_grid(samples, cell_deg=10)
    positioned = int(np.isfinite(samples["lat"].to_numpy(zero_copy_only=False)).sum())
    assert density["count"].sum() == positioned  # the sample without a position is left out
    assert stats.spatial_coverage(_part(samples, fake.BEN)) == "6 countries, 1 continent (Europe)"
    no_position = table_from_columns(SAMPLE_SCHEMA, {"dataset": ["x"], "sample_id": ["a"], "lat": [np.nan]})
    assert stats.spatial_coverage(no_position) == "unknown"
