"""What the authors' own prompts forbid, checked in LLM-written captions (source ``chatgpt-*``).

The banned words of each ChatEarthNet prompt and the cross-image comparisons its manual verification removed
are kept as data in ``prompt_rules.json`` (with the prompt text they come from). A caption without violation
gets one ``agree`` row per rule; each violation gets a ``dispute`` row with its character span.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from .verdicts import AGREE, DISPUTE, VerdictRows

RULES_FILE = Path(__file__).with_name("prompt_rules.json")


@lru_cache(maxsize=1)
def _rules() -> tuple[dict[str, list[re.Pattern[str]]], list[re.Pattern[str]]]:
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    banned = {
        source: [re.compile(p, re.IGNORECASE) for p in entry["patterns"]]
        for source, entry in data["banned_words"].items()
    }
    cross = [
        re.compile(p) if "Similarly" in p else re.compile(p, re.IGNORECASE)
        for p in data["cross_image"]["patterns"]
    ]
    return banned, cross


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping matches of several patterns ("similar to other images", "other images") are one violation."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def applies(source: str | None) -> bool:
    return bool(source) and str(source).startswith("chatgpt")


def check_caption(row: Mapping[str, Any], out: VerdictRows) -> None:
    source = row.get("source")
    if row.get("kind") != "caption" or not applies(source):
        return
    text = row.get("output") or ""
    banned, cross = _rules()
    patterns = banned.get(str(source), banned["chatgpt-3.5"])
    for rule, variant, regexes in (
        ("banned-word", "prompt-of-its-source", patterns),
        ("cross-image", "manual-verification", cross),
    ):
        hits = _merged(sorted({(m.start(), m.end()) for rx in regexes for m in rx.finditer(text)}))
        if not hits:
            out.add(row, rule, variant, True, AGREE, released="", from_map="none")
        for start, end in hits:
            phrase = text[start:end].strip(" .!?")
            start += len(text[start:end]) - len(text[start:end].lstrip(" .!?"))
            out.add(
                row,
                rule,
                variant,
                True,
                DISPUTE,
                released=phrase,
                from_map="forbidden by the authors",
                field="output",
                span_start=start,
                span_end=start + len(phrase),
            )
