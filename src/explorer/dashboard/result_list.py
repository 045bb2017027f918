"""The result list of the Explore sidebar (and of the Audit and Evaluate views): the first matches, a page at a
time, sortable by a column; a click on a row opens that sample.

A small component of its own rather than Panel's Tabulator (issue #12, bench/README "The browser's cost ..."):
the Tabulator cost the server ~10-15 ms of Panel machinery per filter whatever the frame's length (its
``_update_cds``: a third of a filter's server CPU on the demo), and the browser ~20 % of a filter's CPU (its
``fit_data_fill`` layout measures every column at each new page). Here a filter sends the new page's ten rows
as one property, the browser redraws a plain ``<table>`` (auto layout: long dataset names stay readable, the
table scrolls sideways), and paging and sorting are a message each way. Cells are set as text, never HTML.
Audit's and Evaluate's ranked lists use it too, so no page loads Tabulator's scripts and styles (~840 KiB:
tabulator, luxon, BokehJS's tables bundle) that only those two views needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import panel as pn
import param

from .style import bokeh_updates

PAGE_SIZE = 10


class ResultList(pn.custom.JSComponent):
    """A page of ``frame`` (set with ``set_frame``, or ``value``); ``on_open(dataset, sample_id)`` is called for a
    clicked row (the frame has ``dataset`` and ``sample_id`` columns, anywhere). ``float_format``: how float cells
    are shown (e.g. ``"{:.3f}"``; default ``str``); sorting uses the numbers, not their text."""

    columns = param.List(default=[], doc="The column names, in order")
    rows = param.List(default=[], doc="This page's rows, each a list of cell texts")
    first = param.Integer(default=0, doc="Position of this page's first row in the (sorted) frame")
    total = param.Integer(default=0, doc="Rows in the frame")
    sort = param.List(default=[], doc="[column, ascending] of the sort, or empty: the frame's order")

    _esm = f"""
    const PAGE = {PAGE_SIZE}
    export function render({{ model, el }}) {{
      const box = document.createElement("div")
      box.className = "eo-rl"
      el.appendChild(box)
      let chosen = null  // "dataset/sample_id" of the clicked row, highlighted while it is shown
      let queued = false
      const button = (label, page, disabled) => {{
        const b = document.createElement("button")
        b.textContent = label
        b.disabled = disabled
        b.addEventListener("click", () => model.send_msg({{ page }}))
        return b
      }}
      const draw = () => {{
        queued = false
        const table = document.createElement("table")
        const head = table.createTHead().insertRow()
        const [sortColumn, ascending] = model.sort
        for (const name of model.columns) {{
          const th = document.createElement("th")
          th.textContent = name
          const arrow = document.createElement("span")
          arrow.className = "eo-rl-sort" + (name === sortColumn ? (ascending ? " up" : " down") : "")
          th.appendChild(arrow)
          th.addEventListener("click", () => model.send_msg({{ sort: name }}))
          head.appendChild(th)
        }}
        const body = table.createTBody()
        const dataset = Math.max(0, model.columns.indexOf("dataset"))
        const sample = Math.max(0, model.columns.indexOf("sample_id"))
        model.rows.forEach((cells, i) => {{
          const tr = body.insertRow()
          const key = cells[dataset] + "/" + cells[sample]
          if (key === chosen) {{ tr.className = "selected" }}
          for (const cell of cells) {{ tr.insertCell().textContent = cell }}
          tr.addEventListener("click", () => {{
            chosen = key
            for (const other of body.rows) {{ other.className = "" }}
            tr.className = "selected"
            model.send_msg({{ row: model.first + i, dataset: cells[dataset], sample_id: cells[sample] }})
          }})
        }})
        const scroll = document.createElement("div")
        scroll.className = "eo-rl-scroll"
        scroll.appendChild(table)
        const page = Math.floor(model.first / PAGE)
        const last = Math.max(0, Math.ceil(model.total / PAGE) - 1)
        const pager = document.createElement("div")
        pager.className = "eo-rl-pager"
        const where = document.createElement("span")
        where.textContent = model.total ? `${{page + 1}} / ${{last + 1}}` : ""
        pager.append(
          button("First", 0, page === 0), button("Prev", page - 1, page === 0), where,
          button("Next", page + 1, page >= last), button("Last", last, page >= last),
        )
        box.replaceChildren(scroll, pager)
      }}
      // Properties changed together (a filter: rows, first, total) arrive in one message: draw once.
      const later = () => {{ if (!queued) {{ queued = true; queueMicrotask(draw) }} }}
      model.on(["columns", "rows", "first", "total", "sort"], later)
      draw()
    }}
    """

    _stylesheets = [
        """
        .eo-rl { display: flex; flex-direction: column; height: 100%; font-size: 13px; }
        .eo-rl-scroll { flex: 1 1 auto; overflow: auto; border: 1px solid #ddd; background: white; }
        .eo-rl table { border-collapse: collapse; white-space: nowrap; min-width: 100%; }
        .eo-rl th { position: sticky; top: 0; background: #f7f7f7; border-bottom: 2px solid #999;
                    text-align: left; padding: 4px 18px 4px 4px; cursor: pointer; user-select: none; }
        .eo-rl th .eo-rl-sort { display: inline-block; margin-left: 6px; width: 0; height: 0;
                    border-left: 5px solid transparent; border-right: 5px solid transparent;
                    border-bottom: 6px solid #bbb; vertical-align: middle; }
        .eo-rl th .eo-rl-sort.up { border-bottom-color: #666; }
        .eo-rl th .eo-rl-sort.down { border-bottom: none; border-top: 6px solid #666; }
        .eo-rl td { padding: 4px; border-right: 1px solid #eee; }
        .eo-rl tbody tr:nth-child(even) { background: #f3f3f3; }
        .eo-rl tbody tr { cursor: pointer; }
        .eo-rl tbody tr:hover { background: #bbb; }
        .eo-rl tbody tr.selected { background: #9abcea; }
        .eo-rl-pager { flex: 0 0 auto; text-align: right; padding: 4px 0; }
        .eo-rl-pager span { margin: 0 6px; color: #555; }
        .eo-rl-pager button { margin-left: 2px; border: 1px solid #aaa; border-radius: 3px; background: white;
                    font-weight: bold; padding: 1px 5px; cursor: pointer; }
        .eo-rl-pager button:disabled { color: #aaa; font-weight: normal; cursor: default; }
        """
    ]

    def __init__(
        self, on_open: Callable[[str, str], None], float_format: str | None = None, **params: Any
    ) -> None:
        super().__init__(**params)
        self._on_open = on_open  # plain attributes: parameters are synced to the browser
        self._float_format = float_format
        self._frame: pd.DataFrame | None = None
        self._sorted: pd.DataFrame | None = None

    @property
    def value(self) -> pd.DataFrame:
        """The frame shown (empty when none), in its own order; setting it is ``set_frame``."""
        return pd.DataFrame() if self._frame is None else self._frame

    @value.setter
    def value(self, frame: pd.DataFrame | None) -> None:
        self.set_frame(frame)

    def set_frame(self, frame: pd.DataFrame | None) -> None:
        """Show ``frame``'s first page in its own order. The same frame again (a shared result re-set) sends
        nothing: the properties keep their values."""
        if frame is self._frame:
            return
        self._frame = frame
        self._sorted = frame
        self._show_page(0, sort=[])

    def _show_page(self, page: int, sort: list[Any]) -> None:
        frame = self._sorted
        total = 0 if frame is None else len(frame)
        last = max(0, (total - 1) // PAGE_SIZE)
        first = min(max(page, 0), last) * PAGE_SIZE
        # Column slices, not ``frame.iloc[...].astype(str)``: 0.5 against 1.5-2 ms, per filter in every session.
        cells = [] if frame is None else [c.array[first : first + PAGE_SIZE].tolist() for _, c in frame.items()]
        text = self._text
        rows = [[text(cell) for cell in row] for row in zip(*cells, strict=True)]
        columns = [] if frame is None else [str(c) for c in frame.columns]
        # One update: param compares each value with the old one and sends only what changed.
        self.param.update(columns=columns, rows=rows, first=first, total=total, sort=sort)

    def _text(self, cell: Any) -> str:
        if pd.isna(cell):
            return ""
        if self._float_format is not None and isinstance(cell, float):
            return self._float_format.format(cell)
        return str(cell)

    def _sort_by(self, column: str) -> None:
        if self._frame is None or column not in self._frame.columns:
            return
        ascending = self.sort != [column, True]
        self._sorted = self._frame.sort_values(column, ascending=ascending, kind="stable", ignore_index=True)
        self._show_page(0, sort=[column, ascending])

    def _handle_msg(self, msg: Any) -> None:
        """Messages from the page (untrusted): a page to show, a column to sort by, or a clicked row, opened
        only if it is still the row the page showed there."""
        if not isinstance(msg, dict):
            return
        with bokeh_updates(freeze=True):  # its answer (a page, or the opened sample's panels) in one message
            self._answer(msg)

    def _answer(self, msg: dict[str, Any]) -> None:
        if isinstance(msg.get("page"), int):
            self._show_page(msg["page"], sort=self.sort)
        elif isinstance(msg.get("sort"), str):
            self._sort_by(msg["sort"])
        elif isinstance(msg.get("row"), int):
            frame, row = self._sorted, msg["row"]
            if frame is None or not 0 <= row < len(frame):
                return
            dataset, sample_id = str(frame["dataset"].iat[row]), str(frame["sample_id"].iat[row])
            if (dataset, sample_id) == (msg.get("dataset"), msg.get("sample_id")):
                self._on_open(dataset, sample_id)
