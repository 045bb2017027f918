"""Sample positions from names: Web-Mercator tiles (ChatEarthNet) and the Sentinel-2 tile grid (BigEarthNet).

Both are vectorised: 480,038 BigEarthNet patches are placed in well under a second, without any imagery.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd
from pyproj import Transformer

# --- ChatEarthNet: zoom-13 Web-Mercator tiles -------------------------------------------------------------
CHATEARTHNET_ZOOM = 13


def web_mercator_tile_to_lonlat(
    col: np.ndarray | float, row: np.ndarray | float, zoom: int = CHATEARTHNET_ZOOM
) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of a (possibly fractional) tile coordinate; integers give the tile's north-west corner."""
    n = 2.0**zoom
    col = np.asarray(col, dtype=float)
    row = np.asarray(row, dtype=float)
    lon = col / n * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * row / n))))
    return lon, lat


def chatearthnet_quadrant_centre(
    col: np.ndarray, row: np.ndarray, quadrant_row: np.ndarray, quadrant_col: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Centre of quadrant ``patch<R><C>`` of tile ``<col>_<row>``.

    Assumption (unconfirmed by the authors): R is the quadrant row (0 = north half) and C the quadrant column
    (0 = west half), row-major as the name reads. A wrong guess moves a sample by at most half a tile (~2.4 km
    at the equator), invisible on a global map.
    """
    frac_col = np.asarray(col, dtype=float) + (np.asarray(quadrant_col, dtype=float) + 0.5) / 2.0
    frac_row = np.asarray(row, dtype=float) + (np.asarray(quadrant_row, dtype=float) + 0.5) / 2.0
    return web_mercator_tile_to_lonlat(frac_col, frac_row)


# --- BigEarthNet: Sentinel-2 MGRS tile grid ----------------------------------------------------------------
PATCH_SIZE_M = 1200.0  # BigEarthNet patches are 120 px x 10 m
_MGRS_ROW_LETTERS = "ABCDEFGHJKLMNPQRSTUV"  # 20 letters, 100 km each, 2,000 km cycle
_MGRS_COL_SETS = ("ABCDEFGH", "JKLMNPQR", "STUVWXYZ")
_LAT_BANDS = "CDEFGHJKLMNPQRSTUVWX"  # 8 degrees each from 80 S; X spans 12 degrees


@lru_cache(maxsize=4096)
def mgrs_tile_origin(tile: str) -> tuple[int, float, float]:
    """(EPSG code, easting, northing) of the north-west corner of a Sentinel-2 tile such as ``33UUP``.

    A Sentinel-2 tile's upper-left corner lies on the west edge and 100 km above the south edge of its MGRS
    100 km square; the square's northing is fixed up to the 2,000 km letter cycle by the latitude band.
    """
    tile = tile.upper().lstrip("T")
    if len(tile) != 5 or not tile[:2].isdigit():
        raise ValueError(f"not a Sentinel-2 MGRS tile: {tile!r} (expected e.g. '33UUP')")
    zone = int(tile[:2])
    band, col_letter, row_letter = tile[2], tile[3], tile[4]
    if not 1 <= zone <= 60 or band not in _LAT_BANDS:
        raise ValueError(f"not a Sentinel-2 MGRS tile: {tile!r}")
    col_set = _MGRS_COL_SETS[(zone - 1) % 3]
    if col_letter not in col_set or row_letter not in _MGRS_ROW_LETTERS:
        raise ValueError(f"MGRS 100 km square {col_letter}{row_letter} does not exist in zone {zone}")
    easting = (col_set.index(col_letter) + 1) * 100_000.0
    row_index = _MGRS_ROW_LETTERS.index(row_letter)
    if zone % 2 == 0:  # even zones start their row letters at F
        row_index = (row_index - 5) % 20
    northing_in_cycle = row_index * 100_000.0

    north = band >= "N"
    epsg = (32600 if north else 32700) + zone
    # Lowest northing of the latitude band on the central meridian picks the 2,000 km cycle.
    band_south_lat = -80.0 + 8.0 * _LAT_BANDS.index(band)
    to_utm = _utm_transformer(epsg, inverse=False)
    central_lon = -183.0 + 6.0 * zone
    _, band_min_northing = to_utm.transform(central_lon, band_south_lat)
    cycles = math.floor((band_min_northing - northing_in_cycle) / 2_000_000.0)
    northing = northing_in_cycle + cycles * 2_000_000.0
    # The square may start up to 100 km below the band's edge (bands are not 100 km aligned).
    while northing + 100_000.0 <= band_min_northing - 1.0:
        northing += 2_000_000.0
    # Sentinel-2 tiles start on the 60 m pixel grid: the square's corner snapped outwards (west, north) to a
    # multiple of 60 m, e.g. 29SND starts at (499980, 4400040). Checked on the real v1 example footprints.
    return epsg, math.floor(easting / 60.0) * 60.0, math.ceil((northing + 100_000.0) / 60.0) * 60.0


@lru_cache(maxsize=128)
def _utm_transformer(epsg: int, inverse: bool) -> Transformer:
    if inverse:
        return Transformer.from_crs(epsg, 4326, always_xy=True)
    return Transformer.from_crs(4326, epsg, always_xy=True)


def utm_to_lonlat(epsg: int, easting: np.ndarray, northing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _utm_transformer(epsg, inverse=True).transform(np.asarray(easting), np.asarray(northing))


def tile_grid_centres(tiles: pd.Series, xs: pd.Series, ys: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Patch centres (lon, lat) for arrays of (tile, column x, row y), one pyproj call per distinct tile.

    Centre in the tile's UTM zone: (E0 + 1200 x + 600, N0 - 1200 y - 600).
    """
    tiles = pd.Series(tiles).reset_index(drop=True)
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    lon = np.full(len(tiles), np.nan)
    lat = np.full(len(tiles), np.nan)
    codes, uniques = pd.factorize(tiles)
    for code, tile in enumerate(uniques):
        try:
            epsg, e0, n0 = mgrs_tile_origin(str(tile))
        except ValueError:
            continue
        rows = np.flatnonzero(codes == code)
        easting = e0 + PATCH_SIZE_M * x[rows] + PATCH_SIZE_M / 2
        northing = n0 - PATCH_SIZE_M * y[rows] - PATCH_SIZE_M / 2
        lon[rows], lat[rows] = utm_to_lonlat(epsg, easting, northing)
    return lon, lat
