"""The synthetic demo: real layouts, names, dtypes, CRS; texts true to the maps; deterministic; on land."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import rasterio
from PIL import Image
from scipy import ndimage

from explorer.demo import BIGEARTHNET_FOLDER, CHATEARTHNET_FOLDER, MARKER, write_demo
from explorer.demo import bigearthnet as ben
from explorer.demo.captions import (
    Mention,
    chatearthnet_names,
    proportion_word,
    region_mentions,
)
from explorer.demo.chatearthnet import BAND_FOLDERS, plan
from explorer.demo.instructions import Region, box_string, inner_point, map_facts
from explorer.demo.patch_pool import companion_pool, main_pool
from explorer.demo.world import CONTINENTS, LAND_BOXES, lonlat_to_tile, tile_positions
from explorer.geo import mgrs_tile_origin, tile_grid_centres, utm_to_lonlat, web_mercator_tile_to_lonlat
from explorer.legends import CHATEARTHNET, CORINE19, WORLDCOVER
from explorer.world import country_of

N = 12
NAME = re.compile(r"^(\d+)_(\d+)_patch([01])([01])\.png$")
BOX = re.compile(r"^\[(-?\d*\.?\d+) (-?\d*\.?\d+), (-?\d*\.?\d+) (-?\d*\.?\d+)\]$")
POINT = re.compile(r"<point>\((\d*\.?\d+), (\d*\.?\d+)\)</point>")
REF = re.compile(r"<ref>largest connected region of (.+)</ref>")
OPTION = re.compile(r"\b([a-d])\) ")


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_demo(tmp_path_factory.mktemp("demo"), seed=0, n_chatearthnet=N, n_bigearthnet=N)


@pytest.fixture(scope="session")
def chat(demo: dict[str, Path]) -> Path:
    return demo[CHATEARTHNET_FOLDER]


@pytest.fixture(scope="session")
def big(demo: dict[str, Path]) -> Path:
    return demo[BIGEARTHNET_FOLDER]


@pytest.fixture(scope="session")
def txt(big: Path) -> pd.DataFrame:
    return pd.read_parquet(big / ben.TXT_FILE)


@pytest.fixture(scope="session")
def metadata(big: Path) -> pd.DataFrame:
    return pd.read_parquet(big / ben.METADATA_FILE)


def _records(chat: Path, version: str) -> list[dict[str, str]]:
    records: list[dict[str, str]] = []
    for split in ("train", "val", "test"):
        records += json.loads((chat / "json_files" / f"ChatEarthNet_caps_{version}_{split}.json").read_text())
    return records


def _reference_map(big: Path, patch_id: str) -> np.ndarray:
    product = patch_id.rsplit("_", 2)[0]
    path = big / ben.REFERENCE_DIR / product / patch_id / f"{patch_id}_reference_map.tif"
    with rasterio.open(path) as src:
        return src.read(1)


def _class_index(name: str) -> int:
    return [n.lower() for n in CORINE19.names].index(name.lower())


def _components(codes: np.ndarray, cls: int) -> tuple[np.ndarray, int]:
    labels, n = ndimage.label(CORINE19.class_index(codes) == cls, structure=np.ones((3, 3)))
    return labels, n


def _encloses(box: str, rows: np.ndarray, cols: np.ndarray, size: int = ben.PATCH_PX) -> bool:
    """The box covers every given pixel and is tight (no more than one rounding step too wide)."""
    match = BOX.match(box)
    assert match, box
    x0, y0, x1, y1 = (float(v) for v in match.groups())
    inside = x0 * size <= cols.min() and y0 * size <= rows.min()
    inside &= x1 * size >= cols.max() + 1 and y1 * size >= rows.max() + 1
    tight = cols.min() - x0 * size < 1.3 and rows.min() - y0 * size < 1.3
    tight &= x1 * size - cols.max() - 1 < 1.3 and y1 * size - rows.max() - 1 < 1.3
    return bool(inside and tight)


# --- ChatEarthNet ------------------------------------------------------------------------------------------
def test_write_demo__chatearthnet_layout_and_names(chat: Path) -> None:
    assert (chat / MARKER).read_text().startswith("SYNTHETIC")
    records = _records(chat, "35")
    assert len(records) == N
    names = [r["image"] for r in records]
    assert len(set(names)) == N and all(NAME.match(n) for n in names)
    for name in names:
        for folder, _, _ in BAND_FOLDERS:
            assert (chat / folder / name).is_file()
        assert (chat / "landcover" / name).is_file()
    records_4v = _records(chat, "4v")
    assert records_4v and {r["image"] for r in records_4v} <= set(names)
    mean_35 = np.mean([len(r["caption"].split()) for r in records])
    assert np.mean([len(r["caption"].split()) for r in records_4v]) > 1.3 * mean_35


def test_write_demo__chatearthnet_png_dtypes(chat: Path) -> None:
    name = _records(chat, "35")[0]["image"]
    for folder, _, _ in BAND_FOLDERS:
        with Image.open(chat / folder / name) as image:
            assert image.mode == "RGB" and image.size == (256, 256)
            assert np.asarray(image).std() > 0
    with Image.open(chat / "landcover" / name) as image:
        assert image.mode == "L" and image.size == (256, 256)
        codes = np.asarray(image)
    valid = {code for cls in WORLDCOVER.classes for code in cls.codes}
    assert set(np.unique(codes).tolist()) <= valid


def test_caption__mentions_only_classes_present(chat: Path) -> None:
    patterns = {name: re.compile(rf"\b{name}s?\b") for name in CHATEARTHNET.names}
    for record in _records(chat, "35") + _records(chat, "4v"):
        with Image.open(chat / "landcover" / record["image"]) as image:
            index = chatearthnet_names(np.asarray(image))
        present = {CHATEARTHNET.names[i - 1] for i in np.unique(index) if i > 0}
        mentioned = {name for name, pattern in patterns.items() if pattern.search(record["caption"])}
        assert mentioned, record["caption"]
        assert mentioned <= present, (record["image"], mentioned - present)


def test_proportion_word__bins() -> None:
    cases = {0: "extra small", 9.9: "extra small", 10: "small", 19.9: "small", 20: "medium", 49.9: "medium"}
    cases |= {50: "large", 79.9: "large", 80: "extra large", 100: "extra large"}
    assert {p: proportion_word(p) for p in cases} == cases


def test_region_mentions__shares_and_minimum_pixels() -> None:
    codes = np.full((256, 256), 10, dtype=np.uint8)  # tree
    codes[:128, :128][:, :19] = 80  # top left: 19/128 ~ 14.8 % water
    codes[200:204, 200:204] = 50  # 16 px of built-up: under the 20 px rule
    mentions = region_mentions(codes)
    top_left = {m.name: m.word for m in mentions["top left"]}
    assert top_left == {"tree": "extra large", "water": "small"}
    assert [m.name for m in mentions["bottom right"]] == ["tree"]
    assert all(isinstance(m, Mention) for ms in mentions.values() for m in ms)


# --- positions ---------------------------------------------------------------------------------------------
def test_lonlat_to_tile__inverts_the_tile_corner_formula() -> None:
    cols, rows = np.array([0, 2815, 4126, 8191]), np.array([0, 4942, 2838, 8191])
    lon, lat = web_mercator_tile_to_lonlat(cols + 0.5, rows + 0.5)
    got_cols, got_rows = lonlat_to_tile(lon, lat)
    assert got_cols.tolist() == cols.tolist() and got_rows.tolist() == rows.tolist()


def test_plan__default_positions_on_land_on_every_continent() -> None:
    samples = plan(300, seed=0)
    assert len(samples) == 300 and samples["stem"].is_unique
    tiles = samples.drop_duplicates(["col", "row"])
    lon, lat = web_mercator_tile_to_lonlat(tiles["col"] + 0.5, tiles["row"] + 0.5)
    assert pd.notna(country_of(lon, lat)).all()
    boxes = {b.place: b for b in LAND_BOXES}
    continents = set()
    for box_lon, box_lat in zip(lon, lat, strict=True):
        inside = [
            b
            for b in boxes.values()
            if b.west - 0.1 <= box_lon <= b.east + 0.1 and b.south - 0.1 <= box_lat <= b.north + 0.1
        ]
        assert inside, (box_lon, box_lat)
        continents.add(inside[0].continent)
    assert continents == set(CONTINENTS)


def test_land_boxes__avoid_open_sea() -> None:
    sea = [
        (-30.0, 30.0),
        (-140.0, 0.0),
        (80.0, -20.0),
        (18.0, 35.0),
        (-90.0, 25.0),
        (3.0, 55.0),
        (51.0, 42.0),
        (-85.0, 60.0),
        (34.0, 43.0),
        (20.0, 58.0),
        (150.0, 40.0),
        (-60.0, -50.0),
    ]
    for lon, lat in sea:
        assert not [b for b in LAND_BOXES if b.west <= lon <= b.east and b.south <= lat <= b.north], (
            lon,
            lat,
        )


def test_tile_positions__distinct_tiles_spread_round_robin() -> None:
    tiles = tile_positions(len(LAND_BOXES), np.random.default_rng(1))
    assert not tiles.duplicated(["col", "row"]).any()
    assert set(tiles["continent"]) == set(CONTINENTS)


# --- BigEarthNet v2 ----------------------------------------------------------------------------------------
def test_write_demo__bigearthnet_geotiffs(big: Path, metadata: pd.DataFrame) -> None:
    assert (big / MARKER).is_file()
    for row in metadata.itertuples():
        patch_id, s1_name = str(row.patch_id), str(row.s1_name)
        product, (tile, x, y) = patch_id.rsplit("_", 2)[0], patch_id.rsplit("_", 3)[1:]
        epsg, e0, n0 = mgrs_tile_origin(tile)
        ulx, uly = e0 + 1200 * int(x), n0 - 1200 * int(y)
        for band, res in ben.BAND_RESOLUTION.items():
            with rasterio.open(big / ben.S2_DIR / product / patch_id / f"{patch_id}_{band}.tif") as src:
                assert src.count == 1 and src.dtypes[0] == "uint16" and src.compression is None
                assert (src.width, src.height) == (1200 // res, 1200 // res)
                assert src.crs.to_epsg() == epsg and src.crs.to_epsg() // 100 == 326
                assert tuple(src.transform)[:6] == (res, 0.0, ulx, 0.0, -res, uly)
        s1_product = s1_name.rsplit("_", 3)[0]
        for pol in ("VV", "VH"):
            with rasterio.open(big / ben.S1_DIR / s1_product / s1_name / f"{s1_name}_{pol}.tif") as src:
                assert src.dtypes[0] == "float32" and (src.width, src.height) == (120, 120)
                assert src.crs.to_epsg() == epsg and tuple(src.transform)[:6] == (10, 0.0, ulx, 0.0, -10, uly)
                assert -40 < float(src.read(1).mean()) < 0
        ref = big / ben.REFERENCE_DIR / product / patch_id / f"{patch_id}_reference_map.tif"
        with rasterio.open(ref) as src:
            assert src.dtypes[0] == "uint16" and src.compression.name == "deflate"
            codes = src.read(1)
        assert sorted(row.labels) == sorted(
            CORINE19.names[i] for i in np.flatnonzero(CORINE19.pixel_counts(codes))
        )


def test_write_demo__sar_means_and_water_darkness(big: Path, metadata: pd.DataFrame) -> None:
    vv, vh, water = [], [], []
    for row in metadata.itertuples():
        s1_name = str(row.s1_name)
        folder = big / ben.S1_DIR / s1_name.rsplit("_", 3)[0] / s1_name
        with (
            rasterio.open(folder / f"{s1_name}_VV.tif") as a,
            rasterio.open(folder / f"{s1_name}_VH.tif") as b,
        ):
            band_vv, band_vh = a.read(1), b.read(1)
        codes = _reference_map(big, str(row.patch_id))
        vv.append(band_vv.mean())
        vh.append(band_vh.mean())
        water.extend(band_vv[np.isin(codes, [511, 512, 521, 522, 523])].tolist())
    assert -16 < np.mean(vv) < -8 and -23 < np.mean(vh) < -13 and np.mean(vh) < np.mean(vv)
    if water:
        assert np.mean(water) < -17


def test_metadata__schema_as_release(big: Path) -> None:
    for name in (ben.METADATA_FILE, ben.COMPANION_FILE):
        assert pq.read_schema(big / name).remove_metadata() == ben.METADATA_SCHEMA
    companion = pd.read_parquet(big / ben.COMPANION_FILE)
    assert (
        len(companion) >= 1 and (companion.contains_seasonal_snow | companion.contains_cloud_or_shadow).all()
    )


def test_metadata__schema_matches_real_file(shared_fixtures: Path) -> None:
    real = pq.read_schema(shared_fixtures / "bigearthnet_v2" / "metadata.parquet").remove_metadata()
    assert real == ben.METADATA_SCHEMA


def test_patch_pool__names_are_real(shared_fixtures: Path) -> None:
    for pool, name in (
        (main_pool(), "metadata.parquet"),
        (companion_pool(), "metadata_for_patches_with_snow_cloud_or_shadow.parquet"),
    ):
        ids = [p.patch_id for p in pool]
        path = shared_fixtures / "bigearthnet_v2" / name
        real = pd.read_parquet(path, filters=[("patch_id", "in", ids)]).set_index("patch_id")
        ours = pd.DataFrame(
            {
                "country": [p.country for p in pool],
                "s1_name": [p.s1_name for p in pool],
                "s2v1_name": [p.s2v1_name for p in pool],
                "split": [p.split for p in pool],
                "contains_seasonal_snow": [p.seasonal_snow for p in pool],
                "contains_cloud_or_shadow": [p.cloud_or_shadow for p in pool],
            },
            index=ids,
        )
        assert ours.index.isin(real.index).all()
        pd.testing.assert_frame_equal(ours, real.loc[ours.index, ours.columns], check_names=False)


# --- BigEarthNet.txt ---------------------------------------------------------------------------------------
def test_txt__columns_and_counts(big: Path, txt: pd.DataFrame, metadata: pd.DataFrame) -> None:
    assert pq.read_schema(big / ben.TXT_FILE).remove_metadata() == ben.TXT_SCHEMA
    assert txt["ID"].is_unique and txt["ID"].dtype == np.int64
    assert txt.latitude.dtype == np.float64 and txt.longitude.dtype == np.float64
    assert set(txt["type"]) == {"binary", "mcq", "captioning", "bounding box"}
    assert set(txt["split"]) <= {"train", "validation", "test", "bench"}
    assert set(txt.patch_id) == set(metadata.patch_id)
    per_patch = txt.groupby("patch_id").size()
    assert 12 <= per_patch.median() <= 28
    assert (txt[txt.type == "captioning"].groupby("patch_id").size() == 1).all()
    assert set(txt.category) <= {
        "presence",
        "area",
        "count",
        "adjacency",
        "point",
        "reference",
        "relative pos",
        "season",
        "climate zone",
        "country",
        "None",
    }


def test_txt__centres_agree_with_tile_grid_and_geotiff(big: Path, txt: pd.DataFrame) -> None:
    first = txt.drop_duplicates("patch_id")
    parts = first.patch_id.str.rsplit("_", n=3, expand=True)
    lon, lat = tile_grid_centres(parts[1].str[1:], parts[2].astype(int), parts[3].astype(int))
    np.testing.assert_allclose(first.longitude, lon, atol=1e-9)
    np.testing.assert_allclose(first.latitude, lat, atol=1e-9)
    patch_id = str(first.patch_id.iloc[0])
    band = big / ben.S2_DIR / patch_id.rsplit("_", 2)[0] / patch_id / f"{patch_id}_B02.tif"
    with rasterio.open(band) as src:
        bounds, epsg = src.bounds, src.crs.to_epsg()
    cx, cy = (bounds.left + bounds.right) / 2, (bounds.top + bounds.bottom) / 2
    glon, glat = utm_to_lonlat(epsg, np.array([cx]), np.array([cy]))
    assert abs(glon[0] - lon[0]) < 1e-9 and abs(glat[0] - lat[0]) < 1e-9


def test_txt__captions_mention_only_classes_present(big: Path, txt: pd.DataFrame) -> None:
    for row in txt[txt.type == "captioning"].itertuples():
        codes = _reference_map(big, str(row.patch_id))
        present = {CORINE19.names[i].lower() for i in np.flatnonzero(CORINE19.pixel_counts(codes))}
        text = str(row.output).lower()
        mentioned = {n.lower() for n in CORINE19.names if n.lower() in text}
        assert mentioned and mentioned <= present, mentioned - present
        assert text.startswith(f"this satellite image, captured in {str(row.country).lower()} during")


def test_txt__boxes_enclose_their_regions(big: Path, txt: pd.DataFrame) -> None:
    boxes = txt[txt.type == "bounding box"]
    assert set(boxes.category) == {"reference", "point"}
    for row in boxes.itertuples():
        codes = _reference_map(big, str(row.patch_id))
        if row.category == "reference":
            match = REF.search(str(row.input))
            assert match, row.input
            labels, n = _components(codes, _class_index(match.group(1)))
            sizes = np.bincount(labels.ravel(), minlength=n + 1)[1:]
            rows, cols = np.nonzero(labels == 1 + int(np.argmax(sizes)))
        else:
            match = POINT.search(str(row.input))
            assert match, row.input
            x, y = (float(v) for v in match.groups())
            r, c = int(y * ben.PATCH_PX), int(x * ben.PATCH_PX)
            cls = int(CORINE19.class_index(codes)[r, c])
            assert cls >= 0
            labels, _ = _components(codes, cls)
            rows, cols = np.nonzero(labels == labels[r, c])
        assert _encloses(str(row.output), rows, cols), (row.input, row.output)


def test_txt__mcq_letters_are_right(big: Path, txt: pd.DataFrame) -> None:
    mcq = txt[txt.type == "mcq"]
    assert len(mcq) > 0
    directions = {"north": (-1, 0), "south": (1, 0), "west": (0, -1), "east": (0, 1)}
    for row in mcq.itertuples():
        text = str(row.input)
        parts = OPTION.split(text)  # [question, 'a', opt, 'b', opt, ...]
        options = {parts[i]: parts[i + 1].rstrip(", ") for i in range(1, len(parts), 2)}
        assert list(options) == ["a", "b", "c", "d"], text
        answer = options[str(row.output)]
        codes = _reference_map(big, str(row.patch_id))
        facts = map_facts(codes)
        present = {CORINE19.names[i] for i in facts.present}
        if row.category == "presence":
            assert (answer in present) != ("NOT" in text), text
        elif row.category == "area":
            assert CORINE19.names.index(answer) == int(np.argmax(facts.counts))
        elif row.category == "adjacency":
            a, b = _split_pair(answer)
            assert (min(a, b), max(a, b)) in facts.adjacent
        elif row.category == "count":
            match = re.search(r"regions of (.+) are there", text)
            assert match
            assert int(answer) == _components(codes, _class_index(match.group(1)))[1]
        elif row.category == "relative pos":
            match = re.search(r"Where is the (.+) located relative to the (.+)\?", text)
            assert match
            (ra, ca), (rb, cb) = (facts.centroids[_class_index(n)] for n in match.groups())
            dr, dc = directions[answer]
            assert dr * (ra - rb) + dc * (ca - cb) > 0
        else:
            column = {"season": "season", "climate zone": "climate_zone", "country": "country"}[
                str(row.category)
            ]
            assert answer == getattr(row, column)


def _split_pair(answer: str) -> tuple[int, int]:
    """'A and B' where a class name itself may contain ' and ' (e.g. 'Moors, heathland and ...')."""
    for name in CORINE19.names:
        if answer.startswith(name + " and "):
            return CORINE19.names.index(name), CORINE19.names.index(answer[len(name) + 5 :])
    raise AssertionError(answer)


def test_txt__binary_answers_are_true(big: Path, txt: pd.DataFrame) -> None:
    binary = txt[txt.type == "binary"]
    assert {"yes", "no"} == set(binary.output)
    for row in binary.itertuples():
        text, answer = str(row.input), str(row.output) == "yes"
        facts = map_facts(_reference_map(big, str(row.patch_id)))
        present = {CORINE19.names[i].lower() for i in facts.present}
        if row.category == "presence":
            named = [n for n in (c.lower() for c in CORINE19.names) if f" {n} " in f" {text[:-1]} "]
            assert named and (max(named, key=len) in present) == answer, text
        elif row.category == "country":
            assert (f" {row.country}?" in text) == answer
        elif row.category == "season":
            assert (f" {str(row.season).lower()}?" in text) == answer
        elif row.category == "count":
            match = re.search(r"more than (\d) separate regions of (.+) in the image", text)
            assert match
            n = len(facts.regions[_class_index(match.group(2))])
            assert (n > int(match.group(1))) == answer


def test_patch_annotations__box_string_and_inner_point() -> None:
    mask = np.zeros((120, 120), dtype=bool)
    mask[7:50, 1:119] = True
    region = Region(int(mask.sum()), slice(7, 50), slice(1, 119), mask[7:50, 1:119])
    assert box_string(region, (120, 120)) == "[0.0 0.05, 1.0 0.42]"
    point = inner_point(region, (120, 120))
    assert point is not None and mask[int(point[1] * 120), int(point[0] * 120)]


# --- whole demo ----------------------------------------------------------------------------------------------
def test_write_demo__reproducible(tmp_path: Path, demo: dict[str, Path]) -> None:
    again = write_demo(tmp_path / "again", seed=0, n_chatearthnet=N, n_bigearthnet=N)
    other = write_demo(tmp_path / "other", seed=1, n_chatearthnet=N, n_bigearthnet=N)
    for rel in ("json_files/ChatEarthNet_caps_35_train.json", "json_files/ChatEarthNet_caps_4v_train.json"):
        assert (again[CHATEARTHNET_FOLDER] / rel).read_bytes() == (
            demo[CHATEARTHNET_FOLDER] / rel
        ).read_bytes()
    for rel in (ben.TXT_FILE, ben.METADATA_FILE, ben.COMPANION_FILE):
        assert (again[BIGEARTHNET_FOLDER] / rel).read_bytes() == (demo[BIGEARTHNET_FOLDER] / rel).read_bytes()
    tifs = sorted((demo[BIGEARTHNET_FOLDER] / ben.S2_DIR).rglob("*_B04.tif"))
    for tif in tifs[:2]:
        twin = again[BIGEARTHNET_FOLDER] / tif.relative_to(demo[BIGEARTHNET_FOLDER])
        with rasterio.open(tif) as a, rasterio.open(twin) as b:
            np.testing.assert_array_equal(a.read(), b.read())
    first = (demo[CHATEARTHNET_FOLDER] / "json_files" / "ChatEarthNet_caps_35_train.json").read_text()
    assert (
        other[CHATEARTHNET_FOLDER] / "json_files" / "ChatEarthNet_caps_35_train.json"
    ).read_text() != first


def test_write_demo__refuses_to_replace_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / CHATEARTHNET_FOLDER).mkdir()
    (tmp_path / CHATEARTHNET_FOLDER / "precious.txt").write_text("user data")
    with pytest.raises(FileExistsError):
        write_demo(tmp_path, n_chatearthnet=2, n_bigearthnet=2)
    assert (tmp_path / CHATEARTHNET_FOLDER / "precious.txt").is_file()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_write_demo__rejects_empty_sizes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one sample"):
        write_demo(tmp_path, n_chatearthnet=0)
    assert list(tmp_path.iterdir()) == []


def test_write_demo__replaces_an_earlier_demo(tmp_path: Path) -> None:
    write_demo(tmp_path, seed=0, n_chatearthnet=2, n_bigearthnet=2)
    write_demo(tmp_path, seed=1, n_chatearthnet=3, n_bigearthnet=2)
    assert len(_records(tmp_path / CHATEARTHNET_FOLDER, "35")) == 3
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names in (
        [BIGEARTHNET_FOLDER, CHATEARTHNET_FOLDER],
        [BIGEARTHNET_FOLDER, CHATEARTHNET_FOLDER, "predictions"],
    )


# --- through the real readers --------------------------------------------------------------------------------
def test_open_source__reads_the_demo_without_problems(demo: dict[str, Path]) -> None:
    sources = pytest.importorskip("explorer.sources")
    for folder, kinds in (
        (CHATEARTHNET_FOLDER, {"s2", "landcover"}),
        (BIGEARTHNET_FOLDER, {"s2", "s1", "landcover"}),
    ):
        source = sources.open_source(demo[folder])
        samples = source.samples()
        annotations = sum(batch.num_rows for batch in source.annotation_batches())
        assert source.problems == [], source.problems[:3]
        assert samples.num_rows >= N - 1 and annotations >= samples.num_rows
        sample = samples.slice(0, 1).to_pylist()[0]
        assert set(sample["layers"]) == kinds
        for kind in kinds:
            layer = source.read_layer(sample, kind)
            assert layer.dims == ("band", "y", "x") and layer.size > 0
