"""One colour per dataset NAME, used by the map, the statistics panels, the figures and their legends, so a
dataset looks the same wherever it is drawn (not by load order: the same name gets the same colour in every
session, notebook and file)."""

from __future__ import annotations

import hashlib

__all__ = ["KNOWN_COLORS", "PALETTE", "dataset_color", "dataset_colors"]

# Okabe-Ito (colour-blind safe), then Tol's muted set for further datasets.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499",
)  # fmt: skip
# Known datasets keep fixed colours, whatever order they are loaded in (matched on the lower-cased name).
KNOWN_COLORS = {
    "chatearthnet": PALETTE[0],
    "bigearthnet": PALETTE[1],
    "ucm": PALETTE[2],
    "sydney": PALETTE[3],
    "rsicd": PALETTE[4],
    "nwpu": PALETTE[5],
    "rsicap": PALETTE[6],
    "geochat": PALETTE[7],
}


def dataset_color(name: str) -> str:
    """The colour of a dataset: fixed for the known ones, else stable from a hash of the name."""
    key = name.lower()
    for known, color in KNOWN_COLORS.items():
        if known in key:
            return color
    digest = int(hashlib.md5(key.encode()).hexdigest(), 16)
    return PALETTE[8 + digest % (len(PALETTE) - 8)]


def dataset_colors(names: list[str]) -> dict[str, str]:
    """name -> colour for several datasets (a colour map for HoloViews/Bokeh legends)."""
    return {name: dataset_color(name) for name in names}
