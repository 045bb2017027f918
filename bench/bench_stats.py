"""Statistics at full size and on a 10,000-sample selection, next to a naive spaCy baseline.

    python bench/bench_stats.py [--work DIR]

Uses the full-size catalog that ``bench_catalog.py`` builds (9,553,962 BigEarthNet.txt-schema rows over 464,044
patches; built here if missing). The explorer's figure: ``stats.prepare`` (tokenise the distinct texts once) plus
``stats.compute_dataset`` (every table), and ``stats.compute_selection`` for 10,000 random samples reusing the
prepared data, as the dashboard does. The naive baseline tokenises every text with ``spacy.blank("en").pipe``
(timed on 20,000 texts of the same table in the same run, scaled to the row count) and does nothing else.
Targets (2 cores): full statistics <= 60 s; a 10,000-sample selection <= 1 s.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import TABLE_HEAD, row, run_cli  # noqa: E402


def naive_seconds_per_text(texts: list[str]) -> float:
    import spacy

    nlp = spacy.blank("en")
    started = time.perf_counter()
    for doc in nlp.pipe(texts, batch_size=1000):
        [t.lower_ for t in doc if not t.is_punct and not t.is_space]
    return (time.perf_counter() - started) / len(texts)


def main(work: Path) -> list[str]:
    from explorer import stats
    from explorer.catalog import Catalog

    out = work / "catalog-fullsize"
    if not (out / "catalog.json").exists():
        import bench_catalog

        bench_catalog.main(work)
    cat = Catalog(out)
    n_rows = cat.annotations.num_rows

    started = time.perf_counter()
    prepared = stats.prepare(cat.annotations)
    prep_s = time.perf_counter() - started
    result = stats.compute_dataset(stats.as_dataset(cat), prepared=prepared)
    full_s = time.perf_counter() - started

    rng = np.random.default_rng(0)
    chosen = rng.choice(cat.samples["sample_id"].to_numpy(), 10_000, replace=False)
    stats.compute_selection(cat, chosen, prepared)  # first call pays one-off lookups
    started = time.perf_counter()
    selection = stats.compute_selection(cat, chosen, prepared)
    sel_s = time.perf_counter() - started
    sel_rows = int(selection["task_mix"]["count"].sum())

    texts = stats.annotation_texts(cat.annotations.slice(0, 400_000)).to_pylist()
    sample = [texts[i] for i in rng.choice(len(texts), 20_000, replace=False) if texts[i]]
    per_text = naive_seconds_per_text(sample)
    naive_full = per_text * n_rows
    naive_sel = per_text * sel_rows

    lines = [TABLE_HEAD]
    lines.append(
        row(
            f"full statistics, {n_rows:,} rows ({len(result)} tables; prepare {prep_s:.1f} s)",
            f"{full_s:.1f} s",
            "<= 60 s",
            f"{naive_full:.0f} s (spaCy nlp.pipe tokenising only, scaled)",
            f"{naive_full / full_s:.1f}x",
        )
    )
    lines.append(
        row(
            f"10,000-sample selection ({sel_rows:,} rows)",
            f"{sel_s * 1000:.0f} ms",
            "<= 1 s",
            f"{naive_sel:.1f} s (spaCy nlp.pipe over the selection, scaled)",
            f"{naive_sel / sel_s:.0f}x",
        )
    )
    print("\n".join(lines))
    return lines


if __name__ == "__main__":
    run_cli(main, __doc__)
