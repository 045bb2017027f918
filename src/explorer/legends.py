"""Land-cover legends: which raw pixel codes form which class, its name and its colour.

A legend travels with every land-cover ``DataArray`` (``attrs["legend"]``) so that a plot, a legend widget and a
class-frequency count all agree on names and colours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "BIGEARTHNET_COUNTRIES",
    "BIGEARTHNET_SEASONS",
    "CHATEARTHNET",
    "CORINE19",
    "CORINE19_CLASSES",
    "LEGENDS",
    "Legend",
    "LegendClass",
    "WORLDCOVER",
    "WORLDCOVER_TO_CHATEARTHNET",
]


@dataclass(frozen=True)
class LegendClass:
    name: str
    color: str  # "#rrggbb"
    codes: tuple[int, ...]  # raw pixel values that belong to this class


@dataclass(frozen=True)
class Legend:
    """An ordered set of classes; raw codes outside every class count as ``nodata``."""

    name: str
    classes: tuple[LegendClass, ...]
    nodata_color: str = "#000000"
    _lut: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        size = max(code for c in self.classes for code in c.codes) + 1
        lut = np.full(max(size, 1024), -1, dtype=np.int16)
        for index, cls in enumerate(self.classes):
            lut[list(cls.codes)] = index
        object.__setattr__(self, "_lut", lut)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.classes]

    @property
    def colors(self) -> list[str]:
        return [c.color for c in self.classes]

    def class_index(self, codes: np.ndarray) -> np.ndarray:
        """Raw codes -> class index (-1 for nodata/unknown), vectorised."""
        codes = np.asarray(codes)
        safe = np.where((codes >= 0) & (codes < self._lut.size), codes, 0).astype(np.int64)
        index = self._lut[safe]
        return np.where((codes >= 0) & (codes < self._lut.size), index, -1)

    def pixel_counts(self, codes: np.ndarray) -> np.ndarray:
        """Pixels per class, in legend order (nodata excluded)."""
        index = self.class_index(codes).ravel()
        return np.bincount(index[index >= 0], minlength=len(self.classes))

    def shares(self, codes: np.ndarray) -> dict[str, float]:
        """Share of the valid pixels per class present, largest first: what a legend panel shows."""
        counts = self.pixel_counts(codes)
        total = counts.sum()
        if total == 0:
            return {}
        order = np.argsort(-counts, kind="stable")
        return {self.classes[i].name: float(counts[i] / total) for i in order if counts[i] > 0}

    def rgb(self, codes: np.ndarray) -> np.ndarray:
        """Colour a code map as uint8 RGB (H, W, 3)."""
        palette = np.array([_hex_to_rgb(c.color) for c in self.classes] + [_hex_to_rgb(self.nodata_color)])
        index = self.class_index(codes)
        return palette[np.where(index >= 0, index, len(self.classes))].astype(np.uint8)

    def color_of(self, name: str) -> str | None:
        for cls in self.classes:
            if cls.name.lower() == name.lower():
                return cls.color
        return None


def _hex_to_rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def _legend(name: str, rows: Sequence[tuple[str, str, Sequence[int]]], nodata: str = "#000000") -> Legend:
    return Legend(name, tuple(LegendClass(n, c, tuple(codes)) for n, c, codes in rows), nodata)


# ESA WorldCover v100/v200 (0 = no data).
WORLDCOVER = _legend(
    "ESA WorldCover",
    [
        ("Tree cover", "#006400", [10]),
        ("Shrubland", "#ffbb22", [20]),
        ("Grassland", "#ffff4c", [30]),
        ("Cropland", "#f096ff", [40]),
        ("Built-up", "#fa0000", [50]),
        ("Bare / sparse vegetation", "#b4b4b4", [60]),
        ("Snow and ice", "#f0f0f0", [70]),
        ("Permanent water bodies", "#0064c8", [80]),
        ("Herbaceous wetland", "#0096a0", [90]),
        ("Mangroves", "#00cf75", [95]),
        ("Moss and lichen", "#fae6a0", [100]),
    ],
)

# ChatEarthNet's label-map index (authors' scripts); 0 = background.
CHATEARTHNET = _legend(
    "ChatEarthNet",
    [
        ("water", "#0000ff", [1]),
        ("developed area", "#ff0000", [2]),
        ("tree", "#00c000", [3]),
        ("shrub", "#c8aa78", [4]),
        ("grass", "#00ff00", [5]),
        ("crop", "#ffff00", [6]),
        ("bare land", "#808080", [7]),
        ("snow", "#ffffff", [8]),
        ("wetland", "#00ffff", [9]),
        ("mangroves", "#ff00ff", [10]),
        ("moss", "#800080", [11]),
    ],
)

# WorldCover code -> ChatEarthNet index (the natural name mapping; FORMATS.md marks it inferred).
WORLDCOVER_TO_CHATEARTHNET = {10: 3, 20: 4, 30: 5, 40: 6, 50: 2, 60: 7, 70: 8, 80: 1, 90: 9, 95: 10, 100: 11}

# BigEarthNet's 19-class nomenclature over raw CORINE Land Cover level-3 codes (reference maps hold raw codes).
CORINE19 = _legend(
    "CORINE Land Cover (BigEarthNet 19 classes)",
    [
        ("Urban fabric", "#e6004d", [111, 112]),
        ("Industrial or commercial units", "#cc4df2", [121]),
        ("Arable land", "#ffffa8", [211, 212, 213]),
        ("Permanent crops", "#e68000", [221, 222, 223, 241]),
        ("Pastures", "#e6e64d", [231]),
        ("Complex cultivation patterns", "#ffe64d", [242]),
        (
            "Land principally occupied by agriculture, with significant areas of natural vegetation",
            "#e6cc4d",
            [243],
        ),
        ("Agro-forestry areas", "#f2cca6", [244]),
        ("Broad-leaved forest", "#80ff00", [311]),
        ("Coniferous forest", "#00a600", [312]),
        ("Mixed forest", "#4dff00", [313]),
        ("Natural grassland and sparsely vegetated areas", "#ccf24d", [321, 333]),
        ("Moors, heathland and sclerophyllous vegetation", "#a6ff80", [322, 323]),
        ("Transitional woodland, shrub", "#a6f200", [324]),
        ("Beaches, dunes, sands", "#e6e6e6", [331]),
        ("Inland wetlands", "#a6a6ff", [411, 412]),
        ("Coastal wetlands", "#ccccff", [421, 422]),
        ("Inland waters", "#80f2e6", [511, 512]),
        ("Marine waters", "#e6f2ff", [521, 522, 523]),
    ],
    nodata="#0a0a0a",
)

CORINE19_CLASSES = CORINE19.names

#: BigEarthNet v2.0's ten countries (FORMATS.md section 3), as its metadata and BigEarthNet.txt write them.
BIGEARTHNET_COUNTRIES = (
    "Austria",
    "Belgium",
    "Finland",
    "Ireland",
    "Kosovo",
    "Lithuania",
    "Luxembourg",
    "Portugal",
    "Serbia",
    "Switzerland",
)
#: The four seasons BigEarthNet.txt's season questions choose from, as it writes them.
BIGEARTHNET_SEASONS = ("Spring", "Summer", "Autumn", "Winter")

LEGENDS = {legend.name: legend for legend in (WORLDCOVER, CHATEARTHNET, CORINE19)}
