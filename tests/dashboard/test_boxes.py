"""Boxes of an annotation drawn on the image viewers, checked on the Bokeh models: every box of a 20-box FIT-RS
detection answer, each rotated by its angle, read back from a real catalog built from the seeded fixture."""

from __future__ import annotations

import numpy as np
import pytest
from bokeh.models import Patches

from explorer.catalog import build_catalog
from explorer.dashboard.image_views import OpticalView, box_data
from explorer.dashboard.state import NO_REFEXP, ExplorerState
from tests.data import instructions as data


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> ExplorerState:
    root = data.make(tmp_path_factory.mktemp("boxes")) / "FIT-RS"
    catalog, _ = build_catalog(root, out=tmp_path_factory.mktemp("catalog") / "fitrs")
    state = ExplorerState([catalog])
    state.open_sample(catalog.name, "P0001__512__0___0")
    return state


def test_box_data__rotation_about_the_centre_in_the_y_down_image() -> None:
    square = box_data([(0.4, 0.4, 0.6, 0.6, None)])
    assert square["xs"] == [pytest.approx([0.4, 0.6, 0.6, 0.4])]
    assert square["ys"] == [pytest.approx([0.6, 0.6, 0.4, 0.4])]  # y flipped: image top is plot top
    turned = box_data([(0.4, 0.45, 0.6, 0.55, 90.0)])  # wide box turned upright
    assert sorted(turned["xs"][0]) == pytest.approx([0.45, 0.45, 0.55, 0.55])
    assert sorted(turned["ys"][0]) == pytest.approx([0.4, 0.4, 0.6, 0.6])
    assert box_data(None) == {"xs": [], "ys": []}


def test_optical_view__draws_all_twenty_rotated_boxes(state: ExplorerState) -> None:
    frame = state.annotations
    detection = frame[frame["category"] == "detection"].iloc[0]
    assert int(detection["ann_id"]) in state.param.refexp.objects.values()  # boxed answers are selectable
    view = OpticalView(state=state)
    assert view.box_source.data["xs"] == []
    state.refexp = int(detection["ann_id"])
    xs, ys = view.box_source.data["xs"], view.box_source.data["ys"]
    assert len(xs) == len(ys) == 20
    assert sum(isinstance(r.glyph, Patches) for r in view.figure.renderers) == 2  # halo + line
    expected = data.expected_fitrs_boxes()
    for corners_x, corners_y, (cx, cy, w, h, angle) in zip(xs, ys, expected, strict=True):
        assert np.mean(corners_x) == pytest.approx(cx / 100)
        assert np.mean(corners_y) == pytest.approx(1 - cy / 100)
        edge = np.hypot(corners_x[1] - corners_x[0], corners_y[1] - corners_y[0])
        side = np.hypot(corners_x[2] - corners_x[1], corners_y[2] - corners_y[1])
        assert (edge, side) == pytest.approx((w / 100, h / 100))
        if angle % 180:  # a rotated box is not axis-aligned
            assert corners_y[1] != pytest.approx(corners_y[0])
    state.refexp = NO_REFEXP
    assert view.box_source.data["xs"] == []
