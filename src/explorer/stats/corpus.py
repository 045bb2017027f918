"""The text corpus and its one text rule: which column is an annotation's text, which texts are questions,
and the distinct texts/sentences/tokens every text statistic counts (tokens follow ``explorer.text.tokenize``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..model import KIND_CONVERSATION, KIND_REFEXP, KIND_VQA_BINARY, KIND_VQA_MCQ
from ..text import spatial, tokenize
from .columns import TableLike, encode, strings

QUESTION_KINDS = (KIND_VQA_BINARY, KIND_VQA_MCQ, KIND_REFEXP)
# Texts are analysed in two groups: free descriptions (captions, conversations) and questions/prompts.
GROUP_CAPTION = "caption"
GROUP_QUESTION = "question"


def annotation_texts(annotations: TableLike) -> pa.Array:
    """The text of every annotation: caption -> ``output``; questions (binary, mcq, refexp) -> ``input``;
    conversation -> ``input`` + ``output``; any other kind -> ``output``, else ``input``."""
    kind = strings(annotations, "kind")
    text_in = strings(annotations, "input")
    text_out = strings(annotations, "output")
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
    kind = strings(annotations, "kind")
    mask = pc.fill_null(pc.is_in(kind, value_set=pa.array(QUESTION_KINDS)), False)
    return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)


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
        row_index, uniques = encode(pc.fill_null(arr, ""))
        return cls._build(uniques, row_index)

    @classmethod
    def from_annotations(cls, annotations: TableLike) -> Corpus:
        """The corpus of ``annotation_texts(annotations)``, without building that 9.55 M-row column: question
        inputs are hashed in place, and only the other rows' texts are gathered."""
        kind = strings(annotations, "kind")
        question = is_question(annotations)
        text_in = strings(annotations, "input")
        codes_in, dict_in = encode(text_in)
        row_index = np.where(question, codes_in, -1)
        pieces = [dict_in]
        rest = ~question
        if rest.any():
            mask = pa.array(rest)
            in_rest, out_rest = pc.filter(text_in, mask), pc.filter(strings(annotations, "output"), mask)
            conversation = pc.fill_null(pc.equal(pc.filter(kind, mask), KIND_CONVERSATION), False)
            joined = _join_texts(in_rest, out_rest)
            text = pc.if_else(conversation, joined, pc.coalesce(out_rest, in_rest))
            codes_rest, dict_rest = encode(text)
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
        piece_sentence, sentences = encode(pc.list_flatten(split))
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
            ids, vocab = encode(pc.list_flatten(self.token_lists))
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


def text_corpus(annotations: TableLike) -> Corpus:
    """The ``Corpus`` of every annotation's text."""
    return Corpus.from_annotations(annotations)
