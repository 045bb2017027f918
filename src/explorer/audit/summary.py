"""Tables from the stored verdicts: summaries, variant agreement, CHAIR, per-sample counts, one sample's rows.

Everything a notebook, the CLI, the figures or a dashboard view needs, without recomputing a verdict:

* ``summary(verdicts, by)``: agree / dispute / not-evaluable counts and the dispute rate per group
  (dataset, source = ChatGPT-3.5 vs -4V, split, category, class, country, rule); primary variants only;
* ``variant_agreement``: agreement of each rule under each variant, best variant marked: which rule the
  data's authors used;
* ``split_agreement``: agreement per rule and split, ``bench`` (manually verified) beside the others;
* ``chair``: CHAIR-i (hallucinated mentions / mentions) and CHAIR-s (captions with one / captions);
* ``sample_counts`` (stored as ``audit/samples.parquet``): per sample checked, disputes, not evaluable and
  the dispute rate, with lat/lon, for ranking, filtering and colouring a map;
* ``sample_verdicts``: one sample's primary verdicts with character spans and re-computed boxes.

The dispute rate is disputes / (agree + dispute): not-evaluable claims are reported, never counted as agreement.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..catalog import Catalog
from .run import (
    apply_choice,
    audit_folder,
    chosen_variants,
    load_verdicts,
    read_part,
    verdict_tallies,
)
from .verdicts import AGREE, DISPUTE, NOT_EVALUABLE, VERDICT_SCHEMA

GROUPINGS = ("dataset", "source", "split", "category", "class_name", "country", "rule")


def _frame(verdicts: pa.Table | pd.DataFrame) -> pd.DataFrame:
    return verdicts.to_pandas() if isinstance(verdicts, pa.Table) else verdicts


def _counts(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    keys = list(by)
    if frame.empty:
        return pd.DataFrame(columns=[*keys, AGREE, DISPUTE, NOT_EVALUABLE, "checked", "dispute_rate"])
    table = (
        frame.assign(one=1)
        .pivot_table(index=keys, columns="verdict", values="one", aggfunc="sum", fill_value=0, dropna=False)
        .reindex(columns=[AGREE, DISPUTE, NOT_EVALUABLE], fill_value=0)
    )
    table = table[table.sum(axis=1) > 0].reset_index()
    table.columns.name = None
    table["checked"] = table[AGREE] + table[DISPUTE]
    table["dispute_rate"] = np.where(
        table["checked"] > 0, table[DISPUTE] / table["checked"].clip(lower=1), np.nan
    )
    return table


def summary(verdicts: pa.Table | pd.DataFrame, by: Sequence[str] = ("dataset", "rule")) -> pd.DataFrame:
    frame = _frame(verdicts)
    frame = frame[frame["primary"]]
    return _counts(frame.fillna({k: "(none)" for k in by}), by)


def summaries(verdicts: pa.Table | pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The summary per dataset and each of source, split, category, class, country and rule."""
    frame = _frame(verdicts)
    out = {"dataset": summary(frame, ["dataset"])}
    for key in GROUPINGS[1:]:
        out[key] = summary(frame, ["dataset", key])
    return out


def variant_agreement(verdicts: pa.Table | pd.DataFrame) -> pd.DataFrame:
    """Per dataset, rule and variant: agreement among evaluable claims; ``best`` marks the variant the data
    agrees with most (ties: all marked)."""
    frame = _frame(verdicts)
    frame = frame[frame["variant"] != "-"]
    table = _counts(frame, ["dataset", "rule", "variant"])
    if table.empty:
        return table.assign(agreement=[], best=[])
    table["agreement"] = 1 - table["dispute_rate"]
    best = table.groupby(["dataset", "rule"])["agreement"].transform("max")
    table["best"] = np.isclose(table["agreement"], best) & table["agreement"].notna()
    return table.sort_values(
        ["dataset", "rule", "agreement"], ascending=[True, True, False], ignore_index=True
    )


def split_agreement(verdicts: pa.Table | pd.DataFrame) -> pd.DataFrame:
    """Agreement (1 - dispute rate) per dataset and rule (rows) and split (columns): ``bench`` beside the rest."""
    table = summary(verdicts, ["dataset", "rule", "split"])
    if table.empty:
        return table
    table["agreement"] = 1 - table["dispute_rate"]
    return table.pivot_table(index=["dataset", "rule"], columns="split", values="agreement").reset_index()


def chair(verdicts: pa.Table | pd.DataFrame) -> pd.DataFrame:
    """CHAIR-i and CHAIR-s of class mentions (Rohrbach et al. 2018), per dataset and source, primary variant."""
    frame = _frame(verdicts)
    frame = frame[(frame["rule"] == "class-mention") & frame["primary"] & (frame["verdict"] != NOT_EVALUABLE)]
    columns = [
        "dataset",
        "source",
        "mentions",
        "hallucinated",
        "chair_i",
        "captions",
        "captions_hallucinating",
        "chair_s",
    ]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = frame.assign(bad=frame["verdict"] == DISPUTE)
    per_caption = frame.groupby(["dataset", "source", "ann_id"])["bad"].any().reset_index()
    mentions = frame.groupby(["dataset", "source"]).agg(mentions=("bad", "size"), hallucinated=("bad", "sum"))
    captions = per_caption.groupby(["dataset", "source"]).agg(
        captions=("bad", "size"), captions_hallucinating=("bad", "sum")
    )
    table = mentions.join(captions).reset_index()
    table["chair_i"] = table["hallucinated"] / table["mentions"]
    table["chair_s"] = table["captions_hallucinating"] / table["captions"]
    return table[columns]


def sample_counts(verdicts: pa.Table | pd.DataFrame) -> pd.DataFrame:
    """Per sample: checked claims, disputes, not evaluable, dispute rate (primary variants)."""
    table = summary(verdicts, ["dataset", "sample_id"])
    return table.rename(columns={DISPUTE: "disputes", AGREE: "agreements", NOT_EVALUABLE: "not_evaluable"})


def write_sample_counts(catalog: Catalog) -> pd.DataFrame:
    """``audit/samples.parquet``: every sample of the catalog (zeros when nothing was checked), with lat/lon."""
    counts = _stored_sample_counts(catalog)
    base = catalog.samples[["sample_id", "split", "lat", "lon", "country"]].copy()
    base.insert(0, "dataset", catalog.name)
    merged = base.merge(counts, on="sample_id", how="left")
    for column in ("agreements", "disputes", "not_evaluable", "checked"):
        merged[column] = merged[column].fillna(0).astype(np.int64)
    merged.to_parquet(audit_folder(catalog) / "samples.parquet", index=False)
    return merged


def _stored_sample_counts(catalog: Catalog) -> pd.DataFrame:
    """``sample_counts`` of the stored verdicts, counted with Arrow from each part's tally (tens of millions of
    verdicts at full size: never one pandas frame of them all)."""
    chosen = chosen_variants(catalog)
    tallies = []
    for tally in verdict_tallies(catalog):
        part = apply_choice(tally, chosen)
        part = part.filter(part.column("primary"))
        tallies.append(
            part.group_by(["sample_id", "verdict"], use_threads=False).aggregate([("count_all", "sum")])
        )
    total = pa.concat_tables(tallies).group_by(["sample_id", "verdict"], use_threads=False)
    frame = total.aggregate([("count_all_sum", "sum")]).to_pandas()
    table = frame.pivot_table(
        index="sample_id", columns="verdict", values="count_all_sum_sum", aggfunc="sum", fill_value=0
    ).reindex(columns=[AGREE, DISPUTE, NOT_EVALUABLE], fill_value=0)
    table = table.astype(np.int64).reset_index()
    table.columns.name = None
    table["checked"] = table[AGREE] + table[DISPUTE]
    table["dispute_rate"] = np.where(
        table["checked"] > 0, table[DISPUTE] / table["checked"].clip(lower=1), np.nan
    )
    return table.rename(columns={DISPUTE: "disputes", AGREE: "agreements", NOT_EVALUABLE: "not_evaluable"})


def load_sample_counts(catalog: Catalog) -> pd.DataFrame:
    return pd.read_parquet(audit_folder(catalog) / "samples.parquet")


def ranked_samples(catalog: Catalog, min_disputes: int = 1) -> pd.DataFrame:
    """Samples with at least ``min_disputes`` disputes, most disputes first (a view's filter)."""
    counts = load_sample_counts(catalog)
    counts = counts[counts["disputes"] >= min_disputes]
    return counts.sort_values(["disputes", "dispute_rate"], ascending=False, ignore_index=True)


def sample_verdicts(catalog: Catalog, sample_id: str, primary_only: bool = True) -> pd.DataFrame:
    """One sample's verdicts (spans into ``input``/``output``, what the map says, re-computed boxes), read from
    the one part file that holds the sample."""
    sidx = catalog.sidx(sample_id)
    folder = audit_folder(catalog) / "verdicts"
    parts = []
    for path in sorted(folder.glob("part-*.parquet")):
        start, stop = (int(x) for x in path.stem.split("-")[1:3])
        if start <= sidx < stop:
            parts.append(path)
    parts.append(folder / "dataset.parquet")
    chosen = chosen_variants(catalog)
    filters = [("sample_id", "=", sample_id)]
    tables = [read_part(p, chosen, filters, primary_only).to_pandas() for p in parts if p.is_file()]
    tables = [t for t in tables if not t.empty]
    return (
        pd.concat(tables, ignore_index=True)
        if tables
        else pd.DataFrame(columns=pq.read_schema(parts[-1]).names)
    )


def box_pairs(catalog: Catalog, sample_id: str) -> pd.DataFrame:
    """Released and re-computed boxes of one sample's referring expressions, side by side, with IoU."""
    rows = sample_verdicts(catalog, sample_id)
    rows = rows[rows["rule"].isin(["box-reference", "box-point"])]
    annotations = catalog.annotations_of(sample_id)[
        ["ann_id", "input", "bbox_x0", "bbox_y0", "bbox_x1", "bbox_y1"]
    ]
    return rows.merge(annotations, on="ann_id", how="left")[
        [
            "ann_id",
            "rule",
            "class_name",
            "input",
            "bbox_x0",
            "bbox_y0",
            "bbox_x1",
            "bbox_y1",
            "map_x0",
            "map_y0",
            "map_x1",
            "map_y1",
            "score",
            "verdict",
        ]
    ].rename(columns={"score": "iou"})


def summary_text(catalogs: Sequence[Catalog]) -> str:
    """The table ``eo-explorer audit`` prints: per dataset and rule, counts and dispute rate (chosen variants),
    then which variant each rule's data agrees with most."""
    frames = [load_verdicts(c).to_pandas() for c in catalogs]
    verdicts = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=VERDICT_SCHEMA.names)
    table = summary(verdicts, ["dataset", "rule"])
    chosen = {c.name: chosen_variants(c) for c in catalogs}
    table["variant"] = [
        chosen.get(d, {}).get(r, "-") for d, r in zip(table["dataset"], table["rule"], strict=True)
    ]
    table["dispute_rate"] = table["dispute_rate"].map(lambda x: "-" if pd.isna(x) else f"{100 * x:.1f} %")
    columns = ["dataset", "rule", "variant", AGREE, DISPUTE, NOT_EVALUABLE, "dispute_rate"]
    with pd.option_context("display.width", 10_000, "display.max_columns", None, "display.max_rows", None):
        text = table[columns].to_string(index=False)
        if "bench" in set(verdicts["split"].dropna()):
            splits = split_agreement(verdicts)
            splits = splits[splits["dataset"].isin(verdicts.loc[verdicts["split"] == "bench", "dataset"])]
            shown = (
                splits.set_index(["dataset", "rule"])
                .dropna(axis=1, how="all")
                .map(lambda x: "-" if pd.isna(x) else f"{100 * x:.1f} %")
            )
            text += "\n\nagreement per split (bench: manually verified)\n" + shown.to_string()
    return text
