"""One exception hierarchy, so callers can catch every data problem with ``ExplorerError``.

Every error names the file it is about and what was expected there: users fix their folders from the message.
Each also subclasses the builtin it resembles, so generic code catches it too: a missing file is a
``FileNotFoundError``, a file or argument in the wrong format a ``ValueError``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "CatalogError",
    "CorruptFileError",
    "DataError",
    "ExplorerError",
    "MissingFileError",
    "SchemaError",
    "UnknownFormatError",
    "UnknownLayoutError",
]


class ExplorerError(Exception):
    """Base of every error the explorer raises on purpose."""


class DataError(ExplorerError):
    """A file exists but does not hold what its format promises."""

    def __init__(self, path: str | Path | None, expected: str, found: str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.expected = expected
        self.found = found
        where = str(self.path) if self.path is not None else "<input>"
        message = f"{where}: expected {expected}"
        if found:
            message += f", found {found}"
        super().__init__(message)


class MissingFileError(DataError, FileNotFoundError):
    """A file the layout requires (a band, a caption file, a reference map) is absent."""

    def __init__(self, path: str | Path, expected: str) -> None:
        super().__init__(path, expected, "no such file")


class CorruptFileError(DataError, ValueError):
    """A file could not be decoded (truncated GeoTIFF/PNG, invalid JSON, unreadable Parquet)."""


class SchemaError(DataError, ValueError):
    """A table or record lacks a column/field, or has one of the wrong type."""


class UnknownFormatError(ExplorerError, ValueError):
    """A dataset format (reader) name that no reader has."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        super().__init__(f"unknown format {name!r}; known formats: {', '.join(known)}")


class UnknownLayoutError(ExplorerError, ValueError):
    """A folder matches none of the known dataset layouts."""

    def __init__(self, path: str | Path, known: list[str]) -> None:
        self.path = Path(path)
        self.known = known
        super().__init__(
            f"{self.path}: expected the folder of a known dataset layout ({', '.join(known)}); "
            "none matched. Name the format explicitly with --format if the folder is unusual."
        )


class CatalogError(ExplorerError):
    """A catalog folder is missing, stale or was written by an incompatible version."""


class LayersUnavailableError(CatalogError):
    """A catalog opens (texts, positions, statistics) but its dataset folder, hence its imagery, cannot be read."""
