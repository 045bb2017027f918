"""The one tokenisation rule every statistic uses, vectorised over Arrow string arrays.

Rule (chosen to agree with spaCy's English tokenizer, ``spacy.blank("en")``, once punctuation and space tokens
are dropped and tokens are lower-cased):

* text is lower-cased;
* a token is a run of letters and digits;
* connectors stay inside a token only where spaCy keeps them: a decimal point or dot between two
  letters/digits (``3.5``, ``a.b``), a thousands comma between digits (``708,000``), an apostrophe between
  letters (``o'clock``), a hyphen between a letter and a digit (``covid-19``). Hyphens between words split
  them (``north-east`` -> ``north``, ``east``), as spaCy does;
* English clitics are tokens of their own as in spaCy: ``it's`` -> ``it``, ``'s``; ``don't`` -> ``do``,
  ``n't``;
* every other character (punctuation, symbols, ``%``, ``~``) separates tokens and is dropped.

Everything is a handful of RE2 passes with ``pyarrow.compute`` over whole columns: no Python loop per text, so
millions of captions tokenise in seconds. ``clean`` gives the normalised text (tokens separated by single
spaces) from which every other function derives.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ArrayLike: TypeAlias = pa.Array | pa.ChunkedArray | pd.Series | np.ndarray | Iterable[Any]

# Connectors that survive are swapped for control characters while the rest of the punctuation is removed.
_KEEP = {"-": "\x01", ".": "\x02", ",": "\x03", "'": "\x04", "\u2019": "\x05"}
_L = r"\p{L}"
_LN = r"[\p{L}\p{N}]"
_CLITICS = "s|re|ve|ll|d|m"

# (trigger, pattern, replacement, passes). A step runs only on texts containing its trigger character, and
# twice where matches can overlap ("1.2.3", "rock'n'roll").
_STEPS: list[tuple[str, str, str, int]] = [
    # clitics first, so that "dog's" splits before the letter-apostrophe-letter rule could keep it whole
    ("'", rf"({_L})'({_CLITICS})(\P{{L}}|$)", "\\1 \x04\\2\\3", 1),
    ("\u2019", rf"({_L})\x{{2019}}({_CLITICS})(\P{{L}}|$)", "\\1 \x05\\2\\3", 1),
    ("'", rf"({_L})n'(t)(\P{{L}}|$)", "\\1 n\x04\\2\\3", 1),
    ("\u2019", rf"({_L})n\x{{2019}}(t)(\P{{L}}|$)", "\\1 n\x05\\2\\3", 1),
    ("-", rf"({_L})-(\p{{N}})", "\\1\x01\\2", 1),
    (".", rf"({_LN})\.({_LN})", "\\1\x02\\2", 2),
    (",", r"(\p{N}),(\p{N})", "\\1\x03\\2", 2),
    ("'", rf"({_L})'({_L})", "\\1\x04\\2", 2),
    ("\u2019", rf"({_L})\x{{2019}}({_L})", "\\1\x05\\2", 2),
]
# Everything that is not a letter, digit, kept connector or space separates tokens (runs of spaces are
# harmless: splitting drops empty pieces and counting matches non-space runs).
_SEPARATORS = r"[^\p{L}\p{N}\x01-\x05 ]+"

# Sentence boundary: a run of . ! ? followed by white space or the end (so "3.5" and "e.g.x" do not split).
_SENTENCE_END = r"[.!?]+(?:\s+|$)"


def as_string_array(values: ArrayLike) -> pa.Array | pa.ChunkedArray:
    """Any column of texts as an Arrow string array (nulls kept)."""
    if isinstance(values, pa.ChunkedArray | pa.Array):
        arr = values
    elif isinstance(values, pd.Series):
        arr = pa.array(values.astype(object).where(values.notna(), None), type=pa.string(), from_pandas=True)
    else:
        arr = pa.array(list(values) if not isinstance(values, np.ndarray) else values, type=pa.string())
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(pa.string())
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    return arr


def clean(values: ArrayLike, threads: int | None = None) -> pa.Array:
    """Normalised texts: lower-case tokens separated by spaces (null stays null).

    Large inputs are cut into one slice per core and cleaned in threads (Arrow kernels release the GIL).
    """
    arr = as_string_array(values)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    threads = threads or min(os.cpu_count() or 1, 8)
    if threads <= 1 or len(arr) < 200_000:
        return _clean_slice(arr)
    step = -(-len(arr) // threads)
    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(_clean_slice, [arr.slice(i, step) for i in range(0, len(arr), step)]))
    return pa.concat_arrays(parts)


def _clean_slice(arr: pa.Array) -> pa.Array:
    ascii_only = bool(pc.all(pc.string_is_ascii(arr)).as_py() is not False)
    arr = pc.ascii_lower(arr) if ascii_only else pc.utf8_lower(arr)
    masks: dict[str, tuple[pa.Array, int]] = {}
    used: set[str] = set()
    for trigger, pattern, replacement, passes in _STEPS:
        if trigger not in masks:  # rows holding the character: the steps only ever remove it
            mask = pc.fill_null(pc.match_substring(arr, trigger), False)
            masks[trigger] = (mask, pc.sum(mask).as_py() or 0)
        mask, hits = masks[trigger]
        if not hits:
            continue
        part = arr if hits > len(arr) // 2 else pc.filter(arr, mask)
        for _ in range(passes):
            part = pc.replace_substring_regex(part, pattern=pattern, replacement=replacement)
        arr = part if len(part) == len(arr) else pc.replace_with_mask(arr, mask, part)
        used.update(marker for marker in _KEEP.values() if marker in replacement)
    arr = pc.replace_substring_regex(arr, pattern=_SEPARATORS, replacement=" ")
    for char, marker in _KEEP.items():
        if marker in used:
            arr = pc.replace_substring(arr, pattern=marker, replacement=char)
    return pc.utf8_trim(arr, characters=" ")


def tokens(values: ArrayLike) -> pa.ListArray:
    """One list of tokens per text; null or empty texts give an empty list."""
    cleaned = clean(values)
    n = len(cleaned)
    cleaned = pc.fill_null(cleaned, "")
    split = pc.split_pattern(cleaned, pattern=" ")
    flat = pc.list_flatten(split)
    parents = pc.list_parent_indices(split)
    keep = pc.not_equal(pc.utf8_length(flat), 0)
    flat = pc.filter(flat, keep)
    parents = pc.filter(parents, keep).to_numpy()
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(parents, minlength=n), out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), flat)


def token_counts(values: ArrayLike) -> pd.DataFrame:
    """Frequency of every token over all texts: columns ``token``, ``count``, most frequent first."""
    flat = pc.list_flatten(tokens(values))
    counts = pc.value_counts(flat)
    frame = pd.DataFrame(
        {
            "token": counts.field("values").to_numpy(zero_copy_only=False),
            "count": counts.field("counts").to_numpy(),
        }
    )
    return frame.sort_values(["count", "token"], ascending=[False, True], ignore_index=True)


def word_counts(values: ArrayLike) -> np.ndarray:
    """Tokens per text (0 for null/empty), int32."""
    return _count(clean(values), r"[^ ]+")


def sentence_counts(values: ArrayLike) -> np.ndarray:
    """Sentences per text: pieces of ``sentences`` that hold at least one token (decimals do not split)."""
    split = sentences(values)
    flat = pc.list_flatten(split)
    has_token = pc.match_substring_regex(flat, pattern=r"[\p{L}\p{N}]").to_numpy(zero_copy_only=False)
    parents = pc.list_parent_indices(split).to_numpy()
    return np.bincount(parents[has_token], minlength=len(split)).astype(np.int32)


def char_counts(values: ArrayLike) -> np.ndarray:
    """Characters (code points) per text, 0 for null."""
    arr = pc.fill_null(pc.utf8_length(as_string_array(values)), 0)
    return _to_numpy(arr).astype(np.int32)


def sentences(values: ArrayLike) -> pa.ListArray:
    """Texts split into sentences at ``.!?`` followed by a space or the end (for sentence-level counts)."""
    arr = pc.fill_null(as_string_array(values), "")
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.split_pattern_regex(pc.utf8_trim_whitespace(arr), pattern=_SENTENCE_END)


def _count(arr: pa.Array | pa.ChunkedArray, pattern: str) -> np.ndarray:
    counts = pc.fill_null(pc.count_substring_regex(arr, pattern=pattern), 0)
    return _to_numpy(counts).astype(np.int32)


def _to_numpy(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if isinstance(arr, pa.ChunkedArray):
        return arr.to_numpy()
    return arr.to_numpy(zero_copy_only=False)
