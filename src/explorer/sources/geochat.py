"""GeoChat (Kuckreja et al., CVPR 2024; mbzuai-oryx/GeoChat, commit 4850920e): GeoChat-Instruct and GeoChat-Bench.

* ``llava`` (the name existing catalogs store): ``GeoChat_Instruct.json`` (263 MB, one array) and any
  LLaVA-style ``[{"id", "image", "conversations": [{"from": "human"|"gpt", "value"}]}]`` file, streamed
  (``conversations.ConversationSource``). Task tags ``[refer]``, ``[grounding]``, ``[identify]`` become
  ``category``; phrases ``<p>...</p>`` become ``ref``; EVERY box ``{<x1><y1><x2><y2>|<angle>}`` of an answer
  (boxes follow each other or are joined by ``<delim>``) goes to ``boxes`` with its angle (absent ``|<angle>``:
  null); ``bbox_*`` is the first box. [third-party] layout, FORMATS.md section 7; angle sign [inferred].
* ``geochat-bench``: the benchmark JSONL files, one ``{"question_id", "image_id", "question", "ground_truth",
  "type", "dataset"}`` per line [third-party]; ``type`` becomes ``category``, ``dataset`` and ``question_id``
  go to ``extra``; split ``bench``.
"""

from __future__ import annotations

from pathlib import Path

from . import register
from .conversations import ConversationSource, QuestionsSource
from .fitrs import looks_like_fitrs


@register
class LlavaSource(ConversationSource):
    """GeoChat-Instruct / LLaVA conversations: one annotation per human question and gpt answer."""

    format_name = "llava"
    description = 'LLaVA/GeoChat conversations: [{"id", "image", "conversations": [{"from", "value"}]}]'
    source_label = "templates+llm"

    @classmethod
    def check(cls, path: Path) -> bool:
        return not looks_like_fitrs(path) and super().check(path)


@register
class GeoChatBenchSource(QuestionsSource):
    """GeoChat-Bench: one question per JSONL line with its ground truth, image and task type."""

    format_name = "geochat-bench"
    description = (
        'GeoChat-Bench JSONL: {"question_id", "image_id", "question", "ground_truth", "type", "dataset"}'
    )
    image_fields = ("image_id", "image")
    question_fields = ("question", "text")
    category_field = "type"
    required = ("question_id", "image_id", "question", "ground_truth")
    source_label = "templates+llm"
