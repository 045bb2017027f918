"""BigEarthNet.txt questions (binary and multiple choice) re-answered from the reference map and the metadata.

For each category the question's classes (or season / country / climate zone) are read from its text, the map
answers it under every variant of ``rules``, and the released answer is compared. A binary verdict compares
yes/no; a multiple-choice verdict agrees when the released letter is the ONLY option the map supports (two
options the map supports make the question ambiguous: a dispute, with both letters in ``from_map``).

Templates are matched by meaning, not verbatim (the release's templates are unpublished): a question whose
classes or operator the parser cannot find is ``not-evaluable``, with the reason, never agreement.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from . import corine_text as ct
from .corine_map import NAMES, CorineMap
from .rules import ADJACENCY, AREA_BASE, AXES, CONNECTIVITY, PIXEL_AREA_SQM, PRESENCE, SEASON_SOURCE
from .verdicts import AGREE, DISPUTE, NOT_EVALUABLE, VerdictRows

MAP_CATEGORIES = ("presence", "area", "count", "adjacency", "relative pos")
METADATA_CATEGORIES = ("season", "country", "climate zone")
RULE_OF_CATEGORY = {c: c.replace(" ", "-") for c in MAP_CATEGORIES + METADATA_CATEGORIES}
RULE_OF_CATEGORY["relative pos"] = "relative-position"
AREA_RULES = {"of-labelled-pixels": "area-share", "pixel-count": "area-compare", "10m-pixels": "area-sqm"}
_OPTION_START = re.compile(r"\b[a-d]\)")
_GREATER = re.compile(r"\b(more than|larger than|greater than|over|exceed\w*|bigger than|above)\b", re.I)
_LESS = re.compile(r"\b(less than|fewer than|smaller than|under|below)\b", re.I)

# (truth or None, what the map says) for binary; (letters the map supports or None, what the map says) for MCQ
Binary = Callable[[Any], tuple[bool | None, str]]
Choice = Callable[[Any], tuple[list[str] | None, str]]


class NotEvaluable(Exception):
    """The claim cannot be re-derived; the message says why."""


_NOT = re.compile(r"\bnot\b", re.I)
_LARGEST = re.compile(r"\b(largest|most)\b", re.I)
_COMPARE = re.compile(r"\b(larger|bigger|more|smaller|less)\b", re.I)
_SMALLER = re.compile(r"\b(smaller|less)\b", re.I)
_SQM = re.compile(r"sqm|m2|m²|square met", re.I)
_EXACTLY = re.compile(r"\bexactly\b", re.I)


@lru_cache(maxsize=1 << 16)
def _question(text: str) -> str:
    match = _OPTION_START.search(text)
    return text[: match.start()] if match else text


def _one_class(text: str) -> int:
    found = {c for c, _, _ in ct.find_classes(text)}
    if len(found) != 1:
        raise NotEvaluable(f"expected one class of the legend, found {len(found)}")
    return found.pop()


def _two_classes(text: str) -> tuple[int, int]:
    found = list(dict.fromkeys(c for c, _, _ in ct.find_classes(text)))
    if len(found) != 2:
        raise NotEvaluable(f"expected two classes of the legend, found {len(found)}")
    return found[0], found[1]


def _letters(options: list[str], supports: Callable[[str], bool]) -> list[str]:
    return [letter for letter, option in zip("abcd", options, strict=False) if supports(option)]


def _name(cls: int) -> str:
    return NAMES[cls]


# --- per category: variants -> answer ---------------------------------------------------------------------
def _presence(q: str, options: list[str], cmap: CorineMap) -> tuple[Binary | None, Choice | None, list[str]]:
    variants = [name for name, _ in PRESENCE]
    thresholds = dict(PRESENCE)
    if not options:
        cls = _one_class(q)
        return (lambda v: (cmap.present(cls, thresholds[v]), f"{cmap.counts[cls]} px")), None, variants
    negated = _NOT.search(q) is not None
    classes = [ct.class_of(o) for o in options]
    if any(c is None for c in classes):
        raise NotEvaluable("an option names no class of the legend")

    def choice(v: str) -> tuple[list[str], str]:
        ok = [c is not None and cmap.present(c, thresholds[v]) != negated for c in classes]
        letters = [letter for letter, good in zip("abcd", ok, strict=False) if good]
        return letters, ",".join(letters) or "none"

    return None, choice, variants


def _area_share(q: str, cmap: CorineMap) -> Binary:
    cls = _one_class(q)
    numbers = ct.numbers(q.split("%")[0])
    if not numbers:
        raise NotEvaluable("no percentage in the question")
    k = numbers[-1] / 100
    greater = _GREATER.search(q) is not None
    if not greater and _LESS.search(q) is None:
        raise NotEvaluable("no comparison (more / less than) in the question")

    def answer(v: str) -> tuple[bool | None, str]:
        base = cmap.labelled if v == "of-labelled-pixels" else cmap.total
        share = cmap.counts[cls] / max(base, 1)
        return (share > k if greater else share < k), f"{100 * share:.1f} %"

    return answer


def _range_contains(text: str, area: float) -> bool | None:
    values = ct.numbers(text)
    if len(values) >= 2 and re.search(r"\d\s*(-|–|to|and)\s*\d", text):
        return values[0] <= area <= values[1]
    if len(values) == 1:
        if _GREATER.search(text):
            return area > values[0]
        if _LESS.search(text):
            return area < values[0]
    return None


def _area(q: str, options: list[str], cmap: CorineMap) -> tuple[Binary | None, Choice | None, list[str]]:
    if not options:
        if "%" in q:
            return _area_share(q, cmap), None, list(AREA_BASE)
        classes = list(dict.fromkeys(c for c, _, _ in ct.find_classes(q)))
        if len(classes) == 2 and _COMPARE.search(q):
            a, b = classes
            smaller = _SMALLER.search(q) is not None
            return (
                (
                    lambda v: (
                        (cmap.counts[a] < cmap.counts[b]) if smaller else (cmap.counts[a] > cmap.counts[b]),
                        f"{cmap.counts[a]} px vs {cmap.counts[b]} px",
                    )
                ),
                None,
                ["pixel-count"],
            )
        if _SQM.search(q):
            cls = _one_class(q)
            area = float(cmap.counts[cls] * PIXEL_AREA_SQM)
            truth = _range_contains(q, area)
            if truth is None:
                raise NotEvaluable("no area range in the question")
            return (lambda v: (truth, f"{area:,.0f} sqm")), None, ["10m-pixels"]
        raise NotEvaluable("area question of an unknown form")
    if _LARGEST.search(q):
        option_classes = [ct.class_of(o) for o in options]
        if any(c is None for c in option_classes):
            raise NotEvaluable("an option names no class of the legend")
        top = int(cmap.counts.max())

        def largest(v: str) -> tuple[list[str], str]:
            letters = [
                l_
                for l_, c in zip("abcd", option_classes, strict=False)
                if c is not None and top and cmap.counts[c] == top
            ]
            return letters, ",".join(letters) or "none"

        return None, largest, ["pixel-count"]
    cls = _one_class(q)
    area = float(cmap.counts[cls] * PIXEL_AREA_SQM)
    contains = [_range_contains(o, area) for o in options]
    if any(c is None for c in contains):
        raise NotEvaluable("an option is not an area range")
    letters = [l_ for l_, c in zip("abcd", contains, strict=False) if c]
    return None, (lambda v: (letters, f"{area:,.0f} sqm")), ["10m-pixels"]


def _count(q: str, options: list[str], cmap: CorineMap) -> tuple[Binary | None, Choice | None, list[str]]:
    cls = _one_class(q)
    conn = dict(CONNECTIVITY)
    variants = [name for name, _ in CONNECTIVITY]
    if options:
        values = [ct.numbers(o) for o in options]

        def choice(v: str) -> tuple[list[str], str]:
            n = cmap.n_regions(cls, conn[v])
            return [l_ for l_, x in zip("abcd", values, strict=False) if x and x[0] == n], f"{n} regions"

        return None, choice, variants
    found = ct.numbers(q)
    if not found:
        raise NotEvaluable("no number in the count question")
    k = found[0]
    if _GREATER.search(q):
        op: Callable[[int], bool] = lambda n: n > k  # noqa: E731
    elif _LESS.search(q):
        op = lambda n: n < k  # noqa: E731
    elif _EXACTLY.search(q):
        op = lambda n: n == k  # noqa: E731
    else:
        raise NotEvaluable("no comparison in the count question")

    def binary(v: str) -> tuple[bool, str]:
        n = cmap.n_regions(cls, conn[v])
        return op(n), f"{n} regions"

    return binary, None, variants


def _adjacency(q: str, options: list[str], cmap: CorineMap) -> tuple[Binary | None, Choice | None, list[str]]:
    neighbourhood = dict(ADJACENCY)
    variants = [name for name, _ in ADJACENCY]

    def touch(a: int, b: int, v: str) -> bool:
        return cmap.touch(a, b, neighbourhood[v])

    if not options:
        a, b = _two_classes(q)
        return (lambda v: (touch(a, b, v), "adjacent" if touch(a, b, v) else "not adjacent")), None, variants
    pairs = [_two_classes(o) for o in options]

    def choice(v: str) -> tuple[list[str], str]:
        letters = [l_ for l_, (a, b) in zip("abcd", pairs, strict=False) if touch(a, b, v)]
        return letters, ",".join(letters) or "none"

    return None, choice, variants


def _relative(q: str, options: list[str], cmap: CorineMap) -> tuple[Binary | None, Choice | None, list[str]]:
    a, b = _two_classes(q)
    axes = dict(AXES)
    variants = [name for name, _ in AXES]
    if not options:
        asked = ct.direction_in(q)
        if asked is None:
            raise NotEvaluable("no single direction (north/south/east/west) in the question")

        def binary(v: str) -> tuple[bool | None, str]:
            truth = cmap.direction(a, b, axes[v])
            return (None if truth is None else truth == asked), str(truth)

        return binary, None, variants
    named = [ct.direction_in(o) for o in options]

    def choice(v: str) -> tuple[list[str] | None, str]:
        truth = cmap.direction(a, b, axes[v])
        if truth is None:
            return None, "a class is absent or the centroids coincide"
        return [l_ for l_, d in zip("abcd", named, strict=False) if d == truth], truth

    return None, choice, variants


def _metadata(
    category: str, q: str, options: list[str], meta: Mapping[str, Any]
) -> tuple[Binary | None, Choice | None, list[str]]:
    if category == "season":
        variants = list(SEASON_SOURCE)
        truth_of = {
            "metadata": (meta.get("season") or "").lower() or None,
            "acquisition-month": meta.get("season_from_date"),
        }
        read: Callable[[str], str | None] = ct.season_in
    elif category == "country":
        variants = ["metadata"]
        truth_of = {"metadata": meta.get("country")}
        read = ct.country_in
    else:
        variants = ["metadata"]
        truth_of = {"metadata": (meta.get("climate_zone") or "").lower() or None}

        def read(text: str) -> str | None:
            quoted = re.search(r"[\"“']([^\"”']+)[\"”']", text)
            value = quoted.group(1) if quoted else text
            return " ".join(value.lower().strip(" .?").split()) or None

    if not options:
        asked = read(q)
        if asked is None:
            raise NotEvaluable(f"no {category} named in the question")

        def binary(v: str) -> tuple[bool | None, str]:
            truth = truth_of[v]
            return (None if truth is None else asked == truth), str(truth)

        return binary, None, variants
    named = [read(o) for o in options]

    def choice(v: str) -> tuple[list[str] | None, str]:
        truth = truth_of[v]
        if truth is None:
            return None, f"no {category} in the metadata"
        return [l_ for l_, n in zip("abcd", named, strict=False) if n == truth], str(truth)

    return None, choice, variants


_MAP_HANDLERS = {
    "presence": _presence,
    "area": _area,
    "count": _count,
    "adjacency": _adjacency,
    "relative pos": _relative,
}


# --- entry point ----------------------------------------------------------------------------------------------
def check_question(
    row: Mapping[str, Any], cmap: CorineMap | None, meta: Mapping[str, Any], out: VerdictRows
) -> None:
    """Verdicts for one binary / multiple-choice row (one per variant); other rows are left alone."""
    category = row.get("category")
    if category not in RULE_OF_CATEGORY or row.get("kind") not in ("vqa_binary", "vqa_mcq"):
        return
    rule = RULE_OF_CATEGORY[category]
    text, answer = row.get("input") or "", row.get("output") or ""
    span = {"field": "output", "span_start": 0, "span_end": len(answer)}
    question = _question(text)
    classes = ct.find_classes(question)
    class_name = _name(classes[0][0]) if classes else None
    is_mcq = row["kind"] == "vqa_mcq"
    released = ct.letter(answer) if is_mcq else ct.yes_no(answer)

    def not_evaluable(reason: str, variant: str = "-") -> None:
        out.not_evaluable(row, rule, answer, reason, variant, class_name=class_name, **span)

    if released is None:
        return not_evaluable("the answer is not " + ("a letter a-d" if is_mcq else "yes/no"))
    if category in MAP_CATEGORIES and cmap is None:
        return not_evaluable("no reference map")
    options = list(row.get("options") or []) if is_mcq else []
    if is_mcq and len(options) < 2:
        return not_evaluable("the options did not parse")
    try:
        if category in METADATA_CATEGORIES:
            binary, choice, variants = _metadata(category, question, options, meta)
        else:
            assert cmap is not None
            binary, choice, variants = _MAP_HANDLERS[category](question, options, cmap)
    except NotEvaluable as exc:
        return not_evaluable(str(exc))
    if category == "area":  # one rule per form: their variants are alternatives only within a form
        rule = AREA_RULES[variants[0]]
    for number, variant in enumerate(variants):
        if binary is not None:
            truth, says = binary(variant)
            if truth is None:
                verdict, from_map = NOT_EVALUABLE, says
            else:
                verdict = AGREE if (released == "yes") == truth else DISPUTE
                from_map = f"{'yes' if truth else 'no'} ({says})"
        else:
            assert choice is not None
            letters, says = choice(variant)
            if letters is None:
                verdict, from_map = NOT_EVALUABLE, says
            else:
                verdict = AGREE if letters == [released] else DISPUTE
                from_map = f"{','.join(letters) or 'no option'} ({says})"
        out.add(
            row,
            rule,
            variant,
            number == 0,
            verdict,
            released=released,
            from_map=from_map,
            class_name=class_name,
            **span,
        )
    return None
