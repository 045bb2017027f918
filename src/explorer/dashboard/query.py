"""Filtering, text search, map positions and nearest-sample lookup over opened catalogs (no Panel here).

Everything is vectorised over whole columns: at full size (640,000 samples, 9.55 M annotations) a filter change
costs milliseconds plus, for text search, one pass of Arrow's string kernels. Per-catalog precomputations
(Web-Mercator positions, label codes) are cached per catalog and shared by every dashboard session.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import startup_cache
from ..catalog import Catalog
from ..constants import NONE_LABEL
from ..model import KIND_CAPTION
from ..palette import dataset_color
from . import shade
from .resources import shared, shared_recent

_INDEX_CACHE_VERSION = 4  # 2: subset; 3: float32 positions, no ids; 4: ids (Arrow); bump when the arrays change meaning
EARTH_RADIUS = 6378137.0
MAX_MERCATOR_LAT = 85.05112878
ALL = "All"


def _one_array(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


class InvalidQuery(ValueError):
    """A search expression Arrow cannot compile; its message is shown to the user instead of a traceback."""


def to_web_mercator(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:4326 -> EPSG:3857 (metres), vectorised; NaN stays NaN."""
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.clip(np.asarray(lat, dtype=np.float64), -MAX_MERCATOR_LAT, MAX_MERCATOR_LAT)
    x = np.radians(lon) * EARTH_RADIUS
    y = np.log(np.tan(np.pi / 4.0 + np.radians(lat) / 2.0)) * EARTH_RADIUS
    return x, y


@dataclass
class CatalogIndex:
    """What filtering and the map need from one catalog, computed once per catalog."""

    catalog: Catalog
    x: np.ndarray  # float32 Web-Mercator easting per sample (NaN when the position is unknown)
    y: np.ndarray
    split: pd.Categorical
    country: pd.Categorical
    subset: pd.Categorical  # the source a sample comes from (RS5M ben / fmow / ..., SkyScript's sensor, ...)
    label_names: list[str]
    label_codes: np.ndarray  # flattened label code per (sample, label) pair
    label_owner: np.ndarray  # sidx of each pair
    sample_ids: Any  # the catalog's own sample_id column (pandas array: ids[rows], ids[i]); never a copy
    _search_cache: OrderedDict[tuple[str, bool], np.ndarray] = field(default_factory=OrderedDict)
    _text_cache: OrderedDict[str, Any] = field(default_factory=OrderedDict)  # query -> fulltext.SearchResult
    _chunks: tuple[list[pa.Array] | None, np.ndarray] | None = None  # ``_id_chunks``, once

    @property
    def name(self) -> str:
        return self.catalog.name

    @property
    def size(self) -> int:
        return len(self.x)

    @classmethod
    def build(cls, catalog: Catalog) -> CatalogIndex:
        """From the arrays cached in the catalog folder by an earlier process, else computed and cached."""
        cached = startup_cache.load(catalog, "dashboard_index", _INDEX_CACHE_VERSION)
        if cached is not None:
            index = cls.from_arrays(catalog, cached)
            return index
        index = cls.compute(catalog)
        startup_cache.save(catalog, "dashboard_index", _INDEX_CACHE_VERSION, index.to_arrays())
        return index

    def to_arrays(self) -> dict[str, pa.Array]:
        return {
            "x": pa.array(self.x),
            "y": pa.array(self.y),
            "split_codes": pa.array(np.asarray(self.split.codes, dtype=np.int32)),
            "split_names": pa.array([str(c) for c in self.split.categories], pa.string()),
            "country_codes": pa.array(np.asarray(self.country.codes, dtype=np.int32)),
            "country_names": pa.array([str(c) for c in self.country.categories], pa.string()),
            "subset_codes": pa.array(np.asarray(self.subset.codes, dtype=np.int32)),
            "subset_names": pa.array([str(c) for c in self.subset.categories], pa.string()),
            "label_names": pa.array(self.label_names, pa.string()),
            "label_codes": pa.array(self.label_codes),
            "label_owner": pa.array(self.label_owner),
            "sample_ids": _one_array(pa.array(self.sample_ids)),
        }

    @classmethod
    def from_arrays(cls, catalog: Catalog, a: dict[str, pa.Array]) -> CatalogIndex:
        def categorical(name: str) -> pd.Categorical:
            codes = a[f"{name}_codes"].to_numpy(zero_copy_only=False)
            names = pd.Index(a[f"{name}_names"].to_pylist(), dtype=object)
            return pd.Categorical.from_codes(codes, categories=names)

        return cls(
            catalog=catalog,
            x=a["x"].to_numpy(zero_copy_only=False),
            y=a["y"].to_numpy(zero_copy_only=False),
            split=categorical("split"),
            country=categorical("country"),
            subset=categorical("subset"),
            label_names=[str(n) for n in a["label_names"].to_pylist()],
            label_codes=a["label_codes"].to_numpy(zero_copy_only=False),
            label_owner=a["label_owner"].to_numpy(zero_copy_only=False),
            # Arrow strings in the memory-mapped cache file, not the catalog's column: the first page then needs
            # no samples table (its read, ~0.3-0.6 s of CPU at 480 k samples, waits for the first sample's read).
            sample_ids=pd.arrays.ArrowExtensionArray(a["sample_ids"]),
        )

    @classmethod
    def compute(cls, catalog: Catalog) -> CatalogIndex:
        samples = catalog.samples
        x, y = to_web_mercator(samples["lon"].to_numpy(dtype=float), samples["lat"].to_numpy(dtype=float))
        x, y = x.astype(np.float32), y.astype(np.float32)  # ~2 m at the map's scale; half the memory per session
        exploded = samples["labels"].explode()
        present = exploded.notna().to_numpy()
        owner = np.asarray(exploded.index)[present].astype(np.int64)
        codes, names = pd.factorize(exploded[present].astype(str), sort=True)
        return cls(
            catalog=catalog,
            x=x,
            y=y,
            split=pd.Categorical(samples["split"].astype(object)),
            country=pd.Categorical(samples["country"].astype(object)),
            subset=pd.Categorical(
                samples["subset"].astype(object) if "subset" in samples else [None] * len(x)
            ),
            label_names=[str(n) for n in names],
            label_codes=codes.astype(np.int32),
            label_owner=owner,
            sample_ids=samples["sample_id"].array,
        )

    def ids_at(self, rows: np.ndarray) -> np.ndarray:
        """The sample ids at ``rows`` (any order), as an object array. Taken chunk by chunk from the Arrow column:
        a take over the whole column first joins its chunks (~20 ms at 5 M ids, however few the rows: the result
        list of every filter and page paid it per catalog)."""
        rows = np.asarray(rows, dtype=np.int64)
        chunks, starts = self._id_chunks()
        if chunks is None:  # not an Arrow column
            return np.asarray(self.sample_ids[rows], dtype=object)
        out = np.empty(rows.size, dtype=object)
        if rows.size == 0:
            return out
        if rows.min() < 0 or rows.max() >= starts[-1]:
            raise IndexError(f"sample rows out of range for {self.name} ({starts[-1]} samples)")
        chunk_of = np.searchsorted(starts, rows, side="right") - 1
        for chunk in np.unique(chunk_of):
            picked = chunk_of == chunk
            local = pa.array(rows[picked] - starts[chunk])
            out[picked] = chunks[chunk].take(local).to_numpy(zero_copy_only=False)
        return out

    def _id_chunks(self) -> tuple[list[pa.Array] | None, np.ndarray]:
        """The id column's Arrow chunks and the row each starts at (one more: the column's length)."""
        if self._chunks is None:
            to_arrow = getattr(self.sample_ids, "__arrow_array__", None)
            column = to_arrow() if to_arrow is not None else None
            if isinstance(column, pa.ChunkedArray):
                chunks = list(column.chunks)
                self._chunks = (chunks, np.cumsum([0, *(len(c) for c in chunks)], dtype=np.int64))
            else:
                self._chunks = (None, np.zeros(1, dtype=np.int64))
        return self._chunks

    def has_label(self, label: str) -> np.ndarray:
        """Boolean per sample: does it carry ``label``?"""
        mask = np.zeros(self.size, dtype=bool)
        if label in self.label_names:
            code = self.label_names.index(label)
            mask[self.label_owner[self.label_codes == code]] = True
        return mask

    def search(self, query: str, regex: bool) -> np.ndarray:
        """sidx of samples whose captions or questions match, case-insensitive; cached per query."""
        key = (query, regex)
        if key in self._search_cache:
            self._search_cache.move_to_end(key)
            return self._search_cache[key]
        if not regex and self.catalog.has_fulltext:
            result = self.full_text(query).sidx
        else:
            result = search_samples(self.catalog, query, regex)
        self.remember(query, regex, result)
        return result

    def remember(self, query: str, regex: bool, sidx: np.ndarray) -> None:
        """Keep what a search found (the regex scan of a session runs outside ``search``)."""
        self._search_cache[(query, regex)] = sidx
        while len(self._search_cache) > 16:
            self._search_cache.popitem(last=False)

    def knows(self, query: str, regex: bool) -> bool:
        return (query, regex) in self._search_cache

    def full_text(self, query: str) -> Any:
        """The full-text index's answer (samples and the best texts, one pass), cached per query."""
        from ..fulltext import FullTextError

        if query in self._text_cache:
            self._text_cache.move_to_end(query)
            return self._text_cache[query]
        try:
            result = self.catalog.fulltext.search(query, limit=RANKED_LIMIT)
        except FullTextError as error:
            raise InvalidQuery(str(error)) from None
        self._text_cache[query] = result
        while len(self._text_cache) > 16:
            self._text_cache.popitem(last=False)
        return result


RANKED_LIMIT = 20


def ranked_texts(indexes: list[CatalogIndex], filters: Filters) -> pd.DataFrame | None:
    """The best-matching distinct texts of a word query (BM25, best first) over the chosen datasets' full-text
    indexes; None for no query, a regular expression, or no index (the list is then not shown)."""
    query = filters.query.strip()
    if not query or filters.regex:
        return None
    key = ("ranked", tuple(str(ix.catalog.path) for ix in indexes), query, filters.dataset)
    return shared_recent(key, lambda: _ranked_texts(indexes, filters.dataset, query), _frame_bytes, tuple(indexes))


def _frame_bytes(frame: pd.DataFrame | None) -> int:
    """What a cached frame holds, strings included (the ranked texts are strings; the map's columns are numbers
    and a categorical, which ``deep`` counts at the cost of its categories only)."""
    return 0 if frame is None else int(frame.memory_usage(index=False, deep=True).sum())


def _ranked_texts(indexes: list[CatalogIndex], dataset: str, query: str) -> pd.DataFrame | None:
    frames = []
    for ix in indexes:
        if dataset not in (ALL, ix.name) or not ix.catalog.has_fulltext:
            continue
        try:
            ranked = ix.full_text(query).ranked
        except InvalidQuery:
            return None
        frames.append(ranked.assign(dataset=ix.name))
    if not frames:
        return None
    frame = pd.concat(frames, ignore_index=True).sort_values("score", ascending=False, kind="stable")
    return frame.head(RANKED_LIMIT).reset_index(drop=True)


def needs_scan(indexes: list[CatalogIndex], filters: Filters) -> list[CatalogIndex]:
    """Indexes a regular-expression filter must scan (not cached); a bad pattern needs none: ``match`` says so."""
    from ..fulltext import regex_error

    query = filters.query.strip()
    if not filters.regex or not query or regex_error(query):
        return []
    return [ix for ix in indexes if filters.dataset in (ALL, ix.name) and not ix.knows(query, True)]


def search_annotations(annotations: pa.Table, query: str, regex: bool) -> np.ndarray:
    """Unique sidx of annotations whose question (``input``) or caption text (``output``) matches ``query``.

    Answers are not searched (every yes/no answer would match "no"); captions are, through ``output``.
    """
    match = pc.match_substring_regex if regex else pc.match_substring
    try:
        in_input = match(annotations["input"], pattern=query, ignore_case=True)
        in_caption = pc.and_(
            pc.equal(annotations["kind"], KIND_CAPTION),
            match(annotations["output"], pattern=query, ignore_case=True),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise InvalidQuery(f"invalid regular expression {query!r}: {error}") from None
    hit = pc.fill_null(pc.or_kleene(in_input, in_caption), False)
    sidx = pc.filter(annotations["sidx"], hit).to_numpy()
    return np.unique(sidx).astype(np.int64)


def search_samples(catalog: Catalog, query: str, regex: bool) -> np.ndarray:
    """Unique sidx matching ``query``: through the catalog's full-text index (words, "phrases", prefix*) when
    it has one, else (and for regular expressions) by scanning every text."""
    if regex or not catalog.has_fulltext:
        return search_annotations(catalog.annotations, query, regex)
    from ..fulltext import FullTextError

    try:
        return catalog.fulltext.matching_samples(query)
    except FullTextError as error:
        raise InvalidQuery(str(error)) from None


def index_of(catalog: Catalog) -> CatalogIndex:
    """The shared index of a catalog (built on first use; sessions reuse it read-only: ``resources``)."""
    return shared(("index", str(catalog.path)), lambda: CatalogIndex.build(catalog), owner=catalog)


@dataclass(frozen=True)
class Filters:
    dataset: str = ALL
    split: str = ALL
    country: str = ALL
    label: str = ALL
    query: str = ""
    regex: bool = False
    bounds: tuple[float, float, float, float] | None = None  # Web-Mercator box (x0, y0, x1, y1)
    subset: str = ALL
    # Only these samples (dataset -> sidx), set by a view (the Audit's "only samples with disputes"); a dataset
    # left out matches nothing. None: no such restriction.
    keep: Mapping[str, np.ndarray] | None = field(default=None, compare=False)


# Rows of samples in a session (matches, positions on the map): a catalog never holds 2^31 samples (DESIGN: ~10 M
# at once), and each session keeps one per match, so int32 halves them.
ROW = np.int32


@dataclass
class Matches:
    """Matching samples across datasets, in dataset order then sidx: the order of previous/next."""

    datasets: list[str]
    dataset_code: np.ndarray  # int16 index into ``datasets``
    sidx: np.ndarray  # row of the sample in its catalog: int32 (catalogs < 2^31 rows; ~43 MB less at 10.7 M)
    x: np.ndarray
    y: np.ndarray
    message: str = ""  # e.g. an invalid regular expression
    shared: bool = False  # every sample, no filter: one read-only instance for all sessions (``match``)
    # The normalised filters these are the matches of, when they are one read-only instance shared by every
    # session asking for the same filters (``match``); what is derived from them is cached under it too.
    key: Hashable | None = None

    @property
    def count(self) -> int:
        return int(self.sidx.size)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.dataset_code, self.sidx, self.x, self.y))

    @classmethod
    def empty(cls, datasets: list[str], message: str = "") -> Matches:
        none = np.zeros(0)
        return cls(datasets, none.astype(np.int16), none.astype(ROW), none, none, message)

    def position_of(self, dataset: str, sidx: int) -> int | None:
        """Position of a sample in the match order, or None when it does not match: two binary searches, the
        matches being sorted by dataset then sidx (a scan of every match cost ~25 ms per sample opened at ~10 M)."""
        if dataset not in self.datasets:
            return None
        # Keys of the arrays' own dtypes: a Python int makes NumPy search a converted (int64) copy of the whole
        # array (~0.5 ms at ~0.46 M matches, ~15 ms at ~10 M) where the search itself takes microseconds.
        code = self.dataset_code.dtype.type(self.datasets.index(dataset))
        low, high = (int(np.searchsorted(self.dataset_code, code, side=side)) for side in ("left", "right"))
        at = low + int(np.searchsorted(self.sidx[low:high], self.sidx.dtype.type(sidx)))
        return at if at < high and int(self.sidx[at]) == sidx else None


def match(indexes: list[CatalogIndex], filters: Filters) -> Matches:
    """Samples passing every filter. An invalid regular expression yields no match and a message.

    The matches of the same filters are the same for every session: one read-only instance per process (and
    set of catalogs), computed by the first session asking. Without any filter (what every page starts with)
    it is kept for good (at ~10 M samples ~150 MB and ~0.2 s of CPU per page saved); the matches of a filter
    while recently used (``resources.shared_recent``): 20 sessions searching "forest" over 9.55 M rows hold one
    copy and compute it once. A ``keep`` list (a view's own samples) is this session's alone."""
    if filters.keep is not None:
        return _match(indexes, filters)
    key = filters_key(indexes, filters)
    if filters == Filters():
        return shared(key, lambda: _frozen(_match(indexes, filters), key, everything=True), owner=tuple(indexes))
    return shared_recent(
        key, lambda: _frozen(_match(indexes, filters), key), lambda m: m.nbytes, owner=tuple(indexes)
    )


def filters_key(indexes: list[CatalogIndex], filters: Filters) -> Hashable:
    """What the matches of ``filters`` depend on: the catalogs and the filters, a query without its outer
    spaces (``match`` ignores them) and a regex flag only with a query."""
    query = filters.query.strip()
    normalised = replace(filters, query=query, regex=filters.regex and bool(query))
    paths = tuple(str(ix.catalog.path) for ix in indexes)
    return ("all-matches", *paths) if normalised == Filters() else ("matches", paths, normalised)


def _frozen(matches: Matches, key: Hashable, everything: bool = False) -> Matches:
    for array in (matches.dataset_code, matches.sidx, matches.x, matches.y):
        array.flags.writeable = False  # shared by every session: a write would change theirs too
    matches.shared, matches.key = everything, key
    return matches


def _every_sample(filters: Filters) -> bool:
    """No filter but (perhaps) the dataset: every sample of a dataset passes."""
    return replace(filters, dataset=ALL) == Filters() and filters.keep is None and not filters.query.strip()


def _match(indexes: list[CatalogIndex], filters: Filters) -> Matches:
    names = [ix.name for ix in indexes]
    codes, sidxs, xs, ys = [], [], [], []
    for code, ix in enumerate(indexes):
        if filters.dataset not in (ALL, ix.name):
            continue
        if filters.keep is not None and ix.name not in filters.keep:
            continue
        if _every_sample(filters):  # what every page starts with: no mask, no gathering of every position
            codes.append(np.full(ix.size, code, dtype=np.int16))
            sidxs.append(np.arange(ix.size, dtype=ROW))
            xs.append(ix.x)
            ys.append(ix.y)
            continue
        mask = np.ones(ix.size, dtype=bool)
        if filters.keep is not None:
            kept = np.zeros(ix.size, dtype=bool)
            kept[np.asarray(filters.keep[ix.name], dtype=np.int64)] = True
            mask &= kept
        if filters.split != ALL:
            mask &= np.asarray(ix.split == filters.split)
        if filters.country != ALL:
            mask &= np.asarray(ix.country == filters.country)
        if filters.subset != ALL:
            mask &= np.asarray(ix.subset == filters.subset)
        if filters.label != ALL:
            mask &= ix.has_label(filters.label)
        if filters.bounds is not None:
            x0, y0, x1, y1 = filters.bounds
            mask &= (
                (ix.x >= min(x0, x1)) & (ix.x <= max(x0, x1)) & (ix.y >= min(y0, y1)) & (ix.y <= max(y0, y1))
            )
        if filters.query.strip():
            try:
                found = ix.search(filters.query.strip(), filters.regex)
            except InvalidQuery as error:
                return Matches.empty(names, str(error))
            text_mask = np.zeros(ix.size, dtype=bool)
            text_mask[found] = True
            mask &= text_mask
        rows = np.flatnonzero(mask)
        codes.append(np.full(rows.size, code, dtype=np.int16))
        sidxs.append(rows.astype(ROW))
        xs.append(ix.x[rows])
        ys.append(ix.y[rows])
    if not sidxs:
        return Matches.empty(names)
    return Matches(
        names, np.concatenate(codes), np.concatenate(sidxs), np.concatenate(xs), np.concatenate(ys)
    )


def options(indexes: list[CatalogIndex], dataset: str = ALL) -> dict[str, list[str]]:
    """Values offered by the split/country/subset/class filters (of one dataset, or of all)."""
    chosen = [ix for ix in indexes if dataset in (ALL, ix.name)]
    splits = sorted({str(s) for ix in chosen for s in ix.split.categories})
    countries = sorted({str(c) for ix in chosen for c in ix.country.categories})
    subsets = sorted({str(c) for ix in chosen for c in ix.subset.categories})
    labels = sorted({name for ix in chosen for name in ix.label_names})
    return {"split": splits, "country": countries, "subset": subsets, "label": labels}


def category_values(cat: pd.Categorical, rows: np.ndarray) -> np.ndarray:
    """Values of a categorical at ``rows`` as an object array (None for missing), without converting it all."""
    codes = np.asarray(cat.codes)[rows]
    labels = np.asarray(list(cat.categories) + [None], dtype=object)
    return labels[np.where(codes >= 0, codes, len(labels) - 1)]


# --- map colouring -------------------------------------------------------------------------------------------
COLOR_BY_DATASET = "dataset"
COLOR_BY_SPLIT = "split"
COLOR_BY_CLASS = "class"
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
SPLIT_COLORS = {
    "train": "#1f77b4",
    "validation": "#ff7f0e",
    "val": "#ff7f0e",
    "test": "#2ca02c",
    "bench": "#d62728",
}
NO_VALUE = NONE_LABEL


def categories(
    indexes: list[CatalogIndex], matches: Matches, color_by: str, label: str | None
) -> pd.Categorical[Any]:
    """The colour category of every matching sample: its dataset, its split, or whether it has ``label``."""
    if color_by == COLOR_BY_DATASET:
        return pd.Categorical.from_codes(  # codes index ``datasets`` by construction: not checked again
            matches.dataset_code, categories=pd.Index(matches.datasets), validate=False
        )
    values = np.empty(matches.count, dtype=object)
    for code, ix in enumerate(indexes):
        rows = np.flatnonzero(matches.dataset_code == code)
        if rows.size == 0:
            continue
        sidx = matches.sidx[rows]
        if color_by == COLOR_BY_SPLIT:
            values[rows] = category_values(ix.split, sidx)
        else:
            has = ix.has_label(label)[sidx] if label else np.zeros(sidx.size, dtype=bool)
            values[rows] = np.where(has, f"with {label}", f"without {label}")
    values[pd.isna(values)] = NO_VALUE
    return pd.Categorical(values)


def color_key(cats: pd.Categorical, color_by: str) -> dict[str, str]:
    keys: dict[str, str] = {}
    for i, cat in enumerate(cats.categories):
        cat = str(cat)
        if cat == NO_VALUE:
            keys[cat] = "#7f7f7f"
        elif color_by == COLOR_BY_SPLIT:
            keys[cat] = SPLIT_COLORS.get(cat.lower(), PALETTE[i % len(PALETTE)])
        elif color_by == COLOR_BY_CLASS:
            keys[cat] = "#d62728" if cat.startswith("with ") else "#7f7f7f"
        else:
            keys[cat] = dataset_color(cat)  # one colour per dataset name, as in the statistics and figures
    return keys


# --- map rendering -------------------------------------------------------------------------------------------
def map_layer(
    indexes: list[CatalogIndex], matches: Matches, color_by: str, label: str | None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The map's frame (``points_frame``) and colours (``color_key``) of ``matches``. Shared read-only by the
    sessions showing the same matches in the same colouring: for the unfiltered matches coloured by dataset
    (every new page) kept for good (~50 MB and ~0.1 s of CPU per page at ~10 M samples, twice: a page sets its
    colour class after its matches), for other shared matches while recently used (``resources.shared_recent``).
    The frame of a session's own matches (a ``keep`` list) is its own."""

    def build() -> tuple[pd.DataFrame, dict[str, str]]:
        cats = categories(indexes, matches, color_by, label)
        return points_frame(matches, cats), color_key(cats, color_by)

    if matches.shared and color_by == COLOR_BY_DATASET:
        return shared(("all-map-layer", *(str(ix.catalog.path) for ix in indexes)), build, owner=matches)
    if matches.key is None:
        return build()
    key = ("map-layer", matches.key, color_by, label if color_by == COLOR_BY_CLASS else None)
    return shared_recent(key, build, lambda layer: _frame_bytes(layer[0]), owner=matches)


def points_frame(matches: Matches, cats: pd.Categorical) -> pd.DataFrame:
    """The frame the map draws: finite positions only; ``cat`` is the colour category and ``pos`` points back
    into ``matches``."""
    finite = np.flatnonzero(np.isfinite(matches.x) & np.isfinite(matches.y)).astype(ROW)
    return pd.DataFrame({"x": matches.x[finite], "y": matches.y[finite], "cat": cats[finite], "pos": finite})


def rasterize_points(
    frame: pd.DataFrame,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    width: int,
    height: int,
    colors: dict[str, str],
) -> np.ndarray:
    """Shade points into an RGBA image (rows top to bottom), spreading isolated points to stay visible."""
    width, height = max(int(width), 2), max(int(height), 2)
    cats = frame["cat"].cat
    names = [str(c) for c in cats.categories]
    rgba = shade.shade_points(
        frame["x"].to_numpy(), frame["y"].to_numpy(), np.asarray(cats.codes),
        [colors.get(n, "#7f7f7f") for n in names] or ["#7f7f7f"], x_range, y_range, width, height,
    )  # fmt: skip
    rgba = shade.dynspread(rgba)
    return np.ascontiguousarray(rgba[::-1])


def nearest(matches: Matches, x: float, y: float, tolerance: float) -> int | None:
    """Position (in ``matches``) of the matching sample closest to (x, y), if within ``tolerance`` metres."""
    if matches.count == 0:
        return None
    near = (np.abs(matches.x - x) <= tolerance) & (np.abs(matches.y - y) <= tolerance)
    candidates = np.flatnonzero(near)
    if candidates.size == 0:
        return None
    dist = (matches.x[candidates] - x) ** 2 + (matches.y[candidates] - y) ** 2
    best = int(np.argmin(dist))
    return int(candidates[best]) if dist[best] <= tolerance**2 else None


def results_frame(indexes: list[CatalogIndex], matches: Matches, limit: int = 1000) -> pd.DataFrame:
    """The first ``limit`` matches as a small table for the result list; shared read-only by the sessions
    showing the same shared matches (reading the ids costs ~20-30 ms at full size)."""
    if matches.key is None:
        return _results_frame(indexes, matches, limit)
    return shared_recent(
        ("results", matches.key, limit),
        lambda: _results_frame(indexes, matches, limit),
        lambda frame: int(frame.memory_usage(index=False, deep=True).sum()),
        owner=matches,
    )


def _results_frame(indexes: list[CatalogIndex], matches: Matches, limit: int) -> pd.DataFrame:
    head = slice(0, min(limit, matches.count))
    codes, sidx = matches.dataset_code[head], matches.sidx[head]
    frame: dict[str, Any] = {"dataset": [], "sample_id": [], "split": [], "country": []}
    for code, ix in enumerate(indexes):
        rows = sidx[codes == code]
        if rows.size == 0:
            continue
        frame["dataset"].append(np.full(rows.size, ix.name, dtype=object))
        frame["sample_id"].append(ix.ids_at(rows))
        frame["split"].append(category_values(ix.split, rows))
        frame["country"].append(category_values(ix.country, rows))
    if not frame["dataset"]:
        return pd.DataFrame({k: pd.Series([], dtype=object) for k in frame})
    return pd.DataFrame({k: np.concatenate(v) for k, v in frame.items()})
