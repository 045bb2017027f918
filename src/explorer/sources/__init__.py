"""Readers for the released on-disk formats, one module per format, and format auto-detection."""

from __future__ import annotations

from pathlib import Path

from ..errors import UnknownFormatError, UnknownLayoutError
from .base import DatasetSource

# Filled by register(); order matters: the first format whose detect() accepts a folder wins, so more specific
# layouts (BigEarthNet.txt with imagery) come before more general ones (BigEarthNet v2 metadata only).
FORMATS: dict[str, type[DatasetSource]] = {}


def register(cls: type[DatasetSource]) -> type[DatasetSource]:
    FORMATS[cls.format_name] = cls
    return cls


def _load_builtin_formats() -> None:
    # Imported for their register() side effect; kept here so importing one reader does not import all.
    from . import (  # noqa: F401
        bigearthnet_txt,
        bigearthnet_v1,
        bigearthnet_v2,
        captions,
        chatearthnet,
        fitrs,  # before geochat: same record shape, FIT-RS is recognised by name / <rbox>
        geochat,
        remoteclip,
        rs5m,
        skyscript,
    )


def reader_names() -> list[str]:
    """The format names ``open_source(..., format=NAME)`` accepts (``eo-explorer index --format``)."""
    _load_builtin_formats()
    return list(FORMATS)


def detect_format(path: str | Path) -> str:
    _load_builtin_formats()
    root = Path(path).expanduser()
    for name, cls in FORMATS.items():
        if cls.detect(root):
            return name
    # Nothing matched: a file with a format's markers that cannot be parsed (truncated JSON) is the likely
    # reason, and its error (file, line/offset, what was expected) helps far more than "none matched".
    for cls in FORMATS.values():
        errors = cls.detect_errors(root)
        if errors:
            raise errors[0]
    raise UnknownLayoutError(root, list(FORMATS))


def open_source(path: str | Path, format: str | None = None, name: str | None = None) -> DatasetSource:
    """Open a dataset folder (or file) with the named reader, or the one that recognises it."""
    _load_builtin_formats()
    fmt = format or detect_format(path)
    if fmt not in FORMATS:
        raise UnknownFormatError(fmt, list(FORMATS))
    return FORMATS[fmt](path, name=name)
