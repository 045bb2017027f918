"""Sentinel-2 reflectance and Sentinel-1 backscatter from a land-cover map, per-class and textured.

Each class maps to a spectral archetype with an active (green) and a dormant (senescent, bare) spectrum over the
12 L2A bands; a per-pixel greenness mixes them, so crops show field parcels and deciduous forest loses its
near-infrared plateau in winter. The values follow textbook spectra: vegetation has low red and a high NIR
plateau after the red edge, water is dark beyond the green, bare soil and built-up are bright in SWIR, snow is
bright in the visible and dark in SWIR. SAR uses typical C-band backscatter per class with gamma speckle.
"""

from __future__ import annotations

import numpy as np

from .landcover import noise_fields

S2_BANDS = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12")

# archetype: (active spectrum, dormant spectrum, texture amplitude, parcels, VV dB, VH dB)
# spectra in band order S2_BANDS, as surface reflectance
# fmt: off
_ARCHETYPES: dict[str, tuple[list[float], list[float], float, bool, float, float]] = {
    "broadleaf": (
        [0.025, 0.03, 0.06, 0.03, 0.09, 0.26, 0.32, 0.34, 0.35, 0.22, 0.17, 0.08],
        [0.04, 0.05, 0.07, 0.08, 0.11, 0.15, 0.17, 0.18, 0.19, 0.13, 0.22, 0.15],
        0.12, False, -8.5, -14.5,
    ),
    "conifer": (
        [0.02, 0.02, 0.04, 0.02, 0.06, 0.17, 0.21, 0.22, 0.23, 0.15, 0.11, 0.05],
        [0.02, 0.025, 0.04, 0.03, 0.06, 0.14, 0.17, 0.18, 0.19, 0.12, 0.11, 0.05],
        0.14, False, -8.8, -14.8,
    ),
    "mixed_forest": (
        [0.022, 0.025, 0.05, 0.025, 0.075, 0.22, 0.27, 0.28, 0.29, 0.19, 0.14, 0.065],
        [0.03, 0.035, 0.055, 0.05, 0.085, 0.15, 0.17, 0.18, 0.19, 0.125, 0.16, 0.1],
        0.13, False, -8.6, -14.6,
    ),
    "shrub": (
        [0.04, 0.05, 0.08, 0.08, 0.12, 0.2, 0.24, 0.26, 0.27, 0.18, 0.26, 0.16],
        [0.05, 0.06, 0.09, 0.11, 0.14, 0.18, 0.2, 0.21, 0.22, 0.15, 0.28, 0.2],
        0.1, False, -10.0, -17.0,
    ),
    "grass": (
        [0.04, 0.05, 0.09, 0.06, 0.13, 0.28, 0.33, 0.35, 0.36, 0.23, 0.24, 0.13],
        [0.05, 0.06, 0.09, 0.11, 0.14, 0.18, 0.2, 0.21, 0.22, 0.15, 0.27, 0.19],
        0.06, False, -12.0, -19.0,
    ),
    "pasture": (
        [0.03, 0.04, 0.085, 0.045, 0.12, 0.3, 0.37, 0.39, 0.4, 0.25, 0.22, 0.11],
        [0.05, 0.06, 0.09, 0.1, 0.13, 0.19, 0.22, 0.23, 0.24, 0.16, 0.26, 0.18],
        0.05, True, -11.5, -18.5,
    ),
    "crop": (
        [0.03, 0.04, 0.08, 0.04, 0.12, 0.33, 0.4, 0.42, 0.43, 0.28, 0.22, 0.11],
        [0.07, 0.09, 0.12, 0.15, 0.17, 0.19, 0.21, 0.22, 0.23, 0.17, 0.3, 0.24],
        0.05, True, -11.0, -18.0,
    ),
    "orchard": (
        [0.04, 0.05, 0.08, 0.08, 0.13, 0.22, 0.26, 0.28, 0.29, 0.19, 0.25, 0.16],
        [0.06, 0.07, 0.1, 0.12, 0.15, 0.18, 0.2, 0.21, 0.22, 0.15, 0.28, 0.21],
        0.12, True, -9.5, -16.0,
    ),
    "built_up": (
        [0.09, 0.1, 0.12, 0.13, 0.15, 0.17, 0.18, 0.19, 0.2, 0.14, 0.24, 0.21],
        [0.09, 0.1, 0.12, 0.13, 0.15, 0.17, 0.18, 0.19, 0.2, 0.14, 0.24, 0.21],
        0.25, False, -6.0, -12.0,
    ),
    "industrial": (
        [0.12, 0.14, 0.16, 0.17, 0.19, 0.2, 0.21, 0.22, 0.22, 0.16, 0.27, 0.24],
        [0.12, 0.14, 0.16, 0.17, 0.19, 0.2, 0.21, 0.22, 0.22, 0.16, 0.27, 0.24],
        0.22, False, -5.0, -11.5,
    ),
    "sand": (
        [0.14, 0.17, 0.24, 0.31, 0.34, 0.36, 0.38, 0.39, 0.4, 0.3, 0.48, 0.42],
        [0.14, 0.17, 0.24, 0.31, 0.34, 0.36, 0.38, 0.39, 0.4, 0.3, 0.48, 0.42],
        0.05, False, -17.0, -25.0,
    ),
    "rock": (
        [0.1, 0.12, 0.15, 0.18, 0.2, 0.21, 0.22, 0.23, 0.24, 0.18, 0.3, 0.25],
        [0.1, 0.12, 0.15, 0.18, 0.2, 0.21, 0.22, 0.23, 0.24, 0.18, 0.3, 0.25],
        0.12, False, -13.0, -21.0,
    ),
    "snow": (
        [0.85, 0.88, 0.87, 0.85, 0.83, 0.8, 0.78, 0.76, 0.74, 0.5, 0.08, 0.06],
        [0.85, 0.88, 0.87, 0.85, 0.83, 0.8, 0.78, 0.76, 0.74, 0.5, 0.08, 0.06],
        0.03, False, -12.5, -20.5,
    ),
    "water": (
        [0.06, 0.06, 0.05, 0.03, 0.025, 0.015, 0.012, 0.01, 0.009, 0.006, 0.004, 0.003],
        [0.06, 0.06, 0.05, 0.03, 0.025, 0.015, 0.012, 0.01, 0.009, 0.006, 0.004, 0.003],
        0.03, False, -22.0, -28.0,
    ),
    "sea": (
        [0.07, 0.07, 0.06, 0.035, 0.028, 0.016, 0.013, 0.011, 0.01, 0.007, 0.005, 0.004],
        [0.07, 0.07, 0.06, 0.035, 0.028, 0.016, 0.013, 0.011, 0.01, 0.007, 0.005, 0.004],
        0.02, False, -20.0, -27.0,
    ),
    "wetland": (
        [0.03, 0.04, 0.06, 0.05, 0.08, 0.16, 0.19, 0.2, 0.21, 0.13, 0.12, 0.06],
        [0.04, 0.05, 0.06, 0.06, 0.08, 0.12, 0.14, 0.15, 0.16, 0.1, 0.13, 0.08],
        0.08, False, -14.0, -21.0,
    ),
    "peat_bog": (
        [0.04, 0.05, 0.06, 0.06, 0.09, 0.14, 0.17, 0.18, 0.19, 0.12, 0.14, 0.08],
        [0.04, 0.05, 0.06, 0.07, 0.09, 0.12, 0.14, 0.15, 0.16, 0.1, 0.15, 0.1],
        0.06, False, -14.5, -22.0,
    ),
    "mangroves": (
        [0.02, 0.025, 0.05, 0.025, 0.07, 0.2, 0.25, 0.27, 0.28, 0.18, 0.12, 0.05],
        [0.02, 0.025, 0.05, 0.025, 0.07, 0.2, 0.25, 0.27, 0.28, 0.18, 0.12, 0.05],
        0.1, False, -8.0, -14.0,
    ),
    "moss": (
        [0.05, 0.06, 0.08, 0.09, 0.12, 0.17, 0.2, 0.21, 0.22, 0.15, 0.22, 0.14],
        [0.05, 0.06, 0.08, 0.1, 0.12, 0.15, 0.17, 0.18, 0.19, 0.13, 0.23, 0.16],
        0.07, False, -14.0, -22.0,
    ),
}
# fmt: on
ARCHETYPES = tuple(_ARCHETYPES)
_ACTIVE = np.array([v[0] for v in _ARCHETYPES.values()], dtype=np.float32)
_DORMANT = np.array([v[1] for v in _ARCHETYPES.values()], dtype=np.float32)
_TEXTURE = np.array([v[2] for v in _ARCHETYPES.values()], dtype=np.float32)
_PARCELS = np.array([v[3] for v in _ARCHETYPES.values()])
_SAR_DB = np.array([[v[4], v[5]] for v in _ARCHETYPES.values()], dtype=np.float32)
_EVERGREEN = np.isin(np.array(ARCHETYPES), ["conifer", "mangroves"])
_WATER_ROWS = [ARCHETYPES.index("water"), ARCHETYPES.index("sea")]
_FOREST_ROWS = [ARCHETYPES.index(name) for name in ("broadleaf", "conifer", "mixed_forest")]

WORLDCOVER_ARCHETYPE = {
    10: "broadleaf",
    20: "shrub",
    30: "grass",
    40: "crop",
    50: "built_up",
    60: "rock",
    70: "snow",
    80: "water",
    90: "wetland",
    95: "mangroves",
    100: "moss",
    0: "rock",
}
CLC_ARCHETYPE = {
    111: "built_up",
    112: "built_up",
    121: "industrial",
    122: "built_up",
    123: "industrial",
    124: "industrial",
    131: "rock",
    132: "rock",
    133: "rock",
    141: "grass",
    142: "grass",
    211: "crop",
    212: "crop",
    213: "wetland",
    221: "orchard",
    222: "orchard",
    223: "orchard",
    231: "pasture",
    241: "orchard",
    242: "crop",
    243: "crop",
    244: "orchard",
    311: "broadleaf",
    312: "conifer",
    313: "mixed_forest",
    321: "grass",
    322: "shrub",
    323: "shrub",
    324: "shrub",
    331: "sand",
    332: "rock",
    333: "rock",
    334: "rock",
    335: "snow",
    411: "wetland",
    412: "peat_bog",
    421: "wetland",
    422: "sand",
    423: "sand",
    511: "water",
    512: "water",
    521: "sea",
    522: "sea",
    523: "sea",
    999: "grass",
}

_LEVELS = 32  # greenness steps of the reflectance lookup

# Greenness of deciduous vegetation by season (evergreen classes stay near 0.85).
SEASON_GREENNESS = {"Winter": 0.15, "Spring": 0.6, "Summer": 1.0, "Autumn": 0.5}


def archetype_index(codes: np.ndarray, table: dict[int, str]) -> np.ndarray:
    """Raw class codes -> archetype row, through a lookup table (vectorised)."""
    lut = np.zeros(max(table) + 1, dtype=np.int16)
    for code, name in table.items():
        lut[code] = ARCHETYPES.index(name)
    return lut[np.asarray(codes, dtype=np.int64)]


def parcel_pattern(rng: np.random.Generator, size: int, parcel_px: float) -> np.ndarray:
    """A value in [0, 1) per pixel, constant over rotated, staggered rectangular field parcels."""
    axis = np.arange(size, dtype=np.float32)
    x, y = axis[None, :], axis[:, None]
    angle = rng.uniform(0, np.pi / 2)
    cos, sin = np.float32(np.cos(angle)), np.float32(np.sin(angle))
    width = parcel_px * rng.uniform(0.6, 1.4)
    row = np.floor((y * cos - x * sin) / np.float32(parcel_px)).astype(np.int32)
    stagger = rng.uniform(0, width, size=1024).astype(np.float32)[row % 1024]
    col = np.floor((x * cos + y * sin + stagger) / np.float32(width)).astype(np.int32)
    table = rng.random(8191).astype(np.float32)
    return table[(row.astype(np.int64) * 92821 + col * 68917) % 8191]


def reflectance(
    rng: np.random.Generator,
    archetypes: np.ndarray,
    season_greenness: float,
    bands: tuple[str, ...] = S2_BANDS,
    parcel_px: float = 30.0,
) -> np.ndarray:
    """Surface reflectance (len(bands), H, W) float32 for a map of archetype indices."""
    size = archetypes.shape[0]
    band_idx = [S2_BANDS.index(b) for b in bands]
    green = np.where(_EVERGREEN[archetypes], 0.85, season_greenness).astype(np.float32)
    parcels = _PARCELS[archetypes]
    if parcels.any():
        # each parcel is at its own growth stage: some bare soil, some fully green
        stage = parcel_pattern(rng, size, parcel_px)
        green = np.where(parcels, np.clip(season_greenness * (0.25 + 1.1 * stage), 0, 1), green)
    # one lookup instead of per-pixel mixing: greenness quantised to _LEVELS steps, spectrum per (class, step)
    level = np.rint(green * (_LEVELS - 1)).astype(np.int32)
    steps = np.linspace(0.0, 1.0, _LEVELS, dtype=np.float32)[None, :, None]
    active, dormant = _ACTIVE[:, None, band_idx], _DORMANT[:, None, band_idx]
    table = (dormant + steps * (active - dormant)).reshape(-1, len(band_idx))  # (archetypes * levels, B)
    refl = np.take(table.T, archetypes.astype(np.int32) * _LEVELS + level, axis=1)  # (B, H, W)
    fine, coarse = noise_fields(rng, np.array([1.6, 3.5]), size, feature_px=size / 2)
    texture = 1.0 + _TEXTURE[archetypes] * (0.7 * fine + 0.5 * coarse)
    refl *= np.clip(texture, 0.3, 2.0)[None]  # the fine field doubles as sensor noise
    return np.clip(refl, 0.0, 1.0, out=refl)


def add_clouds(rng: np.random.Generator, refl: np.ndarray, cover: float) -> np.ndarray:
    """(All 12 bands) Bright, spectrally flat clouds over about ``cover`` of the scene, with a darker shadow beside them."""
    size = refl.shape[-1]
    field = noise_fields(rng, np.array([3.8]), size, feature_px=size / 3)[0]
    threshold = np.quantile(field, 1.0 - cover)
    opacity = np.clip((field - threshold) * 2.0, 0.0, 1.0)
    shadow = np.roll(opacity, (size // 12, size // 10), axis=(0, 1)) * (1.0 - opacity)
    cloud = np.array([0.45, 0.46, 0.47, 0.48, 0.49, 0.5, 0.5, 0.5, 0.5, 0.35, 0.38, 0.3], dtype=np.float32)
    out = refl * (1.0 - opacity) * (1.0 - 0.5 * shadow) + cloud[:, None, None] * opacity
    return out.astype(np.float32)


def add_snow(rng: np.random.Generator, refl: np.ndarray, archetypes: np.ndarray, cover: float) -> np.ndarray:
    """(All 12 bands) Seasonal snow over about ``cover`` of the land; forest canopies stay partly visible."""
    size = refl.shape[-1]
    field = noise_fields(rng, np.array([3.5]), size, feature_px=size / 2)[0]
    snowy = (field > np.quantile(field, 1.0 - cover)) & ~np.isin(archetypes, _WATER_ROWS)
    weight = np.where(np.isin(archetypes, _FOREST_ROWS), 0.45, 0.9) * snowy
    snow = _ACTIVE[ARCHETYPES.index("snow")][:, None, None]
    return (refl * (1.0 - weight) + snow * weight).astype(np.float32)


def backscatter_db(rng: np.random.Generator, archetypes: np.ndarray, looks: float = 4.4) -> np.ndarray:
    """Sentinel-1 VV, VH (2, H, W) float32 dB: class means, texture, gamma speckle in linear power."""
    size = archetypes.shape[0]
    mean_db = _SAR_DB[archetypes].transpose(2, 0, 1)  # (2, H, W)
    texture = noise_fields(rng, np.array([2.5]), size, feature_px=size / 3)[0]
    mean_db = mean_db + 1.2 * texture[None]
    built = np.isin(archetypes, [ARCHETYPES.index("built_up"), ARCHETYPES.index("industrial")])
    if built.any():  # double-bounce corner reflectors: a heavy bright tail
        mean_db = mean_db + built[None] * rng.exponential(2.5, size=mean_db.shape).astype(np.float32)
    power = 10.0 ** (mean_db / 10.0)
    speckle = rng.gamma(shape=looks, scale=1.0 / looks, size=power.shape)
    return (10.0 * np.log10(power * speckle + 1e-6)).astype(np.float32)


def to_display_uint8(refl: np.ndarray, white: float) -> np.ndarray:
    """8-bit display scaling (as a true-colour product): reflectance ``white`` maps to 255, 0 kept for nodata."""
    scaled = refl * np.float32(254.0 / white)
    scaled += np.float32(1.5)  # +1 offset, +0.5 so truncation rounds
    np.clip(scaled, 1.0, 255.0, out=scaled)
    return scaled.astype(np.uint8)
