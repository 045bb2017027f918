"""Every prediction format reads to the same table; every bad file fails with an error naming file and fix."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from explorer.errors import CorruptFileError, DataError, ExplorerError, MissingFileError, SchemaError
from explorer.evaluate.predictions import KEY_ANNOTATION, KEY_SAMPLE, read_predictions

RECORDS = [
    {"image_id": "a_patch00.png", "caption": "A forest."},
    {"image_id": "b_patch01", "caption": ""},
    {"image_id": "c", "caption": "Fields and a river."},
]


def _write(path: Path, records: list[dict]) -> Path:
    if path.suffix == ".json":
        path.write_text(json.dumps(records))
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    elif path.suffix == ".csv":
        pd.DataFrame(records).to_csv(path, index=False)
    else:
        pd.DataFrame(records).to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".json", ".jsonl", ".csv", ".parquet"])
def test_read_predictions__every_format_gives_the_same_table(tmp_path, suffix):
    predictions = read_predictions(_write(tmp_path / f"model-x{suffix}", RECORDS))
    assert predictions.model == "model-x"
    assert predictions.key_kind == KEY_SAMPLE and predictions.key_column == "image_id"
    assert predictions.table["key"].tolist() == ["a_patch00.png", "b_patch01", "c"]
    assert predictions.table["text"].fillna("").tolist() == ["A forest.", "", "Fields and a river."]
    assert len(predictions.digest) == 16


def test_read_predictions__annotation_ids_and_other_column_names(tmp_path):
    path = _write(tmp_path / "answers.jsonl", [{"ann_id": 12, "answer": "yes"}, {"ann_id": 13, "answer": 3}])
    predictions = read_predictions(path, model="m")
    assert predictions.key_kind == KEY_ANNOTATION and predictions.text_column == "answer"
    assert predictions.table["key"].tolist() == ["12", "13"]
    assert predictions.table["text"].tolist() == ["yes", "3"]


def test_read_predictions__digest_changes_with_the_content(tmp_path):
    first = read_predictions(_write(tmp_path / "p.json", RECORDS)).digest
    second = read_predictions(_write(tmp_path / "p.json", RECORDS[:2])).digest
    assert first != second


@pytest.mark.parametrize(
    ("name", "content", "error", "words"),
    [
        ("p.json", '[{"image_id": 1, ', CorruptFileError, "invalid JSON"),
        ("p.json", '{"image_id": 1}', SchemaError, "a list of objects"),
        ("p.json", "[1, 2]", SchemaError, "non-object"),
        ("p.json", "[]", SchemaError, "no rows"),
        ("p.jsonl", '{"image_id": 1, "caption": "x"}\nnot json\n', CorruptFileError, "line 2"),
        ("p.csv", 'image_id,caption\n"a,b\n', CorruptFileError, "CSV"),
        ("p.csv", "name,caption\na,b\n", SchemaError, "id column"),
        ("p.csv", "image_id,score\na,1\n", SchemaError, "text column"),
        ("p.parquet", "PAR1 truncated", CorruptFileError, "Parquet"),
        ("p.txt", "a b", DataError, ".json"),
    ],
)
def test_read_predictions__bad_files_name_the_file_and_what_was_expected(
    tmp_path, name, content, error, words
):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(error) as caught:
        read_predictions(path)
    assert isinstance(caught.value, ExplorerError)
    assert str(path) in str(caught.value) and words in str(caught.value)


def test_read_predictions__missing_file(tmp_path):
    with pytest.raises(MissingFileError, match="prediction file"):
        read_predictions(tmp_path / "absent.json")
