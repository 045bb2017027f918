"""Caption length: words, sentences and characters per text, their exact histogram and summary."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..text import tokenize
from .columns import TableLike, grouped_counts, nullable, num_rows
from .corpus import Corpus
from .rows import RowCodes


def caption_lengths(
    annotations: TableLike,
    corpus: Corpus | None = None,
    row_index: np.ndarray | None = None,
    row_codes: RowCodes | None = None,
) -> pd.DataFrame:
    """Words, sentences and characters of every annotation's text, with its dataset, source, split, kind.

    Measured once per distinct text and spread back to the rows; categorical columns keep 9.55 M rows small.
    ``corpus``/``row_codes``: built from these annotations when the caller has them, with ``row_index``
    (default: ``corpus.row_index``) mapping each row of ``annotations`` to its distinct text.
    """
    if corpus is None:
        corpus = Corpus.from_annotations(annotations)
    index = corpus.row_index if row_index is None else row_index
    if index is None or len(index) != num_rows(annotations):
        raise ValueError("row_index must map every annotation row to a text of the corpus")
    rc = row_codes if row_codes is not None else RowCodes.from_annotations(annotations)
    frame = pd.DataFrame(
        {
            name: pd.Categorical.from_codes(
                rc.codes[name].astype(np.int64), categories=pd.Index(rc.names[name], dtype=object)
            )
            for name in ("dataset", "source", "split", "kind")
        }
    )
    frame["words"] = corpus.word_counts()[index]
    frame["sentences"] = corpus.sentence_counts()[index]
    frame["chars"] = tokenize.char_counts(corpus.texts)[index]
    return frame


def length_histogram(
    lengths: pd.DataFrame, by: Sequence[str] = ("dataset", "source", "kind")
) -> pd.DataFrame:
    """Exact distribution of words per text: one row per (group, words) with its count, and the sentences and
    characters of those texts summed (what the figures and ``length_summary`` need)."""
    by = [b for b in by if b in lengths.columns]
    keys, names = [], []
    for column in by:
        values = lengths[column]
        categorical = (
            values.astype("category") if not isinstance(values.dtype, pd.CategoricalDtype) else values
        )
        codes = categorical.cat.codes.to_numpy().astype(np.int64)
        categories = np.array(list(categorical.cat.categories) + [None], dtype=object)
        keys.append(np.where(codes >= 0, codes, len(categories) - 1))
        names.append(categories)
    keys.append(lengths["words"].to_numpy().astype(np.int64))
    weights = [lengths["sentences"].to_numpy(dtype=float), lengths["chars"].to_numpy(dtype=float)]
    columns, counts, (sentences, chars) = grouped_counts(keys, weights)
    frame = pd.DataFrame({column: names[i][columns[i]] for i, column in enumerate(by)})
    frame["words"] = columns[-1]
    frame["count"] = counts
    frame["sentences"] = sentences.round().astype(np.int64)
    frame["chars"] = chars.round().astype(np.int64)
    return frame


def length_summary(lengths: pd.DataFrame, by: Sequence[str] = ("dataset", "source", "kind")) -> pd.DataFrame:
    """Count, mean, median, spread and tails of words per text, plus mean sentences and characters.

    ``lengths`` is ``caption_lengths`` (one row per text) or its ``length_histogram`` (exact, and far smaller:
    the statistics are computed from the distribution). Percentiles are nearest-rank (inverted CDF)."""
    hist = lengths if "count" in lengths.columns else length_histogram(lengths, by)
    by = [b for b in by if b in hist.columns]
    rows = []
    for key, part in hist.groupby(by, observed=True, dropna=False, sort=False):
        part = part.sort_values("words")
        words = part["words"].to_numpy(dtype=float)
        count = part["count"].to_numpy(dtype=float)
        total = count.sum()
        cumulative = np.cumsum(count) / total
        mean = float((words * count).sum() / total)
        variance = float(((words - mean) ** 2 * count).sum() / (total - 1)) if total > 1 else float("nan")

        def quantile(q: float, words: np.ndarray = words, cumulative: np.ndarray = cumulative) -> float:
            return float(words[np.searchsorted(cumulative, q - 1e-12)])

        key = key if isinstance(key, tuple) else (key,)
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "texts": int(total),
                "mean_words": mean,
                "median_words": _median(words, count),
                "std_words": variance**0.5,
                "min_words": int(words[0]),
                "p05_words": quantile(0.05),
                "p95_words": quantile(0.95),
                "max_words": int(words[-1]),
                "mean_sentences": float(part["sentences"].sum() / total),
                "mean_chars": float(part["chars"].sum() / total),
            }
        )
    return pd.DataFrame(rows)


def _median(values: np.ndarray, counts: np.ndarray) -> float:
    """Median of a sorted distribution given as (value, count), averaging the middle pair like numpy."""
    total = int(counts.sum())
    cumulative = np.cumsum(counts)
    low = values[np.searchsorted(cumulative, (total - 1) // 2 + 1)]
    high = values[np.searchsorted(cumulative, total // 2 + 1)]
    return float((low + high) / 2)


def histogram_of_codes(
    codes: RowCodes, words: np.ndarray, sentences: np.ndarray, chars: np.ndarray
) -> pd.DataFrame:
    """``length_histogram`` straight from row codes (no per-row DataFrame)."""
    by = ("dataset", "source", "kind")
    keys = [np.where(codes.codes[n] >= 0, codes.codes[n], len(codes.names[n])).astype(np.int64) for n in by]
    columns, counts, (sent, char) = grouped_counts([*keys, words.astype(np.int64)], [sentences, chars])
    frame = pd.DataFrame({n: codes.labels(n, nullable(columns[i], codes.names[n])) for i, n in enumerate(by)})
    frame["words"] = columns[-1]
    frame["count"] = counts
    frame["sentences"] = np.asarray(sent).round().astype(np.int64)
    frame["chars"] = np.asarray(char).round().astype(np.int64)
    return frame
