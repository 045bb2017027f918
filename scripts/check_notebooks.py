"""Fail when a committed notebook carries outputs or execution counts (they bloat diffs and leak data)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(folder: str) -> int:
    dirty = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        if any(c.get("outputs") or c.get("execution_count") for c in cells if c.get("cell_type") == "code"):
            dirty.append(path)
    for path in dirty:
        print(f"{path}: has outputs; clear them (jupyter nbconvert --clear-output --inplace {path})")
    return 1 if dirty else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "notebooks"))
