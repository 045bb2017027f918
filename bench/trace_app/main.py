"""The project's app (app/main.py) with bench/trace_app/trace.py's timestamps: see bench_latency.py --app."""

import runpy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eo_trace  # noqa: E402,F401

runpy.run_path(str(Path(__file__).resolve().parents[2] / "app" / "main.py"), run_name="__main__")
