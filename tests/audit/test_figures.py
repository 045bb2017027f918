"""The audit's figures come out of the stored verdicts in every format at 300 dpi."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image

from explorer.audit.figures import write_audit_figures


def test_write_audit_figures__png_svg_pdf_at_300_dpi(planted: dict[str, Any], tmp_path: Path) -> None:
    paths = write_audit_figures(list(planted["catalogs"].values()), tmp_path, formats=("png", "svg", "pdf"))
    stems = {p.stem for p in paths}
    assert {
        "audit_dispute_rate",
        "audit_chair",
        "audit_variants_bigearthnet-demo",
        "audit_map_chatearthnet-demo",
    } <= stems
    assert all(p.stat().st_size > 1000 for p in paths)
    with Image.open(tmp_path / "audit_dispute_rate.png") as image:
        assert round(image.info["dpi"][0]) == 300
