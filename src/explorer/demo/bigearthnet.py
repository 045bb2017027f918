"""Write the synthetic BigEarthNet v2 + BigEarthNet.txt folder in the released layouts (FORMATS.md 3 and 5).

Patch names, tiles, countries, splits and S1 pairings are real (``patch_pool``), so patches sit on the real
Sentinel-2 tile grid in the ten real countries; pixels, reference maps, labels and texts are synthetic. The
same footprint in two seasons gets the same reference map, as in the release. GeoTIFFs carry the UTM CRS of
their tile and a transform whose upper-left corner is (E0 + 1200 x, N0 - 1200 y).
"""

from __future__ import annotations

import zlib
from concurrent.futures import Executor
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import rasterio
from rasterio.crs import CRS
from rasterio.transform import Affine

from ..geo import PATCH_SIZE_M, mgrs_tile_origin, tile_grid_centres
from ..legends import CORINE19
from ..sources.bigearthnet_txt import RELEASED_SCHEMA
from . import instructions
from .landcover import COASTAL_COUNTRIES, corine_patch
from .patch_pool import PoolPatch, companion_pool, main_pool
from .spectra import (
    CLC_ARCHETYPE,
    S2_BANDS,
    SEASON_GREENNESS,
    add_clouds,
    add_snow,
    archetype_index,
    backscatter_db,
    reflectance,
)

S2_DIR = "BigEarthNet-S2"
S1_DIR = "BigEarthNet-S1"
REFERENCE_DIR = "Reference_Maps"
METADATA_FILE = "metadata.parquet"
COMPANION_FILE = "metadata_for_patches_with_snow_cloud_or_shadow.parquet"
TXT_FILE = "BigEarthNet.txt.parquet"

PATCH_PX = 120
BAND_RESOLUTION = {
    "B02": 10,
    "B03": 10,
    "B04": 10,
    "B08": 10,
    "B05": 20,
    "B06": 20,
    "B07": 20,
    "B8A": 20,
    "B11": 20,
    "B12": 20,
    "B01": 60,
    "B09": 60,
}
COMPANION_SHARE = 0.04  # the release: 69,450 snow/cloud patches beside 480,038
BENCH_SHARE = 0.05  # of test patches; the release: 1,082 manually verified patches

# Same dtypes as the released metadata.parquet (written by DuckDB: list items are named "element").
METADATA_SCHEMA = pa.schema(
    [
        ("patch_id", pa.string()),
        ("labels", pa.list_(pa.field("element", pa.string()))),
        ("split", pa.string()),
        ("country", pa.string()),
        ("s1_name", pa.string()),
        ("s2v1_name", pa.string()),
        ("contains_seasonal_snow", pa.bool_()),
        ("contains_cloud_or_shadow", pa.bool_()),
    ]
)
TXT_SCHEMA = RELEASED_SCHEMA

# Koeppen-Geiger zones per country with rough shares (Beck et al. 2018 legend words).
# fmt: off
CLIMATES: dict[str, dict[str, float]] = {
    "Austria": {
        "Cold, no dry season, warm summer": 0.55,
        "Temperate, no dry season, warm summer": 0.3,
        "Cold, no dry season, cold summer": 0.12,
        "Polar, tundra": 0.03,
    },
    "Belgium": {
        "Temperate, no dry season, warm summer": 1.0,
    },
    "Finland": {
        "Cold, no dry season, cold summer": 0.6,
        "Cold, no dry season, warm summer": 0.4,
    },
    "Ireland": {
        "Temperate, no dry season, warm summer": 1.0,
    },
    "Kosovo": {
        "Cold, no dry season, warm summer": 0.6,
        "Temperate, no dry season, warm summer": 0.4,
    },
    "Lithuania": {
        "Cold, no dry season, warm summer": 1.0,
    },
    "Luxembourg": {
        "Temperate, no dry season, warm summer": 1.0,
    },
    "Portugal": {
        "Temperate, dry summer, hot summer": 0.55,
        "Temperate, dry summer, warm summer": 0.45,
    },
    "Serbia": {
        "Temperate, no dry season, hot summer": 0.4,
        "Cold, no dry season, hot summer": 0.3,
        "Cold, no dry season, warm summer": 0.3,
    },
    "Switzerland": {
        "Temperate, no dry season, warm summer": 0.45,
        "Cold, no dry season, warm summer": 0.3,
        "Cold, no dry season, cold summer": 0.2,
        "Polar, tundra": 0.05,
    },
}
# fmt: on
_CAPTION_PROMPTS = (
    "Describe this satellite image.",
    "Provide a detailed description of the image.",
    "Write a caption for this satellite image.",
)


def season_of(product: str) -> str:
    """Meteorological season (northern hemisphere) from the acquisition month in the product name."""
    month = int(product.split("_")[2][4:6])
    return ("Winter", "Spring", "Summer", "Autumn")[(month % 12) // 3]


def select_patches(n: int, seed: int) -> tuple[list[PoolPatch], list[PoolPatch]]:
    """(main, companion) patches: countries interleaved so even a small demo spans several countries."""
    rng = np.random.default_rng([seed, 3])
    n_companion = min(len(companion_pool()), max(1, round(COMPANION_SHARE * n))) if n > 1 else 0
    n_main = n - n_companion
    pool = main_pool()
    if n_main > len(pool):
        raise ValueError(f"the BigEarthNet demo has {len(pool)} real patch names; asked for {n_main}")

    def interleave(patches: list[PoolPatch], k: int) -> list[PoolPatch]:
        order = rng.permutation(len(patches))
        rank: dict[str, int] = {}
        keyed = []
        for i in order:
            country = patches[i].country
            keyed.append((rank.get(country, 0), country, int(i)))
            rank[country] = rank.get(country, 0) + 1
        return [patches[i] for _, _, i in sorted(keyed)[:k]]

    return interleave(pool, n_main), interleave(companion_pool(), n_companion)


@lru_cache(maxsize=64)
def _crs(epsg: int) -> CRS:
    return CRS.from_epsg(epsg)


def _write_tif(
    path: Path, array: np.ndarray, epsg: int, ulx: float, uly: float, res: float, **extra: Any
) -> None:
    height, width = array.shape
    profile = dict(
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype=array.dtype.name,
        crs=_crs(epsg),
        transform=Affine(res, 0.0, ulx, 0.0, -res, uly),
        **extra,
    )
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(array, 1)


def _block_mean(array: np.ndarray, factor: int) -> np.ndarray:
    bands, h, w = array.shape
    return array.reshape(bands, h // factor, factor, w // factor, factor).mean(axis=(2, 4))


def _footprint_rng(seed: int, patch: PoolPatch, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream, zlib.crc32(patch.tile.encode()), patch.x, patch.y])


def reference_map(seed: int, patch: PoolPatch) -> np.ndarray:
    """The footprint's CLC map: the same for every acquisition of the same tile cell."""
    rng = _footprint_rng(seed, patch, 4)
    coastal = patch.country in COASTAL_COUNTRIES and rng.random() < 0.1
    return corine_patch(rng, patch.country, coastal, PATCH_PX)


def climate_of(seed: int, patch: PoolPatch) -> str:
    zones = CLIMATES[patch.country]
    rng = _footprint_rng(seed, patch, 5)
    return str(rng.choice(list(zones), p=np.array(list(zones.values())) / sum(zones.values())))


def _write_patch(root: Path, seed: int, patch: PoolPatch) -> list[str]:
    """All files of one patch; returns its 19-class labels (sorted, as the release)."""
    with rasterio.Env():  # one GDAL environment for the patch's 15 files, not one per file
        return _write_patch_files(root, seed, patch)


def _write_patch_files(root: Path, seed: int, patch: PoolPatch) -> list[str]:
    codes = reference_map(seed, patch)
    season = season_of(patch.s2_product)
    rng = np.random.default_rng([seed, 6, zlib.crc32(patch.patch_id.encode())])
    archetypes = archetype_index(codes, CLC_ARCHETYPE)
    refl = reflectance(
        rng, archetypes, SEASON_GREENNESS[season], S2_BANDS, parcel_px=float(rng.uniform(8, 20))
    )
    if patch.seasonal_snow:
        refl = add_snow(rng, refl, archetypes, float(rng.uniform(0.4, 0.9)))
    if patch.cloud_or_shadow:
        refl = add_clouds(rng, refl, float(rng.uniform(0.1, 0.5)))
    dn = np.clip(np.round(refl * 10_000), 0, 65_535).astype(np.uint16)
    by_band = dict(zip(S2_BANDS, dn, strict=True))
    coarse20 = dict(zip(S2_BANDS, np.round(_block_mean(refl, 2) * 10_000).astype(np.uint16), strict=True))
    coarse60 = dict(zip(S2_BANDS, np.round(_block_mean(refl, 6) * 10_000).astype(np.uint16), strict=True))

    epsg, e0, n0 = mgrs_tile_origin(patch.tile)
    ulx, uly = e0 + PATCH_SIZE_M * patch.x, n0 - PATCH_SIZE_M * patch.y
    s2_product = patch.s2_product
    s2_dir = root / S2_DIR / s2_product / patch.patch_id
    s2_dir.mkdir(parents=True, exist_ok=True)
    for band, res in BAND_RESOLUTION.items():
        array = by_band[band] if res == 10 else coarse20[band] if res == 20 else coarse60[band]
        _write_tif(s2_dir / f"{patch.patch_id}_{band}.tif", array, epsg, ulx, uly, res)

    s1_dir = root / S1_DIR / patch.s1_product / patch.s1_name
    s1_dir.mkdir(parents=True, exist_ok=True)
    vv, vh = backscatter_db(rng, archetypes)
    _write_tif(s1_dir / f"{patch.s1_name}_VV.tif", vv, epsg, ulx, uly, 10)
    _write_tif(s1_dir / f"{patch.s1_name}_VH.tif", vh, epsg, ulx, uly, 10)

    ref_dir = root / REFERENCE_DIR / s2_product / patch.patch_id
    ref_dir.mkdir(parents=True, exist_ok=True)
    _write_tif(ref_dir / f"{patch.patch_id}_reference_map.tif", codes, epsg, ulx, uly, 10, compress="deflate")
    counts = CORINE19.pixel_counts(codes)
    return sorted(CORINE19.names[i] for i in np.flatnonzero(counts))


def _metadata_table(patches: list[PoolPatch], labels: list[list[str]]) -> pa.Table:
    return pa.table(
        {
            "patch_id": [p.patch_id for p in patches],
            "labels": labels,
            "split": [p.split for p in patches],
            "country": [p.country for p in patches],
            "s1_name": [p.s1_name for p in patches],
            "s2v1_name": [p.s2v1_name for p in patches],
            "contains_seasonal_snow": [p.seasonal_snow for p in patches],
            "contains_cloud_or_shadow": [p.cloud_or_shadow for p in patches],
        },
        schema=METADATA_SCHEMA,
    )


def _txt_table(seed: int, patches: list[PoolPatch]) -> pa.Table:
    """BigEarthNet.txt rows for the main patches: ~20 annotations each, answers computed from the maps."""
    rng = np.random.default_rng([seed, 7])
    test = [i for i, p in enumerate(patches) if p.split == "test"]
    bench = (
        set(rng.choice(test, size=max(1, round(BENCH_SHARE * len(test))), replace=False)) if test else set()
    )
    lon, lat = tile_grid_centres(
        pd.Series([p.tile for p in patches]),
        pd.Series([p.x for p in patches]),
        pd.Series([p.y for p in patches]),
    )
    columns: dict[str, list[Any]] = {name: [] for name in TXT_SCHEMA.names}
    for i, patch in enumerate(patches):
        season, climate = season_of(patch.s2_product), climate_of(seed, patch)
        text_rng = np.random.default_rng([seed, 8, zlib.crc32(patch.patch_id.encode())])
        items = instructions.patch_annotations(
            text_rng, reference_map(seed, patch), patch.country, season, climate
        )
        split = "bench" if i in bench else patch.split
        for kind, category, question, answer in items:
            if kind == "captioning":
                question = str(text_rng.choice(_CAPTION_PROMPTS))
            columns["s1_name"].append(patch.s1_name)
            columns["patch_id"].append(patch.patch_id)
            columns["input"].append(question)
            columns["output"].append(answer)
            columns["type"].append(kind)
            columns["category"].append(category)
            columns["split"].append(split)
            columns["latitude"].append(float(lat[i]))
            columns["longitude"].append(float(lon[i]))
            columns["country"].append(patch.country)
            columns["season"].append(season)
            columns["climate_zone"].append(climate)
    columns["ID"] = list(range(len(columns["patch_id"])))
    return pa.table(columns, schema=TXT_SCHEMA)


def write_bigearthnet(root: Path, seed: int, n: int, executor: Executor | None = None) -> Path:
    """Write ``n`` patches (about 4 % of them snow/cloud companions) into ``root``; returns ``root``."""
    main, companion = select_patches(n, seed)
    root.mkdir(parents=True, exist_ok=True)
    run = partial(_write_patch, root, seed)
    patches = main + companion
    labels = list(executor.map(run, patches)) if executor else [run(p) for p in patches]
    pq.write_table(_metadata_table(main, labels[: len(main)]), root / METADATA_FILE)
    pq.write_table(_metadata_table(companion, labels[len(main) :]), root / COMPANION_FILE)
    pq.write_table(_txt_table(seed, main), root / TXT_FILE)
    return root
