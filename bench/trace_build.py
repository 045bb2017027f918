"""Which core is busy when during a catalog build: a CPU timeline of the main process and its build workers.

    PYTHONPATH=src python bench/trace_build.py FOLDER OUT [--workers N] [--no-fulltext]

Samples /proc/PID/stat of this process and of its children every 0.25 s and prints, per second of wall time,
the CPU share of the main process and of all workers (100 % = one core), under the build's phase ends
(``BuildReport.phases``). Idle gaps (one core unused while the other works) are where wall time goes beyond
CPU time / cores. Also prints wall, CPU (getrusage of self + children) and the load average.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _anon_pss(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup") as handle:
        for line in handle:
            if line.startswith("Pss_Anon:"):
                return int(line.split()[1]) * 1024
    return 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder")
    parser.add_argument("out")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--no-fulltext", action="store_true")
    args = parser.parse_args()

    samples: list[tuple[float, float, float]] = []  # (wall, main cpu, workers cpu)
    peak_anon = [0]  # anonymous PSS of this process and its workers (forked pages counted once), bytes
    anon_at: list[tuple[float, int]] = []
    sampler_cpu = [0.0]  # this sampler's own CPU (smaps_rollup walks page tables), inside cpu_main
    seen: dict[int, float] = {}  # worker pid -> last cpu seen (exited workers keep their last value)
    done = threading.Event()
    me = os.getpid()
    t0 = time.perf_counter()

    def sample() -> None:
        while not done.is_set():
            for pid in _children(me):
                with contextlib.suppress(OSError):
                    seen[pid] = _cpu(pid)
            samples.append((time.perf_counter() - t0, _cpu(me), sum(seen.values())))
            if len(samples) % 2 == 0:
                anon = 0
                for pid in [me, *_children(me)]:
                    with contextlib.suppress(OSError):
                        anon += _anon_pss(pid)
                peak_anon[0] = max(peak_anon[0], anon)
                anon_at.append((time.perf_counter() - t0, anon))
            sampler_cpu[0] = time.thread_time()
            time.sleep(0.25)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    load_before = os.getloadavg()
    from explorer.catalog import build_catalog

    imported = time.perf_counter() - t0
    _, report = build_catalog(
        args.folder, out=args.out, workers=args.workers, with_fulltext=not args.no_fulltext
    )
    wall = time.perf_counter() - t0
    done.set()
    thread.join()
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    phases = {"import": imported, **{k: imported + v for k, v in report.phases.items()}}
    print("phase ends (s since start):", ", ".join(f"{k} {v:.1f}" for k, v in phases.items()))
    print("phase          wall s  main CPU s  workers CPU s  peak anon PSS MiB")
    begin = (0.0, 0.0, 0.0)
    for name, end in phases.items():
        at = next((x for x in samples if x[0] >= end), samples[-1])
        peak = max((a for t, a in anon_at if begin[0] <= t <= at[0]), default=0)
        print(
            f"{name:14s} {at[0] - begin[0]:6.1f}  {at[1] - begin[1]:10.1f}  {at[2] - begin[2]:13.1f}"
            f"  {peak / 2**20:17.0f}"
        )
        begin = at
    print(" t(s)  main%  workers%")
    last = (0.0, 0.0, 0.0)
    for wall_t, main_cpu, kids_cpu in samples[4::4]:
        span = wall_t - last[0]
        print(
            f"{wall_t:5.1f}  {100 * (main_cpu - last[1]) / span:5.0f}  {100 * (kids_cpu - last[2]) / span:7.0f}"
        )
        last = (wall_t, main_cpu, kids_cpu)
    print(
        json.dumps(
            {
                "wall": round(wall, 2),
                "cpu_main": round(own.ru_utime + own.ru_stime, 2),
                "cpu_workers": round(kids.ru_utime + kids.ru_stime, 2),
                "user": round(own.ru_utime + kids.ru_utime, 2),
                "sys": round(own.ru_stime + kids.ru_stime, 2),
                "sampler_cpu": round(sampler_cpu[0], 2),
                "main_maxrss_mib": own.ru_maxrss // 1024,
                "peak_anon_pss_mib": peak_anon[0] // 2**20,
                "fulltext_seconds": round(report.seconds_fulltext, 2),
                "rows": report.n_annotations,
                "samples": report.n_samples,
                "load_before": load_before,
                "load_after": os.getloadavg(),
            }
        )
    )


if __name__ == "__main__":
    main()
