"""What each statistic panel draws, as tidy frames built from the tables of ``explorer.stats``: one place for
the dashboard's panels and the figures exported from them (``explorer.figures``), so both show the same bins,
the same top labels and the same values. No Panel and no matplotlib here.

Every frame has a ``dataset`` column and a ``value`` column (a count, or with ``density`` a share), one row per
bar or bin, in the order the bars are drawn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .constants import NONE_LABEL
from .model import KIND_CAPTION, KIND_CONVERSATION, KIND_VQA_BINARY, KIND_VQA_MCQ
from .stats import GROUP_CAPTION

__all__ = [
    "CAPTION_KINDS",
    "LENGTH_BINS",
    "answer_frame",
    "class_frame",
    "datasets_in",
    "length_frame",
    "short",
    "slug",
    "task_frame",
    "word_frames",
]

CAPTION_KINDS = (KIND_CAPTION, KIND_CONVERSATION)  # the texts whose length the caption-length panel shows
LENGTH_BINS = 60  # at most this many caption-length bins, common to every dataset
TOP_CLASSES = 20
TOP_TASKS = 20
TOP_WORDS = 15
KIND_TITLES = {KIND_VQA_BINARY: "binary", KIND_VQA_MCQ: "multiple choice"}


def short(text: str, limit: int = 34) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (axis labels)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slug(text: str) -> str:
    """A file-name-safe form of a dataset name (``classes_by_sample_<slug>.png``)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "dataset"


def datasets_in(frame: pd.DataFrame) -> list[str]:
    """The datasets of a frame, in order of first appearance."""
    return [str(d) for d in pd.unique(frame["dataset"])] if "dataset" in frame and len(frame) else []


def length_frame(
    tables: Mapping[str, pd.DataFrame],
    density: bool,
    max_bins: int = LENGTH_BINS,
    kinds: tuple[str, ...] = CAPTION_KINDS,
) -> pd.DataFrame:
    """Caption-length histogram on bins common to every dataset: dataset, source, label, left, right, value.

    One line (``label``) per dataset, or per caption source when a dataset has several (``name (source)``).
    ``value`` is the number of captions in the bin, or with ``density`` their share of that line's captions
    (each line sums to 1, so datasets of any size compare on one axis). Bins are gap-free, ``right`` exclusive.
    """
    columns = ["dataset", "source", "label", "left", "right", "value"]
    hist = tables.get("length_hist")
    if hist is None or hist.empty:
        return pd.DataFrame(columns=columns)
    chosen = hist[hist["kind"].isin(kinds)]
    if chosen.empty:
        chosen = hist
    chosen = chosen.assign(source=chosen["source"].astype(object) if "source" in chosen else None)
    chosen = chosen[chosen["count"] > 0]
    lo_words, hi_words = int(chosen["words"].min()), int(chosen["words"].max())
    width = max(1, int(np.ceil((hi_words - lo_words + 1) / max_bins)))
    start = (lo_words // width) * width
    n_bins = (hi_words - start) // width + 1
    left = start + np.arange(n_bins) * width
    parts = []
    for name in datasets_in(chosen):
        part = chosen[chosen["dataset"] == name]
        sources = [s for s in pd.unique(part["source"]) if s is not None and s == s]
        lines = [(s, part[part["source"] == s]) for s in sources] if len(sources) > 1 else [(None, part)]
        for source, rows in lines:
            counts = np.bincount(
                (rows["words"].to_numpy(dtype=np.int64) - start) // width,
                weights=rows["count"].to_numpy(dtype=float),
                minlength=n_bins,
            )
            value = counts / counts.sum() if density else counts
            label = name if source is None else f"{name} ({source})"
            parts.append(
                pd.DataFrame(
                    {
                        "dataset": name,
                        "source": source,
                        "label": label,
                        "left": left,
                        "right": left + width,
                        "value": value,
                    }
                )  # fmt: skip
            )
    return pd.concat(parts, ignore_index=True)


def _top_labels(frame: pd.DataFrame, label: str, n: int) -> list[Any]:
    """The ``n`` labels with the largest share in any dataset (small datasets keep their own top labels)."""
    return list(frame.groupby(label, sort=False)["share"].max().sort_values(ascending=False).index[:n])


def _grouped(frame: pd.DataFrame, order: list[Any], label: str, value: str, keys: list[str]) -> pd.DataFrame:
    """One row per (dataset, label in ``order``), zero where a dataset lacks the label, in the order HoloViews
    draws grouped bars: dataset by dataset, so a selected bar's index is its row; labels reversed, since a
    horizontal chart draws its first factor at the bottom. ``keys``: columns that the label stands for."""
    names = datasets_in(frame)
    described = frame[[label, *keys]].drop_duplicates(label).set_index(label)
    values = frame.set_index(["dataset", label])[value].astype(float)
    values = values[~values.index.duplicated()]
    grid = pd.MultiIndex.from_product([names, order[::-1]], names=["dataset", label])
    out = values.reindex(grid, fill_value=0.0).rename("value").reset_index()
    for key in keys:
        out[key] = out[label].map(described[key])
    return out


def _uniqueshort(values: list[str], limit: int = 34) -> dict[str, str]:
    labels: dict[str, str] = {}
    used: set[str] = set()
    for value in values:
        label = short(value, limit)
        copy = 1
        while label in used:
            copy += 1
            label = f"{short(value, limit - 4)} ({copy})"
        used.add(label)
        labels[value] = label
    return labels


def class_frame(tables: Mapping[str, pd.DataFrame], density: bool) -> pd.DataFrame:
    """Samples (or share of samples) carrying each of the top classes: dataset, class, label, value."""
    frame = tables.get("class_by_sample")
    if frame is None or frame.empty:
        return pd.DataFrame(columns=["dataset", "class", "label", "value"])
    frame = frame.assign(**{"class": frame["class"].astype(str)})
    order = _top_labels(frame, "class", TOP_CLASSES)
    out = _grouped(frame, order, "class", "share" if density else "samples", [])
    out["label"] = out["class"].map(_uniqueshort(order))
    return out


def task_frame(tables: Mapping[str, pd.DataFrame], density: bool) -> pd.DataFrame:
    """Annotations (or share) per task (kind / category): dataset, kind, category, label, value. Empty when
    every dataset has captions only (nothing to compare)."""
    frame = tables.get("task_mix")
    columns = ["dataset", "kind", "category", "label", "value"]
    if frame is None or frame.empty:
        return pd.DataFrame(columns=columns)
    frame = frame.assign(
        kind=frame["kind"].astype(str),
        category=frame["category"].astype(object).fillna(NONE_LABEL).astype(str),
    )
    if set(frame["kind"]) <= set(CAPTION_KINDS):
        return pd.DataFrame(columns=columns)
    frame["label"] = np.where(
        frame["category"] == NONE_LABEL, frame["kind"], frame["kind"] + " / " + frame["category"]
    )
    order = _top_labels(frame, "label", TOP_TASKS)
    return _grouped(frame, order, "label", "share" if density else "count", ["kind", "category"])


def answer_frame(tables: Mapping[str, pd.DataFrame], density: bool) -> pd.DataFrame:
    """Answers of binary and multiple-choice questions: dataset, kind, answer, label, value (count, or share
    of that dataset's questions of that kind)."""
    frame = tables.get("answer_balance")
    if frame is None or frame.empty:
        return pd.DataFrame(columns=["dataset", "kind", "answer", "label", "value"])
    frame = frame.assign(kind=frame["kind"].astype(str), answer=frame["answer"].astype(str))
    frame["label"] = frame["kind"].map(lambda k: KIND_TITLES.get(k, k)) + ": " + frame["answer"]
    kinds = {k: i for i, k in enumerate(sorted(set(frame["kind"])))}
    keys = frame[["kind", "answer", "label"]].drop_duplicates()
    keys = keys.assign(_k=keys["kind"].map(kinds)).sort_values(["_k", "answer"])
    return _grouped(frame, list(keys["label"]), "label", "share" if density else "count", ["kind", "answer"])


def word_frames(tables: Mapping[str, pd.DataFrame], density: bool) -> dict[str, pd.DataFrame]:
    """dataset -> its top words in captions: token, value (occurrences, or share of the caption tokens)."""
    words = tables.get("top_words")
    if words is None or words.empty:
        return {}
    words = words[words["group"] == GROUP_CAPTION]
    vocab = tables.get("vocabulary")
    out = {}
    for name in datasets_in(words):
        rows = words[words["dataset"] == name].nsmallest(TOP_WORDS, "rank")
        value = rows["count"].astype(float)
        if density and vocab is not None and not vocab.empty:
            total = vocab[(vocab["dataset"] == name) & (vocab["group"] == GROUP_CAPTION)]["tokens"]
            value = value / float(total.iloc[0]) if len(total) and float(total.iloc[0]) else value
        out[name] = pd.DataFrame({"token": rows["token"].astype(str).to_numpy(), "value": value.to_numpy()})
    return out
