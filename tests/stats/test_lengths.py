"""Caption length: per row, histogram, summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from explorer import stats


def test_caption_lengths__one_row_per_annotation(tables: tuple[pa.Table, pa.Table]) -> None:
    _, annotations = tables
    lengths = stats.caption_lengths(annotations)
    assert list(lengths.columns) == ["dataset", "source", "split", "kind", "words", "sentences", "chars"]
    assert len(lengths) == annotations.num_rows
    texts = stats.annotation_texts(annotations).to_pylist()
    assert lengths["chars"].tolist() == [len(t or "") for t in texts]
    assert isinstance(lengths["kind"].dtype, pd.CategoricalDtype)


def test_length_summary__equals_numpy_on_the_rows(tables: tuple[pa.Table, pa.Table]) -> None:
    _, annotations = tables
    lengths = stats.caption_lengths(annotations)
    summary = stats.length_summary(lengths, by=("dataset", "kind"))
    for row in summary.itertuples():
        words = lengths.loc[(lengths["dataset"] == row.dataset) & (lengths["kind"] == row.kind), "words"]
        assert row.texts == len(words)
        assert row.mean_words == pytest.approx(words.mean())
        assert row.median_words == pytest.approx(np.median(words))
        assert row.std_words == pytest.approx(words.std())
        assert row.p95_words == np.quantile(words, 0.95, method="inverted_cdf")
        assert (row.min_words, row.max_words) == (words.min(), words.max())


def test_length_histogram__counts_add_up(tables: tuple[pa.Table, pa.Table]) -> None:
    _, annotations = tables
    lengths = stats.caption_lengths(annotations)
    hist = stats.length_histogram(lengths)
    assert hist["count"].sum() == len(lengths)
    assert hist["chars"].sum() == lengths["chars"].sum()
