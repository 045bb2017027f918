"""The side-by-side comparison table (in the spirit of ChatEarthNet's Table A1), every number computed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..model import KIND_CAPTION
from ..text import tokenize
from .columns import column, num_rows, strings
from .corpus import annotation_texts, is_question
from .geography import spatial_coverage
from .inputs import Dataset, as_datasets
from .words import vocabulary


def _modality(dataset: Dataset) -> str:
    if dataset.describe.get("modality"):
        return str(dataset.describe["modality"])
    layers_column = column(dataset.samples, "layers")
    layers = (
        pc.unique(pc.list_flatten(layers_column)).to_pylist() if pa.types.is_list(layers_column.type) else []
    )
    names = {"s2": "multispectral", "s1": "SAR"}
    found = [names[layer] for layer in ("s2", "s1") if layer in set(layers)]
    return " + ".join(found) if found else "unknown"


def comparison_table(datasets: Any) -> pd.DataFrame:
    """One row per dataset in the spirit of ChatEarthNet's Table A1, every number computed from the data."""
    rows = []
    for dataset in as_datasets(datasets):
        rows.append(comparison_row(dataset))
    return pd.DataFrame(rows)


def comparison_row(
    dataset: Dataset,
    words: np.ndarray | None = None,
    vocabulary_size: int | None = None,
    kind_counts: pd.Series | None = None,
) -> dict[str, Any]:
    """One dataset's row. ``words`` (per caption), ``vocabulary_size`` and ``kind_counts`` (rows per kind) are
    reused when the caller has them; caption measures fall back to all texts when there are no captions."""
    annotations = dataset.annotations
    if words is None or vocabulary_size is None:
        texts = annotation_texts(annotations)
        is_caption = ~is_question(annotations)
        chosen = pc.filter(texts, pa.array(is_caption)) if is_caption.any() else texts
        words = tokenize.word_counts(chosen) if words is None else words
        if vocabulary_size is None:
            vocabulary_size = vocabulary(chosen, ngram_sizes=()).size
    sample_ids = strings(dataset.samples, "sample_id") if num_rows(dataset.samples) else None
    images = (
        len(pc.unique(sample_ids))
        if sample_ids is not None and len(sample_ids)
        else len(pc.unique(strings(annotations, "sample_id")))
    )
    if kind_counts is None:
        counted = pc.value_counts(strings(annotations, "kind"))
        kind_counts = pd.Series(
            counted.field("counts").to_numpy(), index=counted.field("values").to_pylist(), dtype=np.int64
        ).drop(labels=[None], errors="ignore")
    return {
        "dataset": dataset.name,
        "image-text pairs": int(kind_counts.sum()),
        "captions": int(kind_counts.get(KIND_CAPTION, 0)),
        "images": int(images),
        "mean caption length (words)": float(np.mean(words)) if len(words) else float("nan"),
        "median caption length (words)": float(np.median(words)) if len(words) else float("nan"),
        "vocabulary size": int(vocabulary_size),
        "image modality": _modality(dataset),
        "spatial coverage": spatial_coverage(dataset.samples) if num_rows(dataset.samples) else "unknown",
        "annotation types": ", ".join(sorted(str(k) for k in kind_counts.index)),
        "caption generation": str(dataset.describe.get("generation", "unknown")),
    }
