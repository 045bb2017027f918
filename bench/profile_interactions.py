"""Server-side CPU of one filter change and one "Next" in a served session, with a cProfile of each (issue #12).

    python bench/profile_interactions.py CATALOG... [--repeat 5] [--profile] [--top 35] [--shared]

A session is built and rendered into a Bokeh document as ``panel serve`` would (``tests.harness.perf``); then
each interaction runs under the document's hold, as a browser event does, and the document's pending messages
are serialised as the server would send them (their size is printed: what goes down the websocket). CPU seconds
(``time.process_time``) are the comparable figure on a shared machine; the wall time is printed beside them.
``--shared``: another session applies each filter first (many sessions on one server share filter results), so
what is timed is what every further session pays: its views' updates and the messages they send.
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
    parser.add_argument(
        "--shared",
        action="store_true",
        help="another session applies each filter first, as when many sessions share a server: what is timed is "
        "a session's cost once the filter's result is already computed (resources.shared_recent)",
    )
    options = parser.parse_args()

    from explorer.dashboard import open_catalogs
    from tests.harness.perf import served_dashboard

    catalogs, _ = open_catalogs(options.paths)
    dashboard, document = served_dashboard(catalogs)
    other, other_document = served_dashboard(catalogs)
    dashboard, document = served_dashboard(catalogs)  # the second, warm session is what a visitor gets
    state = dashboard.state
    # What the page reports once the map is drawn: its size and view (the raster is shaded for them).
    from explorer.dashboard.map_view import data_extent

    x_range, y_range = data_extent(state.map_frame)
    timed(document, lambda: dashboard.map.set_size(1200, 430))
    timed(document, lambda: dashboard.map.set_view(x_range, y_range))
    countries = [c for c in state.param.country.objects if c != "All"][:3]
    words = ["forest", "river", "urban"]
    # (name, the filter change, or None for "Next")
    actions: list[tuple[str, dict[str, Any] | None]] = []
    for i in range(options.repeat):
        country = countries[i % len(countries)] if countries else "All"
        word = words[i % len(words)]
        actions += [
            (f"filter country={country}", {"country": country}),
            ("filter country reset", {"country": "All"}),
            (f"filter query={word}", {"query": word}),
            ("filter query reset", {"query": ""}),
            ("next", None),
        ]
    by_kind: dict[str, list[float]] = {"filter": [], "next": []}
    profilers = {kind: cProfile.Profile() for kind in by_kind} if options.profile else {}
    for name, changes in actions:
        if changes is not None and options.shared:
            timed(other_document, lambda c=changes: other.state.param.update(**c))  # type: ignore[arg-type]
        action: Callable[[], None] = (
            (lambda c=changes: state.param.update(**c)) if changes is not None else (lambda: state.step(+1))
        )
        kind = name.split()[0]
        profiler = profilers.get(kind)
        if profiler is not None:
            profiler.enable()
        wall, cpu, size = timed(document, action)
        if profiler is not None:
            profiler.disable()
        by_kind[kind].append(cpu)
        print(f"{name:32s} wall {wall * 1000:7.1f} ms  cpu {cpu * 1000:7.1f} ms  sent {size / 1024:8.1f} KiB")
    for kind, cpus in by_kind.items():
        cpus.sort()
        print(f"{kind}: median cpu {cpus[len(cpus) // 2] * 1000:.1f} ms, max {cpus[-1] * 1000:.1f} ms")
    for kind, profiler in profilers.items():  # every interaction of a kind, profiled together
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(options.top)
            print(f"===== every {kind} ({len(by_kind[kind])}), by {order}\n{out.getvalue()}")


if __name__ == "__main__":
    main()
