"""Small helpers shared by the benchmark scripts: timers, percentiles, peak memory of a child process."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORK = REPO / "bench" / "output"
SHARED_METADATA = REPO.parent / "shared" / "fixtures" / "bigearthnet_v2" / "metadata.parquet"


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 (a server being started: not yet, or refused, is False)."""
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def percentile_ms(fn: Callable[[Any], Any], args: list[Any], q: float = 95) -> float:
    """p-th percentile of per-call latency in milliseconds."""
    times = []
    for arg in args:
        started = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - started)
    return float(np.percentile(np.array(times) * 1000, q))


def run_child(code: str) -> dict[str, Any]:
    """Run Python code in a fresh process; returns its JSON on the last stdout line plus its peak RSS (MiB).

    A fresh process makes peak memory honest (nothing left over from earlier steps of the benchmark).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{proc.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # ru_maxrss of children is the max over all children so far: only trust it when it grew.
    result["peak_rss_mib"] = (
        max(after, before) / 1024 if after > before else result.get("peak_rss_mib", after / 1024)
    )
    return result


def child_peak_code() -> str:
    return "import resource; _peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024"


def pandas_load_code(reader: str, path: str | Path) -> str:
    """Child code for the naive baseline: load a whole file into pandas (``pd.read_parquet``/``read_csv``)."""
    return f"""
import json, time, resource
import pandas as pd
t = time.perf_counter()
df = pd.{reader}({str(path)!r})
print(json.dumps({{"seconds": time.perf_counter() - t, "rows": len(df),
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def row(name: str, value: str, target: str, baseline: str, ratio: str) -> str:
    return f"| {name} | {value} | {target} | {baseline} | {ratio} |"


TABLE_HEAD = "| measure | explorer | target | naive baseline | baseline / explorer |\n|---|---|---|---|---|"


def run_cli(main: Callable[[Path], object], doc: str | None) -> None:
    """``python bench/bench_X.py [--work DIR]``: the one command line every benchmark script takes."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="where data and results go")
    main(parser.parse_args().work)
