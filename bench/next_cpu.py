"""Server CPU of "Next" as the served button runs it (issue #12): through ``style.one_message`` in a loaded
session, with the document's model-graph recomputes counted.

    python bench/next_cpu.py CATALOG... [--steps 20] [--profile]

``profile_interactions.py`` calls ``state.step`` directly, outside a loaded session, so it misses what the
button's path adds in ``panel serve`` (the hold, the graph freeze and its recompute at the end). Run it with
another checkout's ``src`` first on PYTHONPATH for an A/B: the CPU figures are comparable on a loaded machine.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of all steps")
    options = parser.parse_args()

    import panel as pn
    from bokeh.document.models import DocumentModelManager
    from panel.io.state import set_curdoc

    import explorer
    from explorer.dashboard import open_catalogs
    from explorer.dashboard.style import one_message
    from tests.harness.perf import served_dashboard

    recomputes = 0
    recompute = DocumentModelManager.recompute

    def counted(self: DocumentModelManager) -> None:
        nonlocal recomputes
        recomputes += 1
        recompute(self)

    DocumentModelManager.recompute = counted  # type: ignore[method-assign]
    print(f"explorer from {Path(explorer.__file__).parent}")
    catalogs, _ = open_catalogs(options.paths)
    served_dashboard(catalogs)  # the first session pays the imports and the shared resources
    dashboard, document = served_dashboard(catalogs)
    pn.state._loaded[document] = True  # the page has loaded: the button's path, not the first read
    click = one_message(lambda *_: dashboard.state.step(+1))
    with set_curdoc(document):
        click(None)  # the session's first Next (Panel's first updates of each pane)
    profiler = cProfile.Profile() if options.profile else None
    cpus, counts = [], []
    for _ in range(options.steps):
        before, cpu = recomputes, time.process_time()
        if profiler is not None:
            profiler.enable()
        with set_curdoc(document):
            click(None)
        if profiler is not None:
            profiler.disable()
        cpus.append((time.process_time() - cpu) * 1000)
        counts.append(recomputes - before)
    cpus.sort()
    print(
        f"Next x {options.steps}: CPU median {statistics.median(cpus):.1f} ms, "
        f"p95 {cpus[int(0.95 * (len(cpus) - 1))]:.1f} ms, max {cpus[-1]:.1f} ms; "
        f"model-graph recomputes per Next {statistics.mean(counts):.2f}"
    )
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
