"""Benchmarks that print their figures: `gapwatch bench …`."""
