"""Headless Chromium and a served dashboard: shared by the browser tests, the README screenshot and the bench.

Debian's chromium is used as installed (Playwright never downloads a browser here). The flags keep it from
reaching for the network, which this machine does not have, at every start.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_command(app: Path, port: int, args: Sequence[str] = (), options: Sequence[str] = ()) -> list[str]:
    """`panel serve APP` on 127.0.0.1:PORT with the given extra options and, after --args, dataset folders."""
    command = [sys.executable, "-m", "panel", "serve", str(app), "--port", str(port)]
    command += ["--address", "127.0.0.1", "--allow-websocket-origin", f"127.0.0.1:{port}", *options]
    return command + (["--args", *args] if args else [])


def wait_for_http(
    url: str, process: subprocess.Popen[bytes], timeout: float = 180.0, interval: float = 0.25
) -> None:
    """Poll every ``interval`` seconds until the URL answers 200 (the app's first request builds the page, so
    allow for that)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"panel serve exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(interval)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")
