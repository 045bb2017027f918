import pickle
from pathlib import Path

import numpy as np
import pytest

from explorer.errors import CorruptFileError
from explorer.sources import detect_format, open_source
from explorer.sources._pickle import load_plain
from explorer.sources.skyscript import SkyScriptSource
from tests.data import skyscript as data
from tests.sources.helpers import read_tables


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return data.make(tmp_path_factory.mktemp("skyscript"))


def test_detect__folder_and_single_csv(root: Path) -> None:
    assert detect_format(root) == "skyscript"
    assert detect_format(root / "dataframe" / "SkyScript_train_unfiltered_5M.csv") == "skyscript"


def test_samples__one_file_per_split_and_names_decoded(root: Path) -> None:
    source = SkyScriptSource(root)
    assert [p.name for p in source.files] == [
        "SkyScript_train_unfiltered_5M.csv",
        "SkyScript_val_5K_filtered_by_CLIP_openai_language_polished.csv",
    ]
    assert source.describe()["skipped_files"] == ["SkyScript_train_top30pct_filtered_by_CLIP_openai.csv"]
    samples, _ = read_tables(source)
    assert len(samples) == 6 and source.name == "SkyScript"
    bus = samples["n8454739999_US_21"]
    assert bus["split"] == "train" and bus["image"] == "images2/n8454739999_US_21.jpg"
    assert bus["subset"] == "NAIP" and bus["layers"] == ["s2"]
    assert (
        samples["a987654321_L8_20"]["subset"] == "Landsat 8" and samples["a987654321_L8_20"]["date"] == "2020"
    )
    assert samples["w555_DE_18"]["split"] == "val"


def test_samples__position_footprint_date_tags_from_pickles(root: Path) -> None:
    samples, _ = read_tables(SkyScriptSource(root))
    bus = samples["n8454739999_US_21"]
    assert bus["lon"] == pytest.approx(-122.415) and bus["lat"] == pytest.approx(37.775)
    assert bus["footprint"] == [-122.42, 37.77, -122.41, 37.78] and bus["position"] == "published"
    assert bus["date"] == "2021-06-14"
    assert bus["labels"] == ["highway=bus_stop", "name=Main St"]
    assert '"surrounding_tags": [{"highway": "residential"}]' in bus["extra"]
    assert '"osm_type": "node"' in bus["extra"]
    pool = samples["n2691981237_US_19"]  # protocol-2 pickle holding a set: plain data, admitted
    assert pool["lat"] == pytest.approx(25.705) and pool["labels"] == ["leisure=swimming_pool"]
    assert [p.sample_id for p in SkyScriptSource(root).problems] == []  # before samples(): none yet
    no_meta = samples["a987654321_L8_20"]
    assert np.isnan(no_meta["lat"]) and no_meta["position"] == "none" and no_meta["footprint"] is None


def test_pickle__malicious_one_refused_and_nothing_ran(root: Path) -> None:
    marker = root / data.MARKER
    source = SkyScriptSource(root)
    samples, _ = read_tables(source)
    assert not marker.exists()
    assert [p.sample_id for p in source.problems] == [data.MALICIOUS]  # the only refused pickle
    refused = source.problems
    assert "meta4/n777_P3_22.pickle" in refused[0].path and refused[0].path not in refused[0].reason
    assert "posix.system" in refused[0].reason and "refused" in refused[0].reason
    assert np.isnan(samples[data.MALICIOUS]["lat"])  # the sample is kept, without position
    with pytest.raises(CorruptFileError, match=r"n777_P3_22\.pickle.*refused"):
        load_plain(root / "meta4" / "n777_P3_22.pickle")
    assert not marker.exists()
    # The same bytes through pickle.load WOULD run the command: the test is not vacuous.
    pickle.loads((root / "meta4" / "n777_P3_22.pickle").read_bytes())
    assert marker.exists()
    marker.unlink()


def test_annotations__both_caption_columns_and_extra_columns(root: Path) -> None:
    _, texts = read_tables(SkyScriptSource(root))
    assert len(texts) == 2 * (len(data.TRAIN) + len(data.VAL))
    assert len({t["ann_id"] for t in texts}) == len(texts)
    lake = [t for t in texts if t["sample_id"] == "a987654321_L8_20"]
    assert {t["source"]: t["output"] for t in lake} == {
        "osm-title": 'a lake, with "quotes", and commas',
        "osm-title-multi-objects": "a lake",
    }
    turbine = [t for t in texts if t["sample_id"] == "n777_P3_22"]
    assert all(t["extra"] == '{"polished_caption": "A wind turbine stands in a field."}' for t in turbine)
    assert all(t["extra"] is None for t in lake) and {t["kind"] for t in texts} == {"caption"}


def test_read_layer__jpeg_as_rgb(root: Path) -> None:
    source = open_source(root)
    samples, _ = read_tables(source)
    layer = source.read_layer(samples["n8454739999_US_21"], "s2")
    assert layer.shape == (3, 64, 64) and list(layer["band"].values) == ["R", "G", "B"]


def test_truncated_csv__error_names_file_and_row(root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "SkyScript" / "dataframe"
    folder.mkdir(parents=True)
    text = (root / "dataframe" / "SkyScript_train_unfiltered_5M.csv").read_text()
    cut = text[: text.index("a lake") + 3]  # inside the quoted title of the last row
    (folder / "SkyScript_train_unfiltered_5M.csv").write_text(cut)
    source = open_source(tmp_path / "SkyScript")  # auto-detected
    with pytest.raises(
        CorruptFileError, match=r"SkyScript_train_unfiltered_5M\.csv: expected .*Row #5: Expected 3"
    ):
        source.samples()
    # Cut inside the quoted LAST field: the column count is right, the quote is never closed.
    (folder / "SkyScript_train_unfiltered_5M.csv").write_text(
        text[: text.index("images4/a98")] + 'images4/a987654321_L8_20.jpg,a lake,"a lake wi'
    )
    with pytest.raises(
        CorruptFileError, match=r"_5M\.csv: expected .*quoted field opened at byte \d+ and never closed"
    ):
        list(open_source(tmp_path / "SkyScript").annotation_batches())


@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_load_plain__plain_data_in_any_protocol_builtins_refused(tmp_path: Path, protocol: int) -> None:
    plain = {
        "box": (1.0, 2.0, 3.0, 4.0),
        "tags": [{"a": "b"}],
        "n": None,
        "ok": True,
        "s": {1},
        "f": frozenset(),
    }
    (tmp_path / "plain.pickle").write_bytes(pickle.dumps(plain, protocol=protocol))
    assert load_plain(tmp_path / "plain.pickle") == plain

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (eval, ("1 + 1",))

    (tmp_path / "evil.pickle").write_bytes(pickle.dumps(Evil(), protocol=protocol))
    with pytest.raises(CorruptFileError, match=r"evil\.pickle.*(builtins|__builtin__)\.eval, refused"):
        load_plain(tmp_path / "evil.pickle")
