"""Benchmarks: `python -m bench [--quick]` (see bench/run.py and docs/performance.md)."""
