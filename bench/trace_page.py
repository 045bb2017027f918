"""Where the page's main thread goes per interaction (issue #12): a Chrome trace over N filters and N Next clicks,
summed by trace event (self time: script, style recalculation, layout, paint, ...), plus the page's Bokeh models.

    python bench/trace_page.py CATALOG_OR_DATASET... [--steps 6] [--loads 2] [--app DIR] [--wait 1.5]

One ``panel serve`` process and one headless Chromium page (offline: tiles never load). After each interaction
the script WAITS a fixed ``--wait`` seconds instead of polling the page (``bench_latency.py`` polls every 10 ms,
and that polling's own style and accessibility work lands in the browser's CPU it reports), so the trace holds
the page's own work only. Per kind (filter, Next) it prints the renderer main thread's busy milliseconds per
interaction and their split by event ("UpdateLayoutTree" = Recalculate Style, "Layout", "Paint", script ...),
and the number of Bokeh models and DOM elements (shadow roots pierced) the page holds. First, ``--loads`` page
loads are traced the same way (navigation -> connected + 2 s: what building the page costs the browser).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_startup import CONNECTED_JS, INTERACTIVE_JS, launch  # noqa: E402
from load_sessions import DEEP_TEXT_JS, apply, calibrate  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.harness.browser import chromium_path, stop_server  # noqa: E402

CATEGORIES = "devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,blink,toplevel"
# Events that only wrap others (their self time is the scheduler's, not the page's).
WRAPPERS = {"RunTask", "ThreadControllerImpl::RunTask", "TimerFire", "EventDispatch", "FireAnimationFrame"}
COUNT_JS = """() => {
  let elements = 0;
  const walk = (root) => { for (const el of root.querySelectorAll('*')) { elements += 1;
    if (el.shadowRoot) walk(el.shadowRoot); } };
  walk(document);
  return [Bokeh.documents[0].all_models.size, elements];
}"""


# Counts the calls of BokehJS's layout and render entry points per model type (every view of the page wrapped).
CALLS_JS = """() => {
  window.__eoCalls = {};
  for (const view of Bokeh.index.all_views()) {
    if (view.__eoWrapped) continue;
    view.__eoWrapped = true;
    for (const name of ['invalidate_layout', 'invalidate_render', 'compute_layout', 'render', 'request_paint']) {
      const original = view[name];
      if (typeof original !== 'function') continue;
      view[name] = function (...args) {
        const key = `${name} ${view.model.type}`;
        window.__eoCalls[key] = (window.__eoCalls[key] || 0) + 1;
        return original.apply(this, args);
      };
    }
  }
}"""


def browser_cpu() -> Counter[str]:
    """CPU seconds used so far by this script's Chromium processes, per process type (renderer, gpu-process,
    browser = the main process, utility ...)."""
    import psutil

    used: Counter[str] = Counter()
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" not in child.name().lower() and "headless" not in child.name().lower():
                continue
            kind = next((a.split("=", 1)[1] for a in child.cmdline() if a.startswith("--type=")), "browser")
            times = child.cpu_times()
            used[kind] += times.user + times.system
        except psutil.Error:
            continue
    return used


def main_thread(events: list[dict[str, Any]]) -> tuple[int, int] | None:
    """(pid, tid) of the page's renderer main thread."""
    for event in events:
        if event.get("name") == "thread_name" and event.get("args", {}).get("name") == "CrRendererMain":
            return event["pid"], event["tid"]
    return None


def self_times(events: list[dict[str, Any]], thread: tuple[int, int]) -> tuple[Counter[str], float]:
    """Self milliseconds of thread CPU per event name on ``thread`` (complete events nest: a child's time is
    taken from its parent), and the thread's busy CPU milliseconds (top-level events). CPU (``tdur``), not wall
    (``dur``): on a loaded machine the wall time of an event includes the time the thread was descheduled."""
    spans = sorted(
        (e for e in events if (e.get("pid"), e.get("tid")) == thread and e.get("ph") == "X" and "dur" in e),
        key=lambda e: (e["ts"], -e["dur"]),
    )
    own: Counter[str] = Counter()
    busy = 0.0
    stack: list[tuple[float, str]] = []  # (end, name)
    for span in spans:
        start, end, name = span["ts"], span["ts"] + span["dur"], span["name"]
        cpu = span.get("tdur", span["dur"]) / 1000
        while stack and stack[-1][0] <= start:
            stack.pop()
        if stack:
            own[stack[-1][1]] -= cpu
        else:
            busy += cpu
        own[name] += cpu
        stack.append((end, name))
    for name in WRAPPERS:
        own.pop(name, None)
    return own, busy


def report(label: str, events: list[dict[str, Any]], steps: int, cpu_used: Counter[str]) -> None:
    thread = main_thread(events)
    if thread is None:
        print(f"{label}: no renderer main thread in the trace")
        return
    own, busy = self_times(events, thread)
    frames = sum(1 for e in events if (e.get("pid"), e.get("tid")) == thread and e.get("name") == "Commit")
    print(
        f"{label}: renderer main thread CPU {busy / steps:.0f} ms per interaction ({steps} interactions), "
        f"{frames / steps:.1f} frames committed"
    )
    print(
        "  Chromium CPU per interaction (incl. the wait), by process: "
        + ", ".join(f"{kind} {seconds * 1000 / steps:.0f} ms" for kind, seconds in cpu_used.most_common())
    )
    for name, ms in own.most_common(14):
        print(f"    {ms / steps:7.1f} ms  {name}")


async def page_load(browser: Any, context: Any, url: str, n: int) -> None:
    """The page's own work from navigation until it is connected and 2 s more (its first sample drawn)."""
    page = await context.new_page()
    path = Path(tempfile.mkdtemp()) / f"load{n}.json"
    cpu_before = browser_cpu()
    await browser.start_tracing(page=page, path=str(path), categories=CATEGORIES.split(","))
    started = asyncio.get_running_loop().time()
    await page.goto(url)
    await page.wait_for_function(INTERACTIVE_JS, polling=100, timeout=180_000)
    interactive = asyncio.get_running_loop().time() - started
    await page.wait_for_function(CONNECTED_JS, polling=100, timeout=180_000)
    connected = asyncio.get_running_loop().time() - started
    await page.wait_for_timeout(2000)
    cpu_used = browser_cpu()
    cpu_used.subtract(cpu_before)
    await browser.stop_tracing()
    print(f"page load {n}: interactive {interactive:.1f} s, connected {connected:.1f} s (wall)")
    report(f"page load {n}", json.loads(path.read_text())["traceEvents"], 1, cpu_used)
    await page.close()


async def traced(browser: Any, page: Any, label: str, steps: int, act: Any, wait: float) -> None:
    path = Path(tempfile.mkdtemp()) / f"{label}.json"
    await page.evaluate(CALLS_JS)
    cpu_before = browser_cpu()
    await browser.start_tracing(page=page, path=str(path), categories=CATEGORIES.split(","))
    for i in range(steps):
        await act(i)
        await page.wait_for_timeout(wait * 1000)
    cpu_used = browser_cpu()
    cpu_used.subtract(cpu_before)
    await browser.stop_tracing()
    report(label, json.loads(path.read_text())["traceEvents"], steps, cpu_used)
    calls = await page.evaluate("() => window.__eoCalls")
    print("  BokehJS layout/render calls per interaction: " + ", ".join(
        f"{key} {n / steps:.1f}" for key, n in sorted(calls.items(), key=lambda kv: -kv[1])[:16]
    ))


async def run(app: Path, args: list[str], env: dict[str, str], steps: int, wait: float, loads: int) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        proc, url, _, _ = launch(app, args, env)
        try:
            context = await browser.new_context(viewport={"width": 1500, "height": 950})
            await context.add_init_script(DEEP_TEXT_JS)
            for n in range(loads):
                await page_load(browser, context, url, n + 1)
            page = await context.new_page()
            await page.goto(url)
            await page.wait_for_function(CONNECTED_JS, polling=50, timeout=180_000)
            await page.wait_for_function(INTERACTIVE_JS, polling=50, timeout=180_000)
            await page.wait_for_timeout(2000)
            models, elements = await page.evaluate(COUNT_JS)
            print(f"page: {models} Bokeh models, {elements} DOM elements (shadow roots included)")
            actions = await calibrate(page)
            await page.wait_for_timeout(1000)

            async def filter_step(i: int) -> None:
                await apply(page, actions[(i // 2) % len(actions)], reset=bool(i % 2))

            async def next_step(i: int) -> None:
                await page.get_by_role("button", name="Next ▶").click()

            async def idle_step(i: int) -> None:
                return None

            await traced(browser, page, "idle (nothing done: the baseline of each wait)", steps, idle_step, wait)
            if actions:
                await traced(browser, page, "filter", steps, filter_step, wait)
            await traced(browser, page, "Next", steps, next_step, wait)
            await context.close()
        finally:
            stop_server(proc)
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", help="catalog or dataset folders")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--wait", type=float, default=1.5, help="seconds after each interaction")
    parser.add_argument("--loads", type=int, default=2, help="page loads traced first (the first is cold)")
    parser.add_argument("--app", type=Path, default=REPO / "app", help="the Panel app folder served")
    options = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    print(f"load average at start: {', '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    asyncio.run(run(options.app, options.paths, env, options.steps, options.wait, options.loads))
    print(f"load average at end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
