"""The vectorised LSH banding finds the pairs ``datasketch.MinHashLSH`` finds, with its Jaccard estimates."""

from __future__ import annotations

import random

import numpy as np

from explorer.audit import duplicates, lsh


def _templated_texts(n: int, seed: int) -> list[str]:
    """Captions from a few templates and a small vocabulary: many near and exact copies, many far ones."""
    rnd = random.Random(seed)
    classes = ["forest", "pastures", "arable land", "urban fabric", "inland waters", "wetlands", "beaches"]
    places = ["top left", "bottom right", "centre", "north", "south east"]
    templates = [
        "the image shows {a} in the {p} and some {b} near the {q}",
        "a patch of {a} with {b} around it",
        "{a} covers most of the area, {b} appears in the {p}",
    ]
    texts = []
    for _ in range(n):
        t = rnd.choice(templates).format(
            a=rnd.choice(classes), b=rnd.choice(classes), p=rnd.choice(places), q=rnd.choice(places)
        )
        if rnd.random() < 0.3:
            t += " " + " ".join(rnd.choice(classes) for _ in range(rnd.randrange(1, 4)))
        texts.append(duplicates.normalise(t))
    return list(dict.fromkeys(texts))


def test_candidate_pairs__equal_datasketch_query_on_a_seeded_set() -> None:
    from datasketch import MinHash, MinHashLSH

    keys = _templated_texts(1500, seed=3)
    matrix = duplicates.signatures(keys)
    index = MinHashLSH(threshold=duplicates.NEAR_THRESHOLD, num_perm=duplicates.NUM_PERM)
    hashes = [MinHash(num_perm=duplicates.NUM_PERM, hashvalues=h, scheme="legacy") for h in matrix]
    for i, mh in enumerate(hashes):
        index.insert(i, mh)
    expected = {(i, j) for i, mh in enumerate(hashes) for j in index.query(mh) if i < j}
    first, second = lsh.candidate_pairs(matrix, lsh.bands(duplicates.NEAR_THRESHOLD, duplicates.NUM_PERM))
    assert set(zip(first.tolist(), second.tolist(), strict=True)) == expected
    assert len(expected) > 1000  # the set has many candidates, near and not

    near = lsh.near_pairs(matrix, duplicates.NEAR_THRESHOLD)
    want = {
        (i, j): float(hashes[i].jaccard(hashes[j]))
        for i, j in expected
        if hashes[i].jaccard(hashes[j]) >= duplicates.NEAR_THRESHOLD
    }
    got = dict(
        zip(zip(near.first.tolist(), near.second.tolist(), strict=True), near.score.tolist(), strict=True)
    )
    assert got == want and 0 < len(want) < len(expected)


def test_candidate_pairs__empty_and_single_rows() -> None:
    ranges = lsh.bands(duplicates.NEAR_THRESHOLD, duplicates.NUM_PERM)
    for n in (0, 1):
        first, second = lsh.candidate_pairs(np.zeros((n, duplicates.NUM_PERM), np.uint64), ranges)
        assert first.size == second.size == 0
    same = np.ones((3, duplicates.NUM_PERM), np.uint64)  # three equal signatures: every pair, once
    first, second = lsh.candidate_pairs(same, ranges)
    assert list(zip(first.tolist(), second.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 2)]


def test_near_duplicates__datasketch_verdicts_on_a_seeded_set() -> None:
    """Each caption's nearest other caption from another image, as the datasketch index loop found it; where
    several are equally near the first in the frame's order (datasketch's pick followed a set's order)."""
    import pandas as pd
    from datasketch import MinHash, MinHashLSH

    rnd = random.Random(5)
    texts = _templated_texts(900, seed=9)
    frame = pd.DataFrame(
        {"norm": texts + texts[:40], "sample_id": [f"s{rnd.randrange(700)}" for _ in range(len(texts) + 40)]}
    )
    got = duplicates._near_duplicates(frame)

    keys = frame["norm"].drop_duplicates().tolist()
    index = MinHashLSH(threshold=duplicates.NEAR_THRESHOLD, num_perm=duplicates.NUM_PERM)
    hashes = {
        k: MinHash(num_perm=duplicates.NUM_PERM, hashvalues=h, scheme="legacy")
        for k, h in zip(keys, duplicates.signatures(keys), strict=True)
    }
    for k, mh in hashes.items():
        index.insert(k, mh)
    samples = frame.groupby("norm")["sample_id"].agg(lambda s: sorted(set(s))).to_dict()
    rank = {k: i for i, k in enumerate(keys)}
    expected: dict[str, tuple[str, float]] = {}
    for key, mh in hashes.items():
        found = []
        for other in index.query(mh):
            theirs = [s for s in samples[other] if s not in samples[key]]
            score = float(mh.jaccard(hashes[other]))
            if other != key and theirs and score >= duplicates.NEAR_THRESHOLD:
                found.append((-score, rank[other], theirs[0]))
        if found:
            score, _, sample = min(found)
            expected[key] = (sample, -score)
    want = {i: expected[n] for i, n in enumerate(frame["norm"]) if n in expected}
    assert got == want and len(want) > 100
