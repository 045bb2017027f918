"""Where the page's CPU goes on "Next" (issue #12): a JavaScript CPU profile of the page (Chrome DevTools
Protocol ``Profiler``) over N Next clicks, summed by function, plus the server's CPU for the same clicks.

    python bench/profile_next_page.py CATALOG_OR_DATASET... [--steps 5] [--top 30]

Prints the functions with the most self time (the page's main thread) and by script (BokehJS, Panel, ...).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_latency import CPU, LOADABLES_JS, NEXT_DONE_JS, SAMPLE_CHANGED_JS  # noqa: E402
from bench_startup import CONNECTED_JS, INTERACTIVE_JS, launch  # noqa: E402
from load_sessions import DEEP_TEXT_JS, SAMPLE, deep_text  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.harness.browser import chromium_path, stop_server  # noqa: E402


def self_times(profile: dict[str, Any]) -> tuple[Counter[str], Counter[str]]:
    """Milliseconds of self time per function and per script, from a CDP CPU profile (samples x intervals)."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    per_node: Counter[int] = Counter()
    deltas = profile.get("timeDeltas", [])
    for sample, delta in zip(profile.get("samples", []), deltas, strict=False):
        per_node[sample] += delta / 1000
    functions: Counter[str] = Counter()
    scripts: Counter[str] = Counter()
    for node_id, ms in per_node.items():
        frame = nodes[node_id]["callFrame"]
        url = frame.get("url", "").rsplit("/", 1)[-1] or "(native)"
        name = frame.get("functionName") or "(anonymous)"
        functions[f"{name} [{url}:{frame.get('lineNumber', 0)}]"] += ms
        scripts[url] += ms
    return functions, scripts


async def describe(page: Any, payload: Any) -> str:
    """One websocket frame in a line: the models and attributes a patch changes (binary buffers by size)."""
    if isinstance(payload, bytes):
        return f"binary {len(payload) / 1024:.0f} KiB"
    try:
        content = json.loads(payload)
    except ValueError:
        return payload[:80]
    if not isinstance(content, dict) or "events" not in content:
        return str(content)[:100]
    parts = []
    for event in content["events"]:
        model = (event.get("model") or {}).get("id")
        kind = (
            await page.evaluate(
                "(id) => { const m = Bokeh.documents[0].get_model_by_id(id); if (!m) return '?';"
                " const what = m.text !== undefined ? `(${String(m.text).slice(0, 40)})` : '';"
                " return m.type + what; }",
                model,
            )
            if model
            else ""
        )
        value = event.get("new")
        value = f"={str(value)[:60]}" if isinstance(value, str | list) and event.get("attr") != "text" else ""
        parts.append(f"{event.get('kind')}:{kind}.{event.get('attr', '')}{value}")
    return f"patch ({len(payload) / 1024:.1f} KiB): " + ", ".join(parts)


PY_SPY = Path(sys.executable).with_name("py-spy")


async def run(
    paths: list[str], steps: int, top: int, dump: bool = False, py_spy: Path | None = None
) -> None:
    from playwright.async_api import async_playwright

    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        proc, url, _, _ = launch(REPO / "app", paths, env)
        try:
            context = await browser.new_context(viewport={"width": 1500, "height": 950})
            await context.add_init_script(DEEP_TEXT_JS)
            page = await context.new_page()
            await page.goto(url)
            await page.wait_for_function(CONNECTED_JS, polling=50, timeout=180_000)
            await page.wait_for_function(INTERACTIVE_JS, polling=50, timeout=180_000)
            await page.wait_for_timeout(3000)
            await page.evaluate(LOADABLES_JS)
            frames: list[tuple[float, Any]] = []
            page.on(
                "websocket",
                lambda ws: ws.on("framereceived", lambda f: frames.append((time.perf_counter(), f))),
            )
            await page.reload()
            await page.wait_for_function(CONNECTED_JS, polling=50, timeout=180_000)
            await page.wait_for_function(INTERACTIVE_JS, polling=50, timeout=180_000)
            await page.wait_for_timeout(3000)
            await page.evaluate(LOADABLES_JS)
            if dump:  # one Next: what each message the server sends changes
                before = await deep_text(page, SAMPLE)
                frames.clear()
                started = time.perf_counter()
                await page.get_by_role("button", name="Next ▶").click()
                await page.wait_for_function(NEXT_DONE_JS, arg=before, polling=50, timeout=120_000)
                await page.wait_for_timeout(1500)
                for t, payload in list(frames):
                    print(f"+{(t - started) * 1000:6.0f} ms {await describe(page, payload)}")
            cdp = await context.new_cdp_session(page)
            await cdp.send("Profiler.enable")
            await cdp.send("Profiler.setSamplingInterval", {"interval": 200})
            cpu = CPU(proc.pid)
            spy = None
            if py_spy is not None:  # the served process's Python stacks over the same Next clicks
                spy = subprocess.Popen(
                    [str(PY_SPY), "record", "-p", str(proc.pid), "-r", "200", "-f", "raw", "-o", str(py_spy)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                await asyncio.sleep(1.0)
            await cdp.send("Profiler.start")
            before_cpu = cpu.now()
            walls = []
            for _ in range(steps):
                before = await deep_text(page, SAMPLE)
                started = time.perf_counter()
                await page.get_by_role("button", name="Next ▶").click()
                await page.wait_for_function(SAMPLE_CHANGED_JS, arg=before, polling=50, timeout=120_000)
                await page.wait_for_function(NEXT_DONE_JS, arg=before, polling=50, timeout=120_000)
                walls.append((time.perf_counter() - started) * 1000)
                await page.wait_for_timeout(500)
            after_cpu = cpu.now()
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=60)
            profile = (await cdp.send("Profiler.stop"))["profile"]
            functions, scripts = self_times(profile)
            total = sum(scripts.values())
            print(f"Next wall ms: {' '.join(f'{w:.0f}' for w in walls)}")
            print(
                f"CPU over {steps} Next (+{steps * 0.5:.1f} s idle): server {(after_cpu[0] - before_cpu[0]) * 1000:.0f} ms, "
                f"browser processes {(after_cpu[1] - before_cpu[1]) * 1000:.0f} ms; page main thread sampled {total:.0f} ms"
            )
            print("by script:")
            for name, ms in scripts.most_common(12):
                print(f"  {ms:8.0f} ms  {name}")
            print("by function (self):")
            for name, ms in functions.most_common(top):
                print(f"  {ms:8.0f} ms  {name}")
        finally:
            stop_server(proc)
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--dump", action="store_true", help="first print what each message of one Next changes"
    )
    parser.add_argument(
        "--py-spy", type=Path, default=None, help="record the server's stacks over the clicks (raw, to this file)"
    )
    options = parser.parse_args()
    print(f"load average at start: {', '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    asyncio.run(run(options.paths, options.steps, options.top, options.dump, options.py_spy))
    print(f"load average at end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
