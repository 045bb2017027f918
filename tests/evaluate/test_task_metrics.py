"""Task metrics on hand-checked examples and on the demo's BigEarthNet.txt questions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.evaluate.match import match_predictions
from explorer.evaluate.predictions import read_predictions
from explorer.evaluate.task_metrics import (
    box_iou,
    mcq_letter,
    normalise_binary,
    parse_box,
    score_tasks,
    summarise_tasks,
)


def test_box_iou__hand_checked():
    assert box_iou((0, 0, 1, 1), (0, 0, 1, 1)) == 1.0
    assert box_iou((0, 0, 1, 1), (0.5, 0, 1, 1)) == 0.5
    assert box_iou((0, 0, 0.5, 0.5), (0.25, 0.25, 0.75, 0.75)) == pytest.approx(0.0625 / 0.4375)
    assert box_iou((0, 0, 0.2, 0.2), (0.5, 0.5, 1, 1)) == 0.0
    assert box_iou((1, 1, 0, 0), (0, 0, 1, 1)) == 1.0  # corners in either order


def test_parse_box__released_and_common_forms():
    assert parse_box("[0.41 0.0, 0.65 0.31]") == (0.41, 0.0, 0.65, 0.31)
    assert parse_box("The box is [0.1, 0.2, 0.3, 0.4].") == (0.1, 0.2, 0.3, 0.4)
    assert parse_box("somewhere in the north") is None


def test_answers__normalised():
    assert normalise_binary("Yes.") == "yes" and normalise_binary(" no, it is not") == "no"
    assert normalise_binary("") == ""
    options = ["south", "east", "west", "north"]
    assert [mcq_letter(t, options) for t in ("d", "D)", "(b) east", "c. west", "North", "maybe")] == [
        "d",
        "d",
        "b",
        "c",
        "d",
        "",
    ]


def test_score_tasks__accuracy_and_iou_per_category(tmp_path, big_catalog):
    frame = big_catalog.annotations.select(
        ["ann_id", "kind", "category", "output", "bbox_x0", "bbox_y0", "bbox_x1", "bbox_y1"]
    ).to_pandas()
    binary = frame[frame["kind"] == "vqa_binary"].head(4)
    mcq = frame[frame["kind"] == "vqa_mcq"].head(2)
    boxes = frame[(frame["kind"] == "refexp") & frame["bbox_x0"].notna()].head(2)
    flip = {"yes": "No.", "no": "Yes."}
    rows = [
        {"ann_id": int(a), "answer": o.capitalize() + "."}
        for a, o in zip(binary["ann_id"][:3], binary["output"][:3], strict=True)
    ]
    rows.append({"ann_id": int(binary["ann_id"].iloc[3]), "answer": flip[binary["output"].iloc[3]]})  # wrong
    rows.append({"ann_id": int(mcq["ann_id"].iloc[0]), "answer": f"{mcq['output'].iloc[0]})"})  # right
    rows.append({"ann_id": int(mcq["ann_id"].iloc[1]), "answer": "no idea"})  # unparsed, wrong
    first = boxes.iloc[0]
    rows.append(
        {
            "ann_id": int(first["ann_id"]),
            "answer": f"[{first.bbox_x0} {first.bbox_y0}, {first.bbox_x1} {first.bbox_y1}]",
        }
    )
    rows.append({"ann_id": int(boxes["ann_id"].iloc[1]), "answer": "[2 2, 3 3]"})  # no overlap
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    matched, _ = match_predictions(big_catalog, read_predictions(path))
    scores = score_tasks(big_catalog, matched)
    assert len(scores) == 8
    by_kind = scores.groupby("kind")["correct"].mean()
    assert by_kind["vqa_binary"] == 0.75 and by_kind["vqa_mcq"] == 0.5 and by_kind["refexp"] == 0.5
    ious = scores[scores["kind"] == "refexp"]["iou"].to_numpy()
    np.testing.assert_allclose(ious, [1.0, 0.0])
    summary = summarise_tasks(scores)
    overall = summary[summary["category"] == "(all)"].set_index("kind")
    assert overall.loc["vqa_binary", "accuracy"] == 0.75 and overall.loc["vqa_mcq", "n_unparsed"] == 1
    assert overall.loc["refexp", "mean_iou"] == 0.5
    per_category = summary[summary["category"] != "(all)"]
    assert per_category.groupby("kind")["n"].sum().to_dict() == {"refexp": 2, "vqa_binary": 4, "vqa_mcq": 2}
