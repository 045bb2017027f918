"""Server start-up and per-interaction latency in headless Chromium (issue #12), next to a one-line Panel app.

    python bench/bench_startup.py CATALOG_OR_DATASET... [--pages 3] [--steps 15] [--screenshot PATH]

Offline as the bench machine is: map tiles never load. For the explorer and for the one-line app, in the same run:
- launch -> the server answers (a static file) and -> the first page is answered (the app's HTML: that request
  builds a whole session), all from a fresh `panel serve` process; run it twice to see the start-up cache work;
- for each of ``--pages`` fresh pages on the running server: navigation -> interactive (the filter widgets and
  the match count are in the page: a filter can be used) and -> connected (Panel's on-load has run: URL written,
  ``body.dataset.eoConnected``);
- on one page: filter -> count changed (p95 over country and word filters, each followed by its reset) and
  "Next" -> sample id changed (p95), the browser-side latency a user sees.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import answers  # noqa: E402
from load_sessions import COUNT, DEEP_TEXT_JS, SAMPLE, apply, calibrate, deep_text, wait_changed  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.harness.browser import chromium_path, free_port, serve_command, stop_server  # noqa: E402

TRIVIAL_APP = "import panel as pn\npn.panel('hello').servable()\n"
INTERACTIVE_JS = "() => window.__eoDeep('.eo-count b') !== null && window.__eoDeep('select') !== null"
CONNECTED_JS = "() => document.body.dataset.eoConnected === '1'"
TRIVIAL_JS = "() => window.Bokeh !== undefined && Bokeh.documents.length > 0 && Bokeh.documents[0].is_idle"


def launch(
    app: Path, args: list[str], env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], str, float, float]:
    """A fresh server; seconds from launch until it answers a static file, and until its page is answered."""
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        serve_command(app, port, args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    base = f"http://127.0.0.1:{port}"
    while not answers(f"{base}/static/js/bokeh.min.js"):
        if proc.poll() is not None:
            raise RuntimeError(f"panel serve exited with code {proc.returncode}")
        time.sleep(0.05)
    up = time.perf_counter() - started
    url = f"{base}/{app.name if app.is_dir() else app.stem}"
    while not answers(url):
        time.sleep(0.05)
    return proc, url, up, time.perf_counter() - started


async def page_times(browser: Any, url: str, ready_js: list[str]) -> list[float]:
    """Seconds from navigation until each of ``ready_js`` holds, in a fresh page."""
    context = await browser.new_context(viewport={"width": 1500, "height": 950})
    await context.add_init_script(DEEP_TEXT_JS)
    page = await context.new_page()
    started = time.perf_counter()
    await page.goto(url, wait_until="commit")
    times = []
    for js in ready_js:
        await page.wait_for_function(js, polling=20, timeout=180_000)
        times.append(time.perf_counter() - started)
    await context.close()
    return times


async def interactions(
    browser: Any, url: str, steps: int, screenshot: Path | None
) -> tuple[list[float], list[float]]:
    """Filter -> count changed and Next -> sample changed, in milliseconds, on one connected page."""
    context = await browser.new_context(viewport={"width": 1500, "height": 950})
    await context.add_init_script(DEEP_TEXT_JS)
    page = await context.new_page()
    await page.goto(url)
    await page.wait_for_function(CONNECTED_JS, polling=50, timeout=180_000)
    await page.wait_for_function(INTERACTIVE_JS, polling=50, timeout=180_000)
    actions = await calibrate(page)
    filters: list[float] = []
    samples: list[float] = []
    for i in range(steps):
        action = actions[i % len(actions)] if actions else None
        if action is not None:
            for reset in (False, True):
                before = await deep_text(page, COUNT)
                started = time.perf_counter()
                await apply(page, action, reset)
                await wait_changed(page, COUNT, before)
                filters.append((time.perf_counter() - started) * 1000)
        before = await deep_text(page, SAMPLE)
        started = time.perf_counter()
        await page.get_by_role("button", name="Next ▶").click()
        await wait_changed(page, SAMPLE, before)
        samples.append((time.perf_counter() - started) * 1000)
    if screenshot is not None:
        await page.wait_for_timeout(1500)
        await page.screenshot(path=str(screenshot), full_page=True)
    await context.close()
    return filters, samples


async def measure(
    app: Path,
    args: list[str],
    env: dict[str, str],
    pages: int,
    steps: int,
    screenshot: Path | None,
    explorer: bool,
) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    result: dict[str, Any] = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        proc, url, result["up"], result["first_page"] = launch(app, args, env)
        try:
            ready = [INTERACTIVE_JS, CONNECTED_JS] if explorer else [TRIVIAL_JS, TRIVIAL_JS]
            runs = [await page_times(browser, url, ready) for _ in range(pages)]
            result["interactive"] = [r[0] for r in runs]
            result["connected"] = [r[1] for r in runs]
            if explorer:
                result["filter_ms"], result["sample_ms"] = await interactions(browser, url, steps, screenshot)
        finally:
            stop_server(proc)
            await browser.close()
    return result


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95)) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="+", help="catalog or dataset folders for the explorer")
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--screenshot", type=Path, default=None)
    options = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    print(f"load average at start: {os.getloadavg()[0]:.1f}", flush=True)
    ours = asyncio.run(
        measure(REPO / "app", options.paths, env, options.pages, options.steps, options.screenshot, True)
    )
    trivial_app = REPO / "bench" / "output" / "trivial_app.py"
    trivial_app.parent.mkdir(parents=True, exist_ok=True)
    trivial_app.write_text(TRIVIAL_APP)
    base = asyncio.run(measure(trivial_app, [], env, options.pages, 0, None, False))
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    med = lambda v: float(np.median(v))  # noqa: E731
    print("| measure | explorer | target | one-line Panel app |")
    print("|---|---|---|---|")
    print(f"| launch -> server answers (static file) | {ours['up']:.1f} s | | {base['up']:.1f} s |")
    print(
        f"| launch -> first page answered | {ours['first_page']:.1f} s | <= 5 s | {base['first_page']:.1f} s |"
    )
    print(
        f"| page -> interactive (median of {options.pages}) | {med(ours['interactive']):.1f} s | <= 3 s | "
        f"{med(base['interactive']):.1f} s (page idle) |"
    )
    print(
        f"| page -> connected (median of {options.pages}) | {med(ours['connected']):.1f} s | <= 4 s | "
        f"{med(base['connected']):.1f} s (page idle) |"
    )
    print(
        f"| filter -> count updated (p95 of {len(ours['filter_ms'])}; median {med(ours['filter_ms']):.0f} ms) | "
        f"{p95(ours['filter_ms']):.0f} ms | <= 200 ms | |"
    )
    print(
        f"| Next -> sample updated (p95 of {len(ours['sample_ms'])}; median {med(ours['sample_ms']):.0f} ms) | "
        f"{p95(ours['sample_ms']):.0f} ms | <= 150 ms | |"
    )


if __name__ == "__main__":
    main()
