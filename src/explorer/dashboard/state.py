"""The dashboard's single store: opened catalogs, filters, the matching samples, the open sample and its layers.

No widgets live here (views make them with ``.from_param``), so the same state drives a served page, a notebook
and the benchmarks. Catalogs are shared read-only between sessions; everything else is per session.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
import pandas as pd
import param

if TYPE_CHECKING:  # xarray (~0.3-0.5 s of imports) only when a layer is read: not on the way to a page
    import xarray as xr

from .. import imagery
from ..catalog import Catalog
from ..constants import NONE_LABEL
from ..errors import ExplorerError
from ..model import LAYER_KINDS, LAYER_LANDCOVER, LAYER_S1, LAYER_S2
from . import query as dq
from . import resources
from .query import ALL, Filters, Matches

LAYER_TITLES = {LAYER_S2: "optical", LAYER_S1: "SAR", LAYER_LANDCOVER: "land-cover"}
NO_REFEXP = -1
T = TypeVar("T")


class ExplorerState(param.Parameterized):
    """Filters -> matches -> open sample -> layers; views only read this and set its parameters."""

    # --- filters ------------------------------------------------------------------------------------------
    dataset: param.Selector[Any] = param.Selector(
        default=ALL, objects=[ALL], doc="Dataset shown (or all of them)"
    )
    split: param.Selector[Any] = param.Selector(
        default=ALL, objects=[ALL], doc="Split shown (train, validation, ...)"
    )
    country: param.Selector[Any] = param.Selector(default=ALL, objects=[ALL], doc="Country of the samples")
    subset: param.Selector[Any] = param.Selector(
        default=ALL, objects=[ALL], doc="Source the samples come from (RS5M ben / fmow / ..., image source)"
    )
    label: param.Selector[Any] = param.Selector(
        default=ALL, objects=[ALL], label="Class", doc="Samples carrying this land-cover label"
    )
    query = param.String(
        default="",
        label="Search captions and questions",
        doc="Text (or regex) the captions/questions contain",
    )
    regex = param.Boolean(
        default=False, label="Regular expression", doc="Read ``query`` as a regular expression"
    )
    bounds = param.NumericTuple(default=None, length=4, allow_None=True, doc="Box selection (Web Mercator)")
    keep = param.Dict(
        default=None, allow_None=True,
        doc="dataset -> sidx: only these samples match (set by a view, e.g. the Audit's 'only samples with "
        "disputes'); a dataset left out matches nothing",
    )  # fmt: skip
    keep_label = param.String(default="", doc="What ``keep`` keeps, said in the match count")

    # --- derived from the filters -------------------------------------------------------------------------
    matches = param.Parameter(default=None, doc="query.Matches of the current filters")
    count = param.Integer(default=0, doc="How many samples match the filters")
    message = param.String(default="", doc="Why the filters match nothing (invalid regex, ...)")
    results = param.DataFrame(default=None, doc="The first matches, for the result list")
    ranked = param.DataFrame(default=None, doc="Best-matching texts of a word query (BM25), or None")
    # A regular expression is the slow path: every text is scanned, chunk by chunk, while the previous
    # matches stay shown; cancelling restores the previous query.
    scan_fraction = param.Number(
        default=None, allow_None=True, bounds=(0.0, 1.0), doc="Share of the texts scanned (None: no scan)"
    )
    scan_chunk_rows = param.Integer(default=200_000, bounds=(1, None), doc="Rows scanned between two updates")
    post = param.Callable(
        default=None,
        doc="Runs a callable on the session's thread; a served dashboard passes one that schedules it on the "
        "event loop and the scan then runs in a thread of its own (none: the scan runs at once, in the caller)",
    )

    # --- map colouring ------------------------------------------------------------------------------------
    color_by: param.Selector[Any] = param.Selector(
        default=dq.COLOR_BY_DATASET,
        objects=[dq.COLOR_BY_DATASET, dq.COLOR_BY_SPLIT, dq.COLOR_BY_CLASS],
        doc="What the map colours the samples by",
    )
    color_class: param.Selector[Any] = param.Selector(
        default=None, objects=[], allow_None=True, label="Class to colour", doc="Class the map colours by"
    )
    map_frame = param.DataFrame(default=None, doc="x, y, cat of the matching samples (the map raster's input)")
    map_colors = param.Dict(default={}, doc="Map category -> colour (datasets: ``palette.dataset_color``)")
    # Samples behind a bar or bin picked in the statistics (stats_view), outlined on the map.
    highlight = param.Dict(default={}, doc="dataset -> sorted sidx of the highlighted samples")
    highlight_label = param.String(default="", doc="What the highlighted samples have in common")

    # --- the open sample ----------------------------------------------------------------------------------
    open_dataset = param.String(default="", doc="Dataset of the open sample (URL: dataset=)")
    sample_id = param.String(default="", doc="Open sample (URL: sample=)")
    sample = param.Dict(default=None, allow_None=True, doc="Catalog row of the open sample")
    annotations = param.DataFrame(default=None, doc="Annotations of the open sample")
    layers = param.Dict(default={}, doc="kind -> DataArray of the open sample")
    layer_errors = param.Dict(default={}, doc="kind -> message for layers that failed or are absent")
    sample_message = param.String(default="", doc="Why the open sample cannot be shown")
    refexp: param.Selector[Any] = param.Selector(
        default=NO_REFEXP,
        objects={NONE_LABEL: NO_REFEXP},
        label="Referring expression",
        doc="Referring expression of the open sample whose box is drawn",
    )
    loading = param.Boolean(default=False, doc="The open sample is being read")
    defer = param.Callable(
        default=None,
        doc="Runs the sample read, now or later, and says whether it is later (then the loading indicator shows "
        "meanwhile): a served dashboard reads its first sample after the page has loaded (none: read at once)",
    )

    # --- display settings ---------------------------------------------------------------------------------
    composite: param.Selector[Any] = param.Selector(
        default=imagery.TRUE_COLOUR,
        objects=list(imagery.COMPOSITE_NAMES),
        doc="Band composite of the optical image",
    )
    red: param.Selector[Any] = param.Selector(
        default=None, objects=[], allow_None=True, doc="Band shown as red"
    )
    green: param.Selector[Any] = param.Selector(
        default=None, objects=[], allow_None=True, doc="Band shown as green"
    )
    blue: param.Selector[Any] = param.Selector(
        default=None, objects=[], allow_None=True, doc="Band shown as blue"
    )
    percentiles = param.Range(
        default=imagery.DEFAULT_PERCENTILES,
        bounds=(0.0, 100.0),
        label="Stretch (percentiles)",
        doc="Percentiles mapped to black and white",
    )
    sar_mode: param.Selector[Any] = param.Selector(
        default=imagery.SAR_FALSE_COLOUR, objects=list(imagery.SAR_MODES), label="SAR", doc="How SAR is shown"
    )
    landcover_opacity = param.Number(
        default=0.8, bounds=(0.0, 1.0), label="Land-cover opacity", doc="Opacity of the land-cover overlay"
    )

    def __init__(self, catalogs: list[Catalog], **params: Any) -> None:
        self.catalogs: dict[str, Catalog] = {c.name: c for c in catalogs}
        # What each viewer draws, per layer kind: (layer, options, result); several views and the export ask.
        self._drawn: dict[str, tuple[Any, Any, Any]] = {}
        # The open sample's annotations as plain dicts, with the frame they are of (``annotation_records``).
        self._records: tuple[Any, list[dict[str, Any]]] = (None, [])
        self.indexes = [dq.index_of(c) for c in catalogs]
        self._scan: threading.Event | None = None  # set = cancel the running regex scan
        self._shown = Filters()  # the filters whose matches are shown
        super().__init__(**params)
        self.param.dataset.objects = [ALL, *self.catalogs]
        self.has_subsets = bool(dq.options(self.indexes)["subset"])  # the subset filter is shown only then
        self._update_matches()
        self._refresh_options()
        self._rng = random.Random()

    # --- filters ------------------------------------------------------------------------------------------
    @property
    def filters(self) -> Filters:
        bounds = None
        if self.bounds is not None:
            x0, y0, x1, y1 = (float(v) for v in self.bounds)
            bounds = (x0, y0, x1, y1)
        return Filters(
            self.dataset, self.split, self.country, self.label, self.query, self.regex, bounds,
            subset=self.subset, keep=self.keep,
        )

    @param.depends("dataset", watch=True)
    def _refresh_options(self) -> None:
        opts = dq.options(self.indexes, self.dataset)
        updates: dict[str, Any] = {}
        for name in ("split", "country", "subset", "label"):
            self.param[name].objects = [ALL, *opts[name]]
            if getattr(self, name) not in self.param[name].objects:
                updates[name] = ALL
        self.param.color_class.objects = opts["label"]
        if self.color_class not in opts["label"]:
            updates["color_class"] = opts["label"][0] if opts["label"] else None
        if updates:
            self.param.update(updates)

    @param.depends(
        "dataset", "split", "country", "subset", "label", "query", "regex", "bounds", "keep", watch=True
    )
    def _update_matches(self) -> None:
        filters = self.filters
        if self._scan is not None:
            self._scan.set()  # superseded by these filters
            self._scan = None
        to_scan = dq.needs_scan(self.indexes, filters)
        if to_scan:
            self._start_scan(filters, to_scan)
            return
        self.scan_fraction = None
        matches = dq.match(self.indexes, filters)
        self._shown = filters
        self.param.update(
            matches=matches,
            count=matches.count,
            message=matches.message,
            results=dq.results_frame(self.indexes, matches),
            ranked=dq.ranked_texts(self.indexes, filters),
        )
        self._update_map_frame()

    def _start_scan(self, filters: Filters, indexes: list[dq.CatalogIndex]) -> None:
        """Scan ``indexes`` for the regular expression chunk by chunk, reporting ``scan_fraction``; at the end
        show the matches, on ``cancel_scan`` go back to the previous query."""
        cancel = threading.Event()
        self._scan = cancel
        self.scan_fraction = 0.0
        pattern, chunk = filters.query.strip(), self.scan_chunk_rows
        total = sum(ix.catalog.annotations.num_rows for ix in indexes) or 1
        post: Callable[[Callable[[], None]], None] = self.post or (lambda call: call())

        def report(fraction: float) -> None:
            if self._scan is cancel:
                self.scan_fraction = fraction

        def end(found: dict[str, np.ndarray] | None) -> None:
            if self._scan is not cancel:
                return  # superseded meanwhile
            self._scan = None
            self.scan_fraction = None
            if found is None:  # cancelled: the previous filter stays
                self.param.update(query=self._shown.query, regex=self._shown.regex)
                return
            for ix in indexes:
                ix.remember(pattern, True, found[ix.name])
            self._update_matches()

        every = 0.1 if self.post is not None else 0.0  # served: at most 10 progress updates a second

        def work() -> None:
            found: dict[str, np.ndarray] = {}
            done, reported = 0, 0.0
            for ix in indexes:
                last = None
                for step in ix.catalog.regex_scan(pattern, cancel=cancel, chunk_rows=chunk):
                    last = step
                    if not (step.done or step.cancelled) and time.monotonic() - reported >= every:
                        reported = time.monotonic()
                        post(partial(report, min((done + step.rows_done) / total, 1.0)))
                if last is None or last.cancelled or last.sidx is None:
                    post(partial(end, None))
                    return
                found[ix.name] = last.sidx
                done += ix.catalog.annotations.num_rows
            post(partial(end, found))

        if self.post is None:
            work()
        else:
            threading.Thread(target=work, name="eo-regex-scan", daemon=True).start()

    def cancel_scan(self) -> None:
        """Stop a running regular-expression scan; the previous filter stays."""
        if self._scan is not None:
            self._scan.set()

    @param.depends("color_by", "color_class", watch=True)
    def _update_map_frame(self) -> None:
        if self.matches is None:
            return
        frame, colors = dq.map_layer(self.indexes, self.matches, self.color_by, self.color_class)
        self.param.update(map_frame=frame, map_colors=colors)

    def clear_filters(self) -> None:
        self.param.update(
            dataset=ALL, split=ALL, country=ALL, subset=ALL, label=ALL, query="", regex=False, bounds=None,
            keep=None, keep_label="",
        )  # fmt: skip

    # --- opening samples ----------------------------------------------------------------------------------
    def open_sample(self, dataset: str, sample_id: str) -> None:
        self.param.update(open_dataset=dataset, sample_id=sample_id)

    def open_match(self, position: int) -> None:
        m: Matches = self.matches
        if m.count == 0:
            return
        position %= m.count
        index = self.indexes[int(m.dataset_code[position])]
        self.open_sample(index.name, str(index.sample_ids[int(m.sidx[position])]))

    def open_first(self, dataset: str | None = None) -> None:
        """The first match (of ``dataset`` when given and known), or that dataset's first sample."""
        m: Matches = self.matches
        if dataset in self.catalogs:
            code = m.datasets.index(dataset)
            hits = np.flatnonzero(m.dataset_code == code)
            if hits.size:
                self.open_match(int(hits[0]))
            elif len(self.catalogs[dataset].samples):
                self.open_sample(dataset, str(self.catalogs[dataset].samples["sample_id"].iloc[0]))
            return
        self.open_match(0)

    def current_position(self) -> int | None:
        if not self.sample:
            return None
        return self.matches.position_of(self.open_dataset, int(self.sample["sidx"]))

    def step(self, delta: int) -> None:
        """Previous (-1) / next (+1) matching sample; from outside the matches, start at the first."""
        position = self.current_position()
        self.open_match(0 if position is None else position + delta)

    def open_random(self) -> None:
        if self.matches.count:
            self.open_match(self._rng.randrange(self.matches.count))

    @param.depends("open_dataset", "sample_id", watch=True)
    def _load_sample(self) -> None:
        """Read everything the sample panels show, once; views then only render."""
        if not self.sample_id:
            return
        if self.defer is None:
            self._read_sample()
            return
        wanted = (self.open_dataset, self.sample_id)

        def read() -> None:
            if (self.open_dataset, self.sample_id) != wanted:
                return  # another sample was asked for meanwhile: its own read follows
            try:
                self._read_sample()
            finally:
                self.loading = False

        if self.defer(read):
            self.loading = True  # read later: the indicator shows meanwhile (a read done now needs none)

    def _read_sample(self) -> None:
        catalog = self.catalogs.get(self.open_dataset)
        if catalog is None:
            self._set_sample_problem(f"no dataset named {self.open_dataset!r} is open")
            return
        try:
            read = read_sample(catalog, self.sample_id)
        except KeyError:
            self._set_sample_problem(f"dataset {self.open_dataset!r} has no sample {self.sample_id!r}")
            return
        annotations = read.annotations
        self._records = (annotations, read.records)
        # One batch: views hear of new band options, picks and layers together and redraw once.
        with param.parameterized.batch_call_watchers(self):
            picks = self._band_choice(read.layers.get(LAYER_S2))
            options = refexp_options(read.records)
            if self.param.refexp.names != options:  # most samples have none: the picker's options stay as they are
                self.param.refexp.objects = options
            self.param.update(
                sample=dict(read.sample),  # the session's own dicts of the shared read's values
                annotations=annotations,
                layers=dict(read.layers),
                layer_errors=dict(read.errors),
                sample_message="",
                refexp=NO_REFEXP,
                **picks,
            )

    def _set_sample_problem(self, message: str) -> None:
        self.param.refexp.objects = {NONE_LABEL: NO_REFEXP}
        self.param.update(
            sample=None,
            annotations=None,
            layers={},
            layer_errors={},
            sample_message=message,
            refexp=NO_REFEXP,
        )

    def _band_choice(self, layer: xr.DataArray | None) -> dict[str, Any]:
        """Offer the layer's bands to the band picker; the picks to change, applied with the new layers (one
        redraw, not one per band). Nothing changes between samples of one dataset."""
        bands = imagery.band_names(layer) if layer is not None else []
        defaults = list(imagery.COMPOSITES[imagery.TRUE_COLOUR])
        picks = [b if b in bands else (bands[i] if len(bands) > i else None) for i, b in enumerate(defaults)]
        changes: dict[str, Any] = {}
        for name, pick in zip(("red", "green", "blue"), picks, strict=True):
            if self.param[name].objects != bands:
                self.param[name].objects = bands
            if getattr(self, name) not in bands:
                changes[name] = pick
        return changes

    # --- what the panels draw (shared by the views and the PNG export) -------------------------------------
    @property
    def flags(self) -> list[str]:
        if not self.sample or self.sample.get("flags") is None:
            return []
        return [str(f) for f in self.sample["flags"]]

    @property
    def synthetic(self) -> bool:
        return "synthetic" in self.flags

    def optical(self) -> imagery.Rendered | None:
        """The multispectral composite as displayed (memoised: two viewers and the export draw it)."""
        layer = self.layers.get(LAYER_S2)
        if layer is None:
            return None
        name, bands = self.composite, None
        if name == imagery.CUSTOM:
            picked = (self.red, self.green, self.blue)
            name, bands = (imagery.CUSTOM, picked) if None not in picked else (imagery.TRUE_COLOUR, None)
        percentiles = tuple(self.percentiles)
        return self._memo(
            LAYER_S2,
            layer,
            (name, bands, percentiles),
            lambda: imagery.composite(layer, name, bands=bands, percentiles=percentiles),
        )

    def sar(self) -> imagery.Rendered | None:
        layer = self.layers.get(LAYER_S1)
        if layer is None:
            return None
        mode = self.sar_mode
        return self._memo(LAYER_S1, layer, mode, lambda: imagery.sar_image(layer, mode))

    def landcover(self) -> tuple[np.ndarray, list[imagery.LegendEntry]] | None:
        layer = self.layers.get(LAYER_LANDCOVER)
        if layer is None:
            return None
        return self._memo(LAYER_LANDCOVER, layer, None, lambda: imagery.landcover_image(layer))

    def _memo(self, kind: str, layer: Any, options: Any, draw: Callable[[], T]) -> T:
        """``draw()`` for this layer object and options, computed once (the image and its caption or legend
        both ask; the memo keeps the layer itself, so a new sample's layer never matches an old entry)."""
        entry = self._drawn.get(kind)
        if entry is None or entry[0] is not layer or entry[1] != options:
            # Layers come from the process's shared sample reads (``read_sample``): a layer another session
            # already drew with these options is drawn once for all of them.
            drawn = resources.shared_recent(
                ("drawn", kind, id(layer), options), draw, _nbytes, owner=layer, pool="samples"
            )
            entry = (layer, options, drawn)
            self._drawn[kind] = entry
        return cast(T, entry[2])

    def annotation_records(self) -> list[dict[str, Any]]:
        """The open sample's annotations as dicts (read once per sample; the views and the box lookups share
        them): plain dicts are read ~50x faster than DataFrame rows."""
        frame = self.annotations
        if self._records[0] is not frame:
            self._records = (frame, records_of(frame))
        return self._records[1]

    def _refexp_row(self) -> dict[str, Any] | None:
        if self.refexp == NO_REFEXP:
            return None
        return next((r for r in self.annotation_records() if r.get("ann_id") == self.refexp), None)

    def refexp_box(self) -> tuple[float, float, float, float] | None:
        """Normalised (x0, y0, x1, y1), origin top-left, of the selected referring expression."""
        row = self._refexp_row()
        if row is None:
            return None
        values = [row.get(c) for c in ("bbox_x0", "bbox_y0", "bbox_x1", "bbox_y1")]
        if any(v is None for v in values):
            return None
        box = tuple(float(cast(float, v)) for v in values)
        return box if all(np.isfinite(box)) else None  # type: ignore[return-value]

    def refexp_boxes(self) -> list[tuple[float, float, float, float, float | None]]:
        """Every box (x0, y0, x1, y1, angle) of the selected annotation: a 20-box answer gives 20."""
        first = self.refexp_box()
        row = self._refexp_row()
        if first is None or row is None or "boxes" not in row:
            return [] if first is None else [(*first, None)]
        boxes = row["boxes"]
        if boxes is None or len(boxes) == 0:
            return [(*first, None)]
        angle = [b.get("angle") for b in boxes]
        return [
            (
                float(b["x0"]),
                float(b["y0"]),
                float(b["x1"]),
                float(b["y1"]),
                None if a is None or a != a else float(a),
            )
            for b, a in zip(boxes, angle, strict=True)
        ]


def refexp_label(row: Mapping[Any, Any]) -> str:
    """A readable one-line label: the referred phrase (or the instruction) and the box."""
    text: Any = row.get("ref") if isinstance(row.get("ref"), str) and row.get("ref") else row.get("input")
    if not isinstance(text, str) or not text:
        text = row.get("output") if isinstance(row.get("output"), str) else "(no text)"
    text = str(text)
    for tag in ("<ref>", "</ref>", "<point>", "</point>"):
        text = text.replace(tag, "")
    return " ".join(text.split())


def records_of(annotations: pd.DataFrame | list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Annotation rows as dicts (a frame is converted; a list of dicts is already that)."""
    if annotations is None:
        return []
    if isinstance(annotations, pd.DataFrame):
        return cast(list[dict[str, Any]], annotations.to_dict("records"))
    return annotations


def _has_box(row: Mapping[str, Any]) -> bool:
    value = row.get("bbox_x0")
    return value is not None and value == value  # None (Arrow) or NaN (pandas) when there is no box


@dataclass(frozen=True)
class SampleRead:
    """Everything the sample panels show of one sample, read once per process while recently used and shared
    read-only by every session that opens it (``read_sample``)."""

    sample: dict[str, Any]
    annotations: pd.DataFrame
    records: list[dict[str, Any]]  # the annotations as dicts straight from Arrow
    layers: dict[str, xr.DataArray]
    errors: dict[str, str]  # kind -> why that layer is absent or failed
    failed: bool = False  # a layer failed to read: not kept, the next opening tries again

    @property
    def nbytes(self) -> int:
        frame = int(self.annotations.memory_usage(index=False, deep=False).sum())
        return frame * 3 + sum(int(layer.nbytes) for layer in self.layers.values()) + 4096


def read_sample(catalog: Catalog, sample_id: str) -> SampleRead:
    """The sample's row, annotations and layers, shared by every session of the process that opens it while it is
    recently used (``resources.shared_recent``'s "samples" pool): twenty sessions stepping to the same sample read
    its files and convert its rows once. KeyError when the catalog has no such sample."""
    key = ("sample-read", str(catalog.path), sample_id)
    read = resources.shared_recent(
        key, lambda: _read_sample_files(catalog, sample_id), lambda r: r.nbytes, owner=catalog, pool="samples"
    )
    if read.failed:
        resources.forget(key)  # a failed read (a file being replaced, a network disk) is retried next time
    return read


def _read_sample_files(catalog: Catalog, sample_id: str) -> SampleRead:
    sample = catalog.sample(sample_id)
    table = catalog.annotations_of_many([catalog.sidx(sample_id)])
    layers: dict[str, xr.DataArray] = {}
    errors: dict[str, str] = {}
    failed = False
    listed: Any = sample.get("layers")
    available = [str(k) for k in listed] if listed is not None else []
    for kind in LAYER_KINDS:
        if kind not in available:
            errors[kind] = f"This sample has no {LAYER_TITLES[kind]} layer."
            continue
        try:
            layers[kind] = catalog.read_layer(sample_id, kind)
        except ExplorerError as error:
            errors[kind], failed = f"Could not read the {LAYER_TITLES[kind]} layer: {error}", True
        except Exception as error:  # noqa: BLE001 - an unexpected reader bug must not end the session
            errors[kind] = f"Could not read the {LAYER_TITLES[kind]} layer ({type(error).__name__}): {error}"
            failed = True
    # The rows as dicts straight from Arrow (~0.2 ms for ~20 rows; pandas' to_dict took ~2.5 ms and every view
    # and the referring-expression options each made their own), and as the frame the export reads.
    return SampleRead(sample, table.to_pandas(), table.to_pylist(), layers, errors, failed)


def _nbytes(value: Any) -> int:
    """Bytes of the arrays in a drawn image (a ``Rendered``, or a tuple holding arrays), roughly."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, tuple):
        return sum(_nbytes(v) for v in value) + 256
    rgb = getattr(value, "rgb", None)
    return (int(rgb.nbytes) if isinstance(rgb, np.ndarray) else 0) + 256


def refexp_options(annotations: pd.DataFrame | list[dict[str, Any]] | None) -> dict[str, int]:
    """Selector options {label: ann_id} for the referring expressions that carry a box."""
    options = {NONE_LABEL: NO_REFEXP}
    # Every annotation with a box: referring expressions, and grounding/detection answers (GeoChat, FIT-RS).
    for row in records_of(annotations):  # a sample has at most a few dozen annotations
        if not _has_box(row):
            continue
        label = base = refexp_label(row)[:90]
        copy = 1
        while label in options:
            copy += 1
            label = f"{base} ({copy})"
        options[label] = int(row["ann_id"])
    return options
