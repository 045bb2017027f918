"""Screenshots of the text search: a word query with its BM25 best-matching texts beside the count, a regular
expression being scanned (progress bar, Cancel button), and the page after Cancel (previous filter kept).

    python scripts/screenshot_text_search.py OUT_PREFIX --args CATALOG_OR_DATASET ...

Writes OUT_PREFIX-ranked.png, -cancelled.png, -scanning.png and -scanned.png. The scan must last long
enough to be seen: use a catalog of a million rows or more (the demo scans in milliseconds). Uses Debian's
Chromium through Playwright with the browser tests' flags; nothing is downloaded.
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


def shoot(url: str, prefix: str, word: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = harness.launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1600, "height": 1300})
        page.set_default_timeout(300_000)
        page.goto(url)
        page.wait_for_function("() => document.body.dataset.eoConnected === '1'")
        box = page.locator(".eo-query input")
        box.fill(word)
        box.press("Enter")
        page.locator(".eo-ranked li").first.wait_for()
        page.screenshot(path=f"{prefix}-ranked.png", full_page=True)
        count = page.locator(".eo-count").inner_text()
        regex = page.locator(".eo-regex input[type=checkbox]")
        # The same text as a regular expression: Cancel as soon as the scan shows, the previous filter stays.
        regex.check()
        page.locator(".eo-scan b").wait_for()
        page.locator(".eo-scan-cancel button").click()
        page.locator(".eo-scan").wait_for(state="detached")
        page.wait_for_timeout(500)
        page.screenshot(path=f"{prefix}-cancelled.png", full_page=True)
        after = page.locator(".eo-count").inner_text()
        print(f"before the scan: {count!r}; after Cancel: {after!r}; regex box checked: {regex.is_checked()}")
        # Again, this time left to run: a picture while it scans, then its result.
        regex.check()
        page.locator(".eo-scan b").wait_for()
        page.screenshot(path=f"{prefix}-scanning.png")
        page.locator(".eo-scan").wait_for(state="detached")
        page.wait_for_timeout(500)
        page.screenshot(path=f"{prefix}-scanned.png", full_page=True)
        print(f"after the scan: {page.locator('.eo-count').inner_text()!r}")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("prefix")
    parser.add_argument("--word", default="forest")
    parser.add_argument("--args", nargs="*", default=[], dest="paths", help="dataset or catalog folders")
    options = parser.parse_args()
    missing = harness.chromium_missing()
    if missing:
        raise SystemExit(missing)
    port = harness.free_port()
    process = subprocess.Popen(harness.serve_command(REPO / "app", port, options.paths), env=dict(os.environ))
    try:
        url = f"http://127.0.0.1:{port}/app"
        harness.wait_for_http(url, process, timeout=600.0)
        Path(options.prefix).parent.mkdir(parents=True, exist_ok=True)
        shoot(url, options.prefix, options.word)
        print(f"wrote {options.prefix}-ranked.png, -cancelled.png, -scanning.png, -scanned.png")
    finally:
        harness.stop_server(process)


if __name__ == "__main__":
    main()
