import json
from pathlib import Path

import pytest

from explorer.errors import CorruptFileError
from explorer.model import ANNOTATION_SCHEMA, SAMPLE_SCHEMA
from explorer.sources import detect_format, open_source
from explorer.sources._boxes import centre_boxes
from explorer.sources._stream import json_array_items
from explorer.sources.fitrs import FitrsBenchSource, FitrsSource
from explorer.sources.geochat import LlavaSource
from tests.data import instructions as data


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return data.make(tmp_path_factory.mktemp("instructions")) / "FIT-RS"


def annotations(source) -> list[dict]:
    assert source.samples().schema == SAMPLE_SCHEMA
    batches = list(source.annotation_batches())
    assert all(b.schema == ANNOTATION_SCHEMA for b in batches)
    return [r for b in batches for r in b.to_pylist()]


def test_detect__instruction_folder_and_bench_file(root: Path) -> None:
    assert detect_format(root) == "fitrs"
    assert detect_format(root / "FIT-RS_Instruction") == "fitrs"
    assert detect_format(root / "test_FITRS_vqa_eval.jsonl") == "fitrs-bench"
    instruction = root / "FIT-RS_Instruction" / "FIT-RS-train-1415k.json"
    assert FitrsSource.detect(instruction) and not LlavaSource.detect(instruction)


def test_instructions__tags_refs_relations(root: Path) -> None:
    source = FitrsSource(root)
    texts = annotations(source)
    assert source.name == "FIT-RS" and len(source.samples()) == 2
    assert [t["category"] for t in texts] == ["detection", "vqa", "relation_detection"]
    relation = texts[2]
    assert relation["ref"] == "ship" and json.loads(relation["extra"]) == {"rel": ["docking at"]}
    assert texts[0]["input"].startswith("[detection]") and "<image>" not in texts[0]["input"]
    assert texts[1]["boxes"] == [] and texts[1]["bbox_x0"] is None


def test_instructions__twenty_rotated_boxes_kept(root: Path) -> None:
    detection = annotations(FitrsSource(root))[0]
    expected = data.expected_fitrs_boxes()
    assert len(detection["boxes"]) == 20
    for got, (cx, cy, w, h, angle) in zip(detection["boxes"], expected, strict=True):
        assert (got["x0"] + got["x1"]) / 2 == pytest.approx(cx / 100)
        assert (got["y0"] + got["y1"]) / 2 == pytest.approx(cy / 100)
        assert (got["x1"] - got["x0"]) == pytest.approx(w / 100)
        assert (got["y1"] - got["y0"]) == pytest.approx(h / 100)
        assert got["angle"] == angle
    assert detection["bbox_x0"] == pytest.approx(detection["boxes"][0]["x0"])


def test_question_box_when_answer_has_none(root: Path) -> None:
    relation = annotations(FitrsSource(root))[2]
    assert relation["boxes"] == [
        {
            "x0": pytest.approx(0.205),
            "y0": pytest.approx(0.2825),
            "x1": pytest.approx(0.305),
            "y1": pytest.approx(0.3225),
            "angle": 45.0,
        }
    ]


def test_centre_boxes__syntax() -> None:
    assert centre_boxes("<rbox>({<50.00><40.00><20.00><10.00>|<-30>})</rbox>") == [
        pytest.approx((0.4, 0.35, 0.6, 0.45, -30.0))
    ]
    assert centre_boxes("no box") == []


def test_bench__questions_with_category_and_boxes(root: Path) -> None:
    source = FitrsBenchSource(root / "test_FITRS_vqa_eval.jsonl")
    texts = annotations(source)
    assert [t["category"] for t in texts] == ["vqa", "detection"]
    assert {t["split"] for t in texts} == {"bench"} and texts[0]["output"] == "Yes"
    assert json.loads(texts[0]["extra"]) == {"question_id": 0}
    assert len(texts[1]["boxes"]) == 1 and texts[1]["boxes"][0]["angle"] == 90.0


def test_read_layer__image_from_the_released_folder(root: Path) -> None:
    source = FitrsSource(root)
    row = {r["sample_id"]: r for r in source.samples().to_pylist()}["P0001__512__0___0"]
    assert row["layers"] == ["s2"] and source.read_layer(row, "s2").shape == (3, 512, 512)


def test_truncated_json__error_names_file_and_offset(root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "FIT-RS" / "FIT-RS_Instruction"
    folder.mkdir(parents=True)
    text = (root / "FIT-RS_Instruction" / "FIT-RS-train-1415k.json").read_text()
    (folder / "FIT-RS-train-1415k.json").write_text(text[: len(text) // 2])
    with pytest.raises(
        CorruptFileError, match=r"FIT-RS-train-1415k\.json: expected valid.*at line 11 column"
    ):
        open_source(tmp_path / "FIT-RS").samples()  # auto-detected: the parse error, not "none matched"
    # Files above the parse limit (the real 896 MB one) are only peeked at, then streamed: same kind of error.
    with pytest.raises(
        CorruptFileError, match=r"FIT-RS-train-1415k\.json: expected records.*record 1 near byte \d"
    ):
        list(json_array_items(folder / "FIT-RS-train-1415k.json", expected="records"))
