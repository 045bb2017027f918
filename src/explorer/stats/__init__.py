"""Dataset statistics: caption length, vocabulary, class frequency, spatial language, task mix, geography, and
the side-by-side comparison table. One library for the dashboard, the notebooks and ``eo-explorer stats``.

Everything is columnar. Texts are de-duplicated first (BigEarthNet.txt's 9.55 M rows are largely templated)
and every per-text measure is computed once per distinct text and weighted by its occurrences; tokens follow
the one rule in ``explorer.text.tokenize``; spatial terms and class mentions come from the pattern files of
``explorer.text.spatial``, matched over token ids with NumPy.

Inputs are the common-model tables (``explorer.model``): samples and annotations, as pyarrow Tables or pandas
DataFrames. Results are tidy pandas DataFrames with a ``dataset`` column, so the statistics of several datasets
concatenate (``combine``) and save to one folder (``save_stats`` / ``load_stats`` / ``cached_stats``).

Scale: ``prepare`` does the expensive part once per dataset (tokenising distinct texts, coding columns as
integers); ``compute_dataset`` and ``compute_selection`` then work on NumPy arrays. ``bench/bench_stats.py``
times the full 9.55 M-row BigEarthNet.txt shape and a 10,000-sample selection.

Modules, one family each: ``inputs`` (what a dataset is), ``corpus`` (texts and the one text rule), ``rows``
(per-row codes), ``lengths``, ``words`` (vocabulary), ``clouds``, ``labels`` (classes and pixels),
``spatial_language``, ``tasks``, ``geography``, ``comparison``, ``compute`` (entry points), ``cache``.
"""

from __future__ import annotations

from .cache import STATS_VERSION, cache_key, cached_stats, load_stats, save_stats
from .clouds import dejavu_font, word_cloud
from .columns import TableLike
from .comparison import comparison_table
from .compute import (
    Prepared,
    combine,
    compute_all,
    compute_dataset,
    compute_selection,
    prepare,
    selection_rows,
)
from .corpus import (
    GROUP_CAPTION,
    GROUP_QUESTION,
    QUESTION_KINDS,
    Corpus,
    annotation_texts,
    is_question,
    text_corpus,
)
from .geography import (
    CONTINENT_BOXES,
    CONTINENTS,
    continent_of,
    density_grid,
    samples_per_continent,
    samples_per_country,
    spatial_coverage,
)
from .inputs import Dataset, DatasetLike, as_dataset, as_datasets
from .labels import class_frequency_by_pixel, class_frequency_by_sample, class_mentions
from .lengths import caption_lengths, length_histogram, length_summary
from .rows import ANSWERS, RowCodes
from .spatial_language import cooccurrence, spatial_term_frequency
from .tasks import answer_balance, box_sizes, boxes_per_sample, task_mix
from .words import Vocabulary, unique_words, vocabulary

__all__ = [
    "ANSWERS",
    "CONTINENTS",
    "CONTINENT_BOXES",
    "GROUP_CAPTION",
    "GROUP_QUESTION",
    "QUESTION_KINDS",
    "STATS_VERSION",
    "Corpus",
    "Dataset",
    "DatasetLike",
    "Prepared",
    "RowCodes",
    "TableLike",
    "Vocabulary",
    "annotation_texts",
    "answer_balance",
    "as_dataset",
    "as_datasets",
    "box_sizes",
    "boxes_per_sample",
    "cache_key",
    "cached_stats",
    "caption_lengths",
    "class_frequency_by_pixel",
    "class_frequency_by_sample",
    "class_mentions",
    "combine",
    "comparison_table",
    "compute_all",
    "compute_dataset",
    "compute_selection",
    "continent_of",
    "cooccurrence",
    "dejavu_font",
    "density_grid",
    "is_question",
    "length_histogram",
    "length_summary",
    "load_stats",
    "prepare",
    "samples_per_continent",
    "samples_per_country",
    "save_stats",
    "selection_rows",
    "spatial_coverage",
    "spatial_term_frequency",
    "task_mix",
    "text_corpus",
    "unique_words",
    "vocabulary",
    "word_cloud",
]
