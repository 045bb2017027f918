"""Spatial terms: pattern files, the spaCy span_ruler, colours, and the vectorised matcher agreeing with it."""

from __future__ import annotations

import collections
import json

import pytest

from explorer.legends import CHATEARTHNET, CORINE19, WORLDCOVER
from explorer.text import spatial, tokenize
from tests.data import annotations as fake

CHATEARTHNET_CAPTION = (
    "In the top left, there is an extra large portion of water bodies next to trees. The bottom-right corner "
    "holds a small fraction of developed area, surrounded by grass."
)
BIGEARTHNET_CAPTION = (
    "This satellite image, captured in Austria during summer, depicts a diverse landscape. Arable land "
    "(~708,000 sqm) is the most prominent feature, covering 30% of the north-eastern part."
)


def _terms(text: str) -> list[tuple[str, str, str]]:
    return [(text[t.start : t.end], t.kind, t.label) for t in spatial.find_spatial_terms(text)]


def test_load_patterns__one_file_per_kind() -> None:
    files = sorted(p.name for p in spatial.PATTERN_DIR.glob("*.jsonl"))
    assert files == ["class.jsonl", "position.jsonl", "relation.jsonl", "size.jsonl"]
    kinds = collections.Counter(p["label"] for p in spatial.load_patterns())
    assert set(kinds) == set(spatial.KINDS) and min(kinds.values()) > 10


def test_load_patterns__no_phrase_claimed_twice() -> None:
    phrases = [p["pattern"].lower() for p in spatial.load_patterns() if isinstance(p["pattern"], str)]
    duplicated = [p for p, n in collections.Counter(phrases).items() if n > 1]
    assert duplicated == []


def test_load_patterns__every_class_of_every_legend() -> None:
    named = {p["id"] for p in spatial.load_patterns() if p["label"] == "CLASS"}
    for prefix, legend in (("chatearthnet", CHATEARTHNET), ("corine", CORINE19)):
        assert {f"{prefix}:{n}" for n in legend.names} <= named
    worldcover = {
        f"worldcover:{n}" for n in WORLDCOVER.names if n != "Mangroves"
    }  # same phrase as ChatEarthNet's
    assert worldcover <= named


def test_nlp__one_span_ruler_named_spatial_terms() -> None:
    pipeline = spatial.nlp()
    assert pipeline.pipe_names == ["spatial_terms"]
    assert pipeline.get_pipe("spatial_terms").__class__.__name__ == "SpanRuler"
    assert spatial.nlp() is pipeline  # cached


def test_find_spatial_terms__chatearthnet_caption() -> None:
    assert _terms(CHATEARTHNET_CAPTION) == [
        ("top left", "POSITION", "top left"),
        ("extra large portion", "SIZE", "extra large"),
        ("water bodies", "CLASS", "water"),
        ("next to", "RELATION", "next to"),
        ("trees", "CLASS", "tree"),
        ("bottom-right", "POSITION", "bottom right"),
        ("corner", "POSITION", "corner"),
        ("small fraction", "SIZE", "small"),
        ("developed area", "CLASS", "developed area"),
        ("surrounded by", "RELATION", "surrounded by"),
        ("grass", "CLASS", "grass"),
    ]


def test_find_spatial_terms__bigearthnet_caption_areas_and_percentages() -> None:
    found = _terms(BIGEARTHNET_CAPTION)
    assert ("Arable land", "CLASS", "Arable land") in found
    assert ("~708,000 sqm", "SIZE", "area") in found
    assert ("most prominent", "SIZE", "most prominent") in found
    assert ("30%", "SIZE", "percentage") in found
    assert ("north-eastern", "POSITION", "north-east") in found


def test_find_spatial_terms__longest_span_wins() -> None:
    found = _terms("an extra large portion of water bodies and a large part of water")
    assert [f[0] for f in found] == ["extra large portion", "water bodies", "large part", "water"]


def test_find_spatial_terms__empty_and_none() -> None:
    assert spatial.find_spatial_terms("") == [] and spatial.find_spatial_terms(None) == []


def test_find_spatial_terms_batch__same_as_one_by_one() -> None:
    texts = [CHATEARTHNET_CAPTION, None, BIGEARTHNET_CAPTION]
    assert spatial.find_spatial_terms_batch(texts) == [spatial.find_spatial_terms(t) for t in texts]


def test_nlp__word_patterns_as_phrases_find_what_the_token_patterns_find() -> None:
    # nlp() gives the ruler the word-only token patterns as phrases (faster); the spans must be those of the
    # patterns as written, hyphens, optional words, case and the numeric patterns (kept as tokens) included.
    as_written = spatial.span_ruler_pipeline(
        spatial.COMPONENT, list(spatial.load_patterns()), split_markup=True, validate=True
    )
    ruler = spatial.nlp().get_pipe(spatial.COMPONENT)
    assert len(ruler.phrase_matcher) > len(as_written.get_pipe(spatial.COMPONENT).phrase_matcher)
    texts = [
        CHATEARTHNET_CAPTION,
        BIGEARTHNET_CAPTION,
        "Top-left, TOP LEFT and top - left; the north-eastern corner, to the left of the river.",
        "An extra-large portion of water bodies; a small part of crops</ref>; ~708,000 sqm; 30% and 12 percent.",
        "Top–left (en dash), topleft, upper   left, 3 square kilometres, Extra Large Proportion.",
        *(t for t in fake.annotations(fake.samples(5)).column("output").to_pylist() if t),
        *(t for t in fake.annotations(fake.samples(5)).column("input").to_pylist() if t),
    ]
    for text in texts:
        assert spatial.find_spatial_terms(text) == spatial._terms_of(as_written(text)), text


@pytest.mark.parametrize(
    ("text", "color"),
    [
        ("tree", "#00c000"),  # ChatEarthNet label
        ("Forests", "#00c000"),  # synonym -> ChatEarthNet tree
        ("Arable land", "#ffffa8"),  # CORINE-19
        ("arable  LAND", "#ffffa8"),
        ("Tree cover", "#006400"),  # WorldCover
        ("broad-leaved forest", "#80ff00"),
        ("spaceship", None),
    ],
)
def test_class_color__legend_colour_of_mentions_and_labels(text: str, color: str | None) -> None:
    assert spatial.class_color(text) == color


def test_class_colors__every_class_label_has_its_legend_colour() -> None:
    for term in spatial.find_spatial_terms("water, Urban fabric, Built-up, mangroves, Coniferous forest"):
        assert term.kind == "CLASS"
        assert spatial.class_color(term.label) is not None


def test_regex_term_counts__areas_and_percentages() -> None:
    counts = spatial.regex_term_counts(["(~708,000 sqm) and 12 ha", "30% and 4.5 percent", None])
    assert counts["area"].tolist() == [2, 0, 0]
    assert counts["percentage"].tolist() == [0, 2, 0]


def test_match_terms__agrees_with_the_spacy_pipeline() -> None:
    """The vectorised matcher (statistics) and spaCy (highlighting) find the same terms in the same texts."""
    table = fake.annotations(fake.samples(n_per_dataset=8))
    texts = [t for t in table.column("output").to_pylist() if t and not t.startswith("[")][:120]
    texts += [t for t in table.column("input").to_pylist() if t][:120]
    texts += [CHATEARTHNET_CAPTION, BIGEARTHNET_CAPTION]
    matches = spatial.match_terms(tokenize.tokens(texts))
    numeric = spatial.regex_term_counts(texts)
    for row, text in enumerate(texts):
        ours = collections.Counter(
            zip(
                matches.loc[matches["row"] == row, "kind"],
                matches.loc[matches["row"] == row, "label"],
                strict=True,
            )
        )
        for label, counts in numeric.items():
            ours[("SIZE", label)] += int(counts[row])
        reference = collections.Counter((t.kind, t.label) for t in spatial.find_spatial_terms(text))
        assert ours == reference, text


def test_term_table__phrases_in_token_space() -> None:
    table = spatial.term_table()
    row = table[table["phrase"] == "north east"].iloc[0]
    assert (row["kind"], row["label"], row["n"]) == ("POSITION", "north-east", 2)
    assert json.dumps(sorted(set(table["kind"]))) == json.dumps(sorted(spatial.KINDS))


def test_find_spatial_terms__a_repeated_text_runs_the_pipeline_once_and_callers_get_their_own_list() -> None:
    text = "A large forest in the north-east of the image, next to a small lake."
    spatial._spatial_terms_of.cache_clear()
    first = spatial.find_spatial_terms(text)
    first.clear()  # a caller's list is its own
    second = spatial.find_spatial_terms(text)
    assert second and spatial._spatial_terms_of.cache_info().hits == 1
    assert second == list(spatial._terms_of(spatial.nlp()(text)))
