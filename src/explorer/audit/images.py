"""Image defects, where a sample has imagery: placeholder, constant, very dark or very bright images, and
Sentinel-1 / Sentinel-2 pairs acquired too far apart (dates in the product names, no pixels needed).

Reflectance is read as 8-bit / 255 (ChatEarthNet PNGs), integer L2A digital numbers / 10,000, or float
reflectance as the BigEarthNet reader returns it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np

from . import corine_text as ct
from .rules import S1_S2_MAX_DAYS
from .verdicts import AGREE, DISPUTE, NOT_EVALUABLE, SAMPLE_LEVEL, VerdictRows

DARK_P99 = 0.02  # 99th percentile reflectance under 2 %: a black or nearly black image
BRIGHT_MEDIAN = 0.7  # median reflectance over 70 %: white, saturated or snow/cloud-covered
PLACEHOLDER_FLAG = "placeholder-image"


def text_or_none(value: Any) -> str | None:
    """Pandas gives NaN for a missing string; verdict tables want null."""
    return value if isinstance(value, str) else None


def sample_context(sample: Mapping[str, Any], dataset: str) -> dict[str, Any]:
    return {
        "dataset": dataset,
        "sample_id": sample["sample_id"],
        "ann_id": SAMPLE_LEVEL,
        "kind": "sample",
        "source": None,
        "split": text_or_none(sample.get("split")),
        "category": None,
        "country": text_or_none(sample.get("country")),
    }


def reflectance(values: np.ndarray) -> np.ndarray:
    """8-bit display values / 255, integer digital numbers / 10,000; floats are reflectance already."""
    values = np.asarray(values)
    if values.dtype == np.uint8:
        return values.astype(np.float32) / 255.0
    if np.issubdtype(values.dtype, np.integer):
        return values.astype(np.float32) / 10000.0
    return values.astype(np.float32, copy=False)


def check_image(
    context: Mapping[str, Any], pixels: np.ndarray | None, flags: list[str], out: VerdictRows
) -> None:
    """Verdicts on one sample's image; ``pixels`` (band, y, x) or None when it could not be read."""
    if pixels is None:
        out.add(context, "image-defect", "-", True, NOT_EVALUABLE, from_map="image not readable")
        return
    refl = reflectance(pixels)
    problems = []
    if PLACEHOLDER_FLAG in flags:
        problems.append("placeholder (flagged by the reader)")
    if float(refl.std()) == 0.0:
        problems.append("constant")
    p99 = float(np.percentile(refl, 99))
    median = float(np.median(refl))
    if p99 < DARK_P99:
        problems.append(f"very dark (99th percentile {p99:.3f})")
    if median > BRIGHT_MEDIAN:
        problems.append(f"very bright (median {median:.2f})")
    out.add(
        context,
        "image-defect",
        "reflectance",
        True,
        DISPUTE if problems else AGREE,
        from_map="; ".join(problems) or f"median {median:.3f}",
        score=median,
    )


def check_s1_s2_dates(
    context: Mapping[str, Any], s2_name: str | None, s1_name: str | None, out: VerdictRows
) -> None:
    if not isinstance(s1_name, str) or not s1_name:
        return
    s2, s1 = ct.acquisition_date(s2_name), ct.acquisition_date(s1_name)
    if s2 is None or s1 is None:
        out.not_evaluable(context, "s1-s2-date-gap", s1_name, "no date in a product name")
        return
    days = abs((date(*s2) - date(*s1)).days)
    for number, (variant, limit) in enumerate(S1_S2_MAX_DAYS):
        out.emit(
            context,
            "s1-s2-date-gap",
            variant,
            number == 0,
            DISPUTE if days > limit else AGREE,
            s1_name,
            f"{days} days apart",
            score=float(days),
        )
