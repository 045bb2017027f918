"""The rules the audit uses, stated once, with the variants it tries where the generators' rules are unpublished.

BigEarthNet.txt's generator is not published. For every rule the audit states the choice it makes and, where
a reasonable author could have chosen otherwise, evaluates each variant so the data can say which one its
authors used (``summary.variant_agreement``). The ``primary`` variant (first of each tuple) is the one the
per-sample counts and rankings use; it is the convention of the explorer's own synthetic generator
(``explorer.demo.instructions``), not a claim about the real generator.

ChatEarthNet's prompts are public (``zhu-xlab/ChatEarthNet``, ``generate_description_chatgpt3_5_text.py``);
quoted where used, in ``chatearthnet_captions``.
"""

from __future__ import annotations

#: BigEarthNet reference maps: 120 x 120 px of 10 m (FORMATS.md section 3), so one pixel is 100 square metres.
PIXEL_SIZE_M = 10.0
PIXEL_AREA_SQM = PIXEL_SIZE_M * PIXEL_SIZE_M

#: "separate regions", "largest connected region", "instance at <point>": connected components of one class.
CONNECTIVITY: tuple[tuple[str, int], ...] = (("8-connected", 8), ("4-connected", 4))

#: "X lies next to Y": two classes touch across a pixel edge (4-neighbour) or also across a corner (8-neighbour).
ADJACENCY: tuple[tuple[str, int], ...] = (("edge-neighbours", 4), ("edge+corner-neighbours", 8))

#: a class is "present" from this many pixels on (1 % of a 120 x 120 patch is 144 px).
PRESENCE: tuple[tuple[str, int], ...] = ((">=1px", 1), (">=1%", 144))

#: image axes -> compass: (sign of east along +column, sign of south along +row). Reference maps are north-up
#: UTM grids, so east = +column and south = +row; the others catch a mirrored or flipped generator.
AXES: tuple[tuple[str, tuple[int, int]], ...] = (
    ("east=+x,south=+y", (1, 1)),
    ("east=+x,south=-y", (1, -1)),
    ("east=-x,south=+y", (-1, 1)),
)

#: "covers more than k % of the image": share of the labelled pixels, or of all 14,400 pixels.
AREA_BASE: tuple[str, ...] = ("of-labelled-pixels", "of-all-pixels")

#: caption areas "~708,000 sqm": rounded to the nearest 1,000 sqm (+-500), or within 5 %.
AREA_TOLERANCE: tuple[tuple[str, str], ...] = (("round-to-1000sqm", "abs"), ("within-5%", "rel"))

#: a re-computed box agrees with the released one from this IoU on.
BOX_IOU_AGREE = 0.5
#: released boxes are written with two decimals: edges this close (plus one pixel) agree whatever the IoU.
BOX_PRECISION = 0.01

#: season of the acquisition: as the row's metadata says, or re-derived from the Sentinel-2 date in the patch
#: name (meteorological seasons: DJF winter, MAM spring, JJA summer, SON autumn).
SEASON_SOURCE: tuple[str, ...] = ("metadata", "acquisition-month")

#: Sentinel-1 / Sentinel-2 pairs acquired more than this many days apart are flagged.
S1_S2_MAX_DAYS: tuple[tuple[str, int], ...] = ((">3-days", 3), (">1-day", 1), (">10-days", 10))
