"""Table 2 as the papers print it (models x metrics), per split and per subset, as Markdown, LaTeX and CSV.

Built only from stored group rows (``aggregate.group_table``), so the table, the figures and a view agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from .caption_metrics import CAPTION_METRICS

#: the metric names as ChatEarthNet's Table 2 prints them
METRIC_LABELS = {
    "Bleu_1": "Bleu-1",
    "Bleu_2": "Bleu-2",
    "Bleu_3": "Bleu-3",
    "Bleu_4": "Bleu-4",
    "CIDEr": "CIDEr",
    "METEOR": "METEOR",
    "ROUGE_L": "ROUGE_L",
    "SPICE": "SPICE",
    "CHAIR_i": "CHAIR-i",
    "CHAIR_s": "CHAIR-s",
}
#: the column order of the published table, then the class checks of the outputs (lower is better; only
#: where land-cover maps exist: ``class_checks``)
TABLE2_ORDER = (
    "Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "CIDEr", "METEOR", "ROUGE_L", "SPICE", "CHAIR_i", "CHAIR_s",
)  # fmt: skip


def long_table(groups: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """All models' group rows in one table: ``model, split, subset_kind, subset, n, metrics...``."""
    frames = [g.assign(model=model) for model, g in groups.items() if len(g)]
    if not frames:
        return pd.DataFrame(columns=["model", "split", "subset_kind", "subset", "n", *CAPTION_METRICS])
    frame = pd.concat(frames, ignore_index=True)
    metrics = [m for m in TABLE2_ORDER if m in frame.columns]
    return frame[["model", "split", "subset_kind", "subset", "n", *metrics]]


def table2(
    groups: Mapping[str, pd.DataFrame], split: str, subset_kind: str = "all", subset: str = "all"
) -> pd.DataFrame:
    """Models x metrics for one split and subset (index: model; columns: metrics in the published order;
    ``n``: samples scored). A metric a model lacks (SPICE unavailable) is left empty."""
    frame = long_table(groups)
    frame = frame[
        (frame["split"] == split) & (frame["subset_kind"] == subset_kind) & (frame["subset"] == subset)
    ]
    metrics = [m for m in TABLE2_ORDER if m in frame.columns and frame[m].notna().any()]
    return frame.set_index("model")[["n", *metrics]]


def splits(groups: Mapping[str, pd.DataFrame]) -> list[str]:
    frame = long_table(groups)
    return sorted(frame["split"].dropna().unique().tolist())


def _cell(value: object, digits: int, column: object = None) -> str:
    if column == "n" and isinstance(value, int | float) and value == value:
        return f"{int(value):,}"
    if isinstance(value, float):
        return "" if value != value else f"{value:.{digits}f}"
    return str(value)


def to_markdown(table: pd.DataFrame, digits: int = 3) -> str:
    header = ["Models", *[METRIC_LABELS.get(str(c), str(c)) for c in table.columns]]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * len(table.columns)) + "|"]
    for model, row in table.iterrows():
        cells = [_escape_md(str(model)), *[_cell(v, digits, c) for c, v in row.items()]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _escape_md(text: str) -> str:
    return text.replace("|", "\\|")


_LATEX_SPECIAL = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
}


def _escape_tex(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def to_latex(table: pd.DataFrame, caption: str = "", digits: int = 3) -> str:
    """A booktabs table (needs ``\\usepackage{booktabs}``)."""
    columns = ["Models", *[METRIC_LABELS.get(str(c), str(c)) for c in table.columns]]
    lines = [r"\begin{table}", r"\centering"]
    if caption:
        lines.append(rf"\caption{{{_escape_tex(caption)}}}")
    lines += [r"\begin{tabular}{l" + "r" * len(table.columns) + "}", r"\toprule"]
    lines.append(" & ".join(_escape_tex(c) for c in columns) + r" \\")
    lines.append(r"\midrule")
    for model, row in table.iterrows():
        lines.append(
            " & ".join([_escape_tex(str(model)), *[_cell(v, digits, c) for c, v in row.items()]]) + r" \\"
        )
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def write_tables(
    groups: Mapping[str, pd.DataFrame], out: Path, tasks: pd.DataFrame | None = None
) -> list[Path]:
    """Write Table 2 per split (``table2_<split>.{md,tex,csv}``), every subset row (``table2_subsets.csv``)
    and the task metrics (``tasks.csv``) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for split in splits(groups):
        table = table2(groups, split)
        stem = out / f"table2_{_safe(split)}"
        caption = f"Caption metrics on the {split} split (pycocoevalcap)."
        for suffix, text in ((".md", to_markdown(table)), (".tex", to_latex(table, caption))):
            path = stem.with_suffix(suffix)
            path.write_text(text)
            written.append(path)
        table.to_csv(stem.with_suffix(".csv"))
        written.append(stem.with_suffix(".csv"))
    subsets = out / "table2_subsets.csv"
    long_table(groups).to_csv(subsets, index=False)
    written.append(subsets)
    if tasks is not None and len(tasks):
        path = out / "tasks.csv"
        tasks.to_csv(path, index=False)
        written.append(path)
    return written


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text)


def markdown_for(groups: Mapping[str, pd.DataFrame], split_names: Sequence[str] | None = None) -> str:
    """Every split's Table 2 as Markdown sections (what the CLI prints)."""
    parts = []
    for split in split_names or splits(groups):
        parts.append(f"### {split}\n\n" + to_markdown(table2(groups, split)))
    return "\n".join(parts)
