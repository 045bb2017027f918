"""``style.graph_frozen``: Bokeh's model graph recomputed at the end of a block only when something asked."""

from __future__ import annotations

from typing import Any

import pytest
from bokeh.document import Document
from bokeh.models import Column, Div

from explorer.dashboard.style import graph_frozen


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from bokeh.document.models import DocumentModelManager

    calls: list[int] = []
    recompute = DocumentModelManager.recompute

    def counting(self: Any) -> None:
        calls.append(1)
        recompute(self)

    monkeypatch.setattr(DocumentModelManager, "recompute", counting)
    return calls


def _page() -> tuple[Document, Column, Div]:
    doc = Document()
    text = Div(text="a")
    layout = Column(children=[text])
    doc.add_root(layout)
    return doc, layout, text


def test_text_changes_recompute_nothing(counted: list[int]) -> None:
    doc, _, text = _page()
    counted.clear()
    with graph_frozen(doc):
        text.text = "b"
        text.styles = {"color": "red"}
    assert counted == [] and text.text == "b"
    assert "invalidate" not in vars(doc.models) and "_pop_freeze" not in vars(doc.models)  # Bokeh's own again


def test_new_models_attached_once_at_the_end(counted: list[int]) -> None:
    doc, layout, text = _page()
    counted.clear()
    added = [Div(text=str(i)) for i in range(3)]
    with graph_frozen(doc):
        for div in added:
            layout.children = [*layout.children, div]  # each change references models: Bokeh would recompute
            with doc.models.freeze():  # a freeze inside (Panel's own) folds into the block
                div.text = "x"
        assert all(div.document is None for div in added)  # not yet: the graph is recomputed at the end
    assert len(counted) == 1
    assert all(div.document is doc for div in added) and doc.get_model_by_id(added[-1].id) is added[-1]
    with graph_frozen(doc):
        layout.children = [text]
    assert len(counted) == 2 and all(div.document is None for div in added)  # removed ones detached


def test_nested_blocks_recompute_once_at_the_outer_end(counted: list[int]) -> None:
    doc, layout, _ = _page()
    counted.clear()
    extra = Div(text="n")
    with graph_frozen(doc):
        with graph_frozen(doc):
            layout.children = [*layout.children, extra]
        assert counted == [] and extra.document is None
    assert len(counted) == 1 and extra.document is doc


def test_an_error_inside_still_restores_bokeh(counted: list[int]) -> None:
    doc, layout, _ = _page()
    extra = Div(text="e")
    with pytest.raises(RuntimeError), graph_frozen(doc):
        layout.children = [*layout.children, extra]
        raise RuntimeError("boom")
    assert "invalidate" not in vars(doc.models) and extra.document is doc


def test_plain_help__a_widgets_doc_is_its_help_icons_text_without_tooltip_models() -> None:
    import panel as pn
    import param
    from bokeh.models import Tooltip

    from explorer.dashboard.style import Select

    class Choice(param.Parameterized):
        colour = param.Selector(default="red", objects=["red", "blue"], doc="Colour of the *samples*")

    choice = Choice()
    plain = Select.from_param(choice.param.colour).get_root()
    assert plain.description == "Colour of the *samples*"  # the text as written: BokehJS shows it as the title
    assert not any(isinstance(m, Tooltip) for m in plain.references())
    panels = pn.widgets.Select.from_param(choice.param.colour).get_root()  # what Panel does otherwise
    assert isinstance(panels.description, Tooltip)
    choice.colour = "blue"  # an update still sends the value only, and leaves the help as it was
    assert plain.value == "blue" and plain.description == "Colour of the *samples*"
