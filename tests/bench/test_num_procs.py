"""`eo-explorer serve --num-procs 2`: two forked server processes share one port and both answer pages (the
setting for a lab sharing one machine; see bench/README "Many sessions")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.harness.browser import free_port, wait_for_http

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_serve_num_procs_2__two_processes_answer_pages(tmp_path: Path) -> None:
    from explorer.demo import write_demo

    folders = write_demo(tmp_path / "demo", n_chatearthnet=10, n_bigearthnet=10)
    port = free_port()
    env = {
        **os.environ,
        "EO_EXPLORER_CACHE": str(tmp_path / "cache"),
        "EO_EXPLORER_REGISTRY": str(tmp_path / "registry.json"),
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "explorer.cli", "serve", "--num-procs", "2", "--port", str(port)]
    command += ["--address", "127.0.0.1", *[str(f) for f in folders.values()]]
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        # A session of its own: the CLI, panel and its forked workers are stopped together (by this group's id).
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}/app"
    try:
        wait_for_http(url, process, timeout=600)
        workers = [
            p
            for p in psutil.Process(process.pid).children(recursive=True)
            if "panel" in " ".join(p.cmdline())
        ]
        assert len(workers) == 3, log.read_text()  # panel's parent and the two forked server processes
        for _ in range(4):  # each GET builds a whole session in whichever process accepts it
            with urllib.request.urlopen(url, timeout=300) as response:
                assert response.status == 200
                assert b"EO Image-Text Explorer" in response.read()
        text = log.read_text()
        assert text.count("ready in") == 2, text  # each process opened the catalogs and warmed up once
        # ... and both opened both datasets: the CLI builds missing catalogs before the server forks (two
        # processes building one catalog at once collided, and one served "0 datasets").
        assert text.count("ready in") == text.count("(2 datasets, "), text
        assert "could not be opened" not in text, text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
