"""Caption metrics on 10,000 test captions: the explorer next to the toolkit's own ``COCOEvalCap`` steps.

    python bench/bench_evaluate.py [--n 10000] [--baseline-n 1000] [--readme]

Input: N ChatEarthNet-like pairs from the demo's caption writers: a ChatGPT-4V-style reference (~195 words)
and a ChatGPT-3.5-style hypothesis (~130 words) written from the same synthetic land-cover map, so the texts
share much vocabulary, as a fine-tuned model's outputs do. Both sides score every metric but SPICE (which needs
CoreNLP jars not shipped here) on exactly the same input: the explorer with ``score_captions`` (its METEOR JVM
started cold), the toolkit with the steps of ``COCOEvalCap.evaluate()`` (PTBTokenizer on references and
hypotheses, then Bleu(4), Meteor, Rouge, Cider). The toolkit takes about 20 min on 10,000 such captions, so
it runs on the first ``--baseline-n`` and its time is scaled linearly (its cost is linear in the number of
captions); the explorer is also run on that subset so every corpus and per-sample number is compared on the
same input (CIDEr's document frequencies depend on the whole input). ``--baseline-n 0`` skips the baseline.
``--readme`` writes the table into bench/README.md as its own section (other sections are kept).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from explorer.demo.captions import caption_4v, caption_35  # noqa: E402
from explorer.demo.landcover import BIOME_MIXES, worldcover_tile  # noqa: E402
from explorer.evaluate.caption_metrics import score_captions  # noqa: E402

TITLE = "Caption metrics on 10,000 test captions (issue: evaluate)"
METRICS = ("Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "METEOR", "ROUGE_L", "CIDEr")


def make_input(n: int, seed: int = 0) -> tuple[list[str], list[list[str]]]:
    rng = np.random.default_rng(seed)
    maps = [worldcover_tile(rng, biome, size=128) for biome in list(BIOME_MIXES) * 20]
    hyps = [caption_35(np.random.default_rng([seed, 1, i]), maps[i % len(maps)]) for i in range(n)]
    refs = [[caption_4v(np.random.default_rng([seed, 2, i]), maps[i % len(maps)])] for i in range(n)]
    return hyps, refs


def run_toolkit(
    hyps: list[str], refs: list[list[str]]
) -> tuple[dict[str, float], dict[str, list[float]], dict[str, float]]:
    """COCOEvalCap.evaluate()'s steps minus SPICE, timed one by one."""
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    tokenizer = PTBTokenizer()
    gts = tokenizer.tokenize({i: [{"caption": c} for c in r] for i, r in enumerate(refs)})
    res = tokenizer.tokenize({i: [{"caption": h}] for i, h in enumerate(hyps)})
    seconds["tokenize"] = time.perf_counter() - t0
    corpus: dict[str, float] = {}
    per_sample: dict[str, list[float]] = {}
    for name, scorer, methods in (
        ("bleu", Bleu(4), ["Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4"]),
        ("meteor", None, ["METEOR"]),
        ("rouge", Rouge(), ["ROUGE_L"]),
        ("cider", Cider(), ["CIDEr"]),
    ):
        t = time.perf_counter()
        if scorer is None:
            scorer = Meteor()  # its JVM starts here, as in COCOEvalCap
        score, scores = (
            scorer.compute_score(gts, res) if name != "bleu" else scorer.compute_score(gts, res, verbose=0)
        )
        seconds[name] = time.perf_counter() - t
        if len(methods) == 1:
            score, scores = [score], [scores]
        for method, value, values in zip(methods, score, scores, strict=True):
            corpus[method] = float(value)
            per_sample[method] = [float(v) for v in values]
    seconds["total"] = time.perf_counter() - t0
    return corpus, per_sample, seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument(
        "--baseline-n", type=int, default=1_000, help="captions the toolkit scores (time scaled)"
    )
    parser.add_argument("--work", type=Path, default=HERE / "output")  # unused: for run_all.py
    parser.add_argument("--readme", action="store_true", help="write the table into bench/README.md")
    args = parser.parse_args()

    t0 = time.perf_counter()
    hyps, refs = make_input(args.n)
    made = time.perf_counter() - t0
    words_h = np.mean([len(h.split()) for h in hyps])
    words_r = np.mean([len(r[0].split()) for r in refs])
    print(
        f"input: {args.n:,} pairs in {made:.0f} s; {words_h:.0f} / {words_r:.0f} words (hypothesis / reference)",
        file=sys.stderr,
    )

    load = os.getloadavg()[0]
    cpu0, jvm0 = time.process_time(), _children_cpu()
    ours = score_captions(hyps, refs, metrics=METRICS)
    ours_cpu, jvm_cpu = time.process_time() - cpu0, _children_cpu() - jvm0
    print(f"explorer: {ours.seconds} (load {load:.1f})", file=sys.stderr)
    total = ours.seconds["total"]
    base_n = min(args.baseline_n, args.n)
    lines = [
        "| measure | explorer | target | naive baseline | baseline / explorer |",
        "|---|---|---|---|---|",
    ]
    seconds: dict[str, float] = {}
    scale = args.n / base_n if base_n else float("nan")
    if base_n:
        sub_h, sub_r = hyps[:base_n], refs[:base_n]
        corpus, per_sample, seconds = run_toolkit(sub_h, sub_r)
        print(f"toolkit on {base_n:,}: {seconds}", file=sys.stderr)
        same = score_captions(sub_h, sub_r, metrics=METRICS)
        worst = max(abs(same.corpus[m] - corpus[m]) for m in METRICS)
        worst_sample = max(
            float(np.max(np.abs(same.per_sample[m].to_numpy() - np.asarray(per_sample[m])))) for m in METRICS
        )
    base = seconds.get("total", float("nan")) * scale
    where = f"{base_n:,} captions x {scale:g}" if base_n != args.n else "same input"
    lines.append(
        f"| BLEU-1..4, METEOR, ROUGE-L, CIDEr-D on {args.n:,} captions ({words_h:.0f}-word hypotheses, "
        f"{words_r:.0f}-word references), PTB tokenizer and METEOR JVM start included | {total:.1f} s | <= 60 s | "
        f"{base:.0f} s (pycocoevalcap COCOEvalCap steps, {where}) | {base / total:.1f}x |"
    )
    mine = ours.seconds.get("ngrams", float("nan"))
    lines.append(
        f"| ... n-gram counts (shared by BLEU and CIDEr-D) | {mine:.1f} s | (none) | (inside BLEU and CIDEr) | |"
    )
    for step in ("tokenize", "bleu", "rouge", "cider", "meteor"):
        mine = ours.seconds.get(step, float("nan"))
        note = (
            " (one JVM, 2 alignment threads, in a background thread beside the Python metrics)"
            if step == "meteor"
            else ""
        )
        theirs = seconds.get(step, float("nan")) * scale
        lines.append(f"| ... {step}{note} | {mine:.1f} s | (none) | {theirs:.1f} s | {theirs / mine:.1f}x |")
    lines.append("")
    if base_n:
        lines.append(
            f"Largest difference from the toolkit on the first {base_n:,} captions (both scored that input): "
            f"{worst:.1e} on corpus scores, {worst_sample:.1e} on per-sample scores (parity target 1e-9)."
        )
    lines.append(
        f"Load average when scoring started: {load:.1f}; CPU seconds of this Python process for the explorer's "
        f"{args.n:,}: {ours_cpu:.0f} s, of its JVMs (PTB tokenizer, METEOR): {jvm_cpu:.0f} s; on 2 idle cores "
        f"the wall time would be at least {(ours_cpu + jvm_cpu) / 2:.0f} s."
    )
    table = "\n".join(lines)
    print(table)
    if args.readme:
        write_section(
            HERE / "README.md",
            table,
            f"python bench/bench_evaluate.py --n {args.n} --baseline-n {args.baseline_n}",
        )


def _children_cpu() -> float:
    """CPU seconds of finished child processes (the JVMs, once waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def write_section(readme: Path, table: str, command: str) -> None:
    """Replace (or append) this benchmark's section, keeping every other line of the README."""
    text = readme.read_text()
    section = f"## {TITLE}\n\nCommand: `{command}` ({time.strftime('%Y-%m-%d %H:%M')})\n\n{table}\n"
    marker = f"## {TITLE}\n"
    if marker in text:
        before, after = text.split(marker, 1)
        rest = after.split("\n## ", 1)
        text = before + section + ("\n## " + rest[1] if len(rest) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text)


if __name__ == "__main__":
    main()
