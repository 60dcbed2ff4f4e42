"""The detector measured against the optimum, cell by cell."""

from __future__ import annotations

from pipeline.alerting.cells import Cell, measure


def test_quantiles_count_unalerted_drops_as_infinitely_late():
    cell = Cell(40, 0.15, 100.0, (50.0, 150.0, None, None))
    assert cell.coverage == 0.5
    assert cell.quantile_of_b(0.25) == 0.5
    assert cell.quantile_of_b(0.5) == 1.5
    assert cell.quantile_of_b(0.9) is None


def test_a_big_drop_at_a_busy_store_is_alerted_and_never_before_the_optimum_allows():
    cell = measure(640, 0.25, stores=20, seed=3)
    assert cell.coverage == 1.0
    # No detector beats B on average; a median far below it would be a measuring error.
    assert cell.quantile_of_b(0.5) is not None and cell.quantile_of_b(0.5) > 0.5
