"""`panel serve app/ [--args PATH ...]`: one dashboard per browser session over catalogs shared by all.

With paths after --args, those dataset folders (or catalog folders) are opened; without, every registered
catalog (the built-in demo by default).
"""

import sys

import panel as pn

from explorer.dashboard import build_dashboard, open_catalogs
from explorer.dashboard.app import VISITORS, mark
from explorer.dashboard.bundle import only_needed_mathjax

pn.extension(notifications=True, loading_indicator=True)  # no Tabulator: no view holds one
only_needed_mathjax()  # the dashboard shows no math: the page does not load the 1.7 MB MathJax bundle

mark("page build: start")
with VISITORS.page():  # the server's warm-up thread waits meanwhile
    catalogs, problems = open_catalogs(sys.argv[1:])
    build_dashboard(catalogs, problems).servable(title="EO Image-Text Explorer")
mark("page build: end")
