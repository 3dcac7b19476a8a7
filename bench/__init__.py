"""Benchmarks: `python -m bench <name>` runs one (BENCHMARK_PROTOCOL.md); output in bench/out."""
