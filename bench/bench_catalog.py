"""Catalog at full size: build, open, one sample's annotations, one sample's layers — each next to a naive baseline.

    python bench/bench_catalog.py [--work DIR]

Uses (and makes once, ~75 s) the full-size input of ``bench/make_fullsize.py``: all 480,038 real BigEarthNet v2
patches with 9,553,962 BigEarthNet.txt-schema rows. Layer reading uses the demo's BigEarthNet imagery (real
layout, real sizes). Prints a Markdown table; ``bench/run_all.py`` collects it into bench/README.md.
``--order random`` builds from rows in random patch order (issue 12: the real file's order is not guaranteed);
``--workers 1`` measures the sequential build. Targets (2 cores): build <= 60 s and <= 2 GB peak; open <= 2 s; annotations of one sample <= 20 ms p95;
S2 + S1 + land cover read and composited <= 100 ms p95.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_WORK, SHARED_METADATA, TABLE_HEAD, pandas_load_code, percentile_ms, row, run_child  # noqa: E402

BUILD_CODE = """
import json, time, resource, os, threading
os.environ["EO_EXPLORER_CACHE"] = {cache!r}
from explorer.catalog import build_catalog
peak = [0, 0]
def rollup(pid):
    # /proc/PID/smaps_rollup: one summary per process. psutil's memory_full_info reads the whole smaps text
    # (one block per mapping): every 0.2 s that cost more system CPU than the build's own sys time.
    values = {{}}
    with open(f"/proc/{{pid}}/smaps_rollup") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                values[parts[0].rstrip(":")] = int(parts[1]) * 1024
    # Pss_Anon: anonymous pages, a page shared by forked workers counted once in all.
    return values.get("Pss", 0), values.get("Pss_Anon", values.get("Anonymous", 0))
def status(pid):
    # /proc/PID/status: the kernel's counters, no page-table walk. Rss >= Pss and RssAnon >= Pss_Anon, so
    # smaps_rollup (a walk over every mapped page: ~20 ms a pass at full size, in this process beside the
    # build) is read only when these bounds say a new peak is possible.
    values = {{}}
    with open(f"/proc/{{pid}}/status") as handle:
        for line in handle:
            if line.startswith(("VmRSS:", "RssAnon:")):
                values[line.split(":")[0]] = int(line.split()[1]) * 1024
    return values.get("VmRSS", 0), values.get("RssAnon", 0)
def tree(pid):
    # This process and its descendants from /proc/PID/task/*/children (psutil's children(recursive=True) reads
    # every process's stat on the machine: ~6 ms a pass with ~140 processes).
    found = [pid]
    for tid in os.listdir(f"/proc/{{pid}}/task"):
        try:
            with open(f"/proc/{{pid}}/task/{{tid}}/children") as handle:
                kids = [int(k) for k in handle.read().split()]
        except OSError:
            continue
        for kid in kids:
            try:
                found.extend(tree(kid))
            except OSError:
                pass
    return found
def summed(read, procs):
    # (total, anonymous) bytes of ``read(pid)`` over ``procs``; a worker that has just exited counts nothing.
    total = anon = 0
    for pid in procs:
        try:
            p_total, p_anon = read(pid)
        except OSError:
            continue
        total += p_total
        anon += p_anon
    return total, anon
sampler_cpu, rollups = [0.0], [0]
def sample():
    # Every 0.5 s, over this process and its build workers: PSS (forked pages counted once, but memory-mapped
    # catalog files count while their pages are resident) and anonymous PSS (what the build itself holds;
    # mapped file pages are page cache the kernel can drop).
    me = os.getpid()
    while True:
        procs = tree(me)
        rss, rss_anon = summed(status, procs)
        if rss > peak[0] or rss_anon > peak[1]:
            rollups[0] += 1
            pss, anon = summed(rollup, procs)
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], anon)
        sampler_cpu[0] = time.thread_time()
        time.sleep(0.5)
threading.Thread(target=sample, daemon=True).start()
t = time.perf_counter()
cat, report = build_catalog({folder!r}, out={out!r}, workers={workers!r})
wall = time.perf_counter() - t
own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
print(json.dumps({{"seconds": wall, "fulltext": report.seconds_fulltext, "rows": report.n_annotations,
                  "samples": report.n_samples, "cpu_seconds": cpu, "tree_peak_mib": peak[0] / 2**20, "anon_peak_mib": peak[1] / 2**20,
                  "peak_rss_mib": own.ru_maxrss / 1024, "sampler_cpu_seconds": sampler_cpu[0],
                  "sampler_rollups": rollups[0]}}))
"""

OPEN_CODE = """
import json, time, resource
t = time.perf_counter()
from explorer.catalog import Catalog
cat = Catalog({out!r})
print(json.dumps({{"seconds": time.perf_counter() - t, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def ensure_fullsize(work: Path, order: str = "sorted") -> Path:
    from make_fullsize import fullsize_folder
    from make_fullsize import main as make

    folder = fullsize_folder(work, order)
    if not (folder / "BigEarthNet.txt.parquet").exists():
        make(work, SHARED_METADATA, order=order)
    return folder


def ensure_demo(work: Path) -> Path:
    folder = work / "demo" / "bigearthnet-demo"
    if not folder.exists():
        from explorer.demo import write_demo

        write_demo(work / "demo", n_chatearthnet=20, n_bigearthnet=60)
    return folder


LAYERS_CODE = """
import json, sys
sys.path.insert(0, "bench")
from bench_catalog import layer_p95s
print(json.dumps(layer_p95s({demo!r}, {catalog!r})))
"""


def layer_p95s(demo: str, catalog: str) -> dict[str, float]:
    """p95 (ms) of one sample's S2 + S1 + land cover read and composited, by the catalog and the naive way."""
    from explorer import imagery
    from explorer.catalog import Catalog

    demo_cat, root = Catalog(catalog), Path(demo)

    def read_and_composite(sample_id: str) -> None:
        s2 = demo_cat.read_layer(sample_id, "s2")
        s1 = demo_cat.read_layer(sample_id, "s1")
        lc = demo_cat.read_layer(sample_id, "landcover")
        imagery.composite(s2, imagery.TRUE_COLOUR)
        imagery.sar_image(s1, imagery.SAR_FALSE_COLOUR)
        imagery.landcover_image(lc)

    def naive_read(sample_id: str) -> None:
        import rioxarray  # noqa: F401
        import xarray as xr

        sample = demo_cat.sample(sample_id)
        product = "_".join(sample_id.split("_")[:-2])
        base = root / "BigEarthNet-S2" / product / sample_id
        bands = [xr.open_dataarray(p, engine="rasterio") for p in sorted(base.glob("*.tif"))]
        ref = bands[1]
        xr.concat([b.interp_like(ref, method="nearest") for b in bands], dim="band").load()
        s1_name = sample["s1_id"]
        s1_base = root / "BigEarthNet-S1" / "_".join(s1_name.split("_")[:-3]) / s1_name
        for p in sorted(s1_base.glob("*.tif")):
            xr.open_dataarray(p, engine="rasterio").load()
        ref_map = root / "Reference_Maps" / product / sample_id / f"{sample_id}_reference_map.tif"
        xr.open_dataarray(ref_map, engine="rasterio").load()

    sample_ids = list(demo_cat.samples["sample_id"])
    read_and_composite(sample_ids[0])  # warm imports
    naive_read(sample_ids[0])
    return {
        "fast": percentile_ms(read_and_composite, sample_ids),
        "slow": percentile_ms(naive_read, sample_ids),
        "samples": len(sample_ids),
    }


def naive_lookup_p95(parquet: Path, ids: list[str]) -> float:
    """The naive way: the whole table in pandas, a boolean scan per sample. Scoped so the frame is freed
    (a live 9.55 M-row frame slows every later measurement through garbage-collection passes)."""
    import pandas as pd

    df = pd.read_parquet(parquet, columns=["patch_id", "input", "output", "type"])
    return percentile_ms(lambda pid: df[df["patch_id"] == pid], ids)


def main(work: Path, order: str = "sorted", workers: int | None = None) -> list[str]:
    work.mkdir(parents=True, exist_ok=True)
    folder = ensure_fullsize(work, order)
    out = work / ("catalog-fullsize" if order == "sorted" else f"catalog-fullsize-{order}")
    cache = str(work / "cache")
    lines = [TABLE_HEAD]

    build = run_child(BUILD_CODE.format(cache=cache, folder=str(folder), out=str(out), workers=workers))
    naive = run_child(pandas_load_code("read_parquet", str(folder / "BigEarthNet.txt.parquet")))
    lines.append(
        row(
            f"catalog build ({build['rows']:,} rows, {build['samples']:,} patches)",
            f"{build['seconds']:.1f} s",
            "<= 60 s",
            f"{naive['seconds']:.1f} s (pandas read_parquet only)",
            f"{naive['seconds'] / build['seconds']:.2f}x",
        )
    )
    lines.append(
        row(
            f"catalog build CPU time ({order} row order; main process + build workers)",
            f"{build['cpu_seconds']:.0f} s",
            "(none)",
            "",
            "",
        )
    )
    lines.append(
        row(
            "catalog build peak memory (all build processes: anonymous PSS / PSS incl. mapped catalog pages)",
            f"{build['anon_peak_mib'] / 1024:.2f} / {build['tree_peak_mib'] / 1024:.2f} GiB",
            "<= 2 GB",
            f"{naive['peak_rss_mib'] / 1024:.2f} GiB (pandas read_parquet)",
            f"{naive['peak_rss_mib'] / build['anon_peak_mib']:.2f}x",
        )
    )

    opened = run_child(OPEN_CODE.format(out=str(out)))
    lines.append(
        row(
            "open the built catalog",
            f"{opened['seconds']:.2f} s",
            "<= 2 s",
            f"{naive['seconds']:.1f} s (load the parquet into pandas)",
            f"{naive['seconds'] / opened['seconds']:.0f}x",
        )
    )

    from explorer.catalog import Catalog

    cat = Catalog(out)
    rng = np.random.default_rng(0)
    ids = list(cat.samples["sample_id"].to_numpy()[rng.choice(len(cat.samples), 1000, replace=False)])
    fast = percentile_ms(cat.annotations_of, ids)

    slow = naive_lookup_p95(folder / "BigEarthNet.txt.parquet", ids[:30])
    lines.append(
        row(
            "annotations of one sample (p95 of 1,000)",
            f"{fast:.2f} ms",
            "<= 20 ms",
            f"{slow:.0f} ms (pandas boolean scan)",
            f"{slow / fast:.0f}x",
        )
    )

    demo = ensure_demo(work)
    from explorer.catalog import build_catalog

    demo_out = work / "catalog-demo-ben"
    build_catalog(demo, out=demo_out)
    # In a fresh process, as a dashboard server reads them: in this one, after the 9.55 M-row steps above, the
    # figure swung between 55 and 330 ms from one run to the next (memory reclaim after the 5 GB baseline and
    # garbage-collection passes), while the same reads in a fresh process stay within 36-60 ms.
    layers = run_child(LAYERS_CODE.format(demo=str(demo), catalog=str(demo_out)))
    fast, slow, n_samples = layers["fast"], layers["slow"], layers["samples"]
    lines.append(
        row(
            f"S2+S1+land cover read and composited (p95 of {n_samples}, fresh process)",
            f"{fast:.1f} ms",
            "<= 100 ms",
            f"{slow:.0f} ms (rioxarray per band + interp)",
            f"{slow / fast:.1f}x",
        )
    )
    print("\n".join(lines))
    (work / "bench_catalog.json").write_text(json.dumps({"build": build, "open": opened}))
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--order", choices=("sorted", "random"), default="sorted", help="input row order")
    parser.add_argument("--workers", type=int, default=None, help="build processes (default: every core)")
    args = parser.parse_args()
    main(args.work, args.order, args.workers)
