"""What the page's HTML makes the browser load: BokehJS's MathJax bundle only for a page that shows math.

Panel adds ``bokeh-mathjax.min.js`` (1.7 MB, the largest script of the page) to every page holding an HTML or
Markdown pane, whether or not any of them can show math; the browser then downloads, parses and runs it before the
page is built. Bokeh itself loads it only for models whose text holds TeX. ``only_needed_mathjax()`` makes Panel
decide the same way: a pane with math enabled and TeX delimiters in its text still gets MathJax, and the
dashboard's panes (HTML panes: math disabled; text is never TeX) do not.
"""

from __future__ import annotations

from typing import Any

__all__ = ["needs_mathjax", "only_needed_mathjax"]


def needs_mathjax(roots: Any) -> bool:
    """Whether any Panel HTML/Markdown model under ``roots`` would typeset math: math enabled and TeX in its text
    (BokehJS's own test for a Div)."""
    from bokeh.embed.bundle import _any
    from bokeh.embed.util import contains_tex_string
    from panel.models.markup import HTML

    return bool(
        _any(
            roots,
            lambda model: (
                isinstance(model, HTML) and not model.disable_math and contains_tex_string(model.text)
            ),
        )
    )


def only_needed_mathjax() -> None:
    """Make Panel's page bundle include MathJax only when ``needs_mathjax`` (process-wide; idempotent).

    Panel's ``bundle_resources`` asks ``_panel_use_mathjax(roots)`` ("any Panel HTML model?") for every page it
    serves; it still also loads MathJax for Bokeh's own math models and for ``pn.extension("mathjax")``."""
    from panel.io import resources

    resources._panel_use_mathjax = needs_mathjax
