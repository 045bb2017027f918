"""Scores stored with the catalog, so that no view or notebook ever scores anything again.

Layout, beside the catalog's own files::

    <catalog>/evaluate/<model>-<file digest>[-<reference source>]/
        summary.json       model, prediction file, its digest, match report, corpus scores per split,
                           unavailable metrics (SPICE and why), timings
        captions.parquet   one row per scored sample: ids, split, prediction, references, their PTB tokens,
                           every metric, BLEU counts and METEOR statistics (to re-form any group's score)
        groups.parquet     Table 2 rows: per split, country, class and caption-length bin
        tasks.parquet      one row per scored question / box (BigEarthNet.txt-style predictions)

A run is keyed by model name + the prediction file's digest (+ the reference source when one is chosen): the
same file evaluated again is read back, a changed file gets a new folder.

``Evaluations`` is what a view reads: per-sample scores for a model and metric (with the sample's position,
for a map), the worst / best samples, and one sample's prediction, references, shared n-grams and scores.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from ..catalog import Catalog
from .caption_metrics import CAPTION_METRICS
from .ngrams import shared_ngrams

EVALUATE_DIR = "evaluate"
SUMMARY = "summary.json"
CAPTIONS = "captions.parquet"
GROUPS = "groups.parquet"
TASKS = "tasks.parquet"


def run_key(model: str, digest: str, reference_source: str | None = None) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("_") or "model"
    key = f"{safe}-{digest}"
    if reference_source:
        key += "-" + re.sub(r"[^A-Za-z0-9._-]+", "_", reference_source)
    return key


def run_dir(catalog: Catalog, model: str, digest: str, reference_source: str | None = None) -> Path:
    return catalog.path / EVALUATE_DIR / run_key(model, digest, reference_source)


def write_run(
    folder: Path,
    summary: dict[str, Any],
    captions: pd.DataFrame,
    groups: pd.DataFrame,
    tasks: pd.DataFrame,
) -> None:
    """Write one run's files into ``folder`` (a scratch folder renamed into place: readers never see half)."""
    scratch = folder.with_name(folder.name + ".writing")
    scratch.mkdir(parents=True, exist_ok=True)
    captions.to_parquet(scratch / CAPTIONS, index=False)
    groups.to_parquet(scratch / GROUPS, index=False)
    tasks.to_parquet(scratch / TASKS, index=False)
    (scratch / SUMMARY).write_text(json.dumps(summary, indent=2, default=_json_default))
    if folder.exists():
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()
    scratch.rename(folder)


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def read_summary(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / SUMMARY).read_text())
    return data


class Evaluations:
    """The stored runs of one catalog. Cheap to create; reads Parquet only when asked."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.root = catalog.path / EVALUATE_DIR

    def runs(self) -> pd.DataFrame:
        """One row per stored run: model, digest, reference source, predictions file, n scored, folder."""
        rows = []
        if self.root.is_dir():
            for folder in sorted(self.root.iterdir()):
                if not (folder / SUMMARY).is_file():
                    continue
                summary = read_summary(folder)
                rows.append(
                    {
                        "model": summary["model"],
                        "digest": summary["digest"],
                        "reference_source": summary.get("reference_source"),
                        "predictions": summary["predictions"],
                        "n_captions": summary.get("n_captions", 0),
                        "n_tasks": summary.get("n_tasks", 0),
                        "created": summary.get("created", ""),
                        "folder": str(folder),
                    }
                )
        return pd.DataFrame(
            rows,
            columns=[
                "model",
                "digest",
                "reference_source",
                "predictions",
                "n_captions",
                "n_tasks",
                "created",
                "folder",
            ],
        )

    def models(self) -> list[str]:
        return sorted(self.runs()["model"].unique().tolist())

    def folder(self, model: str) -> Path:
        """The latest run of ``model``."""
        runs = self.runs()
        runs = runs[runs["model"] == model]
        if runs.empty:
            raise KeyError(f"{self.catalog.name}: no stored evaluation of model {model!r}")
        return Path(runs.sort_values("created")["folder"].iloc[-1])

    def summary(self, model: str) -> dict[str, Any]:
        return read_summary(self.folder(model))

    def groups(self, model: str) -> pd.DataFrame:
        return pd.read_parquet(self.folder(model) / GROUPS)

    def tasks(self, model: str) -> pd.DataFrame:
        return pd.read_parquet(self.folder(model) / TASKS)

    def scores(self, model: str, metric: str | None = None) -> pd.DataFrame:
        """Per-sample caption scores with the sample's position: ``sample_id, sidx, split, lat, lon`` and
        ``score`` (when ``metric`` is given) or every metric column."""
        columns = ["sample_id", "sidx", "split"]
        available = pq.read_schema(self.folder(model) / CAPTIONS).names
        metrics = [m for m in CAPTION_METRICS if m in available]
        if metric is not None and metric not in metrics:
            raise KeyError(f"{model}: metric {metric!r} not stored; stored: {metrics}")
        frame = pd.read_parquet(
            self.folder(model) / CAPTIONS, columns=columns + ([metric] if metric else metrics)
        )
        where = self.catalog.samples.set_index("sidx").loc[frame["sidx"].to_numpy()]
        frame["lat"] = where["lat"].to_numpy()
        frame["lon"] = where["lon"].to_numpy()
        if metric is not None:
            frame = frame.rename(columns={metric: "score"})
        return frame

    def ranked(self, model: str, metric: str, n: int = 20, worst: bool = True) -> pd.DataFrame:
        """The ``n`` worst (or best) samples for a metric, with their predictions."""
        frame = pd.read_parquet(
            self.folder(model) / CAPTIONS, columns=["sample_id", "split", "prediction", metric]
        )
        frame = frame.sort_values([metric, "sample_id"], ascending=[worst, True], kind="stable")
        return frame.head(n).rename(columns={metric: "score"}).reset_index(drop=True)

    def sample(self, model: str, sample_id: str) -> dict[str, Any]:
        """One sample's prediction, references, their tokens, shared n-grams and every score."""
        table = pq.read_table(self.folder(model) / CAPTIONS, filters=[("sample_id", "=", sample_id)])
        if table.num_rows == 0:
            raise KeyError(f"{model}: sample {sample_id!r} was not scored")
        row = table.slice(0, 1).to_pylist()[0]
        return {
            "sample_id": sample_id,
            "split": row["split"],
            "prediction": row["prediction"],
            "references": list(row["references"]),
            "prediction_tokens": row["prediction_tokens"],
            "reference_tokens": list(row["reference_tokens"]),
            "shared_ngrams": shared_ngrams(row["prediction_tokens"], row["reference_tokens"]),
            "scores": {m: row[m] for m in CAPTION_METRICS if m in row},
            # the audit's class checks on the prediction (None: no map, or a run stored before them)
            "class_mentions": row.get("class_mentions"),
            "hallucinated": list(row.get("hallucinated_spans") or []),
        }
