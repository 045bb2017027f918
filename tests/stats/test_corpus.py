"""The text corpus and its one text rule."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from explorer import stats
from explorer.text import tokenize
from tests.stats.helpers import _annotations


def test_annotation_texts__which_column_per_kind() -> None:
    table = _annotations(
        kind=["caption", "vqa_binary", "vqa_mcq", "refexp", "conversation", "caption"],
        input=["ignored", "Is it wet?", "Which? a) x", "Find <ref>x</ref>.", "Describe.", None],
        output=["A lake.", "yes", "a", "[0 0, 1 1]", "A field.", None],
    )
    texts = stats.annotation_texts(table).to_pylist()
    assert texts == ["A lake.", "Is it wet?", "Which? a) x", "Find <ref>x</ref>.", "Describe. A field.", None]


def test_corpus__counts_equal_the_tokenizer_per_row(tables: tuple[pa.Table, pa.Table]) -> None:
    _, annotations = tables
    corpus = stats.Corpus.from_annotations(annotations)
    texts = stats.annotation_texts(annotations)
    assert corpus.row_index is not None
    np.testing.assert_array_equal(corpus.word_counts()[corpus.row_index], tokenize.word_counts(texts))
    np.testing.assert_array_equal(corpus.sentence_counts()[corpus.row_index], tokenize.sentence_counts(texts))
    assert corpus.n_texts == annotations.num_rows
    assert len(corpus.sentences) < int(corpus.sentence_counts().sum())  # templated sentences stored once
