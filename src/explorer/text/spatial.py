"""Spatial language in captions: positions, relations, sizes/proportions and land-cover class mentions.

Two ways to find the same terms, both driven by the pattern files in ``patterns/*.jsonl`` (one per kind, spaCy
``span_ruler`` format, kept as data so that a researcher can add a synonym without touching code):

* ``find_spatial_terms`` / ``find_spatial_terms_batch``: a rule-based spaCy pipeline (``spacy.blank("en")``
  plus one ``span_ruler`` named ``"spatial_terms"``) giving character offsets, for highlighting one caption;
* ``match_terms`` / ``regex_term_counts``: the same patterns expanded to token sequences of
  ``explorer.text.tokenize`` and matched with NumPy over millions of tokens, for statistics.

Overlapping matches are resolved the same way in both: the longest span wins ("extra large portion" over
"large portion", "water bodies" over "water").

Labels: a POSITION/RELATION/SIZE term carries a canonical label ("north-east" for "northeastern"); a CLASS
term carries the class name of the legend it comes from (``explorer.legends``), so it can be coloured.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..legends import CHATEARTHNET, CORINE19, WORLDCOVER, Legend
from . import tokenize

PATTERN_DIR = Path(__file__).parent / "patterns"
COMPONENT = "spatial_terms"
KINDS = ("POSITION", "RELATION", "SIZE", "CLASS")
# Prefix of a CLASS pattern id -> the legend that defines its name and colour.
CLASS_LEGENDS: dict[str, Legend] = {
    "chatearthnet": CHATEARTHNET,
    "worldcover": WORLDCOVER,
    "corine": CORINE19,
}

# SIZE terms built on numbers, which the token matcher cannot expand: counted with regexes on lower-cased
# text.
NUMERIC_SIZE_REGEX = {
    "area": r"\d[\d,.]*\s?(?:sqm|m2|m²|km2|km²|ha|hectares?|acres|square (?:met|kilomet)(?:er|re)s?)"
    r"(?:\P{L}|$)",
    "percentage": r"\d+(?:\.\d+)?\s?(?:%|percent(?:\P{L}|$))",
}


class Term(NamedTuple):
    start: int  # character offsets into the text, end exclusive
    end: int
    kind: str  # one of KINDS
    label: str  # canonical term, or the class name for CLASS


# --- patterns ---------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def load_patterns() -> tuple[dict[str, Any], ...]:
    """Every pattern of every kind, as spaCy span_ruler dicts (``label``, ``pattern``, ``id``)."""
    patterns: list[dict[str, Any]] = []
    for kind in KINDS:
        path = PATTERN_DIR / f"{kind.lower()}.jsonl"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                pattern = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: expected one JSON pattern per line ({exc})") from exc
            if pattern.get("label") != kind or "pattern" not in pattern or "id" not in pattern:
                raise ValueError(f"{path}:{number}: expected label {kind!r}, a pattern and an id")
            patterns.append(pattern)
    return tuple(patterns)


def _label(pattern_id: str) -> str:
    """Pattern id -> label: CLASS ids are "<legend>:<class name>", the others are the label itself."""
    return pattern_id.split(":", 1)[1] if ":" in pattern_id else pattern_id


@lru_cache(maxsize=1)
def _class_index() -> tuple[dict[str, str], dict[str, str]]:
    """(class label -> colour, lower-cased phrase or label -> class label)."""
    colors: dict[str, str] = {}
    phrases: dict[str, str] = {}
    for pattern in load_patterns():
        if pattern["label"] != "CLASS":
            continue
        prefix, name = pattern["id"].split(":", 1)
        color = CLASS_LEGENDS[prefix].color_of(name)
        if color is None:
            raise ValueError(f"class pattern id {pattern['id']!r} names no class of legend {prefix!r}")
        colors[name] = color
        phrases[name.lower()] = name
        if isinstance(pattern["pattern"], str):
            phrases[pattern["pattern"].lower()] = name
    return colors, phrases


def class_label(text: str) -> str | None:
    """The class a mention (``"forests"``) or label (``"tree"``) refers to, or None."""
    colors, phrases = _class_index()
    if text in colors:
        return text
    return phrases.get(" ".join(text.lower().split()))


def class_color(text: str) -> str | None:
    """Legend colour ``"#rrggbb"`` of a class mention or label; None when it names no class."""
    label = class_label(text)
    return _class_index()[0][label] if label else None


# --- spaCy pipeline (character offsets, one text at a time) -----------------------------------------------
def span_ruler_pipeline(
    component: str,
    patterns: list[dict[str, Any]],
    *,
    sentences: bool = False,
    split_markup: bool = False,
    validate: bool = False,
) -> Any:
    """A blank English pipeline with one case-insensitive span_ruler named ``component`` (first longest span
    wins): the one builder for the spatial terms and the audit's mentions. ``sentences`` adds a sentencizer;
    ``split_markup`` splits BigEarthNet.txt's markup off like punctuation; ``validate`` checks the patterns."""
    import spacy  # imported here: spaCy takes a second to import and most statistics never need it
    from spacy.util import compile_infix_regex

    pipeline: Any = spacy.blank("en")
    if split_markup:
        # BigEarthNet.txt wraps phrases in markup ("<ref>...</ref>", "<point>"): split it off like punctuation,
        # so that "crops</ref>" still yields "crops" (the project's tokenisation rule does the same).
        infixes = [*list(pipeline.Defaults.infixes or []), r"</?|/?>"]
        pipeline.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    if sentences:
        pipeline.add_pipe("sentencizer")
    config: dict[str, Any] = {
        "spans_key": component,
        "phrase_matcher_attr": "LOWER",
        "spans_filter": {"@misc": "spacy.first_longest_spans_filter.v1"},
    }
    if validate:
        config["validate"] = True
    ruler: Any = pipeline.add_pipe("span_ruler", name=component, config=config)
    ruler.add_patterns(patterns)
    return pipeline


@lru_cache(maxsize=1)
def nlp() -> Any:
    """The cached pipeline: a blank English tokenizer and one span_ruler named ``spatial_terms``.

    Token patterns made only of words, word alternatives (``IN``) and optional punctuation (``"-"``) are given
    to the ruler as the phrases they match: spaCy's token Matcher tries every token pattern at every token
    (~1 ms per 800-character caption with 32 of them, most of a caption's highlighting), its PhraseMatcher
    looks phrases up (~0.03 ms). Same spans: the phrases are matched on the same ``LOWER`` attribute."""
    pipeline = span_ruler_pipeline(COMPONENT, [], split_markup=True, validate=True)
    patterns: list[dict[str, Any]] = []
    for pattern in load_patterns():
        phrases = _as_phrases(pattern["pattern"], pipeline)
        if phrases is None:
            patterns.append(pattern)
        else:
            patterns.extend({**pattern, "pattern": phrase} for phrase in phrases)
    pipeline.get_pipe(COMPONENT).add_patterns(patterns)
    return pipeline


def _as_phrases(pattern: Any, pipeline: Any) -> list[str] | None:
    """The phrases a token pattern matches, each word one token of ``pipeline``'s tokenizer (so the phrase
    matches exactly the token sequences the pattern does); None when it has other conditions (numbers,
    regular expressions, case-sensitive letters) or a word the tokenizer would split."""
    if isinstance(pattern, str):
        return [pattern]
    options: list[list[str | None]] = []
    for token in pattern:
        if set(token) - {"LOWER", "ORTH", "OP"} or len(token) - ("OP" in token) != 1:
            return None
        value = token.get("LOWER", token.get("ORTH"))
        words = [value] if isinstance(value, str) else value.get("IN") if isinstance(value, dict) else None
        if not isinstance(words, list) or set(value if isinstance(value, dict) else {}) - {"IN"}:
            return None
        if "ORTH" in token and any(w.lower() != w.upper() for w in words):
            return None  # ORTH is case-sensitive, the phrases are matched lower-cased
        if any(not isinstance(w, str) or len(pipeline.make_doc(w)) != 1 or w != w.lower() for w in words):
            return None
        op = token.get("OP")
        if op not in (None, "?"):
            return None
        options.append([*words, None] if op == "?" else list(words))
    phrases = {" ".join(w for w in combo if w) for combo in itertools.product(*options)}
    return sorted(p for p in phrases if p)


def _terms_of(doc: Any) -> list[Term]:
    spans = sorted(doc.spans[COMPONENT], key=lambda s: (s.start_char, -s.end_char))
    return [Term(s.start_char, s.end_char, s.label_, _label(s.id_)) for s in spans]


def find_spatial_terms(text: str | None) -> list[Term]:
    """Spatial terms and class mentions in one text, in reading order, non-overlapping."""
    if not text:
        return []
    return list(_spatial_terms_of(text))


# Texts repeat (BigEarthNet.txt's 9.55 M rows come from templates) and every session of a server that opens a
# sample highlights its texts: each distinct recent text goes through the spaCy pipeline once per process
# (~0.2-1 ms each, a dozen texts per sample) instead of once per session and opening.
TERMS_CACHED = 8192


@lru_cache(maxsize=TERMS_CACHED)
def _spatial_terms_of(text: str) -> tuple[Term, ...]:
    return tuple(_terms_of(nlp()(text)))


def find_spatial_terms_batch(texts: Iterable[str | None], batch_size: int = 512) -> list[list[Term]]:
    """``find_spatial_terms`` for many texts through ``nlp.pipe`` (null texts give empty lists)."""
    materialised = ["" if t is None else str(t) for t in texts]
    return [_terms_of(doc) for doc in nlp().pipe(materialised, batch_size=batch_size)]


# --- vectorised matcher (token sequences, millions of texts) ------------------------------------------------
def _strings_in(pattern: Any) -> list[str]:
    if isinstance(pattern, str):
        return [pattern]
    words: list[str] = []
    for token in pattern:
        value = token.get("LOWER", token.get("ORTH"))
        words.extend(
            [value] if isinstance(value, str) else value.get("IN", []) if isinstance(value, dict) else []
        )
    return words


def _expand(pattern: Any, split: dict[str, tuple[str, ...]]) -> list[tuple[str, ...]] | None:
    """Token sequences (under the project's tokenisation rule) a pattern matches; None if not expandable.

    ``split`` maps every string of the pattern to its tokens.
    """
    if isinstance(pattern, str):
        return [split[pattern]]
    options: list[list[str | None]] = []
    for token in pattern:
        value = token.get("LOWER", token.get("ORTH"))
        if isinstance(value, str):
            words = [value]
        elif isinstance(value, dict) and "IN" in value:
            words = list(value["IN"])
        else:
            return None  # LIKE_NUM, REGEX: numeric SIZE patterns, see NUMERIC_SIZE_REGEX
        # a word may be punctuation (dropped by the tokenizer, so it matches nothing) or several tokens
        expanded: list[str | None] = [" ".join(split[w]) or None for w in words]
        if token.get("OP") == "?":
            expanded.append(None)
        options.append(expanded)
    sequences = set()
    for combo in itertools.product(*options):
        words_ = tuple(itertools.chain.from_iterable(w.split() for w in combo if w))
        if words_:
            sequences.add(words_)
    return sorted(sequences)


@lru_cache(maxsize=1)
def term_table() -> pd.DataFrame:
    """Every expandable pattern as token sequences: columns ``phrase`` (space-joined), ``n``, ``kind``,
    ``label``. A phrase claimed by two patterns keeps the first (kinds in ``KINDS`` order)."""
    patterns = load_patterns()
    strings = sorted({w for p in patterns for w in _strings_in(p["pattern"])})
    split = dict(zip(strings, (tuple(t) for t in tokenize.tokens(strings).to_pylist()), strict=True))
    rows = []
    for pattern in patterns:
        for seq in _expand(pattern["pattern"], split) or []:
            rows.append((" ".join(seq), len(seq), pattern["label"], _label(pattern["id"])))
    table = pd.DataFrame(rows, columns=["phrase", "n", "kind", "label"])
    table = table.drop_duplicates("phrase", keep="first").reset_index(drop=True)
    codes = {
        (k, lab): i
        for i, (k, lab) in enumerate(zip(term_labels()["kind"], term_labels()["label"], strict=True))
    }
    table["term"] = [codes[(k, lab)] for k, lab in zip(table["kind"], table["label"], strict=True)]
    return table


@lru_cache(maxsize=1)
def term_labels() -> pd.DataFrame:
    """Every distinct (kind, label), in pattern order; its row number is the ``term`` code of matches."""
    pairs = [(p["label"], _label(p["id"])) for p in load_patterns()]
    pairs += [("SIZE", label) for label in NUMERIC_SIZE_REGEX]
    return pd.DataFrame(list(dict.fromkeys(pairs)), columns=["kind", "label"])


def term_code(kind: str, label: str) -> int:
    labels = term_labels()
    hit = np.flatnonzero((labels["kind"] == kind).to_numpy() & (labels["label"] == label).to_numpy())
    if not len(hit):
        raise KeyError(f"no term {kind}/{label}")
    return int(hit[0])


_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def _hash_sequences(ids: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """Order-sensitive 64-bit hash of ``ids[start : start + n]`` for every start (vectorised)."""
    h = np.zeros(len(starts), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            h = h * _HASH_MULTIPLIER + ids[starts + k].astype(np.uint64) + np.uint64(1)
    return h


def match_terms(token_lists: pa.ListArray | pa.ChunkedArray) -> pd.DataFrame:
    """Find every term of ``term_table`` in lists of tokens (as ``tokenize.tokens`` gives), longest first.

    Returns one row per match: ``row`` (index of the list), ``pos`` (token index within the flat array),
    ``n``, ``term`` (row of ``term_labels``), ``kind``, ``label``. No match crosses from one list to the next.
    """
    if isinstance(token_lists, pa.ChunkedArray):
        token_lists = (
            token_lists.combine_chunks() if token_lists.num_chunks else pa.array([], pa.list_(pa.string()))
        )
    flat = pc.list_flatten(token_lists)
    empty = pd.DataFrame({"row": [], "pos": [], "n": [], "term": []})
    if len(flat) == 0:
        return _with_labels(empty)
    parents = pc.list_parent_indices(token_lists).to_numpy().astype(np.int64)
    encoded = pc.dictionary_encode(flat)
    ids = encoded.indices.to_numpy().astype(np.int64)
    vocabulary = encoded.dictionary

    terms = term_table()
    words = pa.array(sorted({w for phrase in terms["phrase"] for w in phrase.split()}))
    word_ids = dict(zip(words.to_pylist(), pc.index_in(words, vocabulary).to_pylist(), strict=True))
    size = len(flat)
    covered = np.zeros(size, dtype=bool)
    found: list[pd.DataFrame] = []
    for n in sorted(terms["n"].unique(), reverse=True):
        group = terms[terms["n"] == n]
        seqs = [[word_ids[w] for w in p.split()] for p in group["phrase"]]
        usable = [i for i, s in enumerate(seqs) if all(x is not None for x in s)]
        if not usable or size < n:
            continue
        seq_array = np.array([seqs[i] for i in usable], dtype=np.int64)
        first = np.zeros(len(vocabulary) + 1, dtype=bool)
        first[seq_array[:, 0]] = True
        starts = np.flatnonzero(first[ids[: size - n + 1]])
        starts = starts[parents[starts] == parents[starts + n - 1]]
        if not len(starts):
            continue
        keys = _hash_sequences(ids, starts, int(n))
        term_keys = _hash_sequences(seq_array.ravel(), np.arange(len(usable)) * n, int(n))
        order = np.argsort(term_keys)
        slot = np.searchsorted(term_keys[order], keys).clip(0, len(order) - 1)
        hit = term_keys[order][slot] == keys
        starts, slot = starts[hit], order[slot[hit]]
        # longest wins: skip starts whose window touches tokens a longer term already took
        cum = np.concatenate([[0], np.cumsum(covered)])
        free = cum[starts + n] - cum[starts] == 0
        starts, slot = starts[free], slot[free]
        for k in range(n):
            covered[starts + k] = True
        chosen = group["term"].to_numpy()[np.asarray(usable, dtype=np.int64)[slot]]
        found.append(pd.DataFrame({"row": parents[starts], "pos": starts, "n": n, "term": chosen}))
    if not found:
        return _with_labels(empty)
    return _with_labels(pd.concat(found, ignore_index=True).sort_values(["row", "pos"], ignore_index=True))


def _with_labels(matches: pd.DataFrame) -> pd.DataFrame:
    """Add categorical ``kind`` and ``label`` columns from the ``term`` codes (cheap to group by)."""
    labels = term_labels()
    codes = matches["term"].to_numpy(dtype=np.int64)
    matches = matches.astype({"row": np.int64, "pos": np.int64, "n": np.int64, "term": np.int32})
    kind_names = pd.Index(KINDS)
    label_names = pd.Index(pd.unique(labels["label"]))
    kind_codes = kind_names.get_indexer(pd.Index(labels["kind"]))[codes]
    label_codes = label_names.get_indexer(pd.Index(labels["label"]))[codes]
    matches["kind"] = pd.Categorical.from_codes(kind_codes, categories=kind_names)
    matches["label"] = pd.Categorical.from_codes(label_codes, categories=label_names)
    return matches


def regex_term_counts(texts: Sequence[str | None] | pa.Array | pa.ChunkedArray) -> dict[str, np.ndarray]:
    """Per-text counts of the numeric SIZE terms (areas like "~708,000 sqm", percentages like "30 %")."""
    lowered = pc.utf8_lower(tokenize.as_string_array(texts))
    return {
        label: np.asarray(pc.fill_null(pc.count_substring_regex(lowered, pattern=regex), 0)).astype(np.int32)
        for label, regex in NUMERIC_SIZE_REGEX.items()
    }
