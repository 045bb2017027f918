from pathlib import Path

import pytest

from explorer.errors import CorruptFileError
from explorer.sources import detect_format, open_source
from explorer.sources.remoteclip import RemoteClipSource
from tests.data import remoteclip as data
from tests.sources.helpers import read_tables


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return data.make(tmp_path_factory.mktemp("remoteclip"))


def test_detect__folder_subfolder_and_file(root: Path) -> None:
    assert detect_format(root) == "remoteclip"
    assert detect_format(root / "csv_file" / "train" / "Det-10.csv") == "remoteclip"


def test_samples__prefix_as_subset_split_from_folder(root: Path) -> None:
    source = RemoteClipSource(root)
    samples, texts = read_tables(source)
    assert source.name == "RemoteCLIP"
    assert len(samples) == 6 and len(texts) == len(data.RET3_TRAIN + data.DET10 + data.RET3_TEST)
    assert (
        samples["rsitmd_airport_1"]["subset"] == "rsitmd" and samples["dota_P0003_0004"]["subset"] == "dota"
    )
    assert samples["rsitmd_baseballfield_7"]["split"] == "test" and samples["dior_00012"]["split"] == "train"
    farm = [t for t in texts if t["sample_id"] == "ucm_agricultural00"]
    assert [t["output"] for t in farm] == [
        "There is a piece of farmland.",
        "Farmland with straight rows of crops.",
    ]
    assert {t["source"] for t in texts if t["category"] == "Det-10"} == {"rule-based"}
    assert {t["source"] for t in texts if t["category"] == "Ret-3_train"} == {"human"}
    quoted = [t["output"] for t in texts if t["sample_id"] == "rsicd_commercial_12"]
    assert quoted == ['Several buildings, some green trees and a "parking lot".']


def test_read_layer__image_from_the_zip(root: Path) -> None:
    source = open_source(root)
    samples, _ = read_tables(source)
    airport = samples["rsitmd_airport_1"]
    assert (
        airport["layers"] == ["s2"]
        and airport["image"] == "data/Ret-3_train.zip#Ret-3_train/rsitmd_airport_1.png"
    )
    assert source.read_layer(airport, "s2").shape == (3, 24, 24)
    assert samples["dior_00012"]["layers"] == []


def test_wrong_columns__clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "csv_file" / "train"
    folder.mkdir(parents=True)
    (folder / "Ret-3_train.csv").write_text("title\tfilename\nA caption only\n")
    with pytest.raises(
        CorruptFileError, match=r"Ret-3_train\.csv: expected a RemoteCLIP caption CSV.*Row #2"
    ):
        open_source(tmp_path).samples()
