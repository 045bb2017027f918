"""The statistics store of one session: the tables of the current matches, what they count, whether they are
being recomputed, and what the highlighted samples stand for. No widgets here (``StatsView`` draws it).

Under a server the work runs on the one shared worker thread (``resources.EXECUTOR``) after a short debounce,
so that no session freezes while statistics recompute; without a server (notebook, tests) it runs at once.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future
from functools import partial
from typing import Any

import numpy as np
import panel as pn
import param

from . import resources
from .selection import Pick, Tables, highlight_of, is_prepared, needs_preparing, pick_label, statistics_of
from .state import ExplorerState

__all__ = ["DEBOUNCE_MS", "StatsStore"]

DEBOUNCE_MS = 250


def _server_doc() -> Any:
    """The Bokeh document of the current server session, or None (notebook, tests: work synchronously)."""
    doc = pn.state.curdoc
    return doc if doc is not None and doc.session_context is not None else None


class StatsStore(param.Parameterized):
    """Statistics of the matching samples of a session's store; writes back only ``state.highlight``."""

    state: ExplorerState = param.ClassSelector(  # type: ignore[assignment]
        class_=ExplorerState, constant=True, doc="The session's store (filters, matches)"
    )
    tables = param.Dict(
        default={}, doc="Statistics of the matching samples, combined over datasets (derived from the store)"
    )
    counted = param.Dict(default={}, doc="dataset -> samples counted in ``tables``")
    busy = param.Boolean(default=False, doc="Statistics are being recomputed (a server's worker is on it)")
    status = param.String(default="", doc="What is being computed, or why it failed; empty when up to date")
    pick = param.Parameter(
        default=None,
        doc="What the highlight stands for (a bar or bin: ``selection.Pick``); kept on new matches",
    )
    active = param.Boolean(
        default=True,
        doc="Compute; a dashboard starts inactive and activates when the statistics are first shown, so that "
        "opening the page never waits for them",
    )

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._token = 0
        self._timeout: Any = None
        self._jobs = 0  # scheduled or running on the worker (server only): busy while any
        self.state.param.watch(self._on_matches, "matches")
        if self.active:
            self.refresh()

    def activate(self) -> None:
        """Start computing (once; later calls do nothing)."""
        if self.active:
            return
        self.active = True
        self.refresh()

    # --- computing ------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute for the current matches: now (no server), else debounced on the worker thread."""
        self._token += 1
        doc = _server_doc()
        if doc is None:
            self._apply(self._token, self._compute(self.state.matches, self.pick))
            return
        waiting = needs_preparing(self.state.catalogs, self.state.matches)
        self.status = (
            f"Preparing the statistics of {', '.join(waiting)} (once per server; about a minute at full size)…"
            if waiting
            else "Computing statistics…"
        )
        replaced = False
        if self._timeout is not None:
            with contextlib.suppress(ValueError):  # raises when it already ran
                doc.remove_timeout_callback(self._timeout)
                replaced = True
        if not replaced:
            self._started()
        self._timeout = doc.add_timeout_callback(partial(self._submit, doc, self._token), DEBOUNCE_MS)

    def _started(self) -> None:
        self._jobs += 1
        self.busy = True

    def _ended(self) -> None:
        self._jobs = max(self._jobs - 1, 0)
        self.busy = self._jobs > 0

    def _on_matches(self, *_: Any) -> None:
        if self.active:
            self.refresh()

    def _submit(self, doc: Any, token: int) -> None:
        self._timeout = None
        if token != self._token:
            self._ended()
            return
        matches, pick = self.state.matches, self.pick
        future = resources.EXECUTOR.submit(self._compute, matches, pick)

        # Back on the event loop (the only Document call safe from another thread). No Panel set_curdoc or hold
        # around the update: under them, changes to the map's plain Bokeh sources never reached the browser.
        future.add_done_callback(lambda done: doc.add_next_tick_callback(partial(self._finish, token, done)))

    def _finish(self, token: int, future: Future[Any]) -> None:
        self._ended()
        self._apply(token, future)

    def _compute(self, matches: Any, pick: Pick | None) -> tuple[Tables, dict[str, int], dict[str, Any]]:
        tables, counted = statistics_of(self.state.catalogs, matches)
        highlight = highlight_of(self.state.catalogs, matches, pick) if pick is not None else {}
        return tables, counted, highlight

    def _apply(self, token: int, result: Any) -> None:
        """Show a finished computation, unless a newer one was asked for meanwhile."""
        if token != self._token:
            return
        try:
            tables, counted, highlight = result.result() if isinstance(result, Future) else result
        except Exception as error:  # noqa: BLE001 - a statistics bug must not end the session
            self.status = f"Could not compute the statistics ({type(error).__name__}): {error}"
            return
        self.param.update(tables=tables, counted=counted, status="")
        if self.pick is not None:
            self.state.param.update(highlight=highlight, highlight_label=pick_label(self.pick))

    # --- highlighting -----------------------------------------------------------------------------------------
    def select(self, pick: Pick) -> None:
        """Outline on the map the matching samples a bar or bin stands for."""
        self.pick = pick
        doc = _server_doc()
        catalogs, matches = self.state.catalogs, self.state.matches
        if doc is None:
            self._set_highlight(pick, highlight_of(catalogs, matches, pick))
            return
        waiting = [] if pick[0] == "class" else [n for n, c in catalogs.items() if not is_prepared(c)]
        self._started()
        self.status = (
            f"Preparing the statistics of {', '.join(waiting)} (once per server; about a minute at full size)…"
            if waiting
            else f"Finding the samples with {pick_label(pick)}…"
        )
        future = resources.EXECUTOR.submit(highlight_of, catalogs, matches, pick)

        future.add_done_callback(
            lambda done: doc.add_next_tick_callback(partial(self._finish_pick, pick, done))
        )

    def _finish_pick(self, pick: Pick, future: Future[Any]) -> None:
        self._ended()
        self.status = ""
        if self.pick != pick:
            return
        try:
            self._set_highlight(pick, future.result())
        except Exception as error:  # noqa: BLE001 - a statistics bug must not end the session
            self.status = f"Could not find those samples ({type(error).__name__}): {error}"

    def _set_highlight(self, pick: Pick, highlight: dict[str, np.ndarray]) -> None:
        self.state.param.update(highlight=highlight, highlight_label=pick_label(pick))

    def clear_highlight(self, *_: Any) -> None:
        self.pick = None
        self.state.param.update(highlight={}, highlight_label="")
