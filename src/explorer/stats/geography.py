"""Geography: samples per country and continent, a density grid, and coverage in words.

Continents come from the country name through the shipped world outline (``explorer.world``), and for samples
without a known country from coarse lat/lon boxes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..world import country_continents
from .columns import TableLike, column, strings

CONTINENTS = ("Europe", "Asia", "Africa", "North America", "South America", "Oceania", "Antarctica")
# Rough lat/lon boxes (south, north, west, east), tested in order, for samples without a country. Coarse on
# purpose: it tells which continents a dataset covers, not where a border runs.
CONTINENT_BOXES: list[tuple[str, float, float, float, float]] = [
    ("Antarctica", -90, -60, -180, 180),
    ("Asia", 12, 42, 34, 63),  # Middle East before Africa's box
    ("Europe", 35, 72, -25, 45),
    ("Africa", -35, 37.5, -20, 52),
    ("Asia", -11, 82, 25, 180),
    ("North America", 7, 84, -170, -50),
    ("South America", -56, 13, -82, -34),
    ("Oceania", -50, 0, 110, 180),
    ("Oceania", -50, 25, -180, -120),
]


def continent_of(country: Any, lat: Any, lon: Any) -> np.ndarray:
    """Continent per row: from the country name when known, else from lat/lon boxes; None when neither."""
    countries = pd.Series(np.asarray(country, dtype=object))
    result = countries.map(country_continents()).to_numpy(dtype=object)
    lat_ = np.asarray(lat, dtype=float)
    lon_ = np.asarray(lon, dtype=float)
    todo = pd.isna(result) & np.isfinite(lat_) & np.isfinite(lon_)
    for name, south, north, west, east in CONTINENT_BOXES:
        inside = todo & (lat_ >= south) & (lat_ <= north) & (lon_ >= west) & (lon_ <= east)
        result[inside] = name
        todo &= ~inside
    result[pd.isna(result)] = None
    return result


def geo_frame(samples: TableLike) -> pd.DataFrame:
    """dataset, country, lat, lon, continent per sample; a frame that already has them passes through."""
    if isinstance(samples, pd.DataFrame) and "continent" in samples.columns:
        return samples
    frame = pd.DataFrame(
        {
            "dataset": strings(samples, "dataset").to_pandas(),
            "country": strings(samples, "country").to_pandas(),
            "lat": column(samples, "lat", default=0.0).to_pandas().astype(float),
            "lon": column(samples, "lon", default=0.0).to_pandas().astype(float),
        }
    )
    frame["continent"] = continent_of(frame["country"], frame["lat"], frame["lon"])
    return frame


def samples_per_country(samples: TableLike) -> pd.DataFrame:
    """dataset, country ("unknown" when absent), continent, samples."""
    frame = geo_frame(samples)
    frame["country"] = frame["country"].fillna("unknown")
    frame["continent"] = frame["continent"].fillna("unknown")
    out = frame.groupby(["dataset", "country", "continent"]).size().rename("samples").reset_index()
    return out.sort_values(["dataset", "samples"], ascending=[True, False], ignore_index=True)


def samples_per_continent(samples: TableLike) -> pd.DataFrame:
    """dataset, continent ("unknown" without country or position), samples."""
    frame = geo_frame(samples)
    frame["continent"] = frame["continent"].fillna("unknown")
    out = frame.groupby(["dataset", "continent"]).size().rename("samples").reset_index()
    return out.sort_values(["dataset", "samples"], ascending=[True, False], ignore_index=True)


def density_grid(samples: TableLike, cell_deg: float = 2.0) -> pd.DataFrame:
    """2D histogram of sample positions: dataset, lat, lon (south-west corner of a cell), count (non-zero)."""
    frame = geo_frame(samples)
    frame = frame[np.isfinite(frame["lat"]) & np.isfinite(frame["lon"])]
    lat_edges = np.arange(-90, 90 + cell_deg, cell_deg)
    lon_edges = np.arange(-180, 180 + cell_deg, cell_deg)
    frames = []
    for name, group in frame.groupby("dataset"):
        counts, _, _ = np.histogram2d(group["lat"], group["lon"], bins=[lat_edges, lon_edges])
        i, j = np.nonzero(counts)
        frames.append(
            pd.DataFrame({"dataset": name, "lat": lat_edges[i], "lon": lon_edges[j], "count": counts[i, j]})
        )
    if not frames:
        return pd.DataFrame(columns=["dataset", "lat", "lon", "count"])
    out = pd.concat(frames, ignore_index=True)
    out["count"] = out["count"].astype(np.int64)
    out["cell_deg"] = cell_deg
    return out


def spatial_coverage(samples: TableLike) -> str:
    """Coverage in words, computed: countries/continents, else continents and bounding box, else "unknown"."""
    frame = geo_frame(samples)
    countries = frame["country"].dropna().unique()
    continents = sorted(frame["continent"].dropna().unique())
    positioned = frame[np.isfinite(frame["lat"]) & np.isfinite(frame["lon"])]
    if len(countries):
        return (
            f"{len(countries)} countries, {len(continents)} continent{'s' if len(continents) != 1 else ''}"
            + (f" ({continents[0]})" if len(continents) == 1 else "")
        )
    if len(positioned):
        box = (
            f"lat {positioned['lat'].min():.1f} to {positioned['lat'].max():.1f}, "
            f"lon {positioned['lon'].min():.1f} to {positioned['lon'].max():.1f}"
        )
        return f"{len(continents)} continent{'s' if len(continents) != 1 else ''}; {box}"
    return "unknown"
