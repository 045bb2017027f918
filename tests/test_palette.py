"""One colour per dataset name (the map, the statistics panels and the figures use it; see
tests/dashboard/test_stats_view.py for the same colour in all three)."""

from __future__ import annotations

from explorer import figures, palette


def test_dataset_color__stable_and_distinct() -> None:
    assert palette.dataset_color("ChatEarthNet-demo") == palette.dataset_color("chatearthnet")
    assert palette.dataset_color("my-new-set") == palette.dataset_color("my-new-set")
    known = {palette.dataset_color(n) for n in ("chatearthnet", "bigearthnet-txt", "ucm", "sydney", "rsicd")}
    assert len(known) == 5


def test_dataset_color__one_function_for_figures_and_the_dashboard() -> None:
    assert figures.dataset_color is palette.dataset_color
    assert palette.dataset_colors(["ucm", "x"]) == {
        "ucm": palette.dataset_color("ucm"),
        "x": palette.dataset_color("x"),
    }
