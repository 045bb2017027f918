"""Vocabulary, n-grams, Zipf and unique words."""

from __future__ import annotations

import pytest

from explorer import stats


def test_vocabulary__sizes_top_words_and_ngrams() -> None:
    vocab = stats.vocabulary(["The water is next to the tree.", "The water.", "The water."], top=10)
    assert (vocab.tokens, vocab.size) == (11, 6)
    assert vocab.type_token_ratio == pytest.approx(6 / 11)
    assert vocab.hapax == 4  # is, next, to, tree
    assert vocab.top_words(2).to_dict("list") == {"token": ["the", "water"], "count": [4, 3]}
    assert vocab.ngrams[2].iloc[0].to_dict() == {"ngram": "the water", "count": 3}
    assert "to the tree" in set(vocab.ngrams[3]["ngram"])


def test_vocabulary__ngrams_do_not_cross_sentences() -> None:
    vocab = stats.vocabulary(["North. East."])
    assert vocab.ngrams[2].empty


def test_vocabulary__zipf_ranks_decreasing_counts() -> None:
    vocab = stats.vocabulary([" ".join(f"w{i}" for i in range(j)) for j in range(1, 40)])
    zipf = vocab.zipf(max_points=10)
    assert zipf["rank"].is_monotonic_increasing and zipf["count"].is_monotonic_decreasing
    assert len(zipf) <= 10 and zipf["rank"].iloc[0] == 1


def test_unique_words__each_side() -> None:
    result = stats.unique_words(["water tree", "water"], ["tree grass"])
    assert result["only_a"]["token"].tolist() == ["water"]
    assert result["only_b"]["token"].tolist() == ["grass"]
    assert result["shared"] == 1
