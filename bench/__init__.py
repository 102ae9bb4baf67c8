"""Benchmarks (``make bench``): figures printed, not asserted — unit tests stay quick and untimed."""
