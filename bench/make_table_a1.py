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


def make_rs5m_list(out: Path, rows: int, rng: np.random.Generator) -> Path:
    """RS5M's released caption-list layout at full size: ``OUT/rs5m-list/rs3_dump.csv`` (``name,caption``, as
    the real ``rs3_dump.csv``) with ``rows`` rows from the ben / fmow / millionaid subsets, and
    ``rs3_train_intermediate.csv`` (img_name, subset_name, country, month, latitude, longitude, utm) giving a
    position to the fMoW and BigEarthNet rows (two in three), as the third-party metadata does.

    5 M shard samples would take ~15 GB of tar blocks (3 headers + 3 data blocks each); this layout holds the
    same 5 M samples and captions in ~0.6 GB.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    root = out / "rs5m-list"
    root.mkdir(parents=True, exist_ok=True)
    chunk = 1_000_000
    countries = np.array(["United States", "France", "Portugal", "Brazil", "China", "Kenya", "India"])
    boxes = np.array([[25, 49, -125, -67], [43, 51, -5, 8], [37, 42, -9, -6], [-33, 5, -74, -35],
                      [22, 45, 80, 122], [-4, 4, 34, 41], [8, 32, 68, 90]])  # fmt: skip
    for name, write in (("rs3_dump.csv", "captions"), ("rs3_train_intermediate.csv", "metadata")):
        with pacsv.CSVWriter(
            root / name,
            pa.schema([("name", pa.string()), ("caption", pa.string())])
            if write == "captions"
            else pa.schema([(c, pa.string()) for c in
                            ("img_name", "subset_name", "country", "month", "latitude", "longitude", "utm")]),
        ) as writer:  # fmt: skip
            for start in range(0, rows, chunk):
                n = np.arange(start, min(rows, start + chunk))
                kind = n % 3  # 0 fmow, 1 ben, 2 millionaid
                names = np.where(
                    kind == 0,
                    np.char.add(np.char.add("fmow_stadium_", n.astype(str)), "_3_msrgb.jpg"),
                    np.where(
                        kind == 1,
                        np.char.add(np.char.add("ben_", n.astype(str)), ".jpg"),
                        np.char.add(np.char.add("millionaid_P", np.char.zfill(n.astype(str), 7)), ".jpg"),
                    ),
                )
                if write == "captions":
                    caption = np.char.add(
                        np.char.add("a satellite view of ", np.array(OBJECTS)[n % len(OBJECTS)]),
                        np.char.add(" next to ", np.array(OBJECTS)[(n // 7) % len(OBJECTS)]),
                    )
                    writer.write_table(pa.table({"name": names, "caption": caption}))
                    continue
                keep = kind != 2
                place = (n % len(countries))[keep]
                lat = rng.uniform(boxes[place, 0], boxes[place, 1]).round(4)
                lon = rng.uniform(boxes[place, 2], boxes[place, 3]).round(4)
                subset = np.array(["fmow", "ben", "millionaid"])[kind[keep]]
                table = pa.table({
                    "img_name": names[keep], "subset_name": subset, "country": countries[place],
                    "month": (1 + n[keep] % 12).astype(str), "latitude": lat.astype(str),
                    "longitude": lon.astype(str), "utm": np.full(int(keep.sum()), "33T"),
                })  # fmt: skip
                writer.write_table(table)
    return root


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--skyscript-rows", type=int, default=5_200_000)
    parser.add_argument("--rs5m-shards", type=int, default=32)
    parser.add_argument("--rs5m-per-shard", type=int, default=2_000)
    parser.add_argument(
        "--rs5m-list-rows", type=int, default=0, help="also an RS5M caption list + metadata of this many rows"
    )
    parser.add_argument("--only-rs5m-list", action="store_true", help="write the RS5M caption list only")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(SEED)
    if args.rs5m_list_rows:
        started = time.perf_counter()
        print(make_rs5m_list(args.out, args.rs5m_list_rows, rng), f"{time.perf_counter() - started:.0f} s")
        if args.only_rs5m_list:
            return
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
