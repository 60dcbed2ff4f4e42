"""Issue #21's targets, on every seed of `gapwatch alerts evaluate` (the same measurement).

Asserted here is where the detector meets them on all five seeds. Where it does not yet
(the p90 of 10-point drops at 160 ratings an hour and of 15-point drops at 20 an hour, and
the latter's coverage; 30 minutes for 15 points at 640 an hour and for 25 points at 320 on
one seed; every new store within 150 minutes) the
command prints the values, and README "Alerting on satisfaction drops" says why.
"""

from __future__ import annotations

import pytest

from pipeline.alerting.evaluation import (
    HALF_HOUR_CELLS,
    NEW_STORE_MINUTES,
    TO_ONE_CELLS,
    evaluate,
)

SEEDS = (7, 8, 9, 10, 11)
# (drop, ratings an hour) where median, p90 and coverage all meet the target on every seed.
MET = (
    [(0.15, r) for r in (40, 80, 160, 320, 640)]
    + [(0.25, r) for r in (20, 40, 80, 160, 320, 640)]
    + [(0.10, 640)]
)


@pytest.fixture(scope="module")
def result():
    return evaluate(SEEDS)


def _cells(result, drop, rate, shape="spread"):
    found = [c for c in result.cells if (c.shape, c.drop, c.rate) == (shape, drop, rate)]
    assert [c.seed for c in found] == list(SEEDS)
    return found


@pytest.mark.parametrize(("drop", "rate"), MET)
def test_sudden_drops_are_alerted_near_the_optimum_on_every_seed(result, drop, rate):
    for cell in _cells(result, drop, rate):
        assert len(cell.delays) >= 40  # ≥ 200 drops per cell over the five seeds
        assert cell.meets(0.5, 1.5), (cell.seed, cell.of_b(0.5))
        assert cell.meets(0.9, 3.0), (cell.seed, cell.of_b(0.9))
        assert cell.coverage >= 0.95, (cell.seed, cell.coverage)


def test_median_delays_stay_within_one_and_a_half_optimum_in_every_cell(result):
    for cell in result.cells:
        assert cell.meets(0.5, 1.5), (cell.shape, cell.drop, cell.rate, cell.seed, cell.of_b(0.5))


@pytest.mark.parametrize(("drop", "rate"), TO_ONE_CELLS)
def test_the_share_of_ones_beats_the_share_of_four_and_five_alone(result, drop, rate):
    """When the lost 4–5 ratings all become 1s, the whole distribution carries about twice
    the evidence per rating: the median delay is under B, the optimum of any detector of
    the share of 4–5 alone."""
    for cell in _cells(result, drop, rate, "to 1"):
        assert len(cell.delays) >= 40
        median = cell.quantile(0.5)
        assert median is not None and median < cell.b_minutes, (cell.seed, cell.of_b(0.5))
        assert cell.coverage >= 0.95, (cell.seed, cell.coverage)


def test_a_big_drop_at_a_busy_store_is_alerted_within_half_an_hour(result):
    assert (0.25, 640) in HALF_HOUR_CELLS
    for cell in _cells(result, 0.25, 640):
        median, p90 = cell.quantile(0.5), cell.quantile(0.9)
        assert median is not None and median <= 30 and p90 is not None and p90 <= 45


def test_at_most_one_false_alert_per_100_store_days_on_every_seed(result):
    for run in result.runs:
        rate, upper = run.per_100_store_days("regular")
        assert run.store_days("regular") >= 3000
        assert rate <= 1.0 and upper <= 1.5, (run.seed, rate, upper)


def test_stores_under_20_ratings_an_hour_page_nobody(result):
    for run in result.runs:
        assert run.false_alerts("small") == 0


def test_a_new_store_is_watched_from_its_first_day(result):
    """After 14 hours of history, a 30-point drop: half the new stores or more are alerted
    within 150 minutes, and every one of them is alerted."""
    for run in result.runs:
        delays = run.new_store_delays()
        assert None not in delays
        assert sorted(delays)[len(delays) // 2 - 1] <= NEW_STORE_MINUTES, (run.seed, delays)


def test_slow_drifts_are_flagged_within_two_weeks_and_rarely_falsely(result):
    """A 10-point drift over 14 days: most are flagged by day 14 (within 7 days is out of
    reach, README), at a small cost in false flags, which leaves the false-alert budget
    under 1 per 100 store-days with the fast detector's."""
    assert {d.rate for d in result.drifts} == {20, 80, 320}
    for d in result.drifts:
        assert d.flagged_by(14) >= 0.8, (d.seed, d.rate, d.flagged_by(14))
        assert d.false_per_100_store_days <= 0.25, (d.seed, d.rate, d.false_per_100_store_days)
