"""Turn layers into displayable RGB: band composites, percentile stretch, SAR in dB, land-cover palettes.

Pure numpy/xarray (no Panel): the dashboard, the export figure and the notebooks draw the same pixels.
Layers follow ``sources.base``: ``xarray.DataArray`` with dims ``(band, y, x)`` and a ``band`` coordinate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # xarray (~0.3-0.5 s of imports) only when a layer is read: not on the way to a page
    import xarray as xr

from .legends import LEGENDS, Legend

# Composites by name: (red, green, blue) band names, Sentinel-2 naming.
TRUE_COLOUR = "True colour"
COLOUR_INFRARED = "Colour infrared"
SWIR = "SWIR"
AGRICULTURE = "Agriculture"
CUSTOM = "Custom bands"
COMPOSITES: dict[str, tuple[str, str, str]] = {
    TRUE_COLOUR: ("B04", "B03", "B02"),
    COLOUR_INFRARED: ("B08", "B04", "B03"),
    SWIR: ("B12", "B8A", "B04"),
    AGRICULTURE: ("B11", "B08", "B02"),
}
COMPOSITE_NAMES = (*COMPOSITES, CUSTOM)

# A missing band is replaced by the closest one in wavelength and purpose (narrow NIR <-> NIR, SWIR1 <-> SWIR2).
BAND_FALLBACKS: dict[str, tuple[str, ...]] = {
    "B8A": ("B08",),
    "B08": ("B8A",),
    "B11": ("B12",),
    "B12": ("B11",),
    "B05": ("B06", "B04"),
    "B01": ("B02",),
    "B09": ("B8A", "B08"),
}

DEFAULT_PERCENTILES = (2.0, 98.0)

# SAR display ranges in dB: fixed so that two samples are comparable (a per-image stretch would hide that one
# scene is brighter than another).
SAR_VV = "VV"
SAR_VH = "VH"
SAR_FALSE_COLOUR = "False colour (VV, VH, VV/VH)"
SAR_MODES = (SAR_FALSE_COLOUR, SAR_VV, SAR_VH)
SAR_RANGES: dict[str, tuple[float, float]] = {"VV": (-25.0, 0.0), "VH": (-30.0, -5.0), "ratio": (0.0, 15.0)}


@dataclass(frozen=True)
class Rendered:
    """An image ready to draw plus what was done to get it (shown next to the image)."""

    rgb: np.ndarray  # uint8 (H, W, 3)
    bands: tuple[str, ...]  # bands used for R, G, B (one name repeated for a grey image)
    limits: tuple[tuple[float, float], ...]  # value range mapped to 0..255, per channel
    note: str = ""  # e.g. a fallback: "B8A missing: used B08"

    @property
    def description(self) -> str:
        text = " / ".join(self.bands)
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True)
class LegendEntry:
    name: str
    color: str
    share: float  # fraction of the valid pixels


def band_names(layer: xr.DataArray) -> list[str]:
    return [str(b) for b in layer["band"].values]


def resolve_bands(available: Sequence[str], wanted: Sequence[str]) -> tuple[tuple[str, ...], str]:
    """Map wanted band names onto available ones, with fallbacks; say what was substituted.

    Raises ``ValueError`` when a band has neither itself nor a fallback available.
    """
    have = set(available)
    used: list[str] = []
    notes: list[str] = []
    for band in wanted:
        if band in have:
            used.append(band)
            continue
        substitute = next((b for b in BAND_FALLBACKS.get(band, ()) if b in have), None)
        if substitute is None:
            raise ValueError(f"band {band} is not in this layer (bands: {', '.join(available)})")
        used.append(substitute)
        notes.append(f"{band} missing: used {substitute}")
    return tuple(used), "; ".join(notes)


def percentile_limits(data: np.ndarray, percentiles: Sequence[float] = DEFAULT_PERCENTILES) -> np.ndarray:
    """(low, high) value per band of a (band, y, x) array at the given percentiles, ignoring NaN."""
    low, high = float(percentiles[0]), float(percentiles[1])
    if not 0.0 <= low < high <= 100.0:
        raise ValueError(f"percentiles must satisfy 0 <= low < high <= 100, got ({low}, {high})")
    flat = np.asarray(data, dtype=np.float32).reshape(data.shape[0], -1)
    with np.errstate(all="ignore"):
        limits = np.nanpercentile(flat, [low, high], axis=1).T
    return np.nan_to_num(limits, nan=0.0)


def natural_range(layer: xr.DataArray | np.ndarray) -> tuple[float, float]:
    """The value range of the data type as released: 0..255 for 8-bit images, 0..1 for reflectance."""
    attrs = getattr(layer, "attrs", {})
    if np.asarray(layer).dtype == np.uint8 or attrs.get("scale") == "8-bit":
        return 0.0, 255.0
    return 0.0, 1.0


def stretch(data: np.ndarray, limits: np.ndarray, fallback: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """Linear stretch of each band between its limits to uint8; a flat band uses ``fallback`` limits.

    A flat band (an all-white placeholder image) would otherwise divide by zero or turn mid-grey.
    """
    data = np.asarray(data, dtype=np.float32)
    limits = np.asarray(limits, dtype=np.float32).copy()
    flat = limits[:, 1] <= limits[:, 0]
    limits[flat] = fallback
    low = limits[:, 0][:, None, None]
    span = (limits[:, 1] - limits[:, 0])[:, None, None]
    scaled = np.clip((data - low) / span, 0.0, 1.0)
    return np.nan_to_num(scaled * 255.0 + 0.5, nan=0.0).astype(np.uint8)


def to_hwc(channels: np.ndarray) -> np.ndarray:
    """(3, H, W) -> contiguous (H, W, 3)."""
    return np.ascontiguousarray(np.moveaxis(channels, 0, -1))


def composite(
    layer: xr.DataArray,
    name: str = TRUE_COLOUR,
    bands: Sequence[str] | None = None,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
) -> Rendered:
    """RGB of a multispectral layer: a named composite or three picked ``bands``, percentile-stretched per band.

    A composite whose bands are missing falls back (B8A -> B08, ...) and says so; a layer with too few bands
    (an RGB caption dataset) is shown as its own first three bands.
    """
    available = band_names(layer)
    if name == CUSTOM or bands is not None:
        if bands is None or len(bands) != 3:
            raise ValueError("a custom composite needs exactly three bands")
        wanted: tuple[str, ...] = tuple(bands)
    elif name in COMPOSITES:
        wanted = COMPOSITES[name]
    else:
        raise ValueError(f"unknown composite {name!r}; known: {', '.join(COMPOSITE_NAMES)}")
    try:
        used, note = resolve_bands(available, wanted)
    except ValueError as error:
        if len(available) >= 3:
            used, note = tuple(available[:3]), f"{error}; showing {', '.join(available[:3])}"
        else:
            used, note = (available[0],) * 3, f"{error}; showing {available[0]}"
    data = layer.sel(band=list(used)).values
    limits = percentile_limits(data, percentiles)
    rgb = to_hwc(stretch(data, limits, natural_range(layer)))
    return Rendered(rgb, used, tuple((float(lo), float(hi)) for lo, hi in limits), note)


def sar_image(layer: xr.DataArray, mode: str = SAR_FALSE_COLOUR) -> Rendered:
    """SAR in dB with fixed ranges: VV or VH as grey, or the false colour (VV, VH, VV-VH ratio in dB)."""
    available = band_names(layer)
    missing = [b for b in ("VV", "VH") if b not in available and (mode == SAR_FALSE_COLOUR or b == mode)]
    if missing:
        raise ValueError(f"SAR layer lacks {', '.join(missing)} (bands: {', '.join(available)})")
    if mode in (SAR_VV, SAR_VH):
        data = layer.sel(band=mode).values.astype(np.float32)[None]
        limits = np.array([SAR_RANGES[mode]])
        grey = stretch(data, limits)[0]
        return Rendered(np.repeat(grey[:, :, None], 3, axis=2), (mode,) * 3, (SAR_RANGES[mode],) * 3)
    if mode != SAR_FALSE_COLOUR:
        raise ValueError(f"unknown SAR mode {mode!r}; known: {', '.join(SAR_MODES)}")
    vv = layer.sel(band="VV").values.astype(np.float32)
    vh = layer.sel(band="VH").values.astype(np.float32)
    ratio = vv - vh  # VV/VH as a dB difference
    ranges = (SAR_RANGES["VV"], SAR_RANGES["VH"], SAR_RANGES["ratio"])
    rgb = to_hwc(stretch(np.stack([vv, vh, ratio]), np.array(ranges)))
    return Rendered(rgb, ("VV", "VH", "VV/VH"), ranges)


def legend_of(layer: xr.DataArray) -> Legend:
    name = layer.attrs.get("legend")
    if name not in LEGENDS:
        raise ValueError(f"land-cover layer names legend {name!r}; known legends: {', '.join(LEGENDS)}")
    return LEGENDS[name]


def landcover_image(layer: xr.DataArray) -> tuple[np.ndarray, list[LegendEntry]]:
    """Class map coloured by its legend, and legend entries for the classes present, largest share first."""
    legend = legend_of(layer)
    codes = np.asarray(layer.values)
    if codes.ndim == 3:
        codes = codes[0]
    rgb = legend.rgb(codes)
    entries = [
        LegendEntry(name, legend.color_of(name) or legend.nodata_color, share)
        for name, share in legend.shares(codes).items()
    ]
    return rgb, entries


def resize_nearest(rgb: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize (for display only: class maps must not be interpolated)."""
    height, width = shape
    rows = (np.arange(height) * rgb.shape[0] // height).clip(0, rgb.shape[0] - 1)
    cols = (np.arange(width) * rgb.shape[1] // width).clip(0, rgb.shape[1] - 1)
    return rgb[rows][:, cols]


def blend(base: np.ndarray, overlay: np.ndarray, opacity: float) -> np.ndarray:
    """Overlay an RGB image on another at ``opacity`` (0 = base only); the overlay is resized to the base."""
    if overlay.shape[:2] != base.shape[:2]:
        overlay = resize_nearest(overlay, base.shape[:2])
    opacity = float(np.clip(opacity, 0.0, 1.0))
    mixed = base.astype(np.float32) * (1.0 - opacity) + overlay.astype(np.float32) * opacity
    return (mixed + 0.5).astype(np.uint8)
