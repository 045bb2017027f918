"""Per-interaction latency in headless Chromium (issue #12): filter -> count AND map updated, Next -> all panels.

    python bench/bench_latency.py CATALOG_OR_DATASET... [--steps 15] [--screenshot PATH]

One `panel serve` process and one connected page (offline: tiles never load). On that page, as a user would:
- filter (country and word filters, each followed by its reset): milliseconds from the change until the match
  count in the page differs AND the map's data (raster image or glyphs) has changed in the browser's Bokeh
  document, then one animation frame (the map painted); the count alone is printed too (what
  ``bench_startup.py`` times);
- "Next": milliseconds until the sample id differs AND no panel shows its loading indicator any more (text and
  image panels filled).
The bytes the server sent down the websocket per interaction are summed as well (what a remote user downloads).
Both are also timed inside the page ("in the page" rows): from the input event the page receives (the click's
pointerdown, the query's Enter key, the select's input event) to the animation frame after the page shows it all,
i.e. without the harness's own time (Playwright's locator queries and checks before it clicks, ~40-110 ms a Next
on a loaded machine, and the DevTools round trips after).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_startup import CONNECTED_JS, INTERACTIVE_JS, launch  # noqa: E402
from load_sessions import COUNT, DEEP_TEXT_JS, SAMPLE, apply, calibrate, deep_text  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.harness.browser import chromium_path, stop_server  # noqa: E402

TIMEOUT_MS = 120_000
MAP_TIMEOUT_MS = 15_000  # after the count changed
# Counts every change of the map figure's data sources (raster image, glyphs), via BokehJS signals.
MAP_WATCH_JS = """() => {
  window.__eoMapChanges = 0;
  const fig = [...Bokeh.documents[0].all_models].find(m => (m.tags || []).includes('eo-marks'));
  const seen = new Set();
  const watch = () => {
    for (const r of fig.renderers) {
      const source = r.data_source;
      if (!source || seen.has(source)) continue;
      seen.add(source);
      const bump = () => { window.__eoMapChanges += 1; };
      source.connect(source.change, bump);
      source.connect(source.properties.data.change, bump);
      source.connect(source.streaming, bump);
      source.connect(source.patching, bump);
    }
  };
  watch();
  fig.connect(fig.properties.renderers.change, () => { watch(); window.__eoMapChanges += 1; });
  // The raster is a PNG the image_url glyph loads asynchronously: drawn once its view has no loader pending.
  const raster = fig.renderers.find(r => r.name === 'eo-raster');
  window.__eoRasterLoaded = () => {
    const view = raster ? Bokeh.index.find_one(raster) : null;
    return view == null || (view.glyph.loaders || []).every(l => l == null);
  };
  return fig.renderers.length;
}"""
# Panel shows a loading indicator by adding the class pn-loading to a model: look at the document's models
# (collected once; polling the page's DOM through every shadow root would itself load the browser).
LOADABLES_JS = "() => { window.__eoLoadables = [...Bokeh.documents[0].all_models].filter(m => m.css_classes !== undefined); }"
LOADING_JS = "window.__eoLoadables.some(m => (m.css_classes || []).includes('pn-loading'))"
FILTER_DONE_JS = (
    "([before, changes]) => (window.__eoDeep('.eo-count b') || '') !== before && window.__eoMapChanges > changes"
    " && window.__eoRasterLoaded()"
)
NEXT_DONE_JS = f"(before) => (window.__eoDeep('.eo-sample-id') || '') !== before && !{LOADING_JS}"
SAMPLE_CHANGED_JS = "(before) => (window.__eoDeep('.eo-sample-id') || '') !== before"
COUNT_CHANGED_JS = "(before) => (window.__eoDeep('.eo-count b') || '') !== before"
FRAME_JS = "() => new Promise(resolve => requestAnimationFrame(() => resolve(true)))"
# The same interactions timed inside the page as well: from the input event (its timeStamp: when the click, the
# Enter key or the select's new value was dispatched to the page) to the animation frame that follows the moment
# the page shows it all. What the wall-clock figures add on top is the harness's: Playwright resolving the
# locator (a role or label query over every shadow root) and checking the element before it clicks (~40-110 ms
# a Next on a loaded machine), and the DevTools round trips back to the script after.
INPUT_JS = """() => {
  window.__eoInputAt = {};
  for (const kind of ['pointerdown', 'keydown', 'input']) {  // a select's change does not leave its shadow root
    window.addEventListener(kind, (event) => {
      window.__eoInputAt[kind] = performance.timeOrigin + event.timeStamp;
    }, true);
  }
}"""
RESET_INPUT_JS = "() => { window.__eoInputAt = {}; window.__eoFrameAt = null; }"
# Wrapped around a done condition: once it holds, the next animation frame's time is kept (``__eoFrameAt``).
FRAME_AFTER = (
    "(arg) => {{ const done = ({condition})(arg); if (done && window.__eoFrameAt === null) {{ window.__eoFrameAt = 0;"
    " requestAnimationFrame(() => {{ window.__eoFrameAt = performance.timeOrigin + performance.now(); }}); }}"
    " return done; }}"
)
IN_PAGE_JS = "(kind) => (window.__eoFrameAt && window.__eoInputAt[kind]) ? window.__eoFrameAt - window.__eoInputAt[kind] : null"


class Received:
    """Bytes of the websocket frames the page received."""

    def __init__(self, keep: bool = False) -> None:
        self.keep = keep  # keep each frame's text (``--frames``)
        self.bytes = 0
        self.frames: list[tuple[float, int]] = []  # (perf_counter, bytes) of each frame
        self.heads: list[tuple[float, str]] = []  # (perf_counter, text) of each frame

    def watch(self, ws: Any) -> None:
        ws.on("framereceived", self._received)

    def _received(self, payload: Any) -> None:
        self.bytes += len(payload)
        self.frames.append((time.perf_counter(), len(payload)))
        if self.keep:
            head = payload if isinstance(payload, str) else f"<{len(payload)} bytes>"
            self.heads.append((time.perf_counter(), head))

    def since(self, started: float) -> str:
        """The frames received after ``started``: "+ms:KiB" each (where the time of an interaction goes)."""
        return " ".join(
            f"+{(t - started) * 1000:.0f}:{n / 1024:.0f}K" for t, n in self.frames if t >= started
        )


class CPU:
    """CPU seconds used so far by the server process and by the browser's processes: where an interaction's
    wall time goes (server work, page work, or neither: waiting)."""

    def __init__(self, server_pid: int) -> None:
        self.server = psutil.Process(server_pid)

    def _browser(self) -> float:
        total = 0.0
        for child in psutil.Process().children(recursive=True):
            try:
                name = child.name().lower()
                if child.pid != self.server.pid and ("chrom" in name or "headless" in name):
                    times = child.cpu_times()
                    total += times.user + times.system
            except psutil.Error:
                continue
        return total

    def now(self) -> tuple[float, float]:
        times = self.server.cpu_times()
        return times.user + times.system, self._browser()


try:
    from playwright.async_api import TimeoutError as PlaywrightTimeout
except ImportError:  # reported when the benchmark runs
    PlaywrightTimeout = TimeoutError  # type: ignore[misc,assignment]


async def interactions(
    browser: Any,
    url: str,
    steps: int,
    screenshot: Path | None,
    verbose: bool = False,
    cpu: CPU | None = None,
    frames: Path | None = None,
) -> dict[str, list[float]]:
    context = await browser.new_context(viewport={"width": 1500, "height": 950})
    await context.add_init_script(DEEP_TEXT_JS)
    page = await context.new_page()
    received = Received(keep=frames is not None)
    page.on("websocket", received.watch)
    await page.goto(url)
    await page.wait_for_function(CONNECTED_JS, polling=50, timeout=180_000)
    await page.wait_for_function(INTERACTIVE_JS, polling=50, timeout=180_000)
    await page.wait_for_function(
        "() => [...Bokeh.documents[0].all_models].some(m => (m.tags || []).includes('eo-marks'))",
        polling=100,
        timeout=180_000,
    )
    await page.evaluate(MAP_WATCH_JS)
    await page.evaluate(LOADABLES_JS)
    await page.evaluate(INPUT_JS)
    actions = await calibrate(page)
    result: dict[str, list[float]] = {
        k: []
        for k in (
            "filter",
            "count",
            "next",
            "id",
            "filter_kib",
            "next_kib",
            "map_same",
            "next_server_cpu",
            "next_page_cpu",
            "filter_server_cpu",
            "filter_page_cpu",
            "filter_in_page",
            "next_in_page",
        )
    }
    for i in range(steps):
        action = actions[i % len(actions)] if actions else None
        if action is not None:
            for reset in (False, True):
                before = await deep_text(page, COUNT)
                changes = await page.evaluate("() => window.__eoMapChanges")
                sent = received.bytes
                cpu_before = cpu.now() if cpu is not None else (0.0, 0.0)
                await page.evaluate(RESET_INPUT_JS)
                started, epoch = time.perf_counter(), time.time()
                await apply(page, action, reset)
                await page.wait_for_function(COUNT_CHANGED_JS, arg=before, polling=10, timeout=TIMEOUT_MS)
                result["count"].append((time.perf_counter() - started) * 1000)
                try:
                    await page.wait_for_function(
                        FRAME_AFTER.format(condition=FILTER_DONE_JS),
                        arg=[before, changes],
                        polling=10,
                        timeout=MAP_TIMEOUT_MS,
                    )
                except PlaywrightTimeout:  # the same map (same samples drawn): nothing to send, not timed
                    result["map_same"].append(1.0)
                    continue
                await page.evaluate(FRAME_JS)
                result["filter"].append((time.perf_counter() - started) * 1000)
                # The query is sent with Enter (typing before it is not the filter's); a select by its change.
                in_page = await page.evaluate(IN_PAGE_JS, "keydown" if action.kind == "query" else "input")
                if in_page is not None:
                    result["filter_in_page"].append(in_page)
                if cpu is not None:  # up to count and map updated, as for Next below
                    cpu_after = cpu.now()
                    result["filter_server_cpu"].append((cpu_after[0] - cpu_before[0]) * 1000)
                    result["filter_page_cpu"].append((cpu_after[1] - cpu_before[1]) * 1000)
                await page.wait_for_timeout(300)  # late messages of this interaction count towards it
                if verbose:
                    used = (
                        f" (CPU: server {result['filter_server_cpu'][-1]:.0f} ms, "
                        f"browser {result['filter_page_cpu'][-1]:.0f} ms)"
                        if cpu is not None
                        else ""
                    )
                    print(
                        f"filter {action.kind}={'' if reset else action.value}: count {result['count'][-1]:.0f} ms, "
                        f"map {result['filter'][-1]:.0f} ms{used}; at {epoch * 1000:.1f}; {received.since(started)}"
                    )
                    if frames is not None:
                        with frames.open("a") as out:
                            out.write(f"== filter {action.kind}={'' if reset else action.value}\n")
                            out.writelines(
                                f"+{(t - started) * 1000:.0f} {head}\n" for t, head in received.heads if t >= started
                            )
                result["filter_kib"].append((received.bytes - sent) / 1024)
        before = await deep_text(page, SAMPLE)
        sent = received.bytes
        cpu_before = cpu.now() if cpu is not None else (0.0, 0.0)
        await page.evaluate(RESET_INPUT_JS)
        started = time.perf_counter()
        await page.get_by_role("button", name="Next ▶").click()
        await page.wait_for_function(SAMPLE_CHANGED_JS, arg=before, polling=10, timeout=TIMEOUT_MS)
        result["id"].append((time.perf_counter() - started) * 1000)
        await page.wait_for_function(FRAME_AFTER.format(condition=NEXT_DONE_JS), arg=before, polling=10, timeout=TIMEOUT_MS)
        await page.evaluate(FRAME_JS)
        result["next"].append((time.perf_counter() - started) * 1000)
        in_page = await page.evaluate(IN_PAGE_JS, "pointerdown")
        if in_page is not None:
            result["next_in_page"].append(in_page)
        if cpu is not None:  # CPU up to "all panels updated" (the 300 ms wait below is not the interaction's)
            cpu_after = cpu.now()
            result["next_server_cpu"].append((cpu_after[0] - cpu_before[0]) * 1000)
            result["next_page_cpu"].append((cpu_after[1] - cpu_before[1]) * 1000)
        await page.wait_for_timeout(300)
        if verbose:
            used = (
                f" (CPU: server {result['next_server_cpu'][-1]:.0f} ms, browser {result['next_page_cpu'][-1]:.0f} ms)"
                if cpu is not None
                else ""
            )
            print(
                f"next: id {result['id'][-1]:.0f} ms, all {result['next'][-1]:.0f} ms{used}; {received.since(started)}"
            )
            if frames is not None:
                with frames.open("a") as out:
                    out.write("== next\n")
                    out.writelines(
                        f"+{(t - started) * 1000:.0f} {head}\n" for t, head in received.heads if t >= started
                    )
        result["next_kib"].append((received.bytes - sent) / 1024)
    if screenshot is not None:
        await page.wait_for_timeout(1500)
        await page.screenshot(path=str(screenshot), full_page=True)
    await context.close()
    return result


async def measure(
    app: Path,
    args: list[str],
    env: dict[str, str],
    steps: int,
    screenshot: Path | None,
    verbose: bool,
    frames: Path | None = None,
) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        proc, url, _, _ = launch(app, args, env)
        try:
            if verbose:
                print(f"server pid {proc.pid}", flush=True)
            return await interactions(browser, url, steps, screenshot, verbose, CPU(proc.pid), frames)
        finally:
            stop_server(proc)
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="+", help="catalog or dataset folders")
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--screenshot", type=Path, default=None)
    parser.add_argument(
        "--verbose", action="store_true", help="print each interaction and its websocket frames"
    )
    parser.add_argument(
        "--frames", type=Path, default=None, help="with --verbose: append the text of each filter's and Next's frames here"
    )
    parser.add_argument(
        "--app", type=Path, default=REPO / "app", help="the Panel app folder served (default: the project's)"
    )
    options = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    print(f"load average at start: {', '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    r = asyncio.run(
        measure(
            options.app, options.paths, env, options.steps, options.screenshot, options.verbose, options.frames
        )
    )
    print(f"load average at end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("all filter ms:", " ".join(f"{v:.0f}" for v in r["filter"]))
    print("all next ms:", " ".join(f"{v:.0f}" for v in r["next"]))
    print("all filter ms in the page:", " ".join(f"{v:.0f}" for v in r["filter_in_page"]))
    print("all next ms in the page:", " ".join(f"{v:.0f}" for v in r["next_in_page"]))

    def row(name: str, values: list[float], target: str) -> str:
        if not values:
            return f"| {name} | (none) | {target} |"
        return (
            f"| {name} (p95 of {len(values)}; median {np.median(values):.0f} ms) | "
            f"{np.percentile(values, 95):.0f} ms | {target} |"
        )

    if r["map_same"]:
        print(
            f"filters whose map did not change within {MAP_TIMEOUT_MS / 1000:.0f} s (not timed): {len(r['map_same'])}"
        )
    print("| measure | explorer | target |")
    print("|---|---|---|")
    print(row("filter -> count AND map updated", r["filter"], "<= 200 ms"))
    print(row("filter -> count updated (what bench_startup.py times)", r["count"], ""))
    print(row("Next -> all panels updated", r["next"], "<= 150 ms"))
    print(row("Next -> sample id updated (what bench_startup.py times)", r["id"], ""))
    print(row("filter, in the page: Enter key / select input event -> frame after count and map updated", r["filter_in_page"], ""))
    print(row("Next, in the page: click (pointerdown) -> frame after all panels updated", r["next_in_page"], ""))
    for name, what, until in (
        ("filter_server_cpu", "server CPU per filter", "count and map updated"),
        ("filter_page_cpu", "browser CPU per filter", "count and map updated"),
        ("next_server_cpu", "server CPU per Next", "all panels updated"),
        ("next_page_cpu", "browser CPU per Next", "all panels updated"),
    ):
        if r[name]:
            print(
                f"| {what}, up to {until} (median; max) | "
                f"{np.median(r[name]):.0f} ms; {max(r[name]):.0f} ms | |"
            )
    for name in ("filter", "next"):
        kib = r[f"{name}_kib"]
        if kib:
            print(
                f"| websocket bytes received per {name} (median; max) | {np.median(kib):.0f} KiB; {max(kib):.0f} KiB | |"
            )


if __name__ == "__main__":
    main()
