"""The built-in demo: small synthetic datasets written in the REAL on-disk layouts, read by the real readers.

``write_demo(out_dir)`` writes ``out_dir/chatearthnet-demo`` (ChatEarthNet layout, with land-cover maps) and
``out_dir/bigearthnet-demo`` (BigEarthNet v2 + BigEarthNet.txt layout). Everything is synthetic but plausible:
coherent land-cover regions with class mixes that fit the place, per-class Sentinel-2 spectra and Sentinel-1
backscatter, and texts computed from the maps in each dataset's own style. A ``README_SYNTHETIC.txt`` in each
folder marks it as synthetic (the catalog can flag its samples "synthetic"). Deterministic for a seed.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .bigearthnet import write_bigearthnet
from .chatearthnet import write_chatearthnet
from .predictions import write_predictions

CHATEARTHNET_FOLDER = "chatearthnet-demo"
BIGEARTHNET_FOLDER = "bigearthnet-demo"
MARKER = "README_SYNTHETIC.txt"

_README = """SYNTHETIC DEMO DATA - not real satellite imagery, land cover or annotations.

Written by the EO Image-Text Explorer (`eo-explorer demo`, explorer.demo.write_demo, seed {seed}) in the
on-disk layout of {dataset}, so that the explorer's real readers can be exercised without downloading the
released data. {details}

Do not use these files for research results. The real dataset: {real}.
"""

_DETAILS = {
    CHATEARTHNET_FOLDER: (
        "ChatEarthNet",
        "Names are real zoom-13 Web-Mercator tiles on land on every continent (quadrants patch<R><C>); images, "
        "the WorldCover-coded maps in landcover/ (not part of the release) and the captions are generated.",
        "ChatEarthNet, Zenodo record 11003436 (CC-BY-4.0)",
    ),
    BIGEARTHNET_FOLDER: (
        "BigEarthNet v2.0 and BigEarthNet.txt",
        "Patch names, tiles, countries, splits and S1 pairings are taken from the real metadata.parquet; "
        "pixels, reference maps, labels and all texts are generated.",
        "BigEarthNet v2.0, Zenodo record 10891137, and BigEarthNet.txt on Hugging Face "
        "(BIFOLD-BigEarthNetv2-0/BigEarthNet.txt), CDLA-Permissive-1.0",
    ),
}


def _prepare(target: Path) -> Path:
    """A fresh temporary folder beside ``target``; refuses to touch an existing non-demo folder."""
    if target.exists() and not (target / MARKER).is_file():
        raise FileExistsError(f"{target} exists and is not a demo folder (no {MARKER}); not overwriting it")
    staging = target.with_name(f".{target.name}.partial-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def _publish(staging: Path, target: Path, seed: int) -> None:
    """Mark the folder synthetic and move it into place in one rename, so no reader sees half a demo."""
    dataset, details, real = _DETAILS[target.name]
    (staging / MARKER).write_text(_README.format(seed=seed, dataset=dataset, details=details, real=real))
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)


def write_demo(
    out_dir: Path, seed: int = 0, n_chatearthnet: int = 300, n_bigearthnet: int = 300
) -> dict[str, Path]:
    """Write both demo datasets under ``out_dir``; returns {folder name: path}."""
    if n_chatearthnet < 1 or n_bigearthnet < 1:
        raise ValueError("the demo needs at least one sample per dataset")
    out_dir = Path(out_dir).expanduser()
    out_dir.mkdir(parents=True, exist_ok=True)
    chat, big = out_dir / CHATEARTHNET_FOLDER, out_dir / BIGEARTHNET_FOLDER
    chat_stage, big_stage = _prepare(chat), _prepare(big)
    try:
        # numpy, zlib and GDAL release the GIL for the heavy work, so threads use both cores
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as executor:
            write_chatearthnet(chat_stage, seed, n_chatearthnet, executor)
            write_bigearthnet(big_stage, seed, n_bigearthnet, executor)
        _publish(chat_stage, chat, seed)
        _publish(big_stage, big, seed)
    finally:
        for stage in (chat_stage, big_stage):
            if stage.exists():
                shutil.rmtree(stage)
    folders = {CHATEARTHNET_FOLDER: chat, BIGEARTHNET_FOLDER: big}
    write_predictions(out_dir, folders)  # the baselines' outputs, for `eo-explorer evaluate` to score
    return folders


__all__ = ["BIGEARTHNET_FOLDER", "CHATEARTHNET_FOLDER", "MARKER", "write_demo"]
