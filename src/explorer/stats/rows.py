"""Row codes: every per-row column the table statistics need, coded once per dataset as small integers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..model import KIND_VQA_BINARY, KIND_VQA_MCQ
from .columns import TableLike, encode, floats, strings

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
            code, dictionary = encode(strings(annotations, name))
            small = np.int8 if len(dictionary) < 127 else np.int32
            codes[name], names[name] = code.astype(small), dictionary.to_pylist()
        kinds = names["kind"]
        binary = codes["kind"] == (kinds.index(KIND_VQA_BINARY) if KIND_VQA_BINARY in kinds else -2)
        mcq = codes["kind"] == (kinds.index(KIND_VQA_MCQ) if KIND_VQA_MCQ in kinds else -2)
        answer = np.full(len(binary), -1, dtype=np.int8)
        asked = binary | mcq
        if asked.any():
            answer_code, answer_names = encode(pc.filter(strings(annotations, "output"), pa.array(asked)))
            lookup = np.array([_answer_of(a) for a in answer_names.to_pylist()] + [ANSWERS.index("other")])
            mapped = lookup[
                np.where(answer_code >= 0, answer_code, len(lookup) - 1)
            ]  # (tiny: distinct answers)
            is_binary = binary[asked]
            other = ANSWERS.index("other")
            valid = np.where(is_binary, mapped <= 1, (mapped >= 2) & (mapped <= 5))
            answer[asked] = np.where(valid, mapped, other)
        corners = [floats(annotations, f"bbox_{c}") for c in ("x0", "y0", "x1", "y1")]
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

    def of_kinds(self, kinds: Iterable[str]) -> np.ndarray:
        """True for the rows whose ``kind`` is one of ``kinds`` (e.g. ``QUESTION_KINDS``)."""
        wanted = set(kinds)
        return np.isin(self.codes["kind"], [i for i, k in enumerate(self.names["kind"]) if k in wanted])

    def code_of(self, name: str, value: Any) -> int:
        """The code of ``value`` in column ``name``; -1 for None (null), -2 when absent (matches no row)."""
        if value is None:
            return -1
        names = self.names[name]
        return names.index(value) if value in names else -2

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
