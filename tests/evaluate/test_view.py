"""The Evaluate view over stored scores: the Explore map coloured by the picked model's metric (unscored samples
grey), a plain sentence for a sample the model did not score, hallucinated classes marked in the prediction."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.dashboard.evaluate import EvaluateView, prediction_html
from explorer.dashboard.state import ExplorerState
from explorer.evaluate import Evaluations, evaluate, read_predictions

from .conftest import needs_java

pytestmark = needs_java


@pytest.fixture(scope="module")
def view(chat_catalog, small_demo) -> EvaluateView:
    folder = small_demo / "predictions" / "chatearthnet-demo"
    evaluate(chat_catalog, [read_predictions(folder / "nearest-caption.json")])  # stored runs are reused
    view = EvaluateView(state=ExplorerState([chat_catalog]))
    view.__panel__()
    return view


def test_evaluate_view__map_coloured_by_the_picked_models_metric(view, chat_catalog) -> None:
    view.param.update(model="nearest-caption", metric="CIDEr")
    values = view.map.colouring
    assert values is not None and values.label == "CIDEr of nearest-caption"
    scores = Evaluations(chat_catalog).scores("nearest-caption", "CIDEr")
    per_sample = values.by_dataset[chat_catalog.name]
    assert np.isfinite(per_sample).sum() == len(scores)  # every other sample: no value, grey
    sidx = scores["sidx"].to_numpy()
    assert np.allclose(per_sample[sidx], scores["score"].to_numpy())
    assert values.low == 0.0 and values.high == pytest.approx(scores["score"].max())
    view.metric = "Bleu_4"
    assert view.map.colouring.label == "Bleu_4 of nearest-caption"
    assert "Bleu_4 of nearest-caption" in view.map.legend_html()


def test_evaluate_view__worst_and_best_follow_the_filters(view, chat_catalog) -> None:
    view.param.update(model="nearest-caption", metric="CIDEr")
    scores = Evaluations(chat_catalog).scores("nearest-caption", "CIDEr")
    worst, best = view._worst.value, view._best.value
    assert worst["score"].is_monotonic_increasing and best["score"].is_monotonic_decreasing
    assert worst["score"].iloc[0] == scores["score"].min() and best["score"].iloc[0] == scores["score"].max()
    split = str(scores["split"].iloc[0])
    view.state.split = next(o for o in view.state.param.split.objects if o not in ("All", split))  # unscored
    assert view._worst.value.empty and view._best.value.empty
    view.state.split = "All"
    assert len(view._worst.value) == min(len(scores), 15)


def test_evaluate_view__unscored_sample_is_a_plain_sentence(view, chat_catalog) -> None:
    scored = set(Evaluations(chat_catalog).scores("nearest-caption")["sample_id"])
    other = next(s for s in chat_catalog.samples["sample_id"] if s not in scored)
    view.state.open_sample(chat_catalog.name, str(other))
    text = view._sample.object
    assert f"has no score for sample {other}" in text and "KeyError" not in text and "'" not in text


def test_evaluate_view__hallucinated_classes_marked_with_what_the_map_holds(view, chat_catalog) -> None:
    frame = Evaluations(chat_catalog).scores("nearest-caption")
    view.state.open_sample(chat_catalog.name, str(frame["sample_id"].iloc[0]))
    assert "class mention" in view._sample.object or "No land-cover map" in view._sample.object
    text = "Some <b>snow</b> near water"
    out = prediction_html(text, ["water"], [{"start": 8, "end": 12, "class_name": "snow",
                                              "from_map": "no snow pixel; it holds tree 60 %"}])  # fmt: skip
    assert '<mark class="eo-hallucinated" title="hallucinated class: no snow pixel; it holds tree 60 %">snow</mark>' in out
    assert '<mark class="eo-shared">water</mark>' in out and "&lt;b&gt;" in out and "<b>" not in out
