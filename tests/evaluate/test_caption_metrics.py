"""The whole pipeline (PTB tokenizer, BLEU, METEOR, ROUGE-L, CIDEr-D) against the toolkit's ``COCOEvalCap``."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from explorer.evaluate.caption_metrics import METEOR_STATS_COLUMN, score_captions
from explorer.evaluate.meteor import MeteorPool, meteor_corpus

pytest.importorskip("pycocoevalcap.eval")
if shutil.which("java") is None:
    pytest.skip("needs Java (apt-get install default-jre-headless)", allow_module_level=True)

from pycocoevalcap.bleu.bleu import Bleu  # noqa: E402
from pycocoevalcap.cider.cider import Cider  # noqa: E402
from pycocoevalcap.eval import COCOEvalCap  # noqa: E402
from pycocoevalcap.meteor.meteor import Meteor  # noqa: E402
from pycocoevalcap.rouge.rouge import Rouge  # noqa: E402
from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer  # noqa: E402

# Raw text as people write it: punctuation, capitals, quotes, brackets, numbers, an empty output.
REFERENCES = [
    ["The image shows a dense forest in the north, with a river crossing from west to east."],
    [
        "Cropland covers most of the scene; a small town (built-up area) lies in the south-east.",
        "Mostly fields, with a village in the lower right.",
    ],
    ["Water dominates: a large lake fills the centre, surrounded by grassland and shrubs."],
    ['Bare land and sparse vegetation; "desert" conditions across 90% of the patch.'],
    ["Snow and ice cover the mountains in the north-west corner."],
    ["A mix of trees, grassland and cropland, evenly spread."],
]
PREDICTIONS = [
    "A dense forest covers the north of the image, and a river runs west to east.",
    "Mostly cropland, with a small built-up area in the south-east.",
    "A lake in the centre surrounded by grassland.",
    "",
    "Snow covers the mountains.",
    "Trees, grassland and cropland are evenly spread across the image!",
]


class _Coco:
    """The two attributes of a pycocotools COCO object that COCOEvalCap reads."""

    def __init__(self, captions: dict[int, list[str]]) -> None:
        self.imgToAnns = {i: [{"image_id": i, "caption": c} for c in caps] for i, caps in captions.items()}

    def getImgIds(self) -> list[int]:
        return list(self.imgToAnns)


def _toolkit_without_spice() -> COCOEvalCap:
    """COCOEvalCap.evaluate()'s exact steps with SPICE left out (its constructor would download CoreNLP)."""
    gts = _Coco(dict(enumerate(REFERENCES))).imgToAnns
    res = _Coco({i: [p] for i, p in enumerate(PREDICTIONS)}).imgToAnns
    tokenizer = PTBTokenizer()
    gts, res = tokenizer.tokenize(gts), tokenizer.tokenize(res)
    evaluator = COCOEvalCap(
        _Coco(dict(enumerate(REFERENCES))), _Coco({i: [p] for i, p in enumerate(PREDICTIONS)})
    )
    for scorer, method in [
        (Bleu(4), ["Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4"]),
        (Meteor(), "METEOR"),
        (Rouge(), "ROUGE_L"),
        (Cider(), "CIDEr"),
    ]:
        score, scores = scorer.compute_score(gts, res)
        for name, sc, scs in (
            zip(method, score, scores, strict=True) if isinstance(method, list) else [(method, score, scores)]
        ):
            evaluator.setEval(sc, name)
            evaluator.setImgToEvalImgs(scs, gts.keys(), name)
    return evaluator


@pytest.fixture(scope="module")
def toolkit() -> COCOEvalCap:
    return _toolkit_without_spice()


@pytest.fixture(scope="module")
def ours():
    return score_captions(PREDICTIONS, REFERENCES)


def test_score_captions__corpus_scores_match_cocoevalcap(toolkit, ours):
    for metric, expected in toolkit.eval.items():
        assert abs(ours.corpus[metric] - expected) < 1e-9, metric
    assert "SPICE" in ours.unavailable or "SPICE" in ours.corpus


def test_score_captions__per_sample_scores_match_cocoevalcap(toolkit, ours):
    for metric in toolkit.eval:
        expected = [toolkit.imgToEval[i][metric] for i in range(len(PREDICTIONS))]
        np.testing.assert_allclose(
            ours.per_sample[metric].to_numpy(), expected, rtol=0, atol=1e-9, err_msg=metric
        )
    assert ours.per_sample.loc[3, "prediction_tokens"] == ""  # the empty output is scored, not dropped
    assert ours.per_sample.loc[3, "CIDEr"] == 0.0


def test_meteor_corpus__of_stored_statistics_is_the_toolkit_on_that_subset(ours):
    keep = [0, 2, 5]
    stats = ours.per_sample[METEOR_STATS_COLUMN].tolist()
    (subset,) = meteor_corpus([[stats[i] for i in keep]])
    tokenizer = PTBTokenizer()
    gts = tokenizer.tokenize({i: [{"caption": c} for c in REFERENCES[i]] for i in keep})
    res = tokenizer.tokenize({i: [{"caption": PREDICTIONS[i]}] for i in keep})
    expected, _ = Meteor().compute_score(gts, res)
    assert abs(subset - expected) < 1e-9


def test_meteor_pool__several_jvms_give_the_same_statistics_and_scores(ours):
    tokens = ours.per_sample["prediction_tokens"].tolist()
    refs = ours.per_sample["reference_tokens"].tolist()
    # the jar's own main in two JVMs (the driver's threads are compared in test_meteor.py)
    with MeteorPool(workers=2, min_per_worker=1, driver=False) as pool:
        corpus, per_sample, stats = pool.score(tokens, refs)
        assert len(pool._processes) == 2
    assert stats == ours.per_sample[METEOR_STATS_COLUMN].tolist()
    assert per_sample == ours.per_sample["METEOR"].tolist()
    assert corpus == ours.corpus["METEOR"]
