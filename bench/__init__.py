"""Micro-benchmarks: ``make bench`` (``python -m bench``). Results in bench/RESULTS.md."""
