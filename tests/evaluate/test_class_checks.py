"""The audit's class checks on model outputs: hallucinated classes found where the map lacks them, CHAIR."""

from __future__ import annotations

import numpy as np
import pandas as pd

from explorer.audit import chatearthnet_captions, maps
from explorer.evaluate.class_checks import chair, check_predictions


def _sample_with_map(catalog):
    for sidx, sample in enumerate(catalog.samples.to_dict("records")):
        if sample.get("layers") is not None and "landcover" in list(sample["layers"]):
            codes, legend = maps.read_codes(catalog, sample)
            facts = chatearthnet_captions.LandCoverFacts(chatearthnet_captions.chatearthnet_index(codes, legend))
            present = [c for c in chatearthnet_captions.NAMES if facts.count(c) > 0]
            absent = [c for c in chatearthnet_captions.NAMES if facts.count(c) == 0]
            if present and absent:
                return sidx, present, absent
    raise AssertionError("the demo has no sample with a land-cover map")


def test_check_predictions__a_class_the_map_lacks_is_hallucinated_and_marked(chat_catalog) -> None:
    sidx, present, absent = _sample_with_map(chat_catalog)
    texts = [
        f"In the top left there is {present[0]}, and some {absent[0]} in the middle.",
        f"There is {present[0]} here and no {absent[0]}.",  # negated: not a mention
        "",
    ]
    out = check_predictions(chat_catalog, [sidx, sidx, sidx], texts)
    assert out["class_mentions"].tolist() == [2, 1, 0]
    assert out["hallucinated_mentions"].tolist() == [1, 0, 0]
    (span,) = out["hallucinated_spans"].iloc[0]
    assert texts[0][span["start"] : span["end"]].lower().startswith(absent[0].split()[0])
    assert span["class_name"] == absent[0] and f"no {absent[0]} pixel" in span["from_map"]
    assert present[0] in span["from_map"]  # what the map holds instead
    scores = chair(out)
    assert scores["CHAIR_i"] == 1 / 3 and scores["CHAIR_s"] == 1 / 2


def test_check_predictions__bigearthnet_txt_names_checked_against_the_corine_map(big_catalog) -> None:
    from explorer.audit.corine_map import CorineMap
    from explorer.legends import CORINE19

    assert big_catalog.format == "bigearthnet-txt"
    sidx = -1
    for row, sample in enumerate(big_catalog.samples.to_dict("records")):
        if sample.get("layers") is not None and "landcover" in list(sample["layers"]):
            cmap = CorineMap(maps.read_codes(big_catalog, sample)[0])
            present = [n for k, n in enumerate(CORINE19.names) if cmap.counts[k] > 0]
            absent = [n for k, n in enumerate(CORINE19.names) if cmap.counts[k] == 0]
            if present and absent:
                sidx = row
                break
    else:
        raise AssertionError("the demo has no BigEarthNet sample with a reference map")
    text = f"{present[0]} covers most of the patch, beside some {absent[0]}."
    out = check_predictions(big_catalog, [sidx], [text])
    assert out["class_mentions"].tolist() == [2] and out["hallucinated_mentions"].tolist() == [1]
    (span,) = out["hallucinated_spans"].iloc[0]
    assert text[span["start"] : span["end"]] == absent[0] and span["class_name"] == absent[0]
    assert f"no {absent[0]} pixel in the reference map" in span["from_map"] and present[0] in span["from_map"]


def test_check_predictions__no_map_means_unchecked_never_zero(chat_catalog, big_catalog, tmp_path) -> None:
    import shutil

    from explorer.catalog import build_catalog

    folder = tmp_path / "bigearthnet-nomaps"
    shutil.copytree(big_catalog.root, folder)
    for tif in folder.rglob("*reference_map*.tif"):
        tif.unlink()  # a missing map leaves the output unchecked, it is not an agreement
    catalog, _ = build_catalog(folder, out=tmp_path / "cat")
    out = check_predictions(catalog, [0], ["There is water and forest."])
    assert out["class_mentions"].isna().all() and out["hallucinated_spans"].iloc[0] is None
    assert np.isnan(chair(out)["CHAIR_i"])
    assert np.isnan(chair(pd.DataFrame({"x": [1]}))["CHAIR_s"])
