"""Near duplicates: the MinHash signatures the audit's tasks compute are the client's own, and merging them
gives the same verdicts as hashing every caption in the client."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from explorer.audit import duplicates
from explorer.audit.run import MINHASH_DIR, audit_folder
from explorer.audit.verdicts import VerdictRows


def test_signatures__batched_equal_one_text_at_a_time() -> None:
    texts = ["a river crosses the forest", "", "a", "a a a a", "the forest the forest near the river"] * 3
    together = duplicates.signatures(texts)
    for i, text in enumerate(texts):
        np.testing.assert_array_equal(duplicates.signatures([text])[0], together[i])
    assert len(duplicates.shingles("a b c")) == 6 and duplicates.shingles("") == {b""}


def test_crc32_runs__equal_zlib_crc32_of_each_run() -> None:
    import zlib

    rng = np.random.default_rng(7)
    runs = ["", "a", "forest land", "x" * 300]
    runs += ["".join(map(chr, rng.integers(32, 127, size=int(rng.integers(0, 40))))) for _ in range(500)]
    lengths = np.array([len(r) for r in runs], dtype=np.int64)
    got = duplicates._crc32_runs(np.frombuffer("".join(runs).encode("ascii"), dtype=np.uint8), lengths)
    np.testing.assert_array_equal(got, np.array([zlib.crc32(r.encode()) for r in runs], dtype=np.uint64))
    # a batch with a non-ASCII text takes the per-shingle zlib path: the same signatures as the runs' path
    mixed = duplicates.signatures(["café près du lac", "a river crosses the forest"])
    np.testing.assert_array_equal(mixed[1], duplicates.signatures(["a river crosses the forest"])[0])


def test_near_duplicates__task_signatures_give_the_client_verdicts(planted: dict[str, Any]) -> None:
    for catalog in planted["catalogs"].values():
        parts = sorted((audit_folder(catalog) / MINHASH_DIR).glob("part-*.parquet"))
        assert parts, catalog.name
        known = duplicates.read_signature_tables(pq.read_table(p) for p in parts)
        norms = list(known.row_of)
        np.testing.assert_array_equal(known.matrix, duplicates.signatures(norms))
        table = catalog.annotations
        captions = table.filter(pa.compute.equal(table.column("kind"), "caption")).to_pandas()
        captions["country"] = None
        with_known, alone = VerdictRows(), VerdictRows()
        duplicates.check_duplicates(captions, with_known, known=known)
        duplicates.check_duplicates(captions, alone)
        assert with_known.table().equals(alone.table())
        assert "near-duplicate" in set(with_known.table().column("rule").to_pylist())
        some = duplicates.Signatures({n: i for i, n in enumerate(norms[:1])}, known.matrix[:1])
        partial = VerdictRows()
        duplicates.check_duplicates(captions, partial, known=some)  # the rest hashed in the client
        assert partial.table().equals(alone.table())


def test_normalise_keeps_the_words_the_pattern_finds() -> None:
    """The ASCII fast path (other characters to spaces, split) gives the regular expression's words."""
    import random
    import re

    from explorer.audit.duplicates import normalise

    def by_pattern(text: str | None) -> str:
        return " ".join(re.findall(r"[a-z0-9]+", (text or "").lower()))

    rnd = random.Random(7)
    texts = [
        "Hello, World! 42x",
        "a\tb\nc\x0bd\x1ce\x1ff",
        "x-y_z  __a",
        "",
        None,
        "ÄBC déf",
        "\u212a",
        "İstanbul",
    ]
    texts += ["".join(chr(rnd.randrange(0, 300)) for _ in range(rnd.randrange(30))) for _ in range(3000)]
    for text in texts:
        assert normalise(text) == by_pattern(text)
    assert normalise("The  Pastures, near URBAN fabric.") == "the pastures near urban fabric"


def test_templatedness__task_skeleton_counts_summed_give_the_same_figures() -> None:
    """Counted per task and summed (ties among the top skeletons in order of first appearance, as
    ``value_counts`` has them) equals counting every caption at once; per source too."""
    import random

    import pandas as pd

    rnd = random.Random(4)
    words = ["forest", "pastures", "a river", "the town", "fields", "lakes", "roads", "beaches", "hills"]
    texts: list[str | None] = [
        ". ".join(f"{rnd.choice(words)} lies near {rnd.choice(words)}" for _ in range(rnd.randrange(1, 4)))
        for _ in range(600)
    ] + [None, "", "42."]
    rnd.shuffle(texts)
    sources = [rnd.choice(["gpt-3.5", "gpt-4v", None]) for _ in texts]
    tables = [
        duplicates.skeleton_counts(texts[a : a + 70], sources[a : a + 70]) for a in range(0, len(texts), 70)
    ]
    counted, captions = duplicates.merge_skeleton_counts(tables)
    assert captions == len(texts)
    series = pd.Series(texts, dtype=object)
    whole = duplicates.templatedness(series, top=40)
    assert duplicates.templatedness(series, top=40, counts=counted[None]) == whole
    ties = [s["sentences"] for s in whole["top_skeletons"]]
    assert len(set(ties)) < len(ties)  # equal counts among the top: their order is checked too
    scope = pd.Series(sources, dtype=object).fillna("(none)")
    for source in ("gpt-3.5", "gpt-4v", "(none)"):
        mine = series[(scope == source).to_numpy()]
        assert duplicates.templatedness(mine, top=40, counts=counted[source]) == duplicates.templatedness(
            mine, top=40
        )
