"""Safe HTML for a caption with its spatial terms highlighted (displaCy-style ``<mark>`` spans).

Caption text is untrusted (it comes from files anyone can edit, and from a language model): every piece of it
goes through ``html.escape``; only the ``<mark>`` tags built here are markup. Class mentions are painted in
their legend colour with black or white text, whichever reads better on it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from .spatial import TERMS_CACHED, class_color, find_spatial_terms

# Background of each non-class kind (CLASS uses the legend colour of the class it names).
KIND_COLORS = {"POSITION": "#ffd59e", "RELATION": "#c6e2ff", "SIZE": "#e4c1f9", "CLASS": "#dddddd"}
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")

HIGHLIGHT_CSS = """
mark.st { padding: 0 0.2em; border-radius: 0.25em; line-height: 1.6; }
mark.st-position { background: #ffd59e; }
mark.st-relation { background: #c6e2ff; }
mark.st-size { background: #e4c1f9; }
mark.st-class { background: #dddddd; outline: 1px solid rgba(0, 0, 0, 0.25); }
"""


def text_color(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (WCAG relative luminance)."""
    channels = [int(background[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    # contrast with black (L + 0.05) / 0.05 vs with white 1.05 / (L + 0.05): equal at L ~ 0.179
    return "#000000" if luminance > 0.179 else "#ffffff"


def resolve_overlaps(spans: Iterable[Sequence[Any]], length: int) -> list[tuple[int, int, str, str]]:
    """Keep non-overlapping spans, longest first (earliest on ties), clipped to the text; in reading order."""
    cleaned = []
    for span in spans:
        start, end, kind, label = int(span[0]), int(span[1]), str(span[2]), str(span[3])
        start, end = max(0, start), min(length, end)
        if end > start:
            cleaned.append((start, end, kind, label))
    cleaned.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
    taken: list[tuple[int, int, str, str]] = []
    for span in cleaned:
        if all(span[1] <= other[0] or span[0] >= other[1] for other in taken):
            taken.append(span)
    return sorted(taken)


def highlight_html(text: str | None, spans: Iterable[Sequence[Any]] | None = None) -> str:
    """``text`` as escaped HTML with ``spans`` ((start, end, kind, label) character offsets) wrapped in marks.

    Without ``spans`` the spatial terms are found with ``find_spatial_terms``.
    """
    if not text:
        return ""
    if spans is None:
        return _highlighted(text)
    return _marked_up(text, spans)


# Every session opening a sample highlights its texts, and texts repeat (templates; 20 sessions stepping through
# the same matches): each distinct recent text is found and marked up once per process.
@lru_cache(maxsize=TERMS_CACHED)
def _highlighted(text: str) -> str:
    return _marked_up(text, find_spatial_terms(text))


def _marked_up(text: str, spans: Iterable[Sequence[Any]]) -> str:
    pieces: list[str] = []
    cursor = 0
    for start, end, kind, label in resolve_overlaps(spans, len(text)):
        pieces.append(html.escape(text[cursor:start]))
        pieces.append(_open_mark(kind, label))
        pieces.append(html.escape(text[start:end]))
        pieces.append("</mark>")
        cursor = end
    pieces.append(html.escape(text[cursor:]))
    return "".join(pieces)


def _open_mark(kind: str, label: str) -> str:
    background = KIND_COLORS.get(kind.upper(), "#dddddd")
    if kind.upper() == "CLASS":
        background = class_color(label) or background
    if not _HEX.match(background):
        background = "#dddddd"
    css_kind = re.sub(r"[^a-z0-9-]", "", kind.lower())
    style = f"background-color: {background}; color: {text_color(background)}"
    return (
        f'<mark class="st st-{css_kind}" data-kind="{html.escape(kind.lower())}" '
        f'data-label="{html.escape(label)}" title="{html.escape(kind.lower())}: {html.escape(label)}" '
        f'style="{style}">'
    )
