"""BigEarthNet.txt referring expressions: the named region's box re-computed from the map, IoU with the released.

* reference: ``<ref>largest connected region of X</ref>``: the largest connected component of class X;
* point: ``the land cover class instance at <point>(x, y)</point>``: the component of whatever class covers
  the pixel under the point (column ``floor(x * W)``, row ``floor(y * H)``).

Boxes are pixel-edge extents normalised by the map size (origin top-left, y down: FORMATS.md section 5). A
verdict agrees from IoU ``rules.BOX_IOU_AGREE``, or when every edge is within the released strings' precision
(0.01) plus one pixel (a 1-pixel region's box cannot reach IoU 0.5 once rounded to two decimals); the IoU and the re-computed box are stored for a view to draw
next to the released one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from . import corine_text as ct
from .corine_map import NAMES, CorineMap, box_iou
from .rules import BOX_IOU_AGREE, BOX_PRECISION, CONNECTIVITY
from .verdicts import AGREE, DISPUTE, VerdictRows


def _released_box(row: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    values = [row.get(f"bbox_{k}") for k in ("x0", "y0", "x1", "y1")]
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
        return None
    return (float(values[0]), float(values[1]), float(values[2]), float(values[3]))  # type: ignore[arg-type]


def _fmt(box: tuple[float, float, float, float]) -> str:
    return f"[{box[0]:.2f} {box[1]:.2f}, {box[2]:.2f} {box[3]:.2f}]"


def check_box(row: Mapping[str, Any], cmap: CorineMap | None, out: VerdictRows) -> None:
    if row.get("kind") != "refexp":
        return
    category = row.get("category")
    rule = "box-point" if category == "point" or row.get("point_x") is not None else "box-reference"
    text = row.get("input") or ""
    ref = row.get("ref") or ""
    start = text.find(ref) if ref else -1
    span_start, span_end = start, (start + len(ref) if start >= 0 else -1)
    span = {"field": "input", "span_start": span_start, "span_end": span_end}
    released = _released_box(row)

    def not_evaluable(reason: str, class_name: str | None = None) -> None:
        out.not_evaluable(row, rule, row.get("output"), reason, class_name=class_name, **span)

    if released is None:
        return not_evaluable("the released box did not parse")
    if cmap is None:
        return not_evaluable("no reference map")
    height, width = cmap.shape
    if rule == "box-reference":
        classes = {c for c, _, _ in ct.find_classes(ref)}
        if len(classes) != 1:
            return not_evaluable(f"expected one class of the legend in the reference, found {len(classes)}")
        if "largest" not in ref.lower():
            return not_evaluable("reference of an unknown form (only 'largest connected region of X')")
        cls = classes.pop()
        if not cmap.count_of[cls]:
            return not_evaluable("the class is absent from the map", NAMES[cls])
        pick = None
    else:
        x, y = row.get("point_x"), row.get("point_y")
        if x is None or y is None:
            return not_evaluable("the point did not parse")
        col, r = min(int(float(x) * width), width - 1), min(int(float(y) * height), height - 1)
        cls = int(cmap.index[r, col])
        if cls < 0:
            return not_evaluable("the point lies on an unlabelled pixel")
        pick = (r, col)
    said = _fmt(released)
    slack = BOX_PRECISION + 1.0 / min(width, height)
    for number, (variant, connectivity) in enumerate(CONNECTIVITY):
        box = cmap.box_of(cls, connectivity, pick)
        iou = box_iou(released, box)
        within = max(abs(a - b) for a, b in zip(released, box, strict=True)) <= slack
        out.emit(
            row,
            rule,
            variant,
            number == 0,
            AGREE if iou >= BOX_IOU_AGREE or within else DISPUTE,
            said,
            f"{_fmt(box)} IoU {iou:.2f}",
            NAMES[cls],
            "input",
            span_start,
            span_end,
            iou,
            box,
        )
    return None
