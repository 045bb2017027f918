"""Task mix, answer balance and boxes."""

from __future__ import annotations

import pytest

from explorer import stats
from tests.stats.helpers import _annotations


def test_task_mix_answer_balance_and_boxes() -> None:
    table = _annotations(
        kind=["vqa_binary", "vqa_binary", "vqa_binary", "vqa_mcq", "vqa_mcq", "refexp", "refexp", "caption"],
        category=["presence", "presence", "area", "count", "count", "point", "reference", None],
        output=["Yes", "no", "maybe", "(b)", "d) Pastures", "[0.1 0.2, 0.5 0.6]", "[0 0, 1 1]", "A lake."],
        bbox_x0=[None] * 5 + [0.1, 0.0, None],
        bbox_y0=[None] * 5 + [0.2, 0.0, None],
        bbox_x1=[None] * 5 + [0.5, 1.0, None],
        bbox_y1=[None] * 5 + [0.6, 1.0, None],
        sample_id=["s1", "s1", "s2", "s2", "s3", "s1", "s1", "s4"],
    )
    mix = stats.task_mix(table)
    counts = {(r["kind"], r["category"]): r["count"] for r in mix.to_dict("records")}
    assert counts[("vqa_binary", "presence")] == 2 and counts[("caption", "(none)")] == 1
    assert mix["share"].sum() == pytest.approx(1.0)
    answers = stats.answer_balance(table)
    got = {(r["kind"], r["answer"]): r["count"] for r in answers.to_dict("records")}
    assert got == {
        ("vqa_binary", "yes"): 1, ("vqa_binary", "no"): 1, ("vqa_binary", "other"): 1,
        ("vqa_mcq", "b"): 1, ("vqa_mcq", "d"): 1,
    }  # fmt: skip
    per_sample = stats.boxes_per_sample(table)
    assert dict(zip(per_sample["boxes"], per_sample["samples"], strict=True)) == {0: 3, 2: 1}
    sizes = stats.box_sizes(table, bins=10)
    area = sizes[sizes["measure"] == "area"]
    assert area["count"].sum() == 2 and area["count"].iloc[1] == 1 and area["count"].iloc[-1] == 1
