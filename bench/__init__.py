"""Benchmarks, each measured side by side with the peers it competes with."""
