"""Where a page's seconds go, from navigation to connected: one timeline of the browser and the server.

    python bench/page_timeline.py CATALOG_OR_DATASET... [--after-warm-up] [--pages 2] [--py-spy OUT.txt]

Starts ``panel serve app/`` with ``EO_EXPLORER_TIMELINE=1`` (the server prints its on-load steps with wall and
CPU seconds: page build, on-load, first sample read, the knock answered, each warm-up step), opens ``--pages``
pages one after another in headless Chromium (offline: tiles never load) as soon as the server answers (or once
its warm-up is over with ``--after-warm-up``) and prints, per page, one timeline relative to navigation: the
Bokeh protocol messages over the websocket (direction, type, size), the page interactive / connected, and the
server's marks (CPU seconds of the whole process beside each). ``--py-spy`` records the server meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_startup import CONNECTED_JS, INTERACTIVE_JS  # noqa: E402
from load_sessions import DEEP_TEXT_JS  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.harness.browser import CHROMIUM_ARGS, chromium_path, free_port, serve_command, stop_server  # noqa: E402

SLOW_REQUEST = 0.3  # seconds: longer requests are shown on the timeline
MARK = re.compile(r"eo-timeline (\S+) (\S+) (\S+) (.*)")

# In the page: say when Bokeh's document turns idle (what Panel's DocumentReady, hence the server's on-load, waits
# for) and, every second until then once the page has roots, which views have not finished rendering.
IDLE_JS = """
(() => {
  let last = 0
  const unfinished = (view, out) => {
    if (!view.has_finished()) { out.push(view.model.type) }
    for (const child of view.children()) { unfinished(child, out) }
    return out
  }
  const poll = setInterval(() => {
    const doc = window.Bokeh && window.Bokeh.documents[0]
    if (!doc) { return }
    if (doc.is_idle) { console.info("eo: document idle"); clearInterval(poll); return }
    if (Date.now() - last < 1000) { return }
    last = Date.now()
    const views = []
    for (const root of window.Bokeh.index) { unfinished(root, views) }
    const counts = {}
    for (const type of views) { counts[type] = (counts[type] || 0) + 1 }
    console.info("eo: not finished " + JSON.stringify(counts))
  }, 20)
})()
"""


def server_marks(log: Path) -> list[tuple[float, float, str, str]]:
    """(wall, cpu, thread, event) of every timeline line the server printed so far."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        hit = MARK.search(line)
        if hit:
            found.append((float(hit[1]), float(hit[2]), hit[3], hit[4]))
    return found


def frame_kind(payload: Any) -> str | None:
    """The Bokeh message type of a websocket frame's header, or None for the message's other frames."""
    if isinstance(payload, bytes):
        return None
    try:
        header = json.loads(payload)
    except ValueError:
        return None
    return str(header["msgtype"]) if isinstance(header, dict) and "msgtype" in header else None


async def one_page(browser: Any, url: str, slow_tiles: float = 0.0) -> tuple[float, list[tuple[float, str]]]:
    """Navigation time and the browser-side events of one page until it is connected; with ``slow_tiles``,
    each map tile fails after that many seconds (as when the tile host's DNS lookup times out offline: 5 s)."""
    context = await browser.new_context(viewport={"width": 1500, "height": 950})
    if slow_tiles:

        async def fail_late(route: Any) -> None:
            await asyncio.sleep(slow_tiles)
            await route.abort("namenotresolved")

        await context.route("**/light_all/**", fail_late)
    await context.add_init_script(DEEP_TEXT_JS)
    await context.add_init_script(IDLE_JS)
    page = await context.new_page()
    events: list[tuple[float, str]] = []
    pending: dict[str, str] = {}

    def on_socket(ws: Any) -> None:
        events.append((time.time(), "browser: websocket opened"))

        def frame(direction: str, payload: Any) -> None:
            kind = frame_kind(payload)
            if kind is not None:
                pending[direction] = kind
                return
            size = len(payload)
            if direction == "->" and isinstance(payload, str) and "document_ready" in payload:
                events.append((time.time(), "browser: DocumentReady sent"))
            if pending.get(direction) and size > 2:  # content frame: the message's size
                events.append((time.time(), f"ws {direction} {pending.pop(direction)} ({size:,} B)"))

        ws.on("framesent", lambda p: frame("->", p))
        ws.on("framereceived", lambda p: frame("<-", p))

    page.on("websocket", on_socket)
    asked: dict[Any, float] = {}

    def answered(request: Any, how: str) -> None:  # requests that took a while: what the page may wait on
        took = time.time() - asked.pop(request, time.time())
        if took > SLOW_REQUEST:
            events.append((time.time(), f"browser: request {how} after {took:.2f} s: {request.url[:120]}"))

    page.on("request", lambda r: asked.__setitem__(r, time.time()))
    page.on("requestfinished", lambda r: answered(r, "finished"))
    page.on("requestfailed", lambda r: answered(r, f"failed ({r.failure})"))
    page.on(
        "console", lambda m: m.type == "info" and events.append((time.time(), f"console: {m.text[:300]}"))
    )
    started = time.time()
    await page.goto(url, wait_until="commit")
    events.append((time.time(), "browser: response committed"))
    await page.wait_for_load_state("domcontentloaded")
    events.append((time.time(), "browser: DOMContentLoaded"))
    await page.wait_for_function(INTERACTIVE_JS, polling=20, timeout=180_000)
    events.append((time.time(), "browser: INTERACTIVE"))
    await page.wait_for_function(CONNECTED_JS, polling=20, timeout=180_000)
    events.append((time.time(), "browser: CONNECTED"))
    await page.wait_for_timeout(500)
    await context.close()
    return started, events


async def run(options: argparse.Namespace) -> None:
    from playwright.async_api import async_playwright

    env = {
        **os.environ,
        "EO_EXPLORER_TIMELINE": "1",
        "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    }
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="eo-timeline-", suffix=".log")[1])
    launched = time.time()
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            serve_command(REPO / "app", port, options.paths), stdout=sink, stderr=sink, env=env
        )
    spy = None
    try:
        while not any(e == "server ready" for _, _, _, e in server_marks(log)):
            if proc.poll() is not None:
                raise RuntimeError(f"panel serve exited: {log.read_text()[-2000:]}")
            time.sleep(0.05)
        print(f"server ready {time.time() - launched:.1f} s after launch", flush=True)
        if options.after_warm_up:
            while not any(e == "warm-up: end" for _, _, _, e in server_marks(log)):
                time.sleep(0.1)
            print(f"warm-up over {time.time() - launched:.1f} s after launch", flush=True)
        if options.first_request:  # as bench_startup.py does: the page's HTML fetched, never loaded
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/app", timeout=300) as response:
                response.read()
            print(f"first page answered {time.time() - launched:.1f} s after launch", flush=True)
        if options.py_spy:
            spy = subprocess.Popen(
                ["/work/main/.venv/bin/py-spy", "record", "-p", str(proc.pid), "-r", "50", "-f", "raw",
                 "-o", options.py_spy, "--threads", "--idle"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(0.5)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            for n in range(options.pages):
                before = time.time()
                started, events = await one_page(browser, f"http://127.0.0.1:{port}/app", options.slow_tiles)
                marks = [(w, f"server [{t}] {e} (process cpu {c:.2f} s)") for w, c, t, e in server_marks(log)]
                cpu0 = next((c for w, c, _, _ in server_marks(log) if w >= before), None)
                rows = sorted([*events, *((w, e) for w, e in marks if w >= before)])
                print(f"\n## page {n + 1} (navigation at {started - launched:.1f} s after launch)")
                for when, event in rows:
                    print(f"{when - started:7.2f} s  {event}")
                if cpu0 is not None:
                    print(f"(process cpu at the first mark: {cpu0:.2f} s)")
            await browser.close()
    finally:
        if spy is not None:
            spy.send_signal(2)
            spy.wait(timeout=30)
        stop_server(proc)
    print(f"\nserver log: {log}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument(
        "--after-warm-up", action="store_true", help="open the pages once the warm-up is over"
    )
    parser.add_argument(
        "--first-request",
        action="store_true",
        help="fetch the page's HTML once first, as bench_startup.py does",
    )
    parser.add_argument(
        "--slow-tiles",
        type=float,
        default=0.0,
        help="each map tile fails after this many seconds (offline DNS: 5)",
    )
    parser.add_argument("--py-spy", default=None, help="record the server with py-spy into this file (raw)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
