"""Vocabulary: sizes, top words and n-grams, Zipf table, and the words one dataset uses that another never does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .corpus import Corpus


@dataclass
class Vocabulary:
    """Vocabulary of a set of texts: sizes, top words and n-grams, rank-frequency (Zipf) table."""

    tokens: int
    size: int
    hapax: int  # words seen once
    counts: pd.DataFrame  # token, count (all words, most frequent first)
    ngrams: dict[int, pd.DataFrame]  # n -> ngram, count (top ones)

    @property
    def type_token_ratio(self) -> float:
        return self.size / self.tokens if self.tokens else float("nan")

    def top_words(self, n: int = 50) -> pd.DataFrame:
        return self.counts.head(n)

    def zipf(self, max_points: int = 2000) -> pd.DataFrame:
        """Rank, count and relative frequency; log-spaced ranks beyond ``max_points`` keep the curve small."""
        counts = self.counts["count"].to_numpy()
        ranks = np.arange(1, len(counts) + 1)
        if len(counts) > max_points:
            keep = np.unique(np.geomspace(1, len(counts), max_points).astype(np.int64)) - 1
            counts, ranks = counts[keep], ranks[keep]
        return pd.DataFrame({"rank": ranks, "count": counts, "frequency": counts / max(self.tokens, 1)})

    def summary(self) -> dict[str, Any]:
        return {
            "tokens": self.tokens,
            "vocabulary": self.size,
            "type_token_ratio": self.type_token_ratio,
            "hapax": self.hapax,
        }


def vocabulary(texts: Any, ngram_sizes: Sequence[int] = (2, 3), top: int = 50) -> Vocabulary:
    """Vocabulary of ``texts`` (any string column, or a ``Corpus``), counting every occurrence."""
    corpus = texts if isinstance(texts, Corpus) else Corpus.from_texts(texts)
    ids, vocab, sentence, weight = corpus.token_ids
    counts = np.bincount(ids, weights=weight, minlength=len(vocab)).round().astype(np.int64)
    frame = pd.DataFrame({"token": vocab.to_numpy(zero_copy_only=False), "count": counts})
    frame = frame[frame["count"] > 0]
    frame = frame.sort_values(["count", "token"], ascending=[False, True], ignore_index=True)
    ngrams = {n: _top_ngrams(ids, vocab, sentence, weight, n, top) for n in ngram_sizes}
    return Vocabulary(
        tokens=int(frame["count"].sum()),
        size=len(frame),
        hapax=int((frame["count"] == 1).sum()),
        counts=frame,
        ngrams=ngrams,
    )


def _top_ngrams(
    ids: np.ndarray, vocab: pa.Array, sentence: np.ndarray, weight: np.ndarray, n: int, top: int
) -> pd.DataFrame:
    size = len(ids)
    if size < n:
        return pd.DataFrame({"ngram": pd.Series(dtype=object), "count": pd.Series(dtype=np.int64)})
    starts = np.flatnonzero((sentence[: size - n + 1] == sentence[n - 1 :]) & (weight[: size - n + 1] > 0))
    v = max(len(vocab), 1)
    exact = v**n < 2**62
    key = np.zeros(len(starts), dtype=np.int64 if exact else np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            if exact:
                key = key * v + ids[starts + k]
            else:
                key = key * np.uint64(0x9E3779B97F4A7C15) + ids[starts + k].astype(np.uint64) + np.uint64(1)
    frame = pd.DataFrame({"key": key, "weight": weight[starts], "start": starts})
    grouped = frame.groupby("key", sort=False).agg(count=("weight", "sum"), start=("start", "first"))
    best = grouped.nlargest(top, "count", keep="first")
    words = vocab.to_numpy(zero_copy_only=False)
    first = best["start"].to_numpy()
    text = [" ".join(words[ids[s : s + n]]) for s in first]  # top rows only
    out = pd.DataFrame({"ngram": text, "count": best["count"].to_numpy().astype(np.int64)})
    return out.sort_values(["count", "ngram"], ascending=[False, True], ignore_index=True)


def unique_words(a: Any, b: Any, top: int = 50) -> dict[str, Any]:
    """Words of ``a`` never used in ``b`` and the reverse (texts or Vocabulary), with the shared count."""
    va = a if isinstance(a, Vocabulary) else vocabulary(a, ngram_sizes=())
    vb = b if isinstance(b, Vocabulary) else vocabulary(b, ngram_sizes=())
    in_b = va.counts["token"].isin(vb.counts["token"])
    in_a = vb.counts["token"].isin(va.counts["token"])
    return {
        "only_a": va.counts[~in_b].head(top).reset_index(drop=True),
        "only_b": vb.counts[~in_a].head(top).reset_index(drop=True),
        "shared": int(in_b.sum()),
        "only_a_total": int((~in_b).sum()),
        "only_b_total": int((~in_a).sum()),
    }
