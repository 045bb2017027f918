"""Panel dashboard: a store (``state.ExplorerState``, no widgets) and views over it (``pn.viewable.Viewer``)."""

from __future__ import annotations

from .app import Dashboard, build_dashboard, open_catalogs, preload, prepare_server, warm_session, warm_up
from .state import ExplorerState

__all__ = [
    "Dashboard",
    "ExplorerState",
    "build_dashboard",
    "open_catalogs",
    "preload",
    "prepare_server",
    "warm_session",
    "warm_up",
]
