"""Class frequency: samples carrying each label, pixels per class over land-cover maps (Dask), and how often
captions name each class."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ExplorerError
from ..legends import LEGENDS, Legend
from ..model import LAYER_LANDCOVER
from .columns import TableLike, as_arrow, strings
from .corpus import Corpus
from .spatial_language import term_counts


def class_frequency_by_sample(samples: TableLike) -> pd.DataFrame:
    """Samples carrying each label, per dataset (``labels`` list column exploded): dataset, class, samples,
    share (of the dataset's samples)."""
    table = as_arrow(samples) if isinstance(samples, pa.Table) else None
    if table is not None:
        labels = table.column("labels").combine_chunks() if "labels" in table.column_names else None
        datasets = strings(table, "dataset")
        if labels is None or len(labels) == 0:
            return pd.DataFrame(columns=["dataset", "class", "samples", "share"])
        flat = pc.list_flatten(labels)
        parent = pc.list_parent_indices(labels)
        frame = pd.DataFrame({"dataset": pc.take(datasets, parent).to_pandas(), "class": flat.to_pandas()})
        totals = pd.Series(datasets.to_pandas()).value_counts()
    else:
        frame_in = pd.DataFrame(samples)
        if "labels" not in frame_in.columns or frame_in.empty:
            return pd.DataFrame(columns=["dataset", "class", "samples", "share"])
        frame = frame_in[["dataset", "labels"]].explode("labels").rename(columns={"labels": "class"})
        totals = frame_in["dataset"].value_counts()
    frame = frame.dropna(subset=["class"])
    counts = frame.groupby(["dataset", "class"], observed=True).size().rename("samples").reset_index()
    counts["share"] = counts["samples"] / counts["dataset"].map(totals).astype(float)
    return counts.sort_values(["dataset", "samples"], ascending=[True, False], ignore_index=True)


def _pixel_counts_one(reader: Callable[[str], Any], sample_id: str) -> tuple[str, np.ndarray] | str:
    """(legend name, pixels per class) of one sample's land-cover layer; the error text when unreadable."""
    try:
        layer = reader(sample_id)
    except (ExplorerError, OSError, KeyError, ValueError) as exc:
        return f"{sample_id}: {exc}"
    legend_name = getattr(layer, "attrs", {}).get("legend")
    if legend_name not in LEGENDS:
        return f"{sample_id}: land-cover layer names no known legend ({legend_name!r})"
    legend = LEGENDS[legend_name]
    return legend.name, legend.pixel_counts(np.asarray(layer))


class _LayerReader:
    """Picklable ``sample_id -> land-cover layer`` for Dask workers."""

    def __init__(self, catalog: Any) -> None:
        self.catalog = catalog

    def __call__(self, sample_id: str) -> Any:
        return self.catalog.read_layer(sample_id, LAYER_LANDCOVER)


def class_frequency_by_pixel(
    source: Any,
    sample_ids: Sequence[str] | None = None,
    legend: Legend | None = None,
    dataset: str | None = None,
    scheduler: str | Any | None = None,
    partitions: int | None = None,
) -> pd.DataFrame:
    """Pixels per class over many land-cover maps, computed with Dask.

    ``source`` is either a mapping ``sample_id -> array`` of raw codes (give ``legend``) or a Catalog-like
    object with ``read_layer(sample_id, "landcover")`` (each layer names its legend). Local threads by
    default; pass a Dask scheduler address (``"tcp://host:8786"``) or a ``distributed.Client`` to use an
    existing cluster. Unreadable samples are skipped and counted in ``skipped``. Returns dataset, legend,
    class, pixels, share, samples, skipped.
    """
    import dask
    import dask.bag as db

    if isinstance(source, Mapping):
        if legend is None:
            raise ValueError("give the legend of the land-cover arrays")
        arrays = source
        legend_ = legend

        def reader(sample_id: str) -> Any:
            import xarray as xr

            return xr.DataArray(np.asarray(arrays[sample_id]), attrs={"legend": legend_.name})

        ids = list(sample_ids) if sample_ids is not None else list(arrays)
        name = dataset or "arrays"
        read: Callable[[str], Any] = reader
    else:
        name = dataset or str(getattr(source, "name", "dataset"))
        if sample_ids is None:
            samples = pd.DataFrame(source.samples)
            has_layer = samples["layers"].map(lambda layers: LAYER_LANDCOVER in list(layers))
            sample_ids = samples.loc[has_layer, "sample_id"].tolist()
        ids = list(sample_ids)
        read = _LayerReader(source)
    if not ids:
        return pd.DataFrame(columns=["dataset", "legend", "class", "pixels", "share", "samples", "skipped"])
    bag = db.from_sequence(ids, npartitions=partitions or min(len(ids), 64))
    results_bag = bag.map(lambda sid: _pixel_counts_one(read, sid))
    if scheduler is None:
        (results,) = dask.compute(results_bag, scheduler="threads")
    else:
        from distributed import Client

        client = scheduler if isinstance(scheduler, Client) else Client(scheduler, set_as_default=False)
        try:
            results = client.compute(results_bag).result()
        finally:
            if client is not scheduler:
                client.close()
    totals: dict[str, np.ndarray] = {}
    used: dict[str, int] = {}
    skipped = 0
    for result in results:  # one small vector per sample, not per pixel
        if isinstance(result, str):
            skipped += 1
            continue
        legend_name, counts = result
        totals[legend_name] = totals.get(legend_name, 0) + counts
        used[legend_name] = used.get(legend_name, 0) + 1
    rows = []
    for legend_name, counts in totals.items():
        total = counts.sum()
        for cls, count in zip(LEGENDS[legend_name].classes, counts, strict=True):
            rows.append(
                (
                    name,
                    legend_name,
                    cls.name,
                    int(count),
                    count / total if total else np.nan,
                    used[legend_name],
                )
            )
    frame = pd.DataFrame(rows, columns=["dataset", "legend", "class", "pixels", "share", "samples"])
    frame["skipped"] = skipped
    return frame.sort_values(["dataset", "pixels"], ascending=[True, False], ignore_index=True)


def class_mentions(corpus_or_texts: Any, dataset: str = "") -> pd.DataFrame:
    """How often each land-cover class is named: dataset, class, mentions, texts (containing it)."""
    corpus = corpus_or_texts if isinstance(corpus_or_texts, Corpus) else Corpus.from_texts(corpus_or_texts)
    counts = term_counts(corpus, dataset, ["CLASS"])
    return counts.drop(columns="kind").rename(columns={"label": "class"})
