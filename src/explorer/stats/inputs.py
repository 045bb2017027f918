"""What the statistics take: a ``Dataset`` (name, samples, annotations, reader facts) from a Catalog or a
(name, samples, annotations[, describe]) tuple."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..errors import ExplorerError
from .columns import TableLike


# --- inputs -------------------------------------------------------------------------------------------------
@runtime_checkable
class DatasetLike(Protocol):
    """What the statistics need of a dataset: a Catalog satisfies it (``source.describe()`` is optional)."""

    name: str
    samples: Any
    annotations: Any


@dataclass
class Dataset:
    """A dataset's tables plus the facts its reader knows (``DatasetSource.describe()``)."""

    name: str
    samples: TableLike
    annotations: TableLike
    describe: dict[str, Any] = field(default_factory=dict)
    origin: Any = None  # the Catalog-like object it came from (read_layer for pixel counts), if any


def as_dataset(item: Any) -> Dataset:
    """A Dataset from a (name, samples, annotations[, describe]) tuple or any DatasetLike object."""
    if isinstance(item, Dataset):
        return item
    if isinstance(item, tuple | list):
        if len(item) not in (3, 4):
            raise TypeError("expected (name, samples, annotations[, describe_dict])")
        facts = dict(item[3]) if len(item) == 4 and item[3] else {}
        return Dataset(str(item[0]), item[1], item[2], facts)
    if isinstance(item, DatasetLike):
        describe: dict[str, Any] = {}
        try:
            source = getattr(item, "source", None)  # opening it fails when the dataset folder is gone
            if source is not None and hasattr(source, "describe"):
                describe = dict(source.describe())
        except ExplorerError:  # the catalog's dataset folder may be gone: what the build recorded still holds
            describe = dict((getattr(item, "meta", None) or {}).get("describe") or {})
        return Dataset(str(item.name), item.samples, item.annotations, describe, origin=item)
    raise TypeError(
        f"expected a Catalog-like object or a (name, samples, annotations) tuple, got {type(item)}"
    )


def as_datasets(items: Any) -> list[Dataset]:
    if isinstance(items, Dataset | tuple | DatasetLike):
        return [as_dataset(items)]
    return [as_dataset(item) for item in items]
