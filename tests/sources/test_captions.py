import collections
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from explorer.errors import CorruptFileError, MissingFileError, UnknownLayoutError
from explorer.model import ANNOTATION_SCHEMA, SAMPLE_SCHEMA
from explorer.sources import detect_format, open_source
from explorer.sources.captions import (
    CaptionSource,
    CocoCaptionsSource,
    KarpathySource,
    NwpuSource,
    RsicapSource,
    SydneyOriginalSource,
)
from explorer.sources.geochat import LlavaSource
from tests.data import captions as cap_data
from tests.data import chatearthnet as cen_data

CAPTION_CLASSES = (
    KarpathySource,
    CocoCaptionsSource,
    NwpuSource,
    RsicapSource,
    LlavaSource,
    SydneyOriginalSource,
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cap_data.make(tmp_path_factory.mktemp("captions"))


@pytest.fixture(scope="module")
def real(shared_fixtures: Path) -> Path:
    return shared_fixtures / "captions"


def samples(source: CaptionSource) -> list[dict]:
    table = source.samples()
    assert table.schema == SAMPLE_SCHEMA
    return table.to_pylist()


def annotations(source: CaptionSource) -> list[dict]:
    batches = list(source.annotation_batches())
    assert all(batch.schema == ANNOTATION_SCHEMA for batch in batches)
    return [row for batch in batches for row in batch.to_pylist()]


def splits(rows: list[dict]) -> dict[str, int]:
    return dict(collections.Counter(row["split"] for row in rows))


# --- real released files ------------------------------------------------------------------------------------
def test_karpathy__ucm_counts(real: Path) -> None:
    source = KarpathySource(real / "ucm")
    got, texts = samples(source), annotations(source)
    assert source.name == "UCM"  # from the JSON's "dataset" field
    assert len(got) == 2100 and len(texts) == 10500
    assert splits(got) == {"train": 1680, "val": 210, "test": 210}
    assert got[0]["sample_id"] == "1" and got[0]["image"] == "1.tif" and got[0]["layers"] == []
    assert np.isnan(got[0]["lat"]) and got[0]["position"] == "none"
    assert texts[0]["output"] == "There is a piece of farmland ." and texts[0]["source"] == "human"
    assert not source.problems


def test_karpathy__keeps_duplicate_padding_sentences(real: Path) -> None:
    texts = [t["output"] for t in annotations(KarpathySource(real / "ucm")) if t["sample_id"] == "102"]
    assert len(texts) == 5 and len(set(texts)) < 5


def test_karpathy__file_path_as_root(real: Path) -> None:
    source = open_source(real / "ucm" / "dataset.json")
    assert isinstance(source, KarpathySource) and source.name == "UCM"
    assert len(source.samples()) == 2100


def test_sydney_original__counts_and_splits(real: Path) -> None:
    source = SydneyOriginalSource(real / "sydney")
    got, texts = samples(source), annotations(source)
    assert len(got) == 613 and len(texts) == 3065
    assert splits(got) == {"train": 497, "val": 58, "test": 58}
    by_id = {row["sample_id"]: row for row in got}
    assert by_id["219"]["split"] == "test" and by_id["219"]["image"] == "219.tif"
    assert not any(t["output"].endswith("\r") or t["output"][0].isdigit() for t in texts)  # CRLF, id stripped
    assert texts[0]["output"] == "a residential area with houses arranged neatly"


def test_coco_captions__rsicd_val_counts(real: Path) -> None:
    source = CocoCaptionsSource(real / "rsicd")
    got, texts = samples(source), annotations(source)
    assert len(got) == 1092 and len(texts) == 5460
    assert splits(got) == {"val": 1092} and {t["split"] for t in texts} == {"val"}
    assert got[0]["sample_id"] == "square_221" and got[0]["image"] == "square_221.jpg"
    assert source.describe()["coverage"] == "regional"


# --- generated files ----------------------------------------------------------------------------------------
def test_nwpu__class_label_and_five_captions_in_order(generated: Path) -> None:
    source = NwpuSource(generated / "NWPU-Captions")
    got, texts = samples(source), annotations(source)
    assert len(got) == 4 and len(texts) == cap_data.NWPU_CAPTIONS
    by_id = {row["sample_id"]: row for row in got}
    assert by_id["airport_002"]["labels"] == ["airport"] and by_id["airport_002"]["split"] == "val"
    first = [t["output"] for t in texts if t["sample_id"] == "airplane_002"]
    record = cap_data.NWPU["airplane"][1]
    assert first == [record[key] for key in ("raw", "raw_1", "raw_2", "raw_3", "raw_4")]


def test_rsicap__output_is_text_output_input_only_when_given(generated: Path) -> None:
    texts = annotations(RsicapSource(generated / "RSICap"))
    assert [t["sample_id"] for t in texts] == ["P0378_0001", "P1077_0002", "P1140_0085"]
    assert texts[0]["input"].startswith("Take a look") and texts[2]["input"] is None
    assert texts[2]["output"] == "There are four planes parked in an open field."
    assert {t["kind"] for t in texts} == {"caption"} and {t["split"] for t in texts} == {None}


def test_llava__one_annotation_per_question_answer_pair(generated: Path) -> None:
    source = LlavaSource(generated / "GeoChat_Instruct")
    got, texts = samples(source), annotations(source)
    assert [row["sample_id"] for row in got] == ["P0003_0004", "train_2956_0001"]
    assert len(texts) == cap_data.GEOCHAT_PAIRS and {t["kind"] for t in texts} == {"conversation"}
    assert [t["category"] for t in texts] == ["refer", None, "grounding", "identify"]
    assert texts[1]["input"] == "How many storage tanks are there in the image?"
    assert texts[1]["output"] == "There are 3 storage tanks."
    assert "<image>" not in texts[0]["input"]


def test_llava__phrase_and_first_box(generated: Path) -> None:
    refer, vqa, grounding, identify = annotations(LlavaSource(generated / "GeoChat_Instruct"))
    assert refer["ref"] == "the small vehicle at the bottom left"
    box = [refer[f"bbox_{k}"] for k in ("x0", "y0", "x1", "y1")]
    assert box == pytest.approx([0.12, 0.70, 0.18, 0.78])
    assert grounding["ref"] == "two airplanes"
    assert [grounding[f"bbox_{k}"] for k in ("x0", "y0", "x1", "y1")] == pytest.approx([0.1, 0.2, 0.3, 0.4])
    assert [identify[f"bbox_{k}"] for k in ("x0", "y0", "x1", "y1")] == pytest.approx([0.22, 0.35, 0.4, 0.6])
    assert vqa["ref"] is None and vqa["bbox_x0"] is None


def test_llava__text_only_and_unanswered_turns_reported(generated: Path, tmp_path: Path) -> None:
    source = LlavaSource(generated / "GeoChat_Instruct")
    source.samples()
    assert [p.reason for p in source.problems] == ["record 3: no 'image' (text-only conversation)"]

    records = [
        {"id": "a", "image": "a.png", "conversations": [{"from": "human", "value": "Is there water?"}]}
    ]
    (tmp_path / "chat.json").write_text(json.dumps(records))
    source = LlavaSource(tmp_path / "chat.json")
    assert annotations(source) == [] and len(source.samples()) == 1
    assert source.problems[0].reason == "record 0: last question has no answer"


# --- imagery ------------------------------------------------------------------------------------------------
def test_read_layer__rgb_when_image_is_next_to_json(generated: Path) -> None:
    source = RsicapSource(generated / "RSICap")
    by_id = {row["sample_id"]: row for row in samples(source)}
    row = by_id["P0378_0001"]
    assert row["layers"] == ["s2"] and row["image"] == "images/P0378_0001.png"
    assert by_id["P1077_0002"]["layers"] == []
    layer = source.read_layer(row, "s2")
    assert list(layer["band"].values) == ["R", "G", "B"] and layer.shape == (3, 512, 512)
    pixels = np.asarray(Image.open(generated / "RSICap" / "images" / "P0378_0001.png"))
    np.testing.assert_array_equal(layer.sel(band="G").values, pixels[..., 1])


def test_read_layer__image_in_class_subfolder(generated: Path) -> None:
    source = NwpuSource(generated / "NWPU-Captions")
    row = next(r for r in samples(source) if r["sample_id"] == "airplane_001")
    assert row["image"] == "imgs/airplane/airplane_001.jpg"
    assert source.read_layer(row, "s2").shape == (3, 256, 256)


def test_read_layer__no_image_raises_missing(generated: Path) -> None:
    source = RsicapSource(generated / "RSICap")
    row = next(r for r in samples(source) if r["sample_id"] == "P1077_0002")
    with pytest.raises(MissingFileError, match="P1077_0002"):
        source.read_layer(row, "s2")


def test_read_layer__truncated_image_raises_corrupt(generated: Path, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(generated / "RSICap", tmp_path / "RSICap"))
    png = folder / "images" / "P0378_0001.png"
    png.write_bytes(png.read_bytes()[:2000])
    source = RsicapSource(folder)
    with pytest.raises(CorruptFileError, match="P0378_0001.png"):
        source.read_layer(samples(source)[0], "s2")


# --- bad records and files ----------------------------------------------------------------------------------
def test_karpathy__bad_records_reported_and_skipped(tmp_path: Path) -> None:
    document = {
        "images": [
            {
                "filename": "1.tif",
                "split": "train",
                "sentences": [{"raw": "a farm ."}, {"tokens": ["a", "road"]}],
            },
            {"filename": "2.tif", "split": "val", "sentences": [{"sentid": 3}]},
            {"split": "test", "sentences": []},
        ],
        "dataset": "tiny",
    }
    (tmp_path / "dataset.json").write_text(json.dumps(document))
    source = KarpathySource(tmp_path)
    assert source.name == "tiny"
    assert [t["output"] for t in annotations(source)] == ["a farm .", "a road"]
    assert [r["sample_id"] for r in samples(source)] == ["1", "2"]
    assert [p.reason.split(":")[0] for p in source.problems] == ["images[1].sentences[0]", "images[2]"]


def test_coco_captions__annotation_of_unknown_image_reported(tmp_path: Path) -> None:
    document = {
        "images": [{"id": 1, "file_name": "port_1.jpg"}],
        "annotations": [
            {"id": 1, "image_id": 1, "caption": "boats ."},
            {"id": 2, "image_id": 9, "caption": "x"},
        ],
    }
    (tmp_path / "captions_train2017.json").write_text(json.dumps(document))
    source = CocoCaptionsSource(tmp_path)
    assert [(t["sample_id"], t["split"]) for t in annotations(source)] == [("port_1", "train")]
    assert "image_id 9" in source.problems[0].reason


def test_sydney_original__bad_line_reported(real: Path, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(real / "sydney", tmp_path / "sydney"))
    descriptions = folder / "descriptions_SIDNEY.txt"
    descriptions.chmod(0o644)
    descriptions.write_bytes(descriptions.read_bytes() + b"\r\nno id here\r\n")
    source = SydneyOriginalSource(folder)
    assert len(annotations(source)) == 3065
    assert [p.reason for p in source.problems] == ["line 3066: expected '<image id> <caption>'"]


def test_open__invalid_json_with_the_right_keys_raises_corrupt(tmp_path: Path) -> None:
    (tmp_path / "captions.json").write_text('{"annotations": [{"filename": "a.png", "text_output": "cut')
    with pytest.raises(CorruptFileError, match="captions.json"):
        RsicapSource(tmp_path)


# --- format detection ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("ucm", "karpathy"),
        ("ucm/dataset.json", "karpathy"),
        ("sydney", "sydney-original"),
        ("sydney/descriptions_SIDNEY.txt", "sydney-original"),
        ("rsicd", "coco-captions"),
        ("rsicd/captions_val2017.json", "coco-captions"),
    ],
)
def test_detect_format__real_folders(real: Path, folder: str, expected: str) -> None:
    assert detect_format(real / folder) == expected


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("NWPU-Captions", "nwpu"),
        ("RSICap", "rsicap"),
        ("RSICap/captions.json", "rsicap"),
        ("GeoChat_Instruct", "llava"),
        ("GeoChat_Instruct/GeoChat_Instruct.json", "llava"),
    ],
)
def test_detect_format__generated_folders(generated: Path, folder: str, expected: str) -> None:
    assert detect_format(generated / folder) == expected


def test_detect_format__chatearthnet_beside_caption_formats(tmp_path: Path) -> None:
    root = cen_data.make(tmp_path)
    assert detect_format(root) == "chatearthnet"
    caption_file = root / "json_files" / "ChatEarthNet_caps_35_train.json"
    assert not any(cls.detect(caption_file) or cls.detect(caption_file.parent) for cls in CAPTION_CLASSES)


def test_detect__only_one_caption_format_claims_each_file(real: Path, generated: Path) -> None:
    paths = [real / "ucm", real / "sydney", real / "rsicd"]
    paths += [generated / name for name in ("NWPU-Captions", "RSICap", "GeoChat_Instruct")]
    for path in paths:
        assert sum(cls.detect(path) for cls in CAPTION_CLASSES) == 1, path


def test_detect_format__unknown_folder_raises(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("1 not a caption file\n")
    (tmp_path / "config.json").write_text(json.dumps({"images": [], "annotations": []}))
    with pytest.raises(UnknownLayoutError):
        detect_format(tmp_path)


def test_describe__known_and_unknown_datasets(generated: Path, tmp_path: Path) -> None:
    assert LlavaSource(generated / "GeoChat_Instruct").describe()["generation"] == "templates + LLM"
    assert RsicapSource(generated / "RSICap").describe()["modality"] == "RGB aerial (DOTA)"
    shutil.copy(generated / "RSICap" / "captions.json", tmp_path / "captions.json")
    assert RsicapSource(tmp_path).describe()["generation"] == "unknown"
