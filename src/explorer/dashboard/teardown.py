"""Closed sessions' memory given back to the system, once a burst of them is over.

A destroyed session's dashboard is collected (``tests/dashboard/test_sessions.py``), but two things kept a
server's RSS ~170 MiB above its level after 20 sessions closed: Panel collects the cycles of destroyed documents in
a ``gc.collect()`` it debounces by 5 s, and the memory freed then stays in the C allocator's heaps (glibc keeps
freed pages of its arenas mapped for reuse). So ``app/app_hooks.py`` calls ``session_destroyed`` for each closed
session; ``DELAY`` seconds after the last one (a burst of closes pays once), the cache of recent filter results
(``resources.shared_recent``, up to ``RECENT_BYTES``) is emptied when no session is left open (an open session
may ask for them again), then one ``gc.collect()`` and glibc's ``malloc_trim(0)`` run on the server's event loop
and return the freed pages.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from typing import Any

from .resources import forget_recent

__all__ = ["DELAY", "give_back", "session_destroyed"]

DELAY = 6.0  # seconds after the last closed session: after Panel's own debounced collection (5 s)


def _find_malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim, the collection still runs
        return None


_MALLOC_TRIM = _find_malloc_trim()
_pending: Any = None  # the scheduled give_back (a tornado timeout handle), while a burst of closes goes on
_server: Any = None  # Bokeh's server context of the last closed session: it knows which sessions are still open


def give_back(keep_recent: bool = False) -> bool:
    """Drop cached filter results (unless ``keep_recent``), collect garbage, then return the allocator's free pages
    to the system; True when some were returned."""
    if not keep_recent:
        forget_recent()
    gc.collect()
    return bool(_MALLOC_TRIM(0)) if _MALLOC_TRIM is not None else False


def session_destroyed(session_context: Any = None) -> None:
    """Bokeh's ``on_session_destroyed`` hook (on the server's event loop): ``give_back`` once no session has been
    destroyed for ``DELAY`` seconds."""
    global _pending, _server
    from tornado.ioloop import IOLoop

    _server = getattr(session_context, "server_context", None) or _server
    loop = IOLoop.current()
    if _pending is not None:
        loop.remove_timeout(_pending)
    _pending = loop.call_later(DELAY, _run)


def _run() -> None:
    global _pending
    _pending = None
    give_back(keep_recent=_open_sessions() > 0)


def _open_sessions() -> int:
    """Sessions the server still has open; 0 when unknown (no context was passed)."""
    try:
        return len(_server.sessions) if _server is not None else 0
    except Exception:  # a server context that cannot list its sessions: behave as if all had closed
        return 0
