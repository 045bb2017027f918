"""A session whose callback raises tells its user and leaves every other session alone; the server log names
each cause once (with its traceback), not once per request, so a bad sample clicked by twenty users is one line.

Installed process-wide as Panel's ``config.exception_handler`` by ``prepare_server`` (the server's start-up hook):
Panel then hands every exception of a widget or stream callback here instead of re-raising it into Tornado's log.
"""

from __future__ import annotations

import logging
import threading

import panel as pn

LOG = logging.getLogger("explorer.dashboard")
MAX_CAUSES = (
    1000  # distinct causes remembered; past that, a new cause is logged again rather than kept forever
)

_SEEN: set[tuple[str, str]] = set()
_LOCK = threading.Lock()


def cause_of(error: BaseException) -> tuple[str, str]:
    """What identifies a failure for the log: its type and the first line of its message."""
    message = str(error).strip().splitlines()
    return type(error).__name__, message[0] if message else ""


def report_exception(error: BaseException) -> None:
    """Log the cause the first time it is seen in this process; tell the session it happened in."""
    cause = cause_of(error)
    with _LOCK:
        first = cause not in _SEEN
        if first:
            if len(_SEEN) >= MAX_CAUSES:
                _SEEN.clear()
            _SEEN.add(cause)
    if first:
        LOG.error("A session callback failed (logged once per cause): %s: %s", *cause, exc_info=error)
    notifications = pn.state.notifications
    if notifications is not None:
        text = f"{cause[0]}: {cause[1]}" if cause[1] else cause[0]
        notifications.error(f"This action failed ({text}). The rest of the page still works.", duration=8000)


def install() -> None:
    """Route every session's callback exceptions through ``report_exception`` (once per process)."""
    pn.config.exception_handler = report_exception
