"""Explore: the map of the matching samples, the open sample's text beside it and its images below."""

from __future__ import annotations

from typing import Any

import panel as pn

from .base import View
from .image_views import ImagePanel
from .map_view import MapView
from .sample_view import SampleHeader
from .text_view import TextView

SIDE_WIDTH = 480
SIDE_HEIGHT = 560


class ExploreView(View):
    """Map, sample and text, image viewers (the page the explorer started as)."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.map = MapView(state=self.state)
        self.header = SampleHeader(state=self.state)
        self.images = ImagePanel(state=self.state)
        self.text = TextView(state=self.state)
        self.side = pn.Column(
            self.header,
            self.text,
            width=SIDE_WIDTH,
            height=SIDE_HEIGHT,
            scroll=True,
            css_classes=["eo-side"],
        )
        self._layout = pn.Column(
            pn.Row(self.map, self.side, sizing_mode="stretch_width"),
            self.images,  # the open sample's images right under the map and its text
            sizing_mode="stretch_width",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
