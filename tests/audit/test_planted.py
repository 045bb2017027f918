"""The audit flags exactly the planted disagreements (tests/data/audit_planted.py), and nothing else."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from explorer import audit


def _verdicts(planted: dict[str, Any]) -> pd.DataFrame:
    return pd.concat(
        [audit.load_verdicts(c).to_pandas() for c in planted["catalogs"].values()], ignore_index=True
    )


def test_audit__flags_exactly_the_planted_disputes(planted: dict[str, Any]) -> None:
    verdicts = _verdicts(planted)
    disputes = verdicts[verdicts["primary"] & (verdicts["verdict"] == audit.DISPUTE)]
    found = Counter(zip(disputes["dataset"], disputes["sample_id"], disputes["rule"], strict=True))
    expected = Counter(tuple(e) for e in planted["expected"]["disputes"])
    assert found == expected, {"missed": expected - found, "unexpected": found - expected}


def test_audit__every_planted_kind_is_covered(planted: dict[str, Any]) -> None:
    rules = {rule for _, _, rule in planted["expected"]["disputes"]}
    assert {
        "presence",
        "area-share",
        "count",
        "adjacency",
        "relative-position",
        "season",
        "country",
        "climate-zone",
        "box-reference",
        "caption-area",
        "caption-class",
        "caption-most-prominent",
        "s1-s2-date-gap",
        "class-mention",
        "class-in-region",
        "proportion-word",
        "percent-share",
        "negated-mention",
        "banned-word",
        "cross-image",
        "padding-repeat",
        "same-caption-other-image",
        "near-duplicate",
        "image-defect",
    } <= rules


def test_audit__removed_map_makes_claims_not_evaluable_never_agreement(planted: dict[str, Any]) -> None:
    verdicts = _verdicts(planted)
    map_rules = {
        "presence",
        "count",
        "adjacency",
        "relative-position",
        "box-reference",
        "box-point",
        "caption-class",
        "class-mention",
        "class-in-region",
        "proportion-word",
    }
    for dataset, samples in planted["expected"]["maps_removed"].items():
        rows = verdicts[(verdicts["dataset"] == dataset) & verdicts["sample_id"].isin(samples)]
        on_map = rows[rows["rule"].isin(map_rules)]
        assert len(on_map) > 0
        assert set(on_map["verdict"]) == {audit.NOT_EVALUABLE}
        assert set(on_map["from_map"]).issubset({"no reference map", "no land-cover map"})


def test_audit__class_the_legend_lacks_is_not_evaluable(planted: dict[str, Any]) -> None:
    verdicts = _verdicts(planted)
    removed = planted["expected"]["maps_removed"]["bigearthnet-demo"]
    unevaluable = verdicts["rule"].eq("presence") & verdicts["verdict"].eq(audit.NOT_EVALUABLE)
    snow = verdicts[unevaluable & ~verdicts["sample_id"].isin(removed)]
    assert len(snow) == 1
    assert "expected one class of the legend" in snow["from_map"].iloc[0]
    table = audit.summary(verdicts, ["dataset", "rule"])
    presence = table[(table["dataset"] == "bigearthnet-demo") & (table["rule"] == "presence")].iloc[0]
    assert presence["not-evaluable"] == int(unevaluable.sum())
    assert presence["checked"] == presence["agree"] + presence["dispute"]  # not-evaluable is not counted


def test_audit__negated_absent_class_is_no_mention(planted: dict[str, Any]) -> None:
    verdicts = _verdicts(planted)
    negated = verdicts[verdicts["rule"] == "negated-mention"]
    assert sorted(negated["verdict"]) == [audit.AGREE, audit.DISPUTE]
    sample = negated["sample_id"].iloc[0]
    caption = planted["catalogs"]["chatearthnet-demo"].annotations_of(sample)["output"].iloc[0]
    for _, row in negated.iterrows():
        assert caption[row["span_start"] : row["span_end"]] in row["released"]
    mentions = verdicts[(verdicts["rule"] == "class-mention") & (verdicts["sample_id"] == sample)]
    absent = negated[negated["verdict"] == audit.AGREE]["class_name"].iloc[0]
    assert absent not in set(mentions["class_name"])


def test_audit__spans_point_at_the_disputed_text(planted: dict[str, Any]) -> None:
    catalog = planted["catalogs"]["chatearthnet-demo"]
    verdicts = audit.load_verdicts(catalog).to_pandas()
    word = verdicts[(verdicts["rule"] == "banned-word") & (verdicts["verdict"] == audit.DISPUTE)].iloc[0]
    text = catalog.annotations_of(word["sample_id"])["output"].iloc[0]
    assert text[word["span_start"] : word["span_end"]] == "possibly"


def test_sample_views__counts_ranking_and_boxes(planted: dict[str, Any]) -> None:
    catalog = planted["catalogs"]["bigearthnet-demo"]
    ranked = audit.ranked_samples(catalog)
    assert list(ranked["disputes"]) == sorted(ranked["disputes"], reverse=True)
    expected = Counter(s for d, s, _ in planted["expected"]["disputes"] if d == "bigearthnet-demo")
    assert dict(zip(ranked["sample_id"], ranked["disputes"], strict=True)) == dict(expected)
    box_sample = next(s for d, s, r in planted["expected"]["disputes"] if r == "box-reference")
    pairs = audit.box_pairs(catalog, box_sample)
    disputed = pairs[pairs["verdict"] == audit.DISPUTE]
    assert len(disputed) == 1 and disputed["iou"].iloc[0] < 0.5
    assert disputed[["map_x0", "map_y0", "map_x1", "map_y1"]].notna().all(axis=None)
    rows = audit.sample_verdicts(catalog, box_sample)
    assert rows["primary"].all() and (rows["sample_id"] == box_sample).all()
