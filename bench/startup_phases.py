"""What a dashboard server process computes before and just after its first page, phase by phase, on catalogs.

    python bench/startup_phases.py CATALOG_FOLDER...     # run twice: the second run reads the start-up cache

Wall and CPU seconds per phase: imports, catalogs opened with their dashboard index (``open_catalogs``: cached
in CATALOG/cache/ by the first run), the first and a second map render (NumPy shading: no kernel to compile),
then a first (cold) and a second page's session as `panel serve app/` builds them (the sample read once loaded), then a
dashboard built and rendered with its sample read in the build (the readers' and spaCy's first use), cold and warm;
last, as the baseline, the map's previous datashader path (import, first render with numba compiling, again).
"""

from __future__ import annotations

import sys
import time
from typing import Any


def main(paths: list[str]) -> None:
    last = [time.perf_counter(), time.process_time()]

    def done(phase: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        print(f"{phase:55s} wall {wall - last[0]:6.2f} s   cpu {cpu - last[1]:6.2f} s", flush=True)
        last[:] = [time.perf_counter(), time.process_time()]

    import panel  # noqa: F401

    done("import panel (what `panel serve` imports anyway)")
    import explorer.dashboard  # noqa: F401

    done("import explorer.dashboard")
    from explorer.dashboard import open_catalogs

    catalogs, problems = open_catalogs(paths)
    from explorer.dashboard.query import index_of

    done(f"open catalogs + dashboard index ({sum(index_of(c).size for c in catalogs):,} samples)")
    from explorer.dashboard.map_view import render_map
    from explorer.dashboard.state import ExplorerState

    state = ExplorerState(catalogs)
    done("session state: filters -> matches -> map frame")
    render_map(state, None, None, 1200, 430)
    done("map render (first)")
    render_map(state, None, None, 1200, 430)
    done("map render (again)")
    repo = __import__("pathlib").Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(repo))
    from panel.io.application import build_single_handler_application
    from panel.io.session import generate_session

    from tests.harness.perf import served_dashboard

    # As `panel serve app/` builds a page: its first sample is read once the page has loaded in the browser.
    application = build_single_handler_application(str(repo / "app"), argv=list(paths))
    generate_session(application)
    done("first page's session, served (cold; sample read after load)")
    generate_session(application)
    done("second page's session, served")
    served_dashboard(catalogs)
    done("a dashboard built + rendered with its sample read (readers, spaCy: cold)")
    served_dashboard(catalogs)
    done("again (warm)")
    datashader_baseline(state.map_frame, state.map_colors, done)


def datashader_baseline(frame: Any, colors: dict[str, str], done: Any) -> None:
    """The map's previous path, as the baseline: datashader's count_cat -> shade(eq_hist) -> dynspread, whose
    import and run-time generated numba kernels every server process paid before its first page."""
    import datashader as ds
    import datashader.transfer_functions as tf

    done("baseline: import datashader")
    x0, x1 = float(frame["x"].min()), float(frame["x"].max()) + 1.0
    y0, y1 = float(frame["y"].min()), float(frame["y"].max()) + 1.0
    for phase in ("first: numba compiles", "again"):
        canvas = ds.Canvas(plot_width=1200, plot_height=430, x_range=(x0, x1), y_range=(y0, y1))
        agg = canvas.points(frame[["x", "y", "cat"]], "x", "y", agg=ds.count_cat("cat"))
        image = tf.shade(agg, color_key=colors, min_alpha=120, how="eq_hist")
        tf.dynspread(image, threshold=0.5, max_px=3)
        done(f"baseline: datashader map render ({phase})")


if __name__ == "__main__":
    main(sys.argv[1:])
