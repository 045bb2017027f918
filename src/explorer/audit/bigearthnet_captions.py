"""BigEarthNet.txt captions against the map and the metadata.

Checked, each with the character span of the claim in the caption:

* ``caption-class``: every class the caption names is present in the map (``rules.PRESENCE``);
* ``caption-area``: "Arable land (~708,000 sqm)": pixels x 100 sqm (10 m pixels), rounded (``AREA_TOLERANCE``);
* ``caption-most-prominent``: "X (...) is the most prominent feature": X has the most pixels;
* ``caption-country`` / ``caption-season``: "captured in <country> during <season>" against the metadata.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from . import corine_text as ct
from .corine_map import NAMES, CorineMap
from .rules import AREA_TOLERANCE, PIXEL_AREA_SQM, PRESENCE
from .verdicts import AGREE, DISPUTE, VerdictRows

_AREA_AFTER = re.compile(r"\s*\(\s*~?\s*(\d[\d,]*)\s*(?:sqm|m2|m²)\s*\)", re.I)
_PROMINENT = re.compile(r"^[^.]*?\)?\s*(?:is|are) the (?:most prominent|dominant|predominant)", re.I)
_PROMINENT_WORDS = re.compile(r"dominant|most prominent", re.I)  # what _PROMINENT cannot match without
_CAPTURED = re.compile(r"captured in ([A-Z][a-z]+) during (\w+)")
_SENTENCE = re.compile(r"[^.]+\.?")


def _names_prominent(text: str) -> bool:
    """Whether ``text`` holds the words ``_PROMINENT`` needs, looked for first: that pattern's case-blind
    scan costs ~40 us per sentence (~6 % of the tasks), a substring test of a lower-cased ASCII text ~0.5 us.
    Case-blind matching of non-ASCII text ("ſ" matches "s") goes through the regex engine, as before."""
    if text.isascii():
        lowered = text.lower()
        return "dominant" in lowered or "most prominent" in lowered
    return _PROMINENT_WORDS.search(text) is not None


def _agree(ok: bool) -> str:
    return AGREE if ok else DISPUTE


def check_caption(
    row: Mapping[str, Any], cmap: CorineMap | None, meta: Mapping[str, Any], out: VerdictRows
) -> None:
    if row.get("kind") != "caption":
        return
    text = row.get("output") or ""
    mentions = ct.find_classes(text)
    captured = _CAPTURED.search(text)
    if captured:
        for rule, group, truth in (
            ("caption-country", 1, meta.get("country")),
            ("caption-season", 2, (meta.get("season") or "").lower() or None),
        ):
            said = captured.group(group)
            span = {"field": "output", "span_start": captured.start(group), "span_end": captured.end(group)}
            if truth is None:
                out.not_evaluable(row, rule, said, "not in the metadata", "metadata", **span)
            else:
                out.add(
                    row,
                    rule,
                    "metadata",
                    True,
                    _agree(said.lower() == str(truth).lower()),
                    released=said,
                    from_map=str(truth),
                    **span,
                )
    for cls, start, end in mentions:
        name = NAMES[cls]
        span = {"field": "output", "span_start": start, "span_end": end, "class_name": name}
        if cmap is None:
            out.not_evaluable(row, "caption-class", name, "no reference map", **span)
            continue
        pixels = f"{cmap.count_of[cls]} px"
        for number, (variant, threshold) in enumerate(PRESENCE):
            ok = cmap.present(cls, threshold)
            out.emit(
                row,
                "caption-class",
                variant,
                number == 0,
                _agree(ok),
                name,
                pixels,
                name,
                "output",
                start,
                end,
            )
        area = _AREA_AFTER.match(text, end)
        if area:
            said = float(area.group(1).replace(",", ""))
            truth = float(cmap.count_of[cls] * PIXEL_AREA_SQM)
            area_start, area_end = area.span(1)
            said_sqm, truth_sqm = f"{said:,.0f} sqm", f"{truth:,.0f} sqm"
            for number, (variant, kind) in enumerate(AREA_TOLERANCE):
                ok = (
                    abs(said - truth) <= 500 if kind == "abs" else abs(said - truth) <= 0.05 * max(truth, 1.0)
                )
                out.emit(
                    row,
                    "caption-area",
                    variant,
                    number == 0,
                    _agree(ok),
                    said_sqm,
                    truth_sqm,
                    name,
                    "output",
                    area_start,
                    area_end,
                    truth,
                )
    for sentence in _SENTENCE.finditer(text) if _names_prominent(text) else ():
        if not (_names_prominent(sentence.group(0)) and _PROMINENT.match(sentence.group(0).strip())):
            continue
        named = ct.find_classes(sentence.group(0))
        if not named:
            continue
        cls, start, end = named[0]
        span = {
            "field": "output",
            "span_start": sentence.start() + start,
            "span_end": sentence.start() + end,
            "class_name": NAMES[cls],
        }
        if cmap is None:
            out.not_evaluable(row, "caption-most-prominent", NAMES[cls], "no reference map", **span)
            continue
        top = int(cmap.counts.argmax())
        out.add(
            row,
            "caption-most-prominent",
            "pixel-count",
            True,
            _agree(cmap.count_of[cls] == cmap.count_of[top]),
            released=NAMES[cls],
            from_map=NAMES[top],
            **span,
        )
