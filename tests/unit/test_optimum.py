"""B(r, d, p0), the optimal Bernoulli CUSUM's mean delay, against the issue's table (#21)."""

from __future__ import annotations

import pytest

from pipeline.alerting.optimum import HOURS_PER_FALSE_ALERT, optimum

# Minutes, at p0 = 0.67 and one false alert per 100 store-days, as measured for issue #21.
TABLE = {
    0.15: {20: 417, 40: 230, 80: 126, 160: 68, 320: 37, 640: 20},
    0.25: {20: 176, 40: 96, 80: 52, 160: 28, 320: 15, 640: 8},
}


@pytest.mark.parametrize("drop", sorted(TABLE))
def test_the_optimum_matches_an_independent_computation(drop):
    for rate, minutes in TABLE[drop].items():
        best = optimum(rate, drop)
        assert best.minutes == pytest.approx(minutes, rel=0.04, abs=0.6), (rate, best)
        assert best.in_control_ratings >= HOURS_PER_FALSE_ALERT * rate


def test_bigger_drops_and_busier_stores_are_caught_sooner():
    assert optimum(40, 0.25).minutes < optimum(40, 0.15).minutes
    assert optimum(80, 0.15).minutes < optimum(40, 0.15).minutes
    # In ratings, the delay does not depend much on the rate: only the budget grows with it.
    assert optimum(80, 0.15).ratings == pytest.approx(optimum(40, 0.15).ratings, rel=0.2)


def test_an_impossible_drop_is_refused():
    with pytest.raises(ValueError):
        optimum(40, 0.7)


@pytest.mark.parametrize(
    ("true", "ref", "alt", "ratings"),
    [(0.67, 0.67, 0.52, 48_000), (0.67, 0.64, 0.52, 48_000), (0.8, 0.77, 0.7, 100_000)],
)
def test_the_detectors_thresholds_keep_the_false_alert_budget_by_the_exact_chain(
    true, ref, alt, ratings
):
    """pipeline.alerting.threshold inverts Siegmund's approximation; the exact Markov chain
    says how long the CUSUM really runs before a false alert at that threshold."""
    from pipeline.alerting.optimum import run_length
    from pipeline.alerting.threshold import increments, threshold

    h = threshold(true, ref, alt, ratings)
    down, up = increments(ref, alt)
    scale = 200
    exact = run_length(true, round(up * scale), round(-down * scale), round(h * scale))
    assert ratings <= exact <= 1.25 * ratings


def test_wander_raises_the_threshold_and_a_drop_within_it_gets_none():
    from pipeline.alerting.threshold import threshold

    calm = threshold(0.67, 0.66, 0.57, 100_000)
    assert threshold(0.67, 0.66, 0.57, 100_000, wander=0.02) > calm
    assert threshold(0.67, 0.66, 0.57, 100_000, wander=0.12) == float("inf")
