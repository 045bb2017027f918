"""A restricted unpickler: a pickle is code, so only plain data may come out of one.

``pickle.load`` calls whatever callable a file names (``os.system``, ``subprocess.Popen``, ...). SkyScript ships
its per-image metadata as pickles, so the explorer reads them with an unpickler whose ``find_class`` admits
nothing but the built-in containers that older protocols reach through a global (``set``, ``frozenset``);
dicts, lists, tuples, strings, bytes, numbers, booleans and None need no global at all. Anything else is a
``CorruptFileError`` naming the file and the refused global, raised BEFORE that global is called.
Only files inside the folder the user pointed the explorer at are ever read this way.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

from ..errors import CorruptFileError, MissingFileError

# Protocols 0-2 name Python 2's module (``__builtin__``); the unpickler maps it only after ``find_class``.
ALLOWED_GLOBALS = {(module, name) for module in ("builtins", "__builtin__") for name in ("set", "frozenset")}
EXPECTED = "a pickle of plain data only (dict, list, tuple, str, int, float, bool, None)"


class _Refused(pickle.UnpicklingError):
    def __init__(self, module: str, name: str) -> None:
        super().__init__(f"{module}.{name}")
        self.what = f"{module}.{name}"


class RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise _Refused(module, name)

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("persistent ids are not plain data")


def load_plain(path: Path) -> Any:
    """The plain data in a pickle file; refuses (without running) anything that names a callable."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise MissingFileError(path, EXPECTED) from exc
    try:
        return RestrictedUnpickler(io.BytesIO(data)).load()
    except _Refused as exc:
        raise CorruptFileError(
            path, EXPECTED, f"a reference to {exc.what}, refused without running it (a pickle can run code)"
        ) from exc
    except (
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        IndexError,
        KeyError,
        MemoryError,
    ) as exc:
        raise CorruptFileError(path, EXPECTED, f"an unreadable pickle ({type(exc).__name__}: {exc})") from exc
