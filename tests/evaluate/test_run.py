"""evaluate() on the demo's baseline files: stored with the catalog, read back, and what a view asks for."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.cli import main
from explorer.evaluate import Evaluations, evaluate, read_predictions, spice_status
from explorer.evaluate.caption_metrics import score_captions

from .conftest import needs_java

pytestmark = needs_java


@pytest.fixture(scope="module")
def results(chat_catalog, small_demo):
    folder = small_demo / "predictions" / "chatearthnet-demo"
    files = [
        read_predictions(folder / "nearest-caption.json"),
        read_predictions(folder / "frequent-caption.json", model="frequent"),
    ]
    return evaluate(chat_catalog, files, refresh=True)


def test_evaluate__split_rows_are_the_corpus_scores(results):
    for result in results:
        assert not result.reused
        for split, corpus in result.summary["corpus"].items():
            row = result.groups[
                (result.groups["split"] == split) & (result.groups["subset_kind"] == "all")
            ].iloc[0]
            for metric, value in corpus.items():
                assert abs(row[metric] - value) < 1e-12, metric
            assert row["n"] == (result.captions["split"] == split).sum()


def test_evaluate__subset_bleu_and_meteor_equal_scoring_the_subset(results):
    captions, groups = results[0].captions, results[0].groups
    length = groups[groups["subset_kind"] == "length"].iloc[0]
    words = captions["reference_tokens"].map(lambda refs: np.mean([len(r.split()) for r in refs]))
    low, high = (
        (int(x) for x in length["subset"].split()[0].rstrip("+").split("-"))
        if "-" in length["subset"]
        else (0, 0)
    )
    part = captions[(captions["split"] == length["split"]) & (words >= low) & (words <= high)]
    assert len(part) == length["n"]
    direct = score_captions(
        part["prediction_tokens"].tolist(),
        part["reference_tokens"].tolist(),
        tokenized=True,
        metrics=["Bleu_1", "Bleu_4", "METEOR"],
    )
    assert abs(direct.corpus["Bleu_4"] - length["Bleu_4"]) < 1e-12
    assert abs(direct.corpus["METEOR"] - length["METEOR"]) < 1e-9


def test_evaluate__spice_reported_when_missing(results):
    status = spice_status()
    if status.available:
        assert "SPICE" in results[0].captions.columns
    else:
        reason = results[0].summary["unavailable"]["SPICE"]
        assert "stanford-corenlp-3.6.0.jar" in reason and "stanford-corenlp-3.6.0-models.jar" in reason
        assert "spice/lib" in reason


def test_evaluate__stored_runs_are_read_back_not_rescored(results, chat_catalog, small_demo):
    again = evaluate(
        chat_catalog,
        [read_predictions(small_demo / "predictions" / "chatearthnet-demo" / "nearest-caption.json")],
    )
    assert again[0].reused
    assert again[0].captions["CIDEr"].tolist() == results[0].captions["CIDEr"].tolist()


def test_evaluations__what_a_view_reads(results, chat_catalog):
    store = Evaluations(chat_catalog)
    assert store.models() == ["frequent", "nearest-caption"]
    scores = store.scores("nearest-caption", "CIDEr")
    assert {"sample_id", "split", "lat", "lon", "score"} <= set(scores.columns)
    assert scores["lat"].notna().all()
    worst = store.ranked("nearest-caption", "CIDEr", n=3)
    assert worst["score"].is_monotonic_increasing
    best = store.ranked("nearest-caption", "CIDEr", n=3, worst=False)
    assert best["score"].iloc[0] == scores["score"].max()
    one = store.sample("nearest-caption", best["sample_id"].iloc[0])
    assert one["prediction"] and one["references"]
    assert one["scores"]["CIDEr"] == best["score"].iloc[0]
    for gram in one["shared_ngrams"]:
        assert gram["ngram"] in one["prediction_tokens"]
        assert any(gram["ngram"] in r for r in one["reference_tokens"])
    with pytest.raises(KeyError):
        store.sample("nearest-caption", "not-a-sample")


def test_evaluate__class_checks_of_the_outputs_stored_and_in_table2(results, chat_catalog):
    from explorer.evaluate.table import table2

    result = results[0]
    checked = result.captions[result.captions["class_mentions"].notna()]
    assert len(checked) > 0  # the demo's ChatEarthNet samples have land-cover maps
    split = result.captions["split"].iloc[0]
    table = table2({r.model: r.groups for r in results}, split)
    assert {"CHAIR_i", "CHAIR_s"} <= set(table.columns)
    assert result.summary["class_checks"][split]["CHAIR_i"] == table.loc[result.model, "CHAIR_i"]
    one = Evaluations(chat_catalog).sample(result.model, str(checked["sample_id"].iloc[0]))
    assert one["class_mentions"] == checked["class_mentions"].iloc[0] and isinstance(one["hallucinated"], list)


def test_cli_evaluate__writes_table2_and_scores(tmp_path, chat_catalog, small_demo, capsys):
    folder = small_demo / "predictions" / "chatearthnet-demo"
    out = tmp_path / "out"
    code = main(
        [
            "evaluate",
            str(chat_catalog.path),
            "--predictions",
            str(folder / "nearest-caption.json"),
            "--model",
            "near",
            "--predictions",
            str(folder / "landcover-template.json"),
            "--out",
            str(out),
            "--metrics",
            "Bleu_1,Bleu_4,ROUGE_L,CIDEr",
        ]
    )
    assert code == 0
    markdown = (out / "table2_test.md").read_text()
    assert "| near |" in markdown and "| landcover-template |" in markdown and "Bleu-4" in markdown
    assert "\\toprule" in (out / "table2_test.tex").read_text()
    assert (out / "scores" / "near.captions.parquet").is_file()
    assert "near" in capsys.readouterr().out
    # eo-explorer figures then draws the stored evaluation beside the statistics
    figures = tmp_path / "figures"
    args = ["figures", str(chat_catalog.path), "--formats", "png", "--no-pixels", "--out", str(figures)]
    assert main(args) == 0
    drawn = {p.stem for p in (figures / f"evaluate_{chat_catalog.name}").glob("*.png")}
    assert drawn, sorted(p.name for p in figures.iterdir())


def test_cli_evaluate__model_without_predictions_is_an_error(tmp_path, chat_catalog):
    with pytest.raises(SystemExit):
        main(["evaluate", str(chat_catalog.path), "--model", "x", "--out", str(tmp_path)])


def test_write_stored_figures__from_what_evaluate_stored(results, chat_catalog, tmp_path):
    from explorer.evaluate.figures import write_stored_figures

    paths = write_stored_figures([chat_catalog], tmp_path, formats=("png",))
    names = {p.name for p in paths}
    assert "evaluate_score_distributions.png" in names and "evaluate_table2_test.png" in names
    assert all(p.parent.name == f"evaluate_{chat_catalog.name}" for p in paths)
