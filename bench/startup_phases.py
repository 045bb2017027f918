"""What a dashboard server process computes before its first page, phase by phase, on one catalog.

    python bench/startup_phases.py CATALOG_FOLDER     # run twice: the second run reads the start-up cache

Imports, catalog open, the dashboard's per-catalog index (cached in CATALOG/cache/ by the first run), and
datashader's kernel compilation (numba; twice, to show the compile cost apart from the rendering).
"""

from __future__ import annotations

import sys
import time


def main(path: str) -> None:
    t0 = time.perf_counter()
    import datashader  # noqa: F401
    import holoviews  # noqa: F401
    import panel  # noqa: F401

    t1 = time.perf_counter()
    print(f"imports (panel, holoviews, datashader) {t1 - t0:.2f} s")
    from explorer.catalog import Catalog

    cat = Catalog(path)
    t2 = time.perf_counter()
    print(f"open catalog {t2 - t1:.2f} s")
    from explorer.dashboard import query

    ix = query.index_of(cat)
    t3 = time.perf_counter()
    print(f"CatalogIndex.build {t3 - t2:.2f} s")
    query.warm_up([ix])
    t4 = time.perf_counter()
    print(f"warm_up (datashader compile + render) {t4 - t3:.2f} s")
    query.warm_up([ix])
    print(f"warm_up again (render only) {time.perf_counter() - t4:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1])
