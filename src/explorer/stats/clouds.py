"""Word clouds, drawn offline with matplotlib's bundled font."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd


def dejavu_font() -> str:
    """Path of matplotlib's bundled DejaVu Sans: word clouds need a font and must not download one."""
    from matplotlib import font_manager

    return str(
        font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"), fallback_to_default=True)
    )


def word_cloud(
    frequencies: Mapping[str, float] | pd.DataFrame,
    width: int = 1600,
    height: int = 800,
    colormap: str = "viridis",
    max_words: int = 200,
    stopwords: Iterable[str] | None = None,
) -> Any:
    """A word-cloud image (PIL) of token frequencies (a ``token``/``count`` frame or a mapping), seeded."""
    from wordcloud import STOPWORDS, WordCloud

    if isinstance(frequencies, pd.DataFrame):
        frequencies = dict(zip(frequencies["token"], frequencies["count"], strict=True))
    drop = set(STOPWORDS if stopwords is None else stopwords)
    freq = {str(k): float(v) for k, v in frequencies.items() if v > 0 and str(k) not in drop}
    if not freq:
        freq = {"(no words)": 1.0}
    cloud = WordCloud(
        width=width,
        height=height,
        font_path=dejavu_font(),
        background_color="white",
        colormap=colormap,
        max_words=max_words,
        random_state=0,
        prefer_horizontal=0.95,
    )
    return cloud.generate_from_frequencies(freq).to_image()
