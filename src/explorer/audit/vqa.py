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
from typing import Any, NamedTuple

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
    """The text before its options: up to the first "a)" ... "d)" starting a word (``_OPTION_START``).

    Found by looking at each ")" (one, or none, before the options): the pattern's own search tries every
    position of the text and was a third of the cost of parsing a new question."""
    at = text.find(")", 1)
    while at >= 1:
        before = text[at - 2] if at >= 2 else ""
        if text[at - 1] in "abcd" and not (before.isalnum() or before == "_"):  # \b before the letter
            return text[: at - 1]
        at = text.find(")", at + 1)
    return text


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


# --- per category: the question's text -> a plan (cached), a plan + the map -> the answer per variant -------
# A plan is (evaluate, params, variants, is_choice); ``evaluate(params, cmap, meta, variant)`` returns
# (truth or None, what the map says) for a binary question, (letters or None, what the map says) for a choice.
# The text part is the same for every row with that question, so it is parsed once per worker, not per row.
Plan = tuple[Callable[..., tuple[Any, str]], tuple[Any, ...], tuple[str, ...], bool]
_THRESHOLDS = dict(PRESENCE)
_CONNECTIVITY = dict(CONNECTIVITY)
_NEIGHBOURHOOD = dict(ADJACENCY)
_AXES = dict(AXES)


def _joined(letters: list[str]) -> tuple[list[str], str]:
    return letters, ",".join(letters) or "none"


def _presence_binary(p: tuple[int], cmap: CorineMap, meta: Any, v: str) -> tuple[bool, str]:
    (cls,) = p
    return cmap.present(cls, _THRESHOLDS[v]), f"{cmap.count_of[cls]} px"


def _presence_choice(p: tuple[list[int], bool], cmap: CorineMap, meta: Any, v: str) -> tuple[list[str], str]:
    classes, negated = p
    ok = [cmap.present(c, _THRESHOLDS[v]) != negated for c in classes]
    return _joined([letter for letter, good in zip("abcd", ok, strict=False) if good])


def _presence(q: str, options: tuple[str, ...]) -> Plan:
    variants = tuple(name for name, _ in PRESENCE)
    if not options:
        return _presence_binary, (_one_class(q),), variants, False
    negated = _NOT.search(q) is not None
    classes = [ct.class_of(o) for o in options]
    if any(c is None for c in classes):
        raise NotEvaluable("an option names no class of the legend")
    return _presence_choice, (classes, negated), variants, True


def _share(p: tuple[int, float, bool], cmap: CorineMap, meta: Any, v: str) -> tuple[bool, str]:
    cls, k, greater = p
    base = cmap.labelled if v == "of-labelled-pixels" else cmap.total
    share = cmap.count_of[cls] / max(base, 1)
    return (share > k if greater else share < k), f"{100 * share:.1f} %"


def _area_share(q: str) -> Plan:
    cls = _one_class(q)
    numbers = ct.numbers(q.split("%")[0])
    if not numbers:
        raise NotEvaluable("no percentage in the question")
    k = numbers[-1] / 100
    greater = _GREATER.search(q) is not None
    if not greater and _LESS.search(q) is None:
        raise NotEvaluable("no comparison (more / less than) in the question")
    return _share, (cls, k, greater), tuple(AREA_BASE), False


def _range_of(text: str) -> tuple[str, float, float] | None:
    """The area range a text states: ("between", lo, hi), (">", v, v) or ("<", v, v); None when none."""
    values = ct.numbers(text)
    if len(values) >= 2 and re.search(r"\d\s*(-|–|to|and)\s*\d", text):
        return "between", values[0], values[1]
    if len(values) == 1:
        if _GREATER.search(text):
            return ">", values[0], values[0]
        if _LESS.search(text):
            return "<", values[0], values[0]
    return None


def _in_range(bounds: tuple[str, float, float], area: float) -> bool:
    how, lo, hi = bounds
    if how == "between":
        return lo <= area <= hi
    return area > lo if how == ">" else area < lo


def _compare(p: tuple[int, int, bool], cmap: CorineMap, meta: Any, v: str) -> tuple[bool, str]:
    a, b, smaller = p
    counts = cmap.count_of
    truth = (counts[a] < counts[b]) if smaller else (counts[a] > counts[b])
    return truth, f"{counts[a]} px vs {counts[b]} px"


def _sqm_binary(
    p: tuple[int, tuple[str, float, float]], cmap: CorineMap, meta: Any, v: str
) -> tuple[bool, str]:
    cls, bounds = p
    area = float(cmap.count_of[cls] * PIXEL_AREA_SQM)
    return _in_range(bounds, area), f"{area:,.0f} sqm"


def _largest(p: tuple[list[int]], cmap: CorineMap, meta: Any, v: str) -> tuple[list[str], str]:
    (option_classes,) = p
    counts = cmap.count_of
    top = max(counts)
    return _joined([l_ for l_, c in zip("abcd", option_classes, strict=False) if top and counts[c] == top])


def _sqm_choice(p: tuple[int, list[Any]], cmap: CorineMap, meta: Any, v: str) -> tuple[list[str], str]:
    cls, ranges = p
    area = float(cmap.count_of[cls] * PIXEL_AREA_SQM)
    return [l_ for l_, r in zip("abcd", ranges, strict=False) if _in_range(r, area)], f"{area:,.0f} sqm"


def _area(q: str, options: tuple[str, ...]) -> Plan:
    if not options:
        if "%" in q:
            return _area_share(q)
        classes = list(dict.fromkeys(c for c, _, _ in ct.find_classes(q)))
        if len(classes) == 2 and _COMPARE.search(q):
            a, b = classes
            return _compare, (a, b, _SMALLER.search(q) is not None), ("pixel-count",), False
        if _SQM.search(q):
            cls = _one_class(q)
            bounds = _range_of(q)
            if bounds is None:
                raise NotEvaluable("no area range in the question")
            return _sqm_binary, (cls, bounds), ("10m-pixels",), False
        raise NotEvaluable("area question of an unknown form")
    if _LARGEST.search(q):
        option_classes = [ct.class_of(o) for o in options]
        if any(c is None for c in option_classes):
            raise NotEvaluable("an option names no class of the legend")
        return _largest, (option_classes,), ("pixel-count",), True
    cls = _one_class(q)
    ranges = [_range_of(o) for o in options]
    if any(r is None for r in ranges):
        raise NotEvaluable("an option is not an area range")
    return _sqm_choice, (cls, ranges), ("10m-pixels",), True


def _count_choice(p: tuple[int, list[Any]], cmap: CorineMap, meta: Any, v: str) -> tuple[list[str], str]:
    cls, values = p
    n = cmap.n_regions(cls, _CONNECTIVITY[v])
    return [l_ for l_, x in zip("abcd", values, strict=False) if x and x[0] == n], f"{n} regions"


def _count_binary(p: tuple[int, str, float], cmap: CorineMap, meta: Any, v: str) -> tuple[bool, str]:
    cls, op, k = p
    n = cmap.n_regions(cls, _CONNECTIVITY[v])
    return (n > k if op == ">" else n < k if op == "<" else n == k), f"{n} regions"


def _count(q: str, options: tuple[str, ...]) -> Plan:
    cls = _one_class(q)
    variants = tuple(name for name, _ in CONNECTIVITY)
    if options:
        return _count_choice, (cls, [ct.numbers(o) for o in options]), variants, True
    found = ct.numbers(q)
    if not found:
        raise NotEvaluable("no number in the count question")
    if _GREATER.search(q):
        op = ">"
    elif _LESS.search(q):
        op = "<"
    elif _EXACTLY.search(q):
        op = "=="
    else:
        raise NotEvaluable("no comparison in the count question")
    return _count_binary, (cls, op, found[0]), variants, False


def _adjacent_binary(p: tuple[int, int], cmap: CorineMap, meta: Any, v: str) -> tuple[bool, str]:
    a, b = p
    touch = cmap.touch(a, b, _NEIGHBOURHOOD[v])
    return touch, "adjacent" if touch else "not adjacent"


def _adjacent_choice(
    p: tuple[list[tuple[int, int]]], cmap: CorineMap, meta: Any, v: str
) -> tuple[list[str], str]:
    (pairs,) = p
    n = _NEIGHBOURHOOD[v]
    return _joined([l_ for l_, (a, b) in zip("abcd", pairs, strict=False) if cmap.touch(a, b, n)])


def _adjacency(q: str, options: tuple[str, ...]) -> Plan:
    variants = tuple(name for name, _ in ADJACENCY)
    if not options:
        return _adjacent_binary, _two_classes(q), variants, False
    return _adjacent_choice, ([_two_classes(o) for o in options],), variants, True


def _relative_binary(p: tuple[int, int, str], cmap: CorineMap, meta: Any, v: str) -> tuple[bool | None, str]:
    a, b, asked = p
    truth = cmap.direction(a, b, _AXES[v])
    return (None if truth is None else truth == asked), str(truth)


def _relative_choice(
    p: tuple[int, int, list[str | None]], cmap: CorineMap, meta: Any, v: str
) -> tuple[list[str] | None, str]:
    a, b, named = p
    truth = cmap.direction(a, b, _AXES[v])
    if truth is None:
        return None, "a class is absent or the centroids coincide"
    return [l_ for l_, d in zip("abcd", named, strict=False) if d == truth], truth


def _relative(q: str, options: tuple[str, ...]) -> Plan:
    a, b = _two_classes(q)
    variants = tuple(name for name, _ in AXES)
    if not options:
        asked = ct.direction_in(q)
        if asked is None:
            raise NotEvaluable("no single direction (north/south/east/west) in the question")
        return _relative_binary, (a, b, asked), variants, False
    return _relative_choice, (a, b, [ct.direction_in(o) for o in options]), variants, True


def _truth(category: str, meta: Mapping[str, Any], v: str) -> Any:
    """What the metadata says for a season / country / climate zone question under variant v."""
    if category == "season":
        if v == "metadata":
            return (meta.get("season") or "").lower() or None
        return meta.get("season_from_date")
    if category == "country":
        return meta.get("country")
    return (meta.get("climate_zone") or "").lower() or None


def _metadata_binary(
    p: tuple[str, str], cmap: Any, meta: Mapping[str, Any], v: str
) -> tuple[bool | None, str]:
    category, asked = p
    truth = _truth(category, meta, v)
    return (None if truth is None else asked == truth), str(truth)


def _metadata_choice(
    p: tuple[str, list[str | None]], cmap: Any, meta: Mapping[str, Any], v: str
) -> tuple[list[str] | None, str]:
    category, named = p
    truth = _truth(category, meta, v)
    if truth is None:
        return None, f"no {category} in the metadata"
    return [l_ for l_, n in zip("abcd", named, strict=False) if n == truth], str(truth)


def _climate_in(text: str) -> str | None:
    quoted = re.search(r"[\"“']([^\"”']+)[\"”']", text)
    value = quoted.group(1) if quoted else text
    return " ".join(value.lower().strip(" .?").split()) or None


def _metadata(category: str, q: str, options: tuple[str, ...]) -> Plan:
    read: Callable[[str], str | None]
    if category == "season":
        variants: tuple[str, ...] = tuple(SEASON_SOURCE)
        read = ct.season_in
    elif category == "country":
        variants, read = ("metadata",), ct.country_in
    else:
        variants, read = ("metadata",), _climate_in
    if not options:
        asked = read(q)
        if asked is None:
            raise NotEvaluable(f"no {category} named in the question")
        return _metadata_binary, (category, asked), variants, False
    return _metadata_choice, (category, [read(o) for o in options]), variants, True


_MAP_HANDLERS = {
    "presence": _presence,
    "area": _area,
    "count": _count,
    "adjacency": _adjacency,
    "relative pos": _relative,
}


class _Parsed(NamedTuple):
    """Everything one row's verdicts take from its question alone (shared by every row with that question;
    a tuple: a frozen dataclass cost ~25 us to make, and every multiple-choice row is all but unique)."""

    rule: str
    class_name: str | None
    plan: Plan | None
    reason: str  # why the plan is None


@lru_cache(maxsize=1 << 16)
def _parse(category: str, text: str, options: tuple[str, ...]) -> _Parsed:
    """The plan of a question (binary rows have no options). Keyed without the answer, which is read per
    row (``_released``): a question asked of many patches is parsed once whatever they answered."""
    rule = RULE_OF_CATEGORY[category]
    question = _question(text)
    classes = ct.find_classes(question)
    class_name = _name(classes[0][0]) if classes else None
    plan: Plan | None = None
    reason = ""
    try:
        if category in METADATA_CATEGORIES:
            plan = _metadata(category, question, options)
        else:
            plan = _MAP_HANDLERS[category](question, options)
    except NotEvaluable as exc:
        reason = str(exc)
    if plan is not None and category == "area":  # one rule per form: variants are alternatives within a form
        rule = AREA_RULES[plan[2][0]]
    return _Parsed(rule, class_name, plan, reason)


@lru_cache(maxsize=1 << 10)
def _released(is_mcq: bool, answer: str) -> str | None:
    """The released answer as the verdicts compare it: a letter a-d, or yes / no (None: neither)."""
    return ct.letter(answer) if is_mcq else ct.yes_no(answer)


# --- entry point ----------------------------------------------------------------------------------------------
def check_question(
    row: Mapping[str, Any], cmap: CorineMap | None, meta: Mapping[str, Any], out: VerdictRows
) -> None:
    """Verdicts for one binary / multiple-choice row (one per variant); other rows are left alone."""
    category = row.get("category")
    kind = row.get("kind")
    if category not in RULE_OF_CATEGORY or kind not in ("vqa_binary", "vqa_mcq"):
        return
    is_mcq = kind == "vqa_mcq"
    text, answer = row.get("input") or "", row.get("output") or ""
    options = tuple(row.get("options") or ()) if is_mcq else ()
    parsed = _parse(category, text, options)
    span_end = len(answer)
    released = _released(is_mcq, answer)
    reason = None
    if released is None:
        reason = "the answer is not " + ("a letter a-d" if is_mcq else "yes/no")
    elif category in MAP_CATEGORIES and cmap is None:
        reason = "no reference map"
    elif is_mcq and len(options) < 2:
        reason = "the options did not parse"
    elif parsed.plan is None:
        reason = parsed.reason
    if reason is not None:
        rule = RULE_OF_CATEGORY[category]
        out.not_evaluable(
            row,
            rule,
            answer,
            reason,
            "-",
            class_name=parsed.class_name,
            field="output",
            span_start=0,
            span_end=span_end,
        )
        return
    assert parsed.plan is not None
    evaluate, params, variants, is_choice = parsed.plan
    rule, class_name = parsed.rule, parsed.class_name
    for number, variant in enumerate(variants):
        said, says = evaluate(params, cmap, meta, variant)
        if said is None:
            verdict, from_map = NOT_EVALUABLE, says
        elif is_choice:
            verdict = AGREE if said == [released] else DISPUTE
            from_map = f"{','.join(said) or 'no option'} ({says})"
        else:
            verdict = AGREE if (released == "yes") == said else DISPUTE
            from_map = f"{'yes' if said else 'no'} ({says})"
        out.emit(
            row, rule, variant, number == 0, verdict, released, from_map, class_name, "output", 0, span_end
        )
