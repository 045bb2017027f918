"""Dataset statistics: caption length, vocabulary, class frequency, spatial language, task mix, geography, and
the side-by-side comparison table. One library for the dashboard, the notebooks and ``eo-explorer stats``.

Everything is columnar. Texts are de-duplicated first (BigEarthNet.txt's 9.55 M rows are largely
templated) and every per-text measure is computed once per distinct text and weighted by its occurrences;
tokens follow the one rule in ``explorer.text.tokenize``; spatial terms and class mentions come from the
pattern files of ``explorer.text.spatial``, matched over token ids with NumPy.

Inputs are the common-model tables (``explorer.model``): samples and annotations, as pyarrow Tables or pandas
DataFrames. Results are tidy pandas DataFrames with a ``dataset`` column, so the statistics of several
datasets concatenate (``combine``) and save to one folder (``save_stats`` / ``load_stats`` /
``cached_stats``).

Scale: ``prepare`` does the expensive part once per dataset (tokenising distinct texts, coding columns as
integers); ``compute_dataset`` and ``compute_selection`` then work on NumPy arrays. ``bench/bench_stats.py``
times the full 9.55 M-row BigEarthNet.txt shape and a 10,000-sample selection.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeAlias, runtime_checkable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .errors import ExplorerError
from .legends import LEGENDS, Legend
from .model import (
    KIND_CAPTION,
    KIND_CONVERSATION,
    KIND_REFEXP,
    KIND_VQA_BINARY,
    KIND_VQA_MCQ,
    LAYER_LANDCOVER,
)
from .text import spatial, tokenize

STATS_VERSION = 1
QUESTION_KINDS = (KIND_VQA_BINARY, KIND_VQA_MCQ, KIND_REFEXP)
# Texts are analysed in two groups: free descriptions (captions, conversations) and questions/prompts.
GROUP_CAPTION = "caption"
GROUP_QUESTION = "question"

TableLike: TypeAlias = pa.Table | pd.DataFrame


# --- inputs -------------------------------------------------------------------------------------------------
@runtime_checkable
class DatasetLike(Protocol):
    """What the statistics need of a dataset: a Catalog satisfies it (``source.describe()`` is optional)."""

    name: str
    samples: Any
    annotations: Any


@dataclass
class Dataset:
    """A dataset's tables plus the facts its reader knows (``DatasetSource.describe()``)."""

    name: str
    samples: TableLike
    annotations: TableLike
    describe: dict[str, Any] = field(default_factory=dict)
    origin: Any = None  # the Catalog-like object it came from (read_layer for pixel counts), if any


def as_dataset(item: Any) -> Dataset:
    """A Dataset from a (name, samples, annotations[, describe]) tuple or any DatasetLike object."""
    if isinstance(item, Dataset):
        return item
    if isinstance(item, tuple | list):
        if len(item) not in (3, 4):
            raise TypeError("expected (name, samples, annotations[, describe_dict])")
        facts = dict(item[3]) if len(item) == 4 and item[3] else {}
        return Dataset(str(item[0]), item[1], item[2], facts)
    if isinstance(item, DatasetLike):
        describe: dict[str, Any] = {}
        try:
            source = getattr(item, "source", None)  # opening it fails when the dataset folder is gone
            if source is not None and hasattr(source, "describe"):
                describe = dict(source.describe())
        except ExplorerError:  # the catalog's dataset folder may be gone: what the build recorded still holds
            describe = dict((getattr(item, "meta", None) or {}).get("describe") or {})
        return Dataset(str(item.name), item.samples, item.annotations, describe, origin=item)
    raise TypeError(
        f"expected a Catalog-like object or a (name, samples, annotations) tuple, got {type(item)}"
    )


def as_datasets(items: Any) -> list[Dataset]:
    if isinstance(items, Dataset | tuple | DatasetLike):
        return [as_dataset(items)]
    return [as_dataset(item) for item in items]


def _arrow(table: TableLike) -> pa.Table:
    if isinstance(table, pa.Table):
        return table
    return pa.Table.from_pandas(pd.DataFrame(table), preserve_index=False)


def _column(table: TableLike, name: str, default: Any = None) -> pa.ChunkedArray:
    arrow = _arrow(table) if not isinstance(table, pd.DataFrame) else None
    if arrow is not None:
        if name in arrow.column_names:
            return arrow.column(name)
        return pa.chunked_array([pa.nulls(arrow.num_rows, pa.string() if default is None else pa.float64())])
    frame = table
    if name not in frame.columns:
        return pa.chunked_array([pa.nulls(len(frame))])
    return pa.chunked_array([pa.array(frame[name], from_pandas=True)])


def _strings(table: TableLike, name: str) -> pa.Array | pa.ChunkedArray:
    """A column as Arrow strings; chunks are kept (copying 9.55 M strings to join them costs seconds)."""
    col = _column(table, name)
    if not pa.types.is_string(col.type):  # dictionary, null, large_string (pandas 3), string_view
        col = col.cast(pa.string())  # per chunk, so chunks of up to 2 GB are fine
    return col.chunk(0) if col.num_chunks == 1 else col


def _shared_dictionary(encoded: pa.ChunkedArray) -> bool:
    """True when every chunk points at the same dictionary buffers (Arrow's hash kernel shares one memo table
    across chunks); unifying 73 copies of a 600k-entry dictionary would otherwise cost seconds."""
    first = [b.address if b is not None else None for b in encoded.chunk(0).dictionary.buffers()]
    return all(
        [b.address if b is not None else None for b in c.dictionary.buffers()] == first
        for c in encoded.chunks
    )


def _encode(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """(codes, distinct values) of a string column, hashed in Arrow; null -> code -1."""
    if isinstance(values, pa.ChunkedArray) and values.num_chunks == 0:
        return np.zeros(0, np.int64), pa.array([], pa.string())
    encoded = pc.dictionary_encode(values)
    if isinstance(encoded, pa.ChunkedArray):
        if not _shared_dictionary(encoded):
            encoded = pa.table({"v": encoded}).unify_dictionaries().column("v")
        dictionary = encoded.chunk(0).dictionary
        codes = np.concatenate(
            [np.asarray(pc.fill_null(c.indices, -1).to_numpy(zero_copy_only=False)) for c in encoded.chunks]
        )
    else:
        dictionary = encoded.dictionary
        codes = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False))
    return codes.astype(np.int64), dictionary


def _num_rows(table: TableLike) -> int:
    return table.num_rows if isinstance(table, pa.Table) else len(table)


# --- texts --------------------------------------------------------------------------------------------------
def annotation_texts(annotations: TableLike) -> pa.Array:
    """The text of every annotation: caption -> ``output``; questions (binary, mcq, refexp) -> ``input``;
    conversation -> ``input`` + ``output``; any other kind -> ``output``, else ``input``."""
    kind = _strings(annotations, "kind")
    text_in = _strings(annotations, "input")
    text_out = _strings(annotations, "output")
    is_question = pc.is_in(kind, value_set=pa.array(QUESTION_KINDS))
    text = pc.if_else(is_question, text_in, pc.coalesce(text_out, text_in))
    is_conversation = pc.fill_null(pc.equal(kind, KIND_CONVERSATION), False)
    if not pc.any(is_conversation).as_py():
        return text  # (if_else over all rows costs a second per million: skip it when it changes nothing)
    joined = _join_texts(text_in, text_out)
    return pc.if_else(is_conversation, joined, text)


def _join_texts(first: Any, second: Any) -> Any:
    """``first second`` per row, skipping a missing side. (``null_handling="skip"`` of pyarrow 26 drops a
    trailing all-null row, so nulls are filled first.)"""
    joined = pc.binary_join_element_wise(pc.fill_null(first, ""), pc.fill_null(second, ""), " ")
    return pc.utf8_trim(joined, characters=" ")


def is_question(annotations: TableLike) -> np.ndarray:
    """True for binary/mcq/refexp rows (text group ``question``), False for the rest (group ``caption``)."""
    kind = _strings(annotations, "kind")
    mask = pc.fill_null(pc.is_in(kind, value_set=pa.array(QUESTION_KINDS)), False)
    return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)


def text_groups(annotations: TableLike) -> pa.Array:
    """``question`` for binary/mcq/refexp rows, ``caption`` for the rest (captions, conversations)."""
    return pa.array(np.where(is_question(annotations), GROUP_QUESTION, GROUP_CAPTION))


@dataclass
class Corpus:
    """Distinct texts with their occurrence counts, cut into distinct sentences and tokens: built once.

    Templated datasets repeat sentences across texts, so sentences are de-duplicated too: each text is a list
    of "pieces" (sentence occurrences) pointing at distinct sentences, and only distinct sentences are
    tokenised and matched. ``with_weights`` gives a view of the same texts counted differently (only the
    captions, only a selection): tokens and matches are shared between views, so a view costs NumPy only.
    """

    texts: pa.Array  # distinct texts
    weights: np.ndarray  # occurrences of each distinct text
    piece_text: np.ndarray  # distinct text of each piece (sentence occurrence)
    piece_sentence: np.ndarray  # distinct sentence of each piece
    sentences: pa.Array  # distinct sentences
    token_lists: pa.ListArray  # tokens of each distinct sentence
    row_index: np.ndarray | None = None  # distinct text of each input row
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)  # shared by all views
    _view: dict[str, Any] = field(default_factory=dict, repr=False)  # this view's weights only

    @classmethod
    def from_texts(cls, texts: Any) -> Corpus:
        arr = texts if isinstance(texts, pa.ChunkedArray) else tokenize.as_string_array(texts)
        row_index, uniques = _encode(pc.fill_null(arr, ""))
        return cls._build(uniques, row_index)

    @classmethod
    def from_annotations(cls, annotations: TableLike) -> Corpus:
        """The corpus of ``annotation_texts(annotations)``, without building that 9.55 M-row column: question
        inputs are hashed in place, and only the other rows' texts are gathered."""
        kind = _strings(annotations, "kind")
        question = is_question(annotations)
        text_in = _strings(annotations, "input")
        codes_in, dict_in = _encode(text_in)
        row_index = np.where(question, codes_in, -1)
        pieces = [dict_in]
        rest = ~question
        if rest.any():
            mask = pa.array(rest)
            in_rest, out_rest = pc.filter(text_in, mask), pc.filter(_strings(annotations, "output"), mask)
            conversation = pc.fill_null(pc.equal(pc.filter(kind, mask), KIND_CONVERSATION), False)
            joined = _join_texts(in_rest, out_rest)
            text = pc.if_else(conversation, joined, pc.coalesce(out_rest, in_rest))
            codes_rest, dict_rest = _encode(text)
            row_index[rest] = np.where(codes_rest >= 0, codes_rest + len(dict_in), -1)
            pieces.append(dict_rest)
        empty = sum(len(p) for p in pieces)
        row_index[row_index < 0] = empty  # null texts count as empty texts
        uniques = pa.concat_arrays([p.cast(pa.string()) for p in pieces] + [pa.array([""])])
        return cls._build(uniques, row_index)

    @classmethod
    def _build(cls, uniques: pa.Array, row_index: np.ndarray) -> Corpus:
        weights = np.bincount(row_index, minlength=len(uniques)).astype(np.int64)
        split = tokenize.sentences(uniques)
        piece_text = pc.list_parent_indices(split).to_numpy().astype(np.int64)
        piece_sentence, sentences = _encode(pc.list_flatten(split))
        return cls(
            uniques, weights, piece_text, piece_sentence, sentences, tokenize.tokens(sentences), row_index
        )

    def with_weights(self, weights: np.ndarray) -> Corpus:
        return Corpus(
            self.texts,
            weights,
            self.piece_text,
            self.piece_sentence,
            self.sentences,
            self.token_lists,
            self.row_index,
            self._cache,
        )

    def subset(self, rows: np.ndarray) -> Corpus:
        """The view counting only the input rows where ``rows`` (a boolean mask over them) is true."""
        if self.row_index is None:
            raise ValueError("this corpus does not know its input rows")
        return self.with_weights(
            np.bincount(self.row_index[rows], minlength=len(self.texts)).astype(np.int64)
        )

    @property
    def n_texts(self) -> int:
        return int(self.weights.sum())

    @property
    def sentence_weights(self) -> np.ndarray:
        """Occurrences of each distinct sentence (its texts' occurrences, summed)."""
        if "sentence_weights" not in self._view:
            self._view["sentence_weights"] = np.bincount(
                self.piece_sentence, weights=self.weights[self.piece_text], minlength=len(self.sentences)
            ).round()
        return self._view["sentence_weights"]

    def _tokens_per_sentence(self) -> np.ndarray:
        if "ntok" not in self._cache:
            self._cache["ntok"] = pc.list_value_length(self.token_lists).to_numpy(zero_copy_only=False)
        return self._cache["ntok"]

    def word_counts(self) -> np.ndarray:
        """Tokens per distinct text (the same numbers as ``tokenize.word_counts``)."""
        if "words" not in self._cache:
            per_piece = self._tokens_per_sentence()[self.piece_sentence]
            n = len(self.texts)
            self._cache["words"] = np.bincount(self.piece_text, weights=per_piece, minlength=n).astype(
                np.int32
            )
            self._cache["sentences"] = np.bincount(
                self.piece_text, weights=per_piece > 0, minlength=n
            ).astype(np.int32)
        return self._cache["words"]

    def char_counts(self) -> np.ndarray:
        """Characters per distinct text."""
        if "chars" not in self._cache:
            self._cache["chars"] = tokenize.char_counts(self.texts)
        return self._cache["chars"]

    def sentence_counts(self) -> np.ndarray:
        """Sentences holding a token, per distinct text (the same numbers as ``tokenize.sentence_counts``)."""
        self.word_counts()
        return self._cache["sentences"]

    @property
    def token_ids(self) -> tuple[np.ndarray, pa.Array, np.ndarray, np.ndarray]:
        """(token id per token, vocabulary, distinct sentence of each token, weight of each token)."""
        if "ids" not in self._cache:
            ids, vocab = _encode(pc.list_flatten(self.token_lists))
            sentence = pc.list_parent_indices(self.token_lists).to_numpy().astype(np.int64)
            self._cache["ids"] = (ids, vocab, sentence)
        ids, vocab, sentence = self._cache["ids"]
        return ids, vocab, sentence, self.sentence_weights[sentence]

    def sentence_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """(distinct sentence, term) of every spatial-term/class match (term = row of
        ``spatial.term_labels()``), numeric SIZE terms included; computed once."""
        if "matches" not in self._cache:
            matches = spatial.match_terms(self.token_lists)
            sentence = [matches["row"].to_numpy(dtype=np.int64)]
            term = [matches["term"].to_numpy(dtype=np.int64)]
            for label, counts in spatial.regex_term_counts(self.sentences).items():
                sentence.append(np.repeat(np.arange(len(counts), dtype=np.int64), counts))
                term.append(np.full(int(counts.sum()), spatial.term_code("SIZE", label), dtype=np.int64))
            self._cache["matches"] = (np.concatenate(sentence), np.concatenate(term))
        return self._cache["matches"]

    def unique_sentence_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """``sentence_terms`` with each term once per sentence; computed once."""
        if "unique_sentence_terms" not in self._cache:
            sentence, term = self.sentence_terms()
            size = len(spatial.term_labels())
            keys = np.unique(sentence * size + term)
            self._cache["unique_sentence_terms"] = (keys // size, keys % size)
        return self._cache["unique_sentence_terms"]

    def text_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """(distinct text, term) pairs, once per text containing the term; computed once."""
        if "text_terms" not in self._cache:
            sentence, term = self.sentence_terms()
            order = np.argsort(self.piece_sentence, kind="stable")
            per_sentence = np.bincount(self.piece_sentence, minlength=len(self.sentences))
            offsets = np.concatenate([[0], np.cumsum(per_sentence)])
            repeats = per_sentence[sentence]
            starts = np.repeat(offsets[sentence], repeats)
            within = np.arange(int(repeats.sum())) - np.repeat(np.cumsum(repeats) - repeats, repeats)
            texts = self.piece_text[order[starts + within]]
            size = len(spatial.term_labels())
            keys = np.unique(texts * size + np.repeat(term, repeats))
            self._cache["text_terms"] = (keys // size, keys % size)
        return self._cache["text_terms"]


# --- caption length -----------------------------------------------------------------------------------------
ANSWERS = ("yes", "no", "a", "b", "c", "d", "other")
_CODED = ("dataset", "source", "split", "kind", "category", "sample_id")


@dataclass
class RowCodes:
    """Every per-row column the table statistics need, as small integer codes (null -> -1) and box corners.

    Built once per dataset (hashing each string column once); a selection is then ``take(rows)`` on NumPy
    arrays, and every count is a ``bincount``. 9.55 M rows take about 100 MB.
    """

    codes: dict[str, np.ndarray]
    names: dict[str, list[Any]]
    answer: np.ndarray  # index into ANSWERS for binary/mcq rows, -1 elsewhere
    box_index: np.ndarray  # row -> index into boxes, -1 for rows without a box
    boxes: np.ndarray  # (n_boxes, 4) x0, y0, x1, y1

    @classmethod
    def from_annotations(cls, annotations: TableLike) -> RowCodes:
        codes: dict[str, np.ndarray] = {}
        names: dict[str, list[Any]] = {}
        for name in _CODED:
            code, dictionary = _encode(_strings(annotations, name))
            small = np.int8 if len(dictionary) < 127 else np.int32
            codes[name], names[name] = code.astype(small), dictionary.to_pylist()
        kinds = names["kind"]
        binary = codes["kind"] == (kinds.index(KIND_VQA_BINARY) if KIND_VQA_BINARY in kinds else -2)
        mcq = codes["kind"] == (kinds.index(KIND_VQA_MCQ) if KIND_VQA_MCQ in kinds else -2)
        answer = np.full(len(binary), -1, dtype=np.int8)
        asked = binary | mcq
        if asked.any():
            answer_code, answer_names = _encode(pc.filter(_strings(annotations, "output"), pa.array(asked)))
            lookup = np.array([_answer_of(a) for a in answer_names.to_pylist()] + [ANSWERS.index("other")])
            mapped = lookup[
                np.where(answer_code >= 0, answer_code, len(lookup) - 1)
            ]  # (tiny: distinct answers)
            is_binary = binary[asked]
            other = ANSWERS.index("other")
            valid = np.where(is_binary, mapped <= 1, (mapped >= 2) & (mapped <= 5))
            answer[asked] = np.where(valid, mapped, other)
        corners = [_floats(annotations, f"bbox_{c}") for c in ("x0", "y0", "x1", "y1")]
        has_box = (
            np.isfinite(corners[0])
            & np.isfinite(corners[1])
            & np.isfinite(corners[2])
            & np.isfinite(corners[3])
        )
        box_index = np.where(has_box, np.cumsum(has_box) - 1, -1).astype(np.int64)
        boxes = np.stack([c[has_box] for c in corners], axis=1)
        return cls(codes, names, answer, box_index, boxes)

    def __len__(self) -> int:
        return len(self.answer)

    def take(self, rows: np.ndarray) -> RowCodes:
        index = self.box_index[rows]
        has_box = index >= 0
        new_index = np.where(has_box, np.cumsum(has_box) - 1, -1)
        codes = {k: v[rows] for k, v in self.codes.items()}
        return RowCodes(codes, self.names, self.answer[rows], new_index, self.boxes[index[has_box]])

    def labels(self, name: str, codes: np.ndarray) -> np.ndarray:
        values = np.array(self.names[name] + [None], dtype=object)
        return values[np.where(codes >= 0, codes, len(values) - 1)]


def _answer_of(text: str | None) -> int:
    """yes/no, or the option letter a-d of an answer such as "b", "(b)", "b)", "B. Pastures"; else other."""
    value = (text or "").strip().lower()
    if value in ("yes", "no"):
        return ANSWERS.index(value)
    if value[:1] == "(":
        value = value[1:]
    if value[:1] in ("a", "b", "c", "d") and (len(value) == 1 or value[1] in ").: "):
        return ANSWERS.index(value[0])
    return ANSWERS.index("other")


def _floats(table: TableLike, name: str) -> np.ndarray:
    column = _column(table, name, default=0.0)
    if pa.types.is_null(column.type):
        return np.full(len(column), np.nan)
    return np.asarray(pc.fill_null(column.cast(pa.float64()), np.nan).to_numpy(), dtype=float)


def _grouped_counts(
    keys: Sequence[np.ndarray], weights: Sequence[np.ndarray] = ()
) -> tuple[list[np.ndarray], np.ndarray, list[np.ndarray]]:
    """Count rows per combination of non-negative integer keys (and sum ``weights``): (key columns of each
    present combination, counts, sums). A bincount over the combined key when its range is small."""
    sizes = [int(k.max()) + 1 if len(k) else 1 for k in keys]
    combined = np.zeros(len(keys[0]) if keys else 0, dtype=np.int64)
    for key, size in zip(keys, sizes, strict=True):
        combined = combined * size + key.astype(np.int64)
    span = int(np.prod(sizes)) if sizes else 1
    if span <= 20_000_000:
        counts = np.bincount(combined, minlength=span)
        present = np.flatnonzero(counts)
        sums = [np.bincount(combined, weights=w, minlength=span)[present] for w in weights]
        counts = counts[present]
    else:
        present, inverse, counts = np.unique(combined, return_inverse=True, return_counts=True)
        sums = [np.bincount(inverse, weights=w) for w in weights]
    columns = []
    for size in reversed(sizes):
        columns.append(present % size)
        present = present // size
    return columns[::-1], counts, sums


def caption_lengths(
    annotations: TableLike,
    corpus: Corpus | None = None,
    row_index: np.ndarray | None = None,
    row_codes: RowCodes | None = None,
) -> pd.DataFrame:
    """Words, sentences and characters of every annotation's text, with its dataset, source, split, kind.

    Measured once per distinct text and spread back to the rows; categorical columns keep 9.55 M rows small.
    ``corpus``/``row_codes``: built from these annotations when the caller has them, with ``row_index``
    (default: ``corpus.row_index``) mapping each row of ``annotations`` to its distinct text.
    """
    if corpus is None:
        corpus = Corpus.from_annotations(annotations)
    index = corpus.row_index if row_index is None else row_index
    if index is None or len(index) != _num_rows(annotations):
        raise ValueError("row_index must map every annotation row to a text of the corpus")
    rc = row_codes if row_codes is not None else RowCodes.from_annotations(annotations)
    frame = pd.DataFrame(
        {
            name: pd.Categorical.from_codes(
                rc.codes[name].astype(np.int64), categories=pd.Index(rc.names[name], dtype=object)
            )
            for name in ("dataset", "source", "split", "kind")
        }
    )
    frame["words"] = corpus.word_counts()[index]
    frame["sentences"] = corpus.sentence_counts()[index]
    frame["chars"] = tokenize.char_counts(corpus.texts)[index]
    return frame


def length_histogram(
    lengths: pd.DataFrame, by: Sequence[str] = ("dataset", "source", "kind")
) -> pd.DataFrame:
    """Exact distribution of words per text: one row per (group, words) with its count, and the sentences and
    characters of those texts summed (what the figures and ``length_summary`` need)."""
    by = [b for b in by if b in lengths.columns]
    keys, names = [], []
    for column in by:
        values = lengths[column]
        categorical = (
            values.astype("category") if not isinstance(values.dtype, pd.CategoricalDtype) else values
        )
        codes = categorical.cat.codes.to_numpy().astype(np.int64)
        categories = np.array(list(categorical.cat.categories) + [None], dtype=object)
        keys.append(np.where(codes >= 0, codes, len(categories) - 1))
        names.append(categories)
    keys.append(lengths["words"].to_numpy().astype(np.int64))
    weights = [lengths["sentences"].to_numpy(dtype=float), lengths["chars"].to_numpy(dtype=float)]
    columns, counts, (sentences, chars) = _grouped_counts(keys, weights)
    frame = pd.DataFrame({column: names[i][columns[i]] for i, column in enumerate(by)})
    frame["words"] = columns[-1]
    frame["count"] = counts
    frame["sentences"] = sentences.round().astype(np.int64)
    frame["chars"] = chars.round().astype(np.int64)
    return frame


def length_summary(lengths: pd.DataFrame, by: Sequence[str] = ("dataset", "source", "kind")) -> pd.DataFrame:
    """Count, mean, median, spread and tails of words per text, plus mean sentences and characters.

    ``lengths`` is ``caption_lengths`` (one row per text) or its ``length_histogram`` (exact, and far smaller:
    the statistics are computed from the distribution). Percentiles are nearest-rank (inverted CDF)."""
    hist = lengths if "count" in lengths.columns else length_histogram(lengths, by)
    by = [b for b in by if b in hist.columns]
    rows = []
    for key, part in hist.groupby(by, observed=True, dropna=False, sort=False):
        part = part.sort_values("words")
        words = part["words"].to_numpy(dtype=float)
        count = part["count"].to_numpy(dtype=float)
        total = count.sum()
        cumulative = np.cumsum(count) / total
        mean = float((words * count).sum() / total)
        variance = float(((words - mean) ** 2 * count).sum() / (total - 1)) if total > 1 else float("nan")

        def quantile(q: float, words: np.ndarray = words, cumulative: np.ndarray = cumulative) -> float:
            return float(words[np.searchsorted(cumulative, q - 1e-12)])

        key = key if isinstance(key, tuple) else (key,)
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "texts": int(total),
                "mean_words": mean,
                "median_words": _median(words, count),
                "std_words": variance**0.5,
                "min_words": int(words[0]),
                "p05_words": quantile(0.05),
                "p95_words": quantile(0.95),
                "max_words": int(words[-1]),
                "mean_sentences": float(part["sentences"].sum() / total),
                "mean_chars": float(part["chars"].sum() / total),
            }
        )
    return pd.DataFrame(rows)


def _median(values: np.ndarray, counts: np.ndarray) -> float:
    """Median of a sorted distribution given as (value, count), averaging the middle pair like numpy."""
    total = int(counts.sum())
    cumulative = np.cumsum(counts)
    low = values[np.searchsorted(cumulative, (total - 1) // 2 + 1)]
    high = values[np.searchsorted(cumulative, total // 2 + 1)]
    return float((low + high) / 2)


# --- vocabulary ---------------------------------------------------------------------------------------------
@dataclass
class Vocabulary:
    """Vocabulary of a set of texts: sizes, top words and n-grams, rank-frequency (Zipf) table."""

    tokens: int
    size: int
    hapax: int  # words seen once
    counts: pd.DataFrame  # token, count (all words, most frequent first)
    ngrams: dict[int, pd.DataFrame]  # n -> ngram, count (top ones)

    @property
    def type_token_ratio(self) -> float:
        return self.size / self.tokens if self.tokens else float("nan")

    def top_words(self, n: int = 50) -> pd.DataFrame:
        return self.counts.head(n)

    def zipf(self, max_points: int = 2000) -> pd.DataFrame:
        """Rank, count and relative frequency; log-spaced ranks beyond ``max_points`` keep the curve small."""
        counts = self.counts["count"].to_numpy()
        ranks = np.arange(1, len(counts) + 1)
        if len(counts) > max_points:
            keep = np.unique(np.geomspace(1, len(counts), max_points).astype(np.int64)) - 1
            counts, ranks = counts[keep], ranks[keep]
        return pd.DataFrame({"rank": ranks, "count": counts, "frequency": counts / max(self.tokens, 1)})

    def summary(self) -> dict[str, Any]:
        return {
            "tokens": self.tokens,
            "vocabulary": self.size,
            "type_token_ratio": self.type_token_ratio,
            "hapax": self.hapax,
        }


def vocabulary(texts: Any, ngram_sizes: Sequence[int] = (2, 3), top: int = 50) -> Vocabulary:
    """Vocabulary of ``texts`` (any string column, or a ``Corpus``), counting every occurrence."""
    corpus = texts if isinstance(texts, Corpus) else Corpus.from_texts(texts)
    ids, vocab, sentence, weight = corpus.token_ids
    counts = np.bincount(ids, weights=weight, minlength=len(vocab)).round().astype(np.int64)
    frame = pd.DataFrame({"token": vocab.to_numpy(zero_copy_only=False), "count": counts})
    frame = frame[frame["count"] > 0]
    frame = frame.sort_values(["count", "token"], ascending=[False, True], ignore_index=True)
    ngrams = {n: _top_ngrams(ids, vocab, sentence, weight, n, top) for n in ngram_sizes}
    return Vocabulary(
        tokens=int(frame["count"].sum()),
        size=len(frame),
        hapax=int((frame["count"] == 1).sum()),
        counts=frame,
        ngrams=ngrams,
    )


def _top_ngrams(
    ids: np.ndarray, vocab: pa.Array, sentence: np.ndarray, weight: np.ndarray, n: int, top: int
) -> pd.DataFrame:
    size = len(ids)
    if size < n:
        return pd.DataFrame({"ngram": pd.Series(dtype=object), "count": pd.Series(dtype=np.int64)})
    starts = np.flatnonzero((sentence[: size - n + 1] == sentence[n - 1 :]) & (weight[: size - n + 1] > 0))
    v = max(len(vocab), 1)
    exact = v**n < 2**62
    key = np.zeros(len(starts), dtype=np.int64 if exact else np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            if exact:
                key = key * v + ids[starts + k]
            else:
                key = key * np.uint64(0x9E3779B97F4A7C15) + ids[starts + k].astype(np.uint64) + np.uint64(1)
    frame = pd.DataFrame({"key": key, "weight": weight[starts], "start": starts})
    grouped = frame.groupby("key", sort=False).agg(count=("weight", "sum"), start=("start", "first"))
    best = grouped.nlargest(top, "count", keep="first")
    words = vocab.to_numpy(zero_copy_only=False)
    first = best["start"].to_numpy()
    text = [" ".join(words[ids[s : s + n]]) for s in first]  # top rows only
    out = pd.DataFrame({"ngram": text, "count": best["count"].to_numpy().astype(np.int64)})
    return out.sort_values(["count", "ngram"], ascending=[False, True], ignore_index=True)


def unique_words(a: Any, b: Any, top: int = 50) -> dict[str, Any]:
    """Words of ``a`` never used in ``b`` and the reverse (texts or Vocabulary), with the shared count."""
    va = a if isinstance(a, Vocabulary) else vocabulary(a, ngram_sizes=())
    vb = b if isinstance(b, Vocabulary) else vocabulary(b, ngram_sizes=())
    in_b = va.counts["token"].isin(vb.counts["token"])
    in_a = vb.counts["token"].isin(va.counts["token"])
    return {
        "only_a": va.counts[~in_b].head(top).reset_index(drop=True),
        "only_b": vb.counts[~in_a].head(top).reset_index(drop=True),
        "shared": int(in_b.sum()),
        "only_a_total": int((~in_b).sum()),
        "only_b_total": int((~in_a).sum()),
    }


def dejavu_font() -> str:
    """Path of matplotlib's bundled DejaVu Sans: word clouds need a font and must not download one."""
    from matplotlib import font_manager

    return str(
        font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"), fallback_to_default=True)
    )


def word_cloud(
    frequencies: Mapping[str, float] | pd.DataFrame,
    width: int = 1600,
    height: int = 800,
    colormap: str = "viridis",
    max_words: int = 200,
    stopwords: Iterable[str] | None = None,
) -> Any:
    """A word-cloud image (PIL) of token frequencies (a ``token``/``count`` frame or a mapping), seeded."""
    from wordcloud import STOPWORDS, WordCloud

    if isinstance(frequencies, pd.DataFrame):
        frequencies = dict(zip(frequencies["token"], frequencies["count"], strict=True))
    drop = set(STOPWORDS if stopwords is None else stopwords)
    freq = {str(k): float(v) for k, v in frequencies.items() if v > 0 and str(k) not in drop}
    if not freq:
        freq = {"(no words)": 1.0}
    cloud = WordCloud(
        width=width,
        height=height,
        font_path=dejavu_font(),
        background_color="white",
        colormap=colormap,
        max_words=max_words,
        random_state=0,
        prefer_horizontal=0.95,
    )
    return cloud.generate_from_frequencies(freq).to_image()


# --- class frequency ----------------------------------------------------------------------------------------
def class_frequency_by_sample(samples: TableLike) -> pd.DataFrame:
    """Samples carrying each label, per dataset (``labels`` list column exploded): dataset, class, samples,
    share (of the dataset's samples)."""
    table = _arrow(samples) if isinstance(samples, pa.Table) else None
    if table is not None:
        labels = table.column("labels").combine_chunks() if "labels" in table.column_names else None
        datasets = _strings(table, "dataset")
        if labels is None or len(labels) == 0:
            return pd.DataFrame(columns=["dataset", "class", "samples", "share"])
        flat = pc.list_flatten(labels)
        parent = pc.list_parent_indices(labels)
        frame = pd.DataFrame({"dataset": pc.take(datasets, parent).to_pandas(), "class": flat.to_pandas()})
        totals = pd.Series(datasets.to_pandas()).value_counts()
    else:
        frame_in = pd.DataFrame(samples)
        if "labels" not in frame_in.columns or frame_in.empty:
            return pd.DataFrame(columns=["dataset", "class", "samples", "share"])
        frame = frame_in[["dataset", "labels"]].explode("labels").rename(columns={"labels": "class"})
        totals = frame_in["dataset"].value_counts()
    frame = frame.dropna(subset=["class"])
    counts = frame.groupby(["dataset", "class"], observed=True).size().rename("samples").reset_index()
    counts["share"] = counts["samples"] / counts["dataset"].map(totals).astype(float)
    return counts.sort_values(["dataset", "samples"], ascending=[True, False], ignore_index=True)


def _pixel_counts_one(reader: Callable[[str], Any], sample_id: str) -> tuple[str, np.ndarray] | str:
    """(legend name, pixels per class) of one sample's land-cover layer; the error text when unreadable."""
    try:
        layer = reader(sample_id)
    except (ExplorerError, OSError, KeyError, ValueError) as exc:
        return f"{sample_id}: {exc}"
    legend_name = getattr(layer, "attrs", {}).get("legend")
    if legend_name not in LEGENDS:
        return f"{sample_id}: land-cover layer names no known legend ({legend_name!r})"
    legend = LEGENDS[legend_name]
    return legend.name, legend.pixel_counts(np.asarray(layer))


class _LayerReader:
    """Picklable ``sample_id -> land-cover layer`` for Dask workers."""

    def __init__(self, catalog: Any) -> None:
        self.catalog = catalog

    def __call__(self, sample_id: str) -> Any:
        return self.catalog.read_layer(sample_id, LAYER_LANDCOVER)


def class_frequency_by_pixel(
    source: Any,
    sample_ids: Sequence[str] | None = None,
    legend: Legend | None = None,
    dataset: str | None = None,
    scheduler: str | Any | None = None,
    partitions: int | None = None,
) -> pd.DataFrame:
    """Pixels per class over many land-cover maps, computed with Dask.

    ``source`` is either a mapping ``sample_id -> array`` of raw codes (give ``legend``) or a Catalog-like
    object with ``read_layer(sample_id, "landcover")`` (each layer names its legend). Local threads by
    default; pass a Dask scheduler address (``"tcp://host:8786"``) or a ``distributed.Client`` to use an
    existing cluster. Unreadable samples are skipped and counted in ``skipped``. Returns dataset, legend,
    class, pixels, share, samples, skipped.
    """
    import dask
    import dask.bag as db

    if isinstance(source, Mapping):
        if legend is None:
            raise ValueError("give the legend of the land-cover arrays")
        arrays = source
        legend_ = legend

        def reader(sample_id: str) -> Any:
            import xarray as xr

            return xr.DataArray(np.asarray(arrays[sample_id]), attrs={"legend": legend_.name})

        ids = list(sample_ids) if sample_ids is not None else list(arrays)
        name = dataset or "arrays"
        read: Callable[[str], Any] = reader
    else:
        name = dataset or str(getattr(source, "name", "dataset"))
        if sample_ids is None:
            samples = pd.DataFrame(source.samples)
            has_layer = samples["layers"].map(lambda layers: LAYER_LANDCOVER in list(layers))
            sample_ids = samples.loc[has_layer, "sample_id"].tolist()
        ids = list(sample_ids)
        read = _LayerReader(source)
    if not ids:
        return pd.DataFrame(columns=["dataset", "legend", "class", "pixels", "share", "samples", "skipped"])
    bag = db.from_sequence(ids, npartitions=partitions or min(len(ids), 64))
    results_bag = bag.map(lambda sid: _pixel_counts_one(read, sid))
    if scheduler is None:
        (results,) = dask.compute(results_bag, scheduler="threads")
    else:
        from distributed import Client

        client = scheduler if isinstance(scheduler, Client) else Client(scheduler, set_as_default=False)
        try:
            results = client.compute(results_bag).result()
        finally:
            if client is not scheduler:
                client.close()
    totals: dict[str, np.ndarray] = {}
    used: dict[str, int] = {}
    skipped = 0
    for result in results:  # one small vector per sample, not per pixel
        if isinstance(result, str):
            skipped += 1
            continue
        legend_name, counts = result
        totals[legend_name] = totals.get(legend_name, 0) + counts
        used[legend_name] = used.get(legend_name, 0) + 1
    rows = []
    for legend_name, counts in totals.items():
        total = counts.sum()
        for cls, count in zip(LEGENDS[legend_name].classes, counts, strict=True):
            rows.append(
                (
                    name,
                    legend_name,
                    cls.name,
                    int(count),
                    count / total if total else np.nan,
                    used[legend_name],
                )
            )
    frame = pd.DataFrame(rows, columns=["dataset", "legend", "class", "pixels", "share", "samples"])
    frame["skipped"] = skipped
    return frame.sort_values(["dataset", "pixels"], ascending=[True, False], ignore_index=True)


def class_mentions(corpus_or_texts: Any, dataset: str = "") -> pd.DataFrame:
    """How often each land-cover class is named: dataset, class, mentions, texts (containing it)."""
    corpus = corpus_or_texts if isinstance(corpus_or_texts, Corpus) else Corpus.from_texts(corpus_or_texts)
    counts = _term_counts(corpus, dataset, ["CLASS"])
    return counts.drop(columns="kind").rename(columns={"label": "class"})


# --- spatial language ---------------------------------------------------------------------------------------
def _term_counts(corpus: Corpus, dataset: str, kinds: Sequence[str]) -> pd.DataFrame:
    """Mentions (occurrences) and texts (texts containing the term, with their occurrences) per term."""
    labels = spatial.term_labels()
    size = len(labels)
    sentence, term = corpus.sentence_terms()
    mentions = np.bincount(term, weights=corpus.sentence_weights[sentence], minlength=size)
    text, text_term = corpus.text_terms()
    texts = np.bincount(text_term, weights=corpus.weights[text], minlength=size)
    frame = labels.assign(dataset=dataset, mentions=mentions.round().astype(np.int64), texts=texts.round())
    frame = frame[(frame["mentions"] > 0) & frame["kind"].isin(kinds)]
    frame = frame.astype({"texts": np.int64})[["dataset", "kind", "label", "mentions", "texts"]]
    return frame.sort_values(["kind", "mentions"], ascending=[True, False], ignore_index=True)


def spatial_term_frequency(corpus_or_texts: Any, dataset: str = "") -> pd.DataFrame:
    """Occurrences of each POSITION/RELATION/SIZE term: dataset, kind, label, mentions, texts."""
    corpus = corpus_or_texts if isinstance(corpus_or_texts, Corpus) else Corpus.from_texts(corpus_or_texts)
    return _term_counts(corpus, dataset, ["POSITION", "RELATION", "SIZE"])


def cooccurrence(
    corpus_or_texts: Any, level: str = "sentence", min_count: int = 5, dataset: str = ""
) -> pd.DataFrame:
    """Spatial term x class co-occurrence within a sentence (or a whole caption), with PMI.

    ``pmi = log2(P(term, class) / (P(term) P(class)))`` over units (sentences or texts, each counted with its
    occurrences); ``ppmi`` keeps positive values; ``shown`` marks pairs with ``count >= min_count`` and a
    positive PMI (what the heatmap displays).
    """
    if level not in ("sentence", "caption"):
        raise ValueError("level must be 'sentence' or 'caption'")
    corpus = corpus_or_texts if isinstance(corpus_or_texts, Corpus) else Corpus.from_texts(corpus_or_texts)
    columns = ["dataset", "kind", "term", "class", "count", "term_count", "class_count", "units", "pmi"]
    labels = spatial.term_labels()
    size = len(labels)
    if level == "sentence":
        unit, term = corpus.unique_sentence_terms()
        unit_weights = corpus.sentence_weights
        units = float(unit_weights[corpus._tokens_per_sentence() > 0].sum())
    else:
        unit, term = corpus.text_terms()
        unit_weights = corpus.weights.astype(float)
        units = float(unit_weights.sum())
    weight = unit_weights[unit]
    keep = weight > 0
    unit, term, weight = unit[keep], term[keep], weight[keep]
    is_class = (labels["kind"] == "CLASS").to_numpy()[term]
    spatial_side = pd.DataFrame(
        {"unit": unit[~is_class], "term": term[~is_class], "weight": weight[~is_class]}
    )
    class_side = pd.DataFrame({"unit": unit[is_class], "cls": term[is_class]})
    pairs = spatial_side.merge(class_side, on="unit")
    if pairs.empty:
        return pd.DataFrame(columns=[*columns, "ppmi", "shown"])
    counts = np.bincount(
        pairs["term"].to_numpy() * size + pairs["cls"].to_numpy(),
        weights=pairs["weight"],
        minlength=size * size,
    )
    term_count = np.bincount(term[~is_class], weights=weight[~is_class], minlength=size)
    class_count = np.bincount(term[is_class], weights=weight[is_class], minlength=size)
    nonzero = np.flatnonzero(counts)
    t, c = nonzero // size, nonzero % size
    table = pd.DataFrame(
        {
            "dataset": dataset,
            "kind": labels["kind"].to_numpy()[t],
            "term": labels["label"].to_numpy()[t],
            "class": labels["label"].to_numpy()[c],
            "count": counts[nonzero].round().astype(np.int64),
            "term_count": term_count[t].round().astype(np.int64),
            "class_count": class_count[c].round().astype(np.int64),
            "units": units,
        }
    )
    with np.errstate(divide="ignore"):
        table["pmi"] = np.log2(table["count"] * units / (table["term_count"] * table["class_count"]))
    table["ppmi"] = table["pmi"].clip(lower=0)
    table["shown"] = (table["count"] >= min_count) & (table["pmi"] > 0)
    return table.sort_values(["kind", "term", "pmi"], ascending=[True, True, False], ignore_index=True)


# --- task mix (BigEarthNet.txt) -----------------------------------------------------------------------------
def task_mix(annotations: TableLike | RowCodes) -> pd.DataFrame:
    """Annotations per dataset, kind and category, with the share of the dataset."""
    rc = annotations if isinstance(annotations, RowCodes) else RowCodes.from_annotations(annotations)
    keys = [
        np.where(rc.codes[n] >= 0, rc.codes[n], len(rc.names[n])) for n in ("dataset", "kind", "category")
    ]
    (d, k, c), counts, _ = _grouped_counts(keys)
    frame = pd.DataFrame(
        {
            "dataset": rc.labels("dataset", _nullable(d, rc.names["dataset"])),
            "kind": rc.labels("kind", _nullable(k, rc.names["kind"])),
            "category": rc.labels("category", _nullable(c, rc.names["category"])),
            "count": counts,
        }
    )
    frame["category"] = frame["category"].fillna("(none)")
    frame["share"] = frame["count"] / frame.groupby("dataset")["count"].transform("sum")
    return frame.sort_values(["dataset", "count"], ascending=[True, False], ignore_index=True)


def _nullable(codes: np.ndarray, names: list[Any]) -> np.ndarray:
    """Codes shifted so that the null slot (len(names)) reads as -1 again."""
    return np.where(codes >= len(names), -1, codes)


def answer_balance(annotations: TableLike | RowCodes) -> pd.DataFrame:
    """Answers of binary (yes/no) and multiple-choice (a-d) questions: dataset, kind, answer, count, share.
    Answers outside the expected set are counted as ``other``."""
    rc = annotations if isinstance(annotations, RowCodes) else RowCodes.from_annotations(annotations)
    asked = rc.answer >= 0
    if not asked.any():
        return pd.DataFrame(columns=["dataset", "kind", "answer", "count", "share"])
    keys = [rc.codes["dataset"][asked], rc.codes["kind"][asked], rc.answer[asked]]
    (d, k, a), counts, _ = _grouped_counts([np.maximum(x, 0) for x in keys])
    frame = pd.DataFrame(
        {
            "dataset": rc.labels("dataset", d),
            "kind": rc.labels("kind", k),
            "answer": np.array(ANSWERS, dtype=object)[a],
            "count": counts,
        }
    )
    frame["share"] = frame["count"] / frame.groupby(["dataset", "kind"])["count"].transform("sum")
    return frame.sort_values(["dataset", "kind", "answer"], ignore_index=True)


def boxes_per_sample(annotations: TableLike | RowCodes) -> pd.DataFrame:
    """How many samples carry 0, 1, 2, ... boxes (of those with any annotation): dataset, boxes, samples."""
    rc = annotations if isinstance(annotations, RowCodes) else RowCodes.from_annotations(annotations)
    if not len(rc):
        return pd.DataFrame(columns=["dataset", "boxes", "samples"])
    dataset = np.maximum(rc.codes["dataset"], 0).astype(np.int64)
    sample = np.maximum(rc.codes["sample_id"], 0).astype(np.int64)
    has_box = (rc.box_index >= 0).astype(float)
    (d, _), _, (boxes,) = _grouped_counts([dataset, sample], [has_box])  # one row per (dataset, sample)
    (d2, b), samples, _ = _grouped_counts([d, boxes.round().astype(np.int64)])
    frame = pd.DataFrame({"dataset": rc.labels("dataset", d2), "boxes": b, "samples": samples})
    return frame.sort_values(["dataset", "boxes"], ignore_index=True)


def box_sizes(annotations: TableLike | RowCodes, bins: int = 20) -> pd.DataFrame:
    """Histogram of box width, height and area (normalised image units, 0-1): dataset, measure, bin_left,
    bin_right, count."""
    rc = annotations if isinstance(annotations, RowCodes) else RowCodes.from_annotations(annotations)
    if not len(rc.boxes):
        return pd.DataFrame(columns=["dataset", "measure", "bin_left", "bin_right", "count"])
    edges = np.linspace(0, 1, bins + 1)
    boxed = rc.box_index >= 0
    datasets = rc.codes["dataset"][boxed]
    x0, y0, x1, y1 = (rc.boxes[:, i].astype(float) for i in range(4))
    width, height = np.abs(x1 - x0), np.abs(y1 - y0)
    frames = []
    for code in np.unique(datasets):
        mine = datasets == code
        for measure, values in (("width", width), ("height", height), ("area", width * height)):
            counts, _ = np.histogram(np.clip(values[mine], 0, 1), bins=edges)
            frames.append(
                pd.DataFrame(
                    {
                        "dataset": rc.labels("dataset", np.array([code]))[0],
                        "measure": measure,
                        "bin_left": edges[:-1],
                        "bin_right": edges[1:],
                        "count": counts,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


# --- geography ----------------------------------------------------------------------------------------------
CONTINENTS = ("Europe", "Asia", "Africa", "North America", "South America", "Oceania", "Antarctica")
_EUROPE = [
    "Albania", "Andorra", "Austria", "Belarus", "Belgium", "Bosnia and Herzegovina", "Bulgaria", "Croatia",
    "Cyprus", "Czechia", "Czech Republic", "Denmark", "Estonia", "Finland", "France", "Germany", "Greece",
    "Hungary", "Iceland", "Ireland", "Italy", "Kosovo", "Latvia", "Liechtenstein", "Lithuania", "Luxembourg",
    "Malta", "Moldova", "Monaco", "Montenegro", "Netherlands", "North Macedonia", "Norway", "Poland",
    "Portugal", "Romania", "Russia", "San Marino", "Serbia", "Slovakia", "Slovenia", "Spain", "Sweden",
    "Switzerland", "Ukraine", "United Kingdom",
]  # fmt: skip
_ASIA = [
    "Afghanistan", "Bangladesh", "China", "India", "Indonesia", "Iran", "Iraq", "Israel", "Japan", "Jordan",
    "Kazakhstan", "Malaysia", "Mongolia", "Myanmar", "Nepal", "Pakistan", "Philippines", "Saudi Arabia",
    "Singapore", "South Korea", "Sri Lanka", "Syria", "Taiwan", "Thailand", "Turkey", "United Arab Emirates",
    "Uzbekistan", "Vietnam", "Yemen",
]  # fmt: skip
_AFRICA = [
    "Algeria", "Angola", "Botswana", "Cameroon", "DR Congo", "Egypt", "Ethiopia", "Ghana", "Kenya", "Libya",
    "Madagascar", "Mali", "Morocco", "Mozambique", "Namibia", "Niger", "Nigeria", "Senegal", "Somalia",
    "South Africa", "Sudan", "Tanzania", "Tunisia", "Uganda", "Zambia", "Zimbabwe",
]  # fmt: skip
_NORTH_AMERICA = ["Canada", "Cuba", "Guatemala", "Mexico", "Panama", "United States", "USA"]
_SOUTH_AMERICA = [
    "Argentina", "Bolivia", "Brazil", "Chile", "Colombia", "Ecuador", "Paraguay", "Peru", "Uruguay",
    "Venezuela",
]  # fmt: skip
_OCEANIA = ["Australia", "Fiji", "New Zealand", "Papua New Guinea"]
# Country -> continent for the countries the datasets cover (and the larger others); extend as needed.
COUNTRY_CONTINENT: dict[str, str] = {
    **{c: "Europe" for c in _EUROPE},
    **{c: "Asia" for c in _ASIA},
    **{c: "Africa" for c in _AFRICA},
    **{c: "North America" for c in _NORTH_AMERICA},
    **{c: "South America" for c in _SOUTH_AMERICA},
    **{c: "Oceania" for c in _OCEANIA},
}
# Rough lat/lon boxes (south, north, west, east), tested in order, for samples without a country. Coarse on
# purpose: it tells which continents a dataset covers, not where a border runs.
CONTINENT_BOXES: list[tuple[str, float, float, float, float]] = [
    ("Antarctica", -90, -60, -180, 180),
    ("Asia", 12, 42, 34, 63),  # Middle East before Africa's box
    ("Europe", 35, 72, -25, 45),
    ("Africa", -35, 37.5, -20, 52),
    ("Asia", -11, 82, 25, 180),
    ("North America", 7, 84, -170, -50),
    ("South America", -56, 13, -82, -34),
    ("Oceania", -50, 0, 110, 180),
    ("Oceania", -50, 25, -180, -120),
]


def continent_of(country: Any, lat: Any, lon: Any) -> np.ndarray:
    """Continent per row: from the country name when known, else from lat/lon boxes; None when neither."""
    countries = pd.Series(np.asarray(country, dtype=object))
    result = countries.map(COUNTRY_CONTINENT).to_numpy(dtype=object)
    lat_ = np.asarray(lat, dtype=float)
    lon_ = np.asarray(lon, dtype=float)
    todo = pd.isna(result) & np.isfinite(lat_) & np.isfinite(lon_)
    for name, south, north, west, east in CONTINENT_BOXES:
        inside = todo & (lat_ >= south) & (lat_ <= north) & (lon_ >= west) & (lon_ <= east)
        result[inside] = name
        todo &= ~inside
    result[pd.isna(result)] = None
    return result


def _geo_frame(samples: TableLike) -> pd.DataFrame:
    """dataset, country, lat, lon, continent per sample; a frame that already has them passes through."""
    if isinstance(samples, pd.DataFrame) and "continent" in samples.columns:
        return samples
    frame = pd.DataFrame(
        {
            "dataset": _strings(samples, "dataset").to_pandas(),
            "country": _strings(samples, "country").to_pandas(),
            "lat": _column(samples, "lat", default=0.0).to_pandas().astype(float),
            "lon": _column(samples, "lon", default=0.0).to_pandas().astype(float),
        }
    )
    frame["continent"] = continent_of(frame["country"], frame["lat"], frame["lon"])
    return frame


def samples_per_country(samples: TableLike) -> pd.DataFrame:
    """dataset, country ("unknown" when absent), continent, samples."""
    frame = _geo_frame(samples)
    frame["country"] = frame["country"].fillna("unknown")
    frame["continent"] = frame["continent"].fillna("unknown")
    out = frame.groupby(["dataset", "country", "continent"]).size().rename("samples").reset_index()
    return out.sort_values(["dataset", "samples"], ascending=[True, False], ignore_index=True)


def samples_per_continent(samples: TableLike) -> pd.DataFrame:
    """dataset, continent ("unknown" without country or position), samples."""
    frame = _geo_frame(samples)
    frame["continent"] = frame["continent"].fillna("unknown")
    out = frame.groupby(["dataset", "continent"]).size().rename("samples").reset_index()
    return out.sort_values(["dataset", "samples"], ascending=[True, False], ignore_index=True)


def density_grid(samples: TableLike, cell_deg: float = 2.0) -> pd.DataFrame:
    """2D histogram of sample positions: dataset, lat, lon (south-west corner of a cell), count (non-zero)."""
    frame = _geo_frame(samples)
    frame = frame[np.isfinite(frame["lat"]) & np.isfinite(frame["lon"])]
    lat_edges = np.arange(-90, 90 + cell_deg, cell_deg)
    lon_edges = np.arange(-180, 180 + cell_deg, cell_deg)
    frames = []
    for name, group in frame.groupby("dataset"):
        counts, _, _ = np.histogram2d(group["lat"], group["lon"], bins=[lat_edges, lon_edges])
        i, j = np.nonzero(counts)
        frames.append(
            pd.DataFrame({"dataset": name, "lat": lat_edges[i], "lon": lon_edges[j], "count": counts[i, j]})
        )
    if not frames:
        return pd.DataFrame(columns=["dataset", "lat", "lon", "count"])
    out = pd.concat(frames, ignore_index=True)
    out["count"] = out["count"].astype(np.int64)
    out["cell_deg"] = cell_deg
    return out


def spatial_coverage(samples: TableLike) -> str:
    """Coverage in words, computed: countries/continents, else continents and bounding box, else "unknown"."""
    frame = _geo_frame(samples)
    countries = frame["country"].dropna().unique()
    continents = sorted(frame["continent"].dropna().unique())
    positioned = frame[np.isfinite(frame["lat"]) & np.isfinite(frame["lon"])]
    if len(countries):
        return (
            f"{len(countries)} countries, {len(continents)} continent{'s' if len(continents) != 1 else ''}"
            + (f" ({continents[0]})" if len(continents) == 1 else "")
        )
    if len(positioned):
        box = (
            f"lat {positioned['lat'].min():.1f} to {positioned['lat'].max():.1f}, "
            f"lon {positioned['lon'].min():.1f} to {positioned['lon'].max():.1f}"
        )
        return f"{len(continents)} continent{'s' if len(continents) != 1 else ''}; {box}"
    return "unknown"


# --- comparison ---------------------------------------------------------------------------------------------
def _modality(dataset: Dataset) -> str:
    if dataset.describe.get("modality"):
        return str(dataset.describe["modality"])
    column = _column(dataset.samples, "layers")
    layers = pc.unique(pc.list_flatten(column)).to_pylist() if pa.types.is_list(column.type) else []
    names = {"s2": "multispectral", "s1": "SAR"}
    found = [names[layer] for layer in ("s2", "s1") if layer in set(layers)]
    return " + ".join(found) if found else "unknown"


def comparison_table(datasets: Any) -> pd.DataFrame:
    """One row per dataset in the spirit of ChatEarthNet's Table A1, every number computed from the data."""
    rows = []
    for dataset in as_datasets(datasets):
        rows.append(_comparison_row(dataset))
    return pd.DataFrame(rows)


def _comparison_row(
    dataset: Dataset,
    words: np.ndarray | None = None,
    vocabulary_size: int | None = None,
    kind_counts: pd.Series | None = None,
) -> dict[str, Any]:
    """One dataset's row. ``words`` (per caption), ``vocabulary_size`` and ``kind_counts`` (rows per kind) are
    reused when the caller has them; caption measures fall back to all texts when there are no captions."""
    annotations = dataset.annotations
    if words is None or vocabulary_size is None:
        texts = annotation_texts(annotations)
        is_caption = ~is_question(annotations)
        chosen = pc.filter(texts, pa.array(is_caption)) if is_caption.any() else texts
        words = tokenize.word_counts(chosen) if words is None else words
        if vocabulary_size is None:
            vocabulary_size = vocabulary(chosen, ngram_sizes=()).size
    sample_ids = _strings(dataset.samples, "sample_id") if _num_rows(dataset.samples) else None
    images = (
        len(pc.unique(sample_ids))
        if sample_ids is not None and len(sample_ids)
        else len(pc.unique(_strings(annotations, "sample_id")))
    )
    if kind_counts is None:
        counted = pc.value_counts(_strings(annotations, "kind"))
        kind_counts = pd.Series(
            counted.field("counts").to_numpy(), index=counted.field("values").to_pylist(), dtype=np.int64
        ).drop(labels=[None], errors="ignore")
    return {
        "dataset": dataset.name,
        "image-text pairs": int(kind_counts.sum()),
        "captions": int(kind_counts.get(KIND_CAPTION, 0)),
        "images": int(images),
        "mean caption length (words)": float(np.mean(words)) if len(words) else float("nan"),
        "median caption length (words)": float(np.median(words)) if len(words) else float("nan"),
        "vocabulary size": int(vocabulary_size),
        "image modality": _modality(dataset),
        "spatial coverage": spatial_coverage(dataset.samples) if _num_rows(dataset.samples) else "unknown",
        "annotation types": ", ".join(sorted(str(k) for k in kind_counts.index)),
        "caption generation": str(dataset.describe.get("generation", "unknown")),
    }


# --- everything at once, saved and reloaded -----------------------------------------------------------------
@dataclass
class Prepared:
    """What every statistic of a dataset derives from, built once: its texts (``Corpus``) and its per-row
    codes (``RowCodes``). Keep it to compute selections in well under a second."""

    corpus: Corpus
    rows: RowCodes


def prepare(annotations: TableLike) -> Prepared:
    """Tokenise the distinct texts and code the columns of a dataset's annotations (the expensive part)."""
    return Prepared(Corpus.from_annotations(annotations), RowCodes.from_annotations(annotations))


def text_corpus(annotations: TableLike) -> Corpus:
    """The ``Corpus`` of every annotation's text."""
    return Corpus.from_annotations(annotations)


def compute_dataset(
    dataset: Dataset,
    *,
    level: str = "sentence",
    min_count: int = 5,
    top: int = 50,
    pixels: bool = False,
    scheduler: str | Any | None = None,
    prepared: Prepared | None = None,
    rows: np.ndarray | None = None,
) -> dict[str, pd.DataFrame]:
    """Every statistic of one dataset (see ``compute_all``).

    ``prepared``: ``prepare(dataset.annotations)`` when already built; ``rows``: indices (or a boolean mask) of
    the annotation rows to count, for a selection (``dataset.samples`` then holds the selected samples).
    """
    name = dataset.name
    prepared = prepared if prepared is not None else prepare(dataset.annotations)
    corpus, codes = prepared.corpus, prepared.rows
    row_index = corpus.row_index
    if row_index is None or len(row_index) != len(codes) or len(codes) != _num_rows(dataset.annotations):
        raise ValueError("the prepared data was not built from these annotations (see prepare)")
    if rows is not None:
        rows = np.asarray(rows)
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows.astype(np.int64)
        codes = codes.take(rows)
        row_index = row_index[rows]
    out: dict[str, list[pd.DataFrame]] = {}

    def put(key: str, frame: pd.DataFrame) -> None:
        out.setdefault(key, []).append(frame)

    words = corpus.word_counts()[row_index]
    hist = _length_histogram_codes(
        codes, words, corpus.sentence_counts()[row_index], corpus.char_counts()[row_index]
    )
    put("length_summary", length_summary(hist))
    put("length_hist", hist)
    kinds = codes.names["kind"]
    question_codes = [i for i, k in enumerate(kinds) if k in QUESTION_KINDS]
    question = np.isin(codes.codes["kind"], question_codes)
    sizes: dict[str, int] = {}
    for group, mask in ((GROUP_CAPTION, ~question), (GROUP_QUESTION, question)):
        view = corpus.with_weights(np.bincount(row_index[mask], minlength=len(corpus.texts)).astype(np.int64))
        if not view.n_texts:
            continue
        vocab = vocabulary(view, top=top)
        sizes[group] = vocab.size
        label = {"dataset": name, "group": group}
        put("vocabulary", pd.DataFrame([{**label, **vocab.summary()}]))
        top_words = vocab.counts.head(max(top, 200))
        put("top_words", top_words.assign(rank=np.arange(1, len(top_words) + 1), **label))
        for n, grams in vocab.ngrams.items():
            put("ngrams", grams.assign(n=n, rank=np.arange(1, len(grams) + 1), **label))
        put("zipf", vocab.zipf().assign(**label))
        put("spatial_terms", spatial_term_frequency(view, name).assign(group=group))
        put("class_mentions", class_mentions(view, name).assign(group=group))
        put(
            "cooccurrence",
            cooccurrence(view, level=level, min_count=min_count, dataset=name).assign(group=group),
        )

    put("task_mix", task_mix(codes))
    put("answer_balance", answer_balance(codes))
    put("boxes_per_sample", boxes_per_sample(codes))
    put("box_sizes", box_sizes(codes))
    samples = dataset.samples
    if _num_rows(samples):
        geo = _geo_frame(samples)
        put("class_by_sample", class_frequency_by_sample(samples))
        put("countries", samples_per_country(geo))
        put("continents", samples_per_continent(geo))
        put("density", density_grid(geo))
    if pixels and dataset.origin is not None and hasattr(dataset.origin, "read_layer"):
        put("class_by_pixel", class_frequency_by_pixel(dataset.origin, dataset=name, scheduler=scheduler))
    main_is_question = GROUP_CAPTION not in sizes
    kind_counts = pd.Series(
        np.bincount(np.maximum(codes.codes["kind"], 0), minlength=len(kinds))[: len(kinds)], index=kinds
    )
    row = _comparison_row(
        dataset,
        words[question == main_is_question],
        sizes.get(GROUP_QUESTION if main_is_question else GROUP_CAPTION, 0),
        kind_counts[kind_counts > 0],
    )
    put("comparison", pd.DataFrame([row]))
    return {key: pd.concat(frames, ignore_index=True) for key, frames in out.items()}


def _length_histogram_codes(
    codes: RowCodes, words: np.ndarray, sentences: np.ndarray, chars: np.ndarray
) -> pd.DataFrame:
    """``length_histogram`` straight from row codes (no per-row DataFrame)."""
    by = ("dataset", "source", "kind")
    keys = [np.where(codes.codes[n] >= 0, codes.codes[n], len(codes.names[n])).astype(np.int64) for n in by]
    columns, counts, (sent, char) = _grouped_counts([*keys, words.astype(np.int64)], [sentences, chars])
    frame = pd.DataFrame(
        {n: codes.labels(n, _nullable(columns[i], codes.names[n])) for i, n in enumerate(by)}
    )
    frame["words"] = columns[-1]
    frame["count"] = counts
    frame["sentences"] = np.asarray(sent).round().astype(np.int64)
    frame["chars"] = np.asarray(char).round().astype(np.int64)
    return frame


def selection_rows(
    annotations: TableLike, sample_ids: Iterable[str], samples: TableLike | None = None
) -> np.ndarray:
    """Indices (sorted) of the annotation rows of the given samples.

    A catalog's annotations are sorted by ``sidx`` (the sample's row number in ``samples``): then each sample's
    rows are found by binary search; otherwise by a hash lookup of ``sample_id`` over all rows.
    """
    ids = pa.array(list(sample_ids) if not isinstance(sample_ids, pa.Array) else sample_ids, type=pa.string())
    table = annotations if isinstance(annotations, pa.Table) else None
    if table is not None and samples is not None and "sidx" in table.column_names:
        wanted = _sidx_of(samples, ids)
        sidx = table["sidx"].to_numpy().astype(np.int64)
        if wanted is not None and (len(sidx) < 2 or bool(np.all(sidx[1:] >= sidx[:-1]))):
            starts = np.searchsorted(sidx, wanted, side="left")
            stops = np.searchsorted(sidx, wanted, side="right")
            lengths = stops - starts
            offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
            return np.arange(int(lengths.sum()), dtype=np.int64) + offsets
    found = pc.is_in(_strings(annotations, "sample_id"), value_set=ids)
    return np.flatnonzero(np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool))


def _sidx_of(samples: TableLike, ids: pa.Array) -> np.ndarray | None:
    """Sorted ``sidx`` of the samples named in ``ids`` (None when the samples have no ``sidx``)."""
    if isinstance(samples, pd.DataFrame):
        if "sidx" not in samples.columns:
            return None
        chosen = samples["sidx"].to_numpy()[samples["sample_id"].isin(ids.to_pylist()).to_numpy()]
        return np.sort(chosen.astype(np.int64))
    if "sidx" not in samples.column_names:
        return None
    hit = pc.fill_null(pc.is_in(_strings(samples, "sample_id"), value_set=ids), False)
    return np.sort(pc.filter(samples["sidx"], hit).to_numpy().astype(np.int64))


def compute_selection(
    dataset: Any, sample_ids: Iterable[str], prepared: Prepared | None = None, **options: Any
) -> dict[str, pd.DataFrame]:
    """Statistics of a selection of samples of one dataset, reusing the dataset's ``prepared`` data (build it
    once with ``prepare``; without it the whole dataset is prepared first)."""
    data = as_dataset(dataset)
    ids = pa.array(list(sample_ids), type=pa.string())
    samples = data.samples
    if isinstance(samples, pd.DataFrame):  # a catalog's: filter in pandas, no conversion of every sample
        chosen: TableLike = samples[samples["sample_id"].isin(ids.to_pylist())]
    else:
        chosen = samples.filter(pc.fill_null(pc.is_in(_strings(samples, "sample_id"), value_set=ids), False))
    rows = selection_rows(data.annotations, ids, samples)
    subset = Dataset(data.name, chosen, data.annotations, data.describe, data.origin)
    return compute_dataset(subset, prepared=prepared, rows=rows, **options)


def combine(results: Iterable[Mapping[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Concatenate the statistics of several datasets, table by table."""
    merged: dict[str, list[pd.DataFrame]] = {}
    for result in results:
        for key, frame in result.items():
            merged.setdefault(key, []).append(frame)
    return {
        key: pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
        for key, frames in merged.items()
    }


def compute_all(
    datasets: Any,
    *,
    level: str = "sentence",
    min_count: int = 5,
    top: int = 50,
    pixels: bool = False,
    scheduler: str | Any | None = None,
) -> dict[str, pd.DataFrame]:
    """Every statistic of one or more datasets as tidy DataFrames keyed by name:

    length_summary, length_hist, vocabulary, top_words, ngrams, zipf, spatial_terms, class_mentions,
    cooccurrence, task_mix, answer_balance, boxes_per_sample, box_sizes, class_by_sample, countries,
    continents, density, comparison, and class_by_pixel when ``pixels`` (reads every land-cover layer, with
    Dask).
    """
    return combine(
        compute_dataset(d, level=level, min_count=min_count, top=top, pixels=pixels, scheduler=scheduler)
        for d in as_datasets(datasets)
    )


def save_stats(stats: Mapping[str, pd.DataFrame], folder: str | Path, csv: bool = True) -> list[Path]:
    """Write each table as ``<name>.parquet`` (and ``<name>.csv`` for people); return the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in stats.items():
        clean = frame.copy()
        for column in clean.columns:
            if isinstance(clean[column].dtype, pd.CategoricalDtype):
                clean[column] = clean[column].astype(object)
        path = folder / f"{name}.parquet"
        pq.write_table(pa.Table.from_pandas(clean, preserve_index=False), path)
        paths.append(path)
        if csv:
            clean.to_csv(folder / f"{name}.csv", index=False)
            paths.append(folder / f"{name}.csv")
    return paths


def load_stats(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Read back what ``save_stats`` wrote (Parquet files only)."""
    return {path.stem: pq.read_table(path).to_pandas() for path in sorted(Path(folder).glob("*.parquet"))}


def _cache_key(catalog: Any, options: Mapping[str, Any]) -> str:
    meta = getattr(catalog, "meta", {}) or {}
    facts = {
        "version": STATS_VERSION,
        "path": str(getattr(catalog, "path", "")),
        "name": str(getattr(catalog, "name", "")),
        "fingerprint": meta.get("fingerprint"),
        "built": meta.get("built") or meta.get("created"),
        "annotations": _num_rows(catalog.annotations),
        "samples": _num_rows(catalog.samples),
        "options": dict(options),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def cached_stats(catalog: Any, *, refresh: bool = False, **options: Any) -> dict[str, pd.DataFrame]:
    """``compute_all`` of one catalog, saved in ``catalog.stats_dir`` and reused while the catalog and the
    options are unchanged."""
    folder = Path(catalog.stats_dir)
    key_file = folder / "stats_key.json"
    key = _cache_key(catalog, {k: v for k, v in options.items() if k != "scheduler"})
    if not refresh and key_file.exists():
        try:
            if json.loads(key_file.read_text()).get("key") == key:
                return load_stats(folder)
        except (json.JSONDecodeError, OSError):
            pass  # unreadable key: recompute
    stats = compute_all(catalog, **options)
    for old in [*folder.glob("*.parquet"), *folder.glob("*.csv")]:
        old.unlink()
    save_stats(stats, folder)
    key_file.write_text(json.dumps({"key": key, "version": STATS_VERSION}))
    return stats
