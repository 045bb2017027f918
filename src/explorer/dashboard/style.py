"""Shared by the views: the dashboard CSS and the context for changing plain Bokeh models.

Panel renders each component in its own shadow root, so panes take the CSS as a stylesheet.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import panel as pn
from bokeh.document import Document
from panel.io.document import hold

from ..text.highlight import HIGHLIGHT_CSS

CSS = (
    HIGHLIGHT_CSS
    + """
.eo-muted { color: #6b6b6b; font-size: 0.9em; }
.eo-badge { display: inline-block; padding: 1px 7px; margin-right: 4px; border-radius: 10px; font-size: 0.75em;
  font-weight: 600; background: #e9e9e9; color: #333; vertical-align: middle; }
.eo-badge-synthetic { background: #b00020; color: #fff; letter-spacing: 0.05em; }
.eo-sample-header { font-size: 0.95em; }
.eo-sample-title { font-size: 1.15em; margin-bottom: 2px; }
.eo-sample-id { font-family: monospace; }
.eo-error { color: #b00020; font-weight: 600; }
.eo-count { font-size: 1.05em; padding: 4px 0; }
.eo-map-legend { font-size: 0.85em; }
.eo-legend-item { margin-right: 12px; white-space: nowrap; }
.eo-dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px;
  vertical-align: middle; }
.eo-swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; border: 1px solid #555;
  vertical-align: middle; }
.eo-lc-legend ul { list-style: none; padding-left: 0; margin: 4px 0; columns: 2; font-size: 0.85em; }
.eo-lc-legend li { break-inside: avoid; }
.eo-view-title { margin: 4px 0; font-size: 1.05em; }
.eo-image-caption { font-size: 0.8em; color: #555; margin: 5px 5px 0 5px; }
.eo-note, .eo-problem { padding: 8px 10px; border-radius: 4px; font-size: 0.9em; border: 1px solid; }
.eo-note { background: #f6f6f6; border-color: #dedede; color: #555; }
.eo-problem { background: #fbe9eb; border-color: #f1b0b7; color: #8a1020; }
.eo-caption { margin-bottom: 10px; }
.eo-caption-source { font-size: 0.8em; font-weight: 600; color: #555; text-transform: none; }
.eo-caption-text { margin: 2px 0 0 0; line-height: 1.6; }
.eo-questions, .eo-refexps { padding-left: 1.4em; line-height: 1.55; }
.eo-question { margin-bottom: 6px; }
.eo-tag { font-size: 0.75em; background: #eef; border-radius: 4px; padding: 0 4px; color: #335; }
.eo-options { margin: 2px 0; }
.eo-correct { font-weight: 600; color: #0a6b2d; }
.eo-check { font-size: 0.8em; }
.eo-answer { color: #333; }
.eo-box { font-family: monospace; font-size: 0.85em; color: #555; }
.eo-selected { background: #fff0f7; }
.eo-selected-box { color: #c2107a; font-weight: 600; margin: 4px 0; }
"""
)


class HTMLPane(pn.pane.HTML):
    """Panel's HTML pane whose new content leaves the model's stylesheets as the page was built with them.

    Panel sends every property again when a pane's content changes, stylesheets included, and at the first
    change after the page is built that list differs (the update path adds the theme's ``default.css``, which
    the template's first render had left out). Stylesheets are model references, so Bokeh then recomputes the
    whole document's model graph: ~0.1-0.2 s of CPU per pane on this page, paid by each pane at the session's
    first filter and first Next (3-4 panes each). The content is all that changes here: the page already
    looks right, and a stylesheet parameter set later still goes through Panel's own parameter path.
    """

    def _update(self, ref: str, model: Any) -> None:
        if self.enable_streaming:
            super()._update(ref, model)
            return
        # Only the text follows from the content (``_rerender_params``: the object and how it is sanitised);
        # every property with its theme was ~0.6 ms per pane, a few panes per filter and Next in every session.
        model.update(**self._process_param_change({"object": self.object}))


class PlainHelp:
    """A widget whose help (``description``: ``from_param`` takes the parameter's doc) is the help icon's own
    browser tooltip (its ``title``), as BokehJS shows a plain-text description.

    Panel turns each description into a Tooltip model holding an HTML model (markdown rendered by markdown-it on
    the server): two more models a widget to send, deserialise and build views for in the browser, for help texts
    that are one plain sentence. The icon and the text stay; only the popup is the browser's.
    """

    def _process_param_change(self, params: dict[str, Any]) -> dict[str, Any]:
        text = params.get("description")
        if not isinstance(text, str):
            return super()._process_param_change(params)  # type: ignore[misc]
        params = super()._process_param_change({k: v for k, v in params.items() if k != "description"})  # type: ignore[misc]
        params["description"] = text  # not rendered as markdown by Panel first (markdown-it: ~0.1 s of a cold page)
        return params


class Select(PlainHelp, pn.widgets.Select):
    """Panel's Select with its help as a plain tooltip (``PlainHelp``)."""


def html(obj: Any = "", **params: Any) -> HTMLPane:
    """An HTML pane carrying the dashboard CSS."""
    params.setdefault("stylesheets", [CSS])
    return HTMLPane(obj, **params)


def one_message(callback: Callable[..., None]) -> Callable[..., None]:
    """``callback`` for a button or a key press whose changes all reach the browser as ONE message.

    Panel runs a button's (Bokeh event's) callback without holding the document, so in a loaded session each
    pane or model changed goes out as its own message, and the page re-lays itself out after each: opening a
    sample changes a dozen (header, texts, images, download name, URL), ~0.1-0.3 s of browser work each. The
    document's model graph stays frozen meanwhile (recomputed at most once, at the end: see ``graph_frozen``).
    """

    @functools.wraps(callback)
    def held(*args: Any) -> None:
        with bokeh_updates(freeze=True):
            callback(*args)

    return held


@contextmanager
def bokeh_updates(freeze: bool = False) -> Iterator[None]:
    """Context for changing plain Bokeh models (data sources, glyphs) from a view.

    In a loaded server session the changes must be made under Panel's ``hold``: Panel's callbacks run without
    Bokeh's document lock, which Bokeh otherwise demands, and the changes then go out as one message. While the
    page is being built, or outside a server, nothing is needed (and a hold would stay on the document).
    ``freeze``: Bokeh recomputes the document's model graph once, at the end, not after each change.
    """
    doc = pn.state.curdoc
    if doc is None or not pn.state.loaded:
        yield
        return
    with hold(doc), graph_frozen(doc) if freeze else nullcontext():
        yield


@contextmanager
def graph_frozen(doc: Document) -> Iterator[None]:
    """Bokeh's ``doc.models.freeze()``, but recomputing the model graph at the end only if something inside
    asked for it (a property set to or from a model, a layout's children changed).

    Bokeh's own freeze always recomputes when it ends: a walk of every model of the page, ~0.1-0.15 s of CPU
    here, i.e. as much as the rest of a Next, whose changes (texts, image data, box corners, names) never touch
    the graph. Nested uses, and Panel's own freezes inside, fold into the outermost one.
    """
    models = doc.models
    if "invalidate" in vars(models):  # inside an outer one: it decides
        yield
        return
    asked = False

    def invalidate() -> None:
        nonlocal asked
        asked = True

    def pop_freeze() -> None:  # Bokeh's _pop_freeze, deferring the recompute to the end of this block
        nonlocal asked
        models._freeze_count -= 1
        if models._freeze_count == 0:
            asked = True

    models.invalidate = invalidate  # type: ignore[method-assign]
    models._pop_freeze = pop_freeze  # type: ignore[method-assign]
    try:
        yield
    finally:
        del models.invalidate
        del models._pop_freeze
        if asked:
            models.recompute()
