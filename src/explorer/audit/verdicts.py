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

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

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
# a verdict's own fields, in the order ``VerdictRows`` keeps them (the box is one value: 4 floats or None)
_ROW: tuple[str, ...] = ("rule", "variant", "primary", "verdict", "class_name", "released", "from_map")
_ROW += ("field", "span_start", "span_end", "score", "box")
_BOX = ("map_x0", "map_y0", "map_x1", "map_y1")
_FIELDS = frozenset(_DEFAULTS)
_IDENTITY = itemgetter(*_CONTEXT_STRINGS, "ann_id")


class VerdictRows:
    """Row accumulator: checks append one tuple per verdict, ``table()`` makes one Arrow table at the end.

    Kept cheap per verdict (tens of millions at full size, each a Python call): the annotation's identity is
    read once per annotation (consecutive verdicts of one ``context`` share it), a verdict is ONE tuple of its
    fields (``emit``: positional, no keyword dict), and ``table()`` transposes the tuples and converts each
    column once (a keyword dict per verdict and an Arrow struct conversion of them cost ~2x as much).
    """

    def __init__(self) -> None:
        self._contexts: list[tuple[Any, ...]] = []  # (dataset, ..., country, ann_id) per distinct context
        self._last_context: Mapping[str, Any] | None = None
        self._rows: list[tuple[Any, ...]] = []  # per verdict: (context index, *_ROW)

    def __len__(self) -> int:
        return len(self._rows)

    def _context_index(self, context: Mapping[str, Any]) -> int:
        if context is not self._last_context:  # held, so its identity cannot be reused while it is last
            try:  # an annotation row has every key: one C call (non-strings, pandas NaN, become null in table())
                identity = (*_IDENTITY(context)[:-1], int(context["ann_id"]))
            except KeyError:  # a sample's or a test's context may leave some out
                get = context.get
                identity = (*map(get, _CONTEXT_STRINGS), int(get("ann_id", SAMPLE_LEVEL)))
            self._contexts.append(identity)
            self._last_context = context
        return len(self._contexts) - 1

    def emit(
        self,
        context: Mapping[str, Any],
        rule: str,
        variant: str,
        primary: bool,
        verdict: str,
        released: Any,
        from_map: Any,
        class_name: str | None = None,
        field: str | None = None,
        span_start: int | None = NO_SPAN,
        span_end: int | None = NO_SPAN,
        score: float | None = None,
        box: tuple[float, float, float, float] | None = None,
    ) -> None:
        """One verdict. ``context`` holds the annotation's identity (dataset, sample_id, ann_id, kind, ...);
        ``box`` is the re-computed (x0, y0, x1, y1) of a box rule."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict {verdict!r} not in {VERDICTS}")
        self._rows.append(
            (
                self._context_index(context),
                rule,
                variant,
                primary,
                verdict,
                class_name,
                released,
                from_map,
                field,
                span_start,
                span_end,
                score,
                box,
            )
        )

    def add(
        self, context: Mapping[str, Any], rule: str, variant: str, primary: bool, verdict: str, **values: Any
    ) -> None:
        """One verdict with its optional fields by name (the columns of ``VERDICT_SCHEMA``)."""
        if not values.keys() <= _FIELDS:
            raise ValueError(f"unknown verdict fields {sorted(values.keys() - _FIELDS)}")
        get = values.get
        box = tuple(map(get, _BOX))
        self.emit(
            context,
            rule,
            variant,
            primary,
            verdict,
            get("released"),
            get("from_map"),
            get("class_name"),
            get("field"),
            get("span_start"),
            get("span_end"),
            get("score"),
            None if box == (None, None, None, None) else box,  # type: ignore[arg-type]
        )

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
        base = len(self._contexts)
        self._contexts.extend(other._contexts)
        self._rows.extend((i + base, *rest) for i, *rest in other._rows)
        self._last_context = None

    def table(self) -> pa.Table:
        rows = self._rows  # a list per column (``zip(*rows)`` of 16 k tuples cost 4x as much)
        which, *cells = ([row[k] for row in rows] for k in range(len(_ROW) + 1))
        by_name: dict[str, Sequence[Any]] = dict(zip(_ROW, cells, strict=True))
        which_context = pa.array(which, pa.int64())
        columns: dict[str, pa.Array] = {}
        for position, name in enumerate((*_CONTEXT_STRINGS, "ann_id")):
            values = [c[position] for c in self._contexts]
            if name != "ann_id":  # pandas NaN and other non-strings -> null
                values = [v if isinstance(v, str) else None for v in values]
            columns[name] = pa.array(values, VERDICT_SCHEMA.field(name).type).take(which_context)
        boxes = by_name.pop("box")
        for k, name in enumerate(_BOX):
            by_name[name] = [b[k] if b is not None else None for b in boxes]
        for name, cells_of in by_name.items():
            array = pa.array(cells_of, VERDICT_SCHEMA.field(name).type)
            default = _DEFAULTS.get(name)
            columns[name] = array if default is None else pc.fill_null(array, default)  # a span None: none
        return pa.table({f.name: columns[f.name] for f in VERDICT_SCHEMA}, VERDICT_SCHEMA)


def empty_verdicts() -> pa.Table:
    return VERDICT_SCHEMA.empty_table()
