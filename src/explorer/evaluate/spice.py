"""SPICE 1.0 through the toolkit's jar, with the toolkit's command line, when its CoreNLP jars are present.

``pycocoevalcap.spice.Spice()`` downloads Stanford CoreNLP 3.6.0 on construction; this module never does:
``toolkit.spice_status()`` names the two missing jars and their folder instead. On Java 17+ the jar's
serialisation libraries need ``--add-opens`` flags (``toolkit.JAVA17_ADD_OPENS``); they are passed always (older
JVMs from 9 on accept them; Java 8 is not supported by the explorer).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ExplorerError
from .toolkit import JAVA17_ADD_OPENS, ToolkitMissingError, java, spice_jar, spice_status


def spice_scores(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> tuple[float, np.ndarray]:
    """(corpus SPICE = mean of per-sample F-scores, per-sample SPICE F-score) for tokenised inputs."""
    status = spice_status()
    if not status.available:
        raise ToolkitMissingError(status.reason)
    if not hypotheses:
        return float("nan"), np.zeros(0)
    jar = spice_jar()
    with tempfile.TemporaryDirectory(prefix="eo-explorer-spice-") as scratch:
        folder = Path(scratch)
        records = [
            {"image_id": i, "test": h, "refs": list(r)}
            for i, (h, r) in enumerate(zip(hypotheses, references, strict=True))
        ]
        (folder / "in.json").write_text(json.dumps(records))
        cmd = [java(), *JAVA17_ADD_OPENS, "-jar", "-Xmx8G", jar.name, str(folder / "in.json")]
        cmd += ["-cache", str(folder / "cache"), "-out", str(folder / "out.json"), "-subset", "-silent"]
        done = subprocess.run(cmd, cwd=jar.parent, capture_output=True, check=False)
        if done.returncode != 0:
            raise ExplorerError(f"SPICE failed (java exit {done.returncode}): {done.stderr.decode()[-800:]}")
        results = json.loads((folder / "out.json").read_text())
    by_id = {item["image_id"]: item["scores"]["All"]["f"] for item in results}
    scores = np.array([_float(by_id.get(i)) for i in range(len(records))])
    return float(np.mean(scores)), scores


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
