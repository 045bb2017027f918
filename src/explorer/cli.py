"""``eo-explorer``: demo | index | list | stats | figures | serve."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from .errors import ExplorerError


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import write_demo
    from .settings import demo_dir

    out = Path(args.dir) if args.dir else demo_dir()
    folders = write_demo(out, seed=args.seed)
    for name, folder in folders.items():
        print(f"{name}: {folder}")
    return 0


def _cmd_index(args: argparse.Namespace) -> int:
    from .catalog import index

    failed = 0
    for path in args.paths:
        try:
            report = index(path, format=args.format, name=args.name, progress=not args.quiet)
        except ExplorerError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        for problem in report.problems[:20]:
            print(f"  skipped: {problem}", file=sys.stderr)
        if len(report.problems) > 20:
            print(f"  ... and {len(report.problems) - 20:,} more (see catalog.json)", file=sys.stderr)
        print(report.summary_line())
    return 1 if failed else 0


def _cmd_list(args: argparse.Namespace) -> int:
    from . import registry
    from .settings import registry_path

    entries = registry.load()
    if not entries:
        print(f"no catalogs registered in {registry_path()} (the dashboard will open the built-in demo)")
    for entry in entries:
        print(f"{entry['name']}\t{entry['format']}\t{entry['root']}\t{entry['path']}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    app = Path(__file__).resolve().parents[2] / "app"
    if not app.is_dir():
        print(f"error: {app}: expected the app/ folder of a source checkout", file=sys.stderr)
        return 2
    cmd = [sys.executable, "-m", "panel", "serve", str(app), "--port", str(args.port)]
    if args.show:
        cmd.append("--show")
    if args.paths:
        cmd += ["--args", *args.paths]
    return subprocess.call(cmd, env=os.environ.copy())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eo-explorer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo", help="write the deterministic synthetic demo datasets in their real layouts"
    )
    demo.add_argument("dir", nargs="?", help="output folder (default: the explorer's demo folder)")
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(func=_cmd_demo)

    idx = sub.add_parser("index", help="build and register the catalog of dataset folders")
    idx.add_argument("paths", nargs="+", metavar="PATH")
    idx.add_argument("--format", help="reader to use instead of auto-detection")
    idx.add_argument("--name", help="dataset name (default: the folder name)")
    idx.add_argument("--quiet", action="store_true", help="no progress bar")
    idx.set_defaults(func=_cmd_index)

    lst = sub.add_parser("list", help="list registered catalogs")
    lst.set_defaults(func=_cmd_list)

    serve = sub.add_parser("serve", help="serve the dashboard (panel serve app/)")
    serve.add_argument(
        "paths", nargs="*", metavar="PATH", help="dataset folders or catalogs (default: registered)"
    )
    serve.add_argument("--port", type=int, default=5006)
    serve.add_argument("--show", action="store_true")
    serve.set_defaults(func=_cmd_serve)

    _add_stats_commands(sub)
    return parser


def _add_stats_commands(sub: argparse._SubParsersAction) -> None:
    stats = sub.add_parser("stats", help="print the comparison table and write the statistics as Parquet/CSV")
    stats.add_argument(
        "catalogs", nargs="*", metavar="CATALOG", help="catalogs or dataset folders (default: registered)"
    )
    stats.add_argument("--out", default="stats-output", help="folder for the Parquet/CSV files")
    stats.add_argument("--scheduler", help="address of an existing Dask scheduler for the heavy passes")
    stats.set_defaults(func=_cmd_stats)

    figures = sub.add_parser("figures", help="write every statistic as PNG (300 dpi), SVG and PDF")
    figures.add_argument("catalogs", nargs="*", metavar="CATALOG")
    figures.add_argument("--out", required=True, help="output folder")
    figures.add_argument("--formats", default="png,svg,pdf")
    figures.add_argument("--scheduler", help="address of an existing Dask scheduler")
    figures.set_defaults(func=_cmd_figures)


def _open_for_stats(paths: list[str]) -> list:
    from .catalog import open_many, open_registered

    return open_many(paths) if paths else open_registered()


def _cmd_stats(args: argparse.Namespace) -> int:
    from . import stats

    catalogs = _open_for_stats(args.catalogs)
    result = stats.compute_catalogs(catalogs, scheduler=args.scheduler)
    out = Path(args.out)
    stats.save(result, out)
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(result["comparison"].to_string(index=False))
    print(f"statistics written to {out}")
    return 0


def _cmd_figures(args: argparse.Namespace) -> int:
    from . import figures, stats

    catalogs = _open_for_stats(args.catalogs)
    result = stats.compute_catalogs(catalogs, scheduler=args.scheduler)
    paths = figures.write_figures(result, Path(args.out), formats=tuple(args.formats.split(",")))
    print(f"{len(paths)} figure files written to {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ExplorerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
