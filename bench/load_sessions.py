"""Many users on one server: N concurrent Bokeh client sessions filtering and stepping for a while.

    python bench/load_sessions.py --short                      # 3 sessions, ~30 s, demo data; exit 1 on any error
    python bench/load_sessions.py --sessions 20 --duration 300 [--num-procs 2] [PATH ...]

Starts ``panel serve app/`` on 127.0.0.1 only (a free port; never another interface) with the given dataset or
catalog folders (default: a small generated demo), or drives an already running local server with
``--url http://127.0.0.1:PORT/app``. Each session is a real Bokeh client session (``bokeh.client``): the
server builds a full dashboard for it, exactly as for a browser tab. Each one then loops until the time is
up: pick a value of the country filter (the Select titled "country"), wait until the server has pushed the
resulting changes, press "next" when the page has such a button. Bounded: at most 50 sessions and 10 minutes.

Prints filter latency p50/p95 (set the filter -> first change pushed by the server; and -> the last change
before 0.3 s of quiet), errors, server RSS per extra session, and RSS after the sessions closed. For larger
labs, ``--num-procs K`` forks K server processes sharing the port (each opens the memory-mapped catalogs
once; the OS page cache is shared between them): see bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
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
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))  # tests.harness: the server harness shared with the tests
from tests.harness.browser import free_port, serve_command, stop_server, wait_for_http  # noqa: E402

MAX_SESSIONS = 50
MAX_DURATION = 600.0
QUIET = 0.3  # seconds without a server change: the update is complete
TIMEOUT = 15.0  # a filter answered later than this is an error


@dataclass
class SessionLog:
    number: int
    connect_s: float = 0.0
    first_ms: list[float] = field(default_factory=list)
    settled_ms: list[float] = field(default_factory=list)
    steps: int = 0
    errors: list[str] = field(default_factory=list)


def _options(select: Any) -> list[str]:
    values = []
    for option in select.options or []:
        values.append(option[0] if isinstance(option, list | tuple) else option)
    return [str(v) for v in values]


def _find(document: Any) -> tuple[Any, Any]:
    """The country filter (a Select titled 'country') and a 'next' button, if the page has them."""
    from bokeh.models import Button, Select

    select = next(
        (
            m
            for m in document.models
            if isinstance(m, Select) and "country" in str(m.title or "").lower() and len(_options(m)) > 1
        ),
        None,
    )
    button = next(
        (
            m
            for m in document.models
            if isinstance(m, Button) and str(m.label or "").strip().lower().startswith(("next", "▶", "→", "›"))
        ),
        None,
    )
    return select, button


def _wait_for_server(session: Any, changes: list[float], before: int, started: float) -> tuple[float, float]:
    """Round-trip until the server pushed a change and then kept quiet; (first, settled) latency in ms."""
    deadline = started + TIMEOUT
    while time.perf_counter() < deadline:
        session._connection.force_roundtrip()  # delivers every patch the server sent before replying
        if len(changes) > before and time.perf_counter() - changes[-1] >= QUIET:
            return (changes[before] - started) * 1000, (changes[-1] - started) * 1000
        time.sleep(0.02)
    raise TimeoutError(f"no complete server update within {TIMEOUT:.0f} s")


def register_models() -> None:
    """Import every Bokeh model class a dashboard page uses, so the client can deserialise the document."""
    import importlib
    import pkgutil

    import panel.models

    for module in pkgutil.iter_modules(panel.models.__path__):
        with contextlib.suppress(ImportError):
            importlib.import_module(f"panel.models.{module.name}")
    import explorer.dashboard.app  # noqa: F401 - the explorer's own components (their data models)


def run_session(number: int, url: str, duration: float, log: SessionLog, seed: int) -> None:
    from bokeh.client import pull_session
    from bokeh.events import ButtonClick

    rng = random.Random(seed)
    started = time.perf_counter()
    try:
        session = pull_session(url=url)
    except Exception as exc:  # noqa: BLE001 - every failure of a session is counted, never hidden
        log.errors.append(f"connect: {type(exc).__name__}: {exc}")
        return
    log.connect_s = time.perf_counter() - started
    until = time.perf_counter() + duration  # each session filters for the whole duration once connected
    changes: list[float] = []
    # A browser tells the server its page is ready; Panel defers some updates until then.
    from bokeh.events import DocumentReady

    session.document.callbacks.send_event(DocumentReady())
    select, button = _find(session.document)

    def on_change(event: Any) -> None:
        if getattr(event, "setter", None) is session and getattr(event, "model", None) is not select:
            changes.append(time.perf_counter())

    session.document.on_change(on_change)
    try:
        if select is None:
            raise RuntimeError("no country filter (a Select titled 'country') in the page")
        values = _options(select)
        while time.perf_counter() < until:
            value = rng.choice([v for v in values if v != select.value] or values)
            before = len(changes)
            begin = time.perf_counter()
            select.value = value
            first, settled = _wait_for_server(session, changes, before, begin)
            log.first_ms.append(first)
            log.settled_ms.append(settled)
            if button is not None and time.perf_counter() < until:
                before = len(changes)
                session.document.callbacks.send_event(ButtonClick(button))
                _wait_for_server(session, changes, before, time.perf_counter())
                log.steps += 1
    except Exception as exc:  # noqa: BLE001
        log.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        session.close()


def tree_rss(pid: int) -> int:
    """Resident memory of a process and its children (the forked workers of --num-procs), in bytes."""
    import psutil

    try:
        parent = psutil.Process(pid)
        procs = [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += proc.memory_info().rss
    return total


def demo_paths(work: Path) -> list[str]:
    from explorer.demo import write_demo

    folder = work / "load-demo"
    if not (folder / "bigearthnet-demo").exists():
        write_demo(folder, n_chatearthnet=12, n_bigearthnet=12)
    return [str(folder / "chatearthnet-demo"), str(folder / "bigearthnet-demo")]


def start_server(paths: list[str], num_procs: int, work: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    port = free_port()
    options = ["--num-procs", str(num_procs), "--check-unused-sessions", "1000"]
    options += ["--unused-session-lifetime", "1000"]
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
        wait_for_http(url, process, timeout=300)
    except Exception:
        process.terminate()
        raise
    return process, url, log_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", help="dataset or catalog folders to serve (default: a small demo)")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of filtering and stepping")
    parser.add_argument("--num-procs", type=int, default=1, help="server processes (panel serve --num-procs)")
    parser.add_argument("--url", help="drive this running server (127.0.0.1 only) instead of starting one")
    parser.add_argument("--short", action="store_true", help="3 sessions for 30 s on the demo: the CI form")
    parser.add_argument("--work", type=Path, default=None, help="folder for the demo, cache and server log")
    args = parser.parse_args(argv)
    if args.short:
        args.sessions, args.duration = 3, 30.0
    sessions = max(1, min(args.sessions, MAX_SESSIONS))
    duration = max(1.0, min(args.duration, MAX_DURATION))
    if args.url and not args.url.startswith(("http://127.0.0.1:", "http://localhost:")):
        parser.error("--url must be a loopback address (http://127.0.0.1:PORT/...)")

    # A SIGTERM (CI timeout) unwinds through the finally below, so the server is never left running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    register_models()
    work = args.work or Path(tempfile.mkdtemp(prefix="eo-load-"))
    work.mkdir(parents=True, exist_ok=True)
    process = None
    if args.url:
        url = args.url
    else:
        paths = args.paths or demo_paths(work)
        started = time.perf_counter()
        process, url, log_path = start_server(paths, args.num_procs, work)
        print(f"server up in {time.perf_counter() - started:.1f} s at {url} (log: {log_path})")
    try:
        # One session first: its RSS cost includes first-use costs, the others are the marginal ones.
        warm = SessionLog(-1)
        run_session(-1, url, 1.0, warm, seed=0)
        time.sleep(1.0)
        rss_base = tree_rss(process.pid) if process else 0
        logs = [SessionLog(i) for i in range(sessions)]
        until = time.perf_counter() + duration + 120  # connecting under load may take a while
        threads = [
            threading.Thread(target=run_session, args=(i, url, duration, logs[i], i + 1), daemon=True)
            for i in range(sessions)
        ]
        peak = rss_base
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            if process:
                peak = max(peak, tree_rss(process.pid))
            time.sleep(0.5)
            if time.perf_counter() > until + 2 * TIMEOUT + 30:
                logs[0].errors.append("sessions did not finish in time")
                break
        time.sleep(3.0)  # the server destroys closed sessions on its next unused-session check (1 s)
        rss_after = tree_rss(process.pid) if process else 0
    finally:
        if process is not None:
            stop_server(process, timeout=20)

    first = np.array([v for log in logs for v in log.first_ms])
    settled = np.array([v for log in logs for v in log.settled_ms])
    errors = [f"session {log.number}: {e}" for log in [warm, *logs] for e in log.errors]
    connects = [log.connect_s for log in logs if log.connect_s]
    mib = 2**20
    print(f"sessions {sessions}, duration {duration:.0f} s, server processes {args.num_procs}")
    print(f"filters {first.size}, steps {sum(log.steps for log in logs)}, errors {len(errors)}")
    if connects:
        print(f"session connect: median {np.median(connects):.2f} s, max {max(connects):.2f} s")
    if first.size:
        print(
            f"filter -> first server change: p50 {np.percentile(first, 50):.0f} ms, p95 {np.percentile(first, 95):.0f} ms"
        )
        print(
            f"filter -> update complete (0.3 s quiet excluded): p50 {np.percentile(settled, 50):.0f} ms, "
            f"p95 {np.percentile(settled, 95):.0f} ms"
        )
    if process is not None:
        print(
            f"server RSS: {rss_base / mib:.0f} MiB with one warm session, peak {peak / mib:.0f} MiB, "
            f"{(peak - rss_base) / mib / sessions:.1f} MiB per extra session, "
            f"{rss_after / mib:.0f} MiB after the sessions closed ({(rss_after - rss_base) / mib:+.0f} MiB)"
        )
    for error in errors[:20]:
        print(f"  error: {error}")
    return 1 if errors or first.size == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
