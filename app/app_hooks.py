"""Server hooks (Bokeh's convention for directory apps): get everything sessions share ready before the first
visitor, so that opening the page costs only building that visitor's own dashboard.

``panel serve app/`` runs ``on_server_loaded`` on its event loop before answering any request: the catalogs are
opened, datashader compiled, the statistics loaded, and one session built and thrown away (first-use costs of
Panel's template, HoloViews, spaCy and the readers), all once per server process; then the long-lived objects
are frozen out of the garbage collector.
"""

import gc
import sys

from explorer.dashboard import preload, warm_session

# The folders given after --args: Bokeh sets sys.argv while it runs this module, not when it calls the hook.
PATHS = list(sys.argv[1:])


def on_server_loaded(server_context):  # noqa: ANN001, ANN201 - Bokeh's hook signature
    preload(PATHS)
    context = server_context.application_context
    if context is not None:
        warm_session(context.application)
    # What is loaded now (catalogs, indexes: millions of objects) lives as long as the server: moving it out of
    # the collector's reach keeps each later collection, which Panel runs after every session, cheap.
    gc.collect()
    gc.freeze()
