"""Small builders shared by the statistics tests."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from explorer.model import ANNOTATION_SCHEMA, table_from_columns


def _part(table: pa.Table, name: str) -> pa.Table:
    return table.filter(pc.equal(table["dataset"], name))


def _annotations(**columns: Any) -> pa.Table:
    n = len(next(iter(columns.values())))
    base = {"dataset": ["d"] * n, "sample_id": [f"s{i}" for i in range(n)], "ann_id": list(range(n))}
    return table_from_columns(ANNOTATION_SCHEMA, {**base, **columns}, length=n)
