"""Seeded generator of small sample/annotation tables in the common schema, for statistics and figure tests.

Two fake datasets shaped like the real ones:

* ``chatearthnet-demo``: ChatEarthNet-style captions (positions, proportion words, the 11 class names),
  samples placed worldwide with no country (continent must come from lat/lon);
* ``bigearthnet-txt-demo``: BigEarthNet.txt-style rows (captions with "~708,000 sqm", binary and
  multiple-choice questions, referring expressions with boxes), samples in European countries with CORINE-19
  labels.

Texts are assembled column-wise with pyarrow (no Python loop per row), so ``annotations(n_rows=1_000_000)``
builds a benchmark table in seconds. ``python tests/data/annotations.py OUTDIR`` writes the Parquet files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from explorer.legends import CHATEARTHNET, CORINE19
from explorer.model import ANNOTATION_SCHEMA, SAMPLE_SCHEMA, table_from_columns

CEN = "chatearthnet-demo"
BEN = "bigearthnet-txt-demo"
CEN_CLASSES = np.array(CHATEARTHNET.names, dtype=object)
BEN_CLASSES = np.array(CORINE19.names[:-1], dtype=object)  # the long agriculture name is rarely named in text
POSITIONS = np.array(["top left", "top right", "bottom left", "bottom right", "middle"], dtype=object)
SIZES = np.array(["an extra small", "a small", "a medium", "a large", "an extra large"], dtype=object)
NOUNS = np.array(["fraction", "part", "portion", "amount", "quantity"], dtype=object)
COUNTRIES = np.array(["Austria", "Portugal", "Finland", "Ireland", "Serbia", "Lithuania"], dtype=object)
COUNTRY_CENTRES = {
    "Austria": (47.5, 14.5),
    "Portugal": (39.5, -8.0),
    "Finland": (63.0, 26.0),
    "Ireland": (53.0, -7.5),
    "Serbia": (44.0, 20.8),
    "Lithuania": (55.3, 23.9),
}
SEASONS = np.array(["Summer", "Winter", "Spring", "Autumn"], dtype=object)


def _pick(rng: np.random.Generator, values: np.ndarray, n: int) -> pa.Array:
    return pa.array(values[rng.integers(0, len(values), n)], type=pa.string())


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def samples(n_per_dataset: int = 30, seed: int = 0) -> pa.Table:
    """Samples of both fake datasets (``SAMPLE_SCHEMA``)."""
    rng = np.random.default_rng(seed)
    n = n_per_dataset
    # ChatEarthNet: worldwide, no country; one sample without a position
    cen_lat = rng.uniform(-50, 65, n)
    cen_lon = rng.uniform(-170, 170, n)
    cen_lat[0] = cen_lon[0] = np.nan
    cen_labels = [
        list(CEN_CLASSES[rng.choice(len(CEN_CLASSES), rng.integers(1, 4), replace=False)]) for _ in range(n)
    ]
    cen = table_from_columns(
        SAMPLE_SCHEMA,
        {
            "dataset": [CEN] * n,
            "sample_id": [f"{2815 + i}_{4942 + i}_patch00" for i in range(n)],
            "split": rng.choice(["train", "val", "test"], n).tolist(),
            "lat": cen_lat,
            "lon": cen_lon,
            "position": ["web-mercator-quadrant"] * n,
            "labels": cen_labels,
            "layers": [["s2", "landcover"]] * n,
        },
    )
    countries = COUNTRIES[rng.integers(0, len(COUNTRIES), n)]
    centres = np.array([COUNTRY_CENTRES[c] for c in countries])
    ben_labels = [
        list(BEN_CLASSES[rng.choice(len(BEN_CLASSES), rng.integers(1, 5), replace=False)]) for _ in range(n)
    ]
    ben = table_from_columns(
        SAMPLE_SCHEMA,
        {
            "dataset": [BEN] * n,
            "sample_id": [f"S2A_MSIL2A_20170613T101031_N9999_R022_T33UUP_{i}_{i + 1}" for i in range(n)],
            "split": rng.choice(["train", "validation", "test"], n).tolist(),
            "lat": centres[:, 0] + rng.normal(0, 0.5, n),
            "lon": centres[:, 1] + rng.normal(0, 0.5, n),
            "position": ["published"] * n,
            "country": countries.tolist(),
            "season": SEASONS[rng.integers(0, 4, n)].tolist(),
            "labels": ben_labels,
            "layers": [["s2", "s1", "landcover"]] * n,
        },
    )
    return pa.concat_tables([cen, ben])


def _cen_captions(rng: np.random.Generator, n: int) -> pa.Array:
    sentence = [
        _join(
            "In the ",
            _pick(rng, POSITIONS, n),
            ", there is ",
            _pick(rng, SIZES, n),
            " ",
            _pick(rng, NOUNS, n),
            " of ",
            _pick(rng, CEN_CLASSES, n),
            ", next to ",
            _pick(rng, CEN_CLASSES, n),
            ". ",
        )
        for _ in range(3)
    ]
    return pc.utf8_trim_whitespace(
        _join(*sentence, "The image is dominated by ", _pick(rng, CEN_CLASSES, n), ".")
    )


def _ben_rows(rng: np.random.Generator, n: int) -> dict[str, pa.Array]:
    """Rows like BigEarthNet.txt's, with its type mix (38 % binary, 34 % mcq, 23 % box, 5 % caption)."""
    kind = rng.choice(["vqa_binary", "vqa_mcq", "refexp", "caption"], n, p=[0.38, 0.34, 0.23, 0.05])
    c1, c2, c3 = (_pick(rng, BEN_CLASSES, n) for _ in range(3))
    area = pa.array(rng.integers(1, 1440, n) * 1000).cast(pa.string())
    caption = _join(
        "This satellite image, captured in ",
        _pick(rng, COUNTRIES, n),
        " during ",
        pc.utf8_lower(_pick(rng, SEASONS, n)),
        ", depicts a diverse landscape. ",
        c1,
        " (~",
        area,
        " sqm) is the most prominent feature, next to ",
        pc.utf8_lower(c2),
        " in the ",
        _pick(rng, POSITIONS, n),
        ".",
    )
    binary = _join(
        "Would you say that any ", pc.utf8_lower(c1), " lies next to ", pc.utf8_lower(c2), " in the image?"
    )
    mcq = _join(
        "Which classes share a boundary? a) ",
        c1,
        " and ",
        c2,
        ", b) ",
        c2,
        " and ",
        c3,
        ", c) ",
        c3,
        ", d) ",
        c1,
    )
    refexp = _join(
        "Identify the location of the <ref>largest connected region of ", pc.utf8_lower(c1), "</ref>."
    )
    x0, y0 = rng.uniform(0, 0.6, n).round(2), rng.uniform(0, 0.6, n).round(2)
    x1, y1 = (x0 + rng.uniform(0.05, 0.4, n)).round(2), (y0 + rng.uniform(0.05, 0.4, n)).round(2)
    box = _join("[", pa.array(x0).cast(pa.string()), " ", pa.array(y0).cast(pa.string()), ", ")
    box = _join(box, pa.array(x1).cast(pa.string()), " ", pa.array(y1).cast(pa.string()), "]")
    is_box = kind == "refexp"
    text_input = np.where(kind == "vqa_binary", binary, np.where(kind == "vqa_mcq", mcq, refexp)).astype(
        object
    )
    text_input[kind == "caption"] = None
    output = np.where(
        kind == "caption",
        caption,
        np.where(
            kind == "vqa_binary", rng.choice(["yes", "no"], n, p=[0.45, 0.55]), rng.choice(list("abcd"), n)
        ),
    ).astype(object)
    output[is_box] = np.asarray(box)[is_box]
    category = np.where(
        kind == "caption",
        "None",
        np.where(kind == "vqa_binary", "adjacency", np.where(kind == "vqa_mcq", "adjacency", "reference")),
    )
    nan = np.full(n, np.nan)
    return {
        "kind": pa.array(kind),
        "source": pa.array(np.where(kind == "caption", "template", "template")),
        "category": pa.array(category),
        "input": pa.array(text_input, type=pa.string()),
        "output": pa.array(output, type=pa.string()),
        "bbox_x0": pa.array(np.where(is_box, x0, nan), from_pandas=True),
        "bbox_y0": pa.array(np.where(is_box, y0, nan), from_pandas=True),
        "bbox_x1": pa.array(np.where(is_box, x1, nan), from_pandas=True),
        "bbox_y1": pa.array(np.where(is_box, y1, nan), from_pandas=True),
    }


def annotations(sample_table: pa.Table | None = None, n_rows: int | None = None, seed: int = 0) -> pa.Table:
    """Annotations for ``sample_table`` (``ANNOTATION_SCHEMA``): five ChatEarthNet captions per sample, about
    twenty BigEarthNet.txt rows per sample. ``n_rows`` instead sizes the BigEarthNet.txt part (benchmarks)."""
    rng = np.random.default_rng(seed + 1)
    sample_table = sample_table if sample_table is not None else samples(seed=seed)
    ids = sample_table.column("sample_id").to_numpy(zero_copy_only=False)
    datasets = sample_table.column("dataset").to_numpy(zero_copy_only=False)
    cen_ids = ids[datasets == CEN]
    ben_ids = ids[datasets == BEN]
    n_cen = len(cen_ids) * 5
    cen = table_from_columns(
        ANNOTATION_SCHEMA,
        {
            "dataset": pa.array([CEN] * n_cen),
            "sample_id": pa.array(np.repeat(cen_ids, 5)),
            "ann_id": pa.array(np.arange(n_cen)),
            "kind": pa.array(["caption"] * n_cen),
            "source": pa.array(rng.choice(["chatgpt-3.5", "chatgpt-4v"], n_cen, p=[0.8, 0.2])),
            "output": _cen_captions(rng, n_cen),
        },
        length=n_cen,
    )
    n_ben = n_rows if n_rows is not None else len(ben_ids) * 20
    rows = _ben_rows(rng, n_ben)
    ben = table_from_columns(
        ANNOTATION_SCHEMA,
        {
            "dataset": pa.array(np.full(n_ben, BEN, dtype=object)),
            "sample_id": pa.array(ben_ids[rng.integers(0, len(ben_ids), n_ben)]),
            "ann_id": pa.array(np.arange(n_ben)),
            "split": pa.array(rng.choice(["train", "validation", "test"], n_ben)),
            **rows,
        },
        length=n_ben,
    )
    return pa.concat_tables([cen, ben])


def make(root: Path) -> Path:
    """Write ``samples.parquet`` and ``annotations.parquet`` in ``root/annotations``; return the folder."""
    out = Path(root) / "annotations"
    out.mkdir(parents=True, exist_ok=True)
    sample_table = samples()
    pq.write_table(sample_table, out / "samples.parquet")
    pq.write_table(annotations(sample_table), out / "annotations.parquet")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/data/annotations.py OUTDIR")
    print(make(Path(sys.argv[1])))
