"""Write a tiny ChatEarthNet folder with the released names, folders, dtypes and shapes (seeded).

Six samples: the four quadrants of tile 2815_4942 (Montevideo), one quadrant near Munich and one all-white
placeholder near Nairobi. Caption files for both versions (ChatGPT-3.5 and -4V); 4v_test is absent on purpose
(a missing file is allowed); one 4V caption is a list of strings; patch11 is in 35_test and 4v_val (-> val).
One WorldCover land-cover map is added under landcover/, as a user would.

Run: python tests/data/chatearthnet.py OUTDIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

SEED = 20240229
FOLDERS = ("s2_rgb_images/s2_images", "s2_band_5_6_7_images", "s2_band_8_11_12_images")
MONTEVIDEO = ["2815_4942_patch00", "2815_4942_patch01", "2815_4942_patch10", "2815_4942_patch11"]
MUNICH = "4359_2842_patch00"
PLACEHOLDER = "4933_4125_patch11"
SAMPLES = [*MONTEVIDEO, MUNICH, PLACEHOLDER]
LANDCOVER_SAMPLE = "2815_4942_patch00"

CAPTION_35 = (
    "This satellite image shows a {a} portion of developed area in the top left, while a {b} part of crop "
    "stretches across the bottom right. The middle of the image contains an extra small amount of tree."
)
CAPTION_4V = (
    "The image presents a coastal urban landscape. In the top left, developed area covers a large portion, "
    "interspersed with small fractions of grass. Toward the bottom right, water occupies a medium part, and "
    "the middle shows a mixture of tree and crop in small amounts."
)

# file stem suffix -> records (image name as released: '<name>.png')
CAPTIONS: dict[str, list[dict[str, object]]] = {
    "35_train": [
        {"image": "2815_4942_patch00.png", "caption": CAPTION_35.format(a="large", b="small")},
        {"image": "2815_4942_patch01.png", "caption": CAPTION_35.format(a="medium", b="medium")},
        {"image": f"{MUNICH}.png", "caption": CAPTION_35.format(a="small", b="large")},
    ],
    "35_val": [
        {"image": "2815_4942_patch10.png", "caption": CAPTION_35.format(a="extra small", b="large")},
        {"image": f"{PLACEHOLDER}.png", "caption": CAPTION_35.format(a="small", b="extra large")},
    ],
    "35_test": [
        {"image": "2815_4942_patch11.png", "caption": CAPTION_35.format(a="medium", b="small")},
    ],
    "4v_train": [
        {"image": "2815_4942_patch00.png", "caption": CAPTION_4V},
    ],
    "4v_val": [
        {"image": "2815_4942_patch11.png", "caption": [CAPTION_4V, CAPTION_4V.replace("large", "medium")]},
    ],
}
N_CAPTIONS = 9  # one per string: 3 + 2 + 1 + 1 + 2


def _image(rng: np.random.Generator, offset: int) -> np.ndarray:
    """A smooth field plus noise: looks like imagery, compresses like imagery."""
    y, x = np.mgrid[0:256, 0:256]
    base = 60 + 40 * np.sin((x + offset) / 23.0) + 30 * np.cos((y - offset) / 17.0)
    bands = [base + 25 * channel + rng.normal(0, 8, base.shape) for channel in range(3)]
    return np.clip(np.stack(bands, axis=-1), 0, 255).astype(np.uint8)


def make(root: Path) -> Path:
    rng = np.random.default_rng(SEED)
    dataset = Path(root) / "ChatEarthNet"
    for folder in FOLDERS:
        (dataset / folder).mkdir(parents=True, exist_ok=True)
    for index, name in enumerate(SAMPLES):
        for folder_index, folder in enumerate(FOLDERS):
            if name == PLACEHOLDER:
                pixels = np.full((256, 256, 3), 255, np.uint8)
            else:
                pixels = _image(rng, 37 * index + 11 * folder_index)
            Image.fromarray(pixels, "RGB").save(dataset / folder / f"{name}.png")

    json_dir = dataset / "json_files"
    json_dir.mkdir(exist_ok=True)
    for suffix, records in CAPTIONS.items():
        (json_dir / f"ChatEarthNet_caps_{suffix}.json").write_text(json.dumps(records, indent=1))

    # WorldCover codes, as a user would cut them from an ESA WorldCover tile.
    codes = rng.choice(np.array([10, 30, 40, 50, 80], np.uint8), size=(256, 256))
    codes[:64, :64] = 50
    (dataset / "landcover").mkdir(exist_ok=True)
    Image.fromarray(codes, "L").save(dataset / "landcover" / f"{LANDCOVER_SAMPLE}.png")
    return dataset


if __name__ == "__main__":
    print(make(Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
