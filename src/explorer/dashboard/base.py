"""The base of every dashboard view: a Panel ``Viewer`` that declares the session's store as a parameter.

As in Panel's "Structure with a DataStore" and Lumen's views: the store (``ExplorerState``, a
``param.Parameterized`` without widgets) holds the data and the filters; a view holds a reference to it and no
data of its own, reads it, and writes back only what the user chose. A new view derives from ``View``::

    class MyView(View):
        def __panel__(self):
            return pn.pane.Markdown(pn.bind(lambda n: f"{n:,} samples", self.state.param.count))

    MyView(state)  # or MyView(state=state)
"""

from __future__ import annotations

from typing import Any

import panel as pn
import param

from .state import ExplorerState

__all__ = ["View"]


class View(pn.viewable.Viewer):
    """A dashboard view reading one session's store."""

    state: ExplorerState = param.ClassSelector(  # type: ignore[assignment]
        class_=ExplorerState,
        constant=True,
        doc="The session's store: the opened catalogs, the filters and what they match, the open sample, the "
        "highlighted samples. Every view of a session shares it; a view keeps no data of its own.",
    )

    def __init__(self, state: ExplorerState | None = None, **params: Any) -> None:
        if state is not None:
            params["state"] = state
        if params.get("state") is None:
            raise TypeError(f"{type(self).__name__} needs the session's ExplorerState (state=...)")
        super().__init__(**params)
