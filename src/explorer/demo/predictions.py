"""The demo's prediction files: the data-only baselines of ``explorer.evaluate.baselines``, written as the
files a user would bring, so ``eo-explorer evaluate`` has something to score without a model.

Layout: ``<demo>/predictions/<dataset folder>/<baseline>.json`` (COCO results: nearest-caption,
landcover-template, frequent-caption) and, for BigEarthNet.txt, ``majority-answers.jsonl`` (one answer per
annotation id). Baselines need the catalog's tables, so a throw-away catalog is built in a temporary folder
(never registered, never in the user's cache).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

PREDICTIONS_FOLDER = "predictions"


def write_predictions(out_dir: Path, folders: dict[str, Path], split: str = "test") -> list[Path]:
    """Write every baseline's predictions for ``split`` of each demo dataset; returns the files written."""
    from ..catalog import build_catalog
    from ..errors import ExplorerError
    from ..evaluate import baselines

    written: list[Path] = []
    for name, folder in folders.items():
        target = Path(out_dir) / PREDICTIONS_FOLDER / name
        if target.exists():
            shutil.rmtree(target)  # an earlier demo's files would be scored against this demo's samples
        with tempfile.TemporaryDirectory(prefix="eo-explorer-demo-") as scratch:
            catalog, _ = build_catalog(folder, out=Path(scratch) / "catalog")
            jobs = {
                "nearest-caption": lambda c=catalog: baselines.nearest_caption(c, split),
                "landcover-template": lambda c=catalog: baselines.template_caption(c, split),
                "frequent-caption": lambda c=catalog: baselines.frequent_caption(c, split),
            }
            for baseline, make in jobs.items():
                try:
                    frame = make()
                except ExplorerError:  # e.g. a tiny demo without training captions: no such baseline
                    continue
                if len(frame):
                    written.append(baselines.write_coco_results(frame, target / f"{baseline}.json"))
            answers = baselines.majority_answers(catalog, split)
            if len(answers):
                written.append(baselines.write_jsonl(answers, target / "majority-answers.jsonl"))
    return written
