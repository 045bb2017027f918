"""Baselines computed from the data alone (no model, no GPU), so every dataset has a floor to compare with.

* ``nearest_caption``: each target sample gets the caption of the most similar training sample: largest
  Jaccard overlap of label sets, ties (and datasets without labels, like ChatEarthNet) broken by the
  nearest position on the globe, then by sample id.
* ``template_caption``: a sentence written from the sample's land-cover map (its three largest classes and
  their shares), for samples that have a map.
* ``frequent_caption``: the most frequent training caption for every sample (ties: alphabetical first).
* ``majority_answers``: for BigEarthNet.txt-style tasks, the most frequent training answer of each kind and
  category; for boxes, the mean training box of the category.

Each returns a table ready to be written as a prediction file (``write_coco_results`` / ``write_jsonl``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ..catalog import Catalog
from ..errors import ExplorerError
from ..legends import LEGENDS
from ..model import KIND_CAPTION, KIND_REFEXP, LAYER_LANDCOVER
from .task_metrics import TASK_KINDS

TRAIN_SPLIT = "train"
_CHUNK = 512  # target samples compared at once (bounds memory at full size)


def _captions(catalog: Catalog, split: str, source: str | None) -> pd.DataFrame:
    table = catalog.annotations.select(["sidx", "sample_id", "kind", "source", "split", "output"])
    mask = pc.and_(pc.equal(table.column("kind"), KIND_CAPTION), pc.equal(table.column("split"), split))
    if source is not None:
        mask = pc.and_(mask, pc.equal(table.column("source"), source))
    frame = table.filter(mask).to_pandas()
    return frame[frame["output"].fillna("").str.strip() != ""]


def _targets(catalog: Catalog, split: str) -> pd.DataFrame:
    samples = catalog.samples
    return samples[samples["split"] == split].reset_index(drop=True)


def _need_training(catalog: Catalog, train: pd.DataFrame, source: str | None) -> None:
    if train.empty:
        which = f" from {source!r}" if source else ""
        raise ExplorerError(f"{catalog.name}: no {TRAIN_SPLIT!r} captions{which} to build a baseline from")


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(np.nan_to_num(lat)), np.radians(np.nan_to_num(lon))
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)


def nearest_caption(catalog: Catalog, split: str = "test", source: str | None = None) -> pd.DataFrame:
    """``sample_id, caption, neighbour`` for every sample of ``split``."""
    train_captions = _captions(catalog, TRAIN_SPLIT, source).drop_duplicates("sidx")
    train_captions = train_captions.sort_values("sample_id", kind="stable").reset_index(drop=True)
    _need_training(catalog, train_captions, source)
    samples = catalog.samples.set_index("sidx")
    train = samples.loc[train_captions["sidx"].to_numpy()]
    targets = _targets(catalog, split)
    classes = sorted(
        {c for labels in catalog.samples["labels"] for c in (labels if labels is not None else [])}
    )
    column = {c: i for i, c in enumerate(classes)}

    def multi_hot(frame: pd.DataFrame) -> np.ndarray:
        out = np.zeros((len(frame), max(len(classes), 1)), dtype=np.float32)
        for row, labels in enumerate(frame["labels"]):
            for label in labels if labels is not None else []:
                out[row, column[label]] = 1.0
        return out

    train_hot, train_xyz = multi_hot(train), _unit_vectors(train["lat"].to_numpy(), train["lon"].to_numpy())
    train_size = train_hot.sum(axis=1)
    chosen = np.zeros(len(targets), dtype=np.int64)
    for start in range(0, len(targets), _CHUNK):
        part = targets.iloc[start : start + _CHUNK]
        hot = multi_hot(part)
        inter = hot @ train_hot.T
        union = hot.sum(axis=1)[:, None] + train_size[None, :] - inter
        jaccard = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
        closeness = _unit_vectors(part["lat"].to_numpy(), part["lon"].to_numpy()) @ train_xyz.T  # cos(angle)
        # best Jaccard, then the closest among those; argmax keeps the first (smallest id) of equal ones
        ties = jaccard == jaccard.max(axis=1, keepdims=True)
        chosen[start : start + len(part)] = np.argmax(np.where(ties, closeness, -np.inf), axis=1)
    picked = train_captions.iloc[chosen]
    return pd.DataFrame(
        {
            "sample_id": targets["sample_id"],
            "caption": picked["output"].to_numpy(),
            "neighbour": picked["sample_id"].to_numpy(),
        }
    )


def template_sentence(shares: dict[str, float]) -> str:
    """ "The image is mostly covered by grassland (48%), with tree cover (24%) and cropland (17%)." """
    top = [(name.lower(), share) for name, share in list(shares.items())[:3] if share > 0]
    if not top:
        return ""
    parts = [f"{name} ({round(100 * share)}%)" for name, share in top]
    if len(parts) == 1:
        return f"The image is covered by {parts[0]}."
    rest = parts[1] if len(parts) == 2 else f"{parts[1]} and {parts[2]}"
    return f"The image is mostly covered by {parts[0]}, with {rest}."


def template_caption(catalog: Catalog, split: str = "test") -> pd.DataFrame:
    """``sample_id, caption`` for the samples of ``split`` that have a readable land-cover map."""
    targets = _targets(catalog, split)
    rows = []
    for sample_id, layers in zip(targets["sample_id"], targets["layers"], strict=True):
        if layers is None or LAYER_LANDCOVER not in list(layers):
            continue
        try:
            layer = catalog.read_layer(str(sample_id), LAYER_LANDCOVER)
        except (ExplorerError, OSError, ValueError):
            continue  # an unreadable map: this baseline has nothing to say about the sample
        legend = LEGENDS[layer.attrs["legend"]]
        rows.append(
            {"sample_id": sample_id, "caption": template_sentence(legend.shares(np.asarray(layer.values[0])))}
        )
    return pd.DataFrame(rows, columns=["sample_id", "caption"])


def frequent_caption(catalog: Catalog, split: str = "test", source: str | None = None) -> pd.DataFrame:
    """``sample_id, caption``: the same, most frequent training caption for every sample of ``split``."""
    train = _captions(catalog, TRAIN_SPLIT, source)
    _need_training(catalog, train, source)
    counts = train["output"].value_counts()
    best = sorted(counts[counts == counts.max()].index.tolist())[0]
    targets = _targets(catalog, split)
    return pd.DataFrame({"sample_id": targets["sample_id"], "caption": [best] * len(targets)})


def majority_answers(catalog: Catalog, split: str = "test") -> pd.DataFrame:
    """``ann_id, answer`` for every task annotation of ``split``: the training majority of its kind and
    category (for boxes, the category's mean training box)."""
    columns = ["ann_id", "kind", "category", "split", "output", "bbox_x0", "bbox_y0", "bbox_x1", "bbox_y1"]
    frame = catalog.annotations.select(columns).to_pandas()
    frame = frame[frame["kind"].isin(TASK_KINDS)]
    frame["category"] = frame["category"].fillna("(none)")
    train = frame[frame["split"] == TRAIN_SPLIT]
    answers: dict[tuple[str, str], str] = {}
    for (kind, category), part in train.groupby(["kind", "category"]):
        if kind == KIND_REFEXP:
            box = part[["bbox_x0", "bbox_y0", "bbox_x1", "bbox_y1"]].mean()
            if box.notna().all():
                answers[(kind, category)] = (
                    f"[{box.iloc[0]:.2f} {box.iloc[1]:.2f}, {box.iloc[2]:.2f} {box.iloc[3]:.2f}]"
                )
        else:
            counts = part["output"].value_counts()
            if len(counts):
                answers[(kind, category)] = sorted(counts[counts == counts.max()].index.tolist())[0]
    target = frame[frame["split"] == split]
    out = [
        {"ann_id": int(a), "answer": answers[(k, c)]}
        for a, k, c in zip(target["ann_id"], target["kind"], target["category"], strict=True)
        if (k, c) in answers
    ]
    return pd.DataFrame(out, columns=["ann_id", "answer"])


def write_coco_results(frame: pd.DataFrame, path: Path) -> Path:
    """``[{"image_id", "caption"}]`` as the COCO toolkit's results files."""
    records = [
        {"image_id": str(s), "caption": str(c)}
        for s, c in zip(frame["sample_id"], frame["caption"], strict=True)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, indent=1))
    return path


def write_jsonl(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        for record in frame.to_dict(orient="records"):
            handle.write(json.dumps(record, default=str) + "\n")
    return path
