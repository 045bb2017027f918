"""Audit and Evaluate: views over the libraries ``explorer.audit`` and ``explorer.evaluate``, which are built
on their own branches. Until a library is present this says so plainly, with the command that produces its
results; it never shows made-up verdicts or scores."""

from __future__ import annotations

import html
import importlib.util
from typing import Any

import panel as pn
import param

from .base import View
from .style import html as html_pane


def library_present(module: str) -> bool:
    """Whether ``module`` (e.g. ``explorer.audit``) can be imported in this installation."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


class PendingView(View):
    """What a job's view shows when its library or results are missing: what, why, and how to produce them."""

    title = param.String(doc="The job (Audit, Evaluate)")
    library = param.String(doc="The module that computes it")
    what = param.String(doc="What the view would show")
    command = param.String(doc="The command that produces the results")

    def __panel__(self) -> pn.viewable.Viewable:
        present = library_present(self.library)
        reason = (
            f"the <code>{html.escape(self.library)}</code> library is not part of this installation"
            if not present
            else f"no results of <code>{html.escape(self.library)}</code> were found beside these catalogs"
        )
        names = ", ".join(html.escape(n) for n in self.state.catalogs) or "no catalog is open"
        return html_pane(
            f'<div class="eo-note eo-pending"><b>The {html.escape(self.title.lower())} has not been run for '
            f"these catalogs</b> ({names}): {reason}.<br>It would show {html.escape(self.what)}.<br>"
            f"Produce it with <code>{html.escape(self.command)}</code>, then reload this page.</div>",
            sizing_mode="stretch_width",
        )


def audit_view(state: Any) -> View:
    """The audit view, or what to run when the library is missing (or no open catalog was audited)."""
    if library_present("explorer.audit"):
        from .audit import AuditView, audited

        if any(audited(c) for c in state.catalogs.values()):
            return AuditView(state=state)
    return PendingView(
        state=state,
        title="Audit",
        library="explorer.audit",
        what="the verdict per sample, the disputed samples ranked, summary tables, the spans of each text "
        "marked with what the map says, and released versus recomputed boxes",
        command="eo-explorer audit CATALOG",
    )


def evaluate_view(state: Any) -> View:
    """The evaluation view, or what to run when the library is missing (or no open catalog was evaluated)."""
    if library_present("explorer.evaluate"):
        from .evaluate import EvaluateView, evaluated

        if any(evaluated(c) for c in state.catalogs.values()):
            return EvaluateView(state=state)
    return PendingView(
        state=state,
        title="Evaluation",
        library="explorer.evaluate",
        what="a model and metric to pick, the map coloured by score, the worst and best samples, and each "
        "prediction beside its references with the shared n-grams highlighted",
        command="eo-explorer evaluate CATALOG --predictions FILE",
    )
