"""Score model outputs as published tables do (COCO caption metrics, BigEarthNet.txt task metrics), sample by
sample, and store the scores with the catalog.

Library first: ``read_predictions`` -> ``evaluate`` (match, score, aggregate, store) -> ``Evaluations`` (what a
view reads) and ``table`` / ``figures`` (Table 2 and its plots). ``eo-explorer evaluate`` drives the same calls.
"""

from .caption_metrics import CAPTION_METRICS, CaptionScores, score_captions
from .predictions import Predictions, read_predictions
from .run import ModelEvaluation, evaluate
from .store import Evaluations
from .toolkit import ToolkitMissingError, spice_status

__all__ = [
    "CAPTION_METRICS",
    "CaptionScores",
    "Evaluations",
    "ModelEvaluation",
    "Predictions",
    "ToolkitMissingError",
    "evaluate",
    "read_predictions",
    "score_captions",
    "spice_status",
]
