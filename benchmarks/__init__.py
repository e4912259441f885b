"""Figures run by hand, not tests: each module runs from the checkout's root as `.venv/bin/python -m benchmarks.NAME`
(a package, so that a benchmark imports its siblings as `benchmarks.crash_world` and the project as installed)."""
