"""Full-text index: built with the catalog, agrees with a naive word scan, ranks, and the regex slow path."""

from __future__ import annotations

import re
import threading

import numpy as np
import pytest

from explorer import catalog, fulltext
from explorer.fulltext import FullTextError, parse, run_scan


@pytest.fixture(autouse=True)
def _isolated_places(tmp_path, monkeypatch):
    monkeypatch.setenv("EO_EXPLORER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("EO_EXPLORER_REGISTRY", str(tmp_path / "registry.json"))


@pytest.fixture(scope="module")
def ben(tmp_path_factory):
    from explorer.demo import write_demo

    out = tmp_path_factory.mktemp("ft-demo")
    write_demo(out, n_chatearthnet=12, n_bigearthnet=12)
    cat, _ = catalog.build_catalog(out / "bigearthnet-demo", out=out / "catalog")
    return cat


def _naive(cat: catalog.Catalog, predicate) -> np.ndarray:
    """Samples with a searchable text for which ``predicate(text)`` holds, row by row in Python."""
    texts, sidx = fulltext.searchable(cat.annotations)
    hits = {int(s) for t, s in zip(texts.to_pylist(), sidx, strict=True) if t is not None and predicate(t)}
    return np.array(sorted(hits), dtype=np.int64)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def test_build_catalog__writes_the_index_beside_the_catalog(ben):
    assert ben.has_fulltext
    assert (ben.path / "fulltext" / "post_text.npy").is_file()
    index = ben.fulltext
    assert index.n_texts > 0
    assert int(index.n_rows.sum()) == len(fulltext.searchable(ben.annotations)[1])


def test_build_from_summaries__any_slicing_gives_the_same_index(tmp_path):
    # The parallel build summarises each worker's batches, the sequential one 1 M-row groups: the index files
    # must not depend on where the rows were cut (texts repeated across slices, nulls, a non-ASCII text).
    import pyarrow as pa

    from explorer.model import KIND_CAPTION

    rng = np.random.default_rng(5)
    words = ["forest", "Wald", "river", "café", "urban", "sea", ""]
    n = 300
    texts = [None if i % 17 == 0 else " ".join(rng.choice(words, 3)) for i in range(n)]
    table = pa.table(
        {
            "kind": pa.array([KIND_CAPTION if i % 3 else "vqa" for i in range(n)]),
            "input": pa.array(texts),
            "output": pa.array([texts[(i * 7) % n] for i in range(n)]),
            "sidx": pa.array(rng.integers(0, 40, n).astype(np.int32)),
        }
    )
    whole = fulltext.build_from_summaries([fulltext.summarise(table, 40)], 40, tmp_path / "whole")
    cuts = [0, 1, 50, 51, 200, n]
    sliced = fulltext.build_from_summaries(
        [fulltext.summarise(table.slice(a, b - a), 40) for a, b in zip(cuts, cuts[1:], strict=False)][::-1],
        40,
        tmp_path / "sliced",
    )
    names = sorted(p.name for p in whole.iterdir())
    assert "texts.arrow" in names and names == sorted(p.name for p in sliced.iterdir())
    for name in names:
        assert (whole / name).read_bytes() == (sliced / name).read_bytes(), name
    index = fulltext.FullTextIndex(tmp_path / "sliced")
    searched = {t for t in texts} | {texts[(i * 7) % n] for i in range(n) if i % 3}
    assert index.n_texts == len(searched - {None})


@pytest.mark.parametrize("word", ["forest", "arable", "adjacent"])
def test_search__word_matches_naive_word_scan(ben, word):
    result = ben.search(word)
    expected = _naive(ben, lambda t: word in _words(t))
    assert expected.size > 0
    np.testing.assert_array_equal(result.sidx, expected)


def test_search__case_insensitive_and_prefix(ben):
    np.testing.assert_array_equal(ben.search("FOREST").sidx, ben.search("forest").sidx)
    prefix = ben.search("fores*")
    expected = _naive(ben, lambda t: any(w.startswith("fores") for w in _words(t)))
    np.testing.assert_array_equal(prefix.sidx, expected)


def test_search__phrase_is_stricter_than_its_words(ben):
    phrase = ben.search('"coniferous forest"')
    both = ben.search("coniferous forest")
    expected = _naive(ben, lambda t: "coniferous forest" in " ".join(_words(t)))
    np.testing.assert_array_equal(phrase.sidx, expected)
    assert phrase.n_texts <= both.n_texts


def test_search__or_and_exclusion(ben):
    either = ben.search("forest OR arable")
    expected = np.union1d(ben.search("forest").sidx, ben.search("arable").sidx)
    np.testing.assert_array_equal(either.sidx, expected)
    without = ben.search("forest -arable")
    expected_texts = _naive(ben, lambda t: "forest" in _words(t) and "arable" not in _words(t))
    np.testing.assert_array_equal(without.sidx, expected_texts)


def test_search__ranked_texts_are_distinct_best_first_and_counted(ben):
    result = ben.search("forest", limit=10)
    ranked = result.ranked
    assert 0 < len(ranked) <= 10
    assert ranked["text"].is_unique
    assert list(ranked["score"]) == sorted(ranked["score"], reverse=True)
    assert all("forest" in _words(t) for t in ranked["text"])
    texts, sidx = fulltext.searchable(ben.annotations)
    for _, row in ranked.head(3).iterrows():
        carriers = [int(s) for t, s in zip(texts.to_pylist(), sidx, strict=True) if t == row["text"]]
        assert row["rows"] == len(carriers)
        assert row["samples"] == len(set(carriers))
        assert row["sample_sidx"] in carriers


def test_search__no_match_and_punctuation_are_not_errors(ben):
    assert ben.search("zzzqqq").n_samples == 0
    assert ben.search('forest AND "NEAR(').n_samples >= 0  # FTS5 operators in user input are plain words


@pytest.mark.parametrize("query", ["", "   ", "!!!", "-forest"])
def test_parse__nothing_to_search_is_a_clear_error(query):
    with pytest.raises(FullTextError):
        parse(query)


def test_index__is_shared_between_threads(ben):
    expected = ben.search("forest").sidx
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(ben.search("forest").sidx)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    for found in results:
        np.testing.assert_array_equal(found, expected)


def test_catalog_without_index__says_how_to_get_one(ben, tmp_path):
    cat, _ = catalog.build_catalog(ben.root, out=tmp_path / "plain", with_fulltext=False)
    assert not cat.has_fulltext
    with pytest.raises(FullTextError, match="eo-explorer index"):
        cat.search("forest")


def test_regex_scan__agrees_with_python_re_and_reports_progress(ben):
    steps = list(ben.regex_scan(r"fores?t\b", chunk_rows=500))
    assert [s.rows_done for s in steps[:-1]] == sorted(s.rows_done for s in steps[:-1])
    last = steps[-1]
    assert last.done and not last.cancelled and last.rows_done == ben.annotations.num_rows
    expected = _naive(ben, lambda t: re.search(r"fores?t\b", t, re.IGNORECASE) is not None)
    np.testing.assert_array_equal(last.sidx, expected)


def test_regex_scan__cancel_stops_early(ben):
    cancel = threading.Event()
    scan = ben.regex_scan("forest", cancel=cancel, chunk_rows=100)
    first = next(scan)
    cancel.set()
    last = run_scan(scan)
    assert last.cancelled and not last.done
    assert first.rows_done <= last.rows_done < ben.annotations.num_rows


def test_regex_scan__bad_pattern_is_a_clear_error(ben):
    with pytest.raises(FullTextError, match="invalid regular expression"):
        next(ben.regex_scan("fo(rest"))


def test_dashboard_text_filter__goes_through_the_index_and_regex_still_scans(ben):
    from explorer.dashboard.query import InvalidQuery, search_annotations, search_samples

    np.testing.assert_array_equal(search_samples(ben, "forest", regex=False), ben.search("forest").sidx)
    np.testing.assert_array_equal(
        search_samples(ben, "fores?t", regex=True), search_annotations(ben.annotations, "fores?t", True)
    )
    with pytest.raises(InvalidQuery):
        search_samples(ben, "!!!", regex=False)


def test_tokenise__bytes_path_and_unicode_path_agree_with_the_query_side():
    import pyarrow as pa

    texts = [
        "Which classes share a boundary? a) Pastures, b) Inland_waters",
        "",
        "...leading and trailing!!",
        "X2 sentinel-1 10m",
        "Forêt de conifères près d'Évian",
        "Café—crème «bio»",
        "森林和水体 forest",
        "Ünïcödé ÀND ascii",
    ]
    ascii_first = sorted(texts, key=lambda t: not t.isascii())
    tokens, owner = fulltext._tokenise(pa.array(ascii_first, pa.large_string()))
    tokens = tokens.to_pylist()
    for i, text in enumerate(ascii_first):
        assert [t for t, o in zip(tokens, owner, strict=True) if o == i] == fulltext.normalise_words(text), text
    assert fulltext.normalise_words("Forêt ÉVIAN") == ["foret", "evian"]


@pytest.mark.parametrize("query", ["forest", "coniferous forest", '"arable land"', "fores*"])
def test_ranked__scores_are_sqlite_fts5_bm25(ben, query):
    """The BM25 of the index is FTS5's formula: the same scores as SQLite's bm25() over the same texts."""
    import sqlite3

    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize='unicode61 remove_diacritics 2')")
    except sqlite3.OperationalError:
        pytest.skip("this Python's SQLite has no FTS5")
    texts = ben.fulltext.texts.to_pylist()
    db.executemany("INSERT INTO t(rowid, text) VALUES (?, ?)", enumerate(texts))
    parsed = parse(query)
    expression = " AND ".join(
        '"' + " ".join(term.words) + '"' + (" *" if term.prefix else "") for (term,) in parsed.groups
    )
    expected = {
        texts[rowid]: score
        for rowid, score in db.execute("SELECT rowid, -bm25(t) FROM t WHERE t MATCH ?", (expression,))
    }
    ranked = ben.fulltext.ranked(query, limit=len(texts))
    assert len(ranked) == len(expected) > 0
    got = dict(zip(ranked["text"], ranked["score"], strict=True))
    assert got.keys() == expected.keys()
    np.testing.assert_allclose([got[t] for t in expected], list(expected.values()), rtol=1e-9)
