"""Streaming readers for the big single-file formats, with errors that say where the file went wrong.

* ``json_array_items``: the records of a top-level JSON array, one at a time (ijson, C backend), so FIT-RS's
  896 MB instruction file never sits in memory; a truncated or invalid file is a ``CorruptFileError`` naming the
  file, the byte offset reached and the record being read.
* ``jsonl_records``: JSON Lines with the line number of a bad line.
* ``csv_batches``: a CSV streamed in Arrow record batches (pyarrow), with the parse error's row and the columns
  expected.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import ijson
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import CorruptFileError, MissingFileError, SchemaError


class _Counting:
    """A binary file wrapper that remembers how many bytes were handed to the parser (the error offset)."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.offset = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.offset += len(data)
        return bytes(data)


def json_array_items(
    path: Path, prefix: str = "item", expected: str = "a JSON array of records"
) -> Iterator[Any]:
    """Items of the top-level array (or of ``prefix``), streamed; floats as float, never Decimal."""
    if not path.is_file():
        raise MissingFileError(path, expected)
    with open(path, "rb") as handle:
        counting = _Counting(handle)
        read = 0
        try:
            for item in ijson.items(counting, prefix, use_float=True, buf_size=1 << 20):
                read += 1
                yield item
        except ijson.JSONError as exc:
            raise CorruptFileError(
                path,
                f"{expected} (valid, complete JSON)",
                f"{_first_line(exc)} while reading record {read + 1:,} near byte {counting.offset:,}",
            ) from exc
        except UnicodeDecodeError as exc:
            raise CorruptFileError(path, f"UTF-8 encoded {expected}", str(exc)) from exc


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def jsonl_records(path: Path, expected: str) -> Iterator[tuple[int, Any]]:
    """(line number, parsed object) for each non-empty line; a bad line names its number."""
    import json

    if not path.is_file():
        raise MissingFileError(path, expected)
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                yield number, json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise CorruptFileError(
                    path, f"{expected}: one JSON object per line", f"line {number}: {exc}"
                ) from exc


def csv_header(path: Path, delimiter: str = ",") -> list[str]:
    """The header fields of a CSV (first line only), stripped; [] when unreadable."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            line = handle.readline()
    except OSError:
        return []
    return [field.strip().strip('"') for field in line.rstrip("\r\n").split(delimiter)]


def csv_batches(
    path: Path,
    required: Sequence[str],
    delimiter: str = ",",
    expected: str = "a CSV file",
    block_size: int = 16 << 20,
) -> Iterator[pa.RecordBatch]:
    """Record batches of a CSV, all columns as strings; a missing column or a bad row is a clear error."""
    if not path.is_file():
        raise MissingFileError(path, expected)
    header = csv_header(path, delimiter)
    missing = [name for name in required if name not in header]
    if missing:
        raise SchemaError(path, f"{expected} with columns {list(required)}", f"header {header}")
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=block_size, use_threads=False),
            # Caption CSVs are one record per line; this also makes a cut-off quoted field an error.
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(column_types={name: pa.string() for name in header}),
        )
        yield from reader
    except pa.ArrowInvalid as exc:
        raise CorruptFileError(
            path,
            f"{expected} ({delimiter!r}-separated, {len(header)} columns {header})",
            f"{_first_line(exc)} (row numbers count the header as row 1)",
        ) from exc
    unclosed = _unclosed_last_line(path)
    if unclosed is not None:
        raise CorruptFileError(
            path,
            f"{expected} ending with a complete line",
            f"a quoted field opened at byte {unclosed:,} and never closed (the file looks truncated)",
        )


def _unclosed_last_line(path: Path) -> int | None:
    """Byte offset of the last line when it has an odd number of quotes (a cut-off quoted field), else None."""
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        handle.seek(max(0, size - (1 << 16)))
        tail = handle.read()
    body = tail.rstrip(b"\r\n")
    start = body.rfind(b"\n") + 1
    if body[start:].count(b'"') % 2:
        return size - len(tail) + start
    return None
