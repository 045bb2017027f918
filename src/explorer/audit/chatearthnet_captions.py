"""ChatEarthNet captions against a land-cover map, by the rules of the prompts that wrote them.

From ``zhu-xlab/ChatEarthNet``, ``generate_description_chatgpt3_5_text.py`` (quoted):

* regions: ``"top left": image[:rows//2, :cols//2]``, ``"top right": image[:rows//2, cols//2:]``,
  ``"bottom left": image[rows//2:, :cols//2]``, ``"bottom right": image[rows//2:, cols//2:]``,
  ``"middle": image[rows//4:3*rows//4, cols//4:3*cols//4]``;
* ``Threshold = 20``: a class enters a region's list when ``counts[i]>=Threshold`` (background 0 dropped:
  ``patch = [it for it in patch if it!=0]``) and the whole-image list skips ``all_land_types[land_type]<Threshold``;
* ``out_idx = frequencies[:3, 0]``: at most three classes per region, most pixels first;
* shares are of the region's labelled pixels (``count_dict[dvalues[i]] = dcounts[i] / float(sumall)``) and
  binned by ``convert_percent_range(int(round(cdict[it],2)*100))``: 0-9 extra small, 10-19 small, 20-49
  medium, 50-79 large, 80-100 extra large.

The ChatGPT-4V script (``generate_description_chatgpt4v.py``) lists every class per region with its share to two
decimals (``f" {labels[unique[idx]]}: {proportions[idx]:.2f};"``, shares of ALL the region's pixels, background
included) and no 20-pixel threshold, so for 4V captions the bins are the audit's reading, not the prompt's. It
also gives, per class, a percentage per region: ``count_pixel_proportions`` = ``count / (128.*128.)``, written
``f" {patch_name}: {proportion:.2%} "`` for the "top left part" ... "middle part" (a quarter of a 256 x 256
map each, so again a share of all the region's pixels); its captions quote such figures ("covering roughly
62 % of the scene").

Rules (variants first = primary):

* ``class-mention`` (CHAIR-i per mention, CHAIR-s per caption): the named class is in the map (>= 1 px;
  >= 20 px as the prompt's whole-image list);
* ``negated-mention``: "no water" claims the class is absent (fewer than 20 px);
* ``class-in-region``: the class is in the region (>= 20 px, the prompt threshold; >= 1 px; among the
  prompt's three listed classes);
* ``proportion-word``: the word matches the bin of the class's share of the region (the authors' rounding;
  the exact percentage);
* ``percent-share``: a percentage claimed for a class ("45 % of the scene"; "in the top left, crop covers
  12.5 %") is within ``PERCENT_TOLERANCE`` percentage points of the class's share of the whole map, or of the
  region the sentence names: of all its pixels as the 4V prompt counts (primary), of its labelled pixels, or
  within 2 points (what copying the prompt's two-decimal figure allows, rounding included).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..legends import CHATEARTHNET, WORLDCOVER, WORLDCOVER_TO_CHATEARTHNET
from .mentions import Reading
from .verdicts import AGREE, DISPUTE, VerdictRows

THRESHOLD = 20
MAX_CLASSES = 3
NAMES = CHATEARTHNET.names  # index i + 1 in the map
BINS = ("extra small", "small", "medium", "large", "extra large")
#: a claimed percentage agrees within this many percentage points (captions round: "about 45 %")
PERCENT_TOLERANCE = 5.0
PERCENT_VARIANTS = (("all-pixels,+-5pp", False, PERCENT_TOLERANCE), ("labelled-pixels,+-5pp", True,
                    PERCENT_TOLERANCE), ("all-pixels,+-2pp", False, 2.0))  # fmt: skip
WHOLE = "whole image"


def chatearthnet_index(codes: np.ndarray, legend_name: str | None) -> np.ndarray:
    """A land-cover map (WorldCover codes or ChatEarthNet indices) -> ChatEarthNet indices, 0 = background."""
    codes = np.asarray(codes)
    if codes.ndim == 3:
        codes = codes[0]
    if legend_name == WORLDCOVER.name:
        lut = np.zeros(256, dtype=np.uint8)
        for code, index in WORLDCOVER_TO_CHATEARTHNET.items():
            lut[code] = index
        return lut[np.clip(codes, 0, 255).astype(np.uint8)]
    if legend_name == CHATEARTHNET.name:
        return np.where((codes >= 0) & (codes <= len(NAMES)), codes, 0).astype(np.uint8)
    raise ValueError(f"no ChatEarthNet reading of the legend {legend_name!r}")


def regions(index: np.ndarray) -> dict[str, np.ndarray]:
    rows, cols = index.shape
    return {
        "top left": index[: rows // 2, : cols // 2],
        "top right": index[: rows // 2, cols // 2 :],
        "bottom left": index[rows // 2 :, : cols // 2],
        "bottom right": index[rows // 2 :, cols // 2 :],
        "middle": index[rows // 4 : 3 * rows // 4, cols // 4 : 3 * cols // 4],
    }


def authors_bin(share: float) -> str:
    """``convert_percent_range(int(round(share, 2) * 100))``, float quirks included."""
    percent = int(round(share, 2) * 100)
    return BINS[
        0 if percent <= 9 else 1 if percent <= 19 else 2 if percent <= 49 else 3 if percent <= 79 else 4
    ]


def exact_bin(share: float) -> str:
    percent = 100 * share
    return BINS[0 if percent < 10 else 1 if percent < 20 else 2 if percent < 50 else 3 if percent < 80 else 4]


class LandCoverFacts:
    """Pixel counts of the whole map and of each region (ChatEarthNet classes; background excluded)."""

    def __init__(self, index: np.ndarray) -> None:
        size = len(NAMES) + 1
        self.counts = np.bincount(index.ravel(), minlength=size)[1:]
        parts = regions(index)
        self.region_counts = {r: np.bincount(p.ravel(), minlength=size)[1:] for r, p in parts.items()}
        self.pixels = {r: int(p.size) for r, p in parts.items()}  # background included
        self.region_counts[WHOLE] = self.counts
        self.pixels[WHOLE] = int(index.size)

    def count(self, cls: str) -> int:
        return int(self.counts[NAMES.index(cls)])

    def region_count(self, region: str, cls: str) -> int:
        return int(self.region_counts[region][NAMES.index(cls)])

    def listed(self, region: str) -> list[str]:
        counts = self.region_counts[region]
        order = [i for i in np.argsort(-counts, kind="stable") if counts[i] >= THRESHOLD][:MAX_CLASSES]
        return [NAMES[i] for i in order]

    def share(self, region: str, cls: str) -> float:
        counts = self.region_counts[region]
        return float(counts[NAMES.index(cls)] / max(int(counts.sum()), 1))

    def share_of_all(self, region: str, cls: str) -> float:
        """Share of every pixel of the region (background too), as the 4V prompt's figures."""
        return float(self.region_counts[region][NAMES.index(cls)] / max(self.pixels[region], 1))


def _ok(value: bool) -> str:
    return AGREE if value else DISPUTE


def check_caption(
    row: Mapping[str, Any], reading: Reading, facts: LandCoverFacts | None, out: VerdictRows
) -> None:
    """Verdicts of one caption's mentions; without a map every claim is not evaluable."""
    for m in reading.mentions:
        span = {"field": "output", "span_start": m.start, "span_end": m.end, "class_name": m.cls}
        if facts is None:
            out.not_evaluable(row, "class-mention", m.cls, "no land-cover map", **span)
            continue
        n = facts.count(m.cls)
        for number, (variant, threshold) in enumerate(((">=1px", 1), (">=20px", THRESHOLD))):
            out.add(
                row,
                "class-mention",
                variant,
                number == 0,
                _ok(n >= threshold),
                released=m.cls,
                from_map=f"{n} px in the map",
                **span,
            )
        if m.region is None:
            continue
        in_region = facts.region_count(m.region, m.cls)
        listed = facts.listed(m.region)
        claim = f"{m.cls} in the {m.region}"
        for number, (variant, ok) in enumerate(
            (
                (">=20px", in_region >= THRESHOLD),
                (">=1px", in_region >= 1),
                ("prompt-listed", m.cls in listed),
            )
        ):
            out.add(
                row,
                "class-in-region",
                variant,
                number == 0,
                _ok(ok),
                released=claim,
                from_map=f"{in_region} px; listed: {', '.join(listed) or 'none'}",
                **span,
            )
        if m.size in BINS:
            share = facts.share(m.region, m.cls)
            size_span = {**span, "span_start": m.size_start, "span_end": m.size_end}
            for number, (variant, binned) in enumerate(
                (("authors-rounding", authors_bin(share)), ("exact-percent", exact_bin(share)))
            ):
                out.add(
                    row,
                    "proportion-word",
                    variant,
                    number == 0,
                    _ok(binned == m.size),
                    released=m.size,
                    from_map=f"{binned} ({100 * share:.1f} % of the {m.region})",
                    score=share,
                    **size_span,
                )
    for percent in reading.percents:
        where = percent.region or WHOLE
        span = {
            "field": "output",
            "span_start": percent.start,
            "span_end": percent.end,
            "class_name": percent.cls,
        }
        released = f"{percent.value:g} % {percent.cls} in the {where}"
        if facts is None:
            out.not_evaluable(row, "percent-share", released, "no land-cover map", **span)
            continue
        of_all, of_labelled = (
            100 * facts.share_of_all(where, percent.cls),
            100 * facts.share(where, percent.cls),
        )
        for number, (variant, labelled, tolerance) in enumerate(PERCENT_VARIANTS):
            share = of_labelled if labelled else of_all
            out.add(
                row,
                "percent-share",
                variant,
                number == 0,
                _ok(abs(share - percent.value) <= tolerance),
                released=released,
                from_map=f"{of_all:.1f} % of all pixels, {of_labelled:.1f} % of the labelled pixels of the {where}",
                score=share / 100,
                **span,
            )
    for cls, start, end in reading.negated:
        span = {"field": "output", "span_start": start, "span_end": end, "class_name": cls}
        if facts is None:
            out.not_evaluable(row, "negated-mention", f"no {cls}", "no land-cover map", **span)
            continue
        n = facts.count(cls)
        out.add(
            row,
            "negated-mention",
            "<20px",
            True,
            _ok(n < THRESHOLD),
            released=f"no {cls}",
            from_map=f"{n} px in the map",
            **span,
        )
