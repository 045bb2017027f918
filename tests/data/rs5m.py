"""Write a tiny RS5M folder in its released layouts (seeded).

* train/rs3-train-0000.tar: WebDataset shard, keys <key>.img_content / .img_name / .caption (the layout of its
  dataloader), 3 samples from fMoW, BigEarthNet and MillionAID with real-style names and captions;
* val/pub11-val-0000.tar: the older key layout <key>.input.image / .input.name / .input.caption, 2 samples;
* rs3_train_intermediate.csv: img_name, subset_name, country, month, latitude, longitude, utm; one row without
  a position, one image absent from the shards.

Run: python tests/data/rs5m.py OUTDIR
"""

from __future__ import annotations

import csv
import io
import sys
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image

SEED = 5
RS3 = [
    (
        "fmow_stadium_211_3_msrgb.jpg",
        "orbiting above Briarwood, United States during Summer, the sensor detected stadium at the center. "
        "noteworthy angles are target azimuth: 314.30? and off-nadir: 33.10?. this satellite image shows the campus",
    ),
    ("ben_12345.jpg", "a satellite view of farmland next to a forest"),
    ("millionaid_P0173410.jpg", "an aerial view of a baseball diamond"),
]
PUB11 = [
    ("cc3m_0001234.jpg", "aerial view of the harbour at sunset"),
    ("yfcc_98765.jpg", "satellite image of a river delta"),
]
METADATA = [
    ("fmow_stadium_211_3_msrgb.jpg", "fmow", "United States", "6", "40.7", "-73.8", "18T"),
    ("ben_12345.jpg", "ben", "Portugal", "8", "", "", "29S"),
    ("millionaid_P0173410.jpg", "millionaid", "", "", "", "", ""),
    ("fmow_airport_1_0_rgb.jpg", "fmow", "France", "3", "48.9", "2.3", "31U"),
]
IMAGE_SIZE = 32


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


def _jpeg(rng: np.random.Generator) -> bytes:
    buffer = io.BytesIO()
    pixels = rng.integers(0, 256, size=(IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    Image.fromarray(pixels, "RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def write_shard(path: Path, samples: list[tuple[str, str]], rng: np.random.Generator, old_keys: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    exts = (
        ("input.image", "input.name", "input.caption") if old_keys else ("img_content", "img_name", "caption")
    )
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
        for number, (name, caption) in enumerate(samples):
            key = f"{number:09d}"
            _add(tar, f"{key}.{exts[0]}", _jpeg(rng))
            _add(tar, f"{key}.{exts[1]}", name.encode())
            _add(tar, f"{key}.{exts[2]}", caption.encode())


def make(root: Path) -> Path:
    rng = np.random.default_rng(SEED)
    root = Path(root) / "RS5M"
    write_shard(root / "train" / "rs3-train-0000.tar", RS3, rng, old_keys=False)
    write_shard(root / "val" / "pub11-val-0000.tar", PUB11, rng, old_keys=True)
    with open(root / "rs3_train_intermediate.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["img_name", "subset_name", "country", "month", "latitude", "longitude", "utm"])
        writer.writerows(METADATA)
    return root


if __name__ == "__main__":
    print(make(Path(sys.argv[1])))
