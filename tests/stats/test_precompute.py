"""Statistics computed in a child process (the dashboard's warm-up) are the ones the server then reads back."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from explorer import stats
from explorer.stats.cache import is_saved
from explorer.stats.precompute import in_child


def _catalog(tmp_path: Path, monkeypatch: Any) -> Any:
    from explorer import catalog
    from tests.data import chatearthnet as cen_data

    monkeypatch.setenv("EO_EXPLORER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("EO_EXPLORER_REGISTRY", str(tmp_path / "registry.json"))
    src = str(Path(__file__).resolve().parents[2] / "src")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]))
    built, _ = catalog.build_catalog(cen_data.make(tmp_path / "cen"), out=tmp_path / "catalog")
    return catalog.Catalog(built.path)


def test_in_child__saves_the_statistics_the_server_reads_back_under_its_own_name(
    tmp_path: Path, monkeypatch: Any
) -> None:
    server_copy = _catalog(tmp_path, monkeypatch)
    server_copy.name = "chatearthnet (second copy)"  # renamed in memory, as distinct_names does
    assert not is_saved(server_copy)
    assert in_child(server_copy)
    assert is_saved(server_copy)  # same key: same path, name, build and options
    calls = []
    monkeypatch.setattr(stats.cache, "compute_all", lambda *a, **k: calls.append(1))
    tables = stats.cached_stats(server_copy)
    assert calls == [] and "comparison" in tables
    assert tables["comparison"]["dataset"].tolist() == ["chatearthnet (second copy)"]


def test_in_child__a_failing_child_is_reported_and_nothing_is_saved(
    tmp_path: Path, monkeypatch: Any, caplog: Any
) -> None:
    catalog = _catalog(tmp_path, monkeypatch)
    (Path(catalog.path) / "annotations.arrow").write_bytes(b"not an arrow file")
    assert not in_child(catalog)
    assert not is_saved(catalog)
    assert "statistics of" in caplog.text and "child process failed (exit 1)" in caplog.text


def test_child__lowers_its_priority_before_its_first_import() -> None:
    """The child's imports (pandas, pyarrow, the package: seconds of CPU) already run behind the server's pages."""
    import subprocess
    import sys

    from explorer.stats.precompute import CHILD, NICENESS, PRELUDE

    assert CHILD.startswith(PRELUDE)
    probe = PRELUDE + "import sys\nprint(os.nice(0), sorted({'pandas', 'explorer'} & set(sys.modules)))\n"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    niceness, imported = result.stdout.split(" ", 1)
    assert int(niceness) >= min(NICENESS + os.nice(0), 19)  # relative to ours (a bench may run us niced)
    assert imported.strip() == "[]"


def test_child__ends_when_its_server_is_gone_and_runs_while_it_lives() -> None:
    """A server stopped while its child computes must not leave the child computing (and writing) for minutes."""
    import subprocess
    import sys

    from explorer.stats.precompute import PRELUDE

    probe = PRELUDE + "time.sleep(3)\nprint('finished')\n"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that is no longer our child's parent: the server is gone
    orphan = subprocess.run(
        [sys.executable, "-c", probe, "catalog", "name", str(gone.pid)], capture_output=True, text=True, timeout=60
    )
    assert orphan.returncode == 3 and "finished" not in orphan.stdout
    alive = subprocess.run(
        [sys.executable, "-c", probe, "catalog", "name", str(os.getpid())], capture_output=True, text=True, timeout=60
    )
    assert alive.returncode == 0 and alive.stdout.strip() == "finished"


def test_children_of_several_server_processes__one_computes_the_others_wait_and_reuse(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """``--num-procs K``: each process's warm-up starts a child; a child that finds another computing waits for it
    and does not compute (or rewrite) the statistics again."""
    import fcntl
    import threading
    import time

    from explorer.stats.precompute import LOCK_NAME

    catalog = _catalog(tmp_path, monkeypatch)
    lock = (Path(catalog.stats_dir) / LOCK_NAME).open("a")
    fcntl.flock(lock, fcntl.LOCK_EX)  # "another child" is computing
    done: list[bool] = []
    waiting = threading.Thread(target=lambda: done.append(in_child(catalog)))
    waiting.start()
    time.sleep(4.0)
    assert waiting.is_alive() and not is_saved(catalog)  # it waits for the lock ...
    stats.cached_stats(catalog)  # ... while the other one saves them
    written = {p.name: p.stat().st_mtime_ns for p in Path(catalog.stats_dir).glob("*.parquet")}
    fcntl.flock(lock, fcntl.LOCK_UN)
    lock.close()
    waiting.join(timeout=120)
    assert done == [True] and is_saved(catalog)
    assert {p.name: p.stat().st_mtime_ns for p in Path(catalog.stats_dir).glob("*.parquet")} == written


def test_folder_lock__a_catalog_without_statistics_yet_is_locked_too(tmp_path: Path) -> None:
    """The first statistics of a catalog: its stats folder does not exist yet, the lock still guards them."""
    import fcntl

    from explorer.stats.precompute import LOCK_NAME, folder_lock

    path = tmp_path / "catalog" / "stats" / LOCK_NAME
    with folder_lock(path):
        assert path.exists()
        with path.open("a") as other, pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held: another process would wait
