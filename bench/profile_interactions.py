"""Server-side CPU of one filter change and one "Next" in a served session, with a cProfile of each (issue #12).

    python bench/profile_interactions.py CATALOG... [--repeat 5] [--profile] [--top 35]

A session is built and rendered into a Bokeh document as ``panel serve`` would (``tests.harness.perf``); then
each interaction runs under the document's hold, as a browser event does, and the document's pending messages
are serialised as the server would send them (their size is printed: what goes down the websocket). CPU seconds
(``time.process_time``) are the comparable figure on a shared machine; the wall time is printed beside them.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def flush_messages(document: Any) -> int:
    """Serialise the document's pending change events (what a server session sends after a callback); bytes."""
    from bokeh.document.events import DocumentPatchedEvent
    from bokeh.protocol import Protocol

    held = list(document.callbacks._held_events) if hasattr(document.callbacks, "_held_events") else []
    patches = [e for e in held if isinstance(e, DocumentPatchedEvent)]
    if not patches:
        return 0
    message = Protocol().create("PATCH-DOC", patches)
    return len(message.content_json) + sum(len(b.to_bytes()) for b in message.buffers)


def timed(document: Any, action: Callable[[], None]) -> tuple[float, float, int]:
    """Run ``action`` as a browser event would (document held, then its messages serialised)."""
    from bokeh.core.enums import HoldPolicy
    from panel.io.state import set_curdoc

    wall, cpu = time.perf_counter(), time.process_time()
    with set_curdoc(document):
        document.hold(HoldPolicy.combine)
        action()
        size = flush_messages(document)
        document.callbacks._held_events = []
        document.callbacks._hold = None
    return time.perf_counter() - wall, time.process_time() - cpu, size


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of each interaction")
    parser.add_argument("--top", type=int, default=35)
    options = parser.parse_args()

    from explorer.dashboard import open_catalogs
    from tests.harness.perf import served_dashboard

    catalogs, _ = open_catalogs(options.paths)
    dashboard, document = served_dashboard(catalogs)
    dashboard, document = served_dashboard(catalogs)  # the second, warm session is what a visitor gets
    state = dashboard.state
    # What the page reports once the map is drawn: its size and view (the raster is shaded for them).
    from explorer.dashboard.map_view import data_extent

    x_range, y_range = data_extent(state.map_frame)
    timed(document, lambda: dashboard.map.set_size(1200, 430))
    timed(document, lambda: dashboard.map.set_view(x_range, y_range))
    countries = [c for c in state.param.country.objects if c != "All"][:3]
    words = ["forest", "river", "urban"]
    actions: list[tuple[str, Callable[[], None]]] = []
    for i in range(options.repeat):
        country = countries[i % len(countries)] if countries else "All"
        word = words[i % len(words)]
        actions += [
            (f"filter country={country}", lambda c=country: state.param.update(country=c)),
            ("filter country reset", lambda: state.param.update(country="All")),
            (f"filter query={word}", lambda w=word: state.param.update(query=w)),
            ("filter query reset", lambda: state.param.update(query="")),
            ("next", lambda: state.step(+1)),
        ]
    by_kind: dict[str, list[float]] = {"filter": [], "next": []}
    slowest: dict[str, tuple[float, str, Any]] = {}
    for name, action in actions:
        profiler = cProfile.Profile() if options.profile else None
        if profiler is not None:
            profiler.enable()
        wall, cpu, size = timed(document, action)
        if profiler is not None:
            profiler.disable()
        kind = name.split()[0]
        by_kind[kind].append(cpu)
        if profiler is not None and cpu > slowest.get(kind, (-1.0, "", None))[0]:
            slowest[kind] = (cpu, name, profiler)
        print(f"{name:32s} wall {wall * 1000:7.1f} ms  cpu {cpu * 1000:7.1f} ms  sent {size / 1024:8.1f} KiB")
    for kind, cpus in by_kind.items():
        cpus.sort()
        print(f"{kind}: median cpu {cpus[len(cpus) // 2] * 1000:.1f} ms, max {cpus[-1] * 1000:.1f} ms")
    for kind, (cpu, name, profiler) in slowest.items():  # the slowest of each kind, profiled
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(options.top)
            print(
                f"===== slowest {kind} ({name}, {cpu * 1000:.0f} ms CPU with the profiler), by {order}\n{out.getvalue()}"
            )


if __name__ == "__main__":
    main()
