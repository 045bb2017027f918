"""Task metrics for BigEarthNet.txt-style outputs: answer accuracy (yes/no, multiple choice) and box IoU.

Scored per annotation, then summarised per kind and category (``summarise_tasks``):

* ``vqa_binary``: the first word of the output, lower-cased without punctuation, must equal the reference
  ("yes"/"no").
* ``vqa_mcq``: the reference is a letter a-d. An output counts as that letter when it starts with it ("b",
  "b)", "(b) forest") or, failing that, when it equals the option's text (case-insensitive).
* ``refexp``: the first four numbers of the output are a normalised box (x0, y0, x1, y1; the released
  ``[x0 y0, x1 y1]`` form and ``[x0, y0, x1, y1]`` both parse). IoU against the annotation's ``bbox_*`` columns
  and accuracy at IoU >= 0.5. An output without four numbers scores IoU 0 and is counted as unparsed.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..catalog import Catalog
from ..model import KIND_REFEXP, KIND_VQA_BINARY, KIND_VQA_MCQ

TASK_KINDS = (KIND_VQA_BINARY, KIND_VQA_MCQ, KIND_REFEXP)
IOU_THRESHOLD = 0.5
_NUMBER = re.compile(r"-?\d*\.?\d+")
_LETTER = re.compile(r"^\s*\(?([a-dA-D])\s*(?:\)|\.|:|$|\s)")
_WORD = re.compile(r"[a-z]+")


def normalise_binary(text: str | None) -> str:
    words = _WORD.findall((text or "").lower())
    return words[0] if words else ""


def mcq_letter(text: str | None, options: list[str] | None) -> str:
    """The option letter an output names ("" when none)."""
    text = (text or "").strip()
    found = _LETTER.match(text)
    if found:
        return found.group(1).lower()
    cleaned = text.strip(" .").lower()
    for index, option in enumerate(options or []):
        if cleaned == str(option).strip(" .").lower():
            return "abcd"[index]
    return ""


def parse_box(text: str | None) -> tuple[float, float, float, float] | None:
    numbers = _NUMBER.findall(text or "")
    if len(numbers) < 4:
        return None
    x0, y0, x1, y1 = (float(n) for n in numbers[:4])
    return x0, y0, x1, y1


def box_iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes; corners in either order."""
    ax0, ax1 = sorted((a[0], a[2]))
    ay0, ay1 = sorted((a[1], a[3]))
    bx0, bx1 = sorted((b[0], b[2]))
    by0, by1 = sorted((b[1], b[3]))
    inter = max(0.0, min(ax1, bx1) - max(ax0, bx0)) * max(0.0, min(ay1, by1) - max(ay0, by0))
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
    return inter / union if union > 0 else 0.0


def score_tasks(catalog: Catalog, matched: pd.DataFrame) -> pd.DataFrame:
    """One row per matched task annotation: kind, category, prediction, reference, correct, iou, parsed.

    ``matched`` comes from ``match.match_predictions`` on annotation keys; caption annotations are left out
    (they are scored by the caption metrics).
    """
    if matched.empty:
        return pd.DataFrame(
            columns=[
                "ann_id",
                "sample_id",
                "sidx",
                "split",
                "kind",
                "category",
                "prediction",
                "reference",
                "correct",
                "iou",
                "parsed",
            ]
        )
    columns = ["kind", "category", "output", "options", "bbox_x0", "bbox_y0", "bbox_x1", "bbox_y1"]
    rows = catalog.annotations.select(columns).take(matched["ann_row"].to_numpy()).to_pandas()
    keep = rows["kind"].isin(TASK_KINDS).to_numpy()
    rows, base = rows[keep].reset_index(drop=True), matched[keep].reset_index(drop=True)
    correct = np.full(len(rows), np.nan)
    iou = np.full(len(rows), np.nan)
    parsed = np.ones(len(rows), dtype=bool)
    for i, (kind, text, reference, options) in enumerate(
        zip(rows["kind"], base["text"], rows["output"], rows["options"], strict=True)
    ):
        if kind == KIND_VQA_BINARY:
            answer = normalise_binary(text)
            parsed[i] = answer in ("yes", "no")
            correct[i] = float(answer == normalise_binary(reference))
        elif kind == KIND_VQA_MCQ:
            option_list = list(options) if options is not None else []
            answer = mcq_letter(text, option_list)
            parsed[i] = answer != ""
            correct[i] = float(answer != "" and answer == mcq_letter(reference, option_list))
        else:
            box = parse_box(text)
            truth = tuple(float(rows.at[i, c]) for c in ("bbox_x0", "bbox_y0", "bbox_x1", "bbox_y1"))
            parsed[i] = box is not None
            if any(np.isnan(truth)):
                continue  # a reference box the reader could not parse: no score either way
            iou[i] = box_iou(box, truth) if box is not None else 0.0  # type: ignore[arg-type]
            correct[i] = float(iou[i] >= IOU_THRESHOLD)
    return pd.DataFrame(
        {
            "ann_id": base["ann_id"],
            "sample_id": base["sample_id"],
            "sidx": base["sidx"],
            "split": base["split"],
            "kind": rows["kind"],
            "category": rows["category"].fillna("(none)"),
            "prediction": base["text"],
            "reference": rows["output"],
            "correct": correct,
            "iou": iou,
            "parsed": parsed,
        }
    )


def summarise_tasks(
    scores: pd.DataFrame, by: tuple[str, ...] = ("split", "kind", "category")
) -> pd.DataFrame:
    """n, accuracy (for boxes: accuracy at IoU 0.5), mean IoU and unparsed count per group, plus each kind's
    "(all)" row."""
    if scores.empty:
        return pd.DataFrame(columns=[*by, "n", "accuracy", "mean_iou", "n_unparsed"])
    overall = scores.assign(category="(all)")
    frame = pd.concat([scores, overall], ignore_index=True)
    grouped = frame.groupby(list(by), dropna=False)
    summary = grouped.agg(
        n=("correct", "size"),
        accuracy=("correct", "mean"),
        mean_iou=("iou", "mean"),
        n_unparsed=("parsed", lambda s: int((~s.astype(bool)).sum())),
    ).reset_index()
    return summary
