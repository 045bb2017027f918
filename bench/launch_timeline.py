"""Launch -> first page answered, without a browser: the server's start-up timeline with its process CPU.

    python bench/launch_timeline.py CATALOG_OR_DATASET... [--tree TREE] [--runs 3]

Starts ``panel serve TREE/app`` (``PYTHONPATH=TREE/src``: A/B two source trees launch by launch) with
``EO_EXPLORER_TIMELINE=1``, fetches a static file until the server answers, then the app's page once (that
request builds a whole session, as ``bench_startup.py``'s "launch -> first page answered"), and prints the wall
seconds since launch, the process's CPU seconds (all threads, from /proc) at both moments, and the server's marks
(wall since launch, process CPU, thread, event): the hooks' imports, catalogs opened, the prime, the page's build
and the moment its HTML was sent and the warm-up let go.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.harness.browser import free_port, serve_command, stop_server  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from common import answers  # noqa: E402

MARK = re.compile(r"eo-timeline (\S+) (\S+) (\S+) (.*)")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of the process, all its threads."""
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def one_launch(tree: Path, paths: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "EO_EXPLORER_TIMELINE": "1"}
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="eo-launch-", suffix=".log")[1])
    started = time.time()
    with log.open("wb") as sink:
        proc = subprocess.Popen(serve_command(tree / "app", port, paths), stdout=sink, stderr=sink, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        while not answers(f"{base}/static/js/bokeh.min.js"):
            if proc.poll() is not None:
                raise RuntimeError(f"panel serve exited: {log.read_text()[-2000:]}")
            time.sleep(0.05)
        up, cpu_up = time.time() - started, process_cpu(proc.pid)
        while not answers(f"{base}/app"):
            time.sleep(0.05)
        first, cpu_first = time.time() - started, process_cpu(proc.pid)
        time.sleep(0.3)
    finally:
        stop_server(proc)
    print(
        f"load {os.getloadavg()[0]:.1f}: server answers {up:.2f} s (cpu {cpu_up:.2f} s), first page answered "
        f"{first:.2f} s (cpu {cpu_first:.2f} s)"
    )
    for line in log.read_text(errors="replace").splitlines():
        if found := MARK.match(line):
            wall, cpu, thread, event = found.groups()
            print(f"  {float(wall) - started:6.2f} s  cpu {float(cpu):5.2f} s  {thread[:12]:12s} {event}")
    log.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--tree", type=Path, default=REPO, help="source tree to serve (its app/ and src/)")
    parser.add_argument("--runs", type=int, default=1)
    options = parser.parse_args()
    for _ in range(options.runs):
        one_launch(options.tree.resolve(), options.paths)


if __name__ == "__main__":
    main()
