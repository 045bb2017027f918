"""Class mentions in ChatEarthNet-style captions, with the region and proportion word each one is claimed for.

A rule-based spaCy pipeline (``spacy.blank("en")``, a sentencizer and one ``span_ruler`` named
``"audit_terms"``) reuses the project's POSITION and SIZE patterns (``explorer.text.patterns``) and adds two
data files next to them, in ``patterns/audit/``: ``chatearthnet_synonyms.jsonl`` (phrase -> ChatEarthNet
class: forest -> tree, urban / buildings -> developed area, farmland -> crop, ...) and ``negation.jsonl``
(cues: no, without, absence of, ...).
Editing those files changes what the audit reads; no code change needed.

Reading rules, stated so they can be argued with:

* negation: a class preceded in its clause by a negation cue at most 4 tokens before ("no water", "without
  any snow") is not a mention of that class;
* regions: a clause (sentence split at , ; :) names its region with a ChatEarthNet position (top left, top
  right, bottom left, bottom right, middle/center), in any of the phrasings the patterns know: "upper left",
  "lower-right", "top right corner" (the corner adds nothing), "in the north-eastern part" (compass quadrants:
  north-east = top right, the maps being north-up), "the center of the image"; a bare half ("northern part",
  "left side") or "edge" names no region of the prompt and is not checked. A clause without any region
  inherits the previous clause's region in the same sentence ("In the top left, there is tree, and a small
  part of crop"); with two regions in one clause a class takes the nearest one;
* proportion words ("a medium portion of") belong to the next class in the clause, else the previous one;
* percentages ("about 45 % of the scene", "12.5 percent"; ChatGPT-4V copies its prompt's figures) belong to
  the nearest class named before them in the sentence (else the first one after), and to that mention's
  region when it has one, else to the whole image.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from typing import Any

from ..text.spatial import PATTERN_DIR, load_patterns, span_ruler_pipeline

COMPONENT = "audit_terms"
SYNONYM_FILE = PATTERN_DIR / "audit" / "chatearthnet_synonyms.jsonl"
NEGATION_FILE = PATTERN_DIR / "audit" / "negation.jsonl"
#: POSITION labels of the text patterns -> ChatEarthNet's five regions ("center" is ChatEarthNet's "middle")
REGIONS = {
    "top left": "top left",
    "top right": "top right",
    "bottom left": "bottom left",
    "bottom right": "bottom right",
    "middle": "middle",
    "center": "middle",
    "north-west": "top left",
    "north-east": "top right",
    "south-west": "bottom left",
    "south-east": "bottom right",
}
PERCENT = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d+)?)\s*(?:%|per\s?cent\b)", re.IGNORECASE)
NEGATION_WINDOW = 4
_CLAUSE_BREAKS = {",", ";", ":"}


@dataclass(frozen=True)
class Mention:
    cls: str  # ChatEarthNet class name
    start: int
    end: int
    region: str | None  # one of the five regions, or None when the clause names none
    size: (
        str | None
    )  # proportion word ("extra small" ... "extra large") claimed for this class in this region
    size_start: int = -1
    size_end: int = -1


@dataclass(frozen=True)
class Percent:
    """A percentage claimed for a class: of a region when ``region`` is set, else of the whole image."""

    cls: str
    region: str | None
    value: float  # percent, 0-100
    start: int
    end: int


@dataclass(frozen=True)
class Reading:
    mentions: list[Mention]
    negated: list[tuple[str, int, int]]  # (class, start, end) read as "not there"
    percents: list[Percent] = dataclass_field(default_factory=list)


def _data_patterns(path: Any) -> list[dict[str, Any]]:
    patterns = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                patterns.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: expected one JSON pattern per line ({exc})") from exc
    return patterns


@lru_cache(maxsize=1)
def nlp() -> Any:
    reused = [p for p in load_patterns() if p["label"] in ("POSITION", "SIZE")]
    patterns = reused + _data_patterns(SYNONYM_FILE) + _data_patterns(NEGATION_FILE)
    return span_ruler_pipeline(COMPONENT, patterns, sentences=True)


def read_caption(text: str | None) -> Reading:
    """Mentions of one caption (see the module docstring for the reading rules)."""
    if not text:
        return Reading([], [])
    return _read(nlp()(text))


def read_captions(texts: list[str]) -> list[Reading]:
    return [_read(doc) for doc in nlp().pipe(texts, batch_size=256)]


def _read(doc: Any) -> Reading:
    spans = sorted(doc.spans[COMPONENT], key=lambda s: s.start)
    mentions: list[Mention] = []
    negated: list[tuple[str, int, int]] = []
    percents: list[Percent] = []
    for sentence in doc.sents:
        first = len(mentions)
        # clauses: token ranges split at , ; :
        clauses: list[tuple[int, int]] = []
        begin = sentence.start
        for token in sentence:
            if token.text in _CLAUSE_BREAKS:
                clauses.append((begin, token.i))
                begin = token.i + 1
        clauses.append((begin, sentence.end))
        inherited: str | None = None
        for lo, hi in clauses:
            inside = [s for s in spans if lo <= s.start and s.end <= hi]
            # only positions naming one of the prompt's regions ("corner", "edge", a half: none)
            regions = [(s, REGIONS[s.id_]) for s in inside if s.label_ == "POSITION" and s.id_ in REGIONS]
            if regions:
                inherited = regions[0][1] if len({r for _, r in regions}) == 1 else inherited
            cues = [s for s in inside if s.label_ == "NEGATION"]
            classes = [s for s in inside if s.label_ == "CLASS"]
            sizes = [s for s in inside if s.label_ == "SIZE"]
            size_of: dict[int, Any] = {}
            for size in sizes:
                after = [c for c in classes if c.start >= size.end]
                before = [c for c in classes if c.end <= size.start]
                target = after[0] if after else (before[-1] if before else None)
                if target is not None and target.start not in size_of:
                    size_of[target.start] = size
            for cls in classes:
                name = cls.id_.split(":", 1)[1]
                if any(0 <= cls.start - cue.end <= NEGATION_WINDOW for cue in cues):
                    negated.append((name, cls.start_char, cls.end_char))
                    continue
                region: str | None
                if len(regions) > 1:
                    nearest = min(
                        regions, key=lambda pr: min(abs(pr[0].start - cls.end), abs(cls.start - pr[0].end))
                    )
                    region = nearest[1]
                elif regions:
                    region = regions[0][1]
                else:
                    region = inherited
                size = size_of.get(cls.start)
                mentions.append(
                    Mention(
                        name,
                        cls.start_char,
                        cls.end_char,
                        region,
                        size.id_ if size is not None else None,
                        size.start_char if size is not None else -1,
                        size.end_char if size is not None else -1,
                    )
                )
        percents += _percents(sentence, mentions[first:])
    return Reading(mentions, negated, percents)


def _percents(sentence: Any, mentions: list[Mention]) -> list[Percent]:
    """The percentages of one sentence, each with the class (and region) it is claimed for."""
    out = []
    offset = sentence.start_char
    for match in PERCENT.finditer(sentence.text):
        start, end = offset + match.start(), offset + match.end()
        before = [m for m in mentions if m.end <= start]
        after = [m for m in mentions if m.start >= end]
        owner = before[-1] if before else (after[0] if after else None)
        if owner is not None:
            out.append(Percent(owner.cls, owner.region, float(match.group(1)), start, end))
    return out
