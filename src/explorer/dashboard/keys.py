"""Keyboard shortcuts of the page: next / previous sample and the view switch (keys listed in the header and
the README). Keys typed into a text box, a select or with a modifier are left alone."""

from __future__ import annotations

from typing import Any

import panel as pn
import param

KEYS = ("n", "p", "ArrowRight", "ArrowLeft", "1", "2", "3", "4")


class KeyboardShortcuts(pn.custom.JSComponent):
    """Listens to the page's key presses and hands the known ones to ``dashboard.on_key``."""

    dashboard = param.Parameter(default=None, doc="The Dashboard whose ``on_key`` handles a shortcut")

    _esm = f"""
    export function render({{ model }}) {{
      const keys = new Set({list(KEYS)!r})
      const typing = (el) => el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName))
      const handler = (event) => {{
        if (event.ctrlKey || event.metaKey || event.altKey || !keys.has(event.key)) {{ return }}
        if (typing(event.composedPath()[0])) {{ return }}
        model.send_msg({{ key: event.key }})
      }}
      document.addEventListener("keydown", handler)
      model.on("remove", () => document.removeEventListener("keydown", handler))
    }}
    """

    _ignored_refs = ("dashboard",)

    def __init__(self, **params: Any) -> None:
        super().__init__(width=0, height=0, margin=0, **params)

    def _handle_msg(self, msg: Any) -> None:
        if isinstance(msg, dict) and msg.get("key") in KEYS and self.dashboard is not None:
            self.dashboard.on_key(str(msg["key"]))
