"""Published facts per dataset, for the comparison table (Table A1 of the ChatEarthNet review response).

What the files cannot tell — how the captions were made, the published pair counts a partial download will not
reproduce, the coverage the authors claim — comes from here, each fact with its source, so a view can show it as
a published fact next to what the explorer measured. Nothing here is computed; ``explorer.stats`` measures the
rest (pairs, images, caption length, vocabulary, bands present, coverage from positions).

Sources used:

* ``TABLE_A1``: Table A1, ``seeds/chatearthnet-review-response.txt`` (ChatEarthNet authors' review response);
* ``FORMATS.md §n``: the project's notes on the released files (``../shared/FORMATS.md``), with their own
  provenance marks ([confirmed] / [third-party] / [inferred]);
* a paper, named, when neither says it.

Keys are dataset keys (``"ucm"``, ``"skyscript"``, ...); ``dataset_key(name, format)`` maps a catalog to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TABLE_A1 = "Table A1, ChatEarthNet review response (seeds/chatearthnet-review-response.txt)"


@dataclass(frozen=True)
class Fact:
    """One published fact and where it comes from."""

    value: Any
    source: str


FIELDS = (
    "title",
    "published_pairs",  # image-text pairs as published (int, or text such as "5 M" when only rounded)
    "published_images",
    "granularity",  # caption granularity: coarse-grained / fine-grained
    "generation",  # how the captions were made
    "image_data",  # image data and modalities as published
    "coverage",  # published geographic coverage
)


def _a1(
    title: str, pairs: Any, granularity: str, generation: str, image_data: str, coverage: str
) -> dict[str, Fact]:
    return {
        "title": Fact(title, TABLE_A1),
        "published_pairs": Fact(pairs, TABLE_A1),
        "granularity": Fact(granularity, TABLE_A1),
        "generation": Fact(generation, TABLE_A1),
        "image_data": Fact(image_data, TABLE_A1),
        "coverage": Fact(coverage, TABLE_A1),
    }


FACTS: dict[str, dict[str, Fact]] = {
    "ucm": {
        **_a1(
            "UCM-Captions (Qu et al., 2016)",
            10_500,
            "Coarse-grained",
            "Manually Annotated",
            "RGB, UCMerced (Yang and Newsam, 2010)",
            "Regional",
        ),
        "published_images": Fact(2_100, "FORMATS.md §6 and fixtures/README.md (real file: 2,100 images)"),
    },
    "sydney": {
        **_a1(
            "Sydney-Captions (Qu et al., 2016)",
            3_065,
            "Coarse-grained",
            "Manually Annotated",
            "RGB, Sydney (Zhang et al., 2014)",
            "Regional",
        ),
        "published_images": Fact(613, "fixtures/README.md (real release: 613 images)"),
    },
    "rsicd": {
        **_a1(
            "RSICD (Lu et al., 2017)",
            54_605,
            "Coarse-grained",
            "Manually Annotated",
            "RGB, Google Earth, Baidu Map",
            "Regional",
        ),
        "published_images": Fact(10_921, "Lu et al. 2017 (10,921 images x 5 sentences = 54,605)"),
    },
    "nwpu": {
        **_a1(
            "NWPU-Captions (Cheng et al., 2022)",
            157_500,
            "Coarse-grained",
            "Manually Annotated",
            "RGB, NWPU-RESISC45 (Cheng et al., 2017)",
            "Regional",
        ),
        "published_images": Fact(31_500, "Cheng et al. 2022 (45 classes x 700 images, 5 captions each)"),
    },
    "rsicap": {
        **_a1(
            "RSICap (Hu et al., 2023)",
            2_585,
            "Fine-grained",
            "Manually Annotated",
            "RGB, DOTA (Xia et al., 2018)",
            "Regional",
        ),
        "published_images": Fact(2_585, "FORMATS.md §6 (one caption per image)"),
    },
    "rs5m": {
        **_a1(
            "RS5M (Zhang et al., 2023)",
            "5 M",
            "Coarse-grained",
            "Model-generated & multiple datasets",
            "RGB, multiple datasets",
            "Global",
        ),
        "published_images": Fact(
            "5 M", "Table A1 gives pairs; one caption per image in the shards (FORMATS.md §7)"
        ),
    },
    "skyscript": {
        **_a1(
            "SkyScript (Wang et al., 2024)",
            "2.6 M",
            "Coarse-grained",
            "OpenStreetMap",
            "RGB & multispectral, multiple sensors",
            "Global",
        ),
        "published_images": Fact(
            None,
            "not stated; SkyScript_train_unfiltered_5M.csv has 5.2 M rows, one per image (FORMATS.md §7)",
        ),
    },
    "fitrs": {
        **_a1(
            "FIT-RS (Luo et al., 2024)",
            1_800_851,
            "Fine-grained",
            "STAR & ChatGPT",
            "RGB, STAR (Li et al., 2024)",
            "Global",
        ),
        "published_images": Fact(
            None,
            "not stated; FIT-RS-train-1415k.json holds 1.4 M conversations on 512 px STAR tiles (FORMATS.md §7)",
        ),
    },
    "remoteclip": {
        **_a1(
            "RemoteCLIP (Liu et al., 2024)",
            828_725,
            "Coarse-grained",
            "Rule-based",
            "RGB, multiple datasets",
            "Global",
        ),
        "published_images": Fact(None, "not stated in Table A1 or FORMATS.md"),
    },
    "chatearthnet": {
        **_a1(
            "ChatEarthNet",
            173_488,
            "Fine-grained",
            "WorldCover & ChatGPT",
            "RGB&multispectral, Sentinel-2",
            "Global",
        ),
        "published_images": Fact(
            163_488, "FORMATS.md §1 (ChatGPT-3.5: 163,488 pairs, one per image; 4V: 10,000)"
        ),
    },
    "geochat": {
        "title": Fact("GeoChat-Instruct (Kuckreja et al., 2024)", "Kuckreja et al., CVPR 2024"),
        "published_pairs": Fact(
            "318 k", "Kuckreja et al., CVPR 2024 (318k instruction pairs); not in Table A1"
        ),
        "published_images": Fact(None, "not stated in Table A1 or FORMATS.md"),
        "granularity": Fact("Fine-grained", "FORMATS.md §6-7: grounded answers with boxes (not in Table A1)"),
        "generation": Fact("Templates & LLM (Vicuna) over detection datasets", "Kuckreja et al., CVPR 2024"),
        "image_data": Fact("RGB, multiple datasets", "Kuckreja et al., CVPR 2024"),
        "coverage": Fact("Regional", "explorer reading of the source datasets (no positions in the files)"),
    },
    "bigearthnet-txt": {
        "title": Fact("BigEarthNet.txt (2026)", "FORMATS.md §5"),
        "published_pairs": Fact(9_553_962, "FORMATS.md §5 [third-party, reproduced twice]: 9,553,962 rows"),
        "published_images": Fact(464_044, "FORMATS.md §5: 464,044 patches, 1:1 with Sentinel-1"),
        "granularity": Fact("Fine-grained", "FORMATS.md §5: captions, VQA, referring expressions with boxes"),
        "generation": Fact("Templates over CORINE reference maps", "FORMATS.md §5 (types and categories)"),
        "image_data": Fact(
            "Sentinel-1 SAR & Sentinel-2 multispectral (BigEarthNet v2.0)", "FORMATS.md §3, §5"
        ),
        "coverage": Fact("Europe (10 countries)", "FORMATS.md §3"),
    },
}

# Formats that hold exactly one dataset.
FORMAT_KEYS = {
    "skyscript": "skyscript",
    "rs5m": "rs5m",
    "fitrs": "fitrs",
    "fitrs-bench": "fitrs",
    "remoteclip": "remoteclip",
    "chatearthnet": "chatearthnet",
    "bigearthnet-txt": "bigearthnet-txt",
    "llava": "geochat",
    "geochat-bench": "geochat",
    "nwpu": "nwpu",
    "rsicap": "rsicap",
    "sydney-original": "sydney",
}
# Formats shared by several datasets (Karpathy JSON: UCM, Sydney, RSICD): the dataset name decides.
NAME_KEYS = (("ucm", "ucm"), ("sydney", "sydney"), ("rsicd", "rsicd"), ("nwpu", "nwpu"), ("rsicap", "rsicap"))


def dataset_key(name: str, format: str | None = None) -> str | None:
    """The facts key of a catalog, from its format (single-dataset formats) or its name; None if unknown."""
    if format in FORMAT_KEYS:
        return FORMAT_KEYS[format]
    lowered = name.lower()
    return next((key for needle, key in NAME_KEYS if needle in lowered), None)


def facts_for(name: str, format: str | None = None) -> dict[str, Fact]:
    """The published facts of a catalog ({} when the dataset is not one the table knows)."""
    key = dataset_key(name, format)
    return dict(FACTS[key]) if key is not None else {}


def describe_facts(key: str) -> dict[str, Any]:
    """The ``DatasetSource.describe()`` keys (modality, coverage, generation) from the facts, values only."""
    facts = FACTS[key]
    return {
        "modality": facts["image_data"].value,
        "coverage": facts["coverage"].value,
        "generation": facts["generation"].value,
    }


def facts_rows() -> list[dict[str, Any]]:
    """One row per dataset: each field's value and, in ``<field>_source``, where it comes from."""
    rows = []
    for key, facts in FACTS.items():
        row: dict[str, Any] = {"key": key}
        for field in FIELDS:
            fact = facts.get(field)
            row[field] = fact.value if fact else None
            row[f"{field}_source"] = fact.source if fact else None
        rows.append(row)
    return rows
