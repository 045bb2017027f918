"""Spatial term frequency and term x class co-occurrence."""

from __future__ import annotations

import math

import pytest

from explorer import stats


def test_spatial_term_frequency__kinds_and_numeric_sizes() -> None:
    texts = ["In the top left, a large portion of water.", "Top-left: 30% (~708,000 sqm)."] * 2
    frame = stats.spatial_term_frequency(texts, dataset="d")
    counts = {(r["kind"], r["label"]): (r["mentions"], r["texts"]) for r in frame.to_dict("records")}
    assert counts[("POSITION", "top left")] == (4, 4)
    assert counts[("SIZE", "large")] == (2, 2)
    assert counts[("SIZE", "percentage")] == (2, 2) and counts[("SIZE", "area")] == (2, 2)
    assert not any(kind == "CLASS" for kind, _ in counts)


def test_cooccurrence__pmi_by_hand() -> None:
    texts = ["Water in the top left."] * 3 + ["Trees in the middle."] * 1 + ["Water in the middle."] * 1
    table = stats.cooccurrence(texts, level="sentence", min_count=2)
    row = table[(table["term"] == "top left") & (table["class"] == "water")].iloc[0]
    # 5 sentences; "top left" in 3, water in 4, together in 3: PMI = log2(3 * 5 / (3 * 4))
    assert (row["count"], row["term_count"], row["class_count"], row["units"]) == (3, 3, 4, 5)
    assert row["pmi"] == pytest.approx(math.log2(15 / 12)) and bool(row["shown"])
    middle = table[(table["term"] == "middle") & (table["class"] == "water")].iloc[0]
    assert middle["pmi"] < 0 and middle["ppmi"] == 0 and not bool(middle["shown"])


def test_cooccurrence__caption_level_joins_sentences() -> None:
    texts = ["Water. It lies in the top left."]
    assert stats.cooccurrence(texts, level="sentence", min_count=1).empty
    table = stats.cooccurrence(texts, level="caption", min_count=1)
    assert table[["term", "class", "count"]].values.tolist() == [["top left", "water", 1]]
    with pytest.raises(ValueError):
        stats.cooccurrence(texts, level="word")
