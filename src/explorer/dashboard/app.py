"""The whole page: one store, its views, a template; catalogs opened once per process and shared read-only."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import logging
import os
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import partial
from typing import Any

import panel as pn
import param
from bokeh.events import RangesUpdate
from panel.io.document import hold

from .. import catalog as catalog_module
from .. import registry
from ..catalog import Catalog
from ..errors import ExplorerError
from . import faults, query, shade
from .base import View
from .explore import ExploreView
from .filters import FilterPanel
from .keys import KeyboardShortcuts
from .page_template import PageTemplate
from .pending import audit_view, evaluate_view
from .resources import shared
from .state import ExplorerState
from .style import graph_frozen, one_message
from .style import html as html_pane
from .url import AUDIT_PARAMETERS, FILTER_PARAMETERS, URL_PARAMETERS, audit_filter, restore, url_items

LOG = logging.getLogger("explorer.dashboard")
TITLE = "EO Image-Text Explorer"
TIMELINE = os.environ.get("EO_EXPLORER_TIMELINE") == "1"


def mark(event: str) -> None:
    """One line of the start-up timeline on stderr when ``EO_EXPLORER_TIMELINE=1`` (bench/page_timeline.py reads
    them): wall clock, the process's CPU seconds, the thread, the event."""
    if TIMELINE:
        name = threading.current_thread().name
        print(f"eo-timeline {time.time():.3f} {time.process_time():.3f} {name} {event}", file=sys.stderr, flush=True)


def open_catalogs(paths: Sequence[str] = ()) -> tuple[list[Catalog], list[str]]:
    """Catalogs for the given dataset/catalog folders (or every registered one), opened once per process.

    No catalog, however odd, takes the page down: one that cannot be opened or indexed (missing, corrupt or
    unreadable files, an old version, columns the views cannot use) is left out and reported (second element:
    which catalog, why, and what to do), and the others are shown.
    """
    key = tuple(str(p) for p in paths)

    def open_all() -> tuple[list[Catalog], list[str]]:
        catalogs: list[Catalog] = []
        problems: list[str] = []
        if key:
            for path in key:
                try:
                    catalogs.append(catalog_module.open_catalog(path))
                except Exception as error:  # noqa: BLE001 (any failure of one folder is reported, not raised)
                    problems.append(unshowable(path, path, error))
        else:
            try:
                entries = registry.load()
            except ExplorerError as error:  # a damaged registry file: say so, open the demo
                entries, problems = [], [f"{error}. The built-in demo is shown instead."]
            for entry in entries:
                name, path = str(entry.get("name", "?")), str(entry.get("path", "?"))
                try:
                    catalogs.append(Catalog(path))
                except Exception as error:  # noqa: BLE001
                    problems.append(unshowable(name, path, error, registered=True))
            if not catalogs:
                catalogs = catalog_module.open_registered()  # nothing usable registered: the built-in demo
        catalogs = catalog_module.distinct_names(catalogs)  # two folders, one dataset name
        shown = []
        for catalog in catalogs:
            try:  # what every view filters on (from the start-up cache when there is one): a catalog it
                query.index_of(catalog)  # fails on cannot be shown
            except Exception as error:  # noqa: BLE001
                problems.append(unshowable(catalog.name, str(catalog.path), error, registered=not key))
                continue
            shown.append(catalog)
        return shown, problems

    return shared(("opened", key), open_all)


def unshowable(name: str, path: str, error: BaseException, registered: bool = False) -> str:
    """One line for the page: which catalog cannot be shown, why, and what to do about it."""
    reason = str(error).strip().rstrip(".") or type(error).__name__
    if not isinstance(error, ExplorerError):
        reason = f"{type(error).__name__}: {reason}"
    remedy = (
        f"rebuild it with `eo-explorer index DATASET_FOLDER`, or remove it with `eo-explorer unregister {name}`"
        if registered
        else "rebuild it with `eo-explorer index DATASET_FOLDER` (or pass the dataset folder instead)"
    )
    where = name if name == path else f"{name} ({path})"
    return f"Catalog {where} cannot be shown: {reason}. To fix: {remedy}. The other datasets work."


class UrlWriter(pn.custom.JSComponent):
    """Writes ``query`` into the browser's address bar as soon as it renders, when the session has connected,
    and then once the user pauses or may use the address bar (see ``_esm``); marks the page body
    ``data-eo-connected`` once Panel has loaded the session (what tests and scripts wait for).

    It also keeps the map's basemap tiles out of the page's start: Bokeh counts the document ready (its
    DocumentReady, on which Panel runs the page's on-load work: the first sample read, URL updates,
    ``pn.state.loaded``, "connected") only once every tile has loaded or failed, and a failed tile is not even
    reported to the plot. Offline, the tile host's DNS lookup sometimes times out only after 5 s
    (bench/page_timeline.py: ERR_NAME_NOT_RESOLVED after 5.0 s, the on-load 5.5 s after the page was
    interactive); on a slow network the tiles take what they take; a tile server that never answers held the
    page for ever. So until the document is ready the tile layers' pending tiles count as finished and are
    repainted: a tile that comes later is still drawn (Bokeh repaints on each load), it only no longer holds
    the page.
    """

    query = param.String(default="", doc="The URL query string to show in the address bar")

    # Each ``history.replaceState`` costs the browser ~40 ms of CPU (the browser process records a same-document
    # navigation; bench/trace_page.py: 70-80 -> 32-37 ms of its CPU per filter or Next without it), so after the
    # session's first URL the address bar follows once the user pauses (URL_DELAY_MS): a run of filters or Next
    # clicks writes it once, after the last, never on an interaction's way to the screen (a shorter delay lands
    # in the middle of the next click of a quick run). It is written at once when the address bar may be used:
    # the pointer leaves the page (towards the address bar, reload, bookmark, share), a key with a modifier or
    # F5/F6 (copy the address, reload, bookmark), the window loses focus or the page is hidden or left.
    _esm = """
    const URL_DELAY_MS = 2500
    export function render({ model }) {
      let pending = null
      let timer = null
      let connected = false
      const apply = (query) => {
        if (query && query !== window.location.search) {
          window.history.replaceState(null, "", window.location.pathname + query + window.location.hash)
        }
      }
      const flush = () => {
        clearTimeout(timer)
        if (pending !== null) { apply(pending); pending = null }
      }
      const later = (query) => {
        pending = query
        clearTimeout(timer)
        timer = setTimeout(flush, URL_DELAY_MS)
      }
      window.addEventListener("pagehide", flush)
      window.addEventListener("blur", flush)
      document.addEventListener("visibilitychange", flush)
      document.documentElement.addEventListener("mouseleave", flush)
      window.addEventListener("keydown", (event) => {
        if (event.ctrlKey || event.metaKey || event.altKey || event.key === "F5" || event.key === "F6") { flush() }
      }, true)
      apply(model.query)
      const poke = setInterval(() => {
        const doc = window.Bokeh && window.Bokeh.documents[0]
        if (!doc || doc.is_idle) { if (doc) { clearInterval(poke) } return }
        for (const m of doc.all_models) {
          if (m.type === "TileRenderer") {
            const view = window.Bokeh.index.find_one(m)
            if (view) {
              for (const tile of view._tiles ?? []) { tile.finished = true }  // only the readiness waits on it
              view.request_paint()
            }
          }
        }
      }, 100)
      // The server says when the session has loaded and read its first sample (``connected``); knocking is
      // the fallback should that message come before this view. Rarely: every knock queues behind the
      // session's work, and each answer behind the knocks before it. Later URLs come as messages too (they
      // reach the browser more reliably than this component's synced properties).
      const knock = setInterval(() => model.send_msg("knock"), 1000)
      model.on("msg:custom", (msg) => {
        clearInterval(knock)
        document.body.dataset.eoConnected = "1"
        if (connected) { later(msg.query) } else { connected = true; pending = null; apply(msg.query) }
      })
    }
    """

    def __init__(self, **params: Any) -> None:
        super().__init__(width=0, height=0, margin=0, **params)
        self._latest = ""  # the query written since the page loaded (sent as messages only)

    def write(self, query: str) -> None:
        """Show ``query``: before the page has loaded, as the ``query`` the component renders with; then as a
        message only. Setting the property too sent each URL twice per filter or Next (the property's change,
        which the page no longer reads after its first render, and the message)."""
        if pn.state.loaded:
            if query != self.current:
                self._latest = query
                self._send_msg({"query": query})
        else:
            self.query = query

    @property
    def current(self) -> str:
        return self._latest or self.query

    def _handle_msg(self, msg: Any) -> None:
        if pn.state.loaded:
            mark("knock answered")
            self._send_msg({"query": self.current})

    def connected(self) -> None:
        """Tell the page its session has loaded (after its on-load work and first read): it marks itself
        connected at once instead of at its next knock."""
        mark("connected sent")
        self._send_msg({"query": self.current})


EXPLORE, COMPARE, AUDIT, EVALUATE = "explore", "compare", "audit", "evaluate"
VIEW_TITLES = {EXPLORE: "Explore", COMPARE: "Compare", AUDIT: "Audit", EVALUATE: "Evaluate"}
KEYS_HELP = (
    "Keys: <kbd>n</kbd>/<kbd>→</kbd> next sample, <kbd>p</kbd>/<kbd>←</kbd> previous, "
    "<kbd>1</kbd>–<kbd>4</kbd> Explore / Compare / Audit / Evaluate"
)


class Dashboard(View):
    """One page per session, a view per job (Explore, Compare, Audit, Evaluate) switched from the header and
    kept in the URL with the filters and the open sample; every view reads the one session store."""

    problems = param.List(default=[], doc="Folders that could not be opened")
    view: param.Selector[Any] = param.Selector(
        default=EXPLORE, objects=list(VIEW_TITLES), doc="The view shown (URL: view=)"
    )

    def __init__(self, state: ExplorerState, **params: Any) -> None:
        super().__init__(state=state, **params)
        self.filters = FilterPanel(state=self.state)
        self.explore = ExploreView(state=self.state)
        self.map, self.header, self.images, self.text = (
            self.explore.map, self.explore.header, self.explore.images, self.explore.text,
        )  # fmt: skip
        self._views: dict[str, Any] = {EXPLORE: self.explore}  # the others: built when first shown
        self._url_synced = False  # sync_url ran: a view built later also writes its filters to the URL
        self.url_writer = UrlWriter()
        self.keys = KeyboardShortcuts(one_message(self.on_key))
        self._body = pn.Column(self.explore, sizing_mode="stretch_width")
        self.param.watch(self._show_view, "view")

    # Compare, Audit and Evaluate (and the statistics panels Compare holds) are built when first shown, not with
    # the page: most visitors never open them, and building them costs model building per session and imports
    # (matplotlib, explorer.audit, explorer.evaluate) on the way to the first page.
    @property
    def stats(self) -> Any:
        """The statistics panels of the matches (``StatsView``, shown in Compare; built on first use)."""
        if "stats" not in self._views:
            from .stats_view import StatsView

            self._views["stats"] = StatsView(state=self.state, active=False)
        return self._views["stats"]

    @property
    def compare(self) -> Any:
        """The Compare view (``CompareView``; built on first use)."""
        if COMPARE not in self._views:
            from .compare import CompareView

            self._views[COMPARE] = CompareView(state=self.state, stats_view=self.stats)
        return self._views[COMPARE]

    @property
    def audit(self) -> View:
        """The Audit view, or what to run to produce it (built on first use)."""
        if AUDIT not in self._views:
            self._views[AUDIT] = audit_view(self.state)
            if self._url_synced and (audit := audit_filter(self)) is not None:
                audit.param.watch(self._write_url, list(AUDIT_PARAMETERS))
        return self._views[AUDIT]

    @property
    def evaluate(self) -> View:
        """The Evaluate view, or what to run to produce it (built on first use)."""
        if EVALUATE not in self._views:
            self._views[EVALUATE] = evaluate_view(self.state)
        return self._views[EVALUATE]

    def built_view(self, name: str) -> Any:
        """The view called ``name`` if it is built, else None (never builds it)."""
        return self._views.get(name)

    def built_views(self) -> list[str]:
        """The views built so far (``explore`` always; the others once shown or used)."""
        return [name for name in VIEW_TITLES if name in self._views]

    def show_statistics(self) -> None:
        """Switch to Compare, computing its statistics the first time."""
        self.view = COMPARE

    def _show_view(self, *_: Any) -> None:
        shown = getattr(self, self.view)  # each view's name is its attribute (built on first use)
        if self.view == COMPARE:
            self.compare.activate()
        self._body.objects = [shown]

    def on_key(self, key: str) -> None:
        """A shortcut pressed in the page (``KeyboardShortcuts``)."""
        if key in ("n", "ArrowRight"):
            self.state.step(+1)
        elif key in ("p", "ArrowLeft"):
            self.state.step(-1)
        elif key in ("1", "2", "3", "4"):
            self.view = list(VIEW_TITLES)[int(key) - 1]

    def sync_url(self) -> None:
        """Restore view, filters and sample from the URL (or open a first sample), and keep them in the URL.

        Reading uses the request's query; writing goes through a hidden widget whose browser-side callback
        replaces the URL at once. (Panel's Location defers URL writes until every view is idle, which a map whose
        tiles cannot load, offline, never is: shared links would then never appear.)
        """
        state = self.state
        location = pn.state.location
        if location is not None:
            restore(self, {k: str(v) for k, v in location.query_params.items() if v is not None})
        if not state.sample_id:
            state.open_first(state.open_dataset or None)
        doc = pn.state.curdoc
        if doc is not None and doc.session_context is not None:  # after the first read (registered above)

            def connected() -> None:
                doc.add_next_tick_callback(self.url_writer.connected)

            pn.state.onload(connected)
        state.param.watch(self._write_url, [*URL_PARAMETERS, *FILTER_PARAMETERS])
        self.param.watch(self._write_url, "view")
        self._url_synced = True
        if (audit := audit_filter(self)) is not None:
            audit.param.watch(self._write_url, list(AUDIT_PARAMETERS))
        self._write_url()

    def url_query(self) -> str:
        """The query string that restores this page: view, filters, open sample."""
        return "?" + urllib.parse.urlencode(url_items(self))

    def _write_url(self, *_: Any) -> None:
        self.url_writer.write(self.url_query())

    def main(self) -> list[Any]:
        items: list[Any] = []
        if self.problems:
            items.append(pn.pane.Alert("<br>".join(self._escaped(self.problems)), alert_type="danger"))
        if not self.state.catalogs:
            items.append(
                pn.pane.Alert(
                    "No dataset is open. Pass dataset folders after --args, or index one with "
                    "`eo-explorer index PATH`.",
                    alert_type="warning",
                )
            )
        return [*items, self.url_writer, self.keys, self._body]

    def switcher(self) -> pn.widgets.RadioButtonGroup:
        return pn.widgets.RadioButtonGroup.from_param(
            self.param.view, options={t: k for k, t in VIEW_TITLES.items()}, name="", color="light",
            variant="outline", css_classes=["eo-view-switch"], margin=(6, 10), width=420,
            description=None,  # no Tooltip model (its view repositions itself at every resize and scroll)
        )  # fmt: skip

    @staticmethod
    def _escaped(lines: list[str]) -> list[str]:
        import html

        return [html.escape(line) for line in lines]

    def template(self) -> PageTemplate:
        return PageTemplate(
            title=TITLE,
            header=[self.switcher(), html_pane(f'<span class="eo-keys">{KEYS_HELP}</span>', margin=(14, 10))],
            sidebar=[self.filters],
            main=self.main(),
            sidebar_width=330,
            accent="#1f5f8b",
            main_layout=None,
            # No header spinner: Panel toggles it around every callback, and each toggle re-lays out the page
            # in the browser (two extra layouts per Next or filter); long work has its own progress display.
            busy_indicator=None,
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Row(
            pn.Column(self.filters, width=320),
            pn.Column(self.switcher(), *self.main(), sizing_mode="stretch_width"),
        )

    def servable(self, *args: Any, **kwargs: Any) -> Any:
        """Serve the full page (template), not the notebook layout.

        The document's model graph is frozen meanwhile: Bokeh otherwise walks the whole graph again for each
        root the template adds (~50 ms a walk at this page's size), instead of once at the end.
        """
        doc = pn.state.curdoc
        if doc is None:
            return self.template().servable(*args, **kwargs)
        with doc.models.freeze():
            return self.template().servable(*args, **kwargs)


class VisitorsFirst:
    """Visitors' pages before the warm-up: counts the pages being built (``page()`` around building one), and
    ``wait()`` holds the warm-up thread between its steps while any is. Both share one interpreter lock, so a
    warm-up running beside a first visitor would otherwise about double that visitor's wait."""

    # A page built but not loaded yet (its browser builds it; the server is idle) holds the warm-up's later
    # steps for at most this long: a page fetched and never loaded (a health check, a bench) must not hold it.
    LOADING_HOLD = 10.0
    # A served page's build releases the warm-up once its request's step is over, or after this many seconds.
    RELEASE_AT_THE_LATEST = 2.0

    # The warm-up's steps that no visitor waits for (a whole session built, statistics) run only once visitors
    # have paused this long: started during a visitor's run of filters or Next clicks, such a step (~0.6 s of
    # CPU for the session) shared the interpreter with them and about doubled the server's part of the ones it
    # overlapped (bench_latency on a fresh server: the slowest filters and Next of the run, 80-90 ms of server
    # CPU instead of 10-30).
    QUIET = 2.0

    def __init__(self) -> None:
        self._building = 0
        self._visited = False  # a visitor's page has been asked for since the process started
        self._active = float("-inf")  # when a visitor last changed something (``touch``), time.monotonic()
        self._loading: dict[int, float | None] = {}  # pages not loaded yet: id -> until when (None: building)
        self._idle = threading.Condition()
        self._warm_up = threading.local()

    @contextmanager
    def page(self) -> Iterator[None]:
        """Around building a visitor's page (app/main.py); the warm-up's own sessions do not count.

        Served, the page counts until its HTML has been sent, not only until app/main.py has run: Panel then
        renders the template (resources of every model, Jinja) on the same event-loop step, and a warm-up let go
        at the build's end (the first sample's read: Parquet, readers' imports) shared the interpreter and the
        2 cores with that render, so the first page was answered 1-2.5 s after its build at full size instead of
        ~0.2 s. The release is queued on the event loop: it runs once that request's step is over."""
        if getattr(self._warm_up, "running", False):
            yield
            return
        with self._idle:
            self._building += 1
            self._visited = True
            self._idle.notify_all()
        try:
            yield
        finally:
            self._release_after_request()

    def _release_after_request(self) -> None:
        loop: asyncio.AbstractEventLoop | None = None
        with suppress(RuntimeError):  # served: the request goes on after this module has run
            loop = asyncio.get_running_loop()
        if loop is None:
            self._built()
            return
        once = threading.Lock()

        def built() -> None:
            if once.acquire(blocking=False):
                self._built()

        # In an empty context: the copied one would hold this page's document until the call runs. A loop that
        # never runs it (one left "running" by a client library in the same thread, as Playwright's in the
        # tests) must not hold the warm-up for ever: the timer releases it then.
        loop.call_soon(built, context=contextvars.Context())
        timer = threading.Timer(self.RELEASE_AT_THE_LATEST, built)
        timer.daemon = True
        timer.start()

    def _built(self) -> None:
        """A visitor's page built (and, served, its HTML answered): the warm-up may go on."""
        with self._idle:
            self._building -= 1
            built = time.monotonic() + self.LOADING_HOLD  # a page's hold counts from its build's end
            self._loading.update({k: built for k, until in self._loading.items() if until is None})
            self._idle.notify_all()
        mark("page answered (warm-up released)")

    def until_loaded(self, doc: Any) -> None:
        """Count a served page while its on-load work and first sample read run (from its browser's
        DocumentReady until that read is done, or its session is destroyed). Not between its build and then:
        the browser is building the page meanwhile and the server is idle, the time the warm-up uses to import
        what that read needs (readers, spaCy); a page fetched but never loaded holds nothing."""
        if getattr(self._warm_up, "running", False) or doc is None or doc.session_context is None:
            return
        counted, released = threading.Event(), threading.Event()
        key = id(doc)
        with self._idle:
            self._loading[key] = None  # held from the end of its build (``page``) for LOADING_HOLD seconds

        def count() -> None:
            mark("on-load: page counted (until_loaded)")
            with self._idle:
                self._loading.pop(key, None)
                self._building += 1
            counted.set()
            doc.add_next_tick_callback(release)  # queued after the first read (registered before by sync_url)

        def release(*_: Any) -> None:
            with self._idle:
                self._loading.pop(key, None)
                self._idle.notify_all()
            if not counted.is_set() or released.is_set():
                return
            released.set()
            mark("page released (until_loaded)")
            with self._idle:
                self._building -= 1
                self._idle.notify_all()

        pn.state.onload(count)
        doc.on_session_destroyed(release)

    @contextmanager
    def warming(self) -> Iterator[None]:
        """Around the warm-up (in its thread): its sessions are not visitors'."""
        self._warm_up.running = True
        try:
            yield
        finally:
            self._warm_up.running = False

    def touch(self, *_: Any) -> None:
        """A visitor did something (a filter, a sample opened, a zoom): ``wait(quiet=...)`` waits until they pause.
        Called from the visitor's session (a parameter watcher); the warm-up's own sessions do not count."""
        if not getattr(self._warm_up, "running", False):
            self._active = time.monotonic()

    def wait_for_first_visitor(self, grace: float) -> None:
        """At the warm-up's start: wait (at most ``grace`` seconds) for a first visitor's page, then until it is
        built. The first request usually comes at once (the browser ``--show`` opens, a benchmark's first
        fetch) and the warm-up's first steps (a reader's imports: ~1.5 s of CPU) cannot step aside once begun:
        started first, they shared the interpreter with that page's build and slowed it by as much (which of
        the two came first depended on timing: the first page took 5.2 s on one start, 6.1 s on the next)."""
        if not getattr(self._warm_up, "running", False):
            return
        deadline = time.monotonic() + grace
        with self._idle:
            while not self._visited and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(timeout=min(left, 0.5))
        self.wait()

    def wait(self, limit: float = 30.0, loading: bool = False, quiet: float = 0.0) -> None:
        """Between two warm-up steps: wait (at most ``limit`` seconds) until no visitor's page is being built
        or read; with ``loading``, also until no page is in its browser being built (at most ``LOADING_HOLD``
        seconds a page): the steps no first read needs (a whole session, statistics, the map's shading) then
        leave the CPU to the pages' own work (their document sent, their on-load); with ``quiet``, also until
        no visitor has done anything (``touch``) for that many seconds."""
        if not getattr(self._warm_up, "running", False):
            return
        deadline = time.monotonic() + limit

        def idle() -> bool:
            now = time.monotonic()
            held = any(until is None or until > now for until in self._loading.values())
            return self._building == 0 and not (loading and held) and now - self._active >= quiet

        with self._idle:
            if not idle() and TIMELINE:
                mark(f"warm-up waits for {self._building} visitor pages, {len(self._loading)} loading, quiet {quiet}")
            while not idle() and (left := deadline - time.monotonic()) > 0:
                still_quiet = quiet - (time.monotonic() - self._active)  # how long the pause still has to last
                self._idle.wait(timeout=min(left, still_quiet if still_quiet > 0 else 0.5, 0.5))
            if TIMELINE:
                mark(f"warm-up goes on ({self._building} visitor pages, {len(self._loading)} loading)")

    @property
    def building(self) -> int:
        return self._building


VISITORS = VisitorsFirst()


def preload(paths: Sequence[str] = (), render: bool = True) -> tuple[list[Catalog], list[str]]:
    """Open the catalogs and pay the first-use costs of a page once per process, not on the first visitors
    (benchmarks; the server's warm-up does the same steps, a whole session instead of ``render``).

    ``render``: one dashboard rendered into a throwaway document (Panel's template, HoloViews' first plot).
    Then what a page pays after it has loaded (``first_reads``), the map's compiled shading (``warm_map``) and what
    Compare pays when opened (``after_first_reads``).
    Between steps, a visitor's page being built or read goes first (``VISITORS``). Returns what
    ``open_catalogs`` does.
    """
    catalogs, problems = open_catalogs(paths)
    if render:
        VISITORS.wait()
        render_once(catalogs, problems)
    state = first_reads(catalogs)
    warm_map(state)
    after_first_reads(catalogs, state)
    return catalogs, problems


def render_once(catalogs: Sequence[Catalog], problems: Sequence[str] = ()) -> None:
    """One dashboard rendered into a throwaway document: Panel's template and HoloViews' first plot compiled."""
    from bokeh.document import Document
    from panel.io.state import set_curdoc

    document = Document()
    with set_curdoc(document):
        build_dashboard(catalogs, problems).template().server_doc(document)


def first_reads(catalogs: Sequence[Catalog], state: ExplorerState | None = None) -> ExplorerState:
    """What a page's first sample read costs only the first time in a process: each dataset's reader (its
    imports, first file reads) and the caption highlights' pipeline (spaCy: ~2 s of CPU cold).

    A new page opens the first dataset's first match and highlights its caption: that dataset's reader, then
    spaCy, then the other readers (a page's first read waited for spaCy, ~0.7-0.8 s of CPU, when the warm-up
    was still reading the demos' imagery: full size + demos, on-load 1.9 s after the page was answered)."""
    from ..text.spatial import nlp

    state = ExplorerState(list(catalogs)) if state is None else state
    steps: list[tuple[str, Callable[[], Any]]] = [
        (f"warm-up read {c.name}", partial(state.open_first, c.name)) for c in catalogs
    ]
    steps.insert(min(1, len(steps)), ("warm-up spaCy", nlp))
    for event, step in steps:
        VISITORS.wait()
        timed(event, step)()
    return state


# From this many text rows a catalog's statistics are computed in a child process: below, starting one (imports:
# ~3 s of CPU) costs more than computing them here (the demos: well under a second).
STATS_CHILD_FROM = 1_000_000


def after_first_reads(catalogs: Sequence[Catalog], state: ExplorerState) -> None:
    """First-use costs no page pays on load: each catalog's statistics (Compare), read back once visitors pause
    (~0.05 s at full size). Statistics not saved yet are computed first, in a child process (``stats_children``)."""
    from .selection import full_stats

    stats_children(catalogs)
    for catalog in catalogs:
        VISITORS.wait(loading=True, limit=QUIET_LIMIT, quiet=VISITORS.QUIET)
        timed(f"warm-up stats {catalog.name}", lambda: full_stats(catalog))()  # noqa: B023


def stats_children(catalogs: Sequence[Catalog]) -> None:
    """Statistics not saved yet are computed in a child process (``stats.precompute``: seconds to minutes of CPU
    at full size that, in this process, would hold the interpreter lock against the pages being served), as
    soon as no page is being built or loaded: they share no interpreter with the visitors, and Compare opened
    before they are saved computes them itself."""
    from ..stats.cache import is_saved
    from ..stats.columns import num_rows
    from ..stats.precompute import in_child

    for catalog in catalogs:
        if num_rows(catalog.annotations) >= STATS_CHILD_FROM and not is_saved(catalog):
            VISITORS.wait(loading=True)
            timed(f"warm-up stats in a child process {catalog.name}", lambda: in_child(catalog))()  # noqa: B023


def warm_map(state: ExplorerState) -> None:
    """When the map is large, load its compiled shading and shade the view a new page opens with: from
    ``shade.COMPILED_FROM`` points the binning is numba code, whose first use in a process imports numba and loads
    its machine code (~2 s of CPU); the warm-up pays that instead of a visitor's page (a server defers it until
    then: ``shade.defer_compiled``), and the first view's raster is then shared by every new page (first shown
    before the browser reports the map's size)."""
    from . import map_view

    frame = state.map_frame
    if frame is None or len(frame) < shade.COMPILED_FROM:
        shade.defer_compiled(False)  # no large render to pay for here: a later one (if any) loads it itself
        return
    shade.load_compiled()
    map_view.raster_rgba(state, *map_view.data_extent(frame), map_view.DEFAULT_WIDTH, map_view.MAP_HEIGHT)


def prime_first_page(catalogs: Sequence[Catalog]) -> None:
    """Pay before the server answers what the FIRST page of a process costs on top of a warm one (measured: a
    cold page 2-2.7 s of CPU against 0.8 s warm at ~10 M samples): the unfiltered matches and their map layer
    every page starts from, shared, with the raster of the view new pages open with (~0.5 s at ~10 M samples,
    NumPy shading: a server defers the compiled one, see ``prepare_server``), and Panel's first use of what the page holds (imports
    done lazily on a first use: markdown-it for the widgets' description tooltips, Python-Markdown for
    alerts; Panel's entry points; Jinja compiling the template; the land outline): ~0.4-0.6 s of CPU. A throwaway
    page of Panel parts, not a whole session: that would add a warm page's ~0.8 s to start-up for nothing."""
    from bokeh.document import Document
    from panel.io.document import _cleanup_doc
    from panel.io.state import set_curdoc

    from . import bundle, map_figure, map_view

    state = ExplorerState(list(catalogs))  # shared: the warm-up's and every page's ExplorerState start from it
    frame = state.map_frame
    if frame is not None and len(frame) > map_view.RASTER_THRESHOLD:
        map_view.raster_rgba(state, *map_view.data_extent(frame), map_view.DEFAULT_WIDTH, map_view.MAP_HEIGHT)
    map_figure.land_outline()
    pn.extension()  # its first call loads Panel's entry points and signs its classes (no setting changed)
    bundle.only_needed_mathjax()  # what app/main.py sets for each page: process-wide, set once here
    document = Document()
    with set_curdoc(document):
        tooltip = pn.widgets.Select(options=["a"], description="a *described* widget")
        alert = pn.pane.Alert("a", alert_type="warning")  # Python-Markdown's first use
        PageTemplate(title=TITLE, sidebar=[tooltip], main=[alert]).server_doc(document)
    _cleanup_doc(document, destroy=True)
    for cls in param.concrete_descendents(param.Parameterized).values():  # param's per-class caches: ~0.2 s of
        list(cls.param)  # the first page's CPU (each class's first instance), ~0.02 s here


def prime_or_warn(catalogs: Sequence[Catalog]) -> None:
    """``prime_first_page``, which only makes the first page faster: if it fails (a catalog whose map or state
    cannot be built), the server still answers, each page reports its own problem, and the log says why once."""
    try:
        prime_first_page(catalogs)
    except Exception as error:  # noqa: BLE001 - any failure here only costs the first page its head start
        LOG.warning(
            "EO Image-Text Explorer: could not prepare the first page ahead (%s: %s); it will pay its own first-use "
            "costs",
            type(error).__name__,
            error,
        )


def prepare_server(
    paths: Sequence[str] = (), application: Any = None, background: bool = True
) -> threading.Thread | None:
    """What a server process does once before its first visitor (app/app_hooks.py; the benchmarks too).

    Only what every page needs is done before the server answers: the catalogs opened with their filter/map
    index (read from the start-up cache in the catalog folder after the first start), then frozen out of the
    garbage collector (millions of objects that live as long as the server: otherwise every full collection
    walks them, ~0.1 s, and Panel collects after every session), then what the first page would pay on top of a
    warm one (``prime_first_page``: ~0.6 s of CPU, ~1.2 s at ~10 M samples, the first visitor no longer waits
    for). The rest, first-use costs that only make the first pages faster (``preload``, one session of ``application`` built and destroyed), runs afterwards in a
    background thread, so the server answers while it warms up; ``background=False`` does it all now and
    returns None (benchmarks, tests).
    """
    started = time.perf_counter()
    # Bokeh announces the URL before this runs: say what the wait is for, and when it is over.
    LOG.warning("EO Image-Text Explorer: opening catalogs...")
    catalogs, problems = open_catalogs(paths)
    mark("catalogs opened")
    faults.install()  # a failing callback: one log line per cause, a message in its own page
    # No collection first: it walked ~190,000 objects (0.1-0.15 s of CPU on the way to the first page) to free ~20.
    gc.freeze()
    if background:  # the warm-up loads the compiled map shading once the first page is in (warm_map), not here
        shade.defer_compiled()
    timed("prime first page", lambda: prime_or_warn(catalogs))()  # after the freeze: its garbage is collected
    LOG.warning(
        "EO Image-Text Explorer: ready in %.1f s (%d datasets, %s samples%s)",
        time.perf_counter() - started,
        len(catalogs),
        f"{sum(query.index_of(c).size for c in catalogs):,}",  # not len(samples): that table is read later
        f"; {len(problems)} folders could not be opened" if problems else "",
    )
    mark("server ready")
    if not background:
        warm_up(paths, application)
        return None
    thread = threading.Thread(
        target=warm_up, args=(paths, application, FIRST_VISITOR_GRACE), name="eo-warm-up", daemon=True
    )
    thread.start()
    return thread


# The warm-up's steps no visitor waits for go on after this long even if visitors never pause (each then
# slows what it overlaps, as before): a server kept busy still warms up in the end.
QUIET_LIMIT = 60.0

# A server's warm-up first waits this long for a first visitor's page (and then until it is built): see
# ``VisitorsFirst.wait_for_first_visitor``.
FIRST_VISITOR_GRACE = 2.0


def warm_up(paths: Sequence[str] = (), application: Any = None, first_visitor_grace: float = 0.0) -> None:
    """Pay the first-use costs of a session once, so that the first visitors do not, stepping aside while a
    visitor's page is being built or its first sample read (``VISITORS``). First the unfiltered state every page
    starts from, then (after a first visitor's page, if one comes within ``first_visitor_grace`` seconds) what a
    page's first read needs (readers, spaCy: done while the first visitor's browser builds its page, before
    its on-load asks for it), then the map's compiled shading (``warm_map``: until then a server's pages shade
    with NumPy) and statistics not saved yet (in a child process), then, once visitors pause
    (``VisitorsFirst.QUIET``), one session of ``application`` (Panel's template, HoloViews' first plot: a cold
    page costs little more than a warm one) and the statistics read back. A failure here only costs speed: it
    is logged once and pages still work."""
    started = time.perf_counter()
    try:
        with VISITORS.warming():
            catalogs, problems = open_catalogs(paths)
            # What every page starts from (the unfiltered matches and their map layer, shared: ~0.3 s of CPU at
            # ~10 M samples): a first page needs it too and waits for this build rather than doing its own, so
            # building it now is a head start that is never in that page's way.
            state = ExplorerState(list(catalogs))
            VISITORS.wait_for_first_visitor(first_visitor_grace)
            state = first_reads(catalogs, state)
            VISITORS.wait(loading=True)
            timed("warm-up map", lambda: warm_map(state))()
            stats_children(catalogs)  # in another process: not held until visitors pause
            VISITORS.wait(loading=True, limit=QUIET_LIMIT, quiet=VISITORS.QUIET)
            if application is not None:
                timed("warm-up session", lambda: warm_session(application))()
            else:
                render_once(catalogs, problems)
            after_first_reads(catalogs, state)
    except Exception:  # noqa: BLE001 - warming must never take the server down
        shade.defer_compiled(False)  # large renders load the compiled shading themselves, as without a warm-up
        LOG.exception("EO Image-Text Explorer: warm-up failed (pages still work, the first ones more slowly)")
        return
    LOG.warning("EO Image-Text Explorer: warmed up in %.1f s", time.perf_counter() - started)
    mark("warm-up: end")


def warm_session(application: Any) -> None:
    """Build one full session of the served application and destroy it: the first visitor then finds Panel's
    templates and resources compiled too (what ``panel serve --warm`` does, here without the flag)."""
    from panel.io.document import _cleanup_doc
    from panel.io.session import generate_session

    session = generate_session(application)
    _cleanup_doc(session.document, destroy=True)


def read_when_loaded(read: Callable[[], None]) -> bool:
    """Run a sample read; True when it runs later. In a loaded server session it runs now, under one hold of
    the document (its model graph frozen meanwhile): every panel's change then reaches the browser as ONE
    message and the page lays itself out once. A loading indicator around it would cost more than the read
    (each toggle of a pane's classes re-lays out the whole page in the browser: ~0.3 s a toggle on this page,
    against ~0.1 s of reading). In a server session still being built (its first sample, or the one its URL
    names), read once the page has loaded, with the indicator up (and under one hold too): the first page is
    answered without reading imagery or highlighting captions (GeoTIFF readers, spaCy: seconds of imports on a
    fresh server). Elsewhere
    (notebook, benchmark, tests) read now."""
    doc = pn.state.curdoc
    if doc is None or doc.session_context is None:
        read()
        return False
    if not pn.state.loaded:

        def held_read() -> None:  # as a read in a loaded session: the browser gets ONE message, one layout
            with hold(doc, freeze=True):
                read()

        def after_load() -> None:  # after the on-load work
            mark("on-load: first read scheduled")
            doc.add_next_tick_callback(timed("first read", held_read))

        pn.state.onload(after_load)
        return True
    with hold(doc), graph_frozen(doc):  # the model graph recomputed once at most (style.graph_frozen)
        read()
    return False


def timed(event: str, call: Callable[[], Any]) -> Callable[[], None]:
    """``call`` marking its start and end on the timeline."""

    def run() -> None:
        if not TIMELINE:
            call()
            return
        mark(f"{event}: start")
        try:
            call()
        finally:
            mark(f"{event}: end")

    return run


def session_poster() -> Callable[[Callable[[], None]], None] | None:
    """In a server session, a function that runs a callable on the session's event loop (safe from a worker
    thread: the regex scan reports its progress through it); elsewhere None (work runs at once)."""
    doc = pn.state.curdoc
    if doc is None or doc.session_context is None:
        return None

    def post(call: Callable[[], None]) -> None:
        doc.add_next_tick_callback(call)

    return post


def build_dashboard(catalogs: Sequence[Catalog], problems: Sequence[str] = ()) -> Dashboard:
    """A new dashboard (new state, new widgets) over shared catalogs; syncs with the URL under a server."""
    state = ExplorerState(list(catalogs), defer=read_when_loaded, post=session_poster())
    dashboard = Dashboard(state=state, problems=list(problems))
    if TIMELINE and pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
        pn.state.onload(lambda: mark("on-load: start"))
    dashboard.sync_url()
    # Whatever a visitor changes (filters, the sample, its display, the map's view) holds the warm-up's later
    # steps until they pause (``VisitorsFirst.QUIET``).
    state.param.watch(VISITORS.touch, [name for name in state.param if name != "name"])
    dashboard.map.figure.on_event(RangesUpdate, VISITORS.touch)
    VISITORS.until_loaded(pn.state.curdoc)  # after its first read (registered by sync_url): warm-up waits
    return dashboard
