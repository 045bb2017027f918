"""Evaluate models' prediction files against one catalog and store everything (``eo-explorer evaluate``).

For each model: match its outputs to samples / annotations (``match``), score captions split by split, each
split as one evaluated set (CIDEr's document frequencies come from the whole split), check the classes each
output names against the sample's land-cover map where there is one (``class_checks``: the audit's rule, for
CHAIR-i / CHAIR-s and the hallucinations the Evaluate view marks), form the Table 2 rows for
every split and subset (``aggregate``), score task answers (``task_metrics``), and store it all with the
catalog (``store``). A run already stored for the same model, file digest and reference source is read back.
One METEOR JVM serves every model and group of a call, started before anything else so its start-up overlaps
with tokenisation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..catalog import Catalog
from ..model import KIND_CAPTION
from .aggregate import group_table
from .caption_metrics import CAPTION_METRICS, score_captions
from .class_checks import chair, check_predictions
from .match import MatchReport, match_predictions
from .meteor import MeteorPool
from .predictions import KEY_ANNOTATION, Predictions
from .references import caption_references
from .store import read_summary, run_dir, write_run
from .task_metrics import score_tasks, summarise_tasks


@dataclass
class ModelEvaluation:
    model: str
    summary: dict[str, Any]
    captions: pd.DataFrame
    groups: pd.DataFrame
    tasks: pd.DataFrame
    reused: bool


def evaluate(
    catalog: Catalog,
    predictions: Sequence[Predictions],
    reference_source: str | None = None,
    metrics: Sequence[str] = CAPTION_METRICS,
    refresh: bool = False,
    log: Callable[[str], None] | None = None,
) -> list[ModelEvaluation]:
    """Score every prediction file against ``catalog``; returns one result per model, in order."""
    log = log or (lambda _: None)
    names = [p.model for p in predictions]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"model names must be unique; repeated: {repeated} (name them with --model)")
    results: list[ModelEvaluation] = []
    meteor: MeteorPool | None = None
    try:
        for prediction in predictions:
            folder = run_dir(catalog, prediction.model, prediction.digest, reference_source)
            if not refresh and (folder / "summary.json").is_file():
                log(f"{prediction.model}: reusing the scores stored in {folder}")
                results.append(_read_back(prediction.model, folder))
                continue
            if meteor is None and "METEOR" in metrics:
                meteor = MeteorPool()
            result = _evaluate_one(catalog, prediction, reference_source, metrics, meteor, log)
            try:
                write_run(folder, result.summary, result.captions, result.groups, result.tasks)
                log(f"{prediction.model}: scores stored in {folder}")
            except (
                OSError
            ) as exc:  # a read-only catalog: the scores are still returned and written by the CLI
                log(f"{prediction.model}: could not store scores beside the catalog ({exc})")
            results.append(result)
    finally:
        if meteor is not None:
            meteor.close()
    return results


def _read_back(model: str, folder: Any) -> ModelEvaluation:
    return ModelEvaluation(
        model,
        read_summary(folder),
        pd.read_parquet(folder / "captions.parquet"),
        pd.read_parquet(folder / "groups.parquet"),
        pd.read_parquet(folder / "tasks.parquet"),
        reused=True,
    )


def _caption_rows(
    catalog: Catalog, prediction: Predictions, matched: pd.DataFrame
) -> tuple[pd.DataFrame, int]:
    """The matched rows that are captions, one per sample (annotation-keyed captions map to their sample)."""
    if prediction.key_kind != KEY_ANNOTATION:
        return matched, 0
    kinds = (
        catalog.annotations.column("kind").take(matched["ann_row"].to_numpy()).to_numpy(zero_copy_only=False)
    )
    captions = matched[kinds == KIND_CAPTION]
    repeated = captions["sidx"].duplicated(keep="first")
    return captions[~repeated], int(repeated.sum())


def _evaluate_one(
    catalog: Catalog,
    prediction: Predictions,
    reference_source: str | None,
    metrics: Sequence[str],
    meteor: MeteorPool | None,
    log: Callable[[str], None],
) -> ModelEvaluation:
    started = time.perf_counter()
    matched, report = match_predictions(catalog, prediction)
    for line in report.lines():
        log(line)
    captions, n_same_sample = _caption_rows(catalog, prediction, matched)
    references = caption_references(catalog, captions["sidx"].to_numpy(), reference_source)
    has_refs = np.array([len(r) > 0 for r in references], dtype=bool)
    n_no_reference = int((~has_refs).sum())
    if n_no_reference:
        log(
            f"  {n_no_reference:,} outputs for samples without a reference caption"
            + (f" from {reference_source!r}" if reference_source else "")
            + " (not scored)"
        )
    captions = captions[has_refs].reset_index(drop=True)
    references = [r for r, keep in zip(references, has_refs, strict=True) if keep]

    per_split: dict[str, dict[str, float]] = {}
    unavailable: dict[str, str] = {}
    seconds: dict[str, dict[str, float]] = {}
    frames = []
    for split, index in captions.groupby("split", dropna=False, sort=True).groups.items():
        rows = captions.loc[index]
        refs = [references[i] for i in index]
        scored = score_captions(rows["text"].tolist(), refs, metrics=metrics, meteor=meteor)
        per_split[str(split)] = scored.corpus
        unavailable.update(scored.unavailable)
        seconds[str(split)] = scored.seconds
        frame = scored.per_sample
        frame.insert(0, "sample_id", rows["sample_id"].to_numpy())
        frame.insert(1, "sidx", rows["sidx"].to_numpy())
        frame.insert(2, "split", str(split))
        frame.insert(3, "prediction", rows["text"].to_numpy())
        frame.insert(4, "references", refs)
        frames.append(frame)
        log(
            f"  {split}: {len(rows):,} captions scored: "
            + ", ".join(f"{k} {v:.3f}" for k, v in scored.corpus.items())
        )
    scores = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(scores):
        checks = check_predictions(catalog, scores["sidx"].tolist(), scores["prediction"].tolist())
        scores = pd.concat([scores, checks], axis=1)
    groups = group_table(scores, catalog.samples, meteor)

    tasks = score_tasks(catalog, matched if prediction.key_kind == KEY_ANNOTATION else matched.iloc[0:0])
    task_summary = summarise_tasks(tasks)
    for message in unavailable.values():
        log(f"  {message}")
    summary = {
        "model": prediction.model,
        "catalog": catalog.name,
        "predictions": str(prediction.path),
        "digest": prediction.digest,
        "key_kind": prediction.key_kind,
        "key_column": prediction.key_column,
        "text_column": prediction.text_column,
        "reference_source": reference_source,
        "match": report.as_dict(),
        "n_captions": len(scores),
        "n_no_reference": n_no_reference,
        "n_caption_repeats_per_sample": n_same_sample,
        "n_tasks": len(tasks),
        "class_checks": {
            str(split): chair(part) for split, part in scores.groupby("split", dropna=False, sort=True)
        }
        if len(scores)
        else {},
        "corpus": per_split,
        "tasks": task_summary.to_dict(orient="records"),
        "unavailable": unavailable,
        "cider_document_frequencies": "from all scored samples of the same split",
        "seconds": {"total": time.perf_counter() - started, "by_split": seconds},
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    return ModelEvaluation(prediction.model, summary, scores, groups, tasks, reused=False)


__all__ = ["MatchReport", "ModelEvaluation", "evaluate"]
