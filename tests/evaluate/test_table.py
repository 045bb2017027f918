"""Table 2 rendering and the evaluation figures, from hand-made group rows (no scoring needed)."""

from __future__ import annotations

import pandas as pd

from explorer.evaluate.figures import write_evaluation_figures
from explorer.evaluate.table import table2, to_latex, to_markdown, write_tables


def _groups() -> dict[str, pd.DataFrame]:
    def rows(scale: float) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "split": "test",
                    "subset_kind": "all",
                    "subset": "all",
                    "n": 10,
                    "Bleu_1": 0.5 * scale,
                    "Bleu_2": 0.3,
                    "Bleu_3": 0.2,
                    "Bleu_4": 0.1,
                    "METEOR": 0.2,
                    "ROUGE_L": 0.3,
                    "CIDEr": 1.5 * scale,
                },
                {
                    "split": "test",
                    "subset_kind": "length",
                    "subset": "100-149 words",
                    "n": 6,
                    "Bleu_1": 0.4,
                    "Bleu_2": 0.3,
                    "Bleu_3": 0.2,
                    "Bleu_4": 0.1,
                    "METEOR": 0.2,
                    "ROUGE_L": 0.3,
                    "CIDEr": 1.0,
                },
                {
                    "split": "val",
                    "subset_kind": "all",
                    "subset": "all",
                    "n": 4,
                    "Bleu_1": 0.45,
                    "Bleu_2": 0.3,
                    "Bleu_3": 0.2,
                    "Bleu_4": 0.1,
                    "METEOR": 0.2,
                    "ROUGE_L": 0.3,
                    "CIDEr": 1.2,
                },
            ]
        )

    return {"GeoChat_ft": rows(1.0), "A&B": rows(0.5)}


def test_table2__models_by_metrics_in_the_published_order():
    table = table2(_groups(), "test")
    assert list(table.index) == ["GeoChat_ft", "A&B"]
    assert list(table.columns) == ["n", "Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "CIDEr", "METEOR", "ROUGE_L"]
    assert table.loc["A&B", "Bleu_1"] == 0.25


def test_renderers__markdown_and_latex_escape_names():
    table = table2(_groups(), "test")
    markdown = to_markdown(table)
    assert "| Models | n | Bleu-1 |" in markdown and "| GeoChat_ft | 10 | 0.500 |" in markdown
    latex = to_latex(table, caption="Test split")
    assert r"GeoChat\_ft" in latex and r"A\&B" in latex and r"\toprule" in latex


def test_write_tables_and_figures(tmp_path):
    written = write_tables(_groups(), tmp_path)
    assert {p.name for p in written} >= {
        "table2_test.md",
        "table2_val.tex",
        "table2_test.csv",
        "table2_subsets.csv",
    }
    assert len(pd.read_csv(tmp_path / "table2_subsets.csv")) == 6
    captions = {
        "GeoChat_ft": pd.DataFrame({"Bleu_1": [0.1, 0.5, 0.9], "CIDEr": [0.0, 1.0, 3.0]}),
        "A&B": pd.DataFrame({"Bleu_1": [0.2, 0.3, 0.4]}),  # a model scored without CIDEr
    }
    paths = write_evaluation_figures(_groups(), captions, tmp_path / "figures", formats=("png", "svg", "pdf"))
    names = {p.name for p in paths}
    assert {
        "evaluate_table2_test.png",
        "evaluate_score_distributions.pdf",
        "evaluate_length_test_cider.svg",
    } <= names
    assert all(p.stat().st_size > 1000 for p in paths)
