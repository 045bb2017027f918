"""Headless Chromium and a served dashboard: shared by the browser tests, the README screenshot and the bench.

Debian's chromium is used as installed (Playwright never downloads a browser here): ``EO_EXPLORER_CHROMIUM``
names the executable, else the first of ``chromium``, ``chromium-browser``, ``google-chrome`` on the PATH. The
flags keep it from reaching for the network, which this machine does not have, at every start.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

CHROMIUM_ENV = "EO_EXPLORER_CHROMIUM"


def chromium_path() -> str:
    """The Chromium executable to drive: ``$EO_EXPLORER_CHROMIUM``, else one on the PATH; "" when none."""
    chosen = os.environ.get(CHROMIUM_ENV)
    if chosen:
        return chosen
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return ""


def chromium_missing() -> str | None:
    """Why no browser can run (what to install or set), or None when Chromium is there."""
    path = chromium_path()
    if path and Path(path).exists():
        return None
    where = f"{CHROMIUM_ENV}={path}" if os.environ.get(CHROMIUM_ENV) else "no chromium on the PATH"
    return f"Chromium not found ({where}): apt-get install chromium (make browser-deps) or set {CHROMIUM_ENV}"


CHROMIUM = chromium_path()


def launch_chromium(playwright: Any) -> Any:
    """Headless Chromium from a started ``sync_playwright()``, offline flags set (tests, screenshot, bench)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


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


def stop_server(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """Terminate the server and the processes it forked (``--num-procs``: they outlive their parent
    otherwise), killing what has not exited within ``timeout`` seconds."""
    import psutil

    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    process.terminate()
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
    _, alive = psutil.wait_procs(children, timeout=timeout)
    for child in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()


@contextlib.contextmanager
def served(
    app: Path,
    url_path: str,
    args: Sequence[str],
    log_path: Path,
    env: dict[str, str],
    options: Sequence[str] = (),
) -> Iterator[str]:
    """`panel serve APP` on a free port until the block ends; yields the app's URL. Its output goes to
    ``log_path``, whose tail is printed when the server never answers or the block raises."""
    port = free_port()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            serve_command(app, port, args, options), stdout=log, stderr=subprocess.STDOUT, env=env
        )
        url = f"http://127.0.0.1:{port}/{url_path}"
        try:
            wait_for_http(url, process)
            yield url
        except Exception:
            print(log_path.read_text(errors="replace")[-5000:])
            raise
        finally:
            stop_server(process)
