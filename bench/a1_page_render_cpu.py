"""CPU of map re-renders and of pages over large catalogs, in one process: what an A/B of two source trees
compares (run it with each tree first on PYTHONPATH, alternated, in the same minutes).

    PYTHONPATH=TREE/src:TREE python bench/a1_page_render_cpu.py CATALOG_FOLDER... [--pages 4]

Prints the mean CPU per computed ``render_map`` (20 renders, 5 views, no shared raster reused), the CPU of each
page built as a server session builds it (``build_dashboard`` rendered into a document; the first one cold), and
the resident memory each kept page adds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_dashboard import rss_mib  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--pages", type=int, default=4)
    args = parser.parse_args()

    from bokeh.document import Document
    from panel.io.state import set_curdoc

    import explorer
    from explorer.dashboard import build_dashboard, map_view, open_catalogs
    from explorer.dashboard.state import ExplorerState
    from tests.harness.perf import map_render

    catalogs, problems = open_catalogs(args.paths)
    state = ExplorerState(catalogs)
    views = [
        (None, None),
        ((-2.0e7, 2.0e7), (-1.5e7, 1.8e7)),
        ((-1.2e6, 3.5e6), (4.0e6, 8.5e6)),
        ((0.5e6, 2.5e6), (5.5e6, 7.0e6)),
        ((-8e6, -4e6), (-5e6, 0)),
    ]
    map_render(state, *views[0])  # numba's machine code loaded

    def computed(view: tuple) -> float:
        map_view._UNFILTERED_RASTERS.clear()
        return map_render(state, *view)

    cpu = time.process_time()
    walls = [computed(view) for view in views * 4]
    render_ms = (time.process_time() - cpu) / len(walls) * 1000
    documents, cpus, before = [], [], rss_mib(os.getpid())
    for _ in range(args.pages):
        document, cpu = Document(), time.process_time()
        with set_curdoc(document):
            build_dashboard(catalogs, problems).template().server_doc(document)
        cpus.append(time.process_time() - cpu)
        documents.append(document)  # kept: what each open page holds
    per_page = (rss_mib(os.getpid()) - before) / args.pages
    print(
        f"{explorer.__file__}: render CPU {render_ms:.0f} ms (wall p95 {sorted(walls)[-1] * 1000:.0f} ms); "
        f"page CPU {' '.join(f'{c:.2f}' for c in cpus)} s (warm median {statistics.median(cpus[1:]):.2f} s); "
        f"memory per kept page {per_page:.0f} MiB; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
