"""The text of the open sample: captions (every version, labelled), questions with answers, referring expressions.

Captions and questions are UNTRUSTED: every piece of them reaches the page only through
``explorer.text.highlight_html`` (escaped text plus ``<mark>`` spans for spatial terms); the markup around them
is built here from fixed strings.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pandas as pd
import panel as pn

from ..model import KIND_CAPTION, KIND_CONVERSATION, KIND_REFEXP, KIND_VQA_BINARY, KIND_VQA_MCQ
from ..text import highlight_html
from .base import View
from .state import NO_REFEXP, ExplorerState, records_of
from .style import html as html_pane

SOURCE_LABELS = {
    "chatgpt-3.5": "ChatGPT-3.5",
    "chatgpt-4v": "ChatGPT-4V",
    "human": "human",
    "template": "template",
}
_MCQ_LETTER = re.compile(r"^\s*\(?([a-dA-D])\)?[\s.)]*$")


def plain(text: Any) -> str:
    """Escaped text without highlights (answers, ids, categories)."""
    return highlight_html(str(text), []) if text is not None and not _missing(text) else ""


def marked(text: Any) -> str:
    """Escaped text with spatial terms highlighted."""
    return highlight_html(str(text)) if text is not None and not _missing(text) else ""


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


Annotations = pd.DataFrame | list[dict[str, Any]] | None


def _of_kind(annotations: Annotations, *kinds: str) -> list[dict[str, Any]]:
    return [row for row in records_of(annotations) if row.get("kind") in kinds]


def captions_html(annotations: Annotations) -> str:
    rows = _of_kind(annotations, KIND_CAPTION)
    if not rows:
        return '<p class="eo-muted">No caption for this sample.</p>'
    parts = []
    for row in rows:
        source = row.get("source")
        label = SOURCE_LABELS.get(str(source), str(source)) if not _missing(source) else "caption"
        split = f" · {plain(row['split'])}" if not _missing(row.get("split")) else ""
        parts.append(
            f'<div class="eo-caption"><div class="eo-caption-source">{plain(label)}{split}</div>'
            f'<p class="eo-caption-text">{marked(row.get("output"))}</p></div>'
        )
    return "".join(parts)


def correct_option(options: list[str], answer: str) -> int | None:
    """Index of the correct MCQ option, from a letter answer ("d", "d)") or the option text itself."""
    found = _MCQ_LETTER.match(answer or "")
    if found:
        index = "abcd".index(found.group(1).lower())
        return index if index < len(options) else None
    for i, option in enumerate(options):
        if option.strip().lower() == (answer or "").strip().lower():
            return i
    return None


def _question_text(text: Any) -> str:
    """The question without its inline options ("... a) x, b) y"), which are listed separately."""
    text = "" if _missing(text) or text is None else str(text)
    cut = re.search(r"\s\(?a\)\s", text)
    return text[: cut.start()] if cut else text


def questions_html(annotations: Annotations) -> str:
    rows = _of_kind(annotations, KIND_VQA_BINARY, KIND_VQA_MCQ, KIND_CONVERSATION)
    if not rows:
        return '<p class="eo-muted">No question for this sample.</p>'
    items = []
    for row in rows:
        category = row.get("category")
        tag = (
            f'<span class="eo-tag">{plain(category)}</span> '
            if not _missing(category) and category != "None"
            else ""
        )
        answer = "" if _missing(row.get("output")) else str(row.get("output"))
        options = row.get("options")
        options = [str(o) for o in options] if options is not None and not _missing_list(options) else []
        if row["kind"] == KIND_VQA_MCQ and options:
            right = correct_option(options, answer)
            check = ' <span class="eo-check">✔ correct</span>'
            opts = "".join(
                f'<li class="{"eo-correct" if i == right else ""}">{marked(o)}{check if i == right else ""}</li>'
                for i, o in enumerate(options)
            )
            body = f'{marked(_question_text(row.get("input")))}<ol type="a" class="eo-options">{opts}</ol>'
            body += f'<div class="eo-answer">Answer: <b>{plain(answer)}</b></div>'
        else:
            body = f'{marked(row.get("input"))} <span class="eo-answer">→ <b>{plain(answer)}</b></span>'
        items.append(f'<li class="eo-question">{tag}{body}</li>')
    return f'<ol class="eo-questions">{"".join(items)}</ol>'


def _missing_list(options: Any) -> bool:
    try:
        return len(options) == 0
    except TypeError:
        return True


def refexps_html(annotations: Annotations, selected: int) -> str:
    rows = _of_kind(annotations, KIND_REFEXP)
    if not rows:
        return '<p class="eo-muted">No referring expression for this sample.</p>'
    items = []
    for row in rows:
        box = [row.get(c) for c in ("bbox_x0", "bbox_y0", "bbox_x1", "bbox_y1")]
        has_box = all(not _missing(v) for v in box)
        where = (
            f'<span class="eo-box">box ({box[0]:.2f}, {box[1]:.2f}) – ({box[2]:.2f}, {box[3]:.2f})</span>'
            if has_box
            else '<span class="eo-muted">no box</span>'
        )
        css = "eo-refexp eo-selected" if int(row["ann_id"]) == selected else "eo-refexp"
        items.append(f'<li class="{css}">{marked(row.get("input") or row.get("ref"))} {where}</li>')
    return f'<ol class="eo-refexps">{"".join(items)}</ol>'


class TextView(View):
    """Tabs of captions, questions and referring expressions; choosing a referring expression draws its box.

    One watcher renders the tabs from the sample's rows (as dicts, converted once) and sets the panes' text:
    opening a sample then costs one pass over its annotations, not one DataFrame scan per pane. Only the tab
    shown is rendered (and is in the page: Panel's dynamic tabs); a hidden one is rendered when it is shown.
    Questions were ~30 % of a Next's server CPU (twenty-odd highlighted questions a sample at full size) and
    their markup 25-35 KB of the message, for a tab few visitors look at.
    """

    CAPTIONS, QUESTIONS, REFEXPS = 0, 1, 2  # the tabs, in order

    def __init__(self, state: ExplorerState, **params: Any) -> None:
        super().__init__(state=state, **params)
        s = self.state
        self._records: list[dict[str, Any]] = []
        self._counts = html_pane("", margin=(0, 10))
        # Each tab is its pane itself (no wrapping Column), the drawn box's line shares the expressions' pane.
        self._captions = html_pane("", sizing_mode="stretch_width", css_classes=["eo-captions"], name="Captions")
        self._questions = html_pane("", sizing_mode="stretch_width", name="Questions")
        self._refexps = html_pane("", sizing_mode="stretch_width")
        self._refexp_picker = pn.widgets.RadioBoxGroup.from_param(
            s.param.refexp, label="Draw the box of", inline=False, css_classes=["eo-refexp-picker"]
        )
        refexp_tab = pn.Column(
            self._refexp_picker, self._refexps, name="Referring expressions", sizing_mode="stretch_width"
        )
        # Only the tab shown is in the page (``dynamic``): a hidden tab is sent when it is shown, with the open
        # sample's text (each Next sent the hidden ones too: the questions' markup and the expressions' radio
        # group, rebuilt and laid out again in the browser).
        self._tabs = pn.Tabs(
            self._captions, self._questions, refexp_tab, sizing_mode="stretch_width", dynamic=True
        )
        self._stale = {self.CAPTIONS, self.QUESTIONS, self.REFEXPS}  # tabs whose pane shows an older sample
        # After Panel's own watcher has put the tab just shown into the page: its text follows in the same message.
        self._tabs.param.watch(self._on_tab, "active")
        s.param.watch(self._on_annotations, "annotations")
        s.param.watch(self._on_refexp, "refexp")
        self._on_annotations()

    @property
    def active(self) -> int:
        """The tab shown."""
        return int(self._tabs.active)

    def _on_annotations(self, *_: Any) -> None:
        self._records = records = self.state.annotation_records()  # read once per sample, shared
        self._counts.object = counts_html(records)
        self._stale = {self.CAPTIONS, self.QUESTIONS, self.REFEXPS}
        self._render(self.active)

    def _on_refexp(self, *_: Any) -> None:
        self._stale.add(self.REFEXPS)
        self._render(self.active)

    def _on_tab(self, event: Any) -> None:
        self._render(int(event.new))

    def _render(self, tab: int) -> None:
        """Bring ``tab`` up to date with the open sample (if it is not)."""
        if tab not in self._stale:
            return
        self._stale.discard(tab)
        if tab == self.CAPTIONS:
            self._captions.object = captions_html(self._records)
        elif tab == self.QUESTIONS:
            self._questions.object = questions_html(self._records)
        elif tab == self.REFEXPS:
            self._refexps.object = self.selected_box_text() + refexps_html(self._records, self.state.refexp)

    def selected_box_text(self) -> str:
        box = self.state.refexp_box()
        if self.state.refexp == NO_REFEXP or box is None:
            return ""
        return (
            f'<div class="eo-selected-box">Box drawn on the images: ({box[0]:.2f}, {box[1]:.2f}) – '
            f"({box[2]:.2f}, {box[3]:.2f})</div>"
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            self._counts,
            self._tabs,
            sizing_mode="stretch_width",
            css_classes=["eo-text-view"],
            loading=self.state.param.loading,
        )


def counts_html(annotations: Annotations) -> str:
    rows = records_of(annotations)
    if not rows:
        return ""
    kinds = Counter(str(row.get("kind")) for row in rows)
    n_q = sum(kinds[k] for k in (KIND_VQA_BINARY, KIND_VQA_MCQ, KIND_CONVERSATION))
    return (
        f'<span class="eo-muted">{kinds[KIND_CAPTION]} captions · {n_q} questions · '
        f"{kinds[KIND_REFEXP]} referring expressions</span>"
    )
