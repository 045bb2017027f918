import numpy as np
import pytest

from explorer import geo


def test_tile_grid_centres__reproduces_bigearthnet_txt_published_centre():
    lon, lat = geo.tile_grid_centres(["33UUP"], [26], [57])
    assert abs(lat[0] - 48.11003471465957) < 1e-6
    assert abs(lon[0] - 12.740300299577253) < 1e-6


def test_tile_grid_centres__matches_v1_example_footprints():
    lon, lat = geo.tile_grid_centres(["33UUP", "29UPU", "29SND", "35VPK"], [87, 36, 56, 69], [48, 85, 35, 24])
    np.testing.assert_allclose(lat, [48.2223, 52.31, 39.36, 62.82], atol=0.01)
    np.testing.assert_allclose(lon, [13.7209, -6.89, -8.21, 30.60], atol=0.01)


def test_mgrs_tile_origin__v1_example_corner():
    epsg, e0, n0 = geo.mgrs_tile_origin("33UUP")
    assert (epsg, e0, n0) == (32633, 300000.0, 5400000.0)


def test_mgrs_tile_origin__rejects_nonsense():
    with pytest.raises(ValueError, match="MGRS"):
        geo.mgrs_tile_origin("99ZZZ")


def test_tile_grid_centres__unknown_tile_gives_nan():
    lon, lat = geo.tile_grid_centres(["bogus"], [1], [1])
    assert np.isnan(lon[0]) and np.isnan(lat[0])


def test_web_mercator_tile_to_lonlat__montevideo_example():
    lon, lat = geo.web_mercator_tile_to_lonlat(2815, 4942)
    assert abs(lon - -56.29) < 0.01 and abs(lat - -34.81) < 0.05
