"""Test and benchmark harness (headless Chromium, a served dashboard, timed server-side work): used by the tests,
``bench/`` and ``scripts/``, never shipped in the package. Scripts add the repository root to ``sys.path`` and
import ``tests.harness``."""
