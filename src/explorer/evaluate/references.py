"""The reference texts a prediction is scored against, taken from the catalog's annotations.

A sample's references are its caption annotations (all of them, or only those of one ``source`` such as
"chatgpt-4v", the version ChatEarthNet's Table 2 was scored on). Only the few columns needed are read, and only
for the samples asked about.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ..catalog import Catalog
from ..model import KIND_CAPTION


def caption_references(
    catalog: Catalog, sidx: Sequence[int] | np.ndarray, source: str | None = None
) -> list[list[str]]:
    """One list of caption texts per requested sample (empty when the sample has none)."""
    positions = np.asarray(sidx, dtype=np.int64)
    table = catalog.annotations_of_many(positions).select(["sidx", "kind", "source", "output"])
    mask = pc.equal(table.column("kind"), KIND_CAPTION)
    if source is not None:
        mask = pc.and_(mask, pc.equal(table.column("source"), source))
    table = table.filter(mask)
    frame = pd.DataFrame(
        {
            "sidx": table.column("sidx").to_numpy(),
            "output": table.column("output").to_numpy(zero_copy_only=False),
        }
    )
    frame = frame[frame["output"].notna()]
    grouped = frame.groupby("sidx")["output"].agg(list)
    return [list(grouped.get(int(i), [])) for i in positions]


def caption_sources(catalog: Catalog) -> list[str]:
    """Who wrote the catalog's captions ("chatgpt-3.5", "chatgpt-4v", "template", ...)."""
    table = catalog.annotations.select(["kind", "source"])
    sources = table.filter(pc.equal(table.column("kind"), KIND_CAPTION)).column("source").unique().to_pylist()
    return sorted(s for s in sources if s)
