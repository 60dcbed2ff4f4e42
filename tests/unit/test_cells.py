"""The detector measured against the optimum, cell by cell."""

from __future__ import annotations

from pipeline.alerting.cells import Cell, measure


def test_quantiles_count_unalerted_drops_as_infinitely_late():
    cell = Cell(40, 0.15, 7, 100.0, 10.0, (50.0, 150.0, None, None))
    assert cell.coverage == 0.5
    assert cell.of_b(0.25) == 0.5
    assert cell.of_b(0.5) == 1.5
    assert cell.of_b(0.9) is None
    assert cell.meets(0.25, 0.5) and not cell.meets(0.5, 1.0) and cell.meets(0.5, 1.4)


def test_a_big_drop_at_a_busy_store_is_alerted_and_never_before_the_optimum_allows():
    cell = measure(640, 0.25, stores=20, seed=3)
    assert cell.coverage == 1.0
    # No detector beats B on average; a median far below it would be a measuring error.
    median = cell.of_b(0.5)
    assert median is not None and median > 0.5


def test_the_lost_ratings_become_low_scores_as_usual_or_all_ones():
    from pipeline.alerting.cells import _shares

    top, ones = _shares(0.67, 0.15, dropped=False, shape="to 1")
    assert top == 0.67 and abs(ones - 0.33 * 0.25) < 1e-12
    top, ones = _shares(0.67, 0.15, dropped=True, shape="spread")
    assert abs(top - 0.52) < 1e-12 and abs(ones - 0.48 * 0.25) < 1e-12
    top, ones = _shares(0.67, 0.15, dropped=True, shape="to 1")
    assert abs(top - 0.52) < 1e-12 and abs(ones - (0.33 * 0.25 + 0.15)) < 1e-12
