"""``eo-explorer``: demo | index | list | relink | unregister | stats | figures | audit | evaluate | serve."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from .constants import FIGURE_DPI
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
            report = index(
                path,
                format=args.format,
                name=args.name,
                progress=not args.quiet,
                with_stats=not args.no_stats,
            )
        except ExplorerError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        for problem in report.problems[:20]:
            print(f"  {'warning' if problem.kept else 'skipped'}: {problem}", file=sys.stderr)
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
    from .catalog import entry_state

    for entry in entries:
        print(f"{entry['name']}\t{entry['format']}\t{entry['root']}\t{entry['path']}\t{entry_state(entry)}")
    return 0


def _cmd_relink(args: argparse.Namespace) -> int:
    from .catalog import relink

    catalog = relink(args.catalog, args.new_path)
    print(f"{catalog.name}: dataset folder is now {catalog.root} ({catalog.status})")
    return 0


def _cmd_unregister(args: argparse.Namespace) -> int:
    from .catalog import unregister

    path = unregister(args.name, delete=args.delete)
    print(f"{args.name}: unregistered" + (f"; deleted {path}" if args.delete else f"; catalog left at {path}"))
    return 0


def _add_registry_commands(sub: argparse._SubParsersAction) -> None:
    relink = sub.add_parser("relink", help="point a catalog at its dataset folder's new place (no rebuild)")
    relink.add_argument("catalog", metavar="CATALOG", help="registered dataset name or catalog folder")
    relink.add_argument("new_path", metavar="NEWPATH", help="the dataset folder's new place")
    relink.set_defaults(func=_cmd_relink)
    unregister = sub.add_parser("unregister", help="remove a dataset from the registry")
    unregister.add_argument("name", metavar="NAME")
    unregister.add_argument("--delete", action="store_true", help="delete its catalog folder too")
    unregister.set_defaults(func=_cmd_unregister)


def _cmd_serve(args: argparse.Namespace) -> int:
    app = Path(__file__).resolve().parents[2] / "app"
    if not app.is_dir():
        print(f"error: {app}: expected the app/ folder of a source checkout", file=sys.stderr)
        return 2
    cmd = [sys.executable, "-m", "panel", "serve", str(app), "--port", str(args.port)]
    if args.show:
        cmd.append("--show")
    if args.address:  # e.g. 127.0.0.1: this machine only (Bokeh otherwise listens on every interface)
        cmd += ["--address", args.address, "--allow-websocket-origin", f"{args.address}:{args.port}"]
    if args.num_procs != 1:  # forked server processes sharing the port: for a lab sharing one machine
        cmd += ["--num-procs", str(args.num_procs)]
        _build_before_forking(args.paths)
    if args.paths:
        cmd += ["--args", *args.paths]
    return subprocess.call(cmd, env=os.environ.copy())


def _build_before_forking(paths: list[str]) -> None:
    """Build the catalogs of the given dataset folders once, before the server forks: each forked process
    otherwise builds a missing one at the same time in the same scratch folder, and the losers serve without it.
    A folder that cannot be built is left to the server, which shows why in the page."""
    from .catalog import open_catalog

    for path in paths or []:
        try:
            open_catalog(path)
        except Exception as error:  # noqa: BLE001 - reported by the server's page
            print(f"warning: {path}: {error}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .sources import reader_names

    parser = argparse.ArgumentParser(prog="eo-explorer", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo", help="write the deterministic synthetic demo datasets in their real layouts"
    )
    demo.add_argument("dir", nargs="?", help="output folder (default: the explorer's demo folder)")
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(func=_cmd_demo)

    idx = sub.add_parser("index", help="build and register the catalog of dataset folders")
    idx.add_argument("paths", nargs="+", metavar="PATH")
    formats = reader_names()
    idx.add_argument(
        "--format",
        choices=formats,
        metavar="FORMAT",
        help=f"reader to use instead of auto-detection: {', '.join(formats)}",
    )
    idx.add_argument("--name", help="dataset name (default: the folder name)")
    idx.add_argument("--quiet", action="store_true", help="no progress bar")
    idx.add_argument(
        "--no-stats", action="store_true", help="skip caching the statistics (computed on first use)"
    )
    idx.set_defaults(func=_cmd_index)

    lst = sub.add_parser("list", help="list registered catalogs")
    lst.set_defaults(func=_cmd_list)

    serve = sub.add_parser("serve", help="serve the dashboard (panel serve app/)")
    serve.add_argument(
        "paths", nargs="*", metavar="PATH", help="dataset folders or catalogs (default: registered)"
    )
    serve.add_argument("--port", type=int, default=5006)
    serve.add_argument("--show", action="store_true")
    serve.add_argument("--address", help="interface to listen on (default: Bokeh's, every interface)")
    serve.add_argument(
        "--num-procs", type=int, default=1, help="server processes on the port (0: one per core); for many users"
    )
    serve.set_defaults(func=_cmd_serve)

    _add_stats_commands(sub)
    _add_audit_command(sub)
    _add_evaluate_command(sub)
    _add_registry_commands(sub)
    return parser


def _add_evaluate_command(sub: argparse._SubParsersAction) -> None:
    """``evaluate``: the parser only; the work is in ``explorer.evaluate.command`` (imported when run)."""

    def run(args: argparse.Namespace) -> int:
        from .evaluate.command import run as run_evaluate

        return run_evaluate(args)

    def predictions_action(*args: Any, **kwargs: Any) -> argparse.Action:
        from .evaluate.command import PredictionsAction

        return PredictionsAction(*args, **kwargs)

    evaluate = sub.add_parser(
        "evaluate",
        help="score model outputs (captions: BLEU, METEOR, ROUGE-L, CIDEr, SPICE; tasks: accuracy, IoU) "
        "and write Table 2 per split and subset",
    )
    evaluate.add_argument("catalog", metavar="CATALOG", help="catalog folder or dataset folder")
    evaluate.add_argument(
        "--predictions",
        action=predictions_action,
        metavar="FILE",
        help="COCO results JSON, JSONL, CSV or Parquet; repeat for several models",
    )
    evaluate.add_argument(
        "--model",
        action=predictions_action,
        dest="predictions",
        metavar="NAME",
        help="name of the preceding --predictions (default: its file name)",
    )
    evaluate.add_argument("--out", default="evaluate-output", help="folder for tables, scores and figures")
    evaluate.add_argument(
        "--references", metavar="SOURCE", help="score against captions of this source only (e.g. chatgpt-4v)"
    )
    evaluate.add_argument("--metrics", help="comma-separated caption metrics (default: all)")
    evaluate.add_argument(
        "--figures", action="store_true", help="also write figures (PNG, SVG, PDF at 300 dpi)"
    )
    evaluate.add_argument(
        "--refresh", action="store_true", help="score again instead of reusing stored scores"
    )
    evaluate.set_defaults(func=run)


def _add_stats_commands(sub: argparse._SubParsersAction) -> None:
    where = "catalog folders or dataset folders (default: the registered catalogs, else the built-in demo)"
    pixels = "skip the pixel class frequencies (the one pass that reads every land-cover map)"
    scheduler = (
        "address of a running Dask scheduler (tcp://host:8786) for the pixel class frequencies; "
        "default: local threads"
    )
    refresh = "recompute instead of reusing the statistics cached beside each catalog"

    stats = sub.add_parser(
        "stats", help="print the comparison table and write every statistic as Parquet and CSV"
    )
    stats.add_argument("catalogs", nargs="*", metavar="CATALOG", help=where)
    stats.add_argument("--out", default="stats-output", help="folder for the Parquet/CSV files")
    stats.add_argument("--scheduler", help=scheduler)
    stats.add_argument("--no-pixels", action="store_true", help=pixels)
    stats.add_argument("--refresh", action="store_true", help=refresh)
    stats.set_defaults(func=_cmd_stats)

    figures = sub.add_parser("figures", help="write every statistic as a figure: PNG (300 dpi), SVG and PDF")
    figures.add_argument("catalogs", nargs="*", metavar="CATALOG", help=where)
    figures.add_argument("--out", required=True, help="output folder")
    figures.add_argument("--formats", default="png,svg,pdf", help="comma-separated file formats")
    figures.add_argument(
        "--layout",
        choices=("panels", "paper"),
        default="panels",
        help="panels: one file per figure; paper: the whole comparison as one multi-panel figure laid out "
        "for a two-column paper (comparison_paper.*), as the dashboard's Compare view exports it",
    )
    figures.add_argument("--scheduler", help=scheduler)
    figures.add_argument("--no-pixels", action="store_true", help=pixels)
    figures.add_argument("--refresh", action="store_true", help=refresh)
    figures.set_defaults(func=_cmd_figures)


def _open_for_stats(args: argparse.Namespace) -> dict:
    """Open the catalogs named in ``args`` (or the registered ones) and return their combined statistics.

    Each catalog's statistics are cached in its ``stats/`` folder and reused while it is unchanged, so
    ``stats`` then ``figures`` costs one computation. With ``--scheduler`` one client serves every catalog.
    """
    from . import stats
    from .catalog import open_many, open_registered

    catalogs = open_many(args.catalogs) if args.catalogs else open_registered()
    client = None
    if args.scheduler and not args.no_pixels:
        from distributed import Client
        from distributed.comm import parse_address
        from distributed.comm.registry import get_backend

        try:
            get_backend(parse_address(args.scheduler)[0])  # a bad scheme fails here, not inside Client
            client = Client(args.scheduler, timeout=20, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExplorerError(
                f"{args.scheduler}: expected the address of a running Dask scheduler; {exc}"
            ) from exc
    pixels = not args.no_pixels
    results = []
    try:
        for catalog in catalogs:
            try:
                results.append(
                    stats.cached_stats(catalog, refresh=args.refresh, pixels=pixels, scheduler=client)
                )
            except PermissionError:  # a read-only catalog folder: compute without caching
                results.append(stats.compute_all(catalog, pixels=pixels, scheduler=client))
    finally:
        if client is not None:
            client.close()
    combined = stats.combine(results)
    pixel_table = combined.get("class_by_pixel")
    if pixel_table is not None and len(pixel_table) and "skipped" in pixel_table:
        skipped = pixel_table.groupby("dataset")["skipped"].max()
        for name, count in skipped[skipped > 0].items():
            print(f"  {name}: {count:,} unreadable land-cover maps skipped", file=sys.stderr)
    return combined


def _cmd_stats(args: argparse.Namespace) -> int:
    import pandas as pd

    from . import stats

    result = _open_for_stats(args)
    out = Path(args.out)
    written = stats.save_stats(result, out)
    table = result["comparison"].copy()
    for column in table.columns:  # 10,500 and 12.2, as in a paper's table
        if pd.api.types.is_integer_dtype(table[column]):
            table[column] = table[column].map("{:,}".format)
        elif pd.api.types.is_float_dtype(table[column]):
            table[column] = table[column].map("{:,.1f}".format)
    with pd.option_context("display.width", 10_000, "display.max_columns", None, "display.max_colwidth", 80):
        print(table.to_string(index=False))
    print(f"{len(written)} files ({len(result)} statistics as Parquet and CSV) written to {out}")
    return 0


def _cmd_figures(args: argparse.Namespace) -> int:
    from matplotlib.figure import Figure

    from . import figures

    formats = [f.strip().lower().lstrip(".") for f in args.formats.split(",") if f.strip()]
    supported = Figure().canvas.get_supported_filetypes()
    unknown = [f for f in formats if f not in supported]
    if not formats or unknown:
        print(
            f"error: --formats {args.formats!r}: expected a comma-separated list of {', '.join(sorted(supported))}",
            file=sys.stderr,
        )
        return 2
    result = _open_for_stats(args)
    if args.layout == "paper":
        from .paper import export_paper

        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for fmt in formats:
            name, data = export_paper(result, fmt)
            (out / name).write_bytes(data)
        print(f"{len(formats)} files (comparison_paper x {', '.join(formats)}) written to {args.out}")
        return 0
    paths = figures.write_figures(result, Path(args.out), formats=tuple(formats), dpi=FIGURE_DPI)
    paths += _audit_and_evaluation_figures(args, Path(args.out), tuple(formats))
    count = len(paths) // len(formats)
    print(f"{len(paths)} figure files ({count} figures x {', '.join(formats)}) written to {args.out}")
    return 0


def _audit_and_evaluation_figures(args: argparse.Namespace, out: Path, formats: tuple[str, ...]) -> list[Path]:
    """The figures of the stored audits and evaluations of these catalogs (none for a catalog never audited or
    evaluated): paper figures come from the same command whatever produced the numbers."""
    from .audit.figures import write_audit_figures
    from .audit.run import is_audited
    from .catalog import open_many, open_registered
    from .evaluate.figures import write_stored_figures

    catalogs = open_many(args.catalogs) if args.catalogs else open_registered()
    audited = [c for c in catalogs if is_audited(c)]
    paths = write_audit_figures(audited, out, formats) if audited else []
    return paths + write_stored_figures(catalogs, out, formats)


def _add_audit_command(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser(
        "audit",
        help="check every caption, question and box against its map; store and summarise the verdicts",
    )
    audit.add_argument(
        "catalogs", nargs="*", metavar="CATALOG", help="catalog or dataset folders (default: registered)"
    )
    audit.add_argument(
        "--scheduler",
        help="address of a running Dask scheduler (tcp://host:8786), or 'sync' to run in this process "
        "(default: a local cluster of two worker processes)",
    )
    audit.add_argument("--chunk", type=int, default=2000, help="samples per task (default 2000)")
    audit.add_argument(
        "--no-images", action="store_true", help="skip the image-defect checks (they read every image)"
    )
    audit.add_argument("--no-near-duplicates", action="store_true", help="skip MinHash near-duplicate search")
    audit.add_argument("--quiet", action="store_true", help="no progress bar")
    audit.set_defaults(func=_cmd_audit)


def _cmd_audit(args: argparse.Namespace) -> int:
    from . import audit
    from .catalog import open_many, open_registered

    catalogs = open_many(args.catalogs) if args.catalogs else open_registered()
    run = audit.run_audit(
        catalogs,
        scheduler=args.scheduler,
        chunk_samples=args.chunk,
        check_images=not args.no_images,
        near_duplicates=not args.no_near_duplicates,
        progress=not args.quiet,
    )
    print(audit.summary_text(catalogs))
    print(f"audited in {run.seconds:.1f} s; verdicts in " + ", ".join(str(p) for p in run.folders.values()))
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
