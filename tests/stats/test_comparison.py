"""The comparison table, on generated tables and on the real caption files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from explorer import stats
from explorer.model import ANNOTATION_SCHEMA, SAMPLE_SCHEMA, table_from_columns
from tests.data import annotations as fake


def test_comparison_table__from_tuples(datasets: list[Any]) -> None:
    table = stats.comparison_table(datasets).set_index("dataset")
    cen = table.loc[fake.CEN]
    assert cen["image-text pairs"] == 150 and cen["captions"] == 150 and cen["images"] == 30
    assert cen["annotation types"] == "caption"
    assert table.loc[fake.BEN, "annotation types"] == "caption, refexp, vqa_binary, vqa_mcq"
    assert table.loc[fake.BEN, "image modality"] == "multispectral + SAR"
    assert cen["spatial coverage"].startswith("6 continents")


def _ucm_and_sydney(root: Path) -> list[tuple[str, pa.Table, pa.Table, dict[str, Any]]]:
    """Both real caption files parsed directly into the common model (no dependency on the readers)."""
    ucm = json.loads((root / "captions/ucm/dataset.json").read_text(encoding="utf-8"))
    ucm_rows = [
        (image["filename"], image["split"], s["raw"]) for image in ucm["images"] for s in image["sentences"]
    ]
    lines = (root / "captions/sydney/descriptions_SIDNEY.txt").read_text(encoding="utf-8").splitlines()
    sydney_rows = [(line.split(" ", 1)[0], None, line.split(" ", 1)[1]) for line in lines if line.strip()]
    out = []
    for name, rows in (("ucm", ucm_rows), ("sydney", sydney_rows)):
        ids = [r[0] for r in rows]
        annotations = table_from_columns(
            ANNOTATION_SCHEMA,
            {
                "dataset": [name] * len(rows),
                "sample_id": ids,
                "ann_id": list(range(len(rows))),
                "kind": ["caption"] * len(rows),
                "split": [r[1] for r in rows],
                "output": [r[2] for r in rows],
            },
        )
        unique = sorted(set(ids))
        samples = table_from_columns(SAMPLE_SCHEMA, {"dataset": [name] * len(unique), "sample_id": unique})
        out.append((name, samples, annotations, {"modality": "RGB aerial"}))
    return out


def test_comparison_table__real_ucm_and_sydney_pairs(shared_fixtures: Path) -> None:
    table = stats.comparison_table(_ucm_and_sydney(shared_fixtures)).set_index("dataset")
    assert table.loc["ucm", "image-text pairs"] == 10_500 and table.loc["ucm", "images"] == 2_100
    assert table.loc["sydney", "image-text pairs"] == 3_065 and table.loc["sydney", "images"] == 613
    assert table.loc["ucm", "spatial coverage"] == "unknown"
    assert 5 < table.loc["ucm", "mean caption length (words)"] < 20
    assert table.loc["ucm", "vocabulary size"] > 200


def test_comparison_table__real_files_through_the_readers(shared_fixtures: Path) -> None:
    from explorer.sources import open_source

    class Opened:
        def __init__(self, path: Path) -> None:
            self.source = open_source(path)
            self.name = self.source.name
            self.samples = self.source.samples()
            self.annotations = pa.concat_tables(list(self.source.annotation_batches()))

    opened = [Opened(shared_fixtures / "captions" / n) for n in ("ucm", "sydney")]
    table = stats.comparison_table(opened)
    assert table["image-text pairs"].tolist() == [10_500, 3_065]
    assert table["caption generation"].tolist() == ["human", "human"]


def test_comparison_table__real_pairs_match_table_a1_and_facts_are_marked(shared_fixtures: Path) -> None:
    table = stats.comparison_table(_ucm_and_sydney(shared_fixtures)).set_index("dataset")
    assert table.loc["ucm", "pairs (vs published)"] == "10,500"  # equal to the published figure: no note
    assert table.loc["sydney", "pairs (vs published)"] == "3,065"
    assert table.loc["ucm", "published granularity"] == "Coarse-grained"
    assert table.loc["ucm", "caption granularity"] == "coarse-grained"  # measured: ~11 words a caption
    assert table.loc["ucm", "caption generation"] == "Manually Annotated"  # no describe(): from Table A1
    assert "Table A1" in table.loc["ucm", "facts source"]
    assert table.loc["ucm", "positioned samples"] == 0 and table.loc["ucm", "countries"] == 0


def test_pairs_note__a_partial_download_keeps_its_count_beside_the_published_one() -> None:
    from explorer.stats.comparison import pairs_note, published_facts

    assert pairs_note(120, published_facts("ucm-captions")) == "120 (published 10,500)"
    assert pairs_note(120, published_facts("my-own-captions")) == "120"
    assert published_facts("RSICap")["published_pairs"].value == 2_585  # not taken for RSICD


def test_hull_area__a_one_degree_square_at_the_equator() -> None:
    from explorer.stats.comparison import hull_area_km2

    lat = np.array([0.0, 0.0, 1.0, 1.0, 0.5])
    lon = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    assert abs(hull_area_km2(lat, lon) - 12_364) < 30  # 111.2 km x 111.2 km
    assert hull_area_km2(np.array([0.0, 1.0]), np.array([0.0, 1.0])) == 0.0


def test_comparison_table__measured_coverage_and_bands(datasets: list[Any]) -> None:
    table = stats.comparison_table(datasets).set_index("dataset")
    cen = table.loc[fake.CEN]
    assert cen["continents"] == 6 and cen["hull area (km²)"] > 1e6
    assert table.loc[fake.BEN, "image data"] == "landcover, s1, s2 (bands not read)"  # tables only, no reader
