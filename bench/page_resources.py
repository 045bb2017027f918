"""What one page of the explorer loads and builds in the browser (issue #12, page -> interactive):

    python bench/page_resources.py CATALOG_OR_DATASET... [--pages 2] [--app DIR]

One ``panel serve`` process and headless Chromium (offline: tiles never load). For each of ``--pages`` fresh pages:
every response (bytes on the wire, by type; the scripts and stylesheets by name), the Bokeh models of the document
by type, navigation -> interactive / connected, and the renderer's main-thread CPU split (CDP ``Performance``
metrics: script, style, layout, task; wall durations) and the CPU seconds of all Chromium's processes, from
navigation to connected + 1 s. Run base and branch alternately on a
loaded machine and compare the CPU figures, not the wall.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_startup import CONNECTED_JS, INTERACTIVE_JS, launch  # noqa: E402
from load_sessions import DEEP_TEXT_JS  # noqa: E402
from trace_page import CATEGORIES, main_thread, self_times  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.harness.browser import chromium_path, stop_server  # noqa: E402

MODELS_JS = "() => Array.from(Bokeh.documents[0].all_models).map((m) => m.type)"


def chromium_cpu() -> float:
    """CPU seconds (user + system) of every Chromium process this script started, alive now."""
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" in child.name():
                times = child.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def main_thread_cpu(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The renderer main thread's CPU (trace ``tdur``, robust to a loaded machine): in all, by event, and the
    compile + evaluation milliseconds of each script (by URL)."""
    thread = main_thread(events)
    if thread is None:
        return {"main_ms": float("nan"), "by_event": Counter(), "by_script": Counter()}
    own, busy = self_times(events, thread)
    by_script: Counter[str] = Counter()
    for event in events:
        if (event.get("pid"), event.get("tid")) != thread or event.get("ph") != "X":
            continue
        if event.get("name") in ("EvaluateScript", "v8.compile", "v8.compileModule"):
            data = event.get("args", {}).get("data", {})
            url = data.get("url") or event.get("args", {}).get("fileName") or ""
            if url:
                name = url.split("?")[0].rsplit("/", 1)[-1]
                by_script[name] += event.get("tdur", event.get("dur", 0)) / 1000
    return {"main_ms": busy, "by_event": own, "by_script": by_script}


METRICS = ("ScriptDuration", "RecalcStyleDuration", "LayoutDuration", "TaskDuration")


async def one_page(browser: Any, url: str) -> dict[str, Any]:
    context = await browser.new_context(viewport={"width": 1500, "height": 950})
    await context.add_init_script(DEEP_TEXT_JS)
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Performance.enable")
    responses: list[tuple[str, str, int]] = []
    pending: list[asyncio.Task[None]] = []

    async def sized(response: Any) -> None:
        try:
            body = await response.body()
        except Exception:  # noqa: BLE001 (a redirect or an aborted request has no body)
            return
        responses.append((response.request.resource_type, response.url, len(body)))

    page.on("response", lambda r: pending.append(asyncio.ensure_future(sized(r))))
    before = {m["name"]: m["value"] for m in (await cdp.send("Performance.getMetrics"))["metrics"]}
    trace = Path(tempfile.mkdtemp()) / "load.json"
    await browser.start_tracing(page=page, path=str(trace), categories=[*CATEGORIES.split(","), "v8"])
    cpu_before = chromium_cpu()
    started = time.perf_counter()
    await page.goto(url, wait_until="commit")
    await page.wait_for_function(INTERACTIVE_JS, polling=20, timeout=180_000)
    interactive = time.perf_counter() - started
    await page.wait_for_function(CONNECTED_JS, polling=20, timeout=180_000)
    connected = time.perf_counter() - started
    await page.wait_for_timeout(1000)
    chromium = chromium_cpu() - cpu_before
    after = {m["name"]: m["value"] for m in (await cdp.send("Performance.getMetrics"))["metrics"]}
    await browser.stop_tracing()
    models = Counter(await page.evaluate(MODELS_JS))
    await asyncio.gather(*pending)
    await context.close()
    return {
        "interactive": interactive,
        "connected": connected,
        "chromium_cpu": chromium,
        **main_thread_cpu(json.loads(trace.read_text())["traceEvents"]),
        "cpu": {name: after.get(name, 0.0) - before.get(name, 0.0) for name in METRICS},
        "responses": responses,
        "models": models,
    }


async def run(app: Path, args: list[str], env: dict[str, str], pages: int) -> list[dict[str, Any]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        proc, url, _, _ = launch(app, args, env)
        try:
            return [await one_page(browser, url) for _ in range(pages)]
        finally:
            stop_server(proc)
            await browser.close()


def report(results: list[dict[str, Any]]) -> None:
    for i, result in enumerate(results, 1):
        cpu = ", ".join(f"{k.replace('Duration', '')} {v:.2f}" for k, v in result["cpu"].items())
        print(
            f"page {i}: interactive {result['interactive']:.2f} s, connected {result['connected']:.2f} s; "
            f"all Chromium CPU {result['chromium_cpu']:.2f} s; renderer main thread CPU (trace) "
            f"{result['main_ms'] / 1000:.2f} s; renderer main thread s: {cpu}; models {sum(result['models'].values())}"
        )
    last = results[-1]
    by_type: Counter[str] = Counter()
    for kind, _, size in last["responses"]:
        by_type[kind] += size
    print(
        "bytes by type (last page):", ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in by_type.most_common())
    )
    print("scripts and stylesheets (last page), KiB:")
    for kind, url, size in sorted(last["responses"], key=lambda r: -r[2]):
        if kind in ("script", "stylesheet", "document", "fetch", "xhr") and size > 2048:
            print(f"  {size / 1024:8.0f}  {kind:10s} {url.split('?')[0].split('/', 3)[-1]}")
    print(
        "renderer main thread CPU by event (last page), ms:",
        ", ".join(f"{k} {v:.0f}" for k, v in last["by_event"].most_common(12)),
    )
    print(
        "script compile + evaluate on the main thread (last page), ms:",
        ", ".join(f"{k} {v:.0f}" for k, v in last["by_script"].most_common(12)),
    )
    print("models by type (last page):", ", ".join(f"{k} {n}" for k, n in last["models"].most_common()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="+", help="catalog or dataset folders for the explorer")
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--app", type=Path, default=REPO / "app", help="the Panel app folder served")
    options = parser.parse_args()
    src = options.app.resolve().parent / "src"
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    report(asyncio.run(run(options.app.resolve(), options.paths, env, options.pages)))


if __name__ == "__main__":
    main()
