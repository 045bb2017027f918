"""`eo-explorer stats` and `eo-explorer figures`: the comparison table computed from the data, every statistic
written as Parquet + CSV, every figure as PNG (300 dpi), SVG and PDF; on the real caption sets and the demo."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

import explorer
from explorer import stats
from explorer.cli import main

# What compute_all returns for any dataset, and what it adds for datasets with land-cover maps.
EVERY_DATASET = {
    "comparison", "length_summary", "length_hist", "vocabulary", "top_words", "ngrams", "zipf", "spatial_terms",
    "class_mentions", "cooccurrence", "task_mix", "answer_balance", "boxes_per_sample", "box_sizes",
    "class_by_sample", "countries", "continents", "density",
}  # fmt: skip
WITH_PIXELS = EVERY_DATASET | {"class_by_pixel"}


@pytest.fixture(autouse=True)
def _isolated_places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_demo: Path) -> None:
    monkeypatch.setenv("EO_EXPLORER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("EO_EXPLORER_REGISTRY", str(tmp_path / "registry.json"))
    monkeypatch.setenv("EO_EXPLORER_DEMO", str(small_demo))


@pytest.fixture
def caption_sets(shared_fixtures: Path) -> list[str]:
    return [str(shared_fixtures / "captions" / "ucm"), str(shared_fixtures / "captions" / "sydney")]


def _printed_rows(stdout: str) -> dict[str, list[str]]:
    """Rows of the printed comparison table by dataset name (names hold no spaces), header excluded."""
    lines = stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["dataset", "image-text"])
    rows = {}
    for line in lines[header + 1 :]:
        if " written to " in line:
            break
        rows[line.split()[0]] = line.split()
    return rows


def test_cmd_stats__caption_sets_table_counts_and_files(caption_sets, tmp_path, capsys):
    out = tmp_path / "stats"
    assert main(["stats", *caption_sets, "--out", str(out)]) == 0
    rows = _printed_rows(capsys.readouterr().out)
    # Reader names: UCM from the Karpathy JSON's "dataset" field, sydney from the folder name.
    assert set(rows) == {"UCM", "sydney"}
    assert rows["UCM"][1:4] == ["10,500", "10,500", "2,100"]  # pairs, captions, images (Table A1)
    assert rows["sydney"][1:4] == ["3,065", "3,065", "613"]
    loaded = stats.load_stats(out)
    assert set(loaded) == WITH_PIXELS
    assert loaded["class_by_pixel"].empty  # caption sets carry no land-cover maps
    for name, frame in loaded.items():
        assert len(pd.read_csv(out / f"{name}.csv")) == len(frame), name
    table = loaded["comparison"].set_index("dataset")
    assert table.loc["UCM", "image-text pairs"] == 10_500
    assert table.loc["sydney", "image-text pairs"] == 3_065
    assert 5 < table.loc["UCM", "mean caption length (words)"] < 20
    assert set(loaded["length_summary"]["dataset"]) == {"UCM", "sydney"}


def test_cmd_stats__registered_default_is_the_demo_with_pixel_counts(tmp_path, capsys):
    out = tmp_path / "stats"
    assert main(["stats", "--out", str(out)]) == 0
    rows = _printed_rows(capsys.readouterr().out)
    catalogs = {c.name: c for c in explorer.open_registered()}  # the same demo catalogs, from the cache
    assert set(rows) == set(catalogs) == {"chatearthnet-demo", "bigearthnet-demo"}
    for name, catalog in catalogs.items():
        assert rows[name][1] == f"{catalog.annotations.num_rows:,}"
    loaded = stats.load_stats(out)
    assert set(loaded) == WITH_PIXELS
    pixels = loaded["class_by_pixel"]
    assert set(pixels["dataset"]) == set(catalogs)
    assert (pixels.groupby("dataset")["pixels"].sum() > 0).all()
    assert loaded["task_mix"].query("dataset == 'bigearthnet-demo'")["kind"].nunique() >= 3


def test_cmd_stats__no_pixels_skips_the_land_cover_pass(tmp_path):
    out = tmp_path / "stats"
    assert main(["stats", "--no-pixels", "--out", str(out)]) == 0
    assert set(stats.load_stats(out)) == EVERY_DATASET


def test_cmd_stats__scheduler_gives_the_local_pixel_counts(tmp_path):
    from distributed import LocalCluster

    local, remote = tmp_path / "local", tmp_path / "remote"
    assert main(["stats", "--out", str(local)]) == 0
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        argv = ["stats", "--refresh", "--scheduler", cluster.scheduler_address, "--out", str(remote)]
        assert main(argv) == 0
    columns = ["dataset", "class", "pixels", "samples", "skipped"]
    expected = pd.read_parquet(local / "class_by_pixel.parquet")[columns]
    got = pd.read_parquet(remote / "class_by_pixel.parquet")[columns]
    assert expected["pixels"].sum() > 0
    pd.testing.assert_frame_equal(got, expected)


def test_cmd_stats__bad_scheduler_address_is_an_error(tmp_path, capsys):
    assert main(["stats", "--scheduler", "nosuch://host:1", "--out", str(tmp_path / "s")]) == 1
    assert "nosuch://host:1: expected the address of a running Dask scheduler" in capsys.readouterr().err


def test_cmd_stats__missing_folder_is_named(tmp_path, capsys):
    missing = tmp_path / "no-such-dataset"
    assert main(["stats", str(missing), "--out", str(tmp_path / "s")]) == 1
    assert f"{missing}: expected a catalog folder or a dataset folder" in capsys.readouterr().err


@pytest.mark.slow  # matplotlib renders every figure: 15-30 s
def test_cmd_figures__caption_sets_png_svg_pdf_at_300_dpi(caption_sets, tmp_path):
    out = tmp_path / "figures"
    assert main(["figures", *caption_sets, "--out", str(out)]) == 0
    stems = {p.stem for p in out.iterdir()}
    assert {"caption_length_counts", "caption_length_density", "zipf", "word_cloud_ucm_caption"} <= stems
    assert "word_cloud_sydney_caption" in stems
    for stem in stems:
        assert {p.suffix for p in out.glob(f"{stem}.*")} == {".png", ".svg", ".pdf"}, stem
        with Image.open(out / f"{stem}.png") as png:
            assert png.info["dpi"] == pytest.approx((300, 300), abs=0.1), stem
        assert b"<svg" in (out / f"{stem}.svg").read_bytes()[:2000], stem
        assert (out / f"{stem}.pdf").read_bytes().startswith(b"%PDF"), stem


@pytest.mark.slow  # matplotlib renders every figure: 15-30 s
def test_cmd_figures__demo_one_format(tmp_path, capsys):
    out = tmp_path / "figures"
    assert main(["figures", "--formats", "svg", "--out", str(out)]) == 0
    written = sorted(out.iterdir())
    assert {p.suffix for p in written} == {".svg"}
    stems = {p.stem for p in written}
    expected = {"task_mix", "answer_balance", "boxes", "geography", "classes_by_pixel_chatearthnet-demo"}
    assert expected <= stems
    assert "classes_by_sample_bigearthnet-demo" in stems
    assert f"{len(written)} figure files" in capsys.readouterr().out


def test_cmd_figures__unknown_format_is_refused(tmp_path, capsys):
    assert main(["figures", "--formats", "png,docx", "--out", str(tmp_path / "f")]) == 2
    assert "docx" in capsys.readouterr().err
    assert not (tmp_path / "f").exists()


def test_cmd_index__unknown_format_lists_the_choices(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["index", str(tmp_path), "--format", "nosuch"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if "error:" in line]  # one line says what is wrong
    assert "invalid choice: 'nosuch'" in line
    assert all(name in line for name in ("chatearthnet", "bigearthnet-v2", "sydney-original"))


def test_open_source__unknown_format_is_an_explorer_error_and_a_value_error(tmp_path):
    from explorer.errors import ExplorerError, UnknownFormatError
    from explorer.sources import open_source

    with pytest.raises(UnknownFormatError) as raised:
        open_source(tmp_path, format="nosuch")
    assert isinstance(raised.value, ExplorerError) and isinstance(raised.value, ValueError)
    assert "chatearthnet" in str(raised.value)


def test_errors__subclass_the_builtin_they_resemble(tmp_path):
    from explorer import errors

    missing = errors.MissingFileError(tmp_path / "band.tif", "a band GeoTIFF")
    assert isinstance(missing, FileNotFoundError) and isinstance(missing, errors.ExplorerError)
    assert str(missing) == f"{tmp_path / 'band.tif'}: expected a band GeoTIFF, found no such file"
    for error in (errors.CorruptFileError(tmp_path, "JSON"), errors.SchemaError(tmp_path, "a column")):
        assert isinstance(error, ValueError) and isinstance(error, errors.DataError)
    assert isinstance(errors.UnknownLayoutError(tmp_path, ["a"]), ValueError)
    with pytest.raises(FileNotFoundError):
        explorer.open(tmp_path / "no-such-folder")


def test_public_api__one_name_per_function_and_the_version(capsys):
    from importlib.metadata import version

    assert explorer.__version__ == version("eo-explorer")
    assert "open" in explorer.__all__ and "open_catalog" not in explorer.__all__
    assert not hasattr(explorer, "open_catalog")
    assert set(stats.__all__) <= set(dir(stats)) and "cached_stats" in stats.__all__
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"eo-explorer {explorer.__version__}"


def test_cmd_figures__paper_layout_one_multi_panel_figure(caption_sets, tmp_path, capsys):
    out = tmp_path / "paper"
    assert main(["figures", *caption_sets, "--layout", "paper", "--formats", "png", "--out", str(out)]) == 0
    assert [p.name for p in out.iterdir()] == ["comparison_paper.png"]
    with Image.open(out / "comparison_paper.png") as png:
        assert png.info["dpi"] == pytest.approx((300, 300), abs=0.1)
        assert png.width / 300 == pytest.approx(7.16, abs=0.3)  # two-column page width (bbox tight)
    assert "comparison_paper" in capsys.readouterr().out
