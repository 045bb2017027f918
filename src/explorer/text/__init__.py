"""Caption text: one tokenisation rule, spatial-term finding (spaCy rule-based), and safe highlighted HTML."""

from __future__ import annotations

from .highlight import highlight_html
from .spatial import Term, class_color, class_label, find_spatial_terms, find_spatial_terms_batch
from .tokenize import char_counts, clean, sentence_counts, token_counts, tokens, word_counts

__all__ = [
    "Term",
    "char_counts",
    "class_color",
    "class_label",
    "clean",
    "find_spatial_terms",
    "find_spatial_terms_batch",
    "highlight_html",
    "sentence_counts",
    "token_counts",
    "tokens",
    "word_counts",
]
