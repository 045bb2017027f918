"""The METEOR driver (java/ExplorerMeteor.java) against the jar's own main: same statistics, same scores."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from explorer.demo.captions import caption_4v, caption_35
from explorer.demo.landcover import BIOME_MIXES, worldcover_tile
from explorer.evaluate.meteor import MeteorPool, MeteorProcess, driver_classes

pytest.importorskip("pycocoevalcap.eval")
if shutil.which("java") is None:
    pytest.skip("needs Java (apt-get install default-jre-headless)", allow_module_level=True)
if shutil.which("javac") is None:
    pytest.skip("the METEOR driver needs javac (default-jdk-headless)", allow_module_level=True)


def _pairs() -> tuple[list[str], list[list[str]]]:
    """ChatEarthNet-like pairs (long, repetitive: many candidate matches, so the beam matters) and edge cases."""
    rng = np.random.default_rng(7)
    maps = [worldcover_tile(rng, biome, size=64) for biome in BIOME_MIXES]
    hyps, refs = [], []
    for i in range(60):
        tile = maps[i % len(maps)]
        hyps.append(caption_35(np.random.default_rng([7, 1, i]), tile))
        refs.append([caption_4v(np.random.default_rng([7, 2, i]), tile)])
    refs[1].append(caption_35(np.random.default_rng([7, 3, 1]), maps[1]))  # several references
    hyps += [
        "",  # empty output
        "a dense forest covers the north .",  # identical to its reference: exact matches only
        "Cropland, CROPLAND and crops ; villages (built-up) in the south-east: 90 % of it!",
        "snow and ice cover the mountains in the north-west corner",
        "trees , grassland and cropland are spread evenly across the picture",
        "Forêt dense et rivière — «nord» 東京",
    ]
    refs += [
        ["a river crosses the scene from west to east ."],
        ["a dense forest covers the north ."],
        ["Mostly fields and crop land, with a village in the lower right ( south-east ) ."],
        ["ice and snow cover the mountain ranges of the northwest", "glaciers in the north-west"],
        ["a mix of trees , grass and cropland , evenly spread"],
        ["forêt dense , rivière au nord"],
    ]
    return hyps, refs


@pytest.fixture(scope="module")
def jar_answers():
    hyps, refs = _pairs()
    with MeteorProcess(driver=False) as meteor:
        assert not meteor.driven
        corpus, per_sample, stats = meteor.score(hyps, refs)
        subset = meteor.corpus([stats[::3]])[0]  # EVAL of stored statistics
        return (corpus, per_sample, stats), subset


def test_driver__compiles_into_the_cache():
    folder = driver_classes()
    assert folder is not None
    assert (folder / "edu" / "cmu" / "meteor" / "aligner" / "ExplorerMeteor.class").is_file()
    assert driver_classes() == folder  # compiled once


@pytest.mark.parametrize("threads", [1, 3])
def test_driver__statistics_and_scores_equal_the_jar(jar_answers, threads):
    hyps, refs = _pairs()
    with MeteorProcess(threads=threads) as meteor:
        assert meteor.driven
        corpus, per_sample, stats = meteor.score(hyps, refs)
    (jar_corpus, jar_per_sample, jar_stats), _ = jar_answers
    assert stats == jar_stats  # the jar's statistics lines, character for character
    assert per_sample == jar_per_sample
    assert corpus == jar_corpus
    assert 0.0 < corpus < 1.0
    assert per_sample[60] == 0.0  # empty output


def test_meteor_pool__driver_threads_and_several_jar_jvms_agree(jar_answers):
    hyps, refs = _pairs()
    with MeteorPool(workers=2, min_per_worker=1, driver=False) as pool:
        corpus, per_sample, stats = pool.score(hyps, refs)
        assert len(pool._processes) == 2
    whole, subset = jar_answers
    assert (corpus, per_sample, stats) == whole
    with MeteorPool(workers=2, min_per_worker=1) as pool:
        assert pool.score(hyps, refs) == whole
        assert len(pool._processes) == 1  # one JVM, two alignment threads
        assert pool.corpus([stats[::3], []]) == [subset, pytest.approx(float("nan"), nan_ok=True)]
