"""Keyboard shortcuts of the page: next / previous sample and the view switch (keys listed in the header and
the README). Keys typed into a text box, a select or with a modifier are left alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import panel as pn

KEYS = ("n", "p", "ArrowRight", "ArrowLeft", "1", "2", "3", "4")


class KeyboardShortcuts(pn.custom.JSComponent):
    """Listens to the page's key presses and hands the known ones to ``on_key`` (``Dashboard.on_key``)."""

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

    def __init__(self, on_key: Callable[[str], None], **params: Any) -> None:
        super().__init__(width=0, height=0, margin=0, **params)
        self._on_key = on_key  # a plain attribute: parameters are synced to the browser

    def _handle_msg(self, msg: Any) -> None:
        if isinstance(msg, dict) and msg.get("key") in KEYS:
            self._on_key(str(msg["key"]))
