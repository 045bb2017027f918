"""What the address bar holds: the view, the filters and the open sample, so that a shared link restores them.

``?view=compare&in=chatearthnet-demo&label=water&q=river&bounds=x0,y0,x1,y1&dataset=...&sample=...``: ``in`` is
the dataset filter (``dataset`` names the open sample's dataset), ``bounds`` the map box in Web Mercator. Values
from a URL are untrusted: one that names no option is ignored, never raised on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .query import ALL

URL_PARAMETERS = {"open_dataset": "dataset", "sample_id": "sample"}
FILTER_PARAMETERS = {
    "dataset": "in",
    "split": "split",
    "country": "country",
    "subset": "subset",
    "label": "label",
    "query": "q",
    "regex": "regex",
    "bounds": "bounds",
}
SELECTORS = ("split", "country", "subset", "label")
AUDIT_PARAMETERS = {"disputed_only": "disputed", "min_disputes": "min_disputes"}

__all__ = ["AUDIT_PARAMETERS", "FILTER_PARAMETERS", "URL_PARAMETERS", "audit_filter", "restore", "url_items"]


def audit_filter(dashboard: Any, build: bool = False) -> Any:
    """The view holding the dispute filter (``AUDIT_PARAMETERS``), or None (no audited catalog is open, or the
    Audit view is not built yet and ``build`` is False: an unbuilt view has no filter set)."""
    built = getattr(dashboard, "built_view", None)
    view = getattr(dashboard, "audit", None) if build or built is None else built("audit")
    params = getattr(view, "param", None)
    return view if params is not None and all(p in params for p in AUDIT_PARAMETERS) else None


def url_items(dashboard: Any) -> list[tuple[str, str]]:
    """(name, value) pairs for the URL: view, the filters that differ from their defaults, the open sample."""
    state = dashboard.state
    items = [("view", str(dashboard.view))]
    for p, name in FILTER_PARAMETERS.items():
        value = getattr(state, p)
        if value in (None, "", False, ALL):
            continue
        if p == "regex":
            value = "1"
        elif p == "bounds":
            value = ",".join(f"{float(v):.1f}" for v in value)
        items.append((name, str(value)))
    audit = audit_filter(dashboard)
    if audit is not None and audit.disputed_only:
        items.append((AUDIT_PARAMETERS["disputed_only"], "1"))
        if audit.min_disputes > 1:
            items.append((AUDIT_PARAMETERS["min_disputes"], str(int(audit.min_disputes))))
    items += [(name, str(getattr(state, p))) for p, name in URL_PARAMETERS.items() if getattr(state, p)]
    return items


def _restore_audit(dashboard: Any, query: Mapping[str, str]) -> None:
    if query.get(AUDIT_PARAMETERS["disputed_only"]) not in ("1", "true", "True"):
        return
    audit = audit_filter(dashboard, build=True)  # a link with the dispute filter builds the Audit view
    if audit is None:
        return
    updates: dict[str, Any] = {"disputed_only": True}
    text = str(query.get(AUDIT_PARAMETERS["min_disputes"], ""))
    if text.isdigit() and 1 <= int(text) <= 1_000_000:
        updates["min_disputes"] = int(text)
    audit.param.update(updates)


def _bounds(text: str) -> tuple[float, float, float, float] | None:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        return None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        return None
    x0, y0, x1, y1 = values
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def restore(dashboard: Any, query: Mapping[str, str]) -> None:
    """Set view, filters and open sample from URL parameters (unknown values ignored)."""
    state = dashboard.state
    if query.get("view") in dashboard.param.view.objects:
        dashboard.view = query["view"]
    if query.get("in") in state.param.dataset.objects:
        state.dataset = query["in"]  # first: it decides the options of the other selectors
    updates: dict[str, Any] = {}
    for p in SELECTORS:
        value = query.get(FILTER_PARAMETERS[p])
        if value is not None and value in state.param[p].objects:
            updates[p] = value
    if query.get("q"):
        updates["query"] = str(query["q"])
    if query.get("regex") in ("1", "true", "True"):
        updates["regex"] = True
    if query.get("bounds"):
        bounds = _bounds(query["bounds"])
        if bounds is not None:
            updates["bounds"] = bounds
    if updates:
        state.param.update(updates)
    _restore_audit(dashboard, query)  # after the filters: it keeps the disputed samples among their matches
    requested = {p: str(query[name]) for p, name in URL_PARAMETERS.items() if query.get(name)}
    if requested:
        state.param.update(requested)
