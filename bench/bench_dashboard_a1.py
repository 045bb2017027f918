"""The dashboard with SkyScript + RS5M + BigEarthNet.txt full-size catalogs open together (~10 M samples).

    python bench/bench_dashboard_a1.py [--work DIR] [--step build|serve|all]

Catalogs (built once under ``--work``, each in a fresh process; run the build step under the bench lock):
* SkyScript: ``/work/benchdata/a1/skyscript-fullsize`` (5.2 M images, 10.4 M captions, make_table_a1.py);
* RS5M: the caption-list layout ``rs3_dump.csv`` + ``rs3_train_intermediate.csv`` at 5 M samples
  (``make_table_a1.py --rs5m-list-rows 5000000``; positions for the fMoW and BigEarthNet two thirds);
* BigEarthNet.txt: ``/work/benchdata/bigearthnet-fullsize`` (464,044 patches, 9.55 M annotations).
Statistics are cached with each catalog, as ``eo-explorer index`` does.

Measures (issue #9 targets): server memory <= 3 GB, page ready <= 5 s, map re-render <= 300 ms p95, each next
to a naive baseline from the same run. ``--page-only``: the served page's figures alone, in one line, for A/B runs
alternating two source trees (``PYTHONPATH=TREE/src``: the server runs that tree's code; ``app/`` is this one's).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, TABLE_HEAD, percentile_ms, row, run_child  # noqa: E402

BENCHDATA = Path("/work/benchdata")
SOURCES = {
    "skyscript": BENCHDATA / "a1" / "skyscript-fullsize",
    "bigearthnet": BENCHDATA / "bigearthnet-fullsize",
    "rs5m": None,  # made under --work
}
BUILD_CODE = """
import json, os, time, resource
os.environ["EO_EXPLORER_CACHE"] = {cache!r}
os.environ["EO_EXPLORER_REGISTRY"] = {registry!r}
from explorer.catalog import build_catalog
from explorer import stats
t = time.perf_counter()
cat, report = build_catalog({folder!r}, out={out!r}, with_fulltext=False)
built = time.perf_counter() - t
stats.cached_stats(cat)
print(json.dumps({{"seconds": built, "stats_seconds": time.perf_counter() - t - built,
                  "samples": report.n_samples, "rows": report.n_annotations,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
NAIVE_MEMORY_CODE = """
import json, resource
import pandas as pd
frames = [pd.read_parquet(p) for p in {paths!r}]
print(json.dumps({{"rows": sum(len(f) for f in frames),
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def catalog_paths(work: Path) -> dict[str, Path]:
    return {name: work / f"catalog-a1-{name}" for name in SOURCES}


def build(work: Path) -> None:
    """Every catalog not built yet, each in a fresh process (its peak memory its own)."""
    rs5m = work / "rs5m-list"
    if not (rs5m / "rs3_dump.csv").exists():
        from make_table_a1 import main as make

        make([str(work), "--rs5m-list-rows", "5000000", "--only-rs5m-list"])
    env = {"cache": str(work / "cache-a1"), "registry": str(work / "registry-a1.json")}
    for name, out in catalog_paths(work).items():
        if (out / "catalog.json").exists():
            continue
        folder = SOURCES[name] or rs5m
        result = run_child(BUILD_CODE.format(folder=str(folder), out=str(out), **env))
        print(f"built {name}: {json.dumps(result)}", flush=True)


BREAKDOWN_CODE = """
import json, os
def rss():
    for line in open(f"/proc/{{os.getpid()}}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
import panel, holoviews, datashader
from explorer.catalog import Catalog
from explorer.dashboard import query
from explorer.dashboard.state import ExplorerState
out, before = {{}}, rss()
catalogs = [Catalog(p) for p in {paths!r}]
out["samples"] = sum(len(c.samples) for c in catalogs)  # the samples tables are read on first use
out["open"] = rss() - before
out["list_columns"] = sum(
    c.samples[k].memory_usage(deep=True) for c in catalogs for k in ("labels", "layers", "flags", "footprint")
) / 2**20
out["frame"] = sum(c.samples.memory_usage(deep=True).sum() for c in catalogs) / 2**20
before = rss()
[query.index_of(c) for c in catalogs]
out["index"] = rss() - before
before = rss()
state = ExplorerState(catalogs)
out["session"] = rss() - before
print(json.dumps(out))
"""


def serve(work: Path, paths: list[str], browser: bool = True, page_only: bool = False) -> list[str]:
    from bench_dashboard import TRIVIAL_APP, rss_mib, serve_until_ready, stop

    env = {
        **os.environ,
        "EO_EXPLORER_CACHE": str(work / "cache-a1"),
        "EO_EXPLORER_REGISTRY": str(work / "registry-a1.json"),
    }
    lines = [TABLE_HEAD]
    up = ready = t_up = t_ready = memory = float("nan")
    if browser:
        up, ready, _, proc = serve_until_ready(REPO / "app", paths, env)
        memory = rss_mib(proc.pid)
        stop(proc)
        trivial = work / "trivial_app.py"
        trivial.write_text(TRIVIAL_APP)
        t_up, t_ready, _, tproc = serve_until_ready(trivial, [], env, wait_for_map=False)
        stop(tproc)
    if page_only:  # one launch's figures in one line (an A/B alternates trees launch by launch)
        line = (
            f"page ready {ready:.1f} s (one-line app {t_ready:.1f} s); start-up {up:.1f} s (one-line app "
            f"{t_up:.1f} s); server memory after one page {memory / 1024:.2f} GiB; load average "
            f"{os.getloadavg()[0]:.1f}"
        )
        print(line, flush=True)
        return [line]
    naive = run_child(NAIVE_MEMORY_CODE.format(paths=[str(Path(p) / "samples.parquet") for p in paths]))
    parts = run_child(BREAKDOWN_CODE.format(paths=paths))

    # Map re-render, in this process prepared as `panel serve app/` prepares itself.
    from explorer.dashboard import open_catalogs, prepare_server
    from tests.harness.perf import map_render

    os.environ.update({k: env[k] for k in ("EO_EXPLORER_CACHE", "EO_EXPLORER_REGISTRY")})
    warming = prepare_server(paths)
    if warming is not None:  # renders timed as in a server past its warm-up (its map's compiled shading loaded)
        warming.join()
    catalogs, problems = open_catalogs(paths)
    assert not problems, problems
    from explorer.dashboard.state import ExplorerState

    state = ExplorerState(catalogs)
    n_samples = sum(len(c.samples) for c in catalogs)
    n_points = int(np.isfinite(state.map_frame["x"]).sum()) if len(state.map_frame) else 0
    views = [
        (None, None),
        ((-2.0e7, 2.0e7), (-1.5e7, 1.8e7)),
        ((-1.2e6, 3.5e6), (4.0e6, 8.5e6)),
        ((0.5e6, 2.5e6), (5.5e6, 7.0e6)),
        ((-8e6, -4e6), (-5e6, 0)),
    ]
    from explorer.dashboard import map_view

    map_render(state, *views[0])

    def computed(view: tuple) -> None:  # no view seen before: the unfiltered-view rasters forgotten first
        map_view._UNFILTERED_RASTERS.clear()
        map_render(state, *view)

    cpu = time.process_time()
    fast = percentile_ms(computed, views * 4)
    cpu_ms = (time.process_time() - cpu) / (len(views) * 4) * 1000
    seen = percentile_ms(lambda v: map_render(state, *v), views * 4)  # each view drawn before (a new session)

    import datashader as ds
    import pandas as pd

    def naive_map(view: tuple) -> None:  # a fresh pandas frame of every position per render, then datashader
        frame = pd.DataFrame({"x": state.matches.x.copy(), "y": state.matches.y.copy()})
        frame = frame.dropna()
        (x0, x1), (y0, y1) = view if view[0] is not None else ((-2.0e7, 2.0e7), (-1.5e7, 1.8e7))
        canvas = ds.Canvas(plot_width=1000, plot_height=500, x_range=(x0, x1), y_range=(y0, y1))
        ds.tf.shade(canvas.points(frame, "x", "y"))

    naive_map(views[0])  # datashader's kernels compiled for this path too
    slow = percentile_ms(naive_map, views[:3])
    load = os.getloadavg()[0]
    lines.append(
        row(
            f"server memory, {' + '.join(c.name for c in catalogs)} open ({n_samples:,} samples; one page)",
            f"{memory / 1024:.2f} GiB",
            "<= 3 GB",
            f"{naive['peak_rss_mib'] / 1024:.2f} GiB (the three samples tables in pandas, nothing else)",
            f"{naive['peak_rss_mib'] / memory:.2f}x",
        )
    )
    lines.append(
        row(
            "page ready once `panel serve` answers (opened in a running Chromium, map drawn)",
            f"{ready:.1f} s",
            "<= 5 s",
            f"{t_ready:.1f} s (a one-line Panel app: the framework's floor)",
            f"{t_ready / ready:.2f}x",
        )
    )
    lines.append(
        row(
            "server start-up: launch until it answers (catalogs opened, indexes, one page warmed)",
            f"{up:.1f} s",
            "(none)",
            f"{t_up:.1f} s (the one-line app)",
            f"{t_up / up:.2f}x",
        )
    )
    lines.append(
        row(
            f"map re-render of {n_points:,} positioned samples (p95 of 20, 5 views)",
            f"{fast:.0f} ms",
            "<= 300 ms",
            f"{slow:.0f} ms (a fresh pandas frame of the positions per render, then datashader)",
            f"{slow / fast:.1f}x",
        )
    )
    lines.append(
        row(
            "... CPU per computed render (mean) / p95 of a view drawn before, no filter (raster shared by sessions)",
            f"{cpu_ms:.0f} ms / {seen:.0f} ms",
            "",
            "",
            "",
        )
    )
    per = 2**20 / parts["samples"]
    lines.append(
        row(
            "... of which (MiB; bytes per sample): catalogs opened / dashboard indexes / one session",
            f"{parts['open']:.0f} ({parts['open'] * per:.0f} B) / {parts['index']:.0f} "
            f"({parts['index'] * per:.0f} B) / {parts['session']:.0f} ({parts['session'] * per:.0f} B)",
            "",
            f"samples frames {parts['frame']:.0f} MiB, of which list columns {parts['list_columns']:.0f} MiB",
            "",
        )
    )
    lines.append(
        f"\nload average {load:.1f} at the end of the run ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})"
    )
    print("\n".join(lines), flush=True)
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "output" / "a1")
    parser.add_argument("--step", choices=("build", "serve", "all"), default="all")
    parser.add_argument(
        "--catalogs", nargs="*", help="serve these catalog folders instead of the full-size ones"
    )
    parser.add_argument("--no-browser", action="store_true", help="skip the served page (memory, page ready)")
    parser.add_argument(
        "--page-only", action="store_true", help="only the served page: start-up, page ready, memory (one line)"
    )
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.step in ("build", "all"):
        build(args.work)
    if args.step in ("serve", "all"):
        paths = args.catalogs or [str(p) for p in catalog_paths(args.work).values()]
        serve(args.work, paths, browser=not args.no_browser, page_only=args.page_only)


if __name__ == "__main__":
    main()
