"""Baselines computed from the demo's data: each gives one caption per test sample, built as documented."""

from __future__ import annotations

import numpy as np

from explorer.evaluate import baselines
from explorer.evaluate.predictions import read_predictions


def test_template_sentence__three_largest_classes():
    text = baselines.template_sentence(
        {"Grassland": 0.476, "Tree cover": 0.239, "Cropland": 0.166, "Water": 0.1}
    )
    assert text == "The image is mostly covered by grassland (48%), with tree cover (24%) and cropland (17%)."
    assert (
        baselines.template_sentence({"Snow and ice": 1.0}) == "The image is covered by snow and ice (100%)."
    )


def test_frequent_caption__is_the_most_frequent_training_caption(chat_catalog):
    frame = baselines.frequent_caption(chat_catalog)
    test_ids = chat_catalog.samples.loc[chat_catalog.samples["split"] == "test", "sample_id"]
    assert frame["sample_id"].tolist() == test_ids.tolist()
    annotations = chat_catalog.annotations.to_pandas()
    train = annotations[(annotations["split"] == "train") & (annotations["kind"] == "caption")]["output"]
    assert frame["caption"].nunique() == 1
    assert train.value_counts()[frame["caption"].iloc[0]] == train.value_counts().max()


def test_nearest_caption__takes_the_best_label_overlap(big_catalog):
    frame = baselines.nearest_caption(big_catalog)
    samples = big_catalog.samples.set_index("sample_id")
    train_ids = samples.index[samples["split"] == "train"]
    for sample_id, neighbour in zip(frame["sample_id"], frame["neighbour"], strict=True):
        mine = set(samples.loc[sample_id, "labels"])
        best = max(
            len(mine & set(samples.loc[t, "labels"])) / len(mine | set(samples.loc[t, "labels"]))
            for t in train_ids
        )
        theirs = set(samples.loc[neighbour, "labels"])
        assert neighbour in train_ids
        assert np.isclose(len(mine & theirs) / len(mine | theirs), best)


def test_nearest_caption__without_labels_takes_the_closest_place(chat_catalog):
    frame = baselines.nearest_caption(chat_catalog)
    samples = chat_catalog.samples.set_index("sample_id")
    for sample_id, neighbour in zip(frame["sample_id"], frame["neighbour"], strict=True):
        assert samples.loc[neighbour, "split"] == "train"
        here = samples.loc[sample_id, ["lat", "lon"]].to_numpy(dtype=float)
        there = samples.loc[neighbour, ["lat", "lon"]].to_numpy(dtype=float)
        train = samples[samples["split"] == "train"][["lat", "lon"]].to_numpy(dtype=float)
        assert (
            np.abs(there - here).sum() <= np.abs(train - here).sum(axis=1).min() + 1.0
        )  # nearest (roughly, in degrees)


def test_template_caption__from_the_map(chat_catalog):
    frame = baselines.template_caption(chat_catalog)
    assert len(frame) == (chat_catalog.samples["split"] == "test").sum()
    assert all(c.startswith("The image is") for c in frame["caption"])


def test_majority_answers__one_answer_per_test_question(big_catalog):
    answers = baselines.majority_answers(big_catalog)
    annotations = big_catalog.annotations.to_pandas()
    test_tasks = annotations[
        (annotations["split"] == "test") & annotations["kind"].isin(["vqa_binary", "vqa_mcq", "refexp"])
    ]
    assert set(answers["ann_id"]) <= set(test_tasks["ann_id"])
    assert len(answers) > 0


def test_demo_ships_the_baselines_as_prediction_files(small_demo):
    folder = small_demo / "predictions" / "chatearthnet-demo"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["frequent-caption.json", "landcover-template.json", "nearest-caption.json"]
    assert len(read_predictions(folder / "nearest-caption.json")) > 0
    assert (small_demo / "predictions" / "bigearthnet-demo" / "majority-answers.jsonl").is_file()
