"""Read a model's outputs from the files people have: COCO results JSON, JSONL, CSV or Parquet.

Every format becomes one table ``key, text, row``: ``key`` is a sample id (or an image file name, matched later)
or an annotation id (BigEarthNet.txt-style tasks: one answer per question), ``text`` the model's output. Column
names are recognised from the common spellings below. A file that cannot be read, or has no id or no text
column, raises an ``explorer.errors`` error naming the file and what was expected; odd rows (empty outputs,
repeated ids) are kept and counted later by ``match``, never dropped here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import CorruptFileError, DataError, MissingFileError, SchemaError

KEY_SAMPLE = "sample"
KEY_ANNOTATION = "annotation"
#: id columns, most specific first; an annotation id wins over a sample id when a file has both
ANNOTATION_ID_COLUMNS = ("ann_id", "annotation_id", "question_id", "ID")
SAMPLE_ID_COLUMNS = ("image_id", "sample_id", "patch_id", "image", "file_name", "image_name", "filename")
TEXT_COLUMNS = ("caption", "prediction", "answer", "output", "text", "response", "generated")
FORMATS = ("json", "jsonl", "csv", "parquet")
_EXPECTED = (
    f"one row per output with an id column ({', '.join(ANNOTATION_ID_COLUMNS + SAMPLE_ID_COLUMNS)}) "
    f"and a text column ({', '.join(TEXT_COLUMNS)})"
)


@dataclass(frozen=True)
class Predictions:
    """One model's outputs, as read from one file."""

    model: str
    path: Path
    digest: str  # sha256 of the file's bytes (first 16 hex digits): scores are stored under model + digest
    key_kind: str  # KEY_SAMPLE or KEY_ANNOTATION
    key_column: str
    text_column: str
    table: pd.DataFrame  # key (str), text (str or None), row (0-based position in the file)

    def __len__(self) -> int:
        return len(self.table)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def read_predictions(path: str | Path, model: str | None = None, format: str | None = None) -> Predictions:
    """Read one prediction file; ``model`` defaults to the file's stem, ``format`` to its extension."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise MissingFileError(path, "a prediction file (COCO results JSON, JSONL, CSV or Parquet)")
    kind = (format or path.suffix.lstrip(".")).lower()
    if kind not in FORMATS:
        raise DataError(path, f"a prediction file ending in .{', .'.join(FORMATS)}", f"'.{kind}'")
    frame = _READERS[kind](path)
    if len(frame) == 0:
        raise SchemaError(path, _EXPECTED, "no rows")
    key_kind, key_column = _key_column(path, frame)
    text_column = next((c for c in TEXT_COLUMNS if c in frame.columns), None)
    if text_column is None:
        raise SchemaError(
            path, f"a text column ({', '.join(TEXT_COLUMNS)})", f"columns {list(frame.columns)}"
        )
    table = pd.DataFrame(
        {
            "key": [_key(v) for v in frame[key_column].tolist()],
            "text": [_text(v) for v in frame[text_column].tolist()],
            "row": range(len(frame)),
        }
    )
    return Predictions(model or path.stem, path, file_digest(path), key_kind, key_column, text_column, table)


def _key_column(path: Path, frame: pd.DataFrame) -> tuple[str, str]:
    for column in ANNOTATION_ID_COLUMNS:
        if column in frame.columns:
            return KEY_ANNOTATION, column
    for column in SAMPLE_ID_COLUMNS:
        if column in frame.columns:
            return KEY_SAMPLE, column
    raise SchemaError(
        path,
        f"an id column ({', '.join(ANNOTATION_ID_COLUMNS + SAMPLE_ID_COLUMNS)})",
        f"columns {list(frame.columns)}",
    )


def _key(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _text(value: Any) -> str | None:
    """A model's output as text; None for a missing one. Numbers (an answer "3") become text."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    return None  # a list or object where text was expected: counted as an empty output


def _records(path: Path, records: Any, where: str) -> pd.DataFrame:
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        found = type(records).__name__ if not isinstance(records, list) else "a list with non-object items"
        raise SchemaError(path, f'{where}: a list of objects like {{"image_id": ..., "caption": ...}}', found)
    return pd.DataFrame.from_records(records)


def _read_json(path: Path) -> pd.DataFrame:
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptFileError(path, "COCO results JSON", f"invalid JSON ({exc})") from exc
    return _records(path, records, "COCO results JSON")


def _read_jsonl(path: Path) -> pd.DataFrame:
    records = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise CorruptFileError(path, "UTF-8 JSON lines", str(exc)) from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise CorruptFileError(path, "one JSON object per line", f"line {number}: {exc.msg}") from exc
    return _records(path, records, "JSON lines")


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CorruptFileError(path, "a CSV file with a header row", str(exc).strip()) from exc


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pq.read_table(path).to_pandas()
    except (pa.ArrowInvalid, OSError) as exc:
        raise CorruptFileError(path, "a Parquet file", str(exc)) from exc


_READERS = {"json": _read_json, "jsonl": _read_jsonl, "csv": _read_csv, "parquet": _read_parquet}
