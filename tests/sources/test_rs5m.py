import collections
import io
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from explorer.errors import CorruptFileError
from explorer.sources import detect_format, open_source
from explorer.sources.rs5m import Rs5mSource, shard_samples
from tests.data import rs5m as data
from tests.sources.helpers import read_tables


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return data.make(tmp_path_factory.mktemp("rs5m"))


def test_detect__folder_and_single_shard(root: Path) -> None:
    assert detect_format(root) == "rs5m"
    assert detect_format(root / "train" / "rs3-train-0000.tar") == "rs5m"


def test_shards__both_key_layouts_one_sample_each(root: Path) -> None:
    new = list(shard_samples(root / "train" / "rs3-train-0000.tar"))
    old = list(shard_samples(root / "val" / "pub11-val-0000.tar"))
    assert [s.name for s in new] == [name for name, _ in data.RS3]
    assert [s.caption for s in old] == [caption for _, caption in data.PUB11]
    assert all(s.offset > 0 and s.size > 0 for s in new + old)


def test_samples__split_subset_and_images_left_in_the_tar(root: Path) -> None:
    samples, texts = read_tables(Rs5mSource(root))
    assert len(samples) == 5 and len(texts) == 5
    fmow = samples["fmow_stadium_211_3_msrgb"]
    assert fmow["split"] == "train" and fmow["subset"] == "fmow" and fmow["layers"] == ["s2"]
    assert fmow["image"].startswith("train/rs3-train-0000.tar#")
    assert samples["cc3m_0001234"]["subset"] == "cc3m" and samples["cc3m_0001234"]["split"] == "val"
    assert {t["source"] for t in texts if t["sample_id"].startswith("ben")} == {"rs3-blip+metadata"}
    assert {t["source"] for t in texts if t["sample_id"].startswith("yfcc")} == {"pub11-web"}


def test_samples__positions_only_where_metadata_has_them(root: Path) -> None:
    samples, _ = read_tables(Rs5mSource(root))
    fmow = samples["fmow_stadium_211_3_msrgb"]
    assert (fmow["lat"], fmow["lon"], fmow["position"]) == (40.7, -73.8, "published")
    assert fmow["country"] == "United States" and fmow["date"] == "6"
    ben = samples["ben_12345"]
    assert np.isnan(ben["lat"]) and ben["position"] == "none" and ben["country"] == "Portugal"
    assert "fmow_airport_1_0_rgb" not in samples  # metadata rows never invent samples


def test_read_layer__image_bytes_read_from_the_shard(root: Path) -> None:
    source = open_source(root)
    samples, _ = read_tables(source)
    layer = source.read_layer(samples["ben_12345"], "s2")
    assert layer.shape == (3, data.IMAGE_SIZE, data.IMAGE_SIZE)
    first = next(iter(shard_samples(root / "train" / "rs3-train-0000.tar")))
    with open(root / "train" / "rs3-train-0000.tar", "rb") as handle:
        handle.seek(first.offset)
        expected = np.asarray(Image.open(io.BytesIO(handle.read(first.size))))
    got = source.read_layer(samples["fmow_stadium_211_3_msrgb"], "s2")
    np.testing.assert_array_equal(np.moveaxis(got.values, 0, -1), expected)


def test_truncated_shard__error_names_shard_and_offset(root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "RS5M" / "train"
    folder.mkdir(parents=True)
    shard = (root / "train" / "rs3-train-0000.tar").read_bytes()
    (folder / "rs3-train-0000.tar").write_bytes(shard[:2000])  # inside the first image
    source = open_source(tmp_path / "RS5M")  # auto-detected by name
    with pytest.raises(
        CorruptFileError, match=r"rs3-train-0000\.tar: expected a WebDataset tar shard.*truncated"
    ):
        source.samples()
    with tarfile.open(root / "train" / "rs3-train-0000.tar") as tar:
        last = tar.getmembers()[-1]
    end = -(-(last.offset_data + last.size) // 512) * 512
    (folder / "rs3-train-0000.tar").write_bytes(shard[:end])  # every member whole, no end-of-archive blocks
    with pytest.raises(CorruptFileError, match=r"rs3-train-0000\.tar.*end-of-archive"):
        Rs5mSource(tmp_path / "RS5M").samples()
    (folder / "rs3-train-0000.tar").write_bytes(b"not a tar at all" * 100)
    with pytest.raises(CorruptFileError, match=r"rs3-train-0000\.tar.*not a tar archive"):
        Rs5mSource(tmp_path / "RS5M").samples()


def test_real_rs3_dump__captions_and_subsets(shared_fixtures: Path, tmp_path: Path) -> None:
    real = shared_fixtures / "captions" / "rs5m" / "rs3_dump.csv"
    assert detect_format(real) == "rs5m"
    source = Rs5mSource(real)
    samples, texts = read_tables(source)
    assert len(texts) == 10_000 and len(samples) == len({t["sample_id"] for t in texts})
    counts = collections.Counter(row["subset"] for row in samples.values())
    assert counts == {"millionaid": 4807, "fmow": 3469, "ben": 1724}
    first = texts[0]
    assert first["sample_id"] == "fmow_stadium_211_3_msrgb" and first["output"].startswith(
        "orbiting above Briarwood"
    )
    assert all(row["layers"] == [] and row["position"] == "none" for row in samples.values())
    shutil.copy(real, tmp_path / "rs3_dump.csv")
    assert detect_format(tmp_path) == "rs5m"


def test_annotations__each_shard_read_once(root: Path, tmp_path: Path) -> None:
    copy = tmp_path / "RS5M"
    shutil.copytree(root, copy)
    source = Rs5mSource(copy)
    source.samples()
    for shard in (copy / "train").glob("*.tar"):
        shard.write_bytes(b"gone")  # the captions were set aside during the samples pass
    texts = [r for b in source.annotation_batches() for r in b.to_pylist()]
    assert [t["output"] for t in texts[:3]] == [caption for _, caption in data.RS3]
    assert len(texts) == 5 and source.annotation_count_hint() == 5


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT])
def test_shard_headers__long_names_in_every_tar_format_and_directories_skipped(
    tmp_path: Path, fmt: int
) -> None:
    shard = tmp_path / "rs3-train-0000.tar"
    key = "deep/" * 25 + "000000007"  # 134 characters: a GNU long name, a pax path, or a ustar prefix
    with tarfile.open(shard, "w", format=fmt) as tar:
        folder = tarfile.TarInfo("folder")
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
        for ext, payload in (
            ("img_content", b"\xff\xd8 jpeg"),
            ("img_name", b"ben_7.jpg"),
            ("caption", b"x"),
        ):
            info = tarfile.TarInfo(f"{key}.{ext}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    (sample,) = [s for s in shard_samples(shard) if s.offset >= 0]
    assert (sample.key, sample.name, sample.caption) == ("000000007", "ben_7.jpg", "x")
    assert shard.read_bytes()[sample.offset : sample.offset + sample.size] == b"\xff\xd8 jpeg"


def test_damaged_header__bad_checksum_named_with_its_offset(root: Path, tmp_path: Path) -> None:
    data = bytearray((root / "train" / "rs3-train-0000.tar").read_bytes())
    second = next(iter(shard_samples(root / "train" / "rs3-train-0000.tar")))
    at = -(-(second.offset + second.size) // 512) * 512  # the header after the first image
    data[at + 5] ^= 0x20  # one flipped bit in a member name
    (tmp_path / "rs3-train-0000.tar").write_bytes(bytes(data))
    with pytest.raises(CorruptFileError, match=rf"bad checksum at byte {at:,}"):
        list(shard_samples(tmp_path / "rs3-train-0000.tar"))
