"""The comparison table of ChatEarthNet's Table A1, computed from the catalogs.

Measured from the files: image-text pairs, images, caption length (mean / median words), vocabulary, caption
granularity (from the mean length, rule in ``GRANULARITY_WORDS``), the image data present (modalities from the
``layers`` column, bands read from one sample), and geographic coverage where samples have positions: countries,
continents and the area of the convex hull of the positions. What the files cannot tell (how the captions were
made, the published figures) comes from the reader's ``describe()`` and from ``explorer.sources.facts`` (Table A1
and the format notes, each fact with its source); those columns are named as facts. A count that differs from the published one (a partial
download, another split) is kept and shown beside the published figure (``pairs_note``), never replaced.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ExplorerError
from ..model import KIND_CAPTION
from ..sources.facts import Fact, facts_for
from ..text import tokenize
from .columns import column, num_rows, strings
from .corpus import annotation_texts, is_question
from .geography import geo_frame, spatial_coverage
from .inputs import Dataset, as_datasets
from .words import vocabulary

EARTH_RADIUS_KM = 6371.0088
# Captions averaging fewer words than this read as one-line scene labels ("coarse"), more as descriptions of
# the parts of the scene ("fine"). UCM/Sydney/RSICD (~10-12 words) fall below, RSICap/ChatEarthNet (>50) above.
GRANULARITY_WORDS = 25.0


def published_facts(name: str, format: str | None = None) -> dict[str, Fact]:
    """The published facts (``explorer.sources.facts``) of a dataset, by its format or name ({} if unknown)."""
    return facts_for(name, format)


def _published_text(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def pairs_note(pairs: int, facts: dict[str, Fact]) -> str:
    """The measured count, with the published figure beside it when they differ."""
    published = facts.get("published_pairs")
    if published is None or pairs == published.value:
        return f"{pairs:,}"
    return f"{pairs:,} (published {_published_text(published.value)})"


def granularity(mean_words: float) -> str:
    if not math.isfinite(mean_words):
        return "unknown"
    return "fine-grained" if mean_words >= GRANULARITY_WORDS else "coarse-grained"


def hull_area_km2(lat: np.ndarray, lon: np.ndarray) -> float:
    """Area of the convex hull of the positions, in km², on Lambert's cylindrical equal-area projection (areas
    true; a hull across the antimeridian is taken the long way round). 0 for fewer than three distinct points."""
    keep = np.isfinite(lat) & np.isfinite(lon)
    points = np.unique(
        np.column_stack([np.radians(lon[keep]), np.sin(np.radians(lat[keep]))]) * EARTH_RADIUS_KM, axis=0
    )
    if len(points) < 3:
        return 0.0
    from scipy.spatial import ConvexHull, QhullError

    try:
        return float(ConvexHull(points).volume)  # in 2-D, "volume" is the area
    except QhullError:  # all on one line
        return 0.0


def geographic_coverage(samples: Any) -> dict[str, Any]:
    """countries, continents and hull area measured from the positions (NaN/0 where there are none)."""
    if not num_rows(samples):
        return {"countries": 0, "continents": 0, "hull area (km²)": float("nan"), "positioned samples": 0}
    frame = geo_frame(samples)
    positioned = np.isfinite(frame["lat"].to_numpy()) & np.isfinite(frame["lon"].to_numpy())
    if "position" in getattr(samples, "column_names", getattr(samples, "columns", [])):
        kinds = strings(samples, "position").to_pandas().to_numpy()
        positioned &= ~pd.isna(kinds) & (kinds != "none")
    located = frame[positioned]
    return {
        "countries": int(frame["country"].dropna().nunique()),
        "continents": int(frame["continent"].dropna().nunique()),
        "hull area (km²)": hull_area_km2(located["lat"].to_numpy(), located["lon"].to_numpy())
        if len(located)
        else float("nan"),
        "positioned samples": int(len(located)),
    }


def _layers_present(dataset: Dataset) -> list[str]:
    layers_column = column(dataset.samples, "layers")
    if not pa.types.is_list(layers_column.type):
        return []
    return sorted(str(v) for v in pc.unique(pc.list_flatten(layers_column)).to_pylist() if v is not None)


def _modality(dataset: Dataset) -> str:
    if dataset.describe.get("modality"):
        return str(dataset.describe["modality"])
    names = {"s2": "multispectral", "s1": "SAR"}
    found = [names[layer] for layer in ("s2", "s1") if layer in _layers_present(dataset)]
    return " + ".join(found) if found else "unknown"


def image_data(dataset: Dataset) -> str:
    """The layers present and the bands of each, read from the first sample that has it; "not read" when
    the dataset has no readable imagery here (a catalog without its dataset folder, a table-only input)."""
    origin = dataset.origin
    layers = _layers_present(dataset)
    if not layers:
        return "no imagery"
    if origin is None or not hasattr(origin, "read_layer"):
        return ", ".join(layers) + " (bands not read)"
    layer_lists = column(dataset.samples, "layers").to_pylist()
    ids = strings(dataset.samples, "sample_id").to_pylist()
    parts = []
    for layer in layers:
        sample_id = next((i for i, ls in zip(ids, layer_lists, strict=True) if ls and layer in ls), None)
        try:
            read = origin.read_layer(sample_id, layer)
            bands = [str(b) for b in read.coords["band"].values] if "band" in read.coords else []
            shown = ", ".join(bands) if len(bands) <= 6 else f"{bands[0]} … {bands[-1]}"
            parts.append(f"{layer}: {len(bands)} band{'s' if len(bands) != 1 else ''} ({shown})")
        except (ExplorerError, OSError, KeyError, ValueError):
            parts.append(f"{layer}: bands not readable here")
    return "; ".join(parts)


def comparison_table(datasets: Any) -> pd.DataFrame:
    """One row per dataset (Table A1 columns plus what the files add), every measurable number computed."""
    rows = []
    for dataset in as_datasets(datasets):
        rows.append(comparison_row(dataset))
    return pd.DataFrame(rows)


def comparison_row(
    dataset: Dataset,
    words: np.ndarray | None = None,
    vocabulary_size: int | None = None,
    kind_counts: pd.Series | None = None,
) -> dict[str, Any]:
    """One dataset's row. ``words`` (per caption), ``vocabulary_size`` and ``kind_counts`` (rows per kind) are
    reused when the caller has them; caption measures fall back to all texts when there are no captions."""
    annotations = dataset.annotations
    if words is None or vocabulary_size is None:
        texts = annotation_texts(annotations)
        is_caption = ~is_question(annotations)
        chosen = pc.filter(texts, pa.array(is_caption)) if is_caption.any() else texts
        words = tokenize.word_counts(chosen) if words is None else words
        if vocabulary_size is None:
            vocabulary_size = vocabulary(chosen, ngram_sizes=()).size
    sample_ids = strings(dataset.samples, "sample_id") if num_rows(dataset.samples) else None
    images = (
        len(pc.unique(sample_ids))
        if sample_ids is not None and len(sample_ids)
        else len(pc.unique(strings(annotations, "sample_id")))
    )
    if kind_counts is None:
        counted = pc.value_counts(strings(annotations, "kind"))
        kind_counts = pd.Series(
            counted.field("counts").to_numpy(), index=counted.field("values").to_pylist(), dtype=np.int64
        ).drop(labels=[None], errors="ignore")
    pairs = int(kind_counts.sum())
    mean_words = float(np.mean(words)) if len(words) else float("nan")
    facts = published_facts(dataset.name, getattr(dataset.origin, "format", None))

    def fact(field: str) -> str:
        return str(facts[field].value) if field in facts else ""

    generation = dataset.describe.get("generation") or fact("generation") or "unknown"
    shown = ("published_pairs", "granularity", "generation", "coverage")  # the facts the table shows
    sources = sorted({facts[f].source for f in shown if f in facts})
    return {
        "dataset": dataset.name,
        "image-text pairs": pairs,
        "captions": int(kind_counts.get(KIND_CAPTION, 0)),
        "images": int(images),
        "published pairs": _published_text(facts["published_pairs"].value)
        if "published_pairs" in facts
        else "",
        "pairs (vs published)": pairs_note(pairs, facts),
        "mean caption length (words)": mean_words,
        "median caption length (words)": float(np.median(words)) if len(words) else float("nan"),
        "vocabulary size": int(vocabulary_size),
        "caption granularity": granularity(mean_words),
        "published granularity": fact("granularity"),
        "caption generation": str(generation),
        "image modality": _modality(dataset),
        "image data": image_data(dataset),
        **geographic_coverage(dataset.samples),
        "spatial coverage": spatial_coverage(dataset.samples) if num_rows(dataset.samples) else "unknown",
        "published coverage": fact("coverage"),
        "annotation types": ", ".join(sorted(str(k) for k in kind_counts.index)),
        "facts source": " | ".join((["reader's describe()"] if dataset.describe else []) + sources) or "none",
    }
