"""Safe highlighted HTML: untrusted text is always escaped, spans are marked, overlaps resolved."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from explorer.text.highlight import highlight_html, resolve_overlaps, text_color


class _Marks(HTMLParser):
    """Collects the tags and the text inside each <mark>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.marks: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None
        self._text = ""
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "mark":
            self._open, self._text = dict(attrs), ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark" and self._open is not None:
            self.marks.append((self._open, self._text))
            self._open = None

    def handle_data(self, data: str) -> None:
        self.text += data
        if self._open is not None:
            self._text += data


def _parse(html: str) -> _Marks:
    parser = _Marks()
    parser.feed(html)
    return parser


def test_highlight_html__untrusted_markup_stays_literal_text() -> None:
    text = "<script>alert(1)</script><b>x</b> water in the top left"
    start = text.index("water")
    spans = [
        (start, start + 5, "CLASS", "water"),
        (text.index("top left"), len(text), "POSITION", "top left"),
    ]
    html = highlight_html(text, spans)
    parsed = _parse(html)
    assert parsed.tags == ["mark", "mark"]  # no <script>, no <b>: only our marks are markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in html
    assert parsed.text == text  # the visible text is exactly the caption
    assert [m[1] for m in parsed.marks] == ["water", "top left"]
    assert [m[0]["data-kind"] for m in parsed.marks] == ["class", "position"]
    assert parsed.marks[0][0]["class"] == "st st-class"


def test_highlight_html__spans_inside_escaped_text_keep_their_offsets() -> None:
    text = 'a & b "north" <i>east</i>'
    north, east = text.index("north"), text.index("east")
    spans = [(north, north + 5, "POSITION", "north"), (east, east + 4, "POSITION", "east")]
    parsed = _parse(highlight_html(text, spans))
    assert [m[1] for m in parsed.marks] == ["north", "east"] and parsed.text == text


def test_highlight_html__overlapping_spans_longest_wins() -> None:
    text = "an extra large portion of water bodies"
    spans = [
        (3, 14, "SIZE", "extra large"),
        (9, 22, "SIZE", "large"),
        (3, 22, "SIZE", "extra large portion"),
        (26, 31, "CLASS", "water"),
        (26, 38, "CLASS", "water"),
    ]
    parsed = _parse(highlight_html(text, spans))
    assert [m[1] for m in parsed.marks] == ["extra large portion", "water bodies"]
    assert parsed.text == text


def test_resolve_overlaps__clips_and_drops_empty() -> None:
    assert resolve_overlaps([(-5, 3, "SIZE", "x"), (8, 99, "CLASS", "y"), (4, 4, "SIZE", "z")], 10) == [
        (0, 3, "SIZE", "x"),
        (8, 10, "CLASS", "y"),
    ]


def test_highlight_html__class_in_legend_colour_with_readable_text() -> None:
    html = highlight_html("water and snow and tree", None)
    styles = re.findall(r'data-label="([^"]+)"[^>]*style="([^"]+)"', html)
    assert ("water", "background-color: #0000ff; color: #ffffff") in styles  # dark blue: white text
    assert ("snow", "background-color: #ffffff; color: #000000") in styles  # white: black text


def test_highlight_html__attribute_values_escaped() -> None:
    html = highlight_html("abc", [(0, 3, "POSITION", '"><script>x</script>')])
    assert "<script>" not in html and "&quot;&gt;&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("background", "expected"), [("#000000", "#ffffff"), ("#ffff00", "#000000"), ("#0000ff", "#ffffff")]
)
def test_text_color__by_luminance(background: str, expected: str) -> None:
    assert text_color(background) == expected


def test_highlight_html__empty_text() -> None:
    assert highlight_html("", []) == "" and highlight_html(None, None) == ""
