"""Time ``explorer.stats.compute_all`` at full scale and on a 10,000-sample selection.

    python bench/bench_stats.py [BigEarthNet.txt.parquet] [--rows N]

With a BigEarthNet.txt-shaped Parquet file (the real one, or ``bench/make_fullsize.py``'s), its rows are mapped
to the common model in Arrow; without one, ``tests/data/annotations.py`` generates ``--rows`` rows (1 M by
default). Prints the time of each statistic, of the whole run, and of a 10,000-sample selection.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests" / "data"))

from explorer import stats  # noqa: E402

KINDS = {"binary": "vqa_binary", "mcq": "vqa_mcq", "bounding box": "refexp", "captioning": "caption"}
BOX = r"^\[(?P<x0>-?\d*\.?\d+) (?P<y0>-?\d*\.?\d+), (?P<x1>-?\d*\.?\d+) (?P<y1>-?\d*\.?\d+)\]$"


def from_bigearthnet_txt(path: Path) -> tuple[pa.Table, pa.Table]:
    """(samples, annotations) in the common model's columns, all in Arrow."""
    raw = pq.read_table(path)
    n = raw.num_rows
    kind = pc.replace_substring_regex(raw["type"], "^binary$", "vqa_binary")
    for released, ours in KINDS.items():
        kind = pc.if_else(pc.equal(raw["type"], released), ours, kind)
    boxes = pc.extract_regex(pc.fill_null(raw["output"], ""), pattern=BOX)
    is_box = pc.equal(kind, "refexp")
    columns = {
        "dataset": pa.array(np.full(n, "bigearthnet-txt", dtype=object)),
        "sample_id": raw["patch_id"],
        "ann_id": raw["ID"],
        "kind": kind,
        "source": pa.array(np.full(n, "template", dtype=object)),
        "split": raw["split"],
        "category": raw["category"],
        "input": raw["input"],
        "output": raw["output"],
    }
    for name in ("x0", "y0", "x1", "y1"):
        value = pc.cast(pc.struct_field(boxes, name), pa.float64(), safe=False)
        columns[f"bbox_{name}"] = pc.if_else(is_box, value, pa.scalar(None, pa.float64()))
    first = pc.unique(raw["patch_id"])
    index = pc.index_in(first, raw["patch_id"])
    # like a catalog: annotations sorted by the sample's row number ``sidx``
    columns["sidx"] = pc.index_in(raw["patch_id"], first).cast(pa.int32())
    annotations = pa.table(columns).sort_by("sidx")
    samples = pa.table(
        {
            "dataset": pa.array(np.full(len(first), "bigearthnet-txt", dtype=object)),
            "sidx": pa.array(np.arange(len(first), dtype=np.int32)),
            "sample_id": first,
            "lat": pc.take(raw["latitude"], index),
            "lon": pc.take(raw["longitude"], index),
            "country": pc.take(raw["country"], index),
            "labels": pa.array([[]] * len(first), pa.list_(pa.string())),
            "layers": pa.array([["s2", "s1"]] * len(first), pa.list_(pa.string())),
        }
    )
    return samples, annotations


def generated(rows: int) -> tuple[pa.Table, pa.Table]:
    import annotations as fake  # tests/data/annotations.py

    sample_table = fake.samples(n_per_dataset=20_000)
    sample_table = sample_table.filter(pc.equal(sample_table["dataset"], fake.BEN))
    table = fake.annotations(sample_table, n_rows=rows)
    return sample_table, table.filter(pc.equal(table["dataset"], fake.BEN))


def timed(label: str, func, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run and print wall and CPU time (CPU time shows the work when other processes share the cores)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args, **kwargs)
    print(
        f"{label:<44} {time.perf_counter() - wall:8.2f} s wall {time.process_time() - cpu:8.2f} s CPU",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("parquet", nargs="?", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.parquet:
        samples, annotations = timed("load + map to common model", from_bigearthnet_txt, args.parquet)
    else:
        samples, annotations = timed(f"generate {args.rows:,} rows", generated, args.rows)
    print(f"{annotations.num_rows:,} annotation rows, {samples.num_rows:,} samples")
    dataset = stats.Dataset("bench", samples, annotations)
    start = time.perf_counter()
    prepared = timed("prepare (tokenise distinct texts, code rows)", stats.prepare, annotations)
    result = timed("compute_dataset (everything else)", stats.compute_dataset, dataset, prepared=prepared)
    print(f"{'=> full statistics':<44} {time.perf_counter() - start:8.2f} s wall ({len(result)} tables)")
    rng = np.random.default_rng(0)
    chosen = rng.choice(samples["sample_id"].to_numpy(zero_copy_only=False), 10_000, replace=False)
    for attempt in (1, 2):
        selection = timed(
            f"10,000-sample selection (run {attempt})", stats.compute_selection, dataset, chosen, prepared
        )
    print(f"   selection: {int(selection['task_mix']['count'].sum()):,} annotation rows")


if __name__ == "__main__":
    main()
