"""Box syntaxes written inside instruction/answer text, parsed into ``(x0, y0, x1, y1, angle)`` tuples.

Every box is returned normalised to 0-1 (origin top-left, y down) as the corners of the UNROTATED box plus its
rotation in degrees about the box centre (``None`` when the text has no angle), the model's ``BOX_TYPE``.

* GeoChat (FORMATS.md section 7, [third-party]): ``{<x1><y1><x2><y2>|<angle>}``, corners in integers 0-100, the
  ``|<angle>`` part optional; several boxes follow each other or are joined by ``<delim>``.
* FIT-RS (section 7, [confirmed, its data tools]): ``{<cx><cy><w><h>|<angle>}``, centre and size in 0-100 with
  two decimals, the angle in integer degrees; several boxes grouped as ``<rbox>({...}, {...})</rbox>``.

The sign of the angle (clockwise in the y-down image frame) is [inferred] from the OpenCV/DOTA convention both
projects build on; the viewers draw it that way.
"""

from __future__ import annotations

import re

Box = tuple[float, float, float, float, "float | None"]

_NUMBER = r"(-?\d+(?:\.\d+)?)"
BOX = re.compile(r"\{<" + r"><".join([_NUMBER] * 4) + r">(?:\|<" + _NUMBER + r">)?\}")


def corner_boxes(text: str | None) -> list[Box]:
    """Every GeoChat box in ``text``: corners (x1, y1, x2, y2) in 0-100."""
    if not text or "{<" not in text:
        return []
    boxes: list[Box] = []
    for match in BOX.finditer(text):
        x0, y0, x1, y1 = (float(v) / 100.0 for v in match.groups()[:4])
        angle = match.group(5)
        boxes.append((x0, y0, x1, y1, float(angle) if angle is not None else None))
    return boxes


def centre_boxes(text: str | None) -> list[Box]:
    """Every FIT-RS box in ``text``: centre and size (cx, cy, w, h) in 0-100, rotated by ``angle`` degrees."""
    if not text or "{<" not in text:
        return []
    boxes: list[Box] = []
    for match in BOX.finditer(text):
        cx, cy, w, h = (float(v) / 100.0 for v in match.groups()[:4])
        angle = match.group(5)
        boxes.append(
            (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, float(angle) if angle is not None else None)
        )
    return boxes
