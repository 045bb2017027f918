"""EO Image-Text Explorer: read, browse, measure and compare Earth-observation image-text datasets.

In a notebook::

    import explorer
    cat = explorer.open("path/to/ChatEarthNet")       # builds or reuses the catalog
    cat.samples                                       # pandas DataFrame, one row per image
    cat.annotations                                   # pyarrow Table, one row per text item (memory-mapped)
    cat.read_layer(cat.samples.sample_id[0], "s2")    # xarray.DataArray with a band coordinate
"""

from __future__ import annotations

from .catalog import Catalog, build_catalog, open_catalog, open_many, open_registered
from .errors import ExplorerError

__version__ = "0.1.0"

open = open_catalog  # noqa: A001  (explorer.open(path) reads like the PyData habit: xr.open_dataset, pd.read_*)

__all__ = [
    "Catalog",
    "ExplorerError",
    "build_catalog",
    "open",
    "open_catalog",
    "open_many",
    "open_registered",
]
