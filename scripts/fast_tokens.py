"""Write the dashboard's static FAST design tokens (src/explorer/dashboard/page_tokens.css) from a live FAST page.

    python scripts/fast_tokens.py [--accent "#1f5f8b"] [--out src/explorer/dashboard/page_tokens.css]

Panel's FastListTemplate loads FAST's web components (fast-components.js, 868 KiB) so that, at each page load, FAST
computes its design tokens (CSS custom properties: colours derived from the accent, type ramp, spacing) on the page
root and on the body and header "design providers". The dashboard's page (``page_template.PageTemplate``) sets the
same values as static CSS instead. This script serves a small FastListTemplate app with the dashboard's accent,
reads every token FAST set (for the light and dark themes) in headless Chromium, and writes them; run it again
after a Panel upgrade or an accent change. Offline, as the machine is.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.harness import browser as harness  # noqa: E402

APP = """
import panel as pn
pn.extension()
pn.template.FastListTemplate(
    title="t", accent={accent!r}, header=[pn.pane.HTML("h")], sidebar=[pn.widgets.Select(options=["a"])],
    main=[pn.pane.HTML("m")], main_layout=None, busy_indicator=None,
).servable()
"""

READ_JS = """(selector) => {
  const style = getComputedStyle(document.querySelector(selector))
  const out = {}
  for (let i = 0; i < style.length; i++) {
    const name = style[i]
    if (name.startsWith('--')) out[name] = style.getPropertyValue(name).trim()
  }
  return out
}"""
THEME_MARK = "/* theme: "  # page_template.tokens() splits the file at these lines
SCOPES = {"root": "html", "body": "#body-design-provider", "header": "#header-design-provider"}


def read_tokens(url: str, block_fast: bool) -> dict[str, dict[str, str]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = harness.launch_chromium(playwright)
        try:
            page = browser.new_page()
            if block_fast:
                page.route("**/fast-components*", lambda route: route.abort())
            page.goto(url)
            page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0 && Bokeh.documents[0].is_idle")
            page.wait_for_timeout(500)
            return {scope: page.evaluate(READ_JS, selector) for scope, selector in SCOPES.items()}
        finally:
            browser.close()


def block(selector: str, tokens: dict[str, str]) -> str:
    body = "".join(f"  {name}: {value};\n" for name, value in sorted(tokens.items()))
    return f"{selector} {{\n{body}}}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accent", default="#1f5f8b")
    parser.add_argument("--out", type=Path, default=REPO / "src" / "explorer" / "dashboard" / "page_tokens.css")
    options = parser.parse_args()
    out: list[str] = [
        "/* FAST's design tokens for the dashboard's page, as FAST computes them (accent "
        f"{options.accent}): written by scripts/fast_tokens.py. */\n"
    ]
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "fast_app.py"
        app.write_text(APP.format(accent=options.accent))
        port = harness.free_port()
        server = subprocess.Popen(harness.serve_command(app, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}/fast_app"
            harness.wait_for_http(url, server)
            for theme in ("default", "dark"):
                fast = read_tokens(f"{url}?theme={theme}", block_fast=False)
                plain = read_tokens(f"{url}?theme={theme}", block_fast=True)
                root = {k: v for k, v in fast["root"].items() if plain["root"].get(k) != v}  # what FAST set on :root
                body = {k: v for k, v in fast["body"].items() if fast["root"].get(k) != v}
                header = {k: v for k, v in fast["header"].items() if fast["body"].get(k) != v}
                out.append(f"{THEME_MARK}{theme} */\n")
                out.append(block(":root", root) + block("#body-design-provider", body))
                out.append(block("#header-design-provider", header))
        finally:
            harness.stop_server(server)
    options.out.write_text("".join(out))
    print(f"wrote {options.out}: {json.dumps({'bytes': sum(map(len, out))})}")


if __name__ == "__main__":
    main()
