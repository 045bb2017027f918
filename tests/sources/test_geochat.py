import json
from pathlib import Path

import pytest

from explorer.errors import CorruptFileError
from explorer.sources import detect_format, open_source
from explorer.sources._boxes import corner_boxes
from explorer.sources.geochat import GeoChatBenchSource, LlavaSource
from tests.data import instructions as data


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return data.make(tmp_path_factory.mktemp("instructions")) / "GeoChat"


def annotations(source) -> list[dict]:
    source.samples()
    return [r for b in source.annotation_batches() for r in b.to_pylist()]


def test_detect__instruct_and_bench(root: Path) -> None:
    assert detect_format(root) == "llava"
    assert detect_format(root / "GeoChat-Bench") == "geochat-bench"


def test_instruct__every_box_of_a_delim_answer_with_its_angle(root: Path) -> None:
    grounding, refer, identify = annotations(LlavaSource(root))
    assert [t["category"] for t in (grounding, refer, identify)] == ["grounding", "refer", "identify"]
    assert grounding["ref"] == "storage tanks"
    assert [tuple(b.values()) for b in grounding["boxes"]] == [
        pytest.approx((0.1, 0.2, 0.3, 0.4, 15.0)),
        pytest.approx((0.5, 0.5, 0.6, 0.7, -30.0)),
        (pytest.approx(0.8), pytest.approx(0.1), pytest.approx(0.9), pytest.approx(0.2), None),  # no |<angle>
    ]
    assert refer["boxes"][0]["angle"] == 90.0 and refer["ref"] == "the plane at the top"
    assert identify["boxes"] == [
        pytest.approx({"x0": 0.01, "y0": 0.02, "x1": 0.03, "y1": 0.04, "angle": 0.0})
    ]
    assert json.loads(refer["extra"]) == {"id": "P0010"}


def test_corner_boxes__syntax() -> None:
    assert corner_boxes("{<1><2><3><4>|<5>}<delim>{<6><7><8><9>}") == [
        pytest.approx((0.01, 0.02, 0.03, 0.04, 5.0)),
        (pytest.approx(0.06), pytest.approx(0.07), pytest.approx(0.08), pytest.approx(0.09), None),
    ]


def test_bench__type_as_category_dataset_kept(root: Path) -> None:
    source = GeoChatBenchSource(root / "GeoChat-Bench")
    texts = annotations(source)
    assert [t["category"] for t in texts] == ["ref", "presence"]
    assert [t["sample_id"] for t in texts] == ["P0010", "0001"]
    assert json.loads(texts[0]["extra"]) == {"question_id": 7, "dataset": "DOTA"}
    assert texts[0]["boxes"][0]["angle"] == 90.0 and texts[1]["boxes"] == []
    assert {row["split"] for row in source.samples().to_pylist()} == {"bench"}


def test_bench__bad_line_names_file_and_line(tmp_path: Path) -> None:
    lines = [json.dumps(r) for r in data.GEOCHAT_BENCH]
    (tmp_path / "referring.jsonl").write_text(lines[0] + "\n" + lines[1][:20] + "\n")
    with pytest.raises(CorruptFileError, match=r"referring\.jsonl: expected .*line 2"):
        open_source(tmp_path / "referring.jsonl", format="geochat-bench").samples()
