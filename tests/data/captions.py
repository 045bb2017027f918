"""Write tiny NWPU-Captions, RSICap and GeoChat-Instruct folders in their released JSON shapes (seeded).

* NWPU-Captions/dataset_nwpu.json: 2 classes x 2 images x 5 captions; one RGB JPEG under imgs/<class>/.
* RSICap/captions.json: 3 annotations (one with an empty text_input); one PNG under images/.
* GeoChat_Instruct/GeoChat_Instruct.json: [refer], [grounding], [identify] and plain VQA turns, a multi-turn
  record, a second record of the same image, and a text-only record (no image) that must be reported.

Run: python tests/data/captions.py OUTDIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

SEED = 7

NWPU = {
    "airplane": [
        {
            "filename": f"airplane_00{i}.jpg",
            "split": split,
            "raw": f"an airplane is parked on the apron next to the terminal {i} .",
            "imgid": i - 1,
            "sentids": 5 * (i - 1),
            "raw_1": "a white plane is stopped at the airport .",
            "sentids_1": 5 * (i - 1) + 1,
            "raw_2": "there is an airplane on the ground .",
            "sentids_2": 5 * (i - 1) + 2,
            "raw_3": "an aircraft stands on the concrete .",
            "sentids_3": 5 * (i - 1) + 3,
            "raw_4": "a plane with long wings is on the tarmac .",
            "sentids_4": 5 * (i - 1) + 4,
        }
        for i, split in ((1, "train"), (2, "test"))
    ],
    "airport": [
        {
            "filename": f"airport_00{i}.jpg",
            "split": split,
            "raw": "an airport with runways and many buildings .",
            "imgid": 1 + i,
            "sentids": 5 * (1 + i),
            "raw_1": "several planes are parked near the terminal building .",
            "raw_2": "two runways cross the bare land .",
            "raw_3": "the airport is surrounded by green fields .",
            "raw_4": "an airport with a long runway .",
        }
        for i, split in ((1, "train"), (2, "val"))
    ],
}
NWPU_CAPTIONS = 20

RSICAP = {
    "annotations": [
        {
            "image_id": "0",
            "filename": "P0378_0001.png",
            "text_input": "Take a look at this image and describe what you notice.",
            "text_output": "This is an aerial image showing a parking lot with many vehicles, including "
            "cars, trucks and buses.",
        },
        {
            "image_id": "1",
            "filename": "P1077_0002.png",
            "text_input": "Please provide a detailed description of the picture.",
            "text_output": "This is a remote sensing image of two outdoor tennis courts next to a lawn.",
        },
        {
            "image_id": "2",
            "filename": "P1140_0085.png",
            "text_input": "",
            "text_output": "There are four planes parked in an open field.",
        },
    ]
}

GEOCHAT = [
    {
        "id": "P0003_0004",
        "image": "P0003_0004.png",
        "conversations": [
            {
                "from": "human",
                "value": "<image>\n[refer] Where is <p>the small vehicle at the bottom left</p>?",
            },
            {"from": "gpt", "value": "{<12><70><18><78>|<30>}"},
            {"from": "human", "value": "How many storage tanks are there in the image?"},
            {"from": "gpt", "value": "There are 3 storage tanks."},
        ],
    },
    {
        "id": "P0003_0004",
        "image": "P0003_0004.png",
        "conversations": [
            {"from": "human", "value": "<image>\n[grounding] Describe the image in detail."},
            {
                "from": "gpt",
                "value": "The image shows <p>two airplanes</p> {<10><20><30><40>|<0>}{<50><20><70><40>|<0>} "
                "parked on the apron.",
            },
        ],
    },
    {
        "id": "train_2956_0001",
        "image": "train_2956_0001.png",
        "conversations": [
            {"from": "human", "value": "[identify] What is the object present at {<22><35><40><60>|<90>}"},
            {"from": "gpt", "value": "It is a storage tank."},
        ],
    },
    {
        "id": "text_only_1",
        "conversations": [
            {"from": "human", "value": "What is remote sensing?"},
            {"from": "gpt", "value": "Observing the Earth from a distance."},
        ],
    },
]
GEOCHAT_PAIRS = 4  # the text-only record is skipped


def _rgb(rng: np.random.Generator, size: int) -> Image.Image:
    return Image.fromarray(rng.integers(0, 256, size=(size, size, 3), dtype=np.uint8), "RGB")


def make(root: Path) -> Path:
    rng = np.random.default_rng(SEED)
    root = Path(root)

    nwpu = root / "NWPU-Captions"
    (nwpu / "imgs" / "airplane").mkdir(parents=True, exist_ok=True)
    (nwpu / "dataset_nwpu.json").write_text(json.dumps(NWPU))
    _rgb(rng, 256).save(nwpu / "imgs" / "airplane" / "airplane_001.jpg", quality=90)

    rsicap = root / "RSICap"
    (rsicap / "images").mkdir(parents=True, exist_ok=True)
    (rsicap / "captions.json").write_text(json.dumps(RSICAP, indent=4))
    _rgb(rng, 512).save(rsicap / "images" / "P0378_0001.png")

    geochat = root / "GeoChat_Instruct"
    geochat.mkdir(parents=True, exist_ok=True)
    (geochat / "GeoChat_Instruct.json").write_text(json.dumps(GEOCHAT))
    return root


if __name__ == "__main__":
    print(make(Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
