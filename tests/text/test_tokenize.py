"""The one tokenisation rule: unit cases, and agreement with spaCy on the real caption files."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from explorer.text import tokenize


def _tokens(text: str) -> list[str]:
    return tokenize.tokens([text])[0].as_py()


def test_tokens__lower_case_and_punctuation_dropped() -> None:
    assert _tokens("There is a piece of Farmland .") == ["there", "is", "a", "piece", "of", "farmland"]
    assert _tokens('The "cold, no dry season" zone; (see: above)!') == [
        "the", "cold", "no", "dry", "season", "zone", "see", "above",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.5 km", ["3.5", "km"]),  # decimal point kept
        ("~708,000 sqm", ["708,000", "sqm"]),  # thousands comma kept, ~ dropped
        ("1.2.3", ["1.2.3"]),  # overlapping connectors
        ("o'clock rock'n'roll", ["o'clock", "rock'n'roll"]),  # apostrophe between letters kept
        ("covid-19", ["covid-19"]),  # hyphen letter-digit kept
        ("north-east top-left", ["north", "east", "top", "left"]),  # hyphen between words splits (spaCy)
        ("1-2", ["1", "2"]),
        ("it's a dog's life", ["it", "'s", "a", "dog", "'s", "life"]),  # clitics as spaCy
        ("don't can't", ["do", "n't", "ca", "n't"]),
        ("30% or 30 %", ["30", "or", "30"]),
        ("end. Next", ["end", "next"]),
        ("Tabs\tand\nnew lines", ["tabs", "and", "new", "lines"]),
        ("Ünïcödé Straße", ["ünïcödé", "straße"]),
    ],
)
def test_tokens__connectors_kept_as_spacy_does(text: str, expected: list[str]) -> None:
    assert _tokens(text) == expected


def test_tokens__null_and_empty_give_empty_lists() -> None:
    result = tokenize.tokens(pa.array([None, "", "  ...  ", "a"]))
    assert result.to_pylist() == [[], [], [], ["a"]]


def test_word_counts__equal_token_list_lengths() -> None:
    texts = ["It's 3.5 km north-east.", None, "", "a b  c", "Beaches, dunes, sands (~708,000 sqm)."]
    counts = tokenize.word_counts(texts)
    assert counts.tolist() == [len(t) for t in tokenize.tokens(texts).to_pylist()]
    assert counts.tolist() == [6, 0, 0, 3, 5]


def test_sentence_counts__decimals_and_abbreviations_do_not_split() -> None:
    texts = ["One. Two! Three?", "Area is 3.5 km. Done", "no stop", "", None, "...", "e.g.x is one."]
    assert tokenize.sentence_counts(texts).tolist() == [3, 2, 1, 0, 0, 0, 1]


def test_char_counts__code_points() -> None:
    assert tokenize.char_counts(["abc", "é", None]).tolist() == [3, 1, 0]


def test_token_counts__most_frequent_first() -> None:
    frame = tokenize.token_counts(["The water, the tree.", "Water!"])
    assert frame["count"].tolist() == [2, 2, 1]  # ties broken alphabetically
    assert frame["token"].tolist() == ["the", "water", "tree"]
    assert dict(zip(frame["token"], frame["count"], strict=True)) == {"the": 2, "water": 2, "tree": 1}


def test_tokens__accepts_pandas_numpy_and_chunked() -> None:
    expected = [["a", "b"], []]
    assert tokenize.tokens(pd.Series(["A b", None])).to_pylist() == expected
    assert tokenize.tokens(np.array(["A b", ""], dtype=object)).to_pylist() == expected
    assert tokenize.tokens(pa.chunked_array([["A b"], [None]])).to_pylist() == expected


def test_clean__threaded_slices_give_the_same_text() -> None:
    texts = [f"Text {i}: north-east of 3.5 km, it's x." for i in range(250_000)]
    single = tokenize.clean(texts, threads=1)
    threaded = tokenize.clean(texts, threads=2)
    assert single.equals(threaded)


def _real_captions(root: Path) -> dict[str, list[str]]:
    """The raw sentences of the three real caption files, parsed directly (no dependency on the readers)."""
    ucm = json.loads((root / "captions/ucm/dataset.json").read_text(encoding="utf-8"))
    sydney = (root / "captions/sydney/descriptions_SIDNEY.txt").read_text(encoding="utf-8").splitlines()
    rsicd = json.loads((root / "captions/rsicd/captions_val2017.json").read_text(encoding="utf-8"))
    return {
        "ucm": [s["raw"] for image in ucm["images"] for s in image["sentences"]],
        "sydney": [line.split(" ", 1)[1] for line in sydney if line.strip()],
        "rsicd": [a["caption"] for a in rsicd["annotations"]],
    }


def test_tokens__agree_with_spacy_on_real_captions(shared_fixtures: Path) -> None:
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    for name, texts in _real_captions(shared_fixtures).items():
        ours = tokenize.tokens(texts).to_pylist()
        total = agreed = 0
        for doc, mine in zip(nlp.pipe(texts), ours, strict=True):
            reference = collections.Counter(t.lower_ for t in doc if not (t.is_punct or t.is_space))
            total += sum(reference.values())
            agreed += sum((reference & collections.Counter(mine)).values())
        agreement = agreed / total
        print(f"{name}: {len(texts)} captions, {total} spaCy tokens, agreement {agreement:.4%}")
        assert agreement >= 0.99, f"{name}: only {agreement:.2%} of spaCy's tokens agree"
