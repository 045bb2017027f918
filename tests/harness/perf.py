"""Entry points for the benchmarks: the dashboard's server-side work, timed without a browser.

* ``sample_update``: select a sample and let every panel update its Bokeh models (what a click costs the
  server before anything is sent);
* ``map_render``: re-render the map for a view (datashader above the raster threshold).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from bokeh.document import Document
from panel.io.document import hold
from panel.io.state import set_curdoc

from explorer.catalog import Catalog
from explorer.dashboard.app import Dashboard, build_dashboard
from explorer.dashboard.map_view import MAP_HEIGHT, render_map
from explorer.dashboard.state import ExplorerState


def served_dashboard(catalogs: Sequence[Catalog]) -> tuple[Dashboard, Document]:
    """A dashboard rendered into a Bokeh document, as ``panel serve`` would for one session."""
    dashboard = build_dashboard(catalogs)
    document = Document()
    with set_curdoc(document), document.models.freeze():  # as Dashboard.servable
        dashboard.template().server_doc(document)
    return dashboard, document


def sample_update(dashboard: Dashboard, document: Document, dataset: str, sample_id: str) -> float:
    """Seconds from selecting a sample to every panel's models being updated (server side)."""
    started = time.perf_counter()
    with set_curdoc(document), hold(document):
        dashboard.state.open_sample(dataset, sample_id)
    return time.perf_counter() - started


def map_render(
    state: ExplorerState,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    width: int = 1000,
    height: int = MAP_HEIGHT,
) -> float:
    """Seconds to re-render the map layer of the current matches for one view."""
    started = time.perf_counter()
    render_map(state, x_range, y_range, width, height)
    return time.perf_counter() - started
