"""Unit checks of the rules the audit states: connectivity, adjacency, axes, the authors' bins, negation."""

from __future__ import annotations

import numpy as np

from explorer.audit.chatearthnet_captions import LandCoverFacts, authors_bin, exact_bin
from explorer.audit.chatearthnet_captions import check_caption as check_chatearthnet
from explorer.audit.corine_map import CorineMap, box_iou
from explorer.audit.mentions import read_caption
from explorer.audit.prompt_rules import check_caption
from explorer.audit.verdicts import AGREE, DISPUTE, NOT_EVALUABLE, VerdictRows
from explorer.legends import CORINE19

ARABLE, PASTURES = 211, 231  # CLC codes of "Arable land" and "Pastures"


def _map(pattern: list[str]) -> CorineMap:
    codes = {".": 999, "a": ARABLE, "p": PASTURES}
    return CorineMap(np.array([[codes[c] for c in line] for line in pattern], dtype=np.uint16))


def test_corine_map__diagonal_touch_splits_regions_only_under_4_connectivity() -> None:
    cmap = _map(["a..", ".a.", "..p"])
    arable = CORINE19.names.index("Arable land")
    assert cmap.n_regions(arable, 8) == 1
    assert cmap.n_regions(arable, 4) == 2


def test_corine_map__corner_contact_is_adjacency_only_for_8_neighbours() -> None:
    cmap = _map(["a..", ".p.", "..."])
    pair = tuple(sorted((CORINE19.names.index("Arable land"), CORINE19.names.index("Pastures"))))
    assert pair not in cmap.adjacent(4)
    assert pair in cmap.adjacent(8)


def test_corine_map__direction_follows_the_axes_variant() -> None:
    cmap = _map(["a..", "...", "..p"])
    a, p = CORINE19.names.index("Arable land"), CORINE19.names.index("Pastures")
    cmap2 = _map(["....", "a..p", "...."])
    assert cmap2.direction(p, a, (1, 1)) == "east"
    assert cmap2.direction(p, a, (-1, 1)) == "west"
    assert cmap.direction(a, p, (1, 1)) in ("north", "west")


def test_box_iou__identical_disjoint_and_half() -> None:
    assert box_iou((0, 0, 1, 1), (0, 0, 1, 1)) == 1.0
    assert box_iou((0, 0, 0.5, 0.5), (0.5, 0.5, 1, 1)) == 0.0
    assert abs(box_iou((0, 0, 1, 1), (0, 0, 1, 0.5)) - 0.5) < 1e-9


def test_authors_bin__keeps_the_released_rounding() -> None:
    # int(round(0.097, 2) * 100) == 10: "small" in the authors' script, "extra small" by the exact percentage
    assert authors_bin(0.097) == "small" and exact_bin(0.097) == "extra small"
    assert authors_bin(0.5) == exact_bin(0.5) == "large"
    assert authors_bin(0.85) == "extra large"


def test_read_caption__negation_regions_and_proportions() -> None:
    reading = read_caption(
        "In the top left of the image, there is a medium portion of forest, and a small part of farmland. "
        "There is no water here."
    )
    found = [(m.cls, m.region, m.size) for m in reading.mentions]
    assert found == [("tree", "top left", "medium"), ("crop", "top left", "small")]
    assert [n[0] for n in reading.negated] == ["water"]


def test_read_caption__two_regions_in_one_clause_take_the_nearest() -> None:
    reading = read_caption("The tree in the top left contrasts with the crop in the bottom right.")
    assert [(m.cls, m.region) for m in reading.mentions] == [("tree", "top left"), ("crop", "bottom right")]


def test_read_caption__compass_corner_and_center_phrasings_name_the_prompt_regions() -> None:
    cases = {
        "In the north-eastern part, there is a large portion of tree.": ("tree", "top right"),
        "The south-west holds water.": ("water", "bottom left"),
        "The upper left corner holds some crop.": ("crop", "top left"),
        "In the lower-right corner, there is grass.": ("grass", "bottom right"),
        "Water lies in the center of the image.": ("water", "middle"),
        "The northern part has tree.": ("tree", None),  # a half is no region of the prompt: not checked
        "Along the edge there is crop.": ("crop", None),
    }
    for text, expected in cases.items():
        (mention,) = read_caption(text).mentions
        assert (mention.cls, mention.region) == expected, text


def test_read_caption__percentages_belong_to_the_class_before_them_and_its_region() -> None:
    reading = read_caption(
        "The image captures a rural area; tree is the dominant land cover, covering roughly 62 % of it. "
        "In the upper left, crop covers 12.5 percent. Water makes up 3% of the scene, not 30."
    )
    assert [(p.cls, p.region, p.value) for p in reading.percents] == [
        ("tree", None, 62.0),
        ("crop", "top left", 12.5),
        ("water", None, 3.0),
    ]


def test_percent_share__checked_against_the_map_within_the_stated_tolerance() -> None:
    index = np.zeros((16, 16), dtype=np.uint8)
    tree, water = 3, 1  # ChatEarthNet indices (1-based): water 1, developed area 2, tree 3
    index[:8, :8] = tree  # 25 % of the image, 100 % of the top left
    index[8:, 8:12] = water  # 12.5 % of the image
    text = "Tree covers about 27 % of the scene. In the top left, tree covers 60 %. Water is 30 % of the image."
    out = VerdictRows()
    check_chatearthnet({"ann_id": 1}, read_caption(text), LandCoverFacts(index), out)
    rows = out.table().to_pandas()
    rows = rows[(rows["rule"] == "percent-share") & rows["primary"]]
    verdicts = {text[s:e]: v for s, e, v in zip(rows["span_start"], rows["span_end"], rows["verdict"], strict=True)}
    assert verdicts == {"27 %": AGREE, "60 %": DISPUTE, "30 %": DISPUTE}
    assert "25.0 % of all pixels" in rows["from_map"].iloc[0]
    out = VerdictRows()
    check_chatearthnet({"ann_id": 1}, read_caption(text), None, out)  # no map: never agreement
    assert set(out.table().to_pandas()["verdict"]) == {NOT_EVALUABLE}


def test_prompt_rules__banned_and_cross_image_spans() -> None:
    text = "Similarly, the fourth image shows trees that possibly grow."
    out = VerdictRows()
    check_caption({"kind": "caption", "source": "chatgpt-3.5", "output": text, "ann_id": 1}, out)
    table = out.table().to_pandas()
    disputes = table[table["verdict"] == DISPUTE]
    spans = {text[s:e] for s, e in zip(disputes["span_start"], disputes["span_end"], strict=True)}
    assert spans == {"Similarly,", "the fourth image", "possibly"}


def test_prompt_rules__template_captions_are_not_checked() -> None:
    out = VerdictRows()
    check_caption({"kind": "caption", "source": "template", "output": "It possibly rains.", "ann_id": 1}, out)
    assert len(out) == 0


def test_question__cut_before_the_first_option_as_the_option_pattern_finds_it() -> None:
    import random
    import re

    from explorer.audit.vqa import _question

    pattern = re.compile(r"\b[a-d]\)")

    def by_pattern(text: str) -> str:
        match = pattern.search(text)
        return text[: match.start()] if match else text

    texts = ["How many regions? a) 4, b) 1", ")a) y", "xa) b) c", "_a) d)", "(a) or b)?", "éa) c) d", "no"]
    rng = random.Random(3)
    texts += ["".join(rng.choice("abcde )_x1é(٣") for _ in range(rng.randint(0, 12))) for _ in range(20000)]
    assert [_question.__wrapped__(t) for t in texts] == [by_pattern(t) for t in texts]


def test_bigearthnet_caption__most_prominent_found_in_any_case_and_only_where_stated() -> None:
    from explorer.audit.bigearthnet_captions import check_caption as check_bigearthnet

    codes = np.full((10, 10), 211, dtype=np.uint16)  # arable land
    codes[:2] = 311  # broad-leaved forest, less of it
    cmap = CorineMap(codes)
    texts = {
        "Arable land (~8,000 sqm) is the most prominent feature. Forest borders it.": AGREE,
        "Broad-leaved forest IS THE DOMINANT class here.": DISPUTE,
        "Broad-leaved forest is the MOST PROMINENT feature.": DISPUTE,
        "Arable land dominates. Broad-leaved forest is near.": None,  # no claim stated
    }
    for text, expected in texts.items():
        out = VerdictRows()
        check_bigearthnet({"kind": "caption", "output": text, "sample_id": "s"}, cmap, {}, out)
        rows = [r for r in out.table().to_pylist() if r["rule"] == "caption-most-prominent"]
        assert [r["verdict"] for r in rows] == ([expected] if expected else []), text


def test_find_classes_same_matches_whatever_the_case() -> None:
    """ASCII texts are searched lower-cased with a case-sensitive pattern: same classes, same offsets as the
    case-blind search (non-ASCII texts keep it)."""
    from explorer.audit.corine_text import _class_of, _class_pattern, find_classes

    lookup = _class_of()
    texts = [
        "PASTURES east of Urban fabric; pastures again, not pasturesque.",
        "Arable land near Coniferous forest and MARINE WATERS",
        "Ärable land? Pastures — inland wetlands, Inland waters",
        "no class here",
    ]
    for text in texts:
        case_blind = tuple(
            (lookup[m.group(0).lower()], m.start(), m.end()) for m in _class_pattern().finditer(text)
        )
        assert find_classes(text) == case_blind
    assert [c for c, _, _ in find_classes(texts[0])] == [
        lookup["pastures"],
        lookup["urban fabric"],
        lookup["pastures"],
    ]


def test_find_classes_names_a_class_whose_match_lowers_to_another_length() -> None:
    """The text "İnland waters" matches case-blind but lowers to "i̇nland waters" (a combining dot): the class
    comes from the alternative that matched, so such a caption is read, not a KeyError that fails its task."""
    from explorer.audit.corine_text import _class_of, find_classes

    text = "A lake: İnland waters beside Pastures."
    found = find_classes(text)
    assert [c for c, _, _ in found] == [_class_of()["inland waters"], _class_of()["pastures"]]
    assert text[found[0][1] : found[0][2]] == "İnland waters"
