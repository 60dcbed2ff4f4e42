"""Where the full 1–5 distribution adds information to the share of 4–5 scores."""

from __future__ import annotations

import pytest

from pipeline.alerting.distribution import SHAPES, TYPICAL, dropped, information_ratio


@pytest.mark.parametrize("drop", [0.10, 0.15, 0.25])
def test_a_drop_spread_like_the_low_scores_adds_nothing_beyond_the_share(drop):
    assert information_ratio(TYPICAL, drop, SHAPES["spread"]) == pytest.approx(1.0)


@pytest.mark.parametrize(("drop", "least"), [(0.10, 2.4), (0.15, 2.3), (0.25, 2.0)])
def test_a_drop_onto_score_1_carries_twice_the_evidence_and_onto_3_more_too(drop, least):
    assert information_ratio(TYPICAL, drop, SHAPES["to 1"]) >= least
    assert 1.3 <= information_ratio(TYPICAL, drop, SHAPES["to 3"]) < least


def test_a_dropped_distribution_is_a_distribution_with_the_share_lowered():
    after = dropped(TYPICAL, 0.15, SHAPES["to 1"])
    assert sum(after) == pytest.approx(1.0)
    assert sum(after[3:]) == pytest.approx(sum(TYPICAL[3:]) - 0.15)


def test_alerts_evaluate_prints_the_ratios():
    from rich.console import Console

    from pipeline.alerting.evaluation import distribution_table

    console = Console(record=True, width=120)
    console.print(distribution_table())
    text = console.export_text()
    assert "2.31×" in text and "1.42×" in text and "1.00×" in text
