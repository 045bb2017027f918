"""Tasks: the mix of annotation kinds and categories, answer balance of questions, and bounding boxes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..constants import NONE_LABEL
from .columns import TableLike, grouped_counts, nullable
from .rows import ANSWERS, RowCodes


def task_mix(annotations: TableLike | RowCodes) -> pd.DataFrame:
    """Annotations per dataset, kind and category, with the share of the dataset."""
    rc = annotations if isinstance(annotations, RowCodes) else RowCodes.from_annotations(annotations)
    keys = [
        np.where(rc.codes[n] >= 0, rc.codes[n], len(rc.names[n])) for n in ("dataset", "kind", "category")
    ]
    (d, k, c), counts, _ = grouped_counts(keys)
    frame = pd.DataFrame(
        {
            "dataset": rc.labels("dataset", nullable(d, rc.names["dataset"])),
            "kind": rc.labels("kind", nullable(k, rc.names["kind"])),
            "category": rc.labels("category", nullable(c, rc.names["category"])),
            "count": counts,
        }
    )
    frame["category"] = frame["category"].fillna(NONE_LABEL)
    frame["share"] = frame["count"] / frame.groupby("dataset")["count"].transform("sum")
    return frame.sort_values(["dataset", "count"], ascending=[True, False], ignore_index=True)


def answer_balance(annotations: TableLike | RowCodes) -> pd.DataFrame:
    """Answers of binary (yes/no) and multiple-choice (a-d) questions: dataset, kind, answer, count, share.
    Answers outside the expected set are counted as ``other``."""
    rc = annotations if isinstance(annotations, RowCodes) else RowCodes.from_annotations(annotations)
    asked = rc.answer >= 0
    if not asked.any():
        return pd.DataFrame(columns=["dataset", "kind", "answer", "count", "share"])
    keys = [rc.codes["dataset"][asked], rc.codes["kind"][asked], rc.answer[asked]]
    (d, k, a), counts, _ = grouped_counts([np.maximum(x, 0) for x in keys])
    frame = pd.DataFrame(
        {
            "dataset": rc.labels("dataset", d),
            "kind": rc.labels("kind", k),
            "answer": np.array(ANSWERS, dtype=object)[a],
            "count": counts,
        }
    )
    frame["share"] = frame["count"] / frame.groupby(["dataset", "kind"])["count"].transform("sum")
    return frame.sort_values(["dataset", "kind", "answer"], ignore_index=True)


def boxes_per_sample(annotations: TableLike | RowCodes) -> pd.DataFrame:
    """How many samples carry 0, 1, 2, ... boxes (of those with any annotation): dataset, boxes, samples."""
    rc = annotations if isinstance(annotations, RowCodes) else RowCodes.from_annotations(annotations)
    if not len(rc):
        return pd.DataFrame(columns=["dataset", "boxes", "samples"])
    dataset = np.maximum(rc.codes["dataset"], 0).astype(np.int64)
    sample = np.maximum(rc.codes["sample_id"], 0).astype(np.int64)
    has_box = (rc.box_index >= 0).astype(float)
    (d, _), _, (boxes,) = grouped_counts([dataset, sample], [has_box])  # one row per (dataset, sample)
    (d2, b), samples, _ = grouped_counts([d, boxes.round().astype(np.int64)])
    frame = pd.DataFrame({"dataset": rc.labels("dataset", d2), "boxes": b, "samples": samples})
    return frame.sort_values(["dataset", "boxes"], ignore_index=True)


def box_sizes(annotations: TableLike | RowCodes, bins: int = 20) -> pd.DataFrame:
    """Histogram of box width, height and area (normalised image units, 0-1): dataset, measure, bin_left,
    bin_right, count."""
    rc = annotations if isinstance(annotations, RowCodes) else RowCodes.from_annotations(annotations)
    if not len(rc.boxes):
        return pd.DataFrame(columns=["dataset", "measure", "bin_left", "bin_right", "count"])
    edges = np.linspace(0, 1, bins + 1)
    boxed = rc.box_index >= 0
    datasets = rc.codes["dataset"][boxed]
    x0, y0, x1, y1 = (rc.boxes[:, i].astype(float) for i in range(4))
    width, height = np.abs(x1 - x0), np.abs(y1 - y0)
    frames = []
    for code in np.unique(datasets):
        mine = datasets == code
        for measure, values in (("width", width), ("height", height), ("area", width * height)):
            counts, _ = np.histogram(np.clip(values[mine], 0, 1), bins=edges)
            frames.append(
                pd.DataFrame(
                    {
                        "dataset": rc.labels("dataset", np.array([code]))[0],
                        "measure": measure,
                        "bin_left": edges[:-1],
                        "bin_right": edges[1:],
                        "count": counts,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)
