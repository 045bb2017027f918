"""The shipped world outline (Natural Earth 1:110m, public domain): offline basemap and country lookup."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape


@lru_cache(maxsize=1)
def world_features() -> list[dict[str, Any]]:
    text = resources.files("explorer").joinpath("data/world.geojson").read_text()
    return json.loads(text)["features"]


@lru_cache(maxsize=1)
def _countries() -> tuple[list[str], list[str], np.ndarray, shapely.STRtree]:
    features = world_features()
    names = [f["properties"]["name"] for f in features]
    continents = [f["properties"]["continent"] for f in features]
    geoms = np.array([shape(f["geometry"]) for f in features], dtype=object)
    return names, continents, geoms, shapely.STRtree(geoms)


def country_of(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Country name per point (None at sea or for NaN), one vectorised spatial-index query for all points."""
    names, _, _, tree = _countries()
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    out = np.full(lon.shape, None, dtype=object)
    valid = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    if valid.size == 0:
        return out
    points = shapely.points(lon[valid], lat[valid])
    point_idx, country_idx = tree.query(points, predicate="within")
    name_arr = np.array(names, dtype=object)
    out[valid[point_idx]] = name_arr[country_idx]
    return out


# Names the datasets spell differently from Natural Earth (BigEarthNet: "Republic of Serbia").
COUNTRY_ALIASES = {
    "United States": "United States of America",
    "USA": "United States of America",
    "Czech Republic": "Czechia",
    "Republic of Serbia": "Serbia",
    "DR Congo": "Dem. Rep. Congo",
    "Bosnia and Herzegovina": "Bosnia and Herz.",
    "Dominican Republic": "Dominican Rep.",
}


@lru_cache(maxsize=1)
def country_continents() -> dict[str, str]:
    """Country name -> continent, from the shipped outline (its ``continent`` property) plus the aliases above.
    Countries too small for the 1:110m outline (Malta, Monaco, ...) are absent: callers fall back to position."""
    names, continents, _, _ = _countries()
    table = {n: c for n, c in zip(names, continents, strict=True) if c != "Seven seas (open ocean)"}
    table.update({alias: table[name] for alias, name in COUNTRY_ALIASES.items() if name in table})
    return table


def outline_paths() -> list[np.ndarray]:
    """Country boundary rings as (N, 2) lon/lat arrays, for drawing the offline basemap."""
    rings: list[np.ndarray] = []
    for feature in world_features():
        geom = shape(feature["geometry"])
        polys = getattr(geom, "geoms", [geom])
        for poly in polys:
            rings.append(np.asarray(poly.exterior.coords))
    return rings
