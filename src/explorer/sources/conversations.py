"""Shared machinery for LLaVA-style instruction files and question/answer benchmark JSONL files.

GeoChat-Instruct (263 MB) and FIT-RS (896 MB) are each ONE JSON array of
``{"id"?, "image", "conversations": [{"from": "human"|"gpt", "value"}]}`` records. They are streamed twice with
ijson (``_stream.json_array_items``): once for the image names (samples), once for the question/answer pairs
(annotation batches of ``BATCH_ROWS``), so memory stays flat whatever the file size.

Each human question and the gpt answer that follows become one ``conversation`` annotation: ``input`` is the
question without ``<image>``, ``category`` the task tag (``[refer]``, ``[detection]``, ...), ``ref`` the first
phrase (``<p>...</p>`` or ``<ref>...</ref>``), ``boxes`` every box of the answer (else of the question, as
``[identify]`` asks about a box), in the format's box syntax (``_boxes``), and ``extra`` the record id and any
``<rel>`` spans.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from ..model import ANNOTATION_SCHEMA, KIND_CONVERSATION, boxes_array, table_from_columns
from ._boxes import Box, centre_boxes, corner_boxes
from ._stream import json_array_items, jsonl_records
from .captions import CaptionSource, _Collected, _file_name, _first_item, _stem

BATCH_ROWS = 100_000
REF = re.compile(r"<p>(.*?)</p>|<ref>(.*?)</ref>", re.DOTALL)
REL = re.compile(r"<rel>(.*?)</rel>", re.DOTALL)


class ConversationSource(CaptionSource):
    """A streamed LLaVA-style conversation file; subclasses set the task tags and the box syntax."""

    tokens = ("conversations",)
    opener = "["
    annotation_kind = KIND_CONVERSATION
    #: regex whose group 1 is the task tag of a question
    task_pattern: ClassVar[re.Pattern[str]] = re.compile(r"\[(refer|grounding|identify)\]")
    #: box syntax of the format: "corners" (GeoChat) or "centre" (FIT-RS), see ``_boxes``
    box_syntax: ClassVar[str] = "corners"

    @classmethod
    def parse_boxes(cls, text: str | None) -> list[Box]:
        return centre_boxes(text) if cls.box_syntax == "centre" else corner_boxes(text)

    def __init__(self, root: str | Path, name: str | None = None) -> None:
        super().__init__(root, name)
        self._samples: pa.Table | None = None
        self._count: int | None = None

    @classmethod
    def shape_ok(cls, document: Any) -> bool:
        first = _first_item(document)
        return isinstance(first, dict) and isinstance(first.get("conversations"), list)

    def records(self, path: Path) -> Iterator[Any]:
        return json_array_items(path, expected=self.description)

    # --- samples: image names (record-level problems are reported here, turn-level ones with the pairs) ---
    def samples(self) -> pa.Table:
        if self._samples is None:
            collected = _Collected()
            pairs = 0
            for path in self.files:
                for index, record in enumerate(self.records(path)):
                    if not isinstance(record, dict) or not isinstance(record.get("conversations"), list):
                        self.problem(path, f"record {index}: expected an object with a 'conversations' list")
                        continue
                    image = record.get("image")
                    if not isinstance(image, str) or not image:
                        self.problem(path, f"record {index}: no 'image' (text-only conversation)")
                        continue
                    collected.sample(_stem(image), _file_name(image), None)
                    turns = record["conversations"]
                    pairs += sum(1 for t in turns if isinstance(t, dict) and t.get("from") == "gpt")
            self._samples = self._samples_table(collected)
            self._count = self._count if self._count is not None else pairs  # sizes the catalog's sort buckets
        return self._samples

    # --- annotations: question/answer pairs in batches ---------------------------------------------------
    def annotation_batches(self) -> Iterator[pa.Table]:
        batch = _Pairs()
        next_id = 0
        for path in self.files:
            for index, record in enumerate(self.records(path)):
                self._pairs_of(path, index, record, batch)
                if len(batch.sample) >= BATCH_ROWS:
                    yield self._table(batch, next_id)
                    next_id += len(batch.sample)
                    batch = _Pairs()
        if batch.sample or next_id == 0:
            yield self._table(batch, next_id)
        self._count = next_id + len(batch.sample)

    def annotation_count_hint(self) -> int | None:
        return self._count

    def _pairs_of(self, path: Path, index: int, record: Any, into: _Pairs) -> None:
        if not isinstance(record, dict) or not isinstance(record.get("conversations"), list):
            return  # reported by samples()
        image = record.get("image")
        if not isinstance(image, str) or not image:
            return
        sample_id = _stem(image)
        record_id = record.get("id")
        question: str | None = None
        for number, turn in enumerate(record["conversations"]):
            role = turn.get("from") if isinstance(turn, dict) else None
            value = turn.get("value") if isinstance(turn, dict) else None
            if not isinstance(value, str) or role not in ("human", "gpt"):
                self.problem(path, f"record {index} turn {number}: expected from human/gpt and a value")
                continue
            if role == "human":
                question = value
            elif question is None:
                self.problem(path, f"record {index} turn {number}: answer without a question", sample_id)
            else:
                into.add(self, sample_id, question, value, record_id)
                question = None
        if question is not None:
            self.problem(path, f"record {index}: last question has no answer", sample_id)

    def _table(self, pairs: _Pairs, first_id: int) -> pa.Table:
        count = len(pairs.sample)
        return table_from_columns(
            ANNOTATION_SCHEMA,
            {
                "dataset": [self.name] * count,
                "sample_id": pairs.sample,
                "ann_id": np.arange(first_id, first_id + count, dtype=np.int64),
                "kind": [self.annotation_kind] * count,
                "source": [self.source_label] * count,
                "category": pairs.task,
                "input": pairs.question,
                "output": pairs.answer,
                "ref": pairs.ref,
                "boxes": boxes_array(pairs.boxes),
                "extra": pairs.extra,
            },
            length=count,
        )


class _Pairs:
    """Columns of one batch of question/answer pairs, parsed as they are added."""

    def __init__(self) -> None:
        self.sample: list[str] = []
        self.question: list[str] = []
        self.answer: list[str] = []
        self.task: list[str | None] = []
        self.ref: list[str | None] = []
        self.boxes: list[list[Box]] = []
        self.extra: list[str | None] = []

    def add(
        self, source: ConversationSource, sample_id: str, question: str, answer: str, record_id: Any
    ) -> None:
        question = question.replace("<image>", "").strip()
        task = source.task_pattern.search(question)
        ref = REF.search(question) or REF.search(answer)
        boxes = source.parse_boxes(answer) or source.parse_boxes(question)
        rel = REL.findall(question) + REL.findall(answer)
        extra: dict[str, Any] = {}
        if record_id is not None:
            extra["id"] = record_id
        if rel:
            extra["rel"] = rel
        self.sample.append(sample_id)
        self.question.append(question)
        self.answer.append(answer)
        self.task.append(task.group(1) if task else None)
        self.ref.append((ref.group(1) if ref.group(1) is not None else ref.group(2)) if ref else None)
        self.boxes.append(boxes)
        self.extra.append(json.dumps(extra, ensure_ascii=False) if extra else None)


class QuestionsSource(CaptionSource):
    """A benchmark JSONL file: one question per line with its ground truth (GeoChat-Bench, FIT-RS eval)."""

    file_glob = "*.jsonl"
    annotation_kind = KIND_CONVERSATION
    #: field of the image name (first present wins), of the question, of the answer, of the task category
    image_fields: ClassVar[tuple[str, ...]] = ("image", "image_id")
    question_fields: ClassVar[tuple[str, ...]] = ("question", "text")
    answer_field: ClassVar[str] = "ground_truth"
    category_field: ClassVar[str] = "category"
    #: fields whose presence on the first line identifies the format
    required: ClassVar[tuple[str, ...]] = ()
    box_syntax: ClassVar[str] = "corners"

    @classmethod
    def parse_boxes(cls, text: str | None) -> list[Box]:
        return centre_boxes(text) if cls.box_syntax == "centre" else corner_boxes(text)

    @classmethod
    def check(cls, path: Path) -> bool:
        if path.suffix.lower() != ".jsonl":
            return False
        for _, record in jsonl_records(path, cls.description):
            return isinstance(record, dict) and all(key in record for key in cls.required)
        return False

    @classmethod
    def _field(cls, record: dict[str, Any], names: tuple[str, ...]) -> Any:
        return next((record[name] for name in names if record.get(name) is not None), None)

    def collect(self, into: _Collected) -> None:
        self._boxes: list[list[Box]] = []
        for path in self.files:
            for number, record in jsonl_records(path, self.description):
                if not isinstance(record, dict):
                    self.problem(path, f"line {number}: expected a JSON object")
                    continue
                image = self._field(record, self.image_fields)
                question = self._field(record, self.question_fields)
                answer = record.get(self.answer_field)
                if image is None or not isinstance(question, str):
                    self.problem(path, f"line {number}: expected an image and a question")
                    continue
                image = str(image)
                answer_text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
                sample_id = _stem(image)
                into.sample(sample_id, _file_name(image), "bench")
                known = {self.answer_field, self.category_field, *self.image_fields, *self.question_fields}
                extra = {k: v for k, v in record.items() if k not in known}
                category = record.get(self.category_field)
                question = question.replace("<image>", "").strip()
                into.text(
                    sample_id,
                    answer_text,
                    "bench",
                    question,
                    str(category) if category is not None else None,
                    json.dumps(extra, ensure_ascii=False) if extra else None,
                )
                self._boxes.append(self.parse_boxes(answer_text) or self.parse_boxes(question))

    def extra_columns(self, inputs: pa.Array, outputs: pa.Array) -> dict[str, Any]:
        return {"boxes": boxes_array(self._boxes)}
