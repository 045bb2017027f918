"""Server hooks (Bokeh's convention for directory apps): get everything sessions share ready before the first
visitor, so that opening the page costs only building that visitor's own dashboard.

``panel serve app/`` runs ``on_server_loaded`` on its event loop before answering any request: only the catalogs
are opened there (with their filter/map index, cached in the catalog folder) and frozen out of the garbage
collector. The first-use costs of a session (statistics loaded, each reader's first read, one session built and
thrown away: Panel's template, HoloViews, spaCy) are paid in a background thread while the server already
answers; all once per server process (see ``explorer.dashboard.prepare_server``).
"""

import os
import sys
import time

if os.environ.get("EO_EXPLORER_TIMELINE") == "1":  # the start-up timeline's first mark: Panel and Bokeh imported
    print(f"eo-timeline {time.time():.3f} {time.process_time():.3f} MainThread hooks: start", file=sys.stderr)

from explorer.dashboard import prepare_server  # noqa: E402
from explorer.dashboard.app import mark  # noqa: E402

mark("hooks: explorer.dashboard imported")

# The folders given after --args: Bokeh sets sys.argv while it runs this module, not when it calls the hook.
PATHS = list(sys.argv[1:])


def on_server_loaded(server_context):  # noqa: ANN001, ANN201 - Bokeh's hook signature
    context = server_context.application_context
    prepare_server(PATHS, context.application if context is not None else None)


def on_session_destroyed(session_context):  # noqa: ANN001, ANN201 - Bokeh's hook signature
    from explorer.dashboard.teardown import session_destroyed

    session_destroyed(session_context)  # a closed session's memory goes back to the system (debounced)
