"""What one page costs the server: CPU seconds to build a session of ``app/`` and the Bokeh models it sends.

    PYTHONPATH=src python bench/page_cost.py CATALOG_FOLDER... [--pages 4] [--profile 25]

Builds pages as ``panel serve app/`` does (``generate_session``: the app's module run into a new document),
the first one cold, then ``--pages`` warm ones, and prints for each its CPU seconds, its wall seconds and the
number of Bokeh models in its document (what the browser receives and builds). The warm median is the figure
one server process pays per visitor: 20 visitors at once queue 20 of it on one core. ``--profile N`` prints the
N heaviest functions (cumulative) of one more warm page under cProfile. Pages are destroyed as the server does
when a browser closes them, so the process does not grow with the pages built.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def build_page(application):  # noqa: ANN001, ANN201 - Bokeh's Application
    from panel.io.session import generate_session

    return generate_session(application)


def destroy(session) -> None:  # noqa: ANN001 - Bokeh's ServerSession
    """What the server runs when Bokeh discards a closed page's session."""
    from panel.io.document import _cleanup_doc

    _cleanup_doc(session.document, destroy=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--pages", type=int, default=4, help="warm pages to build after the cold one")
    parser.add_argument("--profile", type=int, default=0, help="print the N heaviest functions of one warm page")
    args = parser.parse_args()

    import panel  # noqa: F401
    from panel.io.application import build_single_handler_application

    application = build_single_handler_application(str(REPO / "app"), argv=list(args.paths))
    cpus: list[float] = []
    for n in range(args.pages + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        session = build_page(application)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        models = len(session.document.models)
        label = "cold" if n == 0 else f"warm {n}"
        print(f"page {label:7s} cpu {cpu:5.2f} s   wall {wall:5.2f} s   bokeh models {models}", flush=True)
        if n:
            cpus.append(cpu)
        destroy(session)
    if cpus:
        print(f"warm page: median cpu {statistics.median(cpus):.2f} s over {len(cpus)} pages", flush=True)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        build_page(application)
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
