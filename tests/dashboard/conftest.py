"""Fixtures for the dashboard tests: a small demo (written once per session) with two deliberate defects, its
catalogs in a temporary cache, and, for browser tests, `panel serve app/` on a free port plus headless Chromium.

Defects, so the tests can see them handled: one ChatEarthNet caption carries HTML/JS (must render as text) and
one ChatEarthNet sample has a truncated image (its viewer must say so while the session goes on).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.harness.browser import chromium_missing, launch_chromium, served

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "screenshots"
XSS_CAPTION = (
    '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> '
    "In the top left there is a large portion of water."
)


@dataclass(frozen=True)
class Demo:
    root: Path
    cache: Path
    registry: Path
    catalog_paths: list[Path]  # catalog folders, passed to `panel serve ... --args`
    xss_sample: str  # chatearthnet-demo sample whose caption holds <script>
    broken_sample: str  # chatearthnet-demo sample whose optical PNG is truncated

    @property
    def env(self) -> dict[str, str]:
        return {"EO_EXPLORER_CACHE": str(self.cache), "EO_EXPLORER_REGISTRY": str(self.registry)}


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    from explorer.demo import write_demo

    base = tmp_path_factory.mktemp("dashboard-demo")
    cache, registry = base / "cache", base / "registry.json"
    saved = {k: os.environ.get(k) for k in ("EO_EXPLORER_CACHE", "EO_EXPLORER_REGISTRY")}
    os.environ.update({"EO_EXPLORER_CACHE": str(cache), "EO_EXPLORER_REGISTRY": str(registry)})
    try:
        folders = write_demo(base / "data", seed=0, n_chatearthnet=40, n_bigearthnet=40)
        chat = folders["chatearthnet-demo"]
        captions = chat / "json_files" / "ChatEarthNet_caps_35_train.json"
        records: list[dict[str, Any]] = json.loads(captions.read_text())
        records[0]["caption"] = XSS_CAPTION
        captions.write_text(json.dumps(records, indent=1))
        xss_sample = Path(records[0]["image"]).stem
        broken_sample = Path(records[1]["image"]).stem

        import explorer

        catalogs = [explorer.open(folder) for folder in folders.values()]
        # Truncate after indexing: the catalog lists the sample, reading its pixels must fail.
        png = chat / "s2_rgb_images" / "s2_images" / f"{broken_sample}.png"
        png.write_bytes(png.read_bytes()[:100])
        yield Demo(base, cache, registry, [c.path for c in catalogs], xss_sample, broken_sample)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def demo_catalogs(demo: Demo) -> list[Any]:
    import explorer

    return [explorer.open(path) for path in demo.catalog_paths]


@pytest.fixture(scope="session")
def server(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`panel serve app/` on the demo catalogs; yields the app URL."""
    log_path = tmp_path_factory.mktemp("panel-serve") / "serve.log"
    catalogs = [str(p) for p in demo.catalog_paths]
    env = {**os.environ, **demo.env}
    with served(REPO / "app", "app", catalogs, log_path, env, options=["--num-procs", "1"]) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = chromium_missing()
    if missing:
        pytest.skip(f"{missing}; never downloaded by the tests")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


class PageWatcher:
    """Collects JavaScript errors; failed loads of remote resources (tiles, fonts) are expected offline."""

    def __init__(self, page: Any, local_prefix: str) -> None:
        self.errors: list[str] = []
        self.local_prefix = local_prefix
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        source = (message.location or {}).get("url", "")
        if "Failed to load resource" in message.text and not source.startswith(self.local_prefix):
            return
        if "Failed to load resource" in message.text and "net::ERR_" in message.text and not source:
            return
        self.errors.append(f"console: {message.text} ({source})")


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1600, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.watcher = PageWatcher(page, server.rsplit("/", 1)[0])
    yield page
    context.close()


def run_page_script(script: str, demo: Demo, stdin: str | None = None) -> dict[str, Any]:
    """Run ``script`` in a fresh Python process (as a server process starts: nothing imported yet) with the app
    folder and the demo's catalogs as arguments; its last output line is JSON, returned."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", script, str(REPO / "app"), *[str(p) for p in demo.catalog_paths]],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **demo.env},
        timeout=300,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
