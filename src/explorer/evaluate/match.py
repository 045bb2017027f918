"""Tie a model's outputs to the catalog's samples or annotations, and count what does not fit.

Sample keys match a ``sample_id``, else the sample's image file name (``image``), else a file name's stem
("…/7964_5208_patch01.png" -> "7964_5208_patch01"). Annotation keys match ``ann_id``. Every row ends up in
exactly one bucket, reported in ``MatchReport``: matched, unknown id, missing id, or repeated id (the first
output of an id is kept and scored, the repeats are counted). Empty outputs are matched and scored as the
empty string (they score 0 on every metric) and counted, so a model is not flattered by skipping hard cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ..catalog import Catalog
from .predictions import KEY_ANNOTATION, Predictions

_EXAMPLES = 20


@dataclass
class MatchReport:
    model: str
    path: str
    key_kind: str
    n_rows: int
    n_matched: int = 0
    n_unknown: int = 0
    n_missing_id: int = 0
    n_duplicates: int = 0
    n_empty: int = 0
    unknown_examples: list[str] = field(default_factory=list)
    duplicate_examples: list[str] = field(default_factory=list)
    empty_examples: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Human-readable summary, one fact per line (printed by the CLI, stored in the summary)."""
        out = [
            f"{self.model}: {self.n_matched:,} of {self.n_rows:,} outputs matched {self.key_kind}s ({self.path})"
        ]
        if self.n_unknown:
            out.append(f"  {self.n_unknown:,} unknown ids, e.g. {', '.join(self.unknown_examples[:5])}")
        if self.n_missing_id:
            out.append(f"  {self.n_missing_id:,} rows without an id")
        if self.n_duplicates:
            out.append(
                f"  {self.n_duplicates:,} repeated ids (first output kept), e.g. {', '.join(self.duplicate_examples[:5])}"
            )
        if self.n_empty:
            out.append(
                f"  {self.n_empty:,} empty outputs (scored as empty), e.g. {', '.join(self.empty_examples[:5])}"
            )
        return out

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _stem(name: str) -> str:
    base = PureWindowsPath(PurePosixPath(name).name).name
    return base.rsplit(".", 1)[0] if "." in base else base


def _sample_positions(catalog: Catalog, keys: pd.Series) -> np.ndarray:
    """sidx for each key (-1 when unknown): by sample_id, then image file name, then file stem."""
    samples = catalog.samples
    lookups = [
        pd.Series(samples["sidx"].to_numpy(), index=samples["sample_id"].astype(str)),
        pd.Series(samples["sidx"].to_numpy(), index=samples["image"].astype(str)),
    ]
    result = np.full(len(keys), -1, dtype=np.int64)
    candidates = [keys, keys.map(lambda k: _stem(k) if isinstance(k, str) else k)]
    for candidate in candidates:
        for lookup in lookups:
            lookup = lookup[~lookup.index.duplicated()]
            todo = result < 0
            if not todo.any():
                return result
            found = candidate[todo].map(lookup)
            result[np.flatnonzero(todo)] = found.fillna(-1).to_numpy(dtype=np.int64)
    return result


def _annotation_rows(catalog: Catalog, keys: pd.Series) -> np.ndarray:
    """Row of each annotation id in the catalog's annotation table (-1 when unknown or not an integer)."""
    numbers = pd.to_numeric(keys, errors="coerce")
    ids = catalog.annotations.column("ann_id")
    whole = numbers.notna() & (numbers == numbers.round())
    result = np.full(len(keys), -1, dtype=np.int64)
    if whole.any():
        wanted = numbers[whole].astype(np.int64).to_numpy()
        rows = pc.index_in(wanted, value_set=ids).to_numpy(zero_copy_only=False)
        rows = np.where(np.isnan(rows.astype(float)), -1, rows).astype(np.int64)
        result[np.flatnonzero(whole.to_numpy())] = rows
    return result


def match_predictions(catalog: Catalog, predictions: Predictions) -> tuple[pd.DataFrame, MatchReport]:
    """(matched outputs, report). Matched columns: ``sidx, sample_id, split, text`` and, for annotation keys,
    ``ann_row`` (row in ``catalog.annotations``) and ``ann_id``."""
    table = predictions.table
    report = MatchReport(predictions.model, str(predictions.path), predictions.key_kind, len(table))
    has_key = table["key"].notna() & (table["key"] != "")
    report.n_missing_id = int((~has_key).sum())
    keys = table["key"].where(has_key, None)
    if predictions.key_kind == KEY_ANNOTATION:
        ann_rows = _annotation_rows(catalog, keys)
        sidx = np.full(len(table), -1, dtype=np.int64)
        known = ann_rows >= 0
        sidx[known] = catalog.annotations.column("sidx").take(ann_rows[known]).to_numpy()
    else:
        ann_rows = None
        sidx = _sample_positions(catalog, keys)
    known = (sidx >= 0) & has_key.to_numpy()
    unknown = has_key.to_numpy() & ~known
    report.n_unknown = int(unknown.sum())
    report.unknown_examples = table.loc[unknown, "key"].head(_EXAMPLES).tolist()

    target = ann_rows if ann_rows is not None else sidx
    frame = table.assign(target=target, sidx=sidx)[known]
    repeated = frame["target"].duplicated(keep="first")
    report.n_duplicates = int(repeated.sum())
    report.duplicate_examples = frame.loc[repeated, "key"].head(_EXAMPLES).tolist()
    frame = frame[~repeated]

    empty = frame["text"].isna() | (frame["text"].fillna("").str.strip() == "")
    report.n_empty = int(empty.sum())
    report.empty_examples = frame.loc[empty, "key"].head(_EXAMPLES).tolist()
    report.n_matched = len(frame)

    positions = frame["sidx"].to_numpy()
    out = pd.DataFrame(
        {
            "sidx": positions,
            "sample_id": catalog.samples["sample_id"].to_numpy()[positions],
            "split": catalog.samples["split"].to_numpy()[positions],
            "text": frame["text"].where(~empty, "").to_numpy(),
            "row": frame["row"].to_numpy(),
        }
    )
    if ann_rows is not None:
        rows = frame["target"].to_numpy()
        out["ann_row"] = rows
        out["ann_id"] = catalog.annotations.column("ann_id").take(rows).to_numpy()
        out["split"] = catalog.annotations.column("split").take(rows).to_numpy(zero_copy_only=False)
    return out.reset_index(drop=True), report
