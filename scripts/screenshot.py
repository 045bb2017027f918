"""Screenshots of the dashboard for the README: serve the app on the demo, open a BigEarthNet sample in the
Explore view, draw one referring-expression box, save a PNG; then switch to the Compare view (comparison table
and statistics) and save a second PNG.

    python scripts/screenshot.py [docs/dashboard.png] [--stats-out docs/dashboard-compare.png]
                                 [--args DATASET_OR_CATALOG ...]

Without --args the app opens every registered catalog (the built-in demo by default; `make screenshot` points
EO_EXPLORER_CACHE / EO_EXPLORER_REGISTRY at ./data). Uses Debian's Chromium through Playwright with the same
flags as the browser tests; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

sys.path.insert(0, str(REPO))  # tests.harness: the browser harness shared with the tests
from tests.harness import browser as harness  # noqa: E402


def shoot(url: str, out: Path, stats_out: Path, width: int, height: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = harness.launch_chromium(playwright)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.set_default_timeout(120_000)
        page.goto(url + "?dataset=bigearthnet-demo")
        page.locator(".eo-sample-id").wait_for()
        page.wait_for_function("() => document.body.dataset.eoConnected === '1'")
        page.locator(".eo-caption-text mark.st").first.wait_for(state="attached")
        # Draw one referring-expression box, then come back to the captions.
        refexps = page.get_by_text("Referring expressions", exact=True)
        refexps.click()
        radios = page.locator(".eo-refexp-picker input[type=radio]")
        if radios.count() > 1:
            radios.nth(1).check()
            page.locator(".eo-selected-box").wait_for()
        page.get_by_text("Captions", exact=True).click()
        page.locator(".eo-caption-text").first.wait_for()
        page.wait_for_function("() => document.body.dataset.eoConnected === '1'")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
        page.locator(".eo-view-switch").get_by_text("Compare", exact=True).click()
        page.locator(".eo-comparison").wait_for()
        page.locator(".eo-stats", has_text="Statistics of the").first.wait_for()
        page.get_by_text("Caption length", exact=True).wait_for()
        page.get_by_text("Geography", exact=True).wait_for()
        page.mouse.move(700, 600)  # away from the header: no tooltip over the view switch
        page.wait_for_timeout(1500)  # let the Bokeh plots finish their first paint
        page.screenshot(path=str(stats_out), full_page=False)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", nargs="?", default=str(REPO / "docs" / "dashboard.png"))
    parser.add_argument("--stats-out", default=str(REPO / "docs" / "dashboard-compare.png"))
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1150)
    parser.add_argument("--args", nargs="*", default=[], dest="paths", help="dataset or catalog folders")
    options = parser.parse_args()
    missing = harness.chromium_missing()
    if missing:
        raise SystemExit(missing)

    port = harness.free_port()
    command = harness.serve_command(REPO / "app", port, options.paths)
    process = subprocess.Popen(command, env=dict(os.environ))
    try:
        url = f"http://127.0.0.1:{port}/app"
        harness.wait_for_http(url, process, timeout=300.0)
        shoot(url, Path(options.out), Path(options.stats_out), options.width, options.height)
        print(f"wrote {options.out} and {options.stats_out}")
    finally:
        harness.stop_server(process)


if __name__ == "__main__":
    main()
