"""The audit engine of this tree against a reference tree (e.g. main's ``src``) on one catalog: same outputs?

    python bench/compare_audit.py --ref-src OLD/src --catalog CATALOG [--patches 500] [--chunk 250] [--runs 1]

Each engine audits its own hard-linked copy of ``CATALOG`` in a fresh process, in-process tasks
(``scheduler="sync"``, image checks off, as ``bench_audit.py``): the tasks of the first ``--patches`` samples
(0: all), then the client steps of ``run_audit`` (duplicates over all captions, variants, per-sample counts).
Then every output file is compared byte for byte (the
verdict parts, ``dataset.parquet``, ``samples.parquet``, ``variants.json``, and ``dataset.json`` without its
timestamp), and each engine's CPU seconds (``time.process_time`` of its process, imports excluded) printed.

A rewrite of a check must leave every verdict as it was: this is how that is shown.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_CHILD = """
import json, sys, time
from explorer.catalog import Catalog
from explorer.audit.run import run_audit, audit_chunk, _prepare, dataset_checks, choose_variants, _chunks
from explorer.audit.summary import write_sample_counts
catalog = Catalog(sys.argv[1])
chunk, patches = int(sys.argv[2]), int(sys.argv[3])
if sys.argv[4] == "1":  # as bench_audit.py's workers: imports and numba's cached code loaded before the clock
    import numpy as np
    from explorer.audit import duplicates
    from explorer.audit.corine_map import CorineMap
    from explorer.sources import reader_names
    reader_names()
    cmap = CorineMap(np.array([[211, 231], [231, 211]], dtype=np.uint16))
    cmap.labelling(4), cmap.labelling(8), cmap.adjacent(4), cmap.centroid(0)
    duplicates.signature_table(["a warm-up caption of a few words"])
    try:  # the client's banding (numba), in an engine that has it
        from explorer.audit import lsh
        lsh.near_pairs(np.ones((3, duplicates.NUM_PERM), dtype=np.uint64), duplicates.NEAR_THRESHOLD)
    except ImportError:
        pass
started = time.process_time()
_prepare(catalog)
n = patches or len(catalog.samples)
tasks = 0.0
for a, b in _chunks(n, chunk):
    t = time.process_time()
    audit_chunk(str(catalog.path), a, b, False, True)
    tasks += time.process_time() - t
t = time.process_time()
stats = dataset_checks(catalog)
stats["variants"] = choose_variants(catalog)
write_sample_counts(catalog)
client = time.process_time() - t
(catalog.path / "audit" / "dataset.json").write_text(json.dumps(stats, indent=2, default=str))
print(json.dumps({"tasks_cpu": tasks, "client_cpu": client, "all_cpu": time.process_time() - started}))
"""


def _copy(catalog: Path, to: Path) -> Path:
    if to.exists():
        shutil.rmtree(to)
    subprocess.run(["cp", "-al", str(catalog), str(to)], check=True)
    shutil.rmtree(to / "audit", ignore_errors=True)  # never write into a hard-linked file
    return to


def _run(src: Path, catalog: Path, chunk: int, patches: int, warm: bool) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(catalog), str(chunk), str(patches), "1" if warm else "0"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def near_tie_rows(old: Path, new: Path) -> int | None:
    """How many rows of two ``dataset.parquet`` differ only in the other image a near-duplicate verdict names,
    at the same score (``None``: they differ otherwise). Among equally near captions the engine before
    audit5 named the first in a Python ``set``'s order, which follows the string-hash seed of the process:
    two runs of that engine differ there (41 of 58,128 rows at 20,000 maps); this tree names the earliest."""
    import pyarrow.parquet as pq

    a, b = pq.read_table(old), pq.read_table(new)
    if a.schema != b.schema or a.num_rows != b.num_rows:
        return None
    if any(not a.column(c).equals(b.column(c)) for c in a.column_names if c != "from_map"):
        return None
    rules = a.column("rule").to_pylist()
    said_a, said_b = a.column("from_map").to_pylist(), b.column("from_map").to_pylist()
    differ = [i for i, (x, y) in enumerate(zip(said_a, said_b, strict=True)) if x != y]
    for i in differ:
        prefix = "Jaccard with a caption of "
        if rules[i] != "near-duplicate" or said_a[i].split(prefix)[0] != said_b[i].split(prefix)[0]:
            return None
    return len(differ)


def compare(old: Path, new: Path) -> list[str]:
    """Differences between two audit folders (empty: identical outputs; a line starting "note:" is a
    difference in which of equally near captions a near-duplicate verdict names, see ``near_tie_rows``)."""
    problems = []

    def outputs(folder: Path) -> list[str]:  # (the tasks' tables for the client are not outputs)
        names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        return sorted(n for n in names if not n.startswith(("minhash/", "skeletons/", "tallies/")))

    names, names_new = outputs(old), outputs(new)
    if names != names_new:
        problems.append(f"different files: {sorted(set(names) ^ set(names_new))}")
    for name in names:
        if name == "context.parquet" or name not in names_new:
            continue
        a, b = (old / name).read_bytes(), (new / name).read_bytes()
        if name == "dataset.json":
            ja, jb = json.loads(a), json.loads(b)
            for j in (ja, jb):
                j.pop("run", None)
            if ja != jb:
                problems.append(f"{name}: differs")
        elif (
            a != b and name == "verdicts/dataset.parquet" and (ties := near_tie_rows(old / name, new / name))
        ):
            problems.append(f"note: {name}: {ties} near-duplicate rows name another, equally near caption")
        elif a != b:
            problems.append(f"{name}: {len(a)} vs {len(b)} bytes, not equal")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref-src", type=Path, required=True, help="the reference engine's src folder")
    parser.add_argument("--catalog", type=Path, required=True)
    parser.add_argument("--patches", type=int, default=500, help="audit the first N samples (0: all)")
    parser.add_argument("--chunk", type=int, default=250)
    parser.add_argument("--runs", type=int, default=1, help="alternate the engines this many times")
    parser.add_argument(
        "--warm-up",
        action="store_true",
        help="load imports and numba's cached code before the clock, as bench_audit.py's workers (a long run "
        "pays them once; at 2,000 maps they are ~1-1.5 CPU-s of noise in a 7 CPU-s figure)",
    )
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "output" / "compare-audit")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    engines = {"reference": args.ref_src.resolve(), "this tree": REPO / "src"}
    figures: dict[str, list[dict[str, float]]] = {k: [] for k in engines}
    for _ in range(args.runs):
        for name, src in engines.items():
            copy = _copy(args.catalog, args.work / name.replace(" ", "-"))
            figures[name].append(_run(src, copy, args.chunk, args.patches, args.warm_up))
            print(name, figures[name][-1], file=sys.stderr)
    problems = compare(args.work / "reference" / "audit", args.work / "this-tree" / "audit")
    for name, runs in figures.items():
        best = min(runs, key=lambda f: f["all_cpu"])
        median = sorted(runs, key=lambda f: f["all_cpu"])[len(runs) // 2]
        print(
            f"{name}: tasks {best['tasks_cpu']:.2f} CPU-s, client {best['client_cpu']:.2f} CPU-s, "
            f"all {best['all_cpu']:.2f} CPU-s (best of {len(runs)}); median run: tasks "
            f"{median['tasks_cpu']:.2f}, client {median['client_cpu']:.2f}, all {median['all_cpu']:.2f}"
        )
    notes = [p for p in problems if p.startswith("note:")]
    problems = [p for p in problems if not p.startswith("note:")]
    print("IDENTICAL outputs" if not problems else "DIFFERENT outputs:\n" + "\n".join(problems))
    for note in notes:
        print(note)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
