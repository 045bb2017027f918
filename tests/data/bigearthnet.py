"""Tiny BigEarthNet v2.0 / rico-hdl LMDB / BigEarthNet.txt fixtures: real names, dtypes, CRS and shapes.

Seeded and deterministic. ``make(root)`` writes::

    root/bigearthnet-v2/        metadata.parquet (3 real patches) + the snow/cloud companion (1 real patch)
                                BigEarthNet-S2/, BigEarthNet-S1/, Reference_Maps/ GeoTIFFs for all 4 patches
    root/bigearthnet-v2-lmdb/   the same two Parquet files + Encoded-BigEarthNet/data.mdb holding the 3
                                metadata patches (S2 and S1 keys); the companion patch is absent on purpose
    root/bigearthnet-txt/       BigEarthNet.txt.parquet alone (3 patches, all four types, real columns)
    root/bigearthnet-txt-lmdb/  BigEarthNet.txt.parquet + metadata.parquet + data.mdb at the top level

The S2 bands are uint16 at native size (120/60/20 px), uncompressed, in the patch's UTM zone with the
transform of its place in the Sentinel-2 tile grid; S1 VV/VH are float32 dB; reference maps are uint16 DEFLATE
CORINE codes matching the patch's labels. Values are random (seeded): tests compare readers with the files,
not with constants. Run as ``python tests/data/bigearthnet.py OUTDIR``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import lmdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import rasterio
from affine import Affine
from safetensors.numpy import save

SEED = 20240613
S2_BANDS = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12")
S2_PX = {"B01": 20, "B09": 20, "B05": 60, "B06": 60, "B07": 60, "B8A": 60, "B11": 60, "B12": 60}  # else 120

# Real patches of metadata.parquet (and one of the companion), with their tile origins (EPSG, E0, N0) on the
# Sentinel-2 60 m grid (29SND starts at 499980, 4400040) and their centres as BigEarthNet.txt publishes them
# (the first is the published value; the others are the same tile-grid computation).
PATCHES = [
    {
        "patch_id": "S2A_MSIL2A_20170613T101031_N9999_R022_T33UUP_26_57",
        "s1_name": "S1B_IW_GRDH_1SDV_20170612T165809_33UUP_26_57",
        "s2v1_name": "S2A_MSIL2A_20170613T101031_26_57",
        "labels": ["Arable land", "Broad-leaved forest", "Mixed forest", "Pastures"],
        "codes": [211, 311, 313, 231],
        "split": "test",
        "country": "Austria",
        "tile": (32633, 300000.0, 5400000.0),
        "xy": (26, 57),
        "latlon": (48.11003471465957, 12.740300299577253),
        "season": "Summer",
        "climate_zone": "Cold, no dry season, warm summer",
        "companion": False,
    },
    {
        "patch_id": "S2A_MSIL2A_20170704T112111_N9999_R037_T29SND_00_00",
        "s1_name": "S1A_IW_GRDH_1SDV_20170706T064235_29SND_0_0",
        "s2v1_name": "S2A_MSIL2A_20170704T112111_0_0",
        "labels": ["Coniferous forest", "Transitional woodland, shrub"],
        "codes": [312, 324],
        "split": "train",
        "country": "Portugal",
        "tile": (32629, 499980.0, 4400040.0),
        "xy": (0, 0),
        "latlon": (39.74486161163904, -8.993230352189117),
        "season": "Summer",
        "climate_zone": "Temperate, dry summer, hot summer",
        "companion": False,
    },
    {
        "patch_id": "S2A_MSIL2A_20170613T101031_N9999_R022_T34VER_00_45",
        "s1_name": "S1B_IW_GRDH_1SDV_20170613T160455_34VER_0_45",
        "s2v1_name": "S2A_MSIL2A_20170613T101031_0_45",
        "labels": ["Marine waters"],
        "codes": [523],
        "split": "train",
        "country": "Finland",
        "tile": (32634, 499980.0, 7100040.0),
        "xy": (0, 45),
        "latlon": (63.537156910491696, 21.01166541810093),
        "season": "Summer",
        "climate_zone": "Cold, no dry season, cold summer",
        "companion": False,
    },
    {
        "patch_id": "S2A_MSIL2A_20170613T101031_N9999_R022_T33UUP_38_58",
        "s1_name": "S1B_IW_GRDH_1SDV_20170612T165809_33UUP_38_58",
        "s2v1_name": "S2A_MSIL2A_20170613T101031_38_58",
        "labels": ["Arable land", "Coniferous forest"],
        "codes": [211, 312],
        "split": "test",
        "country": "Austria",
        "tile": (32633, 300000.0, 5400000.0),
        "xy": (38, 58),
        "latlon": (48.10288560887589, 12.934054621344528),
        "season": "Summer",
        "climate_zone": "Cold, no dry season, warm summer",
        "companion": True,  # contains_cloud_or_shadow
    },
]

METADATA_SCHEMA = pa.schema(
    [
        ("patch_id", pa.string()),
        ("labels", pa.list_(pa.string())),
        ("split", pa.string()),
        ("country", pa.string()),
        ("s1_name", pa.string()),
        ("s2v1_name", pa.string()),
        ("contains_seasonal_snow", pa.bool_()),
        ("contains_cloud_or_shadow", pa.bool_()),
    ]
)

TXT_SCHEMA = pa.schema(
    [
        ("ID", pa.int64()),
        ("s1_name", pa.string()),
        ("patch_id", pa.string()),
        ("input", pa.string()),
        ("output", pa.string()),
        ("type", pa.string()),
        ("category", pa.string()),
        ("split", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("country", pa.string()),
        ("season", pa.string()),
        ("climate_zone", pa.string()),
    ]
)

CAPTION_INSTRUCTION = "Describe the satellite image in detail."
CAPTION_1 = (
    "This satellite image, captured in Austria during summer, depicts a diverse landscape dominated by "
    'agricultural and forested areas within the "cold, no dry season, warm summer" climate zone. Arable land '
    "(~708,000 sqm) is the most prominent feature."
)
MCQ_INPUT = (
    "Which classes share a boundary? a) Broad-leaved forest and Pastures, b) Mixed forest and Urban fabric, "
    "c) Transitional woodland, shrub and Coniferous forest, d) Arable land and Pastures"
)
MCQ_OPTIONS = [
    "Broad-leaved forest and Pastures",
    "Mixed forest and Urban fabric",
    "Transitional woodland, shrub and Coniferous forest",
    "Arable land and Pastures",
]
REF_INPUT = "Identify the location of the <ref>largest connected region of pastures</ref>."
POINT_INPUT = (
    "Provide a bounding box for the land cover class instance at <point>(0.82, 0.28)</point> "
    "in the satellite image."
)
MALFORMED_BOX = "[0.1 0.2 0.3 0.4]"


def s2_product(patch_id: str) -> str:
    return patch_id.rsplit("_", 2)[0]


def s1_product(s1_name: str) -> str:
    return s1_name.rsplit("_", 3)[0]


def patch_transform(patch: dict, size: int) -> Affine:
    _, e0, n0 = patch["tile"]
    x, y = patch["xy"]
    pixel = 1200.0 / size
    return Affine(pixel, 0.0, e0 + 1200.0 * x, 0.0, -pixel, n0 - 1200.0 * y)


def write_tif(path: Path, data: np.ndarray, patch: dict, compress: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = {
        "driver": "GTiff",
        "width": data.shape[1],
        "height": data.shape[0],
        "count": 1,
        "dtype": data.dtype.name,
        "crs": f"EPSG:{patch['tile'][0]}",
        "transform": patch_transform(patch, data.shape[0]),
    }
    if compress:
        profile["compress"] = compress
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)


def patch_arrays(patch: dict, rng: np.random.Generator) -> tuple[dict, dict, np.ndarray]:
    """(S2 bands uint16 native size, S1 VV/VH float32 dB, reference map uint16 CLC codes)."""
    s2 = {b: rng.integers(1, 10_000, size=(S2_PX.get(b, 120),) * 2, dtype=np.uint16) for b in S2_BANDS}
    s1 = {
        "VV": rng.normal(-12.6, 3.0, size=(120, 120)).astype(np.float32),
        "VH": rng.normal(-19.3, 3.0, size=(120, 120)).astype(np.float32),
    }
    codes = np.array(patch["codes"], dtype=np.uint16)
    stripes = np.repeat(np.arange(120) * len(codes) // 120, 120).reshape(120, 120)
    reference = codes[stripes]
    return s2, s1, reference


def write_metadata(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for companion, name in (
        (False, "metadata.parquet"),
        (True, "metadata_for_patches_with_snow_cloud_or_shadow.parquet"),
    ):
        rows = [p for p in PATCHES if p["companion"] == companion]
        table = pa.table(
            {
                "patch_id": [p["patch_id"] for p in rows],
                "labels": [p["labels"] for p in rows],
                "split": [p["split"] for p in rows],
                "country": [p["country"] for p in rows],
                "s1_name": [p["s1_name"] for p in rows],
                "s2v1_name": [p["s2v1_name"] for p in rows],
                "contains_seasonal_snow": [False for _ in rows],
                "contains_cloud_or_shadow": [companion for _ in rows],
            },
            schema=METADATA_SCHEMA,
        )
        pq.write_table(table, folder / name)


def write_geotiffs(folder: Path, arrays: dict) -> None:
    for patch in PATCHES:
        pid, s1 = patch["patch_id"], patch["s1_name"]
        s2_bands, s1_bands, reference = arrays[pid]
        s2_dir = folder / "BigEarthNet-S2" / s2_product(pid) / pid
        for band, data in s2_bands.items():
            write_tif(s2_dir / f"{pid}_{band}.tif", data, patch)
        s1_dir = folder / "BigEarthNet-S1" / s1_product(s1) / s1
        for pol, data in s1_bands.items():
            write_tif(s1_dir / f"{s1}_{pol}.tif", data, patch)
        ref = folder / "Reference_Maps" / s2_product(pid) / pid / f"{pid}_reference_map.tif"
        write_tif(ref, reference, patch, compress="DEFLATE")


def write_lmdb(folder: Path, arrays: dict) -> None:
    """rico-hdl layout: key = patch name, value = safetensors {band: array}; companion patch left out."""
    folder.mkdir(parents=True, exist_ok=True)
    env = lmdb.open(str(folder), map_size=64 * 2**20)
    with env.begin(write=True) as txn:
        for patch in PATCHES:
            if patch["companion"]:
                continue
            s2_bands, s1_bands, _ = arrays[patch["patch_id"]]
            txn.put(
                patch["patch_id"].encode(), save({b: np.ascontiguousarray(a) for b, a in s2_bands.items()})
            )
            txn.put(
                patch["s1_name"].encode(), save({b: np.ascontiguousarray(a) for b, a in s1_bands.items()})
            )
    env.close()


def txt_rows() -> list[dict]:
    """All four types, commas inside MCQ options, reference and point boxes, one malformed box."""
    rows = []
    for index, patch in enumerate(PATCHES[:3]):  # BigEarthNet.txt has no snow/cloud patches
        split = patch["split"]

        def row(
            input_: str, output: str, type_: str, category: str, split_: str = split, p: dict = patch
        ) -> dict:
            return {
                "input": input_,
                "output": output,
                "type": type_,
                "category": category,
                "split": split_,
                "p": p,
            }

        caption = CAPTION_1 if index == 0 else f"This satellite image, captured in {patch['country']}, shows "
        if index:
            caption += ", ".join(label.lower() for label in patch["labels"]) + "."
        rows += [
            row(CAPTION_INSTRUCTION, caption, "captioning", "None"),
            row(
                "Would you say that any arable land lies next to pastures in the image?",
                "yes" if index == 0 else "no",
                "binary",
                "adjacency",
            ),
            row("Is there any urban fabric in the image?", "no", "binary", "presence"),
            row(MCQ_INPUT, "d", "mcq", "adjacency"),
            row(
                "In which season was the image taken? a) Spring, b) Summer, c) Autumn, d) Winter",
                "b",
                "mcq",
                "season",
            ),
            row(REF_INPUT, "[0.0 0.33, 0.28 0.8]", "bounding box", "reference"),
            row(
                POINT_INPUT, "[0.64 0.0, 1.0 0.71]" if index != 2 else MALFORMED_BOX, "bounding box", "point"
            ),
        ]
        if index == 0:  # two manually verified rows: the patch belongs to the bench split
            rows += [
                row("Is there any pastures in the image?", "yes", "binary", "presence", "bench"),
                row("Was this image taken in Austria?", "yes", "binary", "country", "bench"),
            ]
        if index == 1:  # a minority split among the patch's rows
            rows.append(
                row("Is there any marine waters in the image?", "no", "binary", "presence", "validation")
            )
    return rows


def txt_table(seed: int = SEED) -> pa.Table:
    rows = txt_rows()
    order = np.random.default_rng(seed).permutation(len(rows))  # patches interleaved, as in a real file
    rows = [rows[i] for i in order]
    return pa.table(
        {
            "ID": np.arange(len(rows), dtype=np.int64) * 7 + 1000,
            "s1_name": [r["p"]["s1_name"] for r in rows],
            "patch_id": [r["p"]["patch_id"] for r in rows],
            "input": [r["input"] for r in rows],
            "output": [r["output"] for r in rows],
            "type": [r["type"] for r in rows],
            "category": [r["category"] for r in rows],
            "split": [r["split"] for r in rows],
            "latitude": [r["p"]["latlon"][0] for r in rows],
            "longitude": [r["p"]["latlon"][1] for r in rows],
            "country": [r["p"]["country"] for r in rows],
            "season": [r["p"]["season"] for r in rows],
            "climate_zone": [r["p"]["climate_zone"] for r in rows],
        },
        schema=TXT_SCHEMA,
    )


def synthetic_txt_table(rows: int, seed: int = SEED) -> pa.Table:
    """A large BigEarthNet.txt-shaped table (for throughput measurements): the fixture rows repeated, with
    distinct IDs and ~20 rows per synthetic patch id, built without per-row Python objects."""
    base = txt_table(seed)
    index = pa.array(np.arange(rows) % base.num_rows)
    table = base.take(index)
    patch = np.arange(rows) // 20
    ids = pa.array(
        np.char.add("S2A_MSIL2A_20170613T101031_N9999_R022_T33UUP_", (patch % 100_000).astype(str))
    )
    table = table.set_column(
        table.schema.get_field_index("ID"), "ID", pa.array(np.arange(rows, dtype=np.int64))
    )
    return table.set_column(table.schema.get_field_index("patch_id"), "patch_id", ids)


def make(root: Path) -> Path:
    root = Path(root)
    rng = np.random.default_rng(SEED)
    arrays = {p["patch_id"]: patch_arrays(p, rng) for p in PATCHES}

    v2 = root / "bigearthnet-v2"
    write_metadata(v2)
    write_geotiffs(v2, arrays)

    v2_lmdb = root / "bigearthnet-v2-lmdb"
    write_metadata(v2_lmdb)
    write_lmdb(v2_lmdb / "Encoded-BigEarthNet", arrays)

    txt = root / "bigearthnet-txt"
    txt.mkdir(parents=True, exist_ok=True)
    pq.write_table(txt_table(), txt / "BigEarthNet.txt.parquet", row_group_size=8)

    txt_lmdb = root / "bigearthnet-txt-lmdb"
    write_metadata(txt_lmdb)
    write_lmdb(txt_lmdb, arrays)
    pq.write_table(txt_table(), txt_lmdb / "BigEarthNet.txt.parquet")
    return root


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/data/bigearthnet.py OUTDIR")
    print(make(Path(sys.argv[1])))
