"""The statistics area: distributions of the current matches (filters + map box) for each dataset, overlaid on
one axis as counts or densities; a click on a bar or bin outlines those samples on the map; each panel exports
the same figure as ``eo-explorer figures`` (PNG 300 dpi, SVG, PDF).

An unrestricted dataset shows ``stats.cached_stats`` (computed once, saved beside its catalog). A restricted one
is counted from the catalog's ``stats.Prepared`` (built lazily once per process, shared read-only by every
session), and only for the tables drawn here (``selection_stats``): the whole ``stats.compute_selection`` costs
~0.7 s for 10,000 full-size samples, these tables ~0.3 s. Under a server the work runs on one worker thread
after a short debounce, with a loading indicator, so that no session freezes while statistics recompute.
"""

from __future__ import annotations

import contextlib
import html
import io
import re
import threading
import zipfile
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (registers the bokeh backend, needed before .opts)
import matplotlib as mpl
import numpy as np
import pandas as pd
import panel as pn
import param
from matplotlib.figure import Figure

from .. import figures, stats
from ..catalog import Catalog
from ..model import KIND_CAPTION, KIND_CONVERSATION, KIND_VQA_BINARY, KIND_VQA_MCQ
from . import query
from .query import Matches
from .state import ExplorerState
from .style import html as html_pane

Tables = dict[str, pd.DataFrame]
Pick = tuple[Any, ...]  # what a bar or bin stands for: ("class", dataset, class), ("length", lo, hi), ...

CAPTION_KINDS = (KIND_CAPTION, KIND_CONVERSATION)  # as figures.caption_length_figure
COUNTS, DENSITY = "Counts", "Density"
EXPORT_FORMATS = {"PNG (300 dpi)": "png", "SVG": "svg", "PDF": "pdf"}
EXPORT_DPI = 300
MAX_BINS = 60
TOP_CLASSES = 20
TOP_TASKS = 20
TOP_WORDS = 15
DEBOUNCE_MS = 250
PANEL_WIDTH = 380
PANEL_HEIGHT = 310
KIND_TITLES = {KIND_VQA_BINARY: "binary", KIND_VQA_MCQ: "multiple choice"}
PANELS = ("length", "classes", "tasks", "answers", "words")
TITLES = {
    "length": "Caption length",
    "classes": "Class frequency (samples)",
    "tasks": "Task mix",
    "answers": "Answer balance",
    "words": "Top words (captions)",
}


# --- shared per catalog (read-only, every session) ---------------------------------------------------------
@dataclass(frozen=True)
class Shared:
    """What selections and highlights of one catalog are counted from, built once per process."""

    prepared: stats.Prepared
    row_sidx: np.ndarray  # sample row (sidx) of every annotation row; sorted (catalog contract)
    caption_sidx: np.ndarray  # sidx of every caption/conversation row
    caption_words: np.ndarray  # words of that row's text (the statistics' tokenizer)


_SHARED: dict[str, Shared] = {}
_FULL: dict[str, Tables] = {}
_LOCKS: dict[str, threading.Lock] = {}
_LOCK = threading.Lock()
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="eo-stats")


def _key_lock(key: str) -> threading.Lock:
    with _LOCK:
        return _LOCKS.setdefault(key, threading.Lock())


def is_prepared(catalog: Catalog) -> bool:
    return str(catalog.path) in _SHARED


def shared_of(catalog: Catalog) -> Shared:
    """The catalog's prepared statistics (slow the first time: about a minute at full size)."""
    key = str(catalog.path)
    with _key_lock(key):
        if key not in _SHARED:
            prepared = stats.prepare(catalog.annotations)
            rows, corpus = prepared.rows, prepared.corpus
            row_sidx = catalog.annotations["sidx"].to_numpy().astype(np.int64)
            if row_sidx.size > 1 and not bool(np.all(row_sidx[1:] >= row_sidx[:-1])):
                raise ValueError(f"annotations of {catalog.path} are not sorted by sidx; rebuild the catalog")
            caption_codes = [i for i, kind in enumerate(rows.names["kind"]) if kind in CAPTION_KINDS]
            caption = np.flatnonzero(np.isin(rows.codes["kind"], caption_codes))
            assert corpus.row_index is not None
            words = corpus.word_counts()[corpus.row_index[caption]]
            _SHARED[key] = Shared(prepared, row_sidx, row_sidx[caption], words.astype(np.int32))
        return _SHARED[key]


def full_stats(catalog: Catalog) -> Tables:
    """``stats.cached_stats`` of the whole catalog, kept in memory once loaded."""
    key = str(catalog.path)
    with _key_lock(key + "#full"):
        if key not in _FULL:
            _FULL[key] = stats.cached_stats(catalog)
        return _FULL[key]


def _rows_of(shared: Shared, sidx: np.ndarray) -> np.ndarray:
    """Annotation rows of the given samples (sorted sidx), by binary search on the sorted row sidx."""
    starts = np.searchsorted(shared.row_sidx, sidx, side="left")
    stops = np.searchsorted(shared.row_sidx, sidx, side="right")
    lengths = stops - starts
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return np.arange(int(lengths.sum()), dtype=np.int64) + offsets


def selection_stats(catalog: Catalog, sidx: np.ndarray, top: int = 200) -> Tables:
    """The tables the panels draw, for some samples (sorted sidx) of a catalog, in the shapes of
    ``stats.compute_dataset`` (so ``figures`` draws them): length_hist, class_by_sample, task_mix,
    answer_balance, top_words and vocabulary (caption group)."""
    shared = shared_of(catalog)
    name = catalog.name
    corpus, codes = shared.prepared.corpus, shared.prepared.rows
    assert corpus.row_index is not None
    sidx = np.asarray(sidx, dtype=np.int64)
    rows = _rows_of(shared, sidx)
    sub = codes.take(rows)
    text_of_row = corpus.row_index[rows]

    # words per text, per (source, kind): only what the length figure reads
    words = corpus.word_counts()[text_of_row].astype(np.int64)
    frame = pd.DataFrame(
        {
            "source": sub.codes["source"].astype(np.int64),
            "kind": sub.codes["kind"].astype(np.int64),
            "words": words,
        }
    )
    hist = frame.groupby(["source", "kind", "words"], sort=True).size().rename("count").reset_index()
    length_hist = pd.DataFrame(
        {
            "dataset": name,
            "source": sub.labels("source", hist["source"].to_numpy()),
            "kind": sub.labels("kind", hist["kind"].to_numpy()),
            "words": hist["words"].to_numpy(),
            "count": hist["count"].to_numpy(),
        }
    )

    # samples carrying each label (the catalog index has the labels coded already)
    index = query.index_of(catalog)
    chosen = np.zeros(index.size, dtype=bool)
    chosen[sidx] = True
    counts = np.bincount(index.label_codes[chosen[index.label_owner]], minlength=len(index.label_names))
    present = np.flatnonzero(counts)
    class_by_sample = pd.DataFrame(
        {
            "dataset": name,
            "class": np.asarray(index.label_names, dtype=object)[present],
            "samples": counts[present],
            "share": counts[present] / max(len(sidx), 1),
        }
    ).sort_values(["samples", "class"], ascending=[False, True], ignore_index=True)

    # vocabulary of the free texts (not questions), reusing the corpus' tokens
    question_codes = [i for i, k in enumerate(codes.names["kind"]) if k in stats.QUESTION_KINDS]
    free = ~np.isin(sub.codes["kind"], question_codes)
    view = corpus.with_weights(np.bincount(text_of_row[free], minlength=len(corpus.texts)).astype(np.int64))
    top_words = pd.DataFrame(columns=["token", "count", "rank", "dataset", "group"])
    vocabulary = pd.DataFrame(
        columns=["dataset", "group", "tokens", "vocabulary", "type_token_ratio", "hapax"]
    )
    if view.n_texts:
        vocab = stats.vocabulary(view, ngram_sizes=(), top=top)
        label = {"dataset": name, "group": stats.GROUP_CAPTION}
        head = vocab.counts.head(top)
        top_words = head.assign(rank=np.arange(1, len(head) + 1), **label)
        vocabulary = pd.DataFrame([{**label, **vocab.summary()}])
    return {
        "length_hist": length_hist,
        "class_by_sample": class_by_sample,
        "task_mix": stats.task_mix(sub),
        "answer_balance": stats.answer_balance(sub),
        "top_words": top_words,
        "vocabulary": vocabulary,
    }


def matched_sidx(matches: Matches) -> dict[str, np.ndarray]:
    """dataset -> sorted sidx of its matching samples (datasets without a match left out)."""
    out: dict[str, np.ndarray] = {}
    for code, name in enumerate(matches.datasets):
        sidx = matches.sidx[matches.dataset_code == code]
        if sidx.size:
            out[name] = np.sort(sidx.astype(np.int64))
    return out


def statistics_of(catalogs: Mapping[str, Catalog], matches: Matches) -> tuple[Tables, dict[str, int]]:
    """Tables of the matching samples of every dataset (combined), and the samples counted per dataset."""
    results, sizes = [], {}
    for name, sidx in matched_sidx(matches).items():
        catalog = catalogs[name]
        whole = sidx.size == len(catalog.samples)
        results.append(full_stats(catalog) if whole else selection_stats(catalog, sidx))
        sizes[name] = int(sidx.size)
    return (stats.combine(results) if results else {}), sizes


def needs_preparing(catalogs: Mapping[str, Catalog], matches: Matches) -> list[str]:
    """Datasets whose selection needs a ``Prepared`` not built yet (the slow first time)."""
    return [
        name
        for name, sidx in matched_sidx(matches).items()
        if sidx.size != len(catalogs[name].samples) and not is_prepared(catalogs[name])
    ]


# --- highlights: the samples behind a bar or bin ------------------------------------------------------------
def highlight_of(catalogs: Mapping[str, Catalog], matches: Matches, pick: Pick) -> dict[str, np.ndarray]:
    """dataset -> sorted sidx of the matching samples that ``pick`` stands for."""
    out: dict[str, np.ndarray] = {}
    what = pick[0]
    for name, sidx in matched_sidx(matches).items():
        if what != "length" and name != pick[1]:
            continue
        catalog = catalogs[name]
        chosen = np.zeros(len(catalog.samples), dtype=bool)
        chosen[sidx] = True
        hit = np.zeros_like(chosen)
        if what == "class":
            hit = query.index_of(catalog).has_label(str(pick[2]))
        elif what == "length":
            shared = shared_of(catalog)
            lo, hi = pick[1], pick[2]
            inside = (shared.caption_words >= lo) & (shared.caption_words < hi)
            hit[shared.caption_sidx[inside]] = True
        else:
            shared = shared_of(catalog)
            hit[shared.row_sidx[_rows_matching(shared, pick)]] = True
        found = np.flatnonzero(hit & chosen)
        if found.size:
            out[name] = found.astype(np.int64)
    return out


def _code(names: list[Any], value: Any) -> int:
    return names.index(value) if value in names else -2


def _rows_matching(shared: Shared, pick: Pick) -> np.ndarray:
    """Annotation rows of a task (kind, category), an answer (kind, answer) or a word (in a free text)."""
    codes = shared.prepared.rows
    if pick[0] == "task":
        kind, category = pick[2], pick[3]
        cat_code = -1 if category == "(none)" else _code(codes.names["category"], category)
        return np.flatnonzero(
            (codes.codes["kind"] == _code(codes.names["kind"], kind)) & (codes.codes["category"] == cat_code)
        )
    if pick[0] == "answer":
        kind, answer = pick[2], pick[3]
        return np.flatnonzero(
            (codes.codes["kind"] == _code(codes.names["kind"], kind))
            & (codes.answer == stats.ANSWERS.index(answer))
        )
    if pick[0] == "word":
        corpus = shared.prepared.corpus
        assert corpus.row_index is not None
        ids, vocab, sentence, _ = corpus.token_ids
        wanted = np.flatnonzero(np.asarray(vocab.to_numpy(zero_copy_only=False)) == pick[2])
        if wanted.size == 0:
            return np.zeros(0, dtype=np.int64)
        sentences = np.unique(sentence[ids == wanted[0]])
        texts = np.unique(corpus.piece_text[np.isin(corpus.piece_sentence, sentences)])
        question_codes = [i for i, k in enumerate(codes.names["kind"]) if k in stats.QUESTION_KINDS]
        free = ~np.isin(codes.codes["kind"], question_codes)
        return np.flatnonzero(free & np.isin(corpus.row_index, texts))
    raise ValueError(f"unknown pick {pick!r}")


def pick_label(pick: Pick) -> str:
    what = pick[0]
    if what == "length":
        return (
            f"captions of {pick[1]}–{pick[2] - 1} words"
            if pick[2] - pick[1] > 1
            else f"{pick[1]}-word captions"
        )
    if what == "class":
        return f"class “{pick[2]}” ({pick[1]})"
    if what == "task":
        task = pick[2] if pick[3] == "(none)" else f"{pick[2]} / {pick[3]}"
        return f"a {task} annotation ({pick[1]})"
    if what == "answer":
        return f"a {KIND_TITLES.get(pick[2], pick[2])} question answered “{pick[3]}” ({pick[1]})"
    if what == "word":
        return f"the word “{pick[2]}” in a caption ({pick[1]})"
    return str(pick)


# --- what the panels draw (tidy frames; the tests check them) -----------------------------------------------
def _short(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _datasets(frame: pd.DataFrame) -> list[str]:
    return [str(d) for d in pd.unique(frame["dataset"])] if "dataset" in frame and len(frame) else []


def length_frame(tables: Mapping[str, pd.DataFrame], density: bool) -> pd.DataFrame:
    """Caption-length histogram of each dataset on common bins: dataset, left, right, value (count, or
    density: each dataset's bars integrate to 1, so datasets of any size compare on one axis)."""
    columns = ["dataset", "left", "right", "value"]
    hist = tables.get("length_hist")
    if hist is None or hist.empty:
        return pd.DataFrame(columns=columns)
    chosen = hist[hist["kind"].isin(CAPTION_KINDS)]
    if chosen.empty:
        chosen = hist
    per = chosen.groupby(["dataset", "words"], sort=False, observed=True)["count"].sum().reset_index()
    per = per[per["count"] > 0]
    lo_words, hi_words = int(per["words"].min()), int(per["words"].max())
    width = max(1, int(np.ceil((hi_words - lo_words + 1) / MAX_BINS)))
    start = (lo_words // width) * width
    n_bins = (hi_words - start) // width + 1
    left = start + np.arange(n_bins) * width
    parts = []
    for name in _datasets(per):
        rows = per[per["dataset"] == name]
        counts = np.bincount(
            (rows["words"].to_numpy(dtype=np.int64) - start) // width,
            weights=rows["count"].to_numpy(dtype=float),
            minlength=n_bins,
        )
        value = counts / (counts.sum() * width) if density else counts
        parts.append(pd.DataFrame({"dataset": name, "left": left, "right": left + width, "value": value}))
    return pd.concat(parts, ignore_index=True)


def _top_labels(frame: pd.DataFrame, label: str, n: int) -> list[Any]:
    """The ``n`` labels with the largest share in any dataset (small datasets keep their own top labels)."""
    return list(frame.groupby(label, sort=False)["share"].max().sort_values(ascending=False).index[:n])


def _grouped(frame: pd.DataFrame, order: list[Any], label: str, value: str, keys: list[str]) -> pd.DataFrame:
    """One row per (dataset, label in ``order``), zero where a dataset lacks the label, in the order HoloViews
    draws grouped bars: dataset by dataset, so a selected bar's index is its row; labels reversed, since a
    horizontal chart draws its first factor at the bottom. ``keys``: columns that the label stands for."""
    names = _datasets(frame)
    described = frame[[label, *keys]].drop_duplicates(label).set_index(label)
    values = frame.set_index(["dataset", label])[value].astype(float)
    values = values[~values.index.duplicated()]
    grid = pd.MultiIndex.from_product([names, order[::-1]], names=["dataset", label])
    out = values.reindex(grid, fill_value=0.0).rename("value").reset_index()
    for key in keys:
        out[key] = out[label].map(described[key])
    return out


def _unique_short(values: list[str], limit: int = 34) -> dict[str, str]:
    labels: dict[str, str] = {}
    used: set[str] = set()
    for value in values:
        label = _short(value, limit)
        copy = 1
        while label in used:
            copy += 1
            label = f"{_short(value, limit - 4)} ({copy})"
        used.add(label)
        labels[value] = label
    return labels


def class_frame(tables: Mapping[str, pd.DataFrame], density: bool) -> pd.DataFrame:
    """Samples (or share of samples) carrying each of the top classes: dataset, class, label, value."""
    frame = tables.get("class_by_sample")
    if frame is None or frame.empty:
        return pd.DataFrame(columns=["dataset", "class", "label", "value"])
    frame = frame.assign(**{"class": frame["class"].astype(str)})
    order = _top_labels(frame, "class", TOP_CLASSES)
    out = _grouped(frame, order, "class", "share" if density else "samples", [])
    out["label"] = out["class"].map(_unique_short(order))
    return out


def task_frame(tables: Mapping[str, pd.DataFrame], density: bool) -> pd.DataFrame:
    """Annotations (or share) per task (kind / category): dataset, kind, category, label, value. Empty when
    every dataset has captions only (nothing to compare)."""
    frame = tables.get("task_mix")
    columns = ["dataset", "kind", "category", "label", "value"]
    if frame is None or frame.empty:
        return pd.DataFrame(columns=columns)
    frame = frame.assign(
        kind=frame["kind"].astype(str), category=frame["category"].astype(object).fillna("(none)").astype(str)
    )
    if set(frame["kind"]) <= set(CAPTION_KINDS):
        return pd.DataFrame(columns=columns)
    frame["label"] = np.where(
        frame["category"] == "(none)", frame["kind"], frame["kind"] + " / " + frame["category"]
    )
    order = _top_labels(frame, "label", TOP_TASKS)
    return _grouped(frame, order, "label", "share" if density else "count", ["kind", "category"])


def answer_frame(tables: Mapping[str, pd.DataFrame], density: bool) -> pd.DataFrame:
    """Answers of binary and multiple-choice questions: dataset, kind, answer, label, value (count, or share
    of that dataset's questions of that kind)."""
    frame = tables.get("answer_balance")
    if frame is None or frame.empty:
        return pd.DataFrame(columns=["dataset", "kind", "answer", "label", "value"])
    frame = frame.assign(kind=frame["kind"].astype(str), answer=frame["answer"].astype(str))
    frame["label"] = frame["kind"].map(lambda k: KIND_TITLES.get(k, k)) + ": " + frame["answer"]
    kinds = {k: i for i, k in enumerate(sorted(set(frame["kind"])))}
    keys = frame[["kind", "answer", "label"]].drop_duplicates()
    keys = keys.assign(_k=keys["kind"].map(kinds)).sort_values(["_k", "answer"])
    return _grouped(frame, list(keys["label"]), "label", "share" if density else "count", ["kind", "answer"])


def word_frames(tables: Mapping[str, pd.DataFrame], density: bool) -> dict[str, pd.DataFrame]:
    """dataset -> its top words in captions: token, value (occurrences, or share of the caption tokens)."""
    words = tables.get("top_words")
    if words is None or words.empty:
        return {}
    words = words[words["group"] == stats.GROUP_CAPTION]
    vocab = tables.get("vocabulary")
    out = {}
    for name in _datasets(words):
        rows = words[words["dataset"] == name].nsmallest(TOP_WORDS, "rank")
        value = rows["count"].astype(float)
        if density and vocab is not None and not vocab.empty:
            total = vocab[(vocab["dataset"] == name) & (vocab["group"] == stats.GROUP_CAPTION)]["tokens"]
            value = value / float(total.iloc[0]) if len(total) and float(total.iloc[0]) else value
        out[name] = pd.DataFrame({"token": rows["token"].astype(str).to_numpy(), "value": value.to_numpy()})
    return out


# --- export (the figures of ``eo-explorer figures``) --------------------------------------------------------
def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "dataset"


def panel_figures(tables: Mapping[str, pd.DataFrame], panel: str, density: bool) -> list[tuple[str, Figure]]:
    """(file stem, figure) of one panel, named as ``figures.write_figures`` names them."""
    if panel == "length":
        stem = "caption_length_density" if density else "caption_length_counts"
        return [(stem, figures.caption_length_figure(tables, density=density))]
    if panel == "classes":
        frame = tables.get("class_by_sample", pd.DataFrame())
        return [
            (f"classes_by_sample_{_slug(name)}", figures.class_frequency_figure(tables, name, "sample"))
            for name in _datasets(frame)
        ]
    if panel == "tasks":
        return [("task_mix", figures.task_mix_figure(tables))]
    if panel == "answers":
        return [("answer_balance", figures.answer_balance_figure(tables))]
    if panel == "words":
        return [("top_words_caption", figures.top_words_figure(tables, group=stats.GROUP_CAPTION))]
    raise ValueError(f"unknown panel {panel!r}")


def _metadata(fmt: str) -> dict[str, Any] | None:
    return {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)


def export_panel(
    tables: Mapping[str, pd.DataFrame], panel: str, fmt: str, density: bool
) -> tuple[str, bytes]:
    """(file name, bytes) of a panel's figure in ``fmt`` (png at 300 dpi, svg, pdf); a zip when the panel
    draws one figure per dataset and there are several."""
    drawn = panel_figures(tables, panel, density)
    files = []
    with mpl.rc_context(cast(Any, figures.STYLE)):
        for stem, fig in drawn:
            buffer = io.BytesIO()
            fig.savefig(buffer, format=fmt, dpi=EXPORT_DPI, metadata=_metadata(fmt))
            files.append((f"{stem}.{fmt}", buffer.getvalue()))
    if len(files) == 1:
        return files[0]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return f"{panel}_{fmt}.zip", buffer.getvalue()


# --- the view -----------------------------------------------------------------------------------------------
def _server_doc() -> Any:
    """The Bokeh document of the current server session, or None (notebook, tests: work synchronously)."""
    doc = pn.state.curdoc
    return doc if doc is not None and doc.session_context is not None else None


class StatsView(pn.viewable.Viewer):
    """Statistics of the matching samples per dataset; reads the store, writes only ``state.highlight``."""

    scale: param.Selector[Any] = param.Selector(default=COUNTS, objects=[COUNTS, DENSITY], label="Scale")
    export_format: param.Selector[Any] = param.Selector(
        default="PNG (300 dpi)", objects=list(EXPORT_FORMATS), label="Export as"
    )
    tables = param.Dict(
        default={}, doc="Statistics of the matching samples (a cache: derived from the store)"
    )
    counted = param.Dict(default={}, doc="dataset -> samples counted")
    busy = param.Boolean(default=False, doc="Statistics are being recomputed")
    status = param.String(default="")
    active = param.Boolean(
        default=True,
        doc="Compute and draw; a dashboard starts inactive and activates when the statistics are first shown, "
        "so that opening the page never waits for them",
    )

    def __init__(self, state: ExplorerState, **params: Any) -> None:
        super().__init__(**params)
        self.state = state
        self.pick: Pick | None = None  # what the highlight stands for; re-applied when the matches change
        self.frames: dict[str, Any] = {}  # what each panel draws (the bar index of a selection is its row)
        self.streams: dict[str, Any] = {}  # the selection stream of each panel's latest plot
        self._token = 0
        self._timeout: Any = None
        self._jobs = 0  # scheduled or running on the worker (server only): busy while any
        self._panes = {
            key: pn.pane.HoloViews(
                None, sizing_mode="stretch_width", min_height=PANEL_HEIGHT, linked_axes=False
            )
            for key in PANELS
        }
        self._downloads = {
            key: pn.widgets.FileDownload(
                callback=partial(self._export, key),
                filename=self._filename(key),
                label="Export",
                color="light",
                icon="download",
                width=110,
                margin=(0, 5),
                embed=False,
            )
            for key in PANELS
        }
        self._cards = {
            key: pn.Column(
                pn.Row(
                    html_pane(f"<b>{TITLES[key]}</b>", margin=(8, 5)),
                    pn.layout.HSpacer(),
                    self._downloads[key],
                ),
                self._panes[key],
                sizing_mode="stretch_width",
                min_width=PANEL_WIDTH,
                styles={
                    "flex": f"1 1 {PANEL_WIDTH}px",
                    "border": "1px solid #e3e3e3",
                    "border-radius": "4px",
                },
                margin=(5, 8),
            )
            for key in PANELS
        }
        self._layout: pn.viewable.Viewable | None = None
        state.param.watch(self._on_matches, "matches")
        self.param.watch(self._render, ["tables", "scale"])
        self.param.watch(self._rename_downloads, ["export_format", "scale"])
        if self.active:
            self._render()
            self.refresh()

    def activate(self) -> None:
        """Start computing and drawing (once; later calls do nothing)."""
        if self.active:
            return
        self.active = True
        self._render()
        self.refresh()

    # --- computing ------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute for the current matches: now (no server), else debounced on the worker thread."""
        self._token += 1
        doc = _server_doc()
        if doc is None:
            self._apply(self._token, self._compute(self.state.matches, self.pick))
            return
        waiting = needs_preparing(self.state.catalogs, self.state.matches)
        self.status = (
            f"Preparing the statistics of {', '.join(waiting)} (once per server; about a minute at full size)…"
            if waiting
            else "Computing statistics…"
        )
        replaced = False
        if self._timeout is not None:
            with contextlib.suppress(ValueError):  # raises when it already ran
                doc.remove_timeout_callback(self._timeout)
                replaced = True
        if not replaced:
            self._started()
        self._timeout = doc.add_timeout_callback(partial(self._submit, doc, self._token), DEBOUNCE_MS)

    def _started(self) -> None:
        self._jobs += 1
        self.busy = True

    def _ended(self) -> None:
        self._jobs = max(self._jobs - 1, 0)
        self.busy = self._jobs > 0

    def _on_matches(self, *_: Any) -> None:
        if self.active:
            self.refresh()

    def _submit(self, doc: Any, token: int) -> None:
        self._timeout = None
        if token != self._token:
            self._ended()
            return
        matches, pick = self.state.matches, self.pick
        future = _EXECUTOR.submit(self._compute, matches, pick)

        # Back on the event loop (the only Document call safe from another thread). No Panel set_curdoc or hold
        # around the update: under them, changes to the map's plain Bokeh sources never reached the browser.
        future.add_done_callback(lambda done: doc.add_next_tick_callback(partial(self._finish, token, done)))

    def _finish(self, token: int, future: Future[Any]) -> None:
        self._ended()
        self._apply(token, future)

    def _compute(self, matches: Matches, pick: Pick | None) -> tuple[Tables, dict[str, int], dict[str, Any]]:
        tables, counted = statistics_of(self.state.catalogs, matches)
        highlight = highlight_of(self.state.catalogs, matches, pick) if pick is not None else {}
        return tables, counted, highlight

    def _apply(self, token: int, result: Any) -> None:
        """Show a finished computation, unless a newer one was asked for meanwhile."""
        if token != self._token:
            return
        try:
            tables, counted, highlight = result.result() if isinstance(result, Future) else result
        except Exception as error:  # noqa: BLE001 - a statistics bug must not end the session
            self.status = f"Could not compute the statistics ({type(error).__name__}): {error}"
            return
        self.param.update(tables=tables, counted=counted, status="")
        if self.pick is not None:
            self.state.param.update(highlight=highlight, highlight_label=pick_label(self.pick))

    # --- highlighting -----------------------------------------------------------------------------------------
    def select(self, pick: Pick) -> None:
        """Outline on the map the matching samples a bar or bin stands for."""
        self.pick = pick
        doc = _server_doc()
        catalogs, matches = self.state.catalogs, self.state.matches
        if doc is None:
            self._set_highlight(pick, highlight_of(catalogs, matches, pick))
            return
        waiting = [] if pick[0] == "class" else [n for n, c in catalogs.items() if not is_prepared(c)]
        self._started()
        self.status = (
            f"Preparing the statistics of {', '.join(waiting)} (once per server; about a minute at full size)…"
            if waiting
            else f"Finding the samples with {pick_label(pick)}…"
        )
        future = _EXECUTOR.submit(highlight_of, catalogs, matches, pick)

        future.add_done_callback(
            lambda done: doc.add_next_tick_callback(partial(self._finish_pick, pick, done))
        )

    def _finish_pick(self, pick: Pick, future: Future[Any]) -> None:
        self._ended()
        self.status = ""
        if self.pick != pick:
            return
        try:
            self._set_highlight(pick, future.result())
        except Exception as error:  # noqa: BLE001 - a statistics bug must not end the session
            self.status = f"Could not find those samples ({type(error).__name__}): {error}"

    def _set_highlight(self, pick: Pick, highlight: dict[str, np.ndarray]) -> None:
        self.state.param.update(highlight=highlight, highlight_label=pick_label(pick))

    def clear_highlight(self, *_: Any) -> None:
        self.pick = None
        self.state.param.update(highlight={}, highlight_label="")

    def _on_bars(self, panel: str, frame: pd.DataFrame, index: list[int] | None = None, **_: Any) -> None:
        if not index:
            return
        row = frame.iloc[int(index[0])]
        if panel == "classes":
            self.select(("class", str(row["dataset"]), str(row["class"])))
        elif panel == "tasks":
            self.select(("task", str(row["dataset"]), str(row["kind"]), str(row["category"])))
        elif panel == "answers":
            self.select(("answer", str(row["dataset"]), str(row["kind"]), str(row["answer"])))

    def _on_word(self, dataset: str, frame: pd.DataFrame, index: list[int] | None = None, **_: Any) -> None:
        if index:
            self.select(("word", dataset, str(frame["token"].iloc[int(index[0])])))

    def _on_length_tap(self, frame: pd.DataFrame, x: float | None = None, **_: Any) -> None:
        if x is None or frame.empty:
            return
        bins = frame.drop_duplicates("left")
        inside = bins[(bins["left"] <= x) & (x < bins["right"])]
        if len(inside):
            self.select(("length", int(inside["left"].iloc[0]), int(inside["right"].iloc[0])))

    # --- rendering --------------------------------------------------------------------------------------------
    @property
    def density(self) -> bool:
        return self.scale == DENSITY

    def _render(self, *_: Any) -> None:
        if not self.active:
            return
        tables, density = self.tables, self.density
        self._set("length", self._length_plot(length_frame(tables, density)))
        self._set("classes", self._bars_plot("classes", class_frame(tables, density), "Samples"))
        self._set("tasks", self._bars_plot("tasks", task_frame(tables, density), "Annotations"))
        self._set("answers", self._bars_plot("answers", answer_frame(tables, density), "Questions"))
        self._set("words", self._words_plot(word_frames(tables, density)))

    def _set(self, key: str, plot: Any) -> None:
        self._panes[key].object = plot
        self._cards[key].visible = plot is not None

    def _length_plot(self, frame: pd.DataFrame) -> Any:
        self.frames["length"] = frame
        if frame.empty:
            return None
        density = self.density
        ylabel = "Density (share per word)" if density else "Captions (count)"
        layers = []
        for name in _datasets(frame):
            rows = frame[frame["dataset"] == name]
            edges = np.append(rows["left"].to_numpy(float), float(rows["right"].iloc[-1]))
            color = figures.dataset_color(name)
            layers.append(
                hv.Histogram(
                    (edges, rows["value"].to_numpy()), kdims=["words"], vdims=["value"], label=name
                ).opts(
                    fill_color=color,
                    fill_alpha=0.3,
                    line_color=color,
                    line_width=1.5,
                    tools=["tap", "hover"],
                    nonselection_fill_alpha=0.3,
                    selection_fill_alpha=0.6,
                )  # fmt: skip
            )
        overlay = hv.Overlay(layers).opts(
            responsive=True, height=PANEL_HEIGHT - 20, legend_position="top_right", toolbar="above",
            default_tools=["pan", "wheel_zoom", "reset"], xlabel="Caption length (words)", ylabel=ylabel,
        )  # fmt: skip
        tap = hv.streams.Tap(source=overlay, x=None, y=None)
        tap.add_subscriber(partial(self._on_length_tap, frame))
        self.streams["length"] = tap
        return overlay

    def _bars_plot(self, key: str, frame: pd.DataFrame, unit: str) -> Any:
        self.frames[key] = frame
        if frame.empty:
            return None
        names = _datasets(frame)
        labels = list(pd.unique(frame["label"]))
        xlabel = f"Share of {unit.lower()}" if self.density else f"{unit} (count)"
        bars = hv.Bars(frame, kdims=["label", "dataset"], vdims=["value"]).opts(
            invert_axes=True, responsive=True, height=max(PANEL_HEIGHT - 20, 16 * len(labels) + 60),
            color="dataset", cmap={n: figures.dataset_color(n) for n in names}, show_legend=len(names) > 1,
            xlabel="", ylabel=xlabel, tools=["tap", "hover"], nonselection_alpha=0.35, toolbar=None,
            default_tools=[], multi_level=False, legend_position="bottom_right",
        )  # fmt: skip
        stream = hv.streams.Selection1D(source=bars)
        stream.add_subscriber(partial(self._on_bars, key, frame))
        self.streams[key] = stream
        return bars

    def _words_plot(self, frames: dict[str, pd.DataFrame]) -> Any:
        self.frames["words"] = frames
        if not frames:
            return None
        xlabel = "Share of caption tokens" if self.density else "Occurrences (count)"
        plots = []
        streams = {}
        for name, frame in frames.items():
            bars = hv.Bars(frame.iloc[::-1], kdims=["token"], vdims=["value"]).opts(
                invert_axes=True, responsive=True, height=PANEL_HEIGHT - 40, color=figures.dataset_color(name),
                title=name, xlabel="", ylabel=xlabel, tools=["tap", "hover"], nonselection_alpha=0.35,
                toolbar=None, default_tools=[],
            )  # fmt: skip
            stream = hv.streams.Selection1D(source=bars)
            stream.add_subscriber(partial(self._on_word, name, frame.iloc[::-1].reset_index(drop=True)))
            streams[name] = stream
            plots.append(bars)
        self.streams["words"] = streams
        return hv.Layout(plots).cols(len(plots)).opts(shared_axes=False)

    # --- export -------------------------------------------------------------------------------------------------
    def _filename(self, panel: str) -> str:
        fmt = EXPORT_FORMATS[self.export_format]
        stems = {
            "length": "caption_length_density" if self.density else "caption_length_counts",
            "classes": "classes_by_sample",
            "tasks": "task_mix",
            "answers": "answer_balance",
            "words": "top_words_caption",
        }
        return f"{stems[panel]}.{fmt}"

    def _rename_downloads(self, *_: Any) -> None:
        for key, widget in self._downloads.items():
            widget.filename = self._filename(key)

    def export(self, panel: str) -> tuple[str, bytes]:
        """(file name, bytes) of a panel's figure in the chosen format, from the statistics on screen."""
        return export_panel(self.tables, panel, EXPORT_FORMATS[self.export_format], self.density)

    def _export(self, panel: str) -> io.BytesIO:
        name, data = self.export(panel)
        self._downloads[panel].filename = name  # one file per dataset comes as a zip
        return io.BytesIO(data)

    # --- layout -------------------------------------------------------------------------------------------------
    def summary_html(self, *_: Any) -> str:
        counted = self.counted
        total = sum(counted.values())
        if self.status:
            return f'<span class="eo-muted">{html.escape(self.status)}</span>'
        if not total:
            return '<span class="eo-muted">No sample matches the filters: nothing to count.</span>'
        per = ", ".join(f"{html.escape(n)} {c:,}" for n, c in counted.items())
        box = " inside the box selection" if self.state.bounds is not None else ""
        return (
            f"Statistics of the <b>{total:,}</b> matching samples{box} ({per}). "
            '<span class="eo-muted">Click a bar or bin to outline its samples on the map.</span>'
        )

    def highlight_html(self, *_: Any) -> str:
        highlight = self.state.highlight or {}
        n = sum(len(v) for v in highlight.values())
        if not self.state.highlight_label:
            return ""
        return (
            f'<span class="eo-highlight-note">Outlined on the map: <b>{n:,}</b> matching samples with '
            f"{html.escape(self.state.highlight_label)}</span>"
        )

    def __panel__(self) -> pn.viewable.Viewable:
        if self._layout is not None:
            return self._layout
        scale = pn.widgets.RadioButtonGroup.from_param(
            self.param.scale, color="primary", variant="outline", width=170, margin=(8, 5)
        )
        fmt = pn.widgets.Select.from_param(self.param.export_format, name="", width=130, margin=(8, 5))
        clear = pn.widgets.Button(
            label="Clear highlight", color="light", width=130, margin=(8, 5),
            disabled=self.state.param.highlight_label.rx() == "",
        )  # fmt: skip
        clear.on_click(self.clear_highlight)
        header = pn.FlexBox(  # wraps in a narrow column (the side tab beside the map)
            html_pane("<b>Statistics</b>", margin=(12, 5), css_classes=["eo-view-title"]),
            scale,
            pn.Row(html_pane("Export as", margin=(14, 0, 0, 10)), fmt),
            clear,
            sizing_mode="stretch_width",
        )
        summary = html_pane(
            pn.bind(self.summary_html, self.param.counted, self.param.status),
            sizing_mode="stretch_width",
            margin=(0, 10),
        )
        note = html_pane(
            pn.bind(self.highlight_html, self.state.param.highlight, self.state.param.highlight_label),
            sizing_mode="stretch_width",
            margin=(0, 10),
        )
        body = pn.FlexBox(*self._cards.values(), sizing_mode="stretch_width")
        self._layout = pn.Column(
            header,
            summary,
            note,
            body,
            sizing_mode="stretch_width",
            loading=self.param.busy,
            css_classes=["eo-stats"],
        )
        return self._layout


__all__ = [
    "StatsView",
    "export_panel",
    "full_stats",
    "highlight_of",
    "selection_stats",
    "shared_of",
    "statistics_of",
]
