"""The page's template: Panel's FastListTemplate (header, sidebar, main; the FAST look) without FAST's web
components.

The FastListTemplate makes every page load ``fast-components.js`` (868 KiB, a JS module: the page's scripts wait
for it before BokehJS builds anything) and Google's Open Sans stylesheet (offline: a failed request the page's
scripts queue behind), only for FAST to compute, at each load, the same design tokens (CSS custom properties: the
colours derived from the accent, the type ramp) on the page root and on the body and header "design providers",
and to draw a theme switch and three tooltips as web components. Here the tokens are static CSS
(``page_tokens.css``, written by ``scripts/fast_tokens.py`` from a FAST page with the dashboard's accent), the
providers are plain ``div``s, the switch a plain button, the tooltips ``title`` attributes; Panel's widgets keep
the Fast design's stylesheets, so they look as before.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import param
from panel.template import FastListTemplate
from panel.theme.fast import Fast

HERE = Path(__file__).parent
THEME_MARK = "/* theme: "  # as scripts/fast_tokens.py writes them


@functools.cache
def tokens(theme: str) -> str:
    """The static FAST tokens of ``theme`` ("default" or "dark") as CSS."""
    sections: dict[str, str] = {}
    for part in (HERE / "page_tokens.css").read_text().split(THEME_MARK)[1:]:
        name, _, css = part.partition(" */\n")
        sections[name] = css
    return sections.get(theme, sections["default"])


class PlainFast(Fast):
    """Panel's Fast design (its widget stylesheets and themes) without the resources that load FAST's web
    components and the Open Sans web font (the tokens set the font stack FAST set: Open Sans was never used)."""

    _resources = {  # type: ignore[assignment]  # (Panel's ResourcesType: a TypedDict)
        k: v for k, v in Fast._resources.items() if k not in ("js_modules", "font", "tarball")
    }


class PageTemplate(FastListTemplate):
    """The FastListTemplate's layout and look, without FAST's web components (see the module)."""

    design = param.ClassSelector(
        class_=Fast, default=PlainFast, is_instance=False, instantiate=False, doc="The design system"
    )

    _template = HERE / "page_template.html"

    def _update_vars(self, *args: Any) -> None:
        super()._update_vars(*args)
        self._render_variables["eo_tokens"] = tokens(self._render_variables.get("theme", "default"))
