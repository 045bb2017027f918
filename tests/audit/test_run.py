"""The audit on Dask (a local in-process cluster) gives the same verdicts as in-process; CLI and demo run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from explorer import audit
from explorer.catalog import build_catalog
from explorer.cli import main
from tests.data import audit_planted


def test_run_audit__local_cluster_matches_in_process(planted: dict[str, Any], tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    catalog, _ = build_catalog(Path(planted["root"]) / "data" / audit_planted.BEN, out=tmp_path / "cat")
    cluster = LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)
    with cluster, Client(cluster, set_as_default=False) as client:  # as the CLI's own cluster is
        run = audit.run_audit(catalog, client=client, chunk_samples=3, progress=False)
    assert run.maps[catalog.name] == len(catalog.samples) - 1  # one map was removed
    assert len(list((tmp_path / "cat" / "audit" / "verdicts").glob("part-*.parquet"))) == -(
        -len(catalog.samples) // 3
    )
    columns = ["sample_id", "ann_id", "rule", "variant", "verdict", "from_map"]
    ours = audit.load_verdicts(catalog).to_pandas()[columns].sort_values(columns, ignore_index=True)
    reference = audit.load_verdicts(planted["catalogs"][audit_planted.BEN]).to_pandas()
    reference = reference[columns].sort_values(columns, ignore_index=True)
    pd.testing.assert_frame_equal(ours, reference)


def test_local_cluster__worker_processes_without_the_dask_profiler() -> None:
    import dask
    from distributed import Client

    from explorer.audit.run import local_cluster

    with local_cluster(1) as cluster, Client(cluster, set_as_default=False) as client:
        enabled = client.run(lambda: dask.config.get("distributed.worker.profile.enabled"))
        assert list(enabled.values()) == [False]
        assert client.submit(sum, [1, 2], pure=False).result() == 3
    assert dask.config.get("distributed.worker.profile.enabled") is True  # this process's config untouched


def test_cli_audit__demo_prints_the_summary(
    small_demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EO_EXPLORER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("EO_EXPLORER_REGISTRY", str(tmp_path / "registry.json"))
    folders = [small_demo / "chatearthnet-demo", small_demo / "bigearthnet-demo"]
    assert main(["audit", *map(str, folders), "--scheduler", "sync", "--quiet"]) == 0
    out = capsys.readouterr().out
    for rule in ("class-in-region", "proportion-word", "presence", "box-reference", "caption-area"):
        assert rule in out
    assert "audited in" in out
    # eo-explorer figures then draws the stored audit beside the statistics
    figures = tmp_path / "figures"
    assert main(["figures", *map(str, folders), "--formats", "png", "--no-pixels", "--out", str(figures)]) == 0
    stems = {p.stem for p in figures.glob("*.png")}
    assert {"audit_dispute_rate", "audit_map_bigearthnet-demo", "audit_map_chatearthnet-demo"} <= stems
    assert "caption_length_counts" in stems


def test_load_verdicts__unaudited_catalog_says_what_to_run(tmp_path: Path, planted: dict[str, Any]) -> None:
    from explorer.errors import CatalogError

    catalog, _ = build_catalog(Path(planted["root"]) / "data" / audit_planted.CEN, out=tmp_path / "fresh")
    with pytest.raises(CatalogError, match="eo-explorer audit"):
        audit.load_verdicts(catalog)


def test_cli_audit__bad_scheduler_address_is_an_error(
    planted: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = planted["catalogs"][audit_planted.CEN]
    assert main(["audit", str(catalog.path), "--scheduler", "nonsense://nowhere", "--quiet"]) == 1
    assert "nonsense://nowhere" in capsys.readouterr().err
