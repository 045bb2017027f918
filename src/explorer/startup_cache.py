"""Arrays derived from a catalog, cached in its folder so that the next process (a server restart, another
worker of ``--num-procs``) loads them instead of recomputing them.

A cache file is an Arrow IPC file ``<catalog>/cache/<name>.arrow`` (memory-mapped on load: no pickle, strings
stay Arrow); its schema metadata holds the key it was made for (the catalog's build time and sizes, plus the
caller's version), so a rebuilt catalog or a changed computation never reads stale arrays.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa

FOLDER = "cache"


def _key(catalog: Any, version: int) -> str:
    meta = getattr(catalog, "meta", {}) or {}
    return json.dumps(
        {
            "version": version,
            "built_at": meta.get("built_at"),
            "n_samples": meta.get("n_samples"),
            "n_annotations": meta.get("n_annotations"),
        },
        sort_keys=True,
    )


def _path(catalog: Any, name: str) -> Path:
    return Path(catalog.path) / FOLDER / f"{name}.arrow"


def load(catalog: Any, name: str, version: int) -> dict[str, pa.Array] | None:
    """The arrays saved under ``name`` for this catalog and ``version``, or None (absent, stale, unreadable)."""
    path = _path(catalog, name)
    if not path.is_file():
        return None
    try:
        with pa.memory_map(str(path), "r") as source:
            reader = pa.ipc.open_file(source)
            metadata = reader.schema.metadata or {}
            if metadata.get(b"key", b"").decode() != _key(catalog, version):
                return None
            table = reader.read_all()
        lengths = json.loads(metadata[b"lengths"].decode())
    except (OSError, ValueError, KeyError, pa.ArrowInvalid):
        return None
    # One batch, one chunk per column: taken as is, its buffers stay in the memory map (shared by the processes
    # reading the file, paged in on use) instead of copied into this process's memory.
    return {column: _array(table[column]).slice(0, lengths[column]) for column in table.column_names}


def _array(column: pa.ChunkedArray) -> pa.Array:
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def save(catalog: Any, name: str, version: int, arrays: dict[str, pa.Array]) -> bool:
    """Save named arrays (of any lengths) under ``name``; False when the catalog folder is read-only."""
    path = _path(catalog, name)
    length = max((len(a) for a in arrays.values()), default=0)
    # One table: shorter arrays padded with nulls, their true lengths in the metadata.
    padded = {
        column: array if len(array) == length else pa.concat_arrays([array, pa.nulls(length - len(array), array.type)])
        for column, array in arrays.items()
    }
    lengths = {column: len(array) for column, array in arrays.items()}
    table = pa.table(padded).replace_schema_metadata(
        {"key": _key(catalog, version), "lengths": json.dumps(lengths)}
    )
    try:
        path.parent.mkdir(exist_ok=True)
        scratch = path.with_name(f".{path.name}.{os.getpid()}")
        with pa.OSFile(str(scratch), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        scratch.replace(path)  # atomic: a concurrent reader sees the old file or the new one
    except OSError:
        return False
    return True
