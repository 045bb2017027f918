"""Word clouds, offline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from explorer import stats


def test_word_cloud__image_from_frequencies_offline() -> None:
    image = stats.word_cloud(
        pd.DataFrame({"token": ["water", "tree", "the"], "count": [10, 5, 50]}), 300, 150
    )
    assert image.size == (300, 150)
    assert np.asarray(image).std() > 0
    assert Path(stats.dejavu_font()).name.startswith("DejaVuSans")
