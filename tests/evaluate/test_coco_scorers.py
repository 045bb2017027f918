"""BLEU, CIDEr-D and ROUGE-L against the toolkit's own scorers on fixed, tokenised inputs (no Java needed)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from explorer.evaluate.coco_scorers import (
    bleu_counts,
    bleu_from_counts,
    bleu_per_sample,
    cider,
    lcs_length,
    rouge_l,
)

pytest.importorskip("pycocoevalcap.bleu.bleu")
from pycocoevalcap.bleu.bleu import Bleu  # noqa: E402
from pycocoevalcap.cider.cider import Cider  # noqa: E402
from pycocoevalcap.rouge.rouge import Rouge, my_lcs  # noqa: E402


def _fixed_input(n: int = 120, seed: int = 7) -> tuple[list[str], list[list[str]]]:
    """Sentences over a small vocabulary (many shared n-grams), 1-4 references, a few edge cases."""
    rng = random.Random(seed)
    words = [
        "the",
        "a",
        "forest",
        "river",
        "field",
        "urban",
        "area",
        "of",
        "in",
        "north",
        "south",
        "east",
        "west",
        "large",
        "small",
        "with",
        "and",
        "dense",
    ]

    def sentence(lo: int, hi: int) -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(lo, hi)))

    hyps = [sentence(3, 40) for _ in range(n)]
    refs = [[sentence(3, 40) for _ in range(rng.randint(1, 4))] for _ in range(n)]
    hyps[0] = ""  # an empty output
    hyps[1] = refs[1][0]  # a perfect one
    hyps[2] = "forest"  # a single word
    refs[3] = ["river"]  # a one-word reference
    return hyps, refs


def _as_toolkit(hyps: list[str], refs: list[list[str]]) -> tuple[dict, dict]:
    return {i: r for i, r in enumerate(refs)}, {i: [h] for i, h in enumerate(hyps)}


def test_bleu__matches_the_toolkit():
    hyps, refs = _fixed_input()
    gts, res = _as_toolkit(hyps, refs)
    expected_corpus, expected_samples = Bleu(4).compute_score(gts, res, verbose=0)
    counts = bleu_counts(hyps, refs)
    np.testing.assert_allclose(bleu_from_counts(counts), expected_corpus, rtol=0, atol=1e-12)
    for mine, theirs in zip(bleu_per_sample(counts), expected_samples, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)


def test_bleu_from_counts__of_a_subset_is_the_toolkit_on_that_subset():
    hyps, refs = _fixed_input()
    keep = list(range(10, 60))
    counts = {k: v[keep] for k, v in bleu_counts(hyps, refs).items()}
    gts, res = _as_toolkit([hyps[i] for i in keep], [refs[i] for i in keep])
    expected, _ = Bleu(4).compute_score(gts, res, verbose=0)
    np.testing.assert_allclose(bleu_from_counts(counts), expected, rtol=0, atol=1e-12)


def test_cider__matches_the_toolkit():
    hyps, refs = _fixed_input()
    gts, res = _as_toolkit(hyps, refs)
    expected_corpus, expected_samples = Cider().compute_score(gts, res)
    corpus, samples = cider(hyps, refs)
    assert abs(corpus - expected_corpus) < 1e-9
    np.testing.assert_allclose(samples, expected_samples, rtol=0, atol=1e-9)
    assert samples[1] > samples[2] >= samples[0] == 0.0


def test_rouge_l__matches_the_toolkit():
    hyps, refs = _fixed_input()
    gts, res = _as_toolkit(hyps, refs)
    expected_corpus, expected_samples = Rouge().compute_score(gts, res)
    corpus, samples = rouge_l(hyps, refs)
    assert abs(corpus - expected_corpus) < 1e-12
    np.testing.assert_allclose(samples, expected_samples, rtol=0, atol=1e-12)
    assert samples[1] == pytest.approx(1.0)


def test_lcs_length__equals_the_toolkit_table():
    rng = random.Random(3)
    for _ in range(300):
        a = [rng.choice("abcde") for _ in range(rng.randint(0, 70))]
        b = [rng.choice("abcde") for _ in range(rng.randint(0, 70))]
        assert lcs_length(a, b) == my_lcs(a, b)
