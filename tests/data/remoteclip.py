"""Write a tiny RemoteCLIP folder in its released layout (seeded).

* csv_file/train/Ret-3_train.csv, csv_file/train/Det-10.csv, csv_file/test/Ret-3_test.csv: TAB-separated,
  header ``title<TAB>filename`` (caption first), dataset-prefixed file names, a caption with a comma and quotes;
* data/Ret-3_train.zip holding two of the images (the others are absent: no layer offered).

Run: python tests/data/remoteclip.py OUTDIR
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

SEED = 3
RET3_TRAIN = [
    ("Many planes are parked next to a long runway.", "rsitmd_airport_1.png"),
    ('Several buildings, some green trees and a "parking lot".', "rsicd_commercial_12.jpg"),
    ("There is a piece of farmland.", "ucm_agricultural00.tif"),
    ("Farmland with straight rows of crops.", "ucm_agricultural00.tif"),
]
DET10 = [
    ("There are 3 small vehicles in the image.", "dota_P0003_0004.png"),
    ("An airplane is at the top left of the image.", "dior_00012.jpg"),
]
RET3_TEST = [("A baseball field beside a road.", "rsitmd_baseballfield_7.png")]
IN_ZIP = ("rsitmd_airport_1.png", "rsicd_commercial_12.jpg")


def _csv(path: Path, rows: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["title\tfilename"] + [f"{title}\t{name}" for title, name in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def make(root: Path) -> Path:
    rng = np.random.default_rng(SEED)
    root = Path(root) / "RemoteCLIP"
    _csv(root / "csv_file" / "train" / "Ret-3_train.csv", RET3_TRAIN)
    _csv(root / "csv_file" / "train" / "Det-10.csv", DET10)
    _csv(root / "csv_file" / "test" / "Ret-3_test.csv", RET3_TEST)
    (root / "data").mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(root / "data" / "Ret-3_train.zip", "w") as archive:
        for name in IN_ZIP:
            buffer = io.BytesIO()
            pixels = rng.integers(0, 256, size=(24, 24, 3), dtype=np.uint8)
            Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
            archive.writestr(f"Ret-3_train/{name}", buffer.getvalue())
    return root


if __name__ == "__main__":
    print(make(Path(sys.argv[1])))
