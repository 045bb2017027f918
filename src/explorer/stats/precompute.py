"""A catalog's saved statistics computed in a process of their own (``python -m explorer.stats.precompute
CATALOG NAME``).

The dashboard's warm-up uses this instead of computing them in the server: at full size (9.55 M rows) they are
tens of CPU seconds of pandas and Python work which, in a thread of the server, holds the interpreter lock
against every page being built, filtered or stepped meanwhile. A child process runs on the other core at a low
priority and leaves the result in the catalog's ``stats/`` folder, where ``cached_stats`` finds it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .cache import cached_stats, is_saved

__all__ = ["in_child", "precompute"]

LOG = logging.getLogger("explorer.stats")


NICENESS = 10  # the server's pages come first

# The child lowers its priority before its first import: ``python -m`` would import the package (pandas, pyarrow,
# xarray: ~2 s of CPU) at the server's priority, beside the pages being served. It also ends when its server ends
# (the server's pid is its third argument): a server stopped while the child computes (Ctrl-C, a bench run's
# kill) left it running for minutes, and each restart started one more beside it, all writing the same folder.
PRELUDE = (
    "import os, sys, threading, time\n"
    f"if hasattr(os, 'nice'):\n    os.nice({NICENESS})\n"
    "SERVER = int(sys.argv[3]) if len(sys.argv) > 3 else os.getppid()\n"
    "def _end_with_server():\n"
    "    while os.getppid() == SERVER:\n"
    "        time.sleep(1.0)\n"
    "    os._exit(3)\n"
    "threading.Thread(target=_end_with_server, daemon=True).start()\n"
)
CHILD = PRELUDE + "from explorer.stats.precompute import main\nmain()\n"


def lower_priority() -> None:
    """This process at niceness ``NICENESS`` at least (never raised back)."""
    if hasattr(os, "nice"):
        os.nice(max(0, NICENESS - os.nice(0)))


def main() -> None:
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: python -m explorer.stats.precompute CATALOG_FOLDER NAME [SERVER_PID]")
    lower_priority()
    precompute(sys.argv[1], sys.argv[2])


def precompute(path: str, name: str) -> None:
    """Open the catalog at ``path`` under ``name`` (the name the server shows it under: it is part of the
    cache key) and save its statistics with the options the dashboard uses.

    One at a time per catalog folder: ``panel serve --num-procs K`` warms K processes up, each starting a child
    (at full size ~5 GB and minutes of CPU each, all writing the same ``stats/`` folder); the first computes,
    the others wait for it and find the statistics saved."""
    from ..catalog import Catalog

    catalog = Catalog(path)
    catalog.name = name
    with folder_lock(Path(catalog.stats_dir) / LOCK_NAME):
        if not is_saved(catalog):
            cached_stats(catalog)


LOCK_NAME = ".precompute.lock"  # in the stats folder, which only statistics write


@contextmanager
def folder_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on the file ``path`` across processes, held while the block runs (no lock where the
    file cannot be written or ``fcntl`` is missing: the work then runs unguarded, as before)."""
    try:
        import fcntl

        path.parent.mkdir(parents=True, exist_ok=True)  # a catalog's first statistics: no folder yet
        handle = path.open("a")
    except (ImportError, OSError):
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def in_child(catalog: Any, timeout: float = 3600.0) -> bool:
    """Compute ``catalog``'s statistics in a child process and wait for it; True when it saved them. A failure
    is logged with the child's last words and returns False (the caller then computes them itself)."""
    command = [sys.executable, "-c", CHILD, str(catalog.path), str(catalog.name), str(os.getpid())]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        LOG.warning("statistics of %s in a child process failed: %s", catalog.name, error)
        return False
    if result.returncode != 0:
        tail = " | ".join(result.stderr.strip().splitlines()[-3:])
        LOG.warning(
            "statistics of %s in a child process failed (exit %d): %s", catalog.name, result.returncode, tail
        )
        return False
    return True


if __name__ == "__main__":
    main()
