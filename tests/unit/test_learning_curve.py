"""The learning curve's arithmetic: sizes on a log scale, the log2 fit and its reading."""

import math

import pytest

from pipeline.classifier.curve import Curve, Point, fit_log2, sizes


def test_sizes_are_none_then_halvings_up_to_all():
    assert sizes(1080) == [0, 135, 270, 540, 1080]
    assert sizes(5) == [0, 1, 2, 5]  # small sources: no size repeated, none below one


def _points(a: float, b: float, xs: list[int]) -> list[Point]:
    return [Point(x, a + b * math.log2(x) if x else 0.1, ()) for x in xs]


def test_the_fit_recovers_a_line_in_log2_and_ignores_the_empty_point():
    intercept, slope = fit_log2(_points(0.3, 0.05, [0, 100, 200, 400, 800]))
    assert intercept == pytest.approx(0.3) and slope == pytest.approx(0.05)


def test_where_the_line_reaches_a_target():
    rising = Curve("s", 400, (), per_doubling=0.05, intercept=0.3)
    assert rising.texts_for(0.5) == pytest.approx(16)  # 0.3 + 0.05 · 4
    flat = Curve("s", 400, (), per_doubling=0.0, intercept=0.6)
    assert flat.texts_for(0.75) is None


def test_a_line_needs_two_points_with_texts():
    with pytest.raises(ValueError, match="two points"):
        fit_log2(_points(0.3, 0.05, [0, 100]))
