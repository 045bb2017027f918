"""One row per checked claim: the verdict table every audit module writes and every reader (CLI, notebook,
figures, a dashboard view) consumes.

A claim is checked under one or more *variants* of the rule (the generators' exact rules are unpublished:
4- or 8-connectivity, a presence threshold, the axis of "east", ...). Every variant gives its own row. Stored
rows mark the declared default variant ``primary``; after a run the audit picks, per rule, the variant the data
agrees with most (``run.choose_variants``) and every loaded table marks THAT one ``primary``, so counts and
rankings use one verdict per claim while ``summary.variant_agreement`` compares the variants.

Verdicts: ``agree``, ``dispute``, ``not-evaluable``. A rule that cannot be evaluated (no map, a class the legend
lacks, a template the parser does not understand) says so in ``from_map`` and NEVER counts as agreement.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

AGREE = "agree"
DISPUTE = "dispute"
NOT_EVALUABLE = "not-evaluable"
VERDICTS = (AGREE, DISPUTE, NOT_EVALUABLE)
NO_SPAN = -1
SAMPLE_LEVEL = -1  # ann_id of checks about a sample, not one of its texts (image defects, S1/S2 dates)

VERDICT_SCHEMA = pa.schema(
    [
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("sample_id", pa.string(), nullable=False),
        pa.field("ann_id", pa.int64(), nullable=False),  # SAMPLE_LEVEL for sample checks
        pa.field("kind", pa.string()),  # annotation kind (caption, vqa_binary, ...) or "sample"
        pa.field("source", pa.string()),  # chatgpt-3.5, chatgpt-4v, template, ...
        pa.field("split", pa.string()),
        pa.field("category", pa.string()),
        pa.field("country", pa.string()),
        pa.field("class_name", pa.string()),  # the class the claim is about, when one
        pa.field("rule", pa.string(), nullable=False),
        pa.field("variant", pa.string(), nullable=False),
        pa.field("primary", pa.bool_(), nullable=False),
        pa.field("released", pa.string()),  # what the text says
        pa.field("from_map", pa.string()),  # what the map (or metadata) says; the reason when not evaluable
        pa.field("verdict", pa.string(), nullable=False),
        pa.field("field", pa.string()),  # "input" or "output": the text the span points into
        pa.field("span_start", pa.int32()),  # character span of the claim in that text; -1 when none
        pa.field("span_end", pa.int32()),
        pa.field("score", pa.float64()),  # IoU for boxes, share for proportions, days for dates, ...
        pa.field("map_x0", pa.float64()),  # re-computed box (normalised, origin top-left), for box rules
        pa.field("map_y0", pa.float64()),
        pa.field("map_x1", pa.float64()),
        pa.field("map_y1", pa.float64()),
    ]
)
_DEFAULTS: dict[str, Any] = {
    "class_name": None,
    "released": None,
    "from_map": None,
    "field": None,
    "span_start": NO_SPAN,
    "span_end": NO_SPAN,
    "score": None,
    "map_x0": None,
    "map_y0": None,
    "map_x1": None,
    "map_y1": None,
}


_CONTEXT_STRINGS = ("dataset", "sample_id", "kind", "source", "split", "category", "country")
_DENSE = ("rule", "variant", "primary", "verdict")


class VerdictRows:
    """Column-wise accumulator: checks append plain values, ``table()`` makes one Arrow table at the end.

    Kept cheap per verdict (tens of millions at full size): the annotation's identity is stored once per
    annotation (consecutive verdicts of one ``context`` share it) and fields left at their default are not
    stored at all; ``table()`` expands both with Arrow.
    """

    def __init__(self) -> None:
        self._contexts: list[tuple[Any, ...]] = []  # (dataset, ..., country, ann_id) per distinct context
        self._last_context: Mapping[str, Any] | None = None
        self._context_of: list[int] = []  # per verdict: index into _contexts
        self._dense: dict[str, list[Any]] = {name: [] for name in _DENSE}
        self._sparse: dict[str, dict[int, Any]] = {name: {} for name in _DEFAULTS}

    def __len__(self) -> int:
        return len(self._context_of)

    def add(
        self, context: Mapping[str, Any], rule: str, variant: str, primary: bool, verdict: str, **values: Any
    ) -> None:
        """One verdict. ``context`` holds the annotation's identity (dataset, sample_id, ann_id, kind, ...)."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict {verdict!r} not in {VERDICTS}")
        if context is not self._last_context:  # held, so its identity cannot be reused while it is last
            self._contexts.append(
                tuple(
                    value if isinstance(value := context.get(name), str) else None  # pandas NaN -> null
                    for name in _CONTEXT_STRINGS
                )
                + (int(context.get("ann_id", SAMPLE_LEVEL)),)
            )
            self._last_context = context
        n = len(self._context_of)
        self._context_of.append(len(self._contexts) - 1)
        dense = self._dense
        dense["rule"].append(rule)
        dense["variant"].append(variant)
        dense["primary"].append(primary)
        dense["verdict"].append(verdict)
        sparse = self._sparse
        for name, value in values.items():
            cells = sparse.get(name)
            if cells is None:
                self._drop_last()
                raise ValueError(f"unknown verdict fields {sorted(values.keys() - sparse.keys())}")
            cells[n] = value

    def _drop_last(self) -> None:
        """Undo a half-added verdict (an unknown field): the table stays consistent."""
        n = len(self._context_of) - 1
        self._context_of.pop()
        for column in self._dense.values():
            column.pop()
        for cells in self._sparse.values():
            cells.pop(n, None)

    def not_evaluable(
        self,
        context: Mapping[str, Any],
        rule: str,
        released: Any,
        reason: str,
        variant: str = "-",
        /,
        **values: Any,
    ) -> None:
        """A primary claim that cannot be checked (``reason`` goes in ``from_map``): the audit never guesses."""
        self.add(context, rule, variant, True, NOT_EVALUABLE, released=released, from_map=reason, **values)

    def extend(self, other: VerdictRows) -> None:
        offset, base = len(self), len(self._contexts)
        self._contexts.extend(other._contexts)
        self._context_of.extend(i + base for i in other._context_of)
        self._last_context = None
        for name, values in other._dense.items():
            self._dense[name].extend(values)
        for name, cells in other._sparse.items():
            self._sparse[name].update({offset + i: v for i, v in cells.items()})

    def table(self) -> pa.Table:
        n = len(self)
        which = pa.array(self._context_of, pa.int64())
        columns: dict[str, pa.Array] = {}
        for position, name in enumerate((*_CONTEXT_STRINGS, "ann_id")):
            values = pa.array([c[position] for c in self._contexts], VERDICT_SCHEMA.field(name).type)
            columns[name] = values.take(which)
        for name in _DENSE:
            columns[name] = pa.array(self._dense[name], VERDICT_SCHEMA.field(name).type)
        for name, default in _DEFAULTS.items():
            cells = self._sparse[name]
            values = [default] * n
            for i, value in cells.items():
                values[i] = value
            columns[name] = pa.array(values, VERDICT_SCHEMA.field(name).type)
        return pa.table({f.name: columns[f.name] for f in VERDICT_SCHEMA}, VERDICT_SCHEMA)


def empty_verdicts() -> pa.Table:
    return VERDICT_SCHEMA.empty_table()
