"""The project's server hooks (app/app_hooks.py) for the traced app: that module itself, run from here (Bokeh
finds a directory app's hooks by this file name), so the traced server starts and tears down as the real one."""

import runpy
from pathlib import Path

_HOOKS = runpy.run_path(str(Path(__file__).resolve().parents[2] / "app" / "app_hooks.py"))
on_server_loaded = _HOOKS["on_server_loaded"]
on_session_destroyed = _HOOKS["on_session_destroyed"]
