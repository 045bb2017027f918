"""The catalog: built through the real readers, fast lookups agree with a naive scan, bad input never fatal."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import explorer
from explorer import catalog, registry
from explorer.catalog import sort as catalog_sort
from explorer.cli import main as cli_main
from explorer.errors import CatalogError, UnknownLayoutError
from tests.data import chatearthnet as cen_data

pytestmark = pytest.mark.usefixtures("isolated_places")


@pytest.fixture
def cen_folder(tmp_path) -> Path:
    return cen_data.make(tmp_path / "cen")


def test_build_catalog__tables_and_counts(cen_folder):
    cat, report = catalog.build_catalog(cen_folder)
    assert report.n_samples == len(cen_data.SAMPLES) == len(cat.samples)
    assert report.n_annotations == cen_data.N_CAPTIONS == cat.annotations.num_rows
    assert report.summary_line().startswith(f"{cat.name}: 6 samples, 9 annotations")
    assert list(cat.samples["sidx"]) == list(range(len(cat.samples)))
    # Countries come from the shipped world outline when the dataset does not name them.
    assert cat.sample("2815_4942_patch00")["country"] == "Uruguay"


def test_annotations_of__agrees_with_a_naive_scan(cen_folder):
    cat, _ = catalog.build_catalog(cen_folder)
    for sample_id in cat.samples["sample_id"]:
        fast = cat.annotations_of(sample_id)
        naive = cat.annotations.filter(pc.equal(cat.annotations["sample_id"], sample_id))
        assert sorted(fast["ann_id"]) == sorted(naive["ann_id"].to_pylist())
        assert set(fast["sample_id"]) <= {sample_id}


def test_annotations_of_many__is_the_union_of_single_lookups(cen_folder):
    cat, _ = catalog.build_catalog(cen_folder)
    sidx = np.array([0, 3, 5])
    many = cat.annotations_of_many(sidx)
    singles = sum(len(cat.annotations_of(cat.samples.sample_id[i])) for i in sidx)
    assert many.num_rows == singles
    assert set(many["sidx"].to_pylist()) <= set(sidx.tolist())


def test_annotations_of__unknown_sample_names_dataset(cen_folder):
    cat, _ = catalog.build_catalog(cen_folder)
    with pytest.raises(KeyError, match="no sample 'nope'"):
        cat.annotations_of("nope")


def test_read_layer__goes_through_the_reader(cen_folder):
    cat, _ = catalog.build_catalog(cen_folder)
    layer = cat.read_layer("2815_4942_patch00", "s2")
    assert layer.sizes["band"] == 9 and layer.sizes["y"] == 256


def test_open_catalog__reuses_unchanged_and_rebuilds_changed(cen_folder):
    first = explorer.open(cen_folder)
    again = explorer.open(cen_folder)
    assert again.path == first.path and again.meta["built_at"] == first.meta["built_at"]
    # Touching a caption file changes the fingerprint -> a new build with the new content.
    caption_file = next((cen_folder / "json_files").glob("*35_train.json"))
    records = json.loads(caption_file.read_text())
    records.append({"image": records[0]["image"], "caption": "An added caption about water in the middle."})
    caption_file.write_text(json.dumps(records))
    rebuilt = explorer.open(cen_folder)
    assert rebuilt.annotations.num_rows == first.annotations.num_rows + 1


def test_build_catalog__malformed_record_skipped_and_reported(cen_folder):
    caption_file = next((cen_folder / "json_files").glob("*35_train.json"))
    records = json.loads(caption_file.read_text())
    records.insert(1, {"no_image_key": True})
    records.insert(2, "not a record")
    caption_file.write_text(json.dumps(records))
    cat, report = catalog.build_catalog(cen_folder)
    assert len(report.problems) >= 2
    assert any(caption_file.name in p.path for p in report.problems)
    assert cat.annotations.num_rows == cen_data.N_CAPTIONS  # nothing else lost
    assert cat.meta["n_problems"] == len(report.problems)


def test_build_catalog__unknown_layout_is_a_clear_error(tmp_path):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("hello")
    with pytest.raises(UnknownLayoutError, match="junk"):
        catalog.build_catalog(tmp_path / "junk")


def test_catalog__not_a_catalog_folder(tmp_path):
    with pytest.raises(CatalogError, match="catalog.json"):
        catalog.Catalog(tmp_path)


def test_index__registers_and_open_registered_skips_stale_entries(cen_folder, tmp_path):
    report = catalog.index(cen_folder, progress=False)
    entries = registry.load()
    assert [e["name"] for e in entries] == [report.name]
    registry.add("gone", tmp_path / "deleted-catalog", tmp_path, "karpathy")
    opened = explorer.open_registered()
    assert [c.name for c in opened] == [report.name]


def test_registry__corrupt_file_names_itself(tmp_path, monkeypatch):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    monkeypatch.setenv("EO_EXPLORER_REGISTRY", str(path))
    with pytest.raises(CatalogError, match="bad.json"):
        registry.load()


def test_cli_index__prints_one_summary_line_per_dataset(cen_folder, shared_fixtures, capsys):
    assert cli_main(["index", "--quiet", str(cen_folder), str(shared_fixtures / "captions" / "ucm")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2].endswith("6 samples, 9 annotations")
    assert lines[-1] == "UCM: 2,100 samples, 10,500 annotations"


def test_cli_index__bad_folder_exits_nonzero_and_names_it(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert cli_main(["index", "--quiet", str(tmp_path / "empty")]) == 1
    assert "empty" in capsys.readouterr().err


def test_build_catalog__real_caption_sets_reproduce_published_pair_counts(shared_fixtures, tmp_path):
    ucm, _ = catalog.build_catalog(shared_fixtures / "captions" / "ucm")
    sydney, _ = catalog.build_catalog(shared_fixtures / "captions" / "sydney")
    assert ucm.annotations.num_rows == 10_500 and len(ucm.samples) == 2_100
    assert sydney.annotations.num_rows == 3_065 and len(sydney.samples) == 613


def test_build_catalog__interrupted_build_leaves_previous_catalog(cen_folder, monkeypatch):
    cat, _ = catalog.build_catalog(cen_folder)
    monkeypatch.setattr(
        catalog_sort, "write_sorted_annotations", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full"))
    )
    with pytest.raises(OSError):
        catalog.build_catalog(cen_folder)
    assert catalog.Catalog(cat.path).annotations.num_rows == cen_data.N_CAPTIONS
    shutil.rmtree(cat.path.with_name(cat.path.name + ".building"), ignore_errors=True)


def test_build_catalog__bucketed_sort_matches_naive_scan(cen_folder, monkeypatch):
    # Tiny buckets force the multi-bucket path with unsorted input (captions come file by file, not by sample).
    monkeypatch.setattr(catalog_sort, "BUCKET_ROWS", 2)
    cat, report = catalog.build_catalog(cen_folder)
    assert report.n_annotations == cen_data.N_CAPTIONS
    keys = cat.annotations["sidx"].to_numpy()
    assert np.all(np.diff(keys) >= 0)
    for sample_id in cat.samples["sample_id"]:
        naive = cat.annotations.filter(pc.equal(cat.annotations["sample_id"], sample_id))
        assert sorted(cat.annotations_of(sample_id)["ann_id"]) == sorted(naive["ann_id"].to_pylist())


def test_open_catalog__missing_folder_names_it(tmp_path):
    from explorer.errors import MissingFileError

    with pytest.raises(MissingFileError, match="nowhere"):
        explorer.open(tmp_path / "nowhere")


def test_catalog__pickles_by_path_for_dask_workers(cen_folder):
    import pickle

    cat, _ = catalog.build_catalog(cen_folder)
    clone = pickle.loads(pickle.dumps(cat))
    assert clone.path == cat.path and clone.annotations.num_rows == cat.annotations.num_rows


def test_index__caches_statistics_for_the_dashboard(cen_folder):
    from explorer import stats

    report = catalog.index(cen_folder, progress=False)
    cat = explorer.open_registered()[0]
    assert (cat.stats_dir / "stats_key.json").exists()
    cached = stats.cached_stats(cat)  # a load, not a recompute: same tables as the index wrote
    assert cached["comparison"]["dataset"].tolist() == [report.name]


def test_annotations_of__numbers_stay_numeric_when_all_missing(cen_folder):
    cat, _ = catalog.build_catalog(cen_folder)
    sample_id = cat.samples["sample_id"].iloc[0]
    frame = cat.annotations_of(sample_id)
    for column in ("bbox_x0", "point_x"):
        assert frame[column].dtype == "float64" and frame[column].isna().all()  # captions carry no boxes
    expected = cat.annotations.filter(pc.equal(cat.annotations["sample_id"], sample_id)).to_pylist()
    assert frame["output"].tolist() == [row["output"] for row in expected]


def test_build_catalog__parallel_build_equals_sequential(tmp_path, monkeypatch):
    # BigEarthNet.txt written in row groups of 8 rows: many parts, read by two worker processes.
    import pyarrow.parquet as pq

    from explorer.sources import bigearthnet_txt
    from tests.data import bigearthnet as ben_data

    folder = ben_data.make(tmp_path / "ben") / "bigearthnet-txt"
    monkeypatch.setattr(bigearthnet_txt, "BATCH_ROWS", 8)
    monkeypatch.setattr(bigearthnet_txt.BigEarthNetTxtSource, "batch_rows", 8)
    monkeypatch.setattr(catalog_sort, "BUCKET_ROWS", 4)
    monkeypatch.setattr(bigearthnet_txt.BigEarthNetTxtSource, "annotation_count_hint", lambda self: 16)
    assert pq.ParquetFile(folder / "BigEarthNet.txt.parquet").metadata.num_row_groups > 2
    assert len(bigearthnet_txt.BigEarthNetTxtSource(folder).annotation_partitions() or []) > 2
    serial, serial_report = catalog.build_catalog(folder, out=tmp_path / "serial", workers=1)
    # A temporary folder left by an earlier build that was killed is removed by the next build.
    stale = tmp_path / f"parallel.building{catalog_sort.TRASH_SUFFIX}1-2"
    (stale / "temporary").mkdir(parents=True)
    parallel, parallel_report = catalog.build_catalog(folder, out=tmp_path / "parallel", workers=2)
    for thread in threading.enumerate():  # the temporary files are deleted after the build returned
        if thread.name == catalog_sort.REMOVER:
            thread.join()
    assert not list(tmp_path.glob("*trash*"))
    assert not (parallel.path / catalog_sort.TEMPORARY).exists()
    assert parallel.annotations.equals(serial.annotations)
    np.testing.assert_array_equal(parallel._offsets, serial._offsets)
    assert [str(p) for p in parallel_report.problems] == [str(p) for p in serial_report.problems]
    assert not list(parallel.path.glob("*.arrows")) and not (parallel.path / "sample_ids.arrow").exists()
    # The full-text index, built in a worker from the unsorted bucket parts, is the sequential one byte for byte.
    files = sorted(p.name for p in (serial.path / "fulltext").iterdir())
    assert files and files == sorted(p.name for p in (parallel.path / "fulltext").iterdir())
    for name in files:
        assert (parallel.path / "fulltext" / name).read_bytes() == (serial.path / "fulltext" / name).read_bytes()
    found = parallel.fulltext.search("forest").sidx.tolist()
    assert found and found == serial.fulltext.search("forest").sidx.tolist()


def test_build_catalog__random_and_sorted_row_order_give_the_same_catalog(tmp_path, monkeypatch):
    # The same BigEarthNet.txt rows, once sorted by patch and once shuffled, in small row groups read by two
    # worker processes: the samples and the annotations (sorted by sample, file order within one) agree.
    import pyarrow as pa
    import pyarrow.parquet as pq

    from explorer.sources import bigearthnet_txt
    from tests.data import bigearthnet as ben_data

    table = ben_data.synthetic_txt_table(400)
    sorted_rows = table.take(pc.sort_indices(table, [("patch_id", "ascending"), ("ID", "ascending")]))
    shuffled = sorted_rows.take(pa.array(np.random.default_rng(1).permutation(sorted_rows.num_rows)))
    monkeypatch.setattr(bigearthnet_txt.BigEarthNetTxtSource, "batch_rows", 64)
    monkeypatch.setattr(catalog_sort, "BUCKET_ROWS", 100)
    built = {}
    for order, rows in (("sorted", sorted_rows), ("random", shuffled)):
        folder = tmp_path / order
        folder.mkdir()
        pq.write_table(rows, folder / "BigEarthNet.txt.parquet", row_group_size=50)
        built[order], _ = catalog.build_catalog(folder, name="ben", out=tmp_path / f"cat-{order}", workers=2)
    a, b = built["sorted"], built["random"]
    assert len(a.samples) == 20
    assert a.samples.drop(columns=["dataset"]).equals(b.samples.drop(columns=["dataset"]))
    np.testing.assert_array_equal(a._offsets, b._offsets)
    key = [("sidx", "ascending"), ("ann_id", "ascending")]
    assert b.annotations.sort_by(key).equals(a.annotations.sort_by(key))
    assert a.annotations.num_rows == 400
    for name in ("texts.arrow", "post_text.npy", "offsets.npy", "sidx.npy"):  # text ids follow no row order
        assert (a.path / "fulltext" / name).read_bytes() == (b.path / "fulltext" / name).read_bytes()


def test_build_catalog__workers_write_buckets_in_place_empty_ones_too(tmp_path, monkeypatch):
    # 64 sort buckets for 20 samples: most buckets are empty. The workers write the sorted buckets straight
    # into annotations.arrow at their places, the main process only its header and footer: the file is a
    # valid Arrow IPC file with the one-process build's rows.
    import pyarrow as pa
    import pyarrow.parquet as pq

    from explorer.sources import bigearthnet_txt
    from tests.data import bigearthnet as ben_data

    rows = ben_data.synthetic_txt_table(400)
    rows = rows.take(pa.array(np.random.default_rng(2).permutation(rows.num_rows)))
    folder = tmp_path / "ben"
    folder.mkdir()
    pq.write_table(rows, folder / "BigEarthNet.txt.parquet", row_group_size=50)
    monkeypatch.setattr(bigearthnet_txt.BigEarthNetTxtSource, "batch_rows", 64)
    monkeypatch.setattr(catalog_sort, "BUCKET_ROWS", 1)
    built = {
        workers: catalog.build_catalog(folder, name="ben", out=tmp_path / f"cat{workers}", workers=workers)[0]
        for workers in (1, 2)
    }
    assert catalog_sort._bucket_count(bigearthnet_txt.BigEarthNetTxtSource(folder)) == 64
    serial, parallel = built[1], built[2]
    with pa.memory_map(str(parallel.path / "annotations.arrow")) as mapped:
        reader = pa.ipc.open_file(mapped)
        assert reader.num_record_batches >= 20  # at least one per non-empty bucket (a sample each)
        key = [("sidx", "ascending"), ("ann_id", "ascending")]  # batches differ: order within a sample too
        assert reader.read_all().sort_by(key).equals(serial.annotations.sort_by(key))
    np.testing.assert_array_equal(parallel._offsets, serial._offsets)


def test_build_catalog__a_failing_bucket_sort_fails_the_build_without_hanging(tmp_path, monkeypatch):
    # The later buckets' workers wait for the earlier buckets' sizes: a bucket whose sort raises tells them.
    import pyarrow as pa
    import pyarrow.parquet as pq

    from explorer.sources import bigearthnet_txt
    from tests.data import bigearthnet as ben_data

    rows = ben_data.synthetic_txt_table(200)
    folder = tmp_path / "ben"
    folder.mkdir()
    shuffled = rows.take(pa.array(np.random.default_rng(3).permutation(rows.num_rows)))
    pq.write_table(shuffled, folder / "BigEarthNet.txt.parquet", row_group_size=50)
    monkeypatch.setattr(bigearthnet_txt.BigEarthNetTxtSource, "batch_rows", 64)
    monkeypatch.setattr(catalog_sort, "BUCKET_ROWS", 20)
    sorted_bucket = catalog_sort._sorted_bucket

    def first_bucket_fails(paths, *args, **kwargs):
        if any(".bucket00." in str(p) for p in paths):
            raise OSError("disk full (test)")
        return sorted_bucket(paths, *args, **kwargs)

    monkeypatch.setattr(catalog_sort, "_sorted_bucket", first_bucket_fails)
    with pytest.raises((OSError, CatalogError)):
        catalog.build_catalog(folder, name="ben", out=tmp_path / "cat", workers=2)
    assert not (tmp_path / "cat").exists()


def test_build_catalog__failing_sample_ids_fail_the_build_without_hanging(tmp_path, monkeypatch):
    # The workers start before the sample ids exist and wait for them: a failing id pass must stop them.
    import pyarrow.parquet as pq

    from explorer.sources import bigearthnet_txt
    from tests.data import bigearthnet as ben_data

    folder = tmp_path / "ben"
    folder.mkdir()
    pq.write_table(ben_data.synthetic_txt_table(200), folder / "BigEarthNet.txt.parquet", row_group_size=50)
    monkeypatch.setattr(bigearthnet_txt.BigEarthNetTxtSource, "batch_rows", 64)

    def fails(self):
        raise OSError("unreadable patch ids (test)")

    monkeypatch.setattr(bigearthnet_txt.BigEarthNetTxtSource, "sample_ids_first", fails)
    with pytest.raises(OSError, match="unreadable patch ids"):
        catalog.build_catalog(folder, name="ben", out=tmp_path / "cat", workers=2)
    assert not (tmp_path / "cat").exists()


def test_placed_sink__a_write_across_the_range_is_refused():
    sink = catalog_sort._PlacedSink(None, 8, 16)
    sink.write(b"12345678")
    with pytest.raises(CatalogError, match="crosses"):
        sink.write(b"123456789")


@pytest.mark.parametrize("has_pwrite", [True, False])
def test_placed_sink__writes_its_range_at_the_shifted_place(tmp_path, monkeypatch, has_pwrite):
    import os

    if not has_pwrite:  # Windows has no os.pwrite: a seek and a write instead
        monkeypatch.delattr(os, "pwrite")
    path = tmp_path / "file"
    path.write_bytes(b"." * 12)
    fd = os.open(path, os.O_WRONLY)
    try:
        sink = catalog_sort._PlacedSink(fd, 4, 8, shift=6)  # stream bytes 4..7 go to file bytes 10..13
        for piece in (b"ab", b"cd", b"EFGH", b"ij"):
            sink.write(piece)
    finally:
        os.close(fd)
    assert path.read_bytes() == b".........." + b"EFGH"
    assert sink.tell() == 10


def test_sample_rows__aligned_runs_and_looked_up_rest_agree_with_index_in(tmp_path):
    # Runs in sample order (twice the same run, as SkyScript's two caption columns), a shuffled run and an id
    # that is no sample: every row is where index_in would put it, -1 for the orphan.
    import pyarrow as pa

    ids = pa.array([f"s{i:03d}" for i in range(50)])
    buckets = catalog_sort._Buckets([tmp_path / "b0.arrows"], ids)
    try:
        shuffled = [f"s{i:03d}" for i in np.random.default_rng(0).permutation(50)[:10]] + ["nope"]
        column = pa.chunked_array([ids.slice(0, 20), ids.slice(0, 20), ids.slice(20, 30), pa.array(shuffled)])
        expected = pc.index_in(column, value_set=ids).fill_null(-1).to_numpy()
        np.testing.assert_array_equal(buckets.sample_rows(column), expected)
        assert buckets.cursor == 50  # the last aligned run ended at the last sample
    finally:
        buckets.close()


def test_samples__list_columns_stay_arrow_and_agree_with_the_parquet_file(cen_folder):
    cat, _ = catalog.build_catalog(cen_folder)
    stored = pq.read_table(cat.path / "samples.parquet").to_pylist()
    samples = cat.samples
    assert isinstance(samples["labels"].dtype, pd.ArrowDtype)  # not one NumPy array per cell
    assert isinstance(samples["split"].dtype, pd.CategoricalDtype)
    for row, expected in zip(samples.itertuples(index=False), stored, strict=True):
        assert row.sample_id == expected["sample_id"] and row.split == expected["split"]
        assert list(row.layers) == (expected["layers"] or [])  # a missing list reads as an empty one
        assert list(row.labels) == (expected["labels"] or [])
    one = cat.sample(stored[-1]["sample_id"])
    assert one["layers"] == (stored[-1]["layers"] or []) and one["footprint"] == stored[-1]["footprint"]


def test_sidx__agrees_with_a_naive_scan_and_names_unknown_samples(cen_folder):
    cat, _ = catalog.build_catalog(cen_folder)
    ids = list(cat.samples["sample_id"])
    for _ in range(2):  # the second round answers from the remembered lookups
        assert [cat.sidx(s) for s in ids] == [ids.index(s) for s in ids]
    with pytest.raises(KeyError, match="no sample 'missing'"):
        cat.sidx("missing")


def test_read_samples__unique_texts_stay_arrow_strings_and_an_all_missing_one_costs_a_byte(tmp_path):
    import pyarrow as pa

    from explorer.catalog.folder import read_samples

    path = tmp_path / "samples.parquet"
    table = pa.table(
        {
            "sample_id": pa.array(["a", "b", "c"], pa.string()),
            "image": pa.array(["a.jpg", None, "c.jpg"], pa.string()),
            "s1_id": pa.array([None, None, None], pa.string()),  # missing everywhere (SkyScript, RS5M)
            "split": pa.array(["train", "test", None], pa.string()),
            "sidx": pa.array([0, 1, 2], pa.int32()),
        }
    )
    pq.write_table(table, path, row_group_size=2)  # two row groups: chunked columns
    samples = read_samples(path)
    assert list(samples.columns) == table.column_names
    assert samples["sample_id"].dtype == pd.ArrowDtype(pa.string())  # not pandas' large_string copy
    assert samples["image"].tolist() == ["a.jpg", pd.NA, "c.jpg"]
    assert isinstance(samples["s1_id"].dtype, pd.CategoricalDtype)
    assert samples["s1_id"].array.codes.dtype == np.int8 and samples["s1_id"].isna().all()
    assert samples["split"].tolist()[:2] == ["train", "test"] and pd.isna(samples["split"].iloc[2])


def test_sidx__many_threads_at_once_never_fail_and_keep_the_bound(cen_folder, monkeypatch):
    """Sessions and the warm-up thread look samples up at the same time: the remembered lookups must survive it."""
    import sys
    import threading

    cat, _ = catalog.build_catalog(cen_folder)
    ids = list(cat.samples["sample_id"])
    monkeypatch.setattr(cat, "RECENT_SIZE", 2)  # 6 samples through 2 slots: every lookup evicts
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    errors: list[BaseException] = []
    wrong: list[tuple[str, int]] = []
    start = threading.Barrier(8)

    def hammer(offset: int) -> None:
        start.wait()
        try:
            for n in range(3000):
                sample_id = ids[(n + offset) % len(ids)]
                found = cat.sidx(sample_id)
                if found != ids.index(sample_id):
                    wrong.append((sample_id, found))
        except BaseException as error:  # noqa: BLE001 - any failure in a thread is the finding
            errors.append(error)

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(old_interval)
    assert errors == [] and wrong == []
    assert len(cat._recent) <= 2
