"""The annotation audit's class checks applied to model outputs, where land-cover maps exist.

A predicted caption is read exactly as the audit reads a released ChatEarthNet caption
(``explorer.audit.mentions``: synonyms, negation, regions) and each class it names is checked against the
sample's map by the audit's primary ``class-mention`` rule (the class has at least one pixel,
``chatearthnet_captions``). Per sample: how many class mentions, how many of them name a class the map lacks
(hallucinated), and where, with what the map holds instead (the Evaluate view marks them). Per model and
group: CHAIR-i (hallucinated mentions / mentions) and CHAIR-s (outputs with a hallucination / outputs with a
mention), as ``audit.chair`` counts them for the released captions (Rohrbach et al. 2018).

BigEarthNet.txt catalogs are read as the audit reads their released captions (``bigearthnet_captions``: the
19 CORINE class names of ``corine_text.find_classes``, checked by the primary ``caption-class`` variant, at least
one pixel of the class in the reference map). For any other catalog, or a sample without a readable map, the
counts are empty (NaN), never zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..catalog import Catalog
from ..model import LAYER_LANDCOVER

__all__ = ["CHAIR_COLUMNS", "CHECK_COLUMNS", "chair", "check_predictions"]

CHECK_COLUMNS = ("class_mentions", "hallucinated_mentions", "hallucinated_spans")
CHAIR_COLUMNS = ("CHAIR_i", "CHAIR_s")
CHATEARTHNET_FORMAT = "chatearthnet"
BIGEARTHNET_TXT_FORMAT = "bigearthnet-txt"


def _empty(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "class_mentions": np.full(n, np.nan),
            "hallucinated_mentions": np.full(n, np.nan),
            "hallucinated_spans": pd.Series([None] * n, dtype=object),
        }
    )


def map_holds(facts: Any, top: int = 4) -> str:
    """'tree 61 %, crop 30 %, ...' of the map's labelled pixels (what a hover says the map holds)."""
    from ..audit.chatearthnet_captions import NAMES

    counts = facts.counts
    total = max(int(counts.sum()), 1)
    order = [i for i in np.argsort(-counts, kind="stable") if counts[i] > 0][:top]
    return ", ".join(f"{NAMES[i]} {100 * counts[i] / total:.0f} %" for i in order) or "no labelled pixel"


#: one output's check against its map: (index of the output, map codes, legend) -> (mentions, hallucinated spans)
Check = Callable[[int, np.ndarray, "str | None"], tuple[int, list[dict[str, Any]]]]


def check_predictions(catalog: Catalog, sidx: Sequence[int], texts: Sequence[str]) -> pd.DataFrame:
    """One row per prediction (same order): ``class_mentions``, ``hallucinated_mentions`` (NaN without a
    map) and ``hallucinated_spans`` (list of {start, end, class_name, from_map} into the text)."""
    out = _empty(len(texts))
    make_check = {CHATEARTHNET_FORMAT: _chatearthnet_check, BIGEARTHNET_TXT_FORMAT: _corine_check}.get(catalog.format)
    if make_check is None or not len(texts):
        return out
    check = make_check([t if isinstance(t, str) else "" for t in texts])
    samples = catalog.samples
    mentions = out["class_mentions"].to_numpy(copy=True)
    bad = out["hallucinated_mentions"].to_numpy(copy=True)
    spans: list[list[dict[str, Any]] | None] = []
    for i, row in enumerate(sidx):
        read = _map_codes(catalog, {str(k): v for k, v in samples.iloc[int(row)].to_dict().items()})
        if read is None:
            spans.append(None)
            continue
        try:
            n, wrong = check(i, *read)
        except Exception:  # noqa: BLE001 - a map the check cannot read (another legend) leaves it unchecked
            spans.append(None)
            continue
        mentions[i], bad[i] = n, len(wrong)
        spans.append(wrong)
    out["class_mentions"], out["hallucinated_mentions"] = mentions, bad
    out["hallucinated_spans"] = pd.Series(spans, dtype=object)
    return out


def _map_codes(catalog: Catalog, sample: dict[str, Any]) -> tuple[np.ndarray, str | None] | None:
    """The sample's land-cover map as (codes, legend), or None without a readable one (output left unchecked)."""
    from ..audit import maps

    layers = sample.get("layers")
    if layers is None or LAYER_LANDCOVER not in [str(k) for k in layers]:
        return None
    try:
        return maps.read_codes(catalog, sample)
    except Exception:  # noqa: BLE001 - a missing or corrupt map leaves this output unchecked
        return None


def _chatearthnet_check(texts: list[str]) -> Check:
    """ChatEarthNet: the audit's reading of each output (synonyms, negation) against the WorldCover classes."""
    from ..audit import chatearthnet_captions
    from ..audit.mentions import read_captions

    readings = read_captions(texts)

    def check(i: int, codes: np.ndarray, legend: str | None) -> tuple[int, list[dict[str, Any]]]:
        facts = chatearthnet_captions.LandCoverFacts(chatearthnet_captions.chatearthnet_index(codes, legend))
        holds = map_holds(facts)
        found = readings[i].mentions
        return len(found), [
            {"start": m.start, "end": m.end, "class_name": m.cls,
             "from_map": f"no {m.cls} pixel in the land-cover map; it holds {holds}"}
            for m in found if facts.count(m.cls) < 1
        ]  # fmt: skip

    return check


def _corine_check(texts: list[str]) -> Check:
    """BigEarthNet.txt: the CORINE class names of each output against the reference map (the audit's primary
    ``caption-class`` variant)."""
    from ..audit import corine_text
    from ..audit.corine_map import CorineMap
    from ..audit.rules import PRESENCE
    from ..legends import CORINE19

    min_pixels = PRESENCE[0][1]

    def check(i: int, codes: np.ndarray, legend: str | None) -> tuple[int, list[dict[str, Any]]]:
        cmap = CorineMap(codes)
        found = corine_text.find_classes(texts[i])
        total = max(cmap.labelled, 1)
        order = [k for k in np.argsort(-cmap.counts, kind="stable") if cmap.counts[k] > 0][:4]
        holds = ", ".join(f"{CORINE19.names[k]} {100 * cmap.counts[k] / total:.0f} %" for k in order)
        return len(found), [
            {"start": start, "end": end, "class_name": CORINE19.names[cls],
             "from_map": f"no {CORINE19.names[cls]} pixel in the reference map; it holds {holds or 'no labelled pixel'}"}
            for cls, start, end in found if not cmap.present(cls, min_pixels)
        ]  # fmt: skip

    return check


def chair(frame: pd.DataFrame) -> dict[str, float]:
    """CHAIR-i and CHAIR-s of the outputs in ``frame`` that were checked (NaN when none was)."""
    if "class_mentions" not in frame.columns:
        return {"CHAIR_i": float("nan"), "CHAIR_s": float("nan")}
    checked = frame[frame["class_mentions"].notna()]
    mentions = float(checked["class_mentions"].sum())
    bad = checked["hallucinated_mentions"]
    with_mention = int((checked["class_mentions"] > 0).sum())
    return {
        "CHAIR_i": float(bad.sum() / mentions) if mentions else float("nan"),
        "CHAIR_s": float((bad > 0).sum() / with_mention) if with_mention else float("nan"),
    }
