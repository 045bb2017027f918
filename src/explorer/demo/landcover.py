"""Spatially coherent synthetic land-cover maps with plausible class mixes.

Each class gets a smooth random field (power-law spectrum: blobs with natural, ragged edges); a pixel takes the
class whose field plus offset is highest. The offsets are fitted on a subsample so the class shares follow a
target drawn around a biome's (or country's) typical mix: some scenes are one class, others a patchwork.
Rivers and coasts are drawn on top, because blobs alone never make a linear feature.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
from scipy import ndimage

# ESA WorldCover codes per biome (ChatEarthNet demo): typical shares, before per-scene randomness.
BIOME_MIXES: dict[str, dict[int, float]] = {
    "temperate_crop": {40: 0.5, 10: 0.18, 30: 0.12, 50: 0.08, 80: 0.04, 20: 0.03, 90: 0.02},
    "temperate_mixed": {10: 0.45, 40: 0.22, 30: 0.14, 50: 0.07, 80: 0.05, 20: 0.05, 90: 0.02},
    "mediterranean": {40: 0.35, 20: 0.25, 30: 0.15, 10: 0.1, 60: 0.08, 50: 0.07},
    "boreal": {10: 0.6, 80: 0.13, 90: 0.08, 20: 0.06, 30: 0.06, 100: 0.03, 40: 0.04},
    "tundra": {100: 0.35, 30: 0.2, 80: 0.15, 20: 0.1, 60: 0.1, 70: 0.05, 90: 0.05},
    "ice": {70: 0.9, 60: 0.08, 80: 0.02},
    "polar_desert": {60: 0.6, 70: 0.3, 80: 0.1},
    "alpine": {30: 0.3, 60: 0.25, 70: 0.15, 10: 0.2, 20: 0.1},
    "steppe": {30: 0.5, 40: 0.25, 60: 0.1, 20: 0.1, 80: 0.03, 50: 0.02},
    "desert": {60: 0.88, 20: 0.06, 30: 0.03, 40: 0.02, 50: 0.01},
    "savanna": {30: 0.35, 20: 0.25, 10: 0.15, 40: 0.15, 60: 0.07, 50: 0.03},
    "tropical_forest": {10: 0.78, 40: 0.07, 30: 0.04, 80: 0.06, 90: 0.03, 50: 0.02},
    "tropical_crop": {40: 0.55, 10: 0.15, 50: 0.1, 30: 0.1, 80: 0.05, 90: 0.05},
    "mangrove_coast": {95: 0.35, 80: 0.3, 10: 0.15, 90: 0.1, 40: 0.1},
    "semi_arid": {20: 0.35, 30: 0.25, 60: 0.2, 40: 0.15, 50: 0.05},
}

# Raw CORINE level-3 codes per BigEarthNet country (reference maps). 332/335 (bare rock, glaciers) are real CLC
# codes outside the 19 classes: they exercise the "unlabelled" legend entry.
# fmt: off
COUNTRY_MIXES: dict[str, dict[int, float]] = {
    "Austria": {
        312: 0.28, 313: 0.12, 231: 0.15, 211: 0.15, 242: 0.06, 243: 0.06, 311: 0.06, 112: 0.04, 321: 0.04,
        512: 0.02, 332: 0.02,
    },
    "Belgium": {
        211: 0.35, 231: 0.2, 112: 0.12, 121: 0.04, 242: 0.06, 311: 0.1, 313: 0.04, 512: 0.02, 243: 0.05,
        111: 0.02,
    },
    "Finland": {
        312: 0.35, 313: 0.15, 324: 0.18, 512: 0.1, 412: 0.07, 211: 0.08, 311: 0.02, 112: 0.03, 231: 0.02,
    },
    "Ireland": {
        231: 0.45, 412: 0.12, 322: 0.06, 312: 0.08, 211: 0.05, 243: 0.08, 242: 0.04, 112: 0.03, 324: 0.06,
        512: 0.02,
    },
    "Kosovo": {211: 0.25, 242: 0.15, 243: 0.12, 311: 0.25, 231: 0.05, 112: 0.06, 324: 0.08, 321: 0.04},
    "Lithuania": {
        211: 0.3, 313: 0.12, 312: 0.1, 311: 0.05, 243: 0.1, 231: 0.08, 242: 0.05, 324: 0.06, 512: 0.04,
        112: 0.04, 412: 0.03, 411: 0.01,
    },
    "Luxembourg": {211: 0.25, 231: 0.22, 311: 0.18, 313: 0.08, 112: 0.1, 121: 0.04, 242: 0.08, 243: 0.05},
    "Portugal": {
        244: 0.12, 323: 0.12, 311: 0.14, 312: 0.06, 211: 0.1, 212: 0.04, 221: 0.04, 223: 0.05, 242: 0.08,
        243: 0.1, 324: 0.1, 112: 0.04, 321: 0.01,
    },
    "Serbia": {
        211: 0.4, 242: 0.12, 243: 0.1, 311: 0.18, 231: 0.04, 112: 0.06, 221: 0.03, 222: 0.02, 324: 0.04,
        511: 0.01,
    },
    "Switzerland": {
        312: 0.2, 313: 0.1, 231: 0.25, 321: 0.1, 211: 0.06, 112: 0.08, 242: 0.06, 512: 0.05, 332: 0.03,
        335: 0.02, 322: 0.05,
    },
}
# fmt: on
# Countries with a sea coast in the demo tiles, and the coastal classes drawn there.
COASTAL_COUNTRIES = {"Belgium", "Finland", "Ireland", "Lithuania", "Portugal"}

# How fragmented a class is: spectral slope of its field (low = small ragged patches, high = smooth blobs).
_WORLDCOVER_SLOPE = {50: 3.6, 40: 4.2, 80: 4.8, 70: 4.8}
_CLC_SLOPE = {111: 3.6, 112: 3.8, 121: 3.8, 512: 4.8, 511: 4.8, 523: 4.8, 335: 4.8}
_DEFAULT_SLOPE = 4.4

WORLDCOVER_WATER = 80
WORLDCOVER_MANGROVES = 95
CLC_RIVER = 511
CLC_SEA = 523
CLC_BEACH = 331
CLC_COASTAL_WETLAND = 421
CLC_NODATA = 999


@lru_cache(maxsize=48)
def _amplitude(size: int, slope: float, feature_px: float) -> np.ndarray:
    """Spectral amplitude 1 / (f^2 + f0^2)^(slope/4) on the rfft grid (cached: the demo reuses a few)."""
    fy = np.fft.fftfreq(size).astype(np.float32)[:, None]
    fx = np.fft.rfftfreq(size).astype(np.float32)[None, :]
    amp = (fx**2 + fy**2 + np.float32(1.0 / feature_px) ** 2) ** np.float32(-slope / 4.0)
    amp[0, 0] = 0.0
    amp.setflags(write=False)
    return amp


def noise_fields(rng: np.random.Generator, slopes: np.ndarray, size: int, feature_px: float) -> np.ndarray:
    """One smooth random field per slope, shape (k, size, size), zero mean and unit variance.

    Power spectrum ~ 1 / (f^2 + f0^2)^(slope/2), with f0 = 1 / feature_px setting the blob size (rounded to
    a multiple of 8 px so that spectra can be cached).
    """
    feature_px = max(8.0, 8.0 * round(feature_px / 8.0))
    shape = (len(slopes), size, size // 2 + 1)
    spectrum = np.empty(shape, dtype=np.complex64)
    spectrum.real = rng.standard_normal(shape, dtype=np.float32)
    spectrum.imag = rng.standard_normal(shape, dtype=np.float32)
    spectrum *= np.stack([_amplitude(size, float(slope), feature_px) for slope in slopes])
    fields = np.fft.irfft2(spectrum, s=(size, size))
    fields /= fields.std(axis=(1, 2), keepdims=True) + 1e-12
    return fields.astype(np.float32, copy=False)


def draw_shares(
    rng: np.random.Generator, mix: Mapping[int, float], concentration: float = 6.0
) -> dict[int, float]:
    """A scene's class shares: a Dirichlet draw around the typical mix; classes under 2 % are dropped."""
    codes = list(mix)
    alpha = np.array([mix[c] for c in codes]) * concentration + 0.05
    shares = rng.dirichlet(alpha)
    keep = shares >= 0.02
    if not keep.any():
        keep[np.argmax(shares)] = True
    shares = np.where(keep, shares, 0.0)
    shares /= shares.sum()
    return {c: float(s) for c, s in zip(codes, shares, strict=True) if s > 0}


def fit_offsets(fields: np.ndarray, shares: np.ndarray, iterations: int = 10) -> np.ndarray:
    """Offsets b so that argmax(fields + b) gives each class about its share (fitted on a 4x subsample)."""
    sub = fields[:, ::4, ::4].reshape(len(shares), -1)
    target = np.log(np.maximum(shares, 1e-6))
    offsets = target.copy()
    for _ in range(iterations):
        winner = np.argmax(sub + offsets[:, None], axis=0)
        got = np.bincount(winner, minlength=len(shares)) / winner.size
        offsets += 0.8 * (target - np.log(np.maximum(got, 1e-4)))
    return offsets


def class_map(
    rng: np.random.Generator,
    shares: Mapping[int, float],
    size: int,
    feature_px: float,
    slopes: Mapping[int, float],
    dtype: type = np.uint8,
) -> np.ndarray:
    """A (size, size) map of raw class codes with about the given shares, in coherent regions."""
    codes = np.array(list(shares), dtype=np.int64)
    if len(codes) == 1:
        return np.full((size, size), codes[0], dtype=dtype)
    target = np.array([shares[c] for c in codes])
    field_slopes = np.array([slopes.get(int(c), _DEFAULT_SLOPE) for c in codes])
    fields = noise_fields(rng, field_slopes, size, feature_px)
    offsets = fit_offsets(fields, target)
    winner = np.argmax(fields + offsets[:, None, None].astype(np.float32), axis=0)
    return codes[winner].astype(dtype)


def majority_filter(codes: np.ndarray, size: int = 5, passes: int = 2) -> np.ndarray:
    """Replace each pixel by the most frequent class around it: removes specks, rounds edges (CLC-like MMU)."""
    values = np.unique(codes)
    if len(values) < 2:
        return codes
    for _ in range(passes):
        votes = np.stack(
            [ndimage.uniform_filter((codes == v).astype(np.float32), size, mode="nearest") for v in values]
        )
        codes = values[np.argmax(votes, axis=0)]
    return codes


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates in scene widths, centred on the scene (-0.5 ... 0.5)."""
    y, x = (np.mgrid[0:size, 0:size].astype(np.float32) + 0.5) / size - 0.5
    return x, y


def river_mask(rng: np.random.Generator, size: int, width_px: float) -> np.ndarray:
    """A meandering band crossing the scene (boolean mask)."""
    x, y = _grid(size)
    angle = rng.uniform(0, np.pi)
    u = x * np.cos(angle) + y * np.sin(angle)  # along the river
    v = -x * np.sin(angle) + y * np.cos(angle)  # across
    centre = rng.uniform(-0.3, 0.3) + 0.06 * np.sin(2 * np.pi * (u * rng.uniform(1, 3) + rng.uniform(0, 1)))
    centre += 0.03 * np.sin(2 * np.pi * (u * rng.uniform(4, 7) + rng.uniform(0, 1)))
    return np.abs(v - centre) * size < width_px / 2


def coast_distance(rng: np.random.Generator, size: int) -> np.ndarray:
    """Signed distance (in scene widths) to a wavy coastline; positive on the sea side."""
    x, y = _grid(size)
    angle = rng.uniform(0, 2 * np.pi)
    u = x * np.cos(angle) + y * np.sin(angle)
    v = -x * np.sin(angle) + y * np.cos(angle)
    line = rng.uniform(-0.25, 0.15) + 0.05 * np.sin(2 * np.pi * (v * rng.uniform(1, 3) + rng.uniform(0, 1)))
    return u - line


def worldcover_tile(rng: np.random.Generator, biome: str, size: int = 512) -> np.ndarray:
    """A ChatEarthNet source tile (512 px, ~10 m) of WorldCover codes for a biome."""
    mix = BIOME_MIXES[biome]
    shares = draw_shares(rng, mix)
    coastal = biome == "mangrove_coast"
    if coastal:  # the sea is drawn by the coastline, not by blobs
        shares.pop(WORLDCOVER_WATER, None)
        total = sum(shares.values())
        shares = {c: s / total for c, s in shares.items()}
    feature_px = float(rng.uniform(60, 200))
    codes = class_map(rng, shares, size, feature_px, _WORLDCOVER_SLOPE)
    if coastal:
        distance = coast_distance(rng, size)
        codes[(distance > -0.08) & (distance <= 0)] = WORLDCOVER_MANGROVES
        codes[distance > 0] = WORLDCOVER_WATER
    elif mix.get(WORLDCOVER_WATER, 0) >= 0.03 and rng.random() < 0.35:
        codes[river_mask(rng, size, rng.uniform(6, 20))] = WORLDCOVER_WATER
    return codes


def corine_patch(rng: np.random.Generator, country: str, coastal: bool, size: int = 120) -> np.ndarray:
    """A BigEarthNet reference map (120 px at 10 m) of raw CLC level-3 codes."""
    shares = draw_shares(rng, COUNTRY_MIXES[country], concentration=5.0)
    codes = class_map(rng, shares, size, float(rng.uniform(40, 90)), _CLC_SLOPE, dtype=np.uint16)
    codes = majority_filter(codes, size=7, passes=2)  # CORINE maps polygons of >= 25 ha, no specks
    if coastal:
        distance = coast_distance(rng, size)
        codes[(distance > -0.05) & (distance <= 0)] = CLC_COASTAL_WETLAND if rng.random() < 0.3 else CLC_BEACH
        codes[distance > 0] = CLC_SEA
    elif rng.random() < 0.12:
        codes[river_mask(rng, size, rng.uniform(3, 6))] = CLC_RIVER
    if rng.random() < 0.03:  # a strip outside the CLC coverage, as at country borders
        codes[:, : int(rng.integers(5, 20))] = CLC_NODATA
    return codes
