"""The notebooks run top to bottom, headless, on a small demo; the committed files stay without outputs.

Each notebook is executed in memory (never written back) by a kernel of the interpreter running the tests:
a kernelspec in a temporary JUPYTER_PATH points at ``sys.executable``, so neither ``ipykernel install`` nor a
user's own ``python3`` kernelspec (which may name another Python) matters.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO, SHARED_FIXTURES

NOTEBOOKS = REPO / "notebooks"
NAMES = [
    "01_caption_statistics",
    "02_compare_datasets",
    "03_paper_figures",
    "04_evaluate_models",
    "05_annotation_audit",
]


@pytest.fixture
def run_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_demo: Path) -> Any:
    """Execute notebooks/<name>.ipynb in memory with every explorer folder in tmp_path; returns the executed
    notebook and its run time."""
    monkeypatch.setenv("EO_EXPLORER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("EO_EXPLORER_REGISTRY", str(tmp_path / "registry.json"))
    monkeypatch.setenv("EO_EXPLORER_DEMO", str(small_demo))
    monkeypatch.setenv("EO_EXPLORER_FIGURES", str(tmp_path / "figures"))
    kernels = tmp_path / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (tests)",
        "language": "python",
    }
    (kernels / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))  # searched before the user's kernelspecs

    def run(name: str) -> tuple[nbformat.NotebookNode, float]:
        path = NOTEBOOKS / f"{name}.ipynb"
        before = path.read_bytes()
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(
            notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
        )
        started = time.perf_counter()
        client.execute()  # raises CellExecutionError, naming the cell, when a cell fails
        elapsed = time.perf_counter() - started
        assert path.read_bytes() == before, f"{path} was modified by running it"
        print(f"{name}: {elapsed:.1f} s")
        return notebook, elapsed

    return run


def _outputs(notebook: nbformat.NotebookNode, mime: str) -> list[Any]:
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and mime == "text/plain":
                found.append(output["text"])
            elif mime in output.get("data", {}):
                found.append(output["data"][mime])
    return found


def test_notebooks__committed_without_outputs():
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "check_notebooks.py"), str(NOTEBOOKS)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


def test_caption_statistics__runs_on_the_demo(run_notebook):
    notebook, _ = run_notebook("01_caption_statistics")
    text = "\n".join(_outputs(notebook, "text/plain"))
    assert "chatearthnet-demo" in text
    assert "chatgpt-3.5" in text and "chatgpt-4v" in text  # lengths and vocabulary by caption version
    assert "type_token_ratio" in text
    # length histograms, publication figure, Zipf, word cloud, spatial terms, classes, PMI heatmap
    assert len(_outputs(notebook, "image/png")) >= 7


def test_compare_datasets__runs_on_the_demo_and_caption_sets(run_notebook):
    notebook, _ = run_notebook("02_compare_datasets")
    text = "\n".join(_outputs(notebook, "text/plain"))
    assert "chatearthnet-demo" in text and "bigearthnet-demo" in text
    if SHARED_FIXTURES.exists():
        assert "UCM" in text and "sydney" in text
        assert "10500" in text.replace(",", "")  # UCM's image-text pairs in the comparison table
    assert "vqa_binary" in text  # task mix and answer balance of the BigEarthNet.txt demo
    assert len(_outputs(notebook, "image/png")) >= 10


@pytest.mark.slow  # renders ~20 figures x 3 formats at 300 dpi: 30-45 s
def test_paper_figures__writes_every_format(run_notebook, tmp_path):
    notebook, _ = run_notebook("03_paper_figures")
    out = tmp_path / "figures"
    for fmt in ("png", "svg", "pdf"):
        assert (out / f"caption_length_density.{fmt}").stat().st_size > 1000
    assert len(list(out.glob("*.png"))) == len(list(out.glob("*.pdf"))) >= 10
    assert "\\toprule" in (out / "tables" / "comparison.tex").read_text()
    assert (out / "tables" / "comparison.parquet").exists()
    assert len(_outputs(notebook, "image/png")) == 1  # the figure shown


def test_annotation_audit__runs_on_the_demo(run_notebook):
    notebook, _ = run_notebook("05_annotation_audit")
    text = "\n".join(str(t) for t in _outputs(notebook, "text/plain"))
    for rule in ("class-in-region", "proportion-word", "box-reference", "relative-position"):
        assert rule in text
    assert "chair_i" in text and "bench" in text
    assert len(_outputs(notebook, "image/png")) >= 3


@pytest.mark.skipif(shutil.which("java") is None, reason="the caption toolkit's tokenizer and METEOR need Java")
def test_evaluate_models__table2_from_the_demo_predictions(run_notebook):
    notebook, _ = run_notebook("04_evaluate_models")
    text = "\n".join(_outputs(notebook, "text/plain"))
    markdown = "\n".join(_outputs(notebook, "text/markdown"))
    assert "| nearest-caption |" in markdown and "Bleu-4" in markdown  # Table 2 of the baselines
    assert "landcover-template" in text and "frequent-caption" in text
    assert "vqa_binary" in text and "refexp" in text  # task metrics of the BigEarthNet.txt answers
    assert len(_outputs(notebook, "image/png")) >= 3  # Table 2, score distributions, CIDEr by length
