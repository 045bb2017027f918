"""``eo-explorer evaluate``: score prediction files against a catalog, print Table 2, write tables and scores.

Kept here (not in ``cli.py``) so the verb's logic lives with the library it drives; ``cli.py`` only declares
the arguments and calls ``run``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from ..catalog import open_catalog
from .caption_metrics import CAPTION_METRICS
from .predictions import read_predictions
from .run import evaluate
from .table import markdown_for, write_tables


class PredictionsAction(argparse.Action):
    """``--predictions FILE`` appends a [file, name] pair; a following ``--model NAME`` names that file."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        pairs = list(getattr(namespace, self.dest, None) or [])
        if option_string == "--model":
            if not pairs or pairs[-1][1] is not None:
                parser.error("--model NAME must follow the --predictions FILE it names")
            pairs[-1] = [pairs[-1][0], values]
        else:
            pairs.append([values, None])
        setattr(namespace, self.dest, pairs)


def run(args: argparse.Namespace) -> int:
    pairs = args.predictions or []
    if not pairs:
        print("error: expected at least one --predictions FILE", file=sys.stderr)
        return 2
    metrics = [m.strip() for m in args.metrics.split(",")] if args.metrics else list(CAPTION_METRICS)
    unknown = [m for m in metrics if m not in CAPTION_METRICS]
    if unknown:
        print(f"error: --metrics {unknown}: expected some of {', '.join(CAPTION_METRICS)}", file=sys.stderr)
        return 2
    catalog = open_catalog(args.catalog)
    predictions = [read_predictions(path, model=name) for path, name in pairs]

    def log(line: str) -> None:
        print(line, file=sys.stderr)

    results = evaluate(
        catalog, predictions, reference_source=args.references, metrics=metrics, refresh=args.refresh, log=log
    )
    out = Path(args.out)
    groups = {r.model: r.groups for r in results}
    tasks = [r.tasks.assign(model=r.model) for r in results if len(r.tasks)]
    task_summaries = [
        pd.DataFrame(r.summary["tasks"]).assign(model=r.model) for r in results if r.summary["tasks"]
    ]
    written = write_tables(
        groups, out, pd.concat(task_summaries, ignore_index=True) if task_summaries else None
    )
    scores_dir = out / "scores"
    scores_dir.mkdir(parents=True, exist_ok=True)
    for result in results:
        if len(result.captions):
            path = scores_dir / f"{result.model}.captions.parquet"
            result.captions.to_parquet(path, index=False)
            written.append(path)
    for frame in tasks:
        path = scores_dir / f"{frame['model'].iloc[0]}.tasks.parquet"
        frame.to_parquet(path, index=False)
        written.append(path)
    if args.figures:
        from .figures import write_evaluation_figures

        written += write_evaluation_figures(groups, {r.model: r.captions for r in results}, out / "figures")
    if any(len(g) for g in groups.values()):
        print(markdown_for(groups))
    if task_summaries:
        summary = pd.concat(task_summaries, ignore_index=True)
        summary = summary[summary["category"] == "(all)"]
        with pd.option_context("display.width", 200):
            print(
                summary[["model", "split", "kind", "n", "accuracy", "mean_iou", "n_unparsed"]].to_string(
                    index=False
                )
            )
    print(f"{len(written)} files written to {out}", file=sys.stderr)
    return 0
