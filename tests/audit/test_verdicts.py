"""The verdict accumulator: contexts stored once per annotation and default fields left out still give every
row its own identity and values."""

from __future__ import annotations

import pytest

from explorer.audit.verdicts import NO_SPAN, SAMPLE_LEVEL, VerdictRows


def test_verdict_rows__contexts_and_sparse_fields_expand_per_row() -> None:
    out = VerdictRows()
    first = {"dataset": "d", "sample_id": "s1", "ann_id": 3, "kind": "caption", "country": float("nan")}
    second = {"dataset": "d", "sample_id": "s2"}
    out.add(first, "r1", "v1", True, "agree", score=0.5)
    out.add(first, "r1", "v2", False, "dispute", released="x", span_start=2, span_end=4)
    out.not_evaluable(second, "r2", "y", "no map")
    first["ann_id"] = (
        4  # a new dict would be a new annotation; the same one keeps what it had when first seen
    )
    other = VerdictRows()
    other.add({"dataset": "e", "sample_id": "s3", "ann_id": 9}, "r3", "v", True, "agree", map_x0=0.1)
    out.extend(other)
    rows = out.table().to_pylist()
    assert [r["sample_id"] for r in rows] == ["s1", "s1", "s2", "s3"]
    assert [r["ann_id"] for r in rows] == [3, 3, SAMPLE_LEVEL, 9]
    assert rows[0]["country"] is None and rows[0]["kind"] == "caption" and rows[2]["kind"] is None
    assert [r["score"] for r in rows] == [0.5, None, None, None]
    assert [r["released"] for r in rows] == [None, "x", "y", None]
    assert [r["from_map"] for r in rows] == [None, None, "no map", None]
    assert [(r["span_start"], r["span_end"]) for r in rows] == [
        (NO_SPAN, NO_SPAN),
        (2, 4),
        (NO_SPAN, NO_SPAN),
    ] + [(NO_SPAN, NO_SPAN)]
    assert [r["map_x0"] for r in rows] == [None, None, None, 0.1]
    assert [r["verdict"] for r in rows] == ["agree", "dispute", "not-evaluable", "agree"]


def test_verdict_rows__unknown_field_or_verdict_is_refused_and_adds_nothing() -> None:
    out = VerdictRows()
    context = {"dataset": "d", "sample_id": "s"}
    out.add(context, "r", "v", True, "agree", score=1.0)
    with pytest.raises(ValueError, match="bogus"):
        out.add(context, "r", "v", True, "agree", score=2.0, bogus=1)
    with pytest.raises(ValueError, match="verdict"):
        out.add(context, "r", "v", True, "maybe")
    assert len(out) == 1
    assert out.table().column("score").to_pylist() == [1.0]


def test_verdict_rows__emit_by_position_gives_the_rows_add_gives_by_name() -> None:
    context = {"dataset": "d", "sample_id": "s", "ann_id": 1, "kind": "refexp", "split": "test"}
    by_name, by_position = VerdictRows(), VerdictRows()
    by_name.add(context, "r", "v", True, "dispute", released="a", from_map="b", class_name="c", field="input")
    by_name.add(context, "r", "w", False, "agree", released="a", span_start=3, span_end=7, score=0.25)
    by_name.add(context, "r", "x", False, "agree", map_x0=0.1, map_y0=0.2, map_x1=0.3, map_y1=0.4)
    by_position.emit(context, "r", "v", True, "dispute", "a", "b", "c", "input")
    by_position.emit(context, "r", "w", False, "agree", "a", None, span_start=3, span_end=7, score=0.25)
    by_position.emit(context, "r", "x", False, "agree", None, None, box=(0.1, 0.2, 0.3, 0.4))
    assert by_position.table().equals(by_name.table())
    assert by_position.table().column("map_y1").to_pylist() == [None, None, 0.4]
    with pytest.raises(ValueError, match="verdict"):
        by_position.emit(context, "r", "v", True, "maybe", None, None)
    assert len(by_position) == 3 and VerdictRows().table().num_rows == 0
