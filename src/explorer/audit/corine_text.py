"""Reading BigEarthNet.txt text: CORINE class names, yes/no answers, option letters, seasons, countries.

Class names are matched case-insensitively, longest first, as whole names of ``legends.CORINE19`` (they contain
commas and "and", so options are never split on either). A text naming no class of the legend makes its claim
not evaluable: the audit never guesses a class.

The readers are memoised (``lru_cache``, immutable results): BigEarthNet.txt's 9.6 M questions come from a few
templates filled with 19 class names, so the same question text recurs thousands of times and is parsed once
per worker process, not once per row.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..legends import BIGEARTHNET_COUNTRIES, BIGEARTHNET_SEASONS, CORINE19

SEASONS = tuple(s.lower() for s in BIGEARTHNET_SEASONS)
SEASON_ALIASES = {"fall": "autumn"}
COUNTRIES = BIGEARTHNET_COUNTRIES
DIRECTIONS = ("north", "south", "east", "west")
_LETTER = re.compile(r"^\s*\(?([a-dA-D])\b")
_YES_NO = re.compile(r"^\s*(yes|no)\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def _class_pattern() -> re.Pattern[str]:
    names = sorted(CORINE19.names, key=len, reverse=True)
    return re.compile("|".join(rf"\b({re.escape(n)})\b" for n in names), re.IGNORECASE)


@lru_cache(maxsize=1)
def _class_of_group() -> tuple[int, ...]:
    """The class of each group of ``_class_pattern`` (by the group that matched, not the matched text: a
    case-blind match may lower to another length, "İnland waters" -> "i̇nland waters", no class name)."""
    lookup = _class_of()
    return (-1, *(lookup[n.lower()] for n in sorted(CORINE19.names, key=len, reverse=True)))


@lru_cache(maxsize=1)
def _lower_class_pattern() -> re.Pattern[str]:
    """The class names in lower case, matched case-sensitively in a lower-cased ASCII text: the same matches
    at the same offsets as ``_class_pattern`` (lowering ASCII keeps every length and word boundary) at
    half the cost of a case-blind search."""
    names = sorted(CORINE19.names, key=len, reverse=True)
    return re.compile("|".join(rf"\b{re.escape(n.lower())}\b" for n in names))


@lru_cache(maxsize=1)
def _class_of() -> dict[str, int]:
    return {name.lower(): i for i, name in enumerate(CORINE19.names)}


_MEMO = 1 << 16


@lru_cache(maxsize=_MEMO)
def find_classes(text: str | None) -> tuple[tuple[int, int, int], ...]:
    """(class index, start, end) of every class name in ``text``, in reading order."""
    if not text:
        return ()
    lookup = _class_of()
    if text.isascii():  # (every class name is ASCII)
        return tuple(
            (lookup[m.group(0)], m.start(), m.end()) for m in _lower_class_pattern().finditer(text.lower())
        )
    of_group = _class_of_group()
    return tuple((of_group[m.lastindex or 0], m.start(), m.end()) for m in _class_pattern().finditer(text))


@lru_cache(maxsize=_MEMO)
def class_of(text: str) -> int | None:
    """The class a whole option names ("Pastures"), or None."""
    return _class_of().get(" ".join(text.strip().strip(".").lower().split()))


def yes_no(answer: str | None) -> str | None:
    match = _YES_NO.match(answer or "")
    return match.group(1).lower() if match else None


def letter(answer: str | None) -> str | None:
    match = _LETTER.match(answer or "")
    return match.group(1).lower() if match else None


@lru_cache(maxsize=_MEMO)
def season_in(text: str) -> str | None:
    words = re.findall(r"[a-z]+", text.lower())
    for word in words:
        word = SEASON_ALIASES.get(word, word)
        if word in SEASONS:
            return word
    return None


_COUNTRY = re.compile(r"\b(" + "|".join(c.lower() for c in COUNTRIES) + r")\b")


@lru_cache(maxsize=_MEMO)
def country_in(text: str) -> str | None:
    match = _COUNTRY.search(text.lower())
    return next(c for c in COUNTRIES if c.lower() == match.group(1)) if match else None


_DIRECTION = re.compile(r"\b(north|south|east|west)\b")


@lru_cache(maxsize=_MEMO)
def direction_in(text: str) -> str | None:
    found = set(_DIRECTION.findall(text.lower()))
    return found.pop() if len(found) == 1 else None


def season_of_month(month: int) -> str:
    """Meteorological seasons: DJF winter, MAM spring, JJA summer, SON autumn."""
    return (
        "winter",
        "winter",
        "spring",
        "spring",
        "spring",
        "summer",
        "summer",
        "summer",
        "autumn",
        "autumn",
        "autumn",
        "winter",
    )[month - 1]


def acquisition_date(name: str | None) -> tuple[int, int, int] | None:
    """(year, month, day) of the first ``YYYYMMDDT`` stamp in a Sentinel product/patch name."""
    match = re.search(r"_(\d{4})(\d{2})(\d{2})T\d{4,6}_", name or "")
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


@lru_cache(maxsize=_MEMO)
def numbers(text: str) -> tuple[float, ...]:
    """Numbers as written ("708,000", "12.5"), in reading order."""
    return tuple(float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text))
