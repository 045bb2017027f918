"""BLEU-1..4, ROUGE-L and CIDEr-D exactly as ``pycocoevalcap`` defines them, fast enough for 10,000 captions.

Each function takes tokenised hypotheses (one per sample) and references (one list per sample), in the order of
the samples, and returns the toolkit's corpus score and per-sample scores. Formulas, constants and quirks are
the toolkit's (``bleu_scorer.py``, ``cider_scorer.py``, ``rouge.py``):

* BLEU: "closest" reference length; per-sample scores are the toolkit's ``bleu_list`` (with brevity penalty);
  the corpus score is formed from summed counts, so ``bleu_counts`` are kept per sample and the corpus BLEU
  of any subset is re-formed from them (``bleu_from_counts``).
* CIDEr-D (sigma 6, n = 4, x10): document frequencies and the log of the number of samples come from ALL
  samples scored together. A subset's CIDEr is the mean of these per-sample scores; it is never recomputed on
  the subset alone (that would change every sample's weights).
* ROUGE-L (beta 1.2): best precision and best recall over references, on ``str.split(" ")`` tokens. The
  longest common subsequence is computed bit-parallel (Allison-Dix), which gives the same integer as the
  toolkit's quadratic table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .ngrams import MAX_ORDER, NgramTable, count_ngrams

_SMALL = 1e-9
_TINY = 1e-15
CIDER_SIGMA = 6.0


def _flatten(references: Sequence[Sequence[str]]) -> tuple[list[str], np.ndarray]:
    flat = [r for refs in references for r in refs]
    owner = np.repeat(np.arange(len(references), dtype=np.int64), [len(r) for r in references])
    return flat, owner


def _lookup(keys_sorted: np.ndarray, values_sorted: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """values for queries found in keys (0 where absent)."""
    if keys_sorted.size == 0:
        return np.zeros(queries.size, dtype=values_sorted.dtype)
    where = np.searchsorted(keys_sorted, queries)
    where = np.minimum(where, keys_sorted.size - 1)
    hit = keys_sorted[where] == queries
    return np.where(hit, values_sorted[where], 0)


# --- BLEU ------------------------------------------------------------------------------------------------
def ngram_table(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> NgramTable:
    """The n-gram counts BLEU and CIDEr share: hypotheses first, then every reference in order."""
    return count_ngrams(list(hypotheses) + [r for refs in references for r in refs])


def bleu_counts(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], table: NgramTable | None = None
) -> dict[str, np.ndarray]:
    """Per-sample BLEU statistics: testlen, reflen ("closest"), guess_1..4, correct_1..4."""
    n = len(hypotheses)
    flat, owner = _flatten(references)
    table = table if table is not None else ngram_table(hypotheses, references)
    is_hyp = table.sentence < n
    sample_of_row = np.where(is_hyp, table.sentence, owner[np.maximum(table.sentence - n, 0)])

    # clipping counts: the largest count of each n-gram in any one reference of the sample
    ref_rows = ~is_hyp
    ref_key = sample_of_row[ref_rows] * table.n_grams + table.gram[ref_rows]
    order = np.lexsort((table.count[ref_rows], ref_key))
    ref_key, ref_count = ref_key[order], table.count[ref_rows][order]
    last = np.r_[ref_key[1:] != ref_key[:-1], True] if ref_key.size else np.zeros(0, dtype=bool)
    max_key, max_count = ref_key[last], ref_count[last]

    hyp_key = table.sentence[is_hyp] * table.n_grams + table.gram[is_hyp]
    clipped = np.minimum(table.count[is_hyp], _lookup(max_key, max_count, hyp_key))
    result: dict[str, np.ndarray] = {}
    testlen = table.lengths[:n]
    ref_lengths = table.lengths[n:]
    result["testlen"] = testlen
    reflen = np.zeros(n, dtype=np.int64)
    bounds = np.concatenate([[0], np.cumsum([len(r) for r in references])]).astype(np.int64)
    for i in range(n):  # the toolkit's "closest" rule, ties to the shorter: min over (|l - testlen|, l)
        lengths = ref_lengths[bounds[i] : bounds[i + 1]].tolist()
        t = int(testlen[i])
        reflen[i] = min((abs(length - t), length) for length in lengths)[1]
    result["reflen"] = reflen
    for k in range(1, MAX_ORDER + 1):
        result[f"guess_{k}"] = np.maximum(0, testlen - k + 1)
        mask = table.order[is_hyp] == k
        result[f"correct_{k}"] = np.bincount(
            table.sentence[is_hyp][mask], weights=clipped[mask], minlength=n
        ).astype(np.int64)
    return result


def bleu_per_sample(counts: dict[str, np.ndarray]) -> list[list[float]]:
    """The toolkit's ``bleu_list``: for each order k, one score per sample (brevity penalty included)."""
    n = len(counts["testlen"])
    scores: list[list[float]] = [[] for _ in range(MAX_ORDER)]
    for i in range(n):
        bleu = 1.0
        for k in range(MAX_ORDER):
            bleu *= (float(counts[f"correct_{k + 1}"][i]) + _TINY) / (
                float(counts[f"guess_{k + 1}"][i]) + _SMALL
            )
            scores[k].append(bleu ** (1.0 / (k + 1)))
        ratio = (int(counts["testlen"][i]) + _TINY) / (int(counts["reflen"][i]) + _SMALL)
        if ratio < 1:
            for k in range(MAX_ORDER):
                scores[k][-1] *= math.exp(1 - 1 / ratio)
    return scores


def bleu_from_counts(counts: dict[str, np.ndarray]) -> list[float]:
    """Corpus BLEU-1..4 from summed statistics, as ``BleuScorer.compute_score`` forms it."""
    testlen = int(np.sum(counts["testlen"]))
    reflen = int(np.sum(counts["reflen"]))
    bleus = []
    bleu = 1.0
    for k in range(1, MAX_ORDER + 1):
        bleu *= float(int(np.sum(counts[f"correct_{k}"])) + _TINY) / (
            int(np.sum(counts[f"guess_{k}"])) + _SMALL
        )
        bleus.append(bleu ** (1.0 / k))
    ratio = (testlen + _TINY) / (reflen + _SMALL)
    if ratio < 1:
        bleus = [b * math.exp(1 - 1 / ratio) for b in bleus]
    return bleus


# --- CIDEr-D ---------------------------------------------------------------------------------------------
def cider(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], table: NgramTable | None = None
) -> tuple[float, np.ndarray]:
    """(corpus CIDEr-D, per-sample CIDEr-D); document frequencies from all the samples given."""
    n = len(hypotheses)
    if n == 0:
        return float("nan"), np.zeros(0)
    flat, owner = _flatten(references)
    table = table if table is not None else ngram_table(hypotheses, references)
    is_hyp = table.sentence < n
    ref_sentence_sample = owner

    # document frequency: in how many samples' reference sets each n-gram occurs
    ref_rows = ~is_hyp
    # distinct (sample, n-gram) pairs; sorting beats numpy's hash-based np.unique on these wide keys
    sample_gram = np.sort(
        ref_sentence_sample[table.sentence[ref_rows] - n] * table.n_grams + table.gram[ref_rows]
    )
    if sample_gram.size:
        sample_gram = sample_gram[np.r_[True, sample_gram[1:] != sample_gram[:-1]]]
    df = np.bincount(sample_gram % table.n_grams, minlength=table.n_grams).astype(np.float64)
    ref_len = np.log(float(n))
    weight = table.count.astype(np.float64) * (ref_len - np.log(np.maximum(1.0, df[table.gram])))

    n_sentences = n + len(flat)
    slot = table.sentence * MAX_ORDER + (table.order - 1)
    norm = np.sqrt(np.bincount(slot, weights=weight**2, minlength=n_sentences * MAX_ORDER)).reshape(
        n_sentences, MAX_ORDER
    )
    # the toolkit's "length" counts bigrams (its `n == 1` is the second order)
    bigrams = table.order == 2
    length = np.bincount(table.sentence[bigrams], weights=table.count[bigrams], minlength=n_sentences)

    # every (hypothesis n-gram, reference of the same sample) pair, joined on the reference's weights
    ref_key = table.sentence[ref_rows] * table.n_grams + table.gram[ref_rows]
    key_order = np.argsort(ref_key)
    ref_key, ref_weight = ref_key[key_order], weight[ref_rows][key_order]
    refs_per_sample = np.bincount(owner, minlength=n)
    first_ref = n + np.concatenate([[0], np.cumsum(refs_per_sample)[:-1]])
    hyp_idx = np.flatnonzero(is_hyp)
    hyp_sample = table.sentence[hyp_idx]
    repeat = refs_per_sample[hyp_sample]
    pair_hyp = np.repeat(hyp_idx, repeat)
    pair_sample = table.sentence[pair_hyp]
    within = np.arange(pair_hyp.size) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    pair_ref = first_ref[pair_sample] + within
    w_hyp = weight[pair_hyp]
    w_ref = _lookup(ref_key, ref_weight, pair_ref * table.n_grams + table.gram[pair_hyp])
    contribution = np.minimum(w_hyp, w_ref) * w_ref

    ref_sentences = np.arange(n, n_sentences)
    val = np.bincount(
        (pair_ref - n) * MAX_ORDER + (table.order[pair_hyp] - 1),
        weights=contribution,
        minlength=len(flat) * MAX_ORDER,
    ).reshape(len(flat), MAX_ORDER)
    norm_hyp = norm[owner]
    norm_ref = norm[ref_sentences]
    both = (norm_hyp != 0) & (norm_ref != 0)
    val = np.where(both, val / np.where(both, norm_hyp * norm_ref, 1.0), val)
    delta = length[owner] - length[ref_sentences]
    val *= (np.e ** (-(delta**2) / (2 * CIDER_SIGMA**2)))[:, None]
    per_sample = np.zeros((n, MAX_ORDER))
    np.add.at(per_sample, owner, val)
    scores = per_sample.mean(axis=1) / refs_per_sample * 10.0
    return float(np.mean(scores)), scores


# --- ROUGE-L ---------------------------------------------------------------------------------------------
def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence (bit-parallel; same integer as the toolkit's ``my_lcs``)."""
    if not a or not b:
        return 0
    masks: dict[str, int] = {}
    for i, token in enumerate(a):
        masks[token] = masks.get(token, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for token in b:
        u = v & masks.get(token, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - bin(v).count("1")


def rouge_l(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], beta: float = 1.2
) -> tuple[float, np.ndarray]:
    scores = np.zeros(len(hypotheses))
    for i, (hypothesis, refs) in enumerate(zip(hypotheses, references, strict=True)):
        candidate = hypothesis.split(" ")
        precision, recall = [], []
        for reference in refs:
            tokens = reference.split(" ")
            lcs = lcs_length(tokens, candidate)
            precision.append(lcs / float(len(candidate)))
            recall.append(lcs / float(len(tokens)))
        p, r = max(precision), max(recall)
        scores[i] = ((1 + beta**2) * p * r) / float(r + beta**2 * p) if p != 0 and r != 0 else 0.0
    return float(np.mean(scores)) if len(scores) else float("nan"), scores
