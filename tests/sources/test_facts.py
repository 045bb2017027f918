import re
from pathlib import Path

import pytest

from explorer.sources.facts import FACTS, FIELDS, TABLE_A1, dataset_key, facts_for, facts_rows

TABLE_A1_KEYS = [
    "ucm",
    "sydney",
    "rsicd",
    "nwpu",
    "rsicap",
    "rs5m",
    "skyscript",
    "fitrs",
    "remoteclip",
    "chatearthnet",
]


def test_facts__every_table_a1_dataset_plus_geochat_and_bigearthnet_txt_with_sources() -> None:
    assert set(FACTS) == {*TABLE_A1_KEYS, "geochat", "bigearthnet-txt"}
    for key, facts in FACTS.items():
        assert set(facts) == set(FIELDS), key
        assert all(fact.source for fact in facts.values()), key
    rows = facts_rows()
    assert len(rows) == 12 and rows[0]["published_pairs_source"] == TABLE_A1


def test_facts__match_table_a1_of_the_review_response(shared_fixtures: Path) -> None:
    text = (shared_fixtures.parent / "seeds" / "chatearthnet-review-response.txt").read_text()
    start = text.index("Dataset\t#Image-text pairs")
    lines = text[start:].splitlines()[1:11]
    for key, line in zip(TABLE_A1_KEYS, lines, strict=True):
        title, pairs, granularity, generation, image_data, coverage = line.split("\t")
        facts = FACTS[key]
        assert facts["title"].value == title
        published = facts["published_pairs"].value
        assert (f"{published:,}" if isinstance(published, int) else published) == pairs
        assert (facts["granularity"].value, facts["generation"].value) == (granularity, generation)
        assert (facts["image_data"].value, facts["coverage"].value) == (image_data, coverage)


@pytest.mark.parametrize(
    ("name", "format", "key"),
    [
        ("UCM", "karpathy", "ucm"),
        ("sydney", "karpathy", "sydney"),
        ("RSICD (converted-rsicd)", "coco-captions", "rsicd"),
        ("anything", "skyscript", "skyscript"),
        ("GeoChat_Instruct", "llava", "geochat"),
        ("FIT-RS", "fitrs-bench", "fitrs"),
        ("my captions", "karpathy", None),
    ],
)
def test_dataset_key__format_first_then_name(name: str, format: str, key: str | None) -> None:
    assert dataset_key(name, format) == key
    assert (facts_for(name, format) != {}) == (key is not None)


def test_facts__ucm_and_sydney_published_counts() -> None:
    assert (
        FACTS["ucm"]["published_pairs"].value == 10_500 and FACTS["sydney"]["published_pairs"].value == 3_065
    )
    assert re.search(r"Table A1", FACTS["ucm"]["published_pairs"].source)
