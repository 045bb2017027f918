"""Run every benchmark and write their printed figures into bench/README.md (figures are never typed by hand).

    python bench/run_all.py [--only catalog,stats,dashboard] [--work DIR]

Each script prints a Markdown table: its figure, the target, a naive baseline measured in the same run and
the ratio. Absolute times depend on the machine and its load; the ratios are the comparable part.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = {
    "catalog": ("bench_catalog.py", "Catalog at full size (issue: foundation)"),
    "stats": (
        "bench_stats.py",
        "Statistics at full size and on a 10,000-sample selection (issue: statistics)",
    ),
    "dashboard": ("bench_dashboard.py", "Dashboard server side at full size (issue: dashboard)"),
    "table_a1": ("bench_table_a1.py", "SkyScript and RS5M layouts at full size (issue #9)"),
    "evaluate": ("bench_evaluate.py", "Caption metrics on 10,000 test captions (issue: evaluate)"),
    "fulltext": ("bench_fulltext.py", "Full-text search at full size (issue 12)"),
}


def machine() -> str:
    load = os.getloadavg()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, "
        f"Python {platform.python_version()}, load average at start {load[0]:.1f}"
    )


def previous_sections(readme: Path) -> dict[str, str]:
    """Result sections already in the README, by title, so a partial run keeps the others."""
    if not readme.exists() or "<!-- results -->" not in readme.read_text():
        return {}
    body = readme.read_text().split("<!-- results -->", 1)[1]
    parts = body.split("\n## ")[1:]
    return {part.split("\n", 1)[0].strip(): "## " + part.rstrip() + "\n" for part in parts}


def main(only: list[str], work: Path) -> None:
    readme = HERE / "README.md"
    kept = previous_sections(readme)
    for key in only:
        script, title = BENCHES[key]
        cmd = [sys.executable, str(HERE / script), "--work", str(work)]
        print(f"running {' '.join(cmd[1:])} ...", flush=True)
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        took = time.perf_counter() - started
        body = (
            proc.stdout.strip()
            if proc.returncode == 0
            else f"FAILED (exit {proc.returncode}):\n\n```\n{proc.stderr[-2000:]}\n```"
        )
        print(body)
        kept[title] = f"## {title}\n\nCommand: `python bench/{script}` ({took:.0f} s in all)\n\n{body}\n"
    sections = [kept[title] for _, title in BENCHES.values() if title in kept]
    head = readme.read_text().split("<!-- results -->")[0] if readme.exists() else ""
    stamp = time.strftime("%Y-%m-%d %H:%M")
    readme.write_text(
        f"{head}<!-- results -->\nWritten by `python bench/run_all.py` on {stamp}; machine: {machine()}.\n\n"
        + "\n".join(sections)
    )
    print(f"wrote {readme}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default=",".join(BENCHES))
    parser.add_argument("--work", type=Path, default=HERE / "output")
    args = parser.parse_args()
    main(args.only.split(","), args.work)
