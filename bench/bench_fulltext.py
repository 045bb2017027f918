"""Full-text search at full size: the FTS5 index built with the catalog, next to the substring/regex scan.

    python bench/bench_fulltext.py [--work DIR] [--order random|sorted] [--no-tantivy]

Uses the catalog of ``bench/make_fullsize.py``'s input (9,553,962 rows; built here once if absent). Measures
the index build, the FIRST query in a fresh process (open the catalog, search; p95 over queries, one process
each), warm queries, and the scans it replaces (Arrow substring match, RE2 regex) on the same rows. With
tantivy installed it also builds and queries a tantivy index over the same distinct texts: the measurement
behind choosing SQLite FTS5 (DuckDB's FTS extension is not bundled in its wheel: it downloads, so it is out).
Target: first query over 9.55 M rows <= 0.3 s p95.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_WORK, SHARED_METADATA, TABLE_HEAD, row, run_child  # noqa: E402

QUERIES = [
    "forest",
    "Austria",
    '"coniferous forest"',
    "water*",
    "arable land",
    "boundary",
    '"largest connected region"',
    "pastures OR vineyards",
    "marshes",
    "beaches dunes sands",
]

FIRST_QUERY_CODE = """
import json, time
t0 = time.perf_counter()
from explorer.catalog import Catalog
cat = Catalog({catalog!r})
t1 = time.perf_counter()
result = cat.search({query!r}, limit=20)
t2 = time.perf_counter()
print(json.dumps({{"open": t1 - t0, "first_query": t2 - t1, "samples": result.n_samples}}))
"""

BUILD_CODE = """
import json, time, resource, os
os.environ["EO_EXPLORER_CACHE"] = {cache!r}
from explorer.catalog import build_catalog
t = time.perf_counter()
cat, report = build_catalog({folder!r}, out={out!r})
print(json.dumps({{"seconds": time.perf_counter() - t, "fulltext": report.seconds_fulltext,
                  "rows": report.n_annotations, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

FULLTEXT_ONLY_CODE = """
import json, time, resource
from explorer.catalog import Catalog
from explorer import fulltext
cat = Catalog({catalog!r})
t = time.perf_counter()
fulltext.build(cat.annotations, len(cat.samples), cat.path)
print(json.dumps({{"seconds": time.perf_counter() - t,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def ensure_catalog(work: Path, order: str) -> Path:
    from make_fullsize import fullsize_folder
    from make_fullsize import main as make

    folder = fullsize_folder(work, order)
    if not (folder / "BigEarthNet.txt.parquet").exists():
        make(work, SHARED_METADATA, order=order)
    out = work / f"catalog-fullsize-{order}"
    if not (out / "catalog.json").exists():
        run_child(BUILD_CODE.format(cache=str(work / "cache"), folder=str(folder), out=str(out)))
    return out


def tantivy_figures(catalog_path: Path, work: Path) -> dict[str, float] | None:
    """Build tantivy over the same distinct texts; p95 of (all matching texts + top 20 by BM25) per query."""
    try:
        import tantivy
    except ImportError:
        return None
    import pyarrow.compute as pc

    from explorer import fulltext
    from explorer.catalog import Catalog

    cat = Catalog(catalog_path)
    texts, _ = fulltext.searchable(cat.annotations)
    distinct = pc.unique(texts).drop_null()
    folder = work / "tantivy-index"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("text", stored=True)
    builder.add_integer_field("tid", stored=True, fast=True)
    schema = builder.build()
    started = time.perf_counter()
    index = tantivy.Index(schema, path=str(folder))
    writer = index.writer(heap_size=500_000_000, num_threads=2)
    for start in range(0, len(distinct), 50_000):
        for offset, text in enumerate(distinct.slice(start, 50_000).to_pylist()):
            writer.add_document(tantivy.Document(text=text, tid=start + offset))
    writer.commit()
    writer.wait_merging_threads()
    build_seconds = time.perf_counter() - started
    index.reload()
    searcher = index.searcher()
    times = []
    for query in QUERIES:
        started = time.perf_counter()
        parsed = index.parse_query(query.replace(" OR ", " OR "), ["text"])
        count = searcher.search(parsed, 1, count=True).count
        hits = searcher.search(parsed, max(count, 1)).hits  # every matching text: needed for the sample set
        np.array([address.doc for _, address in hits])
        searcher.search(parsed, 20)
        times.append(time.perf_counter() - started)
    return {
        "build": build_seconds,
        "p95_ms": float(np.percentile(np.array(times) * 1000, 95)),
        "texts": len(distinct),
    }


def main(work: Path, order: str, with_tantivy: bool, reuse_index: bool = False) -> list[str]:
    work.mkdir(parents=True, exist_ok=True)
    catalog_path = ensure_catalog(work, order)
    lines = [TABLE_HEAD]

    previous = work / "bench_fulltext.json"
    if reuse_index and (catalog_path / "fulltext" / "meta.json").exists() and previous.exists():
        built = json.loads(previous.read_text())["build"]  # the index of an earlier run, unchanged since
    else:
        built = run_child(FULLTEXT_ONLY_CODE.format(catalog=str(catalog_path)))
    firsts = [run_child(FIRST_QUERY_CODE.format(catalog=str(catalog_path), query=q)) for q in QUERIES]
    first_p95 = float(np.percentile([f["first_query"] * 1000 for f in firsts], 95))

    from explorer.catalog import Catalog
    from explorer.dashboard.query import search_annotations
    from explorer.fulltext import run_scan

    cat = Catalog(catalog_path)
    n_rows = cat.annotations.num_rows
    warm = []
    for query in QUERIES * 3:
        started = time.perf_counter()
        cat.search(query, limit=20)
        warm.append(time.perf_counter() - started)
    warm_p95 = float(np.percentile(np.array(warm) * 1000, 95))
    started = time.perf_counter()
    substring = search_annotations(cat.annotations, "forest", regex=False)
    substring_s = time.perf_counter() - started
    started = time.perf_counter()
    run_scan(cat.regex_scan(r"fores?t"))
    regex_s = time.perf_counter() - started
    forest = cat.search("forest")

    lines.append(
        row(
            f"full-text index build ({cat.fulltext.n_texts:,} distinct texts of {n_rows:,} rows)",
            f"{built['seconds']:.1f} s, {built['peak_rss_mib'] / 1024:.2f} GiB peak",
            "(none)",
            "(no index)",
            "",
        )
    )
    lines.append(
        row(
            f"first text query in a fresh process (p95 of {len(QUERIES)} queries, one process each)",
            f"{first_p95:.0f} ms",
            "<= 300 ms",
            f"{substring_s * 1000:.0f} ms (Arrow substring scan of 'forest', as today)",
            f"{substring_s * 1000 / first_p95:.0f}x",
        )
    )
    lines.append(
        row(
            f"warm text query (p95 of {len(warm)})",
            f"{warm_p95:.0f} ms",
            "(none)",
            f"{regex_s * 1000:.0f} ms (chunked RE2 regex scan 'fores?t', the slow path)",
            f"{regex_s * 1000 / warm_p95:.0f}x",
        )
    )
    lines.append(
        row(
            "'forest': matching samples (index: word; scan: substring)",
            f"{forest.n_samples:,}",
            "",
            f"{substring.size:,}",
            "",
        )
    )
    if with_tantivy:
        tv = tantivy_figures(catalog_path, work)
        if tv is not None:
            lines.append(
                row(
                    "tantivy over the same distinct texts: build / query p95 (all matches + top 20)",
                    f"{tv['build']:.1f} s / {tv['p95_ms']:.0f} ms",
                    "(engine choice)",
                    f"FTS5 warm query p95 {warm_p95:.0f} ms",
                    "",
                )
            )
    print("\n".join(lines))
    previous.write_text(json.dumps({"build": built, "firsts": firsts, "warm_p95_ms": warm_p95}))
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--order", choices=("random", "sorted"), default="random")
    parser.add_argument("--no-tantivy", action="store_true")
    parser.add_argument("--reuse-index", action="store_true", help="keep the index (and build figure) of a previous run")
    args = parser.parse_args()
    main(args.work, args.order, not args.no_tantivy, args.reuse_index)
