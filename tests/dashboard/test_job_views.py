"""The Audit / Evaluate slots: marked claim spans (escaped), and a plain statement when results are missing."""

from __future__ import annotations

from typing import Any

import pandas as pd

from explorer.dashboard.audit import marked_text
from explorer.dashboard.pending import PendingView, evaluate_view, library_present
from explorer.dashboard.state import ExplorerState


def test_marked_text__spans_coloured_by_verdict_with_the_map_in_the_tooltip() -> None:
    text = "A <b>river</b> crosses a forest."
    rows = pd.DataFrame(
        {
            "span_start": [text.index("river"), text.index("forest"), -1],
            "span_end": [text.index("river") + 5, text.index("forest") + 6, -1],
            "rule": ["class-mention"] * 3,
            "verdict": ["dispute", "agree", "agree"],
            "from_map": ["no water pixels", "42 % tree cover", None],
        }
    )
    out = marked_text(text, rows)
    assert (
        '<mark class="eo-dispute" title="class-mention: dispute; map says: no water pixels">river</mark>'
        in out
    )
    assert '<mark class="eo-agree"' in out and "&lt;b&gt;" in out and "<b>" not in out  # text, never HTML
    assert out.replace("&lt;", "<").replace("&gt;", ">").count("forest") == 1


def test_pending_view__says_what_is_missing_and_which_command_produces_it(demo_catalogs: list[Any]) -> None:
    state = ExplorerState(demo_catalogs)
    view = evaluate_view(state)
    if library_present("explorer.evaluate") and not isinstance(view, PendingView):
        return  # the real view replaced the slot
    text = view.__panel__().object
    assert "has not been run" in text and "eo-explorer evaluate" in text
    assert all(c.name in text for c in demo_catalogs)
    missing = PendingView(state=state, title="Audit", library="explorer.nosuch", what="x", command="run it")
    assert "not part of this installation" in missing.__panel__().object


def test_highlighted__shared_ngrams_marked_longest_first_and_escaped() -> None:
    from explorer.dashboard.evaluate import highlighted

    out = highlighted("A river <i>crosses</i> the river bank", ["river bank", "river", "a"])
    assert '<mark class="eo-shared">river bank</mark>' in out  # the longer n-gram wins
    assert out.count('<mark class="eo-shared">river</mark>') == 1
    assert "&lt;i&gt;" in out and "<i>" not in out
    assert highlighted("no overlap", []) == "no overlap"
