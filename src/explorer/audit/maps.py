"""Reading the land-cover map of a sample for the audit: once per sample, as plain class codes.

BigEarthNet reference maps are single-band uint16 DEFLATE GeoTIFFs (FORMATS.md section 3). The audit needs
their codes, not their georeferencing, so it reads them with ``tifffile`` (about 3x faster than opening each
with GDAL, which matters at 464,044 maps) and falls back to the reader's ``read_layer`` for anything else
(LMDB-only folders, ChatEarthNet PNG maps, a file tifffile refuses).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..catalog import Catalog
from ..legends import CORINE19
from ..model import LAYER_LANDCOVER


def read_codes(catalog: Catalog, sample: Mapping[str, Any]) -> tuple[np.ndarray, str | None]:
    """(2-D class codes, legend name) of the sample's land-cover map; raises the reader's errors."""
    path = _reference_map_path(catalog, sample)
    if path is not None:
        try:
            import tifffile

            with tifffile.TiffFile(path) as tif:  # its one page, without imread's series analysis
                codes = np.asarray(tif.pages.first.asarray() if len(tif.pages) == 1 else tif.asarray())
            if codes.ndim == 2 and np.issubdtype(codes.dtype, np.integer):
                return codes, CORINE19.name
        except Exception:  # anything odd: let the reader read it and raise its own, clear error
            pass
    layer = catalog.source.read_layer(sample, LAYER_LANDCOVER)
    values = np.asarray(layer.values)
    return (values[0] if values.ndim == 3 else values), layer.attrs.get("legend")


def _reference_map_path(catalog: Catalog, sample: Mapping[str, Any]) -> Any:
    imagery = getattr(catalog.source, "imagery", None)
    if imagery is None or not getattr(imagery, "has_reference_maps", False):
        return None
    path = imagery.reference_map_path(str(sample["sample_id"]))
    return path if path.is_file() else None
