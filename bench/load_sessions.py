"""Many users on one server: N headless Chromium pages filtering and stepping through samples for a while.

    python bench/load_sessions.py --short                      # 3 client sessions, 10 s, demo; exit 1 on any error
    python bench/load_sessions.py --sessions 20 --duration 300 [--num-procs 2] [--rounds 2] [PATH ...]
    python bench/load_sessions.py --driver bokeh --sessions 20 --duration 300   # no browsers: the server's load

Starts ``panel serve app/`` on 127.0.0.1 only (a free port; never another interface) with the given dataset or
catalog folders (default: a small generated demo in ``--work``), or drives an already running local server with
``--url http://127.0.0.1:PORT/app``. Each session is a real page in Debian's Chromium (one browser, one context
per session, driven by Playwright; see tests/harness/browser.py): the server builds a full dashboard for it,
exactly as for a user's tab. ``--driver bokeh`` uses Python Bokeh client sessions instead (``pull_session``, one
thread each): the server builds and answers exactly the same, but no browser renders, so many sessions measure
the server alone (20 Chromium pages on the server's 2 cores never connected). A client session sends the
``DocumentReady`` event a page sends (Panel releases a session's updates only after its on-load), changes the
search box / country select models, sends a ``ButtonClick`` for "Next ▶" and waits for the count / sample-id
text models to change; it does not measure rendering or the browser's own work.

Each session connects (``document.body.dataset.eoConnected === '1'``), then loops until the time is up: apply a
filter (a caption search word or a country), wait until the match count in the page changes (filter latency),
press "Next ▶" and wait until the open sample's id changes (sample latency), then reset the filter (a second
filter measurement). Filters whose count equals the unfiltered count are dropped in a calibration on the first
page, so every action has a visible answer to wait for. Errors: timeouts, JavaScript page errors, server error
alerts ("Traceback", "Internal Server Error"). Bounded: at most 50 sessions and 10 minutes.

``--short`` (the CI form) drives Bokeh client sessions unless ``--driver chromium`` is given (four Chromium pages
on 2 cores take most of a minute just to connect), and cuts fixed costs: Chromium starts while the demo is written and the server starts,
the server is "up" when ``/liveness`` answers (a GET of the app built a cold page nobody opened), and the three
pages open with the warm page, waiting for its calibrated filters once connected. A session that never filtered
counts as an error.

Prints p50/p95 of both latencies, errors, server RSS with one warm page, per extra session at the peak, after each
round of sessions (``--rounds``: it must come back to the same level) and after all sessions closed (after a
settle), and exits 1 on any error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))
from tests.harness.browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    chromium_missing,
    free_port,
    serve_command,
    stop_server,
    wait_for_http,
)

MAX_SESSIONS = 50
MAX_DURATION = 600.0
TIMEOUT = 60.0  # an answer later than this (s) is an error: never answered, not slow (slow shows in the p95)
CONNECT_TIMEOUT = 120.0  # connecting many pages at once on a shared machine takes a while
SETTLE = 12.0  # s after the pages closed before the "after" RSS: unused sessions are checked every 1 s, Panel's
# gc of destroyed documents is debounced by 5 s and the server gives memory back 6 s after the last close
WORDS = ["forest", "water", "river", "urban", "field", "road", "lake", "crop", "grass", "sea", "building"]
ALL = "All"

# Panel renders every widget in open shadow roots: document.querySelector does not see them, so look through them.
DEEP_TEXT_JS = """
window.__eoFound = {};
window.__eoDeep = (selector) => {
  const cached = window.__eoFound[selector];
  if (cached && cached.isConnected) return cached.textContent.trim();  // polling stays cheap between updates
  const find = (root) => {
    const hit = root.querySelector(selector);
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) { const inner = find(el.shadowRoot); if (inner) return inner; }
    }
    return null;
  };
  const el = find(document);
  window.__eoFound[selector] = el;
  return el === null ? null : el.textContent.trim();
};
"""
COUNT = ".eo-count b"  # the match count ("" when the filters match nothing and a message shows instead)
SAMPLE = ".eo-sample-id"
CHANGED_JS = "([selector, before]) => (window.__eoDeep(selector) || '') !== before"


@dataclass
class SessionLog:
    number: int
    connect_s: float = 0.0
    filter_ms: list[float] = field(default_factory=list)
    sample_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Action:
    """One filter a session can apply: a caption search word or a value of the country select."""

    kind: str  # "query" or "country"
    value: str


async def deep_text(page: Any, selector: str) -> str:
    return str(await page.evaluate("(s) => window.__eoDeep(s) || ''", selector))


async def wait_changed(page: Any, selector: str, before: str, timeout: float = TIMEOUT) -> float:
    """Milliseconds from now until the text at ``selector`` differs from ``before`` (polled every 20 ms)."""
    started = time.perf_counter()
    await page.wait_for_function(CHANGED_JS, arg=[selector, before], polling=20, timeout=timeout * 1000)
    return (time.perf_counter() - started) * 1000


async def apply(page: Any, action: Action, reset: bool = False) -> None:
    if action.kind == "query":
        await page.locator(".eo-query input").fill("" if reset else action.value)
        await page.locator(".eo-query input").press("Enter")
    else:
        await page.get_by_label("Country", exact=True).select_option(ALL if reset else action.value)


async def open_page(context: Any, url: str, log: SessionLog, timeout: float = CONNECT_TIMEOUT) -> Any:
    page = await context.new_page()
    page.on("pageerror", lambda error: log.errors.append(f"pageerror: {error}"))
    started = time.perf_counter()
    await page.goto(url, timeout=timeout * 1000)
    await page.wait_for_function(
        "() => document.body.dataset.eoConnected === '1'", polling=100, timeout=timeout * 1000
    )
    await page.wait_for_function(
        "() => window.__eoDeep('.eo-count b') !== null && !!window.__eoDeep('.eo-sample-id')",
        polling=100,
        timeout=timeout * 1000,
    )
    log.connect_s = time.perf_counter() - started
    return page


async def server_alerts(page: Any) -> list[str]:
    found = []
    for text in ("Traceback", "Internal Server Error"):
        if await page.get_by_text(text).count():
            found.append(f"the page shows {text!r}")
    return found


async def calibrate(page: Any, per_kind: int = 2) -> list[Action]:
    """The filters whose count differs from the unfiltered one on this server (so each has an answer to wait for),
    ``per_kind`` of each kind (caption word, country)."""
    candidates = [Action("query", w) for w in WORDS]
    country = page.get_by_label("Country", exact=True)
    if await country.count():
        options = await country.locator("option").all_inner_texts()
        candidates += [Action("country", o.strip()) for o in options if o.strip() and o.strip() != ALL][:8]
    usable: list[Action] = []
    total = await deep_text(page, COUNT)
    for action in candidates:
        if sum(a.kind == action.kind for a in usable) >= per_kind:  # two of each kind is variety enough
            continue
        await apply(page, action)
        with contextlib.suppress(Exception):  # no change within 5 s: the filter keeps every sample
            await wait_changed(page, COUNT, total, timeout=5.0)
            usable.append(action)
        await apply(page, action, reset=True)
        await page.wait_for_function(
            "(t) => window.__eoDeep('.eo-count b') === t", arg=total, timeout=TIMEOUT * 1000
        )
    return usable


async def run_session(
    browser: Any,
    url: str,
    duration: float,
    actions: list[Action] | asyncio.Future[list[Action]],
    log: SessionLog,
    seed: int,
    delay: float = 0.0,
) -> None:
    """One user: connect, then filter / Next / reset until ``duration`` s after connecting. ``actions`` may be
    still calibrating on the warm page (a future: the pages were opened together, ``--short``)."""
    rng = random.Random(seed)
    await asyncio.sleep(delay)  # --ramp: users arrive one after another, not all in the same second
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    await context.add_init_script(DEEP_TEXT_JS)
    stage = "connect"
    try:
        # Opened with the warm page (``actions`` still calibrating): its page is built first, on a cold server,
        # so these wait for that build as well as their own; on a loaded machine that exceeded one bound.
        together = not isinstance(actions, list)
        page = await open_page(context, url, log, CONNECT_TIMEOUT * (2 if together else 1))
        stage = "waiting for the warm page's calibration"
        if not isinstance(actions, list):
            actions = await actions
        if not actions:  # the warm page's error says why
            return
        until = time.perf_counter() + duration  # each session works for the whole duration once connected
        while time.perf_counter() < until and not log.errors:
            action = rng.choice(actions)
            for reset in (False, True):
                before = await deep_text(page, COUNT)
                started = time.perf_counter()
                await apply(page, action, reset)
                stage = f"{'reset' if reset else 'filter'} {action.kind}={action.value}: count {before!r} unchanged"
                await wait_changed(page, COUNT, before)
                log.filter_ms.append((time.perf_counter() - started) * 1000)
                if reset:
                    break
                sample = await deep_text(page, SAMPLE)
                started = time.perf_counter()
                stage = f"next: sample {sample!r} unchanged"
                await page.get_by_role("button", name="Next ▶").click()
                await wait_changed(page, SAMPLE, sample)
                log.sample_ms.append((time.perf_counter() - started) * 1000)
        log.errors += await server_alerts(page)
    except Exception as exc:  # noqa: BLE001 - every failure of a session is counted, never hidden
        log.errors.append(f"{stage}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    finally:
        await context.close()


# --driver bokeh: Python Bokeh client sessions instead of Chromium pages. The server builds the same dashboard per
# session and answers the same widget changes; no browser renders anything, so the load is the server's alone.


def load_client_models() -> None:
    """Register every model class the served document holds, so the client can deserialise it: Panel's models
    (some are imported lazily by the server) and the app's own JSComponent data models (named at class creation);
    and give the websocket handshake the Chromium driver's connect bound."""
    import importlib
    import pkgutil

    import panel.models

    import explorer.dashboard.app  # noqa: F401 - defines UrlWriter's data model ("UrlWriter1"), as in the server

    for module in pkgutil.iter_modules(panel.models.__path__):
        with contextlib.suppress(Exception):  # optional extras (e.g. vtk) the app never uses
            importlib.import_module(f"panel.models.{module.name}")
    # The websocket handshake waits while the server's event loop builds other sessions (~1.5 s each, one at a
    # time): tornado's 20 s default made 5 of 20 clients give up on a storm; allow what a Chromium page gets.
    from tornado.httpclient import HTTPRequest

    HTTPRequest._DEFAULTS.update(connect_timeout=CONNECT_TIMEOUT, request_timeout=CONNECT_TIMEOUT)  # noqa: SLF001


def wait_client(session: Any, predicate: Any, timeout: float = TIMEOUT) -> float:
    """Run the client's IOLoop (applying the server's patches) until ``predicate()`` holds; milliseconds taken.

    Not ``force_roundtrip`` polling: while waiting for a reply bokeh's client drops every PATCH-DOC that arrives
    (client/states.py WAITING_FOR_REPLY), so an answer would be lost. The loop only checks the predicate after a
    message, so a request for server info is sent at the deadline to wake it up."""
    connection = session._connection  # noqa: SLF001 - bokeh's client has no public "wait for a change"
    loop = connection.io_loop
    started = time.perf_counter()
    deadline = started + timeout

    def poke() -> None:
        loop.add_callback(connection.send_message, connection._protocol.create("SERVER-INFO-REQ"))  # noqa: SLF001

    handle = loop.call_later(timeout, poke)
    try:
        connection._loop_until(  # noqa: SLF001
            lambda: predicate() or time.perf_counter() >= deadline or not connection.connected
        )
    finally:
        loop.remove_timeout(handle)
    if not predicate():
        raise TimeoutError(f"no answer within {timeout:.0f} s" if connection.connected else "disconnected")
    return (time.perf_counter() - started) * 1000


class ClientPage:
    """One Bokeh client session on the served app and the models a user touches (found by CSS class / title)."""

    def __init__(self, url: str) -> None:
        from bokeh.client import pull_session
        from bokeh.events import DocumentReady

        self.session = pull_session(url=url)
        # The browser's on-load: Panel reads the first sample and releases held updates only after it.
        self.session.document.callbacks.send_event(DocumentReady())
        wait_client(self.session, lambda: self._find_text("eo-sample-id") is not None)
        self.count = self._find_text("eo-count")
        self.sample = self._find_text("eo-sample-id")
        self.query = self._find(lambda m: "eo-query" in (getattr(m, "css_classes", None) or []) and hasattr(m, "value"))
        self.next = self._find(lambda m: "eo-next" in (getattr(m, "css_classes", None) or []))
        self.country = self._find(lambda m: getattr(m, "title", None) == "Country" and hasattr(m, "options"))
        if None in (self.count, self.query, self.next):
            raise RuntimeError("the served page has no count pane, search box or Next button")

    def _find(self, test: Any) -> Any:
        return next((m for m in self.session.document.models if test(m)), None)

    def _find_text(self, css_class: str) -> Any:
        return self._find(lambda m: f"{css_class}&quot;" in str(getattr(m, "text", "")))

    def count_text(self) -> str:
        match = re.search(r'class="eo-count"><b>([^<]*)<', html.unescape(self.count.text))
        return match.group(1) if match else ""

    def sample_id(self) -> str:
        match = re.search(r'class="eo-sample-id">([^<]*)<', html.unescape(self.sample.text))
        return match.group(1) if match else ""

    def apply(self, action: Action, reset: bool = False) -> None:
        if action.kind == "query":
            self.query.value = "" if reset else action.value
        else:
            self.country.value = ALL if reset else action.value

    def press_next(self) -> None:
        from bokeh.events import ButtonClick

        self.session.document.callbacks.send_event(ButtonClick(self.next))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.session.close()


def calibrate_client(page: ClientPage, per_kind: int = 2) -> list[Action]:
    """As ``calibrate``: the filters that change the count on this server, ``per_kind`` of each kind."""
    candidates = [Action("query", w) for w in WORDS]
    if page.country is not None:
        values = [str(o[0] if isinstance(o, (list, tuple)) else o) for o in page.country.options]  # (value, label)
        candidates += [Action("country", v) for v in values if v != ALL][:8]
    usable: list[Action] = []
    total = page.count_text()
    for action in candidates:
        if sum(a.kind == action.kind for a in usable) >= per_kind:
            continue
        page.apply(action)
        with contextlib.suppress(TimeoutError):
            wait_client(page.session, lambda: page.count_text() != total, timeout=5.0)
            usable.append(action)
        page.apply(action, reset=True)
        wait_client(page.session, lambda: page.count_text() == total)
    return usable


def run_client_session(
    url: str, duration: float, actions: list[Action], log: SessionLog, seed: int, delay: float = 0.0
) -> None:
    """``run_session`` with a Bokeh client (in its own thread: each client runs its own IOLoop)."""
    rng = random.Random(seed)
    time.sleep(delay)
    stage = "connect"
    page = None
    try:
        started = time.perf_counter()
        page = ClientPage(url)
        log.connect_s = time.perf_counter() - started
        until = time.perf_counter() + duration
        while time.perf_counter() < until and not log.errors:
            action = rng.choice(actions)
            for reset in (False, True):
                before = page.count_text()
                stage = f"{'reset' if reset else 'filter'} {action.kind}={action.value}: count {before!r} unchanged"
                started = time.perf_counter()
                page.apply(action, reset)
                wait_client(page.session, lambda before=before: page.count_text() != before)
                log.filter_ms.append((time.perf_counter() - started) * 1000)
                if reset:
                    break
                sample = page.sample_id()
                stage = f"next: sample {sample!r} unchanged"
                started = time.perf_counter()
                page.press_next()
                wait_client(page.session, lambda sample=sample: page.sample_id() != sample)
                log.sample_ms.append((time.perf_counter() - started) * 1000)
        texts = [str(getattr(m, "text", "")) for m in page.session.document.models if hasattr(m, "text")]
        log.errors += [f"the page shows {t!r}" for t in ("Traceback", "Internal Server Error") if any(t in x for x in texts)]
    except Exception as exc:  # noqa: BLE001 - every failure of a session is counted, never hidden
        log.errors.append(f"{stage}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    finally:
        if page is not None:
            page.close()


def drive_clients(
    url: str,
    sessions: int,
    duration: float,
    pid: int | None,
    ramp: float = 0.0,
    settle: float = SETTLE,
    rounds: int = 1,
    per_kind: int = 2,
) -> dict[str, Any]:
    """``drive`` with Bokeh client sessions, one thread each; the same result for ``report``."""
    load_client_models()
    warm = SessionLog(-1)
    actions: list[Action] = []
    page = None
    try:
        started = time.perf_counter()
        page = ClientPage(url)
        warm.connect_s = time.perf_counter() - started
        actions = calibrate_client(page, per_kind)
        if not actions:
            warm.errors.append("no filter changes the match count on this server")
    except Exception as exc:  # noqa: BLE001
        warm.errors.append(f"warm-up: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    rss_base = tree_rss(pid) if pid else 0
    logs: list[SessionLog] = []
    peak, server_peak = rss_base, 0
    after_rounds: list[int] = []
    cpu_before, driver_before = tree_cpu(pid) if pid else {}, time.process_time()
    cpu_after, driver_after = cpu_before, driver_before
    spread: dict[int, int] = {}  # server process -> most connections seen open at once
    for round_number in range(rounds if actions else 0):
        batch = [SessionLog(round_number * sessions + i) for i in range(sessions)]
        logs += batch
        threads = [
            threading.Thread(
                target=run_client_session,
                args=(url, duration, actions, log, log.number + 1, i * ramp),
                name=f"eo-client-{log.number}",
                daemon=True,
            )
            for i, log in enumerate(batch)
        ]
        for thread in threads:
            thread.start()
        port = int(url.split(":")[2].split("/")[0])
        polls = 0
        while any(t.is_alive() for t in threads):
            if pid:
                peak, server_peak = max(peak, tree_rss(pid)), max(server_peak, process_rss(pid))
                if polls % 10 == 0:  # every ~5 s
                    for worker, count in sockets_by_process(pid, port).items():
                        spread[worker] = max(spread.get(worker, 0), count)
            polls += 1
            time.sleep(0.5)
        cpu_after, driver_after = tree_cpu(pid) if pid else {}, time.process_time()
        time.sleep(settle)
        after_rounds.append(tree_rss(pid) if pid else 0)
    if page is not None:
        page.close()
    time.sleep(settle)
    return run_result(
        warm, logs, actions, pid, rss_base, peak, after_rounds, settle, driver="bokeh", server_peak=server_peak,
        server_cpu=cpu_spent(cpu_before, cpu_after), driver_cpu=driver_after - driver_before, spread=spread,
    )  # fmt: skip


def run_result(
    warm: SessionLog,
    logs: list[SessionLog],
    actions: list[Action],
    pid: int | None,
    base: int,
    peak: int,
    after_rounds: list[int],
    settle: float,
    **extra: Any,
) -> dict[str, Any]:
    """What ``report`` reads, the same for both drivers; the "after" RSS is read now (all sessions closed and
    ``settle`` seconds waited by the caller)."""
    after = tree_rss(pid) if pid else 0
    return {
        "rounds": after_rounds,
        "warm": warm,
        "logs": logs,
        "actions": actions,
        "base": base,
        "peak": peak,
        "after": after,
        "settle": settle,
        **extra,
    }


def server_processes(pid: int) -> list[Any]:
    """The server process and its children (the forked workers of --num-procs) as psutil processes; none when it
    has ended."""
    import psutil

    try:
        parent = psutil.Process(pid)
        procs = [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []
    return procs


def tree_rss(pid: int) -> int:
    """Resident memory of a process and its children (the forked workers of --num-procs), in bytes."""
    import psutil

    total = 0
    for proc in server_processes(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += proc.memory_info().rss
    return total


def tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) so far of a server process and each of its children, by pid: what the server
    spent on the sessions, and with ``--num-procs`` how it spread over the forked processes."""
    import psutil

    spent: dict[int, float] = {}
    for proc in server_processes(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            times = proc.cpu_times()
            spent[proc.pid] = times.user + times.system
    return spent


def sockets_by_process(pid: int, port: int) -> dict[int, int]:
    """Open connections on the app's ``port`` held by each server process: with ``--num-procs`` a session lives in
    the process that accepted its websocket, so this is how the sessions spread over the processes."""
    import psutil

    held: dict[int, int] = {}
    for proc in server_processes(pid):
        with contextlib.suppress(psutil.Error):
            held[proc.pid] = sum(
                1
                for c in proc.net_connections(kind="tcp")
                if c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port == port
            )
    return held


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> dict[int, float]:
    """CPU seconds each process spent between two ``tree_cpu`` readings (a process started meanwhile: all of it)."""
    return {pid: seconds - before.get(pid, 0.0) for pid, seconds in after.items()}


def process_rss(pid: int) -> int:
    """Resident memory of the server process alone: without the children ``tree_rss`` adds (``--num-procs``
    workers, and the warm-up's statistics child at full size: ~5 GB once, not the sessions')."""
    import psutil

    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.NoSuchProcess:
        return 0


def demo_paths(work: Path) -> list[str]:
    from explorer.catalog import open_catalog
    from explorer.demo import write_demo

    folder = work / "load-demo"
    if not (folder / "bigearthnet-demo").exists():
        write_demo(folder, n_chatearthnet=20, n_bigearthnet=20)
    paths = [str(folder / "chatearthnet-demo"), str(folder / "bigearthnet-demo")]
    # Built here, before the server starts, as a lab indexes its datasets before serving them: with
    # --num-procs K, K processes building one dataset's catalog at once collide in its scratch folder
    # (`<catalog>.building`), and a process that lost opens without that dataset.
    for path in paths:
        open_catalog(path)
    return paths


def start_server(
    paths: list[str], num_procs: int, work: Path, port: int | None = None
) -> tuple[subprocess.Popen[bytes], str, Path]:
    port = port or free_port()
    options = ["--num-procs", str(num_procs), "--check-unused-sessions", "1000"]
    options += ["--unused-session-lifetime", "1000"]  # a closed page's session is destroyed within ~2 s
    options += ["--liveness"]  # "up" is polled there: a GET of the app would build (cold) a page nobody opens
    env = os.environ.copy()
    env.setdefault("EO_EXPLORER_CACHE", str(work / "cache"))
    env.setdefault("EO_EXPLORER_REGISTRY", str(work / "registry.json"))
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    log_path = work / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            serve_command(REPO / "app", port, paths, options), stdout=log, stderr=subprocess.STDOUT, env=env
        )
    url = f"http://127.0.0.1:{port}/app"
    try:
        # The server answers HTTP only once its on_server_loaded hook opened the catalogs (app/app_hooks.py).
        wait_for_http(f"http://127.0.0.1:{port}/liveness", process, timeout=300)
    except Exception:
        process.terminate()
        raise
    return process, url, log_path


async def drive(
    server: Any,
    sessions: int,
    duration: float,
    ramp: float = 0.0,
    settle: float = SETTLE,
    rounds: int = 1,
    per_kind: int = 2,
    together: bool = False,
    phases: dict[str, float] | None = None,
) -> dict[str, Any]:
    """One warm page, then ``rounds`` rounds of ``sessions`` pages; after each round, once the pages are closed
    and ``settle`` seconds passed, the server's RSS (it must return to the same level).

    ``server()`` (run in a thread while Chromium starts) returns the app's URL and the server's pid (or None).
    ``together`` (``--short``, one round): the pages open with the warm page instead of after its calibration,
    and wait for the calibrated filters once connected; the server builds one page while Chromium renders
    another instead of each waiting for the previous ones. Its RSS figures are then "before any page" based."""
    from playwright.async_api import async_playwright

    phases = {} if phases is None else phases
    run_started = time.perf_counter()

    def mark(name: str) -> None:
        phases[name] = time.perf_counter() - run_started

    async with async_playwright() as playwright:
        launch = asyncio.ensure_future(
            playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        )
        try:
            url, pid = await asyncio.to_thread(server)
            mark("server up")
        except BaseException:
            with contextlib.suppress(Exception):
                await (await launch).close()
            raise
        browser = await launch
        mark("browser up")
        try:
            # One page first: it pays the first-use costs and finds the usable filters; the others are marginal.
            warm = SessionLog(-1)
            context = await browser.new_context(viewport={"width": 1400, "height": 900})
            await context.add_init_script(DEEP_TEXT_JS)
            calibrated: asyncio.Future[list[Action]] = asyncio.get_running_loop().create_future()
            logs: list[SessionLog] = []
            tasks: list[asyncio.Task[None]] = []
            rss_base = tree_rss(pid) if pid else 0
            if together:
                rounds = 1
                logs = [SessionLog(i) for i in range(sessions)]
                tasks = [
                    asyncio.create_task(
                        run_session(browser, url, duration, calibrated, log, seed=log.number + 1, delay=i * ramp)
                    )
                    for i, log in enumerate(logs)
                ]
            actions: list[Action] = []
            try:
                page = await open_page(context, url, warm)
                mark("warm page connected")
                actions = await calibrate(page, per_kind)
                mark("filters calibrated")
                if not actions:
                    warm.errors.append("no filter changes the match count on this server")
            except Exception as exc:  # noqa: BLE001
                warm.errors.append(
                    f"warm-up: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                )
            finally:
                calibrated.set_result(actions)
            if not together:
                rss_base = tree_rss(pid) if pid else 0
            peak, server_peak = rss_base, 0
            after_rounds: list[int] = []  # RSS after each round
            cpu_before = cpu_after = tree_cpu(pid) if pid else {}
            for round_number in range(rounds if actions else 0):
                if not together:
                    batch = [SessionLog(round_number * sessions + i) for i in range(sessions)]
                    logs += batch
                    tasks = [
                        asyncio.create_task(
                            run_session(browser, url, duration, actions, log, seed=log.number + 1, delay=i * ramp)
                        )
                        for i, log in enumerate(batch)
                    ]
                while not all(t.done() for t in tasks):
                    if pid:
                        peak, server_peak = max(peak, tree_rss(pid)), max(server_peak, process_rss(pid))
                    await asyncio.sleep(0.5)
                mark(f"round {round_number + 1} done")
                cpu_after = tree_cpu(pid) if pid else {}
                await asyncio.sleep(settle)  # the warm page stays open: the level to return to
                after_rounds.append(tree_rss(pid) if pid else 0)
            await asyncio.gather(*tasks, return_exceptions=True)  # no calibrated filter: the pages gave up
            await context.close()  # the warm page too: "after" is with no session open
        finally:
            await browser.close()
    await asyncio.sleep(settle)
    mark("all closed + settle")
    return run_result(
        warm, logs, actions, pid, rss_base, peak, after_rounds, settle, together=together, phases=phases,
        server_peak=server_peak, server_cpu=cpu_spent(cpu_before, cpu_after),
    )  # fmt: skip


def report(result: dict[str, Any], sessions: int, duration: float, num_procs: int) -> int:
    logs: list[SessionLog] = result["logs"]
    filters = np.array([v for log in logs for v in log.filter_ms])
    samples = np.array([v for log in logs for v in log.sample_ms])
    errors = [f"session {log.number}: {e}" for log in [result["warm"], *logs] for e in log.errors]
    errors += [f"session {log.number}: never filtered" for log in logs if not log.errors and not log.filter_ms]
    connects = [log.connect_s for log in logs if log.connect_s]
    print(f"driver {result.get('driver', 'chromium')}, sessions {sessions}, duration {duration:.0f} s, server processes {num_procs}")
    print(f"filters used: {', '.join(f'{a.kind}={a.value}' for a in result['actions']) or 'none'}")
    print(f"filters {filters.size}, steps {samples.size}, errors {len(errors)}")
    if connects:
        print(f"session connect: median {np.median(connects):.2f} s, max {max(connects):.2f} s")
    for name, values in (("filter -> count shown", filters), ("next -> sample id shown", samples)):
        if values.size:
            print(
                f"{name}: p50 {np.percentile(values, 50):.0f} ms, p95 {np.percentile(values, 95):.0f} ms, "
                f"max {values.max():.0f} ms"
            )
    mib = 2**20
    if result["base"] and result.get("together"):  # the pages opened with the warm page: no one-page level
        base, peak, after = result["base"], result["peak"], result["after"]
        print(
            f"server RSS: {base / mib:.0f} MiB before any page, peak {peak / mib:.0f} MiB with {sessions + 1} "
            f"pages, {after / mib:.0f} MiB {result.get('settle', SETTLE):.0f} s after all closed"
        )
    elif result["base"]:
        base, peak, after = result["base"], result["peak"], result["after"]
        print(
            f"server RSS: {base / mib:.0f} MiB with one warm page, peak {peak / mib:.0f} MiB, "
            f"{(peak - base) / mib / sessions:.1f} MiB per extra session, "
            f"{after / mib:.0f} MiB {result.get('settle', SETTLE):.0f} s after all sessions closed ({(after - base) / mib:+.0f} MiB)"
        )
    server_peak = result.get("server_peak") or 0
    if server_peak and result["peak"] - server_peak > 50 * mib:  # child processes: not the sessions' memory
        print(
            f"  of which child processes (--num-procs workers, the warm-up's statistics): the server process alone "
            f"peaked at {server_peak / mib:.0f} MiB"
        )
    server_cpu: dict[int, float] = result.get("server_cpu") or {}
    if server_cpu and filters.size + samples.size:
        requests = filters.size + samples.size
        busy = sorted((round(v, 1) for v in server_cpu.values() if v >= 1.0), reverse=True)
        print(
            f"server CPU while the sessions ran: {sum(server_cpu.values()):.1f} s (by process: {busy} s), "
            f"{sum(server_cpu.values()) / requests * 1000:.0f} ms per request answered (connects included); "
            f"the driver's own CPU {result.get('driver_cpu', 0.0):.1f} s"
        )
    spread = {p: n for p, n in (result.get("spread") or {}).items() if n}
    if spread:
        print(f"connections open at once, most seen, by server process: {sorted(spread.values(), reverse=True)}")
    for number, rss in enumerate(result.get("rounds", []), 1):
        print(f"after round {number} (warm page still open): server RSS {rss / 2**20:.0f} MiB")
    if result.get("phases"):
        print("phases (s since the start): " + ", ".join(f"{k} {v:.1f}" for k, v in result["phases"].items()))
    for error in errors[:20]:
        print(f"  error: {error}")
    return 1 if errors or filters.size < sessions else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "paths", nargs="*", help="dataset or catalog folders to serve (default: a small demo)"
    )
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of filtering and stepping")
    parser.add_argument("--num-procs", type=int, default=1, help="server processes (panel serve --num-procs)")
    parser.add_argument("--port", type=int, default=None, help="the server's port (default: a free one)")
    parser.add_argument("--url", help="drive this running server (127.0.0.1 only) instead of starting one")
    parser.add_argument("--short", action="store_true", help="3 sessions for 10 s on the demo: the CI form")
    parser.add_argument(
        "--rounds", type=int, default=1, help="rounds of --sessions pages (memory must return)"
    )
    parser.add_argument("--ramp", type=float, default=0.0, help="seconds between two sessions' starts")
    parser.add_argument(
        "--settle", type=float, default=SETTLE, help="seconds after closing before the last RSS"
    )
    parser.add_argument(
        "--driver",
        choices=["chromium", "bokeh"],
        default=None,
        help="chromium: real pages (the default); bokeh: Python Bokeh client sessions (the server's load "
        "alone; the default of --short)",
    )
    parser.add_argument("--work", type=Path, default=None, help="folder for the demo, cache and server log")
    args = parser.parse_args(argv)
    if args.short:  # the CI form: must finish in under a minute on a quiet machine, server start-up included
        args.sessions, args.duration, args.settle = 3, 10.0, min(args.settle, 2.0)
    # --short drives Bokeh client sessions unless told otherwise: four Chromium pages building ~340 Bokeh models
    # each on 2 cores take ~25-35 s to connect (72 s per run, 2026-11-30); client sessions put the same server
    # work on the server in ~40 s. Real pages are checked by the browser tests and ``--short --driver chromium``.
    args.driver = args.driver or ("bokeh" if args.short else "chromium")
    sessions = max(1, min(args.sessions, MAX_SESSIONS))
    duration = max(1.0, min(args.duration, MAX_DURATION))
    if args.url and not args.url.startswith(("http://127.0.0.1:", "http://localhost:")):
        parser.error("--url must be a loopback address (http://127.0.0.1:PORT/...)")
    missing = chromium_missing() if args.driver == "chromium" else None
    if missing:
        print(f"cannot run: {missing}")
        return 2

    # A SIGTERM (CI timeout) unwinds through the finally below, so the server is never left running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = args.work or Path(tempfile.mkdtemp(prefix="eo-load-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("EO_EXPLORER_CACHE", str(work / "cache"))  # never $HOME or another user's registry
    os.environ.setdefault("EO_EXPLORER_REGISTRY", str(work / "registry.json"))
    process = None
    run_started = time.perf_counter()

    def server() -> tuple[str, int | None]:
        """The app's URL and the server's pid: ``--url``, or the demo written and ``panel serve`` started."""
        nonlocal process
        if args.url:
            return args.url, None
        paths = args.paths or demo_paths(work)
        started = time.perf_counter()
        process, url, log_path = start_server(paths, args.num_procs, work, args.port)
        print(f"server up in {time.perf_counter() - started:.1f} s at {url} (log: {log_path})", flush=True)
        return url, process.pid

    rounds = max(1, min(args.rounds, 5))
    per_kind = 1 if args.short else 2  # --short: one word and one country (each calibration is a round trip)
    try:
        if args.driver == "bokeh":
            url, pid = server()
            result = drive_clients(url, sessions, duration, pid, args.ramp, args.settle, rounds, per_kind)
        else:  # Chromium starts while the server does
            result = asyncio.run(
                drive(server, sessions, duration, args.ramp, args.settle, rounds, per_kind, together=args.short)
            )
    finally:
        if process is not None:
            stop_server(process, timeout=20)
    code = report(result, sessions, duration, args.num_procs)
    print(f"whole run: {time.perf_counter() - run_started:.1f} s wall (demo written, server started, pages driven)")
    return code


if __name__ == "__main__":
    sys.exit(main())
