"""Table 2 numbers for any group of samples (a split, a country, a class, a caption-length bin) from stored
per-sample scores, without scoring anything again.

How each metric's group score is formed, so that a split's row equals the toolkit run on that split:

* BLEU-1..4: from the group's summed counts (corpus BLEU, as the toolkit forms it).
* METEOR: the jar's ``EVAL`` over the group's stored statistics lines (corpus METEOR, as the toolkit).
* ROUGE-L, SPICE: mean of per-sample scores (as the toolkit).
* CIDEr-D: mean of per-sample scores whose document frequencies come from the whole evaluated split. For a
  split this is the toolkit's number; for a subset it is the subset's share of the split's score, NOT what the
  toolkit would print if run on the subset alone (that would re-weight every n-gram by the subset's own
  frequencies and make subsets incomparable).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .caption_metrics import BLEU_COUNT_COLUMNS, BLEU_METRICS, CAPTION_METRICS, METEOR_STATS_COLUMN
from .class_checks import CHAIR_COLUMNS, chair
from .coco_scorers import bleu_from_counts
from .meteor import MeteorPool

#: caption-length bins (reference words, mean over a sample's references): lower edges
LENGTH_BINS = (0, 20, 50, 100, 150, 200)
SUBSET_KINDS = ("all", "country", "class", "length")


def length_bin(words: float) -> str:
    edges = [*LENGTH_BINS, np.inf]
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        if low <= words < high:
            return f"{int(low)}+ words" if np.isinf(high) else f"{int(low)}-{int(high) - 1} words"
    return "unknown"


def group_table(
    scores: pd.DataFrame, samples: pd.DataFrame, meteor: MeteorPool | None = None
) -> pd.DataFrame:
    """One row per (split, subset kind, subset): n and every available metric. ``scores`` is one model's
    per-sample caption scores (``run``), ``samples`` the catalog's sample table (country, labels)."""
    if scores.empty:
        return pd.DataFrame(columns=["split", "subset_kind", "subset", "n", *CAPTION_METRICS])
    info = samples.set_index("sidx").loc[scores["sidx"].to_numpy()]
    labels = pd.Series([list(v) if v is not None and len(v) else ["(none)"] for v in info["labels"].tolist()])
    frame = scores.reset_index(drop=True).assign(
        country=info["country"].fillna("unknown").to_numpy(),
        labels=labels.to_numpy(),
        length=[
            length_bin(float(np.mean([len(r.split()) for r in refs]))) if len(refs) else "unknown"
            for refs in scores["reference_tokens"]
        ],
    )
    groups: list[tuple[str, str, str, np.ndarray]] = []
    for split, part in frame.groupby("split", dropna=False, sort=True):
        split_name = str(split)
        groups.append((split_name, "all", "all", part.index.to_numpy()))
        for kind, column in (("country", "country"), ("length", "length")):
            for value, sub in part.groupby(column, sort=True):
                groups.append((split_name, kind, str(value), sub.index.to_numpy()))
        exploded = part[["labels"]].explode("labels")
        for value, sub in exploded.groupby("labels", sort=True):
            groups.append((split_name, "class", str(value), np.unique(sub.index.to_numpy())))
    return _score_groups(frame, groups, meteor)


def _score_groups(
    frame: pd.DataFrame, groups: Sequence[tuple[str, str, str, np.ndarray]], meteor: MeteorPool | None
) -> pd.DataFrame:
    rows = []
    has = {m: m in frame.columns for m in CAPTION_METRICS}
    for split, kind, value, index in groups:
        part = frame.loc[index]
        row: dict[str, object] = {"split": split, "subset_kind": kind, "subset": value, "n": len(part)}
        if has["Bleu_1"]:
            counts = {c: part[c].to_numpy() for c in BLEU_COUNT_COLUMNS}
            row.update(dict(zip(BLEU_METRICS, bleu_from_counts(counts), strict=True)))
        for metric in ("ROUGE_L", "CIDEr", "SPICE"):
            if has[metric]:
                row[metric] = float(np.mean(part[metric].to_numpy()))
        if "class_mentions" in frame.columns:
            row.update(chair(part))  # the audit's class checks on the outputs (class_checks)
        rows.append(row)
    table = pd.DataFrame(rows)
    if has["METEOR"] and METEOR_STATS_COLUMN in frame.columns:
        stats = [frame.loc[index, METEOR_STATS_COLUMN].tolist() for *_, index in groups]
        if meteor is None:
            with MeteorPool() as own:
                table["METEOR"] = own.corpus(stats)
        else:
            table["METEOR"] = meteor.corpus(stats)
    metrics = [*CAPTION_METRICS, *CHAIR_COLUMNS]
    ordered = ["split", "subset_kind", "subset", "n", *[m for m in metrics if m in table.columns]]
    return table[ordered]
