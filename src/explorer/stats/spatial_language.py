"""Spatial language: POSITION/RELATION/SIZE term frequency and term x class co-occurrence with PMI, matched
with the pattern files of ``explorer.text.spatial``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..text import spatial
from .corpus import Corpus


def term_counts(corpus: Corpus, dataset: str, kinds: Sequence[str]) -> pd.DataFrame:
    """Mentions (occurrences) and texts (texts containing the term, with their occurrences) per term."""
    labels = spatial.term_labels()
    size = len(labels)
    sentence, term = corpus.sentence_terms()
    mentions = np.bincount(term, weights=corpus.sentence_weights[sentence], minlength=size)
    text, text_term = corpus.text_terms()
    texts = np.bincount(text_term, weights=corpus.weights[text], minlength=size)
    frame = labels.assign(dataset=dataset, mentions=mentions.round().astype(np.int64), texts=texts.round())
    frame = frame[(frame["mentions"] > 0) & frame["kind"].isin(kinds)]
    frame = frame.astype({"texts": np.int64})[["dataset", "kind", "label", "mentions", "texts"]]
    return frame.sort_values(["kind", "mentions"], ascending=[True, False], ignore_index=True)


def spatial_term_frequency(corpus_or_texts: Any, dataset: str = "") -> pd.DataFrame:
    """Occurrences of each POSITION/RELATION/SIZE term: dataset, kind, label, mentions, texts."""
    corpus = corpus_or_texts if isinstance(corpus_or_texts, Corpus) else Corpus.from_texts(corpus_or_texts)
    return term_counts(corpus, dataset, ["POSITION", "RELATION", "SIZE"])


def cooccurrence(
    corpus_or_texts: Any, level: str = "sentence", min_count: int = 5, dataset: str = ""
) -> pd.DataFrame:
    """Spatial term x class co-occurrence within a sentence (or a whole caption), with PMI.

    ``pmi = log2(P(term, class) / (P(term) P(class)))`` over units (sentences or texts, each counted with its
    occurrences); ``ppmi`` keeps positive values; ``shown`` marks pairs with ``count >= min_count`` and a
    positive PMI (what the heatmap displays).
    """
    if level not in ("sentence", "caption"):
        raise ValueError("level must be 'sentence' or 'caption'")
    corpus = corpus_or_texts if isinstance(corpus_or_texts, Corpus) else Corpus.from_texts(corpus_or_texts)
    columns = ["dataset", "kind", "term", "class", "count", "term_count", "class_count", "units", "pmi"]
    labels = spatial.term_labels()
    size = len(labels)
    if level == "sentence":
        unit, term = corpus.unique_sentence_terms()
        unit_weights = corpus.sentence_weights
        units = float(unit_weights[corpus._tokens_per_sentence() > 0].sum())
    else:
        unit, term = corpus.text_terms()
        unit_weights = corpus.weights.astype(float)
        units = float(unit_weights.sum())
    weight = unit_weights[unit]
    keep = weight > 0
    unit, term, weight = unit[keep], term[keep], weight[keep]
    is_class = (labels["kind"] == "CLASS").to_numpy()[term]
    spatial_side = pd.DataFrame(
        {"unit": unit[~is_class], "term": term[~is_class], "weight": weight[~is_class]}
    )
    class_side = pd.DataFrame({"unit": unit[is_class], "cls": term[is_class]})
    pairs = spatial_side.merge(class_side, on="unit")
    if pairs.empty:
        return pd.DataFrame(columns=[*columns, "ppmi", "shown"])
    counts = np.bincount(
        pairs["term"].to_numpy() * size + pairs["cls"].to_numpy(),
        weights=pairs["weight"],
        minlength=size * size,
    )
    term_count = np.bincount(term[~is_class], weights=weight[~is_class], minlength=size)
    class_count = np.bincount(term[is_class], weights=weight[is_class], minlength=size)
    nonzero = np.flatnonzero(counts)
    t, c = nonzero // size, nonzero % size
    table = pd.DataFrame(
        {
            "dataset": dataset,
            "kind": labels["kind"].to_numpy()[t],
            "term": labels["label"].to_numpy()[t],
            "class": labels["label"].to_numpy()[c],
            "count": counts[nonzero].round().astype(np.int64),
            "term_count": term_count[t].round().astype(np.int64),
            "class_count": class_count[c].round().astype(np.int64),
            "units": units,
        }
    )
    with np.errstate(divide="ignore"):
        table["pmi"] = np.log2(table["count"] * units / (table["term_count"] * table["class_count"]))
    table["ppmi"] = table["pmi"].clip(lower=0)
    table["shown"] = (table["count"] >= min_count) & (table["pmi"] > 0)
    return table.sort_values(["kind", "term", "pmi"], ascending=[True, True, False], ignore_index=True)
