"""Where the synthetic ChatEarthNet samples lie: hand-written land boxes on every continent, each with a biome.

No downloads: the boxes are drawn well inside coastlines so that any point in them is on land, and the biome
decides which land-cover classes a sample shows (a Saharan tile is bare land, an Amazon tile is tree).
Positions are then snapped to real zoom-13 Web-Mercator tiles, the tiling of ChatEarthNet's names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..geo import CHATEARTHNET_ZOOM, web_mercator_tile_to_lonlat
from ..world import country_of


@dataclass(frozen=True)
class LandBox:
    continent: str
    place: str
    biome: str
    west: float
    south: float
    east: float
    north: float


# (continent, place, biome, west, south, east, north) in degrees; biomes are keys of landcover.BIOME_MIXES.
LAND_BOXES: tuple[LandBox, ...] = tuple(
    LandBox(*row)
    for row in (
        # Europe
        ("Europe", "Paris basin", "temperate_crop", 0.5, 46.0, 4.5, 48.5),
        ("Europe", "Central Germany", "temperate_mixed", 8.5, 49.5, 13.0, 52.0),
        ("Europe", "Poland", "temperate_crop", 17.0, 50.5, 23.0, 53.0),
        ("Europe", "Spanish Meseta", "mediterranean", -5.0, 38.5, -2.0, 41.5),
        ("Europe", "Finnish lakes", "boreal", 25.0, 61.5, 29.5, 64.5),
        ("Europe", "Alps", "alpine", 7.5, 46.1, 12.5, 47.2),
        ("Europe", "Ukraine steppe", "temperate_crop", 30.0, 48.5, 38.0, 51.5),
        ("Europe", "Northern Russia", "boreal", 40.0, 60.0, 50.0, 64.0),
        # Asia
        ("Asia", "West Siberian taiga", "boreal", 85.0, 56.0, 105.0, 61.0),
        ("Asia", "Kazakh steppe", "steppe", 62.0, 47.0, 75.0, 51.0),
        ("Asia", "Gobi", "desert", 100.0, 42.0, 110.0, 45.0),
        ("Asia", "North China Plain", "temperate_crop", 114.0, 34.0, 117.5, 37.5),
        ("Asia", "Ganges plain", "tropical_crop", 78.0, 24.5, 85.5, 27.0),
        ("Asia", "Rub' al Khali", "desert", 46.0, 19.0, 52.0, 22.0),
        ("Asia", "Tibetan plateau", "alpine", 84.0, 31.0, 94.0, 34.0),
        ("Asia", "Borneo", "tropical_forest", 113.0, -0.5, 116.0, 2.0),
        ("Asia", "Khorat plateau", "tropical_crop", 101.5, 14.5, 104.5, 17.0),
        ("Asia", "Iranian plateau", "desert", 54.0, 30.0, 59.0, 33.5),
        ("Asia", "East Siberian tundra", "tundra", 125.0, 67.5, 150.0, 70.0),
        ("Asia", "Sundarbans", "mangrove_coast", 88.7, 22.1, 89.7, 22.5),
        # Africa
        ("Africa", "Central Sahara", "desert", -2.0, 20.5, 24.0, 27.5),
        ("Africa", "Sahel", "savanna", -3.0, 12.0, 14.0, 15.0),
        ("Africa", "Congo basin", "tropical_forest", 16.0, -2.5, 25.0, 2.0),
        ("Africa", "East African highlands", "savanna", 34.0, -6.0, 37.0, -0.5),
        ("Africa", "Kalahari", "semi_arid", 20.0, -25.5, 25.5, -21.0),
        ("Africa", "Madagascar highlands", "tropical_crop", 46.0, -21.5, 47.8, -16.0),
        ("Africa", "Ethiopian highlands", "savanna", 37.0, 7.5, 40.0, 11.5),
        ("Africa", "Niger delta", "mangrove_coast", 5.8, 4.85, 6.9, 5.3),
        # North America
        ("North America", "Corn Belt", "temperate_crop", -97.0, 38.5, -87.0, 42.5),
        ("North America", "Canadian boreal forest", "boreal", -112.0, 52.5, -93.0, 56.0),
        ("North America", "Sonoran desert", "desert", -114.5, 32.5, -110.0, 35.0),
        ("North America", "Canadian tundra", "tundra", -105.0, 63.0, -96.0, 66.5),
        ("North America", "Mexican plateau", "semi_arid", -104.0, 21.0, -100.0, 24.5),
        ("North America", "Greenland ice sheet", "ice", -45.0, 68.0, -35.0, 75.0),
        ("North America", "US Southeast", "temperate_mixed", -90.0, 31.5, -83.5, 34.0),
        ("North America", "Great Plains", "steppe", -104.0, 42.0, -100.0, 46.0),
        # South America
        ("South America", "Amazon", "tropical_forest", -70.0, -9.0, -56.0, -4.0),
        ("South America", "Cerrado", "savanna", -52.0, -17.5, -46.0, -12.5),
        ("South America", "Pampas", "temperate_crop", -63.5, -35.5, -60.5, -32.0),
        ("South America", "Atacama", "desert", -69.5, -24.0, -68.8, -20.5),
        ("South America", "Patagonian steppe", "steppe", -71.0, -47.5, -68.0, -42.5),
        ("South America", "Altiplano", "alpine", -68.5, -20.0, -66.5, -17.0),
        # Oceania
        ("Oceania", "Australian outback", "desert", 125.0, -27.5, 138.0, -21.0),
        ("Oceania", "Murray-Darling basin", "semi_arid", 143.0, -35.5, 148.0, -32.0),
        ("Oceania", "Cape York", "savanna", 142.3, -19.5, 144.3, -15.5),
        ("Oceania", "New Guinea highlands", "tropical_forest", 143.5, -6.3, 145.5, -5.4),
        ("Oceania", "Canterbury", "temperate_mixed", 170.0, -44.5, 171.3, -43.6),
        # Antarctica
        ("Antarctica", "East Antarctic ice sheet", "ice", 40.0, -78.0, 100.0, -73.0),
        ("Antarctica", "McMurdo Dry Valleys", "polar_desert", 161.0, -77.75, 162.8, -77.35),
    )
)

CONTINENTS = ("Africa", "Antarctica", "Asia", "Europe", "North America", "Oceania", "South America")


def lonlat_to_tile(
    lon: np.ndarray, lat: np.ndarray, zoom: int = CHATEARTHNET_ZOOM
) -> tuple[np.ndarray, np.ndarray]:
    """Zoom-``zoom`` Web-Mercator tile (col, row) holding each point: the inverse of the tile-corner formula."""
    n = 2**zoom
    lat_rad = np.radians(np.asarray(lat, dtype=float))
    col = np.floor((np.asarray(lon, dtype=float) + 180.0) / 360.0 * n)
    row = np.floor((1.0 - np.arcsinh(np.tan(lat_rad)) / np.pi) / 2.0 * n)
    return col.astype(np.int64).clip(0, n - 1), row.astype(np.int64).clip(0, n - 1)


def tile_positions(n_tiles: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n_tiles`` distinct zoom-13 tiles, round-robin over the boxes so every continent is covered early.

    A tile whose centre the shipped world outline puts at sea is skipped (a guard: the boxes avoid coasts).
    Columns: col, row (tile), lon, lat (tile centre), continent, place, biome.
    """
    boxes = pd.DataFrame([b.__dict__ for b in LAND_BOXES])
    n_draw = 3 * n_tiles + 2 * len(boxes)
    which = np.resize(rng.permutation(len(boxes)), n_draw)
    lon = rng.uniform(boxes["west"].to_numpy()[which], boxes["east"].to_numpy()[which])
    lat = rng.uniform(boxes["south"].to_numpy()[which], boxes["north"].to_numpy()[which])
    col, row = lonlat_to_tile(lon, lat)
    centre_lon, centre_lat = web_mercator_tile_to_lonlat(col + 0.5, row + 0.5)
    on_land = pd.notna(country_of(centre_lon, centre_lat))
    table = pd.DataFrame({"col": col, "row": row, "lon": centre_lon, "lat": centre_lat})
    table = pd.concat(
        [table, boxes[["continent", "place", "biome"]].iloc[which].reset_index(drop=True)], axis=1
    )
    table = table[on_land].drop_duplicates(["col", "row"]).head(n_tiles).reset_index(drop=True)
    if len(table) < n_tiles:
        raise ValueError(f"could only place {len(table)} of {n_tiles} demo tiles on land")
    return table
