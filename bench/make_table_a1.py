"""Full-size inputs in the SkyScript and RS5M released layouts (seeded), for ``bench_table_a1.py``.

    python bench/make_table_a1.py OUT [--skyscript-rows 5200000] [--rs5m-shards 32] [--rs5m-per-shard 2000]

* ``OUT/skyscript-fullsize/dataframe/SkyScript_train_unfiltered_5M.csv``: the caption CSV with its real columns
  ``filepath,title,title_multi_objects`` and OSM-style captions; the rows come in a shuffled order across
  ``images2 ... images7`` and sensors (not sorted by file name), as a real file would not be.
* ``OUT/rs5m-fullsize/train/{rs3,pub11}-train-NNNN.tar``: WebDataset shards (``<key>.img_content``,
  ``.img_name``, ``.caption``), 16 shards per family, each sample a small real JPEG.

No images or metadata pickles for SkyScript (5.2 M files would measure the file system, not the reader).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

SEED = 2024
SENSORS = ["US", "US", "US", "S2", "L8", "L9", "DE", "FI", "CH", "ES", "P3", "P5"]
OBJECTS = [
    "a bus stop", "farmland", "a swimming pool", "a parking lot", "a wind turbine", "a river", "a bridge",
    "a forest", "a football pitch", "a railway", "a church", "a lake", "an airport", "a warehouse", "a school",
]  # fmt: skip
RS3_PREFIXES = ["fmow_stadium_{n}_3_msrgb", "ben_{n}", "millionaid_P{n:07d}"]
PUB11_PREFIXES = ["cc3m_{n:07d}", "yfcc_{n}", "laion_{n}"]


def make_skyscript(out: Path, rows: int, rng: np.random.Generator) -> Path:
    folder = out / "skyscript-fullsize" / "dataframe"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "SkyScript_train_unfiltered_5M.csv"
    order = rng.permutation(rows)  # the file is not sorted by name
    chunk = 500_000
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["filepath", "title", "title_multi_objects"])
        for start in range(0, rows, chunk):
            ids = order[start : start + chunk]
            folders = 2 + ids % 6
            kinds = np.array(["a", "w", "n"])[ids % 3]
            sensors = np.array(SENSORS)[ids % len(SENSORS)]
            years = 16 + ids % 7
            focus = np.array(OBJECTS)[ids % len(OBJECTS)]
            near = np.array(OBJECTS)[(ids // 7) % len(OBJECTS)]
            writer.writerows(
                (f"images{f}/{k}{1_000_000_000 + i}_{s}_{y}.jpg", t, f"{t}, next to {m}")
                for f, k, i, s, y, t, m in zip(folders, kinds, ids, sensors, years, focus, near, strict=True)
            )
    return path.parent.parent


def _jpeg(rng: np.random.Generator) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8), "RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def make_rs5m(out: Path, shards: int, per_shard: int, rng: np.random.Generator) -> Path:
    root = out / "rs5m-fullsize"
    folder = root / "train"
    folder.mkdir(parents=True, exist_ok=True)
    images = [_jpeg(rng) for _ in range(64)]
    number = 0
    for shard in range(shards):
        family = "rs3" if shard % 2 == 0 else "pub11"
        prefixes = RS3_PREFIXES if family == "rs3" else PUB11_PREFIXES
        with tarfile.open(
            folder / f"{family}-train-{shard // 2:04d}.tar", "w", format=tarfile.GNU_FORMAT
        ) as tar:
            for k in range(per_shard):
                name = prefixes[k % 3].format(n=number) + ".jpg"
                caption = f"a satellite view of {OBJECTS[number % len(OBJECTS)]} in sample {number}".encode()
                for ext, data in (
                    ("img_content", images[number % 64]),
                    ("img_name", name.encode()),
                    ("caption", caption),
                ):
                    info = tarfile.TarInfo(f"{number:09d}.{ext}")
                    info.size, info.mtime = len(data), 0
                    tar.addfile(info, io.BytesIO(data))
                number += 1
    return root


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--skyscript-rows", type=int, default=5_200_000)
    parser.add_argument("--rs5m-shards", type=int, default=32)
    parser.add_argument("--rs5m-per-shard", type=int, default=2_000)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    print(
        make_skyscript(args.out, args.skyscript_rows, rng),
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    started = time.perf_counter()
    print(
        make_rs5m(args.out, args.rs5m_shards, args.rs5m_per_shard, rng),
        f"{time.perf_counter() - started:.0f} s",
    )


if __name__ == "__main__":
    sys.exit(main())
