"""A catalog whose dataset folder moved or vanished still opens, says what is missing, and can be re-pointed or
unregistered; a build's summary tells skipped data from warnings about kept data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from explorer import catalog, registry, stats
from explorer.catalog import BuildReport
from explorer.cli import main as cli_main
from explorer.errors import CatalogError, DataError, LayersUnavailableError
from explorer.model import SampleProblem
from tests.data import bigearthnet as ben_data
from tests.data import chatearthnet as cen_data

pytestmark = pytest.mark.usefixtures("isolated_places")


@pytest.fixture
def moved(tmp_path) -> tuple[catalog.Catalog, Path, Path]:
    """An indexed, registered ChatEarthNet folder, then moved away: (catalog, old folder, new folder)."""
    folder = cen_data.make(tmp_path / "cen")
    report = catalog.index(folder, progress=False, with_stats=False)
    path = Path(registry.load()[0]["path"])
    new = tmp_path / "elsewhere" / "cen"
    new.parent.mkdir()
    shutil.move(str(folder), str(new))
    assert report.name
    return catalog.Catalog(path), folder, new


def test_moved_dataset__catalog_opens_and_says_which_layers_are_gone(moved):
    cat, old, _ = moved
    assert len(cat.samples) == len(cen_data.SAMPLES)
    assert cat.annotations.num_rows == cen_data.N_CAPTIONS
    assert cat.samples["lat"].notna().any()
    assert cat.search("the").n_samples >= 0  # the text index lives in the catalog folder
    assert cat.status.startswith("layers unavailable") and str(old) in cat.status
    assert set(cat.unavailable_layers) == set(cat.layer_names) and cat.layer_names
    with pytest.raises(LayersUnavailableError, match="relink") as error:
        cat.read_layer(cen_data.LANDCOVER_SAMPLE, cat.layer_names[0])
    assert str(old) in str(error.value)


def test_moved_dataset__statistics_still_computed_pixels_skipped(moved):
    cat, _, _ = moved
    result = stats.cached_stats(cat, pixels=True)
    assert len(result["comparison"]) == 1
    describe = cat.meta["describe"]
    assert describe  # what the build recorded stands in for the missing reader
    pixel = result.get("class_by_pixel")
    assert pixel is None or len(pixel) == 0 or int(pixel["skipped"].max()) > 0


def test_cli_list__shows_state_and_relink_repairs(moved, capsys):
    cat, _, new = moved
    assert cli_main(["list"]) == 0
    listed = capsys.readouterr().out
    assert cat.name in listed and "layers unavailable" in listed and "relink" in listed

    assert cli_main(["relink", cat.name, str(new)]) == 0
    assert "(ok)" in capsys.readouterr().out
    again = catalog.Catalog(cat.path)
    assert again.status == "ok" and again.root == new.resolve()
    layer = again.read_layer(cen_data.LANDCOVER_SAMPLE, "landcover")
    assert layer.shape[-1] > 0
    assert registry.load()[0]["root"] == str(new.resolve())
    assert cli_main(["list"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("\tok")


def test_relink__a_folder_of_another_format_is_refused(moved, tmp_path):
    cat, _, _ = moved
    other = ben_data.make(tmp_path / "ben") / "bigearthnet-txt"
    with pytest.raises(DataError):
        catalog.relink(cat.name, other)
    assert catalog.Catalog(cat.path).status.startswith("layers unavailable")  # left as it was


def test_unregister__removes_entry_and_optionally_the_catalog(moved, capsys):
    cat, _, _ = moved
    assert cli_main(["unregister", "nope"]) == 1
    assert "no registered catalog" in capsys.readouterr().err
    assert cli_main(["unregister", cat.name, "--delete"]) == 0
    assert registry.load() == [] and not cat.path.exists()
    assert cli_main(["list"]) == 0
    assert "no catalogs registered" in capsys.readouterr().out


def test_list__deleted_catalog_folder_is_named(moved, capsys):
    cat, _, _ = moved
    shutil.rmtree(cat.path)
    assert cli_main(["list"]) == 0
    assert "catalog missing" in capsys.readouterr().out
    with pytest.raises(CatalogError):
        catalog.relink(cat.name + "-unknown", cat.path)


def test_open_registered__moved_dataset_still_opens(moved):
    cat, _, _ = moved
    opened = catalog.open_registered()
    assert [c.name for c in opened] == [cat.name]
    assert opened[0].status.startswith("layers unavailable")


def test_summary_line__warnings_are_not_called_skipped(tmp_path):
    # BigEarthNet.txt with one malformed box: the row is kept (box left null), nothing is skipped.
    folder = ben_data.make(tmp_path / "ben") / "bigearthnet-txt"
    _, report = catalog.build_catalog(folder)
    assert report.warnings and not report.skipped
    line = report.summary_line()
    assert "skipped" not in line
    assert f"{len(report.warnings)} warning" in line


def test_summary_line__counts_skips_and_warnings_separately():
    report = BuildReport(
        "d",
        3,
        5,
        [
            SampleProblem("f.json", "record 1: expected an object"),
            SampleProblem("f.json", "record 2: expected an object"),
            SampleProblem("g.parquet", "3 boxes not parsed (kept)", kept=True),
        ],
    )
    line = report.summary_line()
    assert "2 problems where data was skipped" in line and "1 warning about data kept" in line
    assert BuildReport("d", 3, 5).summary_line() == "d: 3 samples, 5 annotations"
