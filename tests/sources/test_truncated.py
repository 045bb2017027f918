"""A truncated or invalid dataset file, auto-detected: the error names the file, where it broke and what was
expected, instead of "none matched" (each reader's own tests cover its CSV / tar / JSONL cases)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explorer.catalog import build_catalog
from explorer.errors import CorruptFileError, UnknownLayoutError
from explorer.sources import detect_format, open_source

UCM = {
    "images": [
        {
            "filename": f"{i}.tif",
            "imgid": i,
            "split": "train",
            "sentences": [{"raw": f"There is a piece of farmland {i} ."}] * 5,
        }
        for i in range(40)
    ],
    "dataset": "UCM",
}


def test_truncated_karpathy__auto_detected_error_names_file_and_line(tmp_path: Path) -> None:
    text = json.dumps(UCM, indent=2)
    (tmp_path / "dataset.json").write_text(text[: len(text) // 2])
    with pytest.raises(
        CorruptFileError,
        match=r"dataset\.json: expected valid, complete JSON, found .* at line \d+ column \d+",
    ):
        detect_format(tmp_path)
    with pytest.raises(CorruptFileError, match=r"dataset\.json"):
        build_catalog(tmp_path, out=tmp_path / "catalog")


def test_truncated_real_ucm__error_not_none_matched(shared_fixtures: Path, tmp_path: Path) -> None:
    data = (shared_fixtures / "captions" / "ucm" / "dataset.json").read_bytes()
    (tmp_path / "dataset.json").write_bytes(data[: len(data) - 1000])
    with pytest.raises(CorruptFileError, match=r"dataset\.json: expected valid, complete JSON.*line"):
        open_source(tmp_path)


def test_unrelated_folder__still_none_matched(tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text('{"hello": ')  # invalid, but nothing of a known format in it
    with pytest.raises(UnknownLayoutError):
        detect_format(tmp_path)
