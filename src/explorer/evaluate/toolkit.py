"""Where the COCO caption evaluation toolkit (``pycocoevalcap``) and Java are, and what is missing.

The explorer runs the toolkit's own jars (PTB tokenizer, METEOR 1.5, SPICE 1.0) with the toolkit's own command
lines, so numbers match published tables. Nothing is ever downloaded: the toolkit's ``get_stanford_models``
(which fetches Stanford CoreNLP 3.6.0 for SPICE from the internet) is never called. Instead a missing piece is
reported with the exact file names and the folder to put them in, and every other metric still runs.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExplorerError

#: SPICE 1.0 parses with Stanford CoreNLP 3.6.0; pycocoevalcap's spice.py expects both jars in spice/lib/.
SPICE_CORENLP_JARS = ("stanford-corenlp-3.6.0.jar", "stanford-corenlp-3.6.0-models.jar")
SPICE_CORENLP_SOURCE = "http://nlp.stanford.edu/software/stanford-corenlp-full-2015-12-09.zip (the two jars at the zip's top level)"
#: SPICE's dependencies (Kryo/fst serialisation) reach into JDK internals that Java 17 closes by default.
JAVA17_ADD_OPENS = (
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.math=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.text=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
)


class ToolkitMissingError(ExplorerError):
    """A part of the caption toolkit (Java, pycocoevalcap, a jar) is not installed; the message says which."""


def java() -> str:
    """Path of the ``java`` executable, or an error saying how to install it."""
    found = shutil.which("java")
    if not found:
        raise ToolkitMissingError(
            "java: expected a Java runtime on PATH for the PTB tokenizer and METEOR 1.5 "
            "(Debian/Ubuntu: apt-get install default-jre-headless; `make test` does this)"
        )
    return found


def package_dir() -> Path:
    """The installed ``pycocoevalcap`` folder (a namespace package: located through a submodule)."""
    spec = importlib.util.find_spec("pycocoevalcap.eval")
    if spec is None or spec.origin is None:
        raise ToolkitMissingError(
            "pycocoevalcap: expected the COCO caption toolkit to be installed (pip install pycocoevalcap)"
        )
    return Path(spec.origin).parent


def tokenizer_jar() -> Path:
    return _jar(package_dir() / "tokenizer" / "stanford-corenlp-3.4.1.jar")


def meteor_jar() -> Path:
    return _jar(package_dir() / "meteor" / "meteor-1.5.jar")


def spice_jar() -> Path:
    return _jar(package_dir() / "spice" / "spice-1.0.jar")


def _jar(path: Path) -> Path:
    if not path.is_file():
        raise ToolkitMissingError(f"{path}: expected this jar of the pycocoevalcap package; reinstall it")
    return path


@dataclass(frozen=True)
class SpiceStatus:
    available: bool
    reason: str  # empty when available


def spice_status() -> SpiceStatus:
    """Whether SPICE can run here: Java, the SPICE jar, and the two CoreNLP 3.6.0 jars in ``spice/lib``."""
    try:
        java()
        lib = spice_jar().parent / "lib"
    except ToolkitMissingError as exc:
        return SpiceStatus(False, str(exc))
    missing = [name for name in SPICE_CORENLP_JARS if not (lib / name).is_file()]
    if missing:
        return SpiceStatus(
            False,
            f"SPICE unavailable: expected {' and '.join(missing)} in {lib} (Stanford CoreNLP 3.6.0, from "
            f"{SPICE_CORENLP_SOURCE}); the explorer never downloads them",
        )
    return SpiceStatus(True, "")
