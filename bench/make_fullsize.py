"""Write the full-size benchmark input: BigEarthNet.txt's scale, with real BigEarthNet v2 patch names.

    python bench/make_fullsize.py OUT_DIR [--metadata ../shared/fixtures/bigearthnet_v2/metadata.parquet]
                                          [--order sorted|random]

OUT_DIR/bigearthnet-fullsize/ (``--order random``: OUT_DIR/bigearthnet-fullsize-random/) receives
* metadata.parquet: the real BigEarthNet v2.0 metadata (all 480,038 patches), copied as is;
* BigEarthNet.txt.parquet: 9,553,962 synthetic rows over 464,044 of those patches in BigEarthNet.txt's exact
  schema and type mix (binary 3,625,160; mcq 3,259,184; bounding box 2,205,686; captioning 463,932), positions
  from the tile grid. No imagery: the catalog and map benchmarks need none. Rows are grouped by patch
  (``sorted``, the default) or in random patch order (``random``): the released file's order is not guaranteed,
  and the catalog build must not depend on it.
OUT_DIR/chatearthnet-fullsize/json_files/ receives ChatEarthNet's six caption files with its exact counts
(ChatGPT-3.5 98,092 / 16,348 / 49,048; ChatGPT-4V 6,000 / 1,000 / 3,000) on land tiles worldwide, without
images. Together: about 637,000 samples for the map benchmark.
Seeded and written in batches, so it runs in about a minute with modest memory.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from explorer.geo import tile_grid_centres  # noqa: E402
from explorer.legends import CORINE19_CLASSES  # noqa: E402
from explorer.sources.bigearthnet_txt import RELEASED_SCHEMA  # noqa: E402

N_PATCHES = 464_044
TYPE_COUNTS = {"binary": 3_625_160, "mcq": 3_259_184, "bounding box": 2_205_686, "captioning": 463_932}
SPLITS = np.array(["train", "validation", "test", "bench"])
SPLIT_P = np.array([4_674_281, 2_454_690, 2_409_962, 15_029], dtype=float)
SEASONS = np.array(["Spring", "Summer", "Autumn", "Winter"])
CLIMATES = np.array(
    [
        "Cold, no dry season, warm summer",
        "Temperate, no dry season, warm summer",
        "Temperate, dry summer, hot summer",
        "Cold, no dry season, cold summer",
    ]
)
BINARY_CATS = np.array(["presence", "area", "count", "adjacency", "season", "climate zone", "country"])
MCQ_CATS = np.array(["presence", "area", "count", "adjacency", "relative pos", "season", "climate zone"])
CLASSES = np.array(CORINE19_CLASSES, dtype=object)


def _strings(parts: list) -> pa.Array:
    """Concatenate string arrays / scalars element-wise in Arrow (no per-row Python)."""
    arrays = [p if isinstance(p, (pa.Array, pa.ChunkedArray)) else pa.scalar(p) for p in parts]
    return pc.binary_join_element_wise(*arrays, "")


def _texts(rng: np.random.Generator, kinds: np.ndarray, countries: pa.Array, seasons: pa.Array) -> tuple:
    n = len(kinds)
    a = pa.array(CLASSES[rng.integers(0, len(CLASSES), n)], pa.string())
    b = pa.array(CLASSES[rng.integers(0, len(CLASSES), n)], pa.string())
    c = pa.array(CLASSES[rng.integers(0, len(CLASSES), n)], pa.string())
    d = pa.array(CLASSES[rng.integers(0, len(CLASSES), n)], pa.string())
    area = pa.array(rng.integers(1, 1440, n) * 1000).cast(pa.string())
    x0, y0 = rng.uniform(0, 0.6, n).round(2), rng.uniform(0, 0.6, n).round(2)
    x1, y1 = (x0 + rng.uniform(0.1, 0.4, n)).round(2), (y0 + rng.uniform(0.1, 0.4, n)).round(2)
    box = _strings(
        [
            "[",
            pa.array(x0).cast(pa.string()),
            " ",
            pa.array(y0).cast(pa.string()),
            ", ",
            pa.array(x1).cast(pa.string()),
            " ",
            pa.array(y1).cast(pa.string()),
            "]",
        ]
    )
    px, py = (
        pa.array(rng.uniform(0, 1, n).round(2)).cast(pa.string()),
        pa.array(rng.uniform(0, 1, n).round(2)).cast(pa.string()),
    )
    binary_q = _strings(
        ["Would you say that any ", pc.utf8_lower(a), " lies next to ", pc.utf8_lower(b), " in the image?"]
    )
    mcq_q = _strings(
        [
            "Which classes share a boundary? a) ",
            a,
            " and ",
            b,
            ", b) ",
            b,
            " and ",
            c,
            ", c) ",
            c,
            " and ",
            d,
            ", d) ",
            a,
            " and ",
            d,
        ]
    )
    ref_q = _strings(
        ["Identify the location of the <ref>largest connected region of ", pc.utf8_lower(a), "</ref>."]
    )
    point_q = _strings(
        [
            "Provide a bounding box for the land cover class instance at <point>(",
            px,
            ", ",
            py,
            ")</point> in the satellite image.",
        ]
    )
    caption = _strings(
        [
            "This satellite image, captured in ",
            countries,
            " during ",
            pc.utf8_lower(seasons),
            ", depicts a diverse landscape dominated by ",
            pc.utf8_lower(a),
            " and ",
            pc.utf8_lower(b),
            ". ",
            a,
            " (~",
            area,
            " sqm) is the most prominent feature.",
        ]
    )
    is_point = rng.random(n) < 1_143_883 / 2_205_686
    inputs = pc.if_else(
        pa.array(kinds == "binary"),
        binary_q,
        pc.if_else(
            pa.array(kinds == "mcq"),
            mcq_q,
            pc.if_else(
                pa.array(kinds == "captioning"),
                pa.scalar("Describe the satellite image in detail."),
                pc.if_else(pa.array(is_point), point_q, ref_q),
            ),
        ),
    )
    outputs = pc.if_else(
        pa.array(kinds == "binary"),
        pa.array(np.where(rng.random(n) < 0.5, "yes", "no")),
        pc.if_else(
            pa.array(kinds == "mcq"),
            pa.array(np.array(list("abcd"))[rng.integers(0, 4, n)]),
            pc.if_else(pa.array(kinds == "captioning"), caption, box),
        ),
    )
    categories = np.where(
        kinds == "binary",
        BINARY_CATS[rng.integers(0, len(BINARY_CATS), n)],
        np.where(
            kinds == "mcq",
            MCQ_CATS[rng.integers(0, len(MCQ_CATS), n)],
            np.where(kinds == "captioning", "None", np.where(is_point, "point", "reference")),
        ),
    )
    return inputs, outputs, pa.array(categories)


ORDERS = ("sorted", "random")


def fullsize_folder(out: Path, order: str = "sorted") -> Path:
    return out / ("bigearthnet-fullsize" if order == "sorted" else f"bigearthnet-fullsize-{order}")


def main(out: Path, metadata: Path, seed: int = 0, order: str = "sorted") -> Path:
    if order not in ORDERS:
        raise ValueError(f"order {order!r}: expected one of {', '.join(ORDERS)}")
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    folder = fullsize_folder(out, order)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(metadata, folder / "metadata.parquet")
    meta = pq.read_table(metadata, columns=["patch_id", "s1_name", "country"])
    pick = np.sort(rng.choice(meta.num_rows, N_PATCHES, replace=False))
    meta = meta.take(pa.array(pick))
    names = meta.column("patch_id").to_pandas()
    parts = names.str.rsplit("_", n=3, expand=True)
    lon, lat = tile_grid_centres(parts[1].str.lstrip("T"), parts[2].astype(int), parts[3].astype(int))

    # Rows per patch: one caption for 463,932 patches, the rest shared so that the totals are exact.
    total = sum(TYPE_COUNTS.values())
    kinds_all = np.concatenate(
        [np.full(v, k, dtype=object) for k, v in TYPE_COUNTS.items() if k != "captioning"]
    )
    rng.shuffle(kinds_all)
    other_patch = np.sort(rng.integers(0, N_PATCHES, len(kinds_all)))
    cap_patch = np.sort(rng.choice(N_PATCHES, TYPE_COUNTS["captioning"], replace=False))
    patch_of_row = np.concatenate([other_patch, cap_patch])
    kind_of_row = np.concatenate([kinds_all, np.full(len(cap_patch), "captioning", dtype=object)])
    by_patch = np.argsort(patch_of_row, kind="stable")
    patch_of_row, kind_of_row = patch_of_row[by_patch], kind_of_row[by_patch].astype(str)
    row_ids = np.arange(total, dtype=np.int64)
    if order == "random":  # same rows and IDs, shuffled across the whole file (own stream: texts stay seeded)
        shuffle = np.random.default_rng(seed + 2).permutation(total)
        patch_of_row, kind_of_row, row_ids = patch_of_row[shuffle], kind_of_row[shuffle], row_ids[shuffle]
    patch_split = SPLITS[rng.choice(4, N_PATCHES, p=SPLIT_P / SPLIT_P.sum())]
    patch_season = SEASONS[rng.integers(0, 4, N_PATCHES)]
    patch_climate = CLIMATES[rng.integers(0, len(CLIMATES), N_PATCHES)]

    schema = RELEASED_SCHEMA
    batch = 1_000_000
    with pq.ParquetWriter(folder / "BigEarthNet.txt.parquet", schema, compression="zstd") as writer:
        for start in range(0, total, batch):
            rows = slice(start, min(start + batch, total))
            p = patch_of_row[rows]
            take = pa.array(p)
            countries = meta.column("country").take(take)
            seasons = pa.array(patch_season[p])
            inputs, outputs, categories = _texts(rng, kind_of_row[rows], countries, seasons)
            table = pa.table(
                {
                    "ID": pa.array(row_ids[rows]),
                    "s1_name": meta.column("s1_name").take(take),
                    "patch_id": meta.column("patch_id").take(take),
                    "input": inputs,
                    "output": outputs,
                    "type": pa.array(kind_of_row[rows]),
                    "category": categories,
                    "split": pa.array(patch_split[p]),
                    "latitude": pa.array(lat[p]),
                    "longitude": pa.array(lon[p]),
                    "country": countries,
                    "season": seasons,
                    "climate_zone": pa.array(patch_climate[p]),
                },
                schema=schema,
            )
            writer.write_table(table, row_group_size=250_000)
    size = (folder / "BigEarthNet.txt.parquet").stat().st_size / 2**20
    print(
        f"wrote {folder}: {total:,} rows over {N_PATCHES:,} patches, {order} order ({size:.0f} MiB) in {time.perf_counter() - started:.0f} s"
    )
    return folder


CEN_COUNTS = {
    ("35", "train"): 98_092,
    ("35", "val"): 16_348,
    ("35", "test"): 49_048,
    ("4v", "train"): 6_000,
    ("4v", "val"): 1_000,
    ("4v", "test"): 3_000,
}
CEN_CLASSES = np.array(
    [
        "water",
        "developed area",
        "tree",
        "shrub",
        "grass",
        "crop",
        "bare land",
        "snow",
        "wetland",
        "mangroves",
        "moss",
    ]
)
CEN_WORDS = np.array(["extra small", "small", "medium", "large", "extra large"])
CEN_NOUNS = np.array(["fraction", "part", "portion", "amount", "quantity"])
CEN_PLACES = np.array(["top left", "top right", "bottom left", "bottom right", "middle"])


def make_chatearthnet(out: Path, seed: int = 0) -> Path:
    """ChatEarthNet caption JSONs at full size; sample names are zoom-13 tiles on land (world outline)."""
    import json

    from explorer.world import country_of

    rng = np.random.default_rng(seed + 1)
    folder = out / "chatearthnet-fullsize" / "json_files"
    folder.mkdir(parents=True, exist_ok=True)
    n_images = sum(v for (version, _), v in CEN_COUNTS.items() if version == "35")
    tiles = []
    while sum(len(t) for t in tiles) < n_images // 4 + 1:
        lon = rng.uniform(-180, 180, 200_000)
        lat = np.degrees(np.arcsin(rng.uniform(np.sin(np.radians(-56)), np.sin(np.radians(75)), 200_000)))
        land = np.array([c is not None for c in country_of(lon, lat)])
        col = np.floor((lon[land] + 180) / 360 * 2**13).astype(int)
        row = np.floor((1 - np.arcsinh(np.tan(np.radians(lat[land]))) / np.pi) / 2 * 2**13).astype(int)
        tiles.append(np.unique(np.stack([col, row], axis=1), axis=0))
    tiles_all = np.unique(np.concatenate(tiles), axis=0)[: n_images // 4 + 1]
    names = np.array([f"{c}_{r}_patch{q}.png" for c, r in tiles_all for q in ("00", "01", "10", "11")])[
        :n_images
    ]
    rng.shuffle(names)
    start = 0
    for (version, split), count in CEN_COUNTS.items():
        if version == "35":
            chosen = names[start : start + count]
            start += count
        else:
            chosen = rng.choice(names, count, replace=False)
        a, b = CEN_CLASSES[rng.integers(0, 11, count)], CEN_CLASSES[rng.integers(0, 11, count)]
        w1, w2 = CEN_WORDS[rng.integers(0, 5, count)], CEN_WORDS[rng.integers(0, 5, count)]
        n1, n2 = CEN_NOUNS[rng.integers(0, 5, count)], CEN_NOUNS[rng.integers(0, 5, count)]
        p1, p2 = CEN_PLACES[rng.integers(0, 5, count)], CEN_PLACES[rng.integers(0, 5, count)]
        records = [
            {
                "image": img,
                "caption": f"In the {q1} of the image, there is a {x1} {y1} of {c1}, while the "
                f"{q2} shows a {x2} {y2} of {c2}.",
            }
            for img, q1, x1, y1, c1, q2, x2, y2, c2 in zip(chosen, p1, w1, n1, a, p2, w2, n2, b, strict=True)
        ]
        (folder / f"ChatEarthNet_caps_{version}_{split}.json").write_text(json.dumps(records))
    print(f"wrote {folder.parent}: {sum(CEN_COUNTS.values()):,} captions over {n_images:,} images")
    return folder.parent


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--metadata",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared/fixtures/bigearthnet_v2/metadata.parquet",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--order", choices=ORDERS, default="sorted", help="row order of BigEarthNet.txt")
    parser.add_argument("--no-chatearthnet", action="store_true", help="write BigEarthNet.txt only")
    args = parser.parse_args()
    main(args.out, args.metadata, args.seed, args.order)
    if not args.no_chatearthnet:
        make_chatearthnet(args.out, args.seed)
