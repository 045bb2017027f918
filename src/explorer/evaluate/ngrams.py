"""N-gram counts of many tokenised sentences as flat integer arrays, and the n-grams two texts share.

BLEU and CIDEr in ``pycocoevalcap`` walk Python dicts of n-gram tuples per sentence (minutes for 10,000 long
captions). The same counts as arrays (sentence, order, n-gram id, count) let both metrics be formed with a few
vectorised joins; the arithmetic on those counts is the toolkit's, so the numbers agree to rounding.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_ORDER = 4


@dataclass(frozen=True)
class NgramTable:
    """One row per (sentence, distinct n-gram): which sentence, n-gram order (1..4), a global id, its count."""

    sentence: np.ndarray  # int64
    order: np.ndarray  # int64, 1..MAX_ORDER
    gram: np.ndarray  # int64, unique across orders
    count: np.ndarray  # int64, term frequency in the sentence
    lengths: np.ndarray  # int64, tokens per sentence (str.split(), as the toolkit's precook)
    n_grams: int  # number of distinct ids


def count_ngrams(sentences: Sequence[str], max_order: int = MAX_ORDER) -> NgramTable:
    """Count the 1..max_order-grams of whitespace-split sentences; equal n-grams get equal ids everywhere."""
    token_lists = [s.split() for s in sentences]
    lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
    flat = [w for t in token_lists for w in t]
    codes, words = pd.factorize(np.array(flat, dtype=object))  # C hashing: ~4x a Python dict loop
    tokens = np.asarray(codes, dtype=np.int64)
    n_words = max(int(words.size), 1)
    sentence_of = np.repeat(np.arange(len(token_lists), dtype=np.int64), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    position = np.arange(tokens.size, dtype=np.int64) - np.repeat(starts, lengths)
    remaining = np.repeat(lengths, lengths) - position  # tokens from here to the sentence end

    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    gram_at = tokens.copy()  # id of the order-k n-gram starting at each position (k = 1 now)
    n_prev = n_words
    offset = 0
    for k in range(1, max_order + 1):
        at = np.flatnonzero(remaining >= k)
        if k > 1:
            key = gram_at[at] * n_words + tokens[at + k - 1]
            distinct, dense = np.unique(key, return_inverse=True)
            gram_at = np.full(tokens.size, -1, dtype=np.int64)
            gram_at[at] = dense
            n_prev = distinct.size
        else:
            n_prev = n_words
        pair = sentence_of[at] * n_prev + gram_at[at]
        distinct_pairs, counts = np.unique(pair, return_counts=True)
        parts.append(
            (
                distinct_pairs // n_prev,
                np.full(distinct_pairs.size, k, dtype=np.int64),
                distinct_pairs % n_prev + offset,
                counts.astype(np.int64),
            )
        )
        offset += n_prev
    sentence, order, gram, count = (np.concatenate(column) for column in zip(*parts, strict=True))
    return NgramTable(sentence, order, gram, count, lengths, offset)


def shared_ngrams(prediction: str, references: Sequence[str], max_order: int = MAX_ORDER) -> list[dict]:
    """N-grams of a tokenised prediction that also occur in a reference: what a view highlights.

    One record per (order, n-gram): ``{"order", "ngram", "count_prediction", "count_references"}`` where the
    reference count is the largest count in any one reference (BLEU's clipping count). Longest first.
    """
    words = prediction.split()
    found: list[dict] = []
    for k in range(max_order, 0, -1):
        mine = Counter(zip(*(words[i:] for i in range(k)), strict=False))
        best: Counter[tuple[str, ...]] = Counter()
        for reference in references:
            ref_words = reference.split()
            theirs = Counter(zip(*(ref_words[i:] for i in range(k)), strict=False))
            for gram, count in theirs.items():
                if gram in mine and count > best[gram]:
                    best[gram] = count
        for gram, count in mine.items():
            if best[gram]:
                found.append(
                    {
                        "order": k,
                        "ngram": " ".join(gram),
                        "count_prediction": count,
                        "count_references": best[gram],
                    }
                )
    return found
