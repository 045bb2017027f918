"""Write a tiny SkyScript folder in its released layout (seeded).

* dataframe/SkyScript_train_unfiltered_5M.csv: 4 rows, columns filepath,title,title_multi_objects (real order);
  dataframe/SkyScript_train_top30pct_filtered_by_CLIP_openai.csv: a subset of it (must be skipped);
  dataframe/SkyScript_val_5K_filtered_by_CLIP_openai_language_polished.csv: 2 rows with an extra column.
* images2/, images4/: JPEGs named {a|w|n}<OSM id>_<SRC>_<YY>.jpg; meta2/, meta4/: one plain pickle per image
  with box, time, center_tags, surrounding_tags; one image has no pickle, one pickle is malicious (its
  __reduce__ would run ``touch <marker>``) and must be refused.

Run: python tests/data/skyscript.py OUTDIR
"""

from __future__ import annotations

import csv
import os
import pickle
import sys
from pathlib import Path

import numpy as np
from PIL import Image

SEED = 11
TRAIN = [
    ("images2/n8454739999_US_21.jpg", "a bus stop", "a bus stop next to a residential road"),
    ("images2/w123456789_S2_19.jpg", "farmland", "farmland, with a river and a forest nearby"),
    ("images4/n2691981237_US_19.jpg", "a swimming pool", "a swimming pool, a house, a driveway"),
    ("images4/a987654321_L8_20.jpg", 'a lake, with "quotes", and commas', "a lake"),
]
VAL = [
    ("images2/w555_DE_18.jpg", "a parking lot", "a parking lot near shops", "A parking lot beside shops."),
    (
        "images4/n777_P3_22.jpg",
        "a wind turbine",
        "a wind turbine in a field",
        "A wind turbine stands in a field.",
    ),
]
META = {
    "n8454739999_US_21": {
        "box": (-122.42, 37.77, -122.41, 37.78),
        "time": (2021, 6, 14, 10, 30),
        "center_tags": {"highway": "bus_stop", "name": "Main St"},
        "surrounding_tags": [{"highway": "residential"}],
    },
    "w123456789_S2_19": {
        "box": (10.0, 48.0, 10.1, 48.1),
        "time": (2019, 8, 2, 10, 0),
        "center_tags": {"landuse": "farmland"},
        "surrounding_tags": [{"waterway": "river"}, {"landuse": "forest"}],
    },
    "n2691981237_US_19": {
        "box": [-80.2, 25.7, -80.19, 25.71],
        "time": (2019, 1, 5, 9, 0),
        "center_tags": {"leisure": "swimming_pool"},
        "surrounding_tags": [],
        "related": {1, 2},  # a set: reached through builtins.set in older protocols, allowed
    },
    "w555_DE_18": {
        "box": (8.5, 50.0, 8.51, 50.01),
        "time": (2018, 4, 20, 11, 15),
        "center_tags": {"amenity": "parking"},
        "surrounding_tags": [{"shop": "supermarket"}],
    },
}
# a987654321_L8_20 has no pickle; n777_P3_22 gets the malicious one.
MALICIOUS = "n777_P3_22"
MARKER = "PWNED_BY_PICKLE"


class Exploit:
    """Pickles to ``os.system('touch <marker>')``: unpickling it with pickle.load would create the marker."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def _write_csv(path: Path, header: list[str], rows: list[tuple[str, ...]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)  # real files: comma-separated, minimal quoting
        writer.writerow(header)
        writer.writerows(rows)


def make(root: Path) -> Path:
    rng = np.random.default_rng(SEED)
    root = Path(root) / "SkyScript"
    (root / "dataframe").mkdir(parents=True, exist_ok=True)
    _write_csv(
        root / "dataframe" / "SkyScript_train_unfiltered_5M.csv",
        ["filepath", "title", "title_multi_objects"],
        TRAIN,
    )
    _write_csv(
        root / "dataframe" / "SkyScript_train_top30pct_filtered_by_CLIP_openai.csv",
        ["filepath", "title", "title_multi_objects"],
        TRAIN[:2],
    )
    _write_csv(
        root / "dataframe" / "SkyScript_val_5K_filtered_by_CLIP_openai_language_polished.csv",
        ["filepath", "title", "title_multi_objects", "polished_caption"],
        VAL,
    )
    for filepath, *_ in TRAIN + VAL:
        image = root / filepath
        image.parent.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
        Image.fromarray(pixels, "RGB").save(image, quality=90)
        stem = image.stem
        meta = root / ("meta" + image.parent.name[len("images") :])
        meta.mkdir(exist_ok=True)
        if stem in META:
            (meta / f"{stem}.pickle").write_bytes(pickle.dumps(META[stem], protocol=2))
        elif stem == MALICIOUS:
            (meta / f"{stem}.pickle").write_bytes(pickle.dumps(Exploit(root / MARKER)))
    return root


if __name__ == "__main__":
    print(make(Path(sys.argv[1])))
