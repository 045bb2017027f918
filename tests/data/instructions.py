"""Write tiny FIT-RS and GeoChat folders in their released instruction / benchmark layouts (seeded).

* FIT-RS/FIT-RS_Instruction/FIT-RS-train-1415k.json: one JSON array of LLaVA-style records (no ``id``), task
  tags, ``<ref>``/``<rel>`` spans and rotated boxes ``{<cx><cy><w><h>|<angle>}`` in ``<rbox>(...)</rbox>``,
  including a 20-box detection answer; FIT-RS/test_FITRS_vqa_eval.jsonl: benchmark lines;
  FIT-RS/imgv2_split_512_100_vaild/: one PNG.
* GeoChat/GeoChat_Instruct.json: a multi-box answer joined by ``<delim>``, a box without ``|<angle>``,
  ``[refer]``, ``[grounding]``, ``[identify]``; GeoChat/GeoChat-Bench/referring.jsonl: benchmark lines.

Run: python tests/data/instructions.py OUTDIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

SEED = 13
FITRS_IMAGE = "P0001__512__0___0.png"


def detection_boxes(rng: np.random.Generator, n: int) -> list[tuple[float, float, float, float, int]]:
    """n rotated boxes (cx, cy, w, h in 0-100 with two decimals; integer degrees)."""
    cx, cy = rng.uniform(10, 90, n).round(2), rng.uniform(10, 90, n).round(2)
    w, h = rng.uniform(2, 8, n).round(2), rng.uniform(2, 8, n).round(2)
    angle = rng.integers(-90, 90, n)
    return [
        (float(a), float(b), float(c), float(d), int(e))
        for a, b, c, d, e in zip(cx, cy, w, h, angle, strict=True)
    ]


def rbox(boxes: list[tuple[float, float, float, float, int]]) -> str:
    inner = ", ".join(f"{{<{cx:.2f}><{cy:.2f}><{w:.2f}><{h:.2f}>|<{a}>}}" for cx, cy, w, h, a in boxes)
    return f"<rbox>({inner})</rbox>"


def fitrs_records(
    rng: np.random.Generator,
) -> tuple[list[dict], list[tuple[float, float, float, float, int]]]:
    boxes = detection_boxes(rng, 20)
    records = [
        {
            "image": FITRS_IMAGE,
            "conversations": [
                {
                    "from": "human",
                    "value": "<image>\n[detection] Please detect all small vehicles in the image.",
                },
                {"from": "gpt", "value": f"There are 20 small-vehicles in the image: {rbox(boxes)}"},
                {"from": "human", "value": "[vqa] How many ships are there?"},
                {"from": "gpt", "value": "There are no ships."},
            ],
        },
        {
            "image": "P0002__512__100___412.png",
            "conversations": [
                {
                    "from": "human",
                    "value": "<image>\n[relation_detection] What is the relationship between "
                    f"<ref>ship</ref>{rbox([(25.5, 30.25, 10.0, 4.0, 45)])} and <ref>harbor</ref>?",
                },
                {"from": "gpt", "value": "<rel>docking at</rel>"},
            ],
        },
    ]
    return records, boxes


FITRS_BENCH = [
    {
        "question_id": 0,
        "image": FITRS_IMAGE,
        "text": "[vqa] Is there a small vehicle in the image?",
        "ground_truth": "Yes",
        "category": "vqa",
    },
    {
        "question_id": 1,
        "image": "P0002__512__100___412.png",
        "text": "[detection] Detect the ship.",
        "ground_truth": "<rbox>({<50.00><50.00><20.00><10.00>|<90>})</rbox>",
        "category": "detection",
    },
]

GEOCHAT = [
    {
        "id": "P0003_0004",
        "image": "P0003_0004.png",
        "conversations": [
            {"from": "human", "value": "<image>\n[grounding] Where are the storage tanks?"},
            {
                "from": "gpt",
                "value": "<p>storage tanks</p> {<10><20><30><40>|<15>}<delim>{<50><50><60><70>|<-30>}"
                "<delim>{<80><10><90><20>}",
            },
        ],
    },
    {
        "id": "P0010",
        "image": "P0010.png",
        "conversations": [
            {"from": "human", "value": "<image>\n[refer] Where is <p>the plane at the top</p>?"},
            {"from": "gpt", "value": "{<40><5><60><25>|<90>}"},
            {"from": "human", "value": "[identify] What is at {<1><2><3><4>|<0>}?"},
            {"from": "gpt", "value": "A car."},
        ],
    },
]
GEOCHAT_BENCH = [
    {
        "question_id": 7,
        "image_id": "P0010.png",
        "question": "[refer] Give me the location of <p>the plane</p>",
        "ground_truth": "{<40><5><60><25>|<90>}",
        "type": "ref",
        "dataset": "DOTA",
    },
    {
        "question_id": 8,
        "image_id": "0001",
        "question": "Is there a road?",
        "ground_truth": "yes",
        "type": "presence",
        "dataset": "HRBEN",
    },
]


def make(root: Path) -> Path:
    rng = np.random.default_rng(SEED)
    root = Path(root)
    fitrs = root / "FIT-RS"
    (fitrs / "FIT-RS_Instruction").mkdir(parents=True, exist_ok=True)
    records, _ = fitrs_records(rng)
    (fitrs / "FIT-RS_Instruction" / "FIT-RS-train-1415k.json").write_text(json.dumps(records, indent=1))
    (fitrs / "test_FITRS_vqa_eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in FITRS_BENCH))
    images = fitrs / "imgv2_split_512_100_vaild"
    images.mkdir(exist_ok=True)
    Image.fromarray(rng.integers(0, 256, (512, 512, 3), dtype=np.uint8), "RGB").save(images / FITRS_IMAGE)

    geochat = root / "GeoChat"
    (geochat / "GeoChat-Bench").mkdir(parents=True, exist_ok=True)
    (geochat / "GeoChat_Instruct.json").write_text(json.dumps(GEOCHAT))
    (geochat / "GeoChat-Bench" / "referring.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in GEOCHAT_BENCH)
    )
    return root


def expected_fitrs_boxes() -> list[tuple[float, float, float, float, int]]:
    """The 20 boxes make() writes into the detection answer (same seed, same draw order)."""
    return fitrs_records(np.random.default_rng(SEED))[1]


if __name__ == "__main__":
    print(make(Path(sys.argv[1])))
