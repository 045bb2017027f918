"""Score captions as ``COCOEvalCap.evaluate()`` does: PTB tokens, BLEU-1..4, METEOR, ROUGE-L, CIDEr-D, SPICE.

Both cores work: the JVM aligns METEOR (and SPICE, when present) in background threads while Python forms
BLEU, ROUGE-L and CIDEr-D. Everything given to one call is one "evaluated split": CIDEr's document frequencies
come from all of it (see ``coco_scorers``). A metric that cannot run here (SPICE without its CoreNLP jars) is
listed in ``unavailable`` with the reason, and the others are still computed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .coco_scorers import bleu_counts, bleu_from_counts, bleu_per_sample, cider, ngram_table, rouge_l
from .meteor import MeteorPool
from .spice import spice_scores
from .tokenizer import ptb_tokenize
from .toolkit import spice_status

BLEU_METRICS = ("Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4")
CAPTION_METRICS = (*BLEU_METRICS, "METEOR", "ROUGE_L", "CIDEr", "SPICE")
#: per-sample columns that let a subset's corpus BLEU / METEOR be re-formed without re-scoring
BLEU_COUNT_COLUMNS = (
    "testlen",
    "reflen",
    *(f"guess_{k}" for k in range(1, 5)),
    *(f"correct_{k}" for k in range(1, 5)),
)
METEOR_STATS_COLUMN = "meteor_stats"


@dataclass
class CaptionScores:
    """Corpus scores (the toolkit's ``eval`` dict), per-sample scores, and what could not be computed."""

    corpus: dict[str, float]
    per_sample: pd.DataFrame  # one row per sample in input order: metrics, BLEU counts, METEOR statistics
    unavailable: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def tokenize_pairs(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]]
) -> tuple[list[str], list[list[str]]]:
    """PTB-tokenise hypotheses and references (two JVM runs, in parallel, as the toolkit runs two)."""
    flat = [r for refs in references for r in refs]
    with ThreadPoolExecutor(max_workers=2) as pool:
        hyp_job = pool.submit(ptb_tokenize, list(hypotheses))
        ref_job = pool.submit(ptb_tokenize, flat)
        hyp_tokens, ref_flat = hyp_job.result(), ref_job.result()
    out: list[list[str]] = []
    start = 0
    for refs in references:
        out.append(ref_flat[start : start + len(refs)])
        start += len(refs)
    return hyp_tokens, out


def score_captions(
    hypotheses: Sequence[str],
    references: Sequence[Sequence[str]],
    metrics: Sequence[str] = CAPTION_METRICS,
    tokenized: bool = False,
    meteor: MeteorPool | None = None,
) -> CaptionScores:
    """Score one hypothesis per sample against its references (at least one each), in the given order.

    Pass a ``MeteorPool`` started earlier (and reused across calls) to hide the JVM's start-up; without one,
    a process is started before tokenising and stopped at the end.
    """
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses for {len(references)} reference lists")
    empty_refs = [i for i, r in enumerate(references) if len(r) == 0]
    if empty_refs:
        raise ValueError(f"samples without references at positions {empty_refs[:10]}")
    unknown = set(metrics) - set(CAPTION_METRICS)
    if unknown:
        raise ValueError(f"unknown caption metrics {sorted(unknown)}; expected some of {CAPTION_METRICS}")
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    own_meteor = meteor is None and "METEOR" in metrics
    if own_meteor:
        meteor = MeteorPool()
    try:
        return _score(hypotheses, references, metrics, tokenized, meteor, seconds, started)
    finally:
        if own_meteor and meteor is not None:
            meteor.close()


def _score(
    hypotheses: Sequence[str],
    references: Sequence[Sequence[str]],
    metrics: Sequence[str],
    tokenized: bool,
    meteor: MeteorPool | None,
    seconds: dict[str, float],
    started: float,
) -> CaptionScores:
    if tokenized:
        hyps, refs = list(hypotheses), [list(r) for r in references]
    else:
        hyps, refs = tokenize_pairs(hypotheses, references)
    seconds["tokenize"] = time.perf_counter() - started

    corpus: dict[str, float] = {}
    columns: dict[str, np.ndarray | list] = {}
    unavailable: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        meteor_job: Future | None = None
        spice_job: Future | None = None
        if "METEOR" in metrics and meteor is not None:
            meteor_job = pool.submit(_timed, meteor.score, hyps, refs)
        if "SPICE" in metrics:
            status = spice_status()
            if status.available:
                spice_job = pool.submit(_timed, spice_scores, hyps, refs)
            else:
                unavailable["SPICE"] = status.reason

        table = None
        if "CIDEr" in metrics or any(m in metrics for m in BLEU_METRICS):
            t0 = time.perf_counter()
            table = ngram_table(hyps, refs)
            seconds["ngrams"] = time.perf_counter() - t0
        if any(m in metrics for m in BLEU_METRICS):
            t0 = time.perf_counter()
            counts = bleu_counts(hyps, refs, table)
            for name, value in zip(BLEU_METRICS, bleu_from_counts(counts), strict=True):
                corpus[name] = value
            for name, values in zip(BLEU_METRICS, bleu_per_sample(counts), strict=True):
                columns[name] = np.asarray(values)
            columns.update(counts)
            seconds["bleu"] = time.perf_counter() - t0
        if "ROUGE_L" in metrics:
            t0 = time.perf_counter()
            corpus["ROUGE_L"], columns["ROUGE_L"] = rouge_l(hyps, refs)
            seconds["rouge"] = time.perf_counter() - t0
        if "CIDEr" in metrics:
            t0 = time.perf_counter()
            corpus["CIDEr"], columns["CIDEr"] = cider(hyps, refs, table)
            seconds["cider"] = time.perf_counter() - t0
        if meteor_job is not None:
            (corpus["METEOR"], per_sample, stats), seconds["meteor"] = meteor_job.result()
            columns["METEOR"] = np.asarray(per_sample)
            columns[METEOR_STATS_COLUMN] = stats
        if spice_job is not None:
            (corpus["SPICE"], columns["SPICE"]), seconds["spice"] = spice_job.result()
    seconds["total"] = time.perf_counter() - started
    frame = pd.DataFrame(columns)
    frame.insert(0, "prediction_tokens", hyps)
    frame.insert(1, "reference_tokens", [list(r) for r in refs])
    ordered = {m: corpus[m] for m in CAPTION_METRICS if m in corpus}
    return CaptionScores(ordered, frame, unavailable, seconds)


def _timed(function: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - t0
