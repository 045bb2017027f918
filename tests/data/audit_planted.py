"""Small BigEarthNet.txt and ChatEarthNet folders with PLANTED disagreements of every kind the audit checks.

Built from the explorer's synthetic demo (``write_demo``: every text true to its map by construction), then
edited, seeded and deterministic. ``make(root)`` returns the expected disputes as a list of
``[dataset, sample_id, rule]`` (one entry per expected dispute) and the samples whose map was removed
(every map claim of them must be not evaluable), and writes the same to ``root/expected.json``.

Planted in BigEarthNet.txt: a flipped yes/no of every binary category (presence, area, count, adjacency,
relative position, season, country, climate zone), a wrong multiple-choice letter, a misplaced box, a wrong
caption area, an absent class named in a caption, a swapped "most prominent" class, an S1 product dated 30
days off, a question on a class the legend lacks (not evaluable) and one deleted reference map.
Planted in ChatEarthNet: a hallucinated class in a region, a class in a region where it has no pixel, a wrong
proportion word, a class placed "in the north-eastern part" (top right) where it has no pixel (and one truly
in the "upper left corner": agreement), a "% of the scene" figure 30 points off the map (and one that is
right), "no <class>" for a class that is there, "no <class>" for an absent one (must NOT count as a
mention), a banned word, two cross-image comparisons, a padding repeat, the same caption on two images, a
near-duplicate pair, a constant (placeholder) image and one deleted land-cover map.

Run: python tests/data/audit_planted.py OUTDIR
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import tifffile
from PIL import Image

from explorer.demo import write_demo
from explorer.demo.captions import chatearthnet_names, region_slices
from explorer.demo.instructions import map_facts
from explorer.legends import CHATEARTHNET, CORINE19

SEED = 7
THRESHOLD_PX = 20  # the prompt's threshold: a class counts in a region from 20 pixels on
N_SAMPLES = 10
BEN = "bigearthnet-demo"
CEN = "chatearthnet-demo"
NEAR_TEXT = (
    "A cloud free optical scene recorded from far above on a calm clear morning with long soft shadows "
    "and no haze at all over the whole frame seen in {}"
)


def _reference_map(root: Path, patch_id: str) -> Path:
    product = "_".join(patch_id.split("_")[:-2])
    return root / "Reference_Maps" / product / patch_id / f"{patch_id}_reference_map.tif"


def _flip(answer: str) -> str:
    return "no" if answer.strip().lower().startswith("yes") else "yes"


def plant_bigearthnet(root: Path) -> tuple[list[list[str]], list[str]]:
    path = root / "BigEarthNet.txt.parquet"
    table = pq.read_table(path)
    frame = table.to_pandas()
    expected: list[list[str]] = []
    patches = sorted(frame["patch_id"].unique())
    facts = {p: map_facts(tifffile.imread(_reference_map(root, p))) for p in patches}
    removed = patches[-1]  # its map is deleted: nothing of it may be disputed
    usable = frame["patch_id"] != removed
    rule_of = {"relative pos": "relative-position", "climate zone": "climate-zone"}
    for category in ("presence", "count", "adjacency", "relative pos", "season", "country", "climate zone"):
        rows = frame.index[usable & (frame["type"] == "binary") & (frame["category"] == category)]
        i = rows[0]
        frame.loc[i, "output"] = _flip(frame.loc[i, "output"])
        expected.append([BEN, frame.loc[i, "patch_id"], rule_of.get(category, category)])
    share_rows = frame.index[
        usable
        & (frame["type"] == "binary")
        & (frame["category"] == "area")
        & frame["input"].str.contains("%")
    ]
    frame.loc[share_rows[0], "output"] = _flip(frame.loc[share_rows[0], "output"])
    expected.append([BEN, frame.loc[share_rows[0], "patch_id"], "area-share"])
    mcq = frame.index[usable & (frame["type"] == "mcq") & (frame["category"] == "presence")][0]
    frame.loc[mcq, "output"] = "abcd"[("abcd".index(frame.loc[mcq, "output"].strip()[0]) + 1) % 4]
    expected.append([BEN, frame.loc[mcq, "patch_id"], "presence"])
    box = frame.index[usable & (frame["category"] == "reference")][0]
    x0 = float(re.findall(r"[\d.]+", frame.loc[box, "output"])[0])
    frame.loc[box, "output"] = "[0.9 0.9, 1.0 1.0]" if x0 < 0.45 else "[0.0 0.0, 0.1 0.1]"
    expected.append([BEN, frame.loc[box, "patch_id"], "box-reference"])

    captions = frame.index[usable & (frame["type"] == "captioning")]
    # 1: a caption area three times too large
    i = captions[0]
    text = frame.loc[i, "output"]
    match = re.search(r"\(~([\d,]+) sqm\)", text)
    assert match is not None
    wrong = int(match.group(1).replace(",", "")) * 3
    frame.loc[i, "output"] = text[: match.start(1)] + f"{wrong:,}" + text[match.end(1) :]
    expected.append([BEN, frame.loc[i, "patch_id"], "caption-area"])
    # 2: a class the map lacks
    i = captions[1]
    absent = [c for c in facts[frame.loc[i, "patch_id"]].absent]
    frame.loc[i, "output"] = frame.loc[i, "output"] + f" {CORINE19.names[absent[0]]} can be seen."
    expected.append([BEN, frame.loc[i, "patch_id"], "caption-class"])
    # 3: the most prominent class swapped for the second largest (its area then no longer fits either)
    i = next(c for c in captions[2:] if len(facts[frame.loc[c, "patch_id"]].present) > 1)
    f = facts[frame.loc[i, "patch_id"]]
    order = [int(c) for c in np.argsort(-f.counts, kind="stable")]
    top, second = CORINE19.names[order[0]], CORINE19.names[order[1]]
    frame.loc[i, "output"] = frame.loc[i, "output"].replace(f"{top} (~", f"{second} (~", 1)
    expected.append([BEN, frame.loc[i, "patch_id"], "caption-most-prominent"])
    expected.append([BEN, frame.loc[i, "patch_id"], "caption-area"])

    # a Sentinel-1 product 30 days off its Sentinel-2 patch
    gap_patch = patches[0]
    s1 = frame.loc[frame["patch_id"] == gap_patch, "s1_name"].iloc[0]
    stamp = re.search(r"_(\d{8})T", s1)
    assert stamp is not None
    shifted = (pd.Timestamp(stamp.group(1)) + pd.Timedelta(days=30)).strftime("%Y%m%d")
    frame.loc[frame["patch_id"] == gap_patch, "s1_name"] = s1.replace(stamp.group(1), shifted)
    expected.append([BEN, gap_patch, "s1-s2-date-gap"])

    # not evaluable: a class the legend lacks
    extra = frame.loc[[captions[0]]].copy()
    extra["ID"] = int(frame["ID"].max()) + 1
    extra["type"], extra["category"] = "binary", "presence"
    extra["input"], extra["output"] = "Is there any snow in the image?", "no"
    frame = pd.concat([frame, extra], ignore_index=True)

    pq.write_table(pa.Table.from_pandas(frame, schema=table.schema, preserve_index=False), path)
    _reference_map(root, removed).unlink()
    return expected, [removed]


def _index(root: Path, stem: str) -> np.ndarray:
    return chatearthnet_names(np.asarray(Image.open(root / "landcover" / f"{stem}.png")))


def _region_count(index: np.ndarray, region: str, cls: str) -> int:
    rows, cols = region_slices(index.shape[0])[region]
    return int((index[rows, cols] == CHATEARTHNET.names.index(cls) + 1).sum())


def _share(index: np.ndarray, region: str, cls: str) -> float:
    rows, cols = region_slices(index.shape[0])[region]
    part = index[rows, cols]
    return float((part == CHATEARTHNET.names.index(cls) + 1).sum() / max(int((part > 0).sum()), 1))


def plant_chatearthnet(root: Path) -> tuple[list[list[str]], list[str]]:
    folder = root / "json_files"
    for path in folder.glob("ChatEarthNet_caps_4v_*.json"):  # 4V-style demo captions say "appears": banned
        path.unlink()
    files = sorted(folder.glob("ChatEarthNet_caps_35_*.json"))
    records: dict[Path, list[dict[str, Any]]] = {p: json.loads(p.read_text()) for p in files}
    where = {r["image"][:-4]: (p, k) for p, rs in records.items() for k, r in enumerate(rs)}
    stems = sorted(where)
    index = {s: _index(root, s) for s in stems}
    names = CHATEARTHNET.names
    expected: list[list[str]] = []

    def append(stem: str, sentence: str) -> None:
        path, k = where[stem]
        records[path][k]["caption"] = records[path][k]["caption"] + " " + sentence

    def count(stem: str, cls: str) -> int:
        return int((index[stem] == names.index(cls) + 1).sum())

    removed = stems[-1]
    # hallucination: a class absent from the whole map, claimed in a region
    s = stems[0]
    ghost = next(c for c in ("snow", "mangroves", "moss", "wetland") if count(s, c) == 0)
    append(s, f"There is also some {ghost} in the top right.")
    expected += [[CEN, s, "class-mention"], [CEN, s, "class-in-region"]]
    # a class of the map claimed in a region where it has no pixel
    s, cls, region = next(
        (s, c, r)
        for s in stems[1:-1]
        for c in names
        for r in ("top left", "bottom right")
        if count(s, c) >= 20 and _region_count(index[s], r, c) == 0
    )
    append(s, f"Some {cls} lies in the {region}.")
    expected.append([CEN, s, "class-in-region"])
    # a wrong proportion word, far from the bin edges
    s, cls, share = next(
        (s, c, _share(index[s], "middle", c))
        for s in stems[2:-1]
        for c in names
        if _region_count(index[s], "middle", c) >= 20
        and 0.25 <= _share(index[s], "middle", c) <= 0.45
        or _region_count(index[s], "middle", c) >= 20
        and _share(index[s], "middle", c) >= 0.55
    )
    word = "extra small" if share >= 0.25 else "extra large"
    append(s, f"In the middle, there is an {word} portion of {cls}.")
    expected.append([CEN, s, "proportion-word"])
    # negation: "no <class>" for a class that is there (dispute) and for an absent one (agree, and no mention)
    s = stems[3]
    there = next(c for c in names if count(s, c) >= 20)
    gone = next(c for c in ("snow", "mangroves", "moss", "wetland") if count(s, c) == 0)
    append(s, f"There is no {there} here. There is no {gone} here.")
    expected.append([CEN, s, "negated-mention"])
    # banned word and cross-image comparisons
    s = stems[4]
    append(s, "The scene possibly looks calm.")
    expected.append([CEN, s, "banned-word"])
    path, k = where[s]
    records[path][k]["caption"] = (
        "Similarly, " + records[path][k]["caption"] + " This is similar to other images."
    )
    expected += [[CEN, s, "cross-image"], [CEN, s, "cross-image"]]
    # padding: one image's caption repeated as a second reference
    s = stems[5]
    path, k = where[s]
    records[path][k]["caption"] = [records[path][k]["caption"], records[path][k]["caption"]]
    expected.append([CEN, s, "padding-repeat"])
    # the same caption on two images; a near-duplicate pair on two others (extra references of those images)
    for s, text in (
        (stems[6], "A plain scene."),
        (stems[7], "A plain scene."),
        (stems[1], NEAR_TEXT.format("spring")),
        (stems[2], NEAR_TEXT.format("autumn")),
    ):
        path, k = where[s]
        records[path][k]["caption"] = [records[path][k]["caption"], text]
    expected += [[CEN, stems[6], "same-caption-other-image"], [CEN, stems[7], "same-caption-other-image"]]
    expected += [[CEN, stems[1], "near-duplicate"], [CEN, stems[2], "near-duplicate"]]
    # a constant (placeholder) image
    s = stems[8]
    for png in root.glob(f"s2_*/**/{s}.png"):
        Image.fromarray(np.zeros((256, 256, 3), dtype=np.uint8)).save(png)
    expected.append([CEN, s, "image-defect"])

    # compass and corner phrasings of the prompt's regions (samples whose caption is still one string)
    single = [stems[0], stems[3], stems[4], stems[8]]
    s, cls = next(
        (s, c)
        for s in single
        for c in names
        if count(s, c) >= 20 and _region_count(index[s], "top right", c) == 0
    )
    append(s, f"Some {cls} is found in the north-eastern part.")
    expected.append([CEN, s, "class-in-region"])
    s, cls = next(
        (s, c) for s in single for c in names if _region_count(index[s], "top left", c) >= THRESHOLD_PX
    )
    append(s, f"The upper left corner holds {cls}.")  # true: no dispute
    # percentages of the whole image (share of all its pixels): one 30 points off, one right
    s = single[3]
    cls = next(c for c in names if count(s, c) >= 20)
    true = 100 * count(s, cls) / index[s].size
    append(s, f"{cls.capitalize()} covers about {round(true + 30 if true < 60 else true - 30)} % of the scene.")
    expected.append([CEN, s, "percent-share"])
    s = single[1]
    cls = next(c for c in names if count(s, c) >= 20)
    append(s, f"{cls.capitalize()} accounts for {100 * count(s, cls) / index[s].size:.1f} percent of the image.")

    for path, rs in records.items():
        path.write_text(json.dumps(rs, indent=2))
    (root / "landcover" / f"{removed}.png").unlink()
    return expected, [removed]


def make(root: Path) -> dict[str, Any]:
    root = Path(root)
    folders = write_demo(root, seed=SEED, n_chatearthnet=N_SAMPLES, n_bigearthnet=N_SAMPLES)
    ben, ben_removed = plant_bigearthnet(folders[BEN])
    cen, cen_removed = plant_chatearthnet(folders[CEN])
    expected = {"disputes": sorted(ben + cen), "maps_removed": {BEN: ben_removed, CEN: cen_removed}}
    (root / "expected.json").write_text(json.dumps(expected, indent=2))
    return expected


if __name__ == "__main__":
    print(json.dumps(make(Path(sys.argv[1])), indent=2))
