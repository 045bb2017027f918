"""Helpers shared by the reader tests."""

from __future__ import annotations

from typing import Any

from explorer.model import ANNOTATION_SCHEMA, SAMPLE_SCHEMA
from explorer.sources.base import DatasetSource


def read_tables(source: DatasetSource) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """A reader's samples (by sample_id) and annotation rows, after checking both keep the catalog schemas."""
    samples = source.samples()
    assert samples.schema == SAMPLE_SCHEMA
    batches = list(source.annotation_batches())
    assert all(batch.schema == ANNOTATION_SCHEMA for batch in batches)
    return {r["sample_id"]: r for r in samples.to_pylist()}, [r for b in batches for r in b.to_pylist()]
