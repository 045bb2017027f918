"""Catalog build of the SkyScript and RS5M released layouts at full size, each next to a naive baseline.

    python bench/bench_table_a1.py [--work DIR] [--skyscript-rows N] [--rs5m-per-shard N]

Inputs from ``bench/make_table_a1.py`` (made once under ``--work``). Every measure runs in a fresh process so
that its peak memory is its own. Prints a Markdown table.

* SkyScript: ``build_catalog`` of the 5.2 M-row caption CSV (10.4 M caption annotations: both caption columns)
  against ``pandas.read_csv`` of the same file (reading only, no catalog).
* RS5M: ``build_catalog`` over 8 and over 32 shards (streamed shard by shard: peak memory should not grow with
  the shard count) against reading every shard's members into memory with ``tarfile`` (grows with the input).
Targets (issue #9): SkyScript build <= 60 s with peak <= 2 GB; RS5M streamed with constant memory.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_WORK, TABLE_HEAD, pandas_load_code, row, run_child  # noqa: E402

BUILD_CODE = """
import json, os, time, resource
os.environ["EO_EXPLORER_CACHE"] = {cache!r}
os.environ["EO_EXPLORER_REGISTRY"] = {registry!r}
from explorer.catalog import build_catalog
t = time.perf_counter()
cat, report = build_catalog({folder!r}, out={out!r})
import pyarrow.parquet as pq
print(json.dumps({{"seconds": time.perf_counter() - t, "rows": report.n_annotations, "samples": report.n_samples,
                  "cpu_seconds": time.process_time(),
                  "samples_table_mib": pq.read_table(cat.path / "samples.parquet").nbytes / 2**20,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

TAR_CODE = """
import json, time, resource, tarfile, glob
t = time.perf_counter()
members = []
for path in sorted(glob.glob({pattern!r})):
    with tarfile.open(path) as tar:
        members += [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]
print(json.dumps({{"seconds": time.perf_counter() - t, "rows": len(members) // 3,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def _subset_shards(root: Path, target: Path, count: int) -> Path:
    """A folder with the first ``count`` shards (hard links: no copy)."""
    if target.exists():
        shutil.rmtree(target)
    (target / "train").mkdir(parents=True)
    for shard in sorted((root / "train").glob("*.tar"))[:count]:
        (target / "train" / shard.name).hardlink_to(shard)
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--skyscript-rows", type=int, default=5_200_000)
    parser.add_argument("--rs5m-per-shard", type=int, default=2_000)
    parser.add_argument("--only", choices=("skyscript", "rs5m"), help="run one half of the benchmark")
    parser.add_argument(
        "--rs5m-counts",
        default="8,32",
        help="shard counts whose build peak memory is compared (e.g. 8,32,128)",
    )
    args = parser.parse_args(argv)
    work = args.work
    sky = work / "skyscript-fullsize"
    rs5m = work / "rs5m-fullsize"
    if (
        not (sky / "dataframe" / "SkyScript_train_unfiltered_5M.csv").exists()
        or not (rs5m / "train").is_dir()
    ):
        from make_table_a1 import main as make

        make(
            [
                str(work),
                "--skyscript-rows",
                str(args.skyscript_rows),
                "--rs5m-per-shard",
                str(args.rs5m_per_shard),
            ]
        )
    env = {"cache": str(work / "cache-a1"), "registry": str(work / "registry-a1.json")}
    lines = [TABLE_HEAD]

    if args.only != "rs5m":
        lines += skyscript_rows(sky, work, env)
    if args.only != "skyscript":
        lines += rs5m_rows(rs5m, work, env, [int(c) for c in args.rs5m_counts.split(",")])
    print("\n".join(lines))


def skyscript_rows(sky: Path, work: Path, env: dict[str, str]) -> list[str]:
    lines = []
    build = run_child(BUILD_CODE.format(folder=str(sky), out=str(work / "catalog-skyscript"), **env))
    naive = run_child(
        pandas_load_code("read_csv", str(sky / "dataframe" / "SkyScript_train_unfiltered_5M.csv"))
    )
    what = f"{build['samples']:,} images, {build['rows']:,} captions"
    lines.append(
        row(
            f"SkyScript catalog build ({what})",
            f"{build['seconds']:.1f} s",
            "<= 60 s",
            f"{naive['seconds']:.1f} s (pandas read_csv only)",
            f"{naive['seconds'] / build['seconds']:.2f}x",
        )
    )
    lines.append(
        row(
            "SkyScript catalog build peak memory",
            f"{build['peak_rss_mib'] / 1024:.2f} GiB",
            "<= 2 GB",
            f"{naive['peak_rss_mib'] / 1024:.2f} GiB (pandas read_csv)",
            f"{naive['peak_rss_mib'] / build['peak_rss_mib']:.2f}x",
        )
    )

    return lines


def rs5m_rows(rs5m: Path, work: Path, env: dict[str, str], counts: list[int]) -> list[str]:
    """Build time at the largest shard count against tarfile; peak memory at each count against the growth of
    the samples table itself (the per-sample output every build must hold)."""
    lines = []
    peaks = {}
    for count in counts:
        folder = _subset_shards(rs5m, work / f"rs5m-{count}", count)
        result = run_child(
            BUILD_CODE.format(folder=str(folder), out=str(work / f"catalog-rs5m-{count}"), **env)
        )
        peaks[count] = result
    top = max(counts)
    naive_tar = run_child(TAR_CODE.format(pattern=str(work / f"rs5m-{top}" / "train" / "*.tar")))
    full = peaks[top]
    lines.append(
        row(
            f"RS5M catalog build, {top} shards ({full['samples']:,} samples; CPU {full['cpu_seconds']:.1f} s)",
            f"{full['seconds']:.1f} s",
            "streamed",
            f"{naive_tar['seconds']:.1f} s (tarfile, every member into memory)",
            f"{naive_tar['seconds'] / full['seconds']:.2f}x",
        )
    )
    low = min(counts)
    lines.append(
        row(
            f"RS5M build peak memory, {' -> '.join(map(str, counts))} shards",
            " -> ".join(f"{peaks[c]['peak_rss_mib']:.0f}" for c in counts) + " MiB",
            "constant",
            f"{naive_tar['peak_rss_mib']:.0f} MiB at {top} shards (tarfile into memory)",
            f"{naive_tar['peak_rss_mib'] / full['peak_rss_mib']:.2f}x",
        )
    )
    lines.append(
        row(
            f"... growth of the peak, {low} -> {top} shards, against the samples table's own growth",
            f"{full['peak_rss_mib'] - peaks[low]['peak_rss_mib']:.0f} MiB",
            "only the per-sample output",
            f"{full['samples_table_mib'] - peaks[low]['samples_table_mib']:.0f} MiB (samples table, Arrow)",
            "",
        )
    )
    return lines


if __name__ == "__main__":
    main()
