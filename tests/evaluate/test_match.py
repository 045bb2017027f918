"""Outputs are tied to samples / annotations; unknown, repeated, id-less and empty ones are counted, not lost."""

from __future__ import annotations

import json

from explorer.evaluate.match import match_predictions
from explorer.evaluate.predictions import read_predictions


def test_match_predictions__counts_every_kind_of_odd_row(tmp_path, chat_catalog):
    ids = chat_catalog.samples["sample_id"].tolist()
    records = [
        {"image_id": ids[0], "caption": "a forest"},
        {"image_id": f"some/folder/{ids[1]}.png", "caption": "fields"},  # a path: matched by its stem
        {"image_id": chat_catalog.samples["image"].iloc[2], "caption": "   "},  # file name, empty output
        {"image_id": ids[0], "caption": "a second answer"},  # repeated id
        {"image_id": "no_such_patch", "caption": "x"},  # unknown
        {"image_id": None, "caption": "y"},  # no id
    ]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(records))
    matched, report = match_predictions(chat_catalog, read_predictions(path))
    assert report.n_rows == 6
    assert (report.n_matched, report.n_unknown, report.n_duplicates, report.n_missing_id, report.n_empty) == (
        3,
        1,
        1,
        1,
        1,
    )
    assert report.unknown_examples == ["no_such_patch"]
    assert matched["sample_id"].tolist() == ids[:3]
    assert matched["text"].tolist() == ["a forest", "fields", ""]  # first answer kept; empty scored as ""
    assert matched["split"].tolist() == chat_catalog.samples["split"].iloc[:3].tolist()
    text = "\n".join(report.lines())
    assert "1 unknown ids" in text and "1 repeated ids" in text and "1 empty outputs" in text


def test_match_predictions__annotation_ids(tmp_path, big_catalog):
    annotations = big_catalog.annotations.select(["ann_id", "sample_id"]).to_pandas()
    path = tmp_path / "answers.jsonl"
    rows = [{"ann_id": int(annotations["ann_id"].iloc[i]), "answer": "yes"} for i in (0, 5)]
    rows.append({"ann_id": 10**12, "answer": "no"})
    rows.append({"ann_id": "x7", "answer": "no"})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    matched, report = match_predictions(big_catalog, read_predictions(path))
    assert report.n_matched == 2 and report.n_unknown == 2
    assert matched["ann_id"].tolist() == [int(annotations["ann_id"].iloc[i]) for i in (0, 5)]
    assert matched["sample_id"].tolist() == [annotations["sample_id"].iloc[i] for i in (0, 5)]
