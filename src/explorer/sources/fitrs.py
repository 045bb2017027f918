"""FIT-RS (Luo et al. 2024, SkySenseGPT; Luo-Z13/SkySenseGPT, commit a980ffe6): instructions and benchmarks.

* ``fitrs``: ``FIT-RS_Instruction/FIT-RS-train-1415k.json`` (896 MB, ONE JSON array of 1.4 M LLaVA-style
  records) or its 381k subset, streamed with ijson, never loaded whole (``conversations.ConversationSource``).
  Questions open with a task tag (``[detection]``, ``[vqa]``, ...) -> ``category``; ``<ref>...</ref>`` ->
  ``ref``; ``<rel>...</rel>`` spans -> ``extra["rel"]``; rotated boxes ``{<cx><cy><w><h>|<angle>}`` (0-100, two
  decimals; integer degrees) grouped in ``<rbox>({...}, {...})</rbox>`` -> ``boxes``, every one of them (a
  detection answer lists up to 20) [confirmed, its data tools]. Images live in ``imgv2_split_512_100_vaild/``
  (sic), named ``<STAR id>__512__<x>___<y>.png`` [third-party].
* ``fitrs-bench``: ``test_FITRS_*_eval.jsonl``, ``{"question_id", "image", "text"|"question", "ground_truth",
  "category"}`` per line [confirmed]; split ``bench``.

A file is taken for FIT-RS (rather than GeoChat, which has the same record shape) when its name says FIT-RS, it
sits in ``FIT-RS_Instruction/``, or its first bytes hold an ``<rbox>``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from . import register
from .captions import _peek
from .conversations import ConversationSource, QuestionsSource
from .facts import describe_facts

INSTRUCTION_FOLDER = "FIT-RS_Instruction"
NAME = re.compile(r"fit-?rs", re.IGNORECASE)


def looks_like_fitrs(path: Path) -> bool:
    """FIT-RS by its name or folder, or an ``<rbox>`` in the file's first and last bytes (cheap)."""
    if NAME.search(path.name) or path.parent.name == INSTRUCTION_FOLDER:
        return True
    try:
        return "<rbox>" in _peek(path)
    except OSError:
        return False


@register
class FitrsSource(ConversationSource):
    """FIT-RS instruction conversations with rotated boxes."""

    format_name = "fitrs"
    description = (
        'FIT-RS instruction JSON: [{"image", "conversations": [{"from", "value"}]}] with <rbox> boxes'
    )
    source_label = "star+chatgpt"
    task_pattern = re.compile(r"^\s*\[([A-Za-z][\w -]*)\]")
    box_syntax = "centre"
    image_folders = ("imgv2_split_512_100_vaild", "images", "imgs")

    @classmethod
    def candidates(cls, root: Path) -> list[Path]:
        found = super().candidates(root)
        if root.is_dir() and (root / INSTRUCTION_FOLDER).is_dir():
            found += sorted(p for p in (root / INSTRUCTION_FOLDER).glob("*.json") if p.is_file())
        return found

    @classmethod
    def check(cls, path: Path) -> bool:
        return looks_like_fitrs(path) and super().check(path)

    def default_name(self) -> str:
        folder = self.folder.parent if self.folder.name == INSTRUCTION_FOLDER else self.folder
        return folder.resolve().name

    def describe(self) -> dict[str, Any]:
        return describe_facts("fitrs")


@register
class FitrsBenchSource(QuestionsSource):
    """FIT-RS evaluation JSONL: one question per line with ground truth and task category."""

    format_name = "fitrs-bench"
    description = 'FIT-RS eval JSONL: {"question_id", "image", "text"|"question", "ground_truth", "category"}'
    image_fields = ("image", "image_id")
    question_fields = ("text", "question")
    category_field = "category"
    required = ("question_id", "image", "ground_truth", "category")
    source_label = "star+chatgpt"
    box_syntax = "centre"

    def describe(self) -> dict[str, Any]:
        return describe_facts("fitrs")
