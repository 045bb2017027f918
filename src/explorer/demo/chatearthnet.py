"""Write the synthetic ChatEarthNet folder in the released layout (FORMATS.md section 1), plus land-cover maps.

Each source tile is a real zoom-13 Web-Mercator tile on land; like the release, it is cut into four 256 px
quadrants ``<col>_<row>_patch<R><C>`` (R row, C column, row-major; this is also the explorer's reading of the
real names). Each sample has three 8-bit PNGs (B4 B3 B2, B5 B6 B7, B8 B11 B12), a WorldCover-coded map in
``landcover/`` and a ChatGPT-3.5-style caption; a subset also has a longer ChatGPT-4V-style caption.
"""

from __future__ import annotations

import json
from concurrent.futures import Executor
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from . import captions
from .landcover import worldcover_tile
from .spectra import WORLDCOVER_ARCHETYPE, archetype_index, reflectance, to_display_uint8
from .world import tile_positions

BAND_FOLDERS: tuple[tuple[str, tuple[str, str, str], float], ...] = (
    # folder, bands (R, G, B of the PNG), reflectance shown as white
    ("s2_rgb_images/s2_images", ("B04", "B03", "B02"), 0.3558),  # as the L1C true-colour image (TCI)
    ("s2_band_5_6_7_images", ("B05", "B06", "B07"), 0.6),
    ("s2_band_8_11_12_images", ("B08", "B11", "B12"), 0.6),
)
LANDCOVER_DIR = "landcover"
CAPTION_DIR = "json_files"
SPLITS = ("train", "val", "test")
SPLIT_SHARES = (0.6, 0.1, 0.3)  # as the release: 98,092 / 16,348 / 49,048 ChatGPT-3.5 captions
SHARE_4V = 0.2  # the release has 10,000 4V captions for 163,488 3.5 ones; the demo keeps more to compare
# Textured imagery barely compresses: Huffman-only deflate is a third faster for ~10 % larger files.
_ZLIB_HUFFMAN_ONLY = 2
_QUADRANTS_PER_TILE = (4, 3, 2, 1)
_QUADRANT_WEIGHTS = (0.55, 0.2, 0.15, 0.1)
# Biomes whose bare land is sand rather than rock; biomes shown without a dormant (leaf-off) season.
_SANDY = {"desert", "semi_arid"}
_EVERGREEN_BIOMES = {"tropical_forest", "tropical_crop", "mangrove_coast", "desert", "ice", "polar_desert"}


def plan(n: int, seed: int) -> pd.DataFrame:
    """One row per sample: tile, quadrant, biome, split, and whether it gets a 4V caption."""
    rng = np.random.default_rng([seed, 1])
    counts: list[int] = []
    while sum(counts) < n:
        counts.append(int(rng.choice(_QUADRANTS_PER_TILE, p=_QUADRANT_WEIGHTS)))
    counts[-1] -= sum(counts) - n
    tiles = tile_positions(len(counts), rng)
    rows = []
    columns = zip(tiles["col"].tolist(), tiles["row"].tolist(), tiles["biome"].tolist(), counts, strict=True)
    for index, (col, row, biome, k) in enumerate(columns):
        for q in sorted(int(q) for q in rng.choice(4, size=k, replace=False)):
            rows.append((index, col, row, q // 2, q % 2, biome))
    frame = pd.DataFrame(rows, columns=["tile", "col", "row", "qrow", "qcol", "biome"])
    frame["stem"] = [
        f"{c}_{r}_patch{qr}{qc}" for c, r, qr, qc in frame[["col", "row", "qrow", "qcol"]].to_numpy()
    ]
    frame["split"] = np.array(SPLITS)[rng.choice(3, size=len(frame), p=SPLIT_SHARES)]
    chosen = rng.choice(len(frame), size=max(1, round(SHARE_4V * len(frame))), replace=False)
    frame["has_4v"] = np.isin(np.arange(len(frame)), chosen)
    return frame


def _write_tile(root: Path, seed: int, samples: pd.DataFrame) -> list[tuple[str, str, str | None]]:
    """Generate one source tile, write its chosen quadrants; return (stem, caption 3.5, caption 4V or None)."""
    col, row, biome = int(samples["col"].iloc[0]), int(samples["row"].iloc[0]), str(samples["biome"].iloc[0])
    rng = np.random.default_rng([seed, 1, col, row])
    worldcover = worldcover_tile(rng, biome)
    table = dict(WORLDCOVER_ARCHETYPE)
    if biome in _SANDY:
        table[60] = "sand"
    greenness = 1.0 if biome in _EVERGREEN_BIOMES else float(rng.uniform(0.45, 1.0))
    bands = tuple(b for _, folder_bands, _ in BAND_FOLDERS for b in folder_bands)
    refl = reflectance(
        rng, archetype_index(worldcover, table), greenness, bands, parcel_px=rng.uniform(20, 45)
    )
    images = [
        to_display_uint8(refl[3 * k : 3 * k + 3], white).transpose(1, 2, 0)
        for k, (_, _, white) in enumerate(BAND_FOLDERS)
    ]
    out: list[tuple[str, str, str | None]] = []
    quadrants = zip(
        samples["stem"].tolist(),
        samples["qrow"].tolist(),
        samples["qcol"].tolist(),
        samples["has_4v"].tolist(),
        strict=True,
    )
    for stem, qrow, qcol, has_4v in quadrants:
        rows, cols = slice(256 * qrow, 256 * (qrow + 1)), slice(256 * qcol, 256 * (qcol + 1))
        name = f"{stem}.png"
        for (folder, _, _), image in zip(BAND_FOLDERS, images, strict=True):
            Image.fromarray(np.ascontiguousarray(image[rows, cols])).save(
                root / folder / name, compress_level=1, compress_type=_ZLIB_HUFFMAN_ONLY
            )
        codes = np.ascontiguousarray(worldcover[rows, cols])
        Image.fromarray(codes, mode="L").save(root / LANDCOVER_DIR / name, compress_level=6)
        text_rng = np.random.default_rng([seed, 2, col, row, qrow, qcol])
        cap35 = captions.caption_35(text_rng, codes)
        cap4v = captions.caption_4v(text_rng, codes) if has_4v else None
        out.append((str(stem), cap35, cap4v))
    return out


def write_chatearthnet(root: Path, seed: int, n: int, executor: Executor | None = None) -> Path:
    """Write ``n`` samples into ``root`` (created); returns ``root``."""
    samples = plan(n, seed)
    for folder, _, _ in BAND_FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / LANDCOVER_DIR).mkdir(exist_ok=True)
    (root / CAPTION_DIR).mkdir(exist_ok=True)

    groups = [group for _, group in samples.groupby("tile", sort=True)]
    run = partial(_write_tile, root, seed)
    results = list(executor.map(run, groups)) if executor else [run(g) for g in groups]
    texts = {stem: (c35, c4v) for result in results for stem, c35, c4v in result}

    for split in SPLITS:
        stems = samples.loc[samples["split"] == split, "stem"]
        records_35 = [{"image": f"{s}.png", "caption": texts[s][0]} for s in stems]
        records_4v = [{"image": f"{s}.png", "caption": texts[s][1]} for s in stems if texts[s][1] is not None]
        for version, records in (("35", records_35), ("4v", records_4v)):
            path = root / CAPTION_DIR / f"ChatEarthNet_caps_{version}_{split}.json"
            path.write_text(json.dumps(records, indent=4, ensure_ascii=False) + "\n", encoding="utf-8")
    return root
