"""The common model on disk: one catalog folder per dataset, fast to open and to query at full size.

Import from here (``explorer.catalog``); the modules, one concern each: ``folder`` (the layout and the
``Catalog`` that reads it), ``build`` (a dataset folder -> its catalog), ``sort`` (the build's external sort of
annotations by sample, serial or in worker processes), ``opening`` (a folder, the registered catalogs or the
demo -> opened catalogs), ``registered`` (index into the registry, state, relink, unregister).
"""

from __future__ import annotations

from .build import BuildReport, build_catalog, default_catalog_path, fingerprint
from .folder import Catalog, is_catalog
from .opening import distinct_names, ensure_demo, open_catalog, open_many, open_registered
from .registered import entry_state, index, registered_path, relink, unregister

__all__ = [
    "BuildReport",
    "Catalog",
    "build_catalog",
    "default_catalog_path",
    "distinct_names",
    "ensure_demo",
    "entry_state",
    "fingerprint",
    "index",
    "is_catalog",
    "open_catalog",
    "open_many",
    "open_registered",
    "registered_path",
    "relink",
    "unregister",
]
