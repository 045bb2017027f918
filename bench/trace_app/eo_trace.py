"""Timestamps of a served filter, written to $EO_TRACE_FILE (epoch ms): websocket message in, Panel's widget
change processed, the store's matches updated, each message out. Patches Bokeh/Panel/explorer methods in place."""

import functools
import os
import time

from bokeh.server.views.ws import WSHandler
from panel.reactive import Syncable

from explorer.dashboard.state import ExplorerState

_OUT = open(os.environ.get("EO_TRACE_FILE", "/dev/null"), "a", buffering=1)  # noqa: SIM115


def log(what: str) -> None:
    _OUT.write(f"{time.time() * 1000:.1f} {time.process_time() * 1000:.1f} {what}\n")


def _wrap_async(cls, name, label):
    original = getattr(cls, name)

    @functools.wraps(original)
    async def wrapped(self, *args, **kwargs):
        arg = args[0] if args else None
        size = len(arg) if isinstance(arg, (str, bytes)) else ""
        kind = getattr(arg, "msgtype", "")
        log(f"{label} start {kind} {size}")
        try:
            return await original(self, *args, **kwargs)
        finally:
            log(f"{label} end {kind}")

    setattr(cls, name, wrapped)


def _wrap(cls, name, label):
    original = getattr(cls, name)

    @functools.wraps(original)
    def wrapped(self, *args, **kwargs):
        log(f"{label} start {type(self).__name__}")
        try:
            return original(self, *args, **kwargs)
        finally:
            log(f"{label} end {type(self).__name__}")

    setattr(cls, name, wrapped)


_wrap_async(WSHandler, "on_message", "ws-in")
_wrap_async(WSHandler, "send_message", "ws-out")
_wrap(Syncable, "_change_event", "panel-change")
_wrap(ExplorerState, "_update_matches", "matches")

_original_write = WSHandler.write_message


async def _write(self, message, binary=False, locked=True):
    log(f"write {len(message) if isinstance(message, (str, bytes)) else '?'}")
    return await _original_write(self, message, binary, locked)


WSHandler.write_message = _write
