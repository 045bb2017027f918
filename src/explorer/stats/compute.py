"""The compute entry points: ``prepare`` once per dataset, then every statistic of a dataset, a selection of
its samples, or several datasets at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .columns import (
    TableLike,
    num_rows,
    rows_of_sorted,
    strings,
)
from .comparison import comparison_row
from .corpus import GROUP_CAPTION, GROUP_QUESTION, QUESTION_KINDS, Corpus
from .geography import density_grid, geo_frame, samples_per_continent, samples_per_country
from .inputs import Dataset, as_dataset, as_datasets
from .labels import class_frequency_by_pixel, class_frequency_by_sample, class_mentions
from .lengths import histogram_of_codes, length_summary
from .rows import RowCodes
from .spatial_language import cooccurrence, spatial_term_frequency
from .tasks import answer_balance, box_sizes, boxes_per_sample, task_mix
from .words import vocabulary


@dataclass
class Prepared:
    """What every statistic of a dataset derives from, built once: its texts (``Corpus``) and its per-row
    codes (``RowCodes``). Keep it to compute selections in well under a second."""

    corpus: Corpus
    rows: RowCodes


def prepare(annotations: TableLike) -> Prepared:
    """Tokenise the distinct texts and code the columns of a dataset's annotations (the expensive part)."""
    return Prepared(Corpus.from_annotations(annotations), RowCodes.from_annotations(annotations))


def compute_dataset(
    dataset: Dataset,
    *,
    level: str = "sentence",
    min_count: int = 5,
    top: int = 50,
    pixels: bool = False,
    scheduler: str | Any | None = None,
    prepared: Prepared | None = None,
    rows: np.ndarray | None = None,
) -> dict[str, pd.DataFrame]:
    """Every statistic of one dataset (see ``compute_all``).

    ``prepared``: ``prepare(dataset.annotations)`` when already built; ``rows``: indices (or a boolean mask) of
    the annotation rows to count, for a selection (``dataset.samples`` then holds the selected samples).
    """
    name = dataset.name
    prepared = prepared if prepared is not None else prepare(dataset.annotations)
    corpus, codes = prepared.corpus, prepared.rows
    row_index = corpus.row_index
    if row_index is None or len(row_index) != len(codes) or len(codes) != num_rows(dataset.annotations):
        raise ValueError("the prepared data was not built from these annotations (see prepare)")
    if rows is not None:
        rows = np.asarray(rows)
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows.astype(np.int64)
        codes = codes.take(rows)
        row_index = row_index[rows]
    out: dict[str, list[pd.DataFrame]] = {}

    def put(key: str, frame: pd.DataFrame) -> None:
        out.setdefault(key, []).append(frame)

    words = corpus.word_counts()[row_index]
    hist = histogram_of_codes(
        codes, words, corpus.sentence_counts()[row_index], corpus.char_counts()[row_index]
    )
    put("length_summary", length_summary(hist))
    put("length_hist", hist)
    kinds = codes.names["kind"]
    question = codes.of_kinds(QUESTION_KINDS)
    sizes: dict[str, int] = {}
    for group, mask in ((GROUP_CAPTION, ~question), (GROUP_QUESTION, question)):
        view = corpus.with_weights(np.bincount(row_index[mask], minlength=len(corpus.texts)).astype(np.int64))
        if not view.n_texts:
            continue
        vocab = vocabulary(view, top=top)
        sizes[group] = vocab.size
        label = {"dataset": name, "group": group}
        put("vocabulary", pd.DataFrame([{**label, **vocab.summary()}]))
        top_words = vocab.counts.head(max(top, 200))
        put("top_words", top_words.assign(rank=np.arange(1, len(top_words) + 1), **label))
        for n, grams in vocab.ngrams.items():
            put("ngrams", grams.assign(n=n, rank=np.arange(1, len(grams) + 1), **label))
        put("zipf", vocab.zipf().assign(**label))
        put("spatial_terms", spatial_term_frequency(view, name).assign(group=group))
        put("class_mentions", class_mentions(view, name).assign(group=group))
        put(
            "cooccurrence",
            cooccurrence(view, level=level, min_count=min_count, dataset=name).assign(group=group),
        )

    put("task_mix", task_mix(codes))
    put("answer_balance", answer_balance(codes))
    put("boxes_per_sample", boxes_per_sample(codes))
    put("box_sizes", box_sizes(codes))
    samples = dataset.samples
    if num_rows(samples):
        geo = geo_frame(samples)
        put("class_by_sample", class_frequency_by_sample(samples))
        put("countries", samples_per_country(geo))
        put("continents", samples_per_continent(geo))
        put("density", density_grid(geo))
    if pixels and dataset.origin is not None and hasattr(dataset.origin, "read_layer"):
        put("class_by_pixel", class_frequency_by_pixel(dataset.origin, dataset=name, scheduler=scheduler))
    main_is_question = GROUP_CAPTION not in sizes
    kind_counts = pd.Series(
        np.bincount(np.maximum(codes.codes["kind"], 0), minlength=len(kinds))[: len(kinds)], index=kinds
    )
    row = comparison_row(
        dataset,
        words[question == main_is_question],
        sizes.get(GROUP_QUESTION if main_is_question else GROUP_CAPTION, 0),
        kind_counts[kind_counts > 0],
    )
    put("comparison", pd.DataFrame([row]))
    return {key: pd.concat(frames, ignore_index=True) for key, frames in out.items()}


def selection_rows(
    annotations: TableLike, sample_ids: Iterable[str], samples: TableLike | None = None
) -> np.ndarray:
    """Indices (sorted) of the annotation rows of the given samples.

    A catalog's annotations are sorted by ``sidx`` (the sample's row number in ``samples``): then each sample's
    rows are found by binary search; otherwise by a hash lookup of ``sample_id`` over all rows.
    """
    ids = pa.array(list(sample_ids) if not isinstance(sample_ids, pa.Array) else sample_ids, type=pa.string())
    table = annotations if isinstance(annotations, pa.Table) else None
    if table is not None and samples is not None and "sidx" in table.column_names:
        wanted = _sidx_of(samples, ids)
        sidx = table["sidx"].to_numpy().astype(np.int64)
        if wanted is not None and (len(sidx) < 2 or bool(np.all(sidx[1:] >= sidx[:-1]))):
            return rows_of_sorted(sidx, wanted)
    found = pc.is_in(strings(annotations, "sample_id"), value_set=ids)
    return np.flatnonzero(np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool))


def _sidx_of(samples: TableLike, ids: pa.Array) -> np.ndarray | None:
    """Sorted ``sidx`` of the samples named in ``ids`` (None when the samples have no ``sidx``)."""
    if isinstance(samples, pd.DataFrame):
        if "sidx" not in samples.columns:
            return None
        chosen = samples["sidx"].to_numpy()[samples["sample_id"].isin(ids.to_pylist()).to_numpy()]
        return np.sort(chosen.astype(np.int64))
    if "sidx" not in samples.column_names:
        return None
    hit = pc.fill_null(pc.is_in(strings(samples, "sample_id"), value_set=ids), False)
    return np.sort(pc.filter(samples["sidx"], hit).to_numpy().astype(np.int64))


def compute_selection(
    dataset: Any, sample_ids: Iterable[str], prepared: Prepared | None = None, **options: Any
) -> dict[str, pd.DataFrame]:
    """Statistics of a selection of samples of one dataset, reusing the dataset's ``prepared`` data (build it
    once with ``prepare``; without it the whole dataset is prepared first)."""
    data = as_dataset(dataset)
    ids = pa.array(list(sample_ids), type=pa.string())
    samples = data.samples
    if isinstance(samples, pd.DataFrame):  # a catalog's: filter in pandas, no conversion of every sample
        chosen: TableLike = samples[samples["sample_id"].isin(ids.to_pylist())]
    else:
        chosen = samples.filter(pc.fill_null(pc.is_in(strings(samples, "sample_id"), value_set=ids), False))
    rows = selection_rows(data.annotations, ids, samples)
    subset = Dataset(data.name, chosen, data.annotations, data.describe, data.origin)
    return compute_dataset(subset, prepared=prepared, rows=rows, **options)


def combine(results: Iterable[Mapping[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Concatenate the statistics of several datasets, table by table."""
    merged: dict[str, list[pd.DataFrame]] = {}
    for result in results:
        for key, frame in result.items():
            merged.setdefault(key, []).append(frame)
    return {
        key: pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
        for key, frames in merged.items()
    }


def compute_all(
    datasets: Any,
    *,
    level: str = "sentence",
    min_count: int = 5,
    top: int = 50,
    pixels: bool = False,
    scheduler: str | Any | None = None,
) -> dict[str, pd.DataFrame]:
    """Every statistic of one or more datasets as tidy DataFrames keyed by name:

    length_summary, length_hist, vocabulary, top_words, ngrams, zipf, spatial_terms, class_mentions,
    cooccurrence, task_mix, answer_balance, boxes_per_sample, box_sizes, class_by_sample, countries,
    continents, density, comparison, and class_by_pixel when ``pixels`` (reads every land-cover layer, with
    Dask).
    """
    return combine(
        compute_dataset(d, level=level, min_count=min_count, top=top, pixels=pixels, scheduler=scheduler)
        for d in as_datasets(datasets)
    )
