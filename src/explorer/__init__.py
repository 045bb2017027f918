"""EO Image-Text Explorer: read, browse, measure and compare Earth-observation image-text datasets.

In a notebook::

    import explorer
    cat = explorer.open("path/to/ChatEarthNet")       # builds or reuses the catalog
    cat.samples                                       # pandas DataFrame, one row per image
    cat.annotations                                   # pyarrow Table, one row per text item (memory-mapped)
    cat.read_layer(cat.samples.sample_id[0], "s2")    # xarray.DataArray with a band coordinate

``explorer.open(path, format=None, rebuild=False)`` is the one name for opening a dataset or catalog folder (it
is ``explorer.catalog.open_catalog``). Statistics: ``explorer.stats``; figures: ``explorer.figures``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .catalog import Catalog, build_catalog, open_many, open_registered
from .catalog import open_catalog as open  # noqa: A004  (explorer.open(path), as xr.open_dataset, pd.read_*)
from .errors import ExplorerError

try:
    __version__ = version("eo-explorer")  # the one place: pyproject.toml's [project] version
except PackageNotFoundError:  # a source tree on sys.path without an install
    __version__ = "0+unknown"

__all__ = [
    "Catalog",
    "ExplorerError",
    "__version__",
    "build_catalog",
    "open",
    "open_many",
    "open_registered",
]
