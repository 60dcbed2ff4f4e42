"""How independent readings settle into a label, and how agreement is counted."""

from __future__ import annotations

import math

import pytest

from pipeline.classifier.corpus import Labeled
from pipeline.classifier.labeling.agreement import reader_agreement
from pipeline.classifier.labeling.readings import Reading, agreement, needs_third, settle

A = Reading("A-01", "gap3_delivery", "tangibles")
B_SAME = Reading("B-07", "gap3_delivery", "tangibles")
B_DIM = Reading("B-07", "gap3_delivery", "reliability")
B_GAP = Reading("B-07", "gap2_standards", "tangibles")


def test_two_agreeing_readings_are_the_label():
    assert not needs_third([A, B_SAME])
    assert settle([A, B_SAME]) == ("gap3_delivery", "tangibles")


def test_a_disagreement_needs_a_third_reading():
    assert needs_third([A, B_DIM]) and needs_third([A, B_GAP])
    with pytest.raises(ValueError, match="third reading decides"):
        settle([A, B_GAP])


def test_the_third_reading_makes_a_majority_or_decides_alone():
    # Gap by majority (B and C); their dimensions tie: the third reading's decides.
    assert settle([A, B_GAP, Reading("C-01", "gap2_standards", "empathy")]) == (
        "gap2_standards",
        "empathy",
    )
    # Gap by majority (A and C); dimension: among A and C, the third's on a tie.
    assert settle([A, B_GAP, Reading("C-01", "gap3_delivery", "reliability")]) == (
        "gap3_delivery",
        "reliability",
    )
    # All three differ: the third decides both.
    third = Reading("C-01", "gap4_communication", "reliability")
    assert settle([A, B_GAP, third]) == ("gap4_communication", "reliability")
    # Same gap, dimensions differ: two of three dimensions win.
    assert settle([A, B_DIM, Reading("C-01", "gap3_delivery", "tangibles")]) == (
        "gap3_delivery",
        "tangibles",
    )


def test_agreement_and_kappa():
    perfect = agreement([("a", "a"), ("b", "b"), ("a", "a")])
    assert perfect.accuracy == 1.0 and perfect.kappa == pytest.approx(1.0)
    # Two readers who split 50/50 and agree half the time agree no better than chance.
    chance = agreement([("a", "a"), ("a", "b"), ("b", "a"), ("b", "b")])
    assert chance.accuracy == 0.5 and chance.kappa == pytest.approx(0.0)
    assert math.isnan(agreement([]).accuracy)


def test_reader_agreement_per_domain_and_over_all():
    records = [
        Labeled("t1", "gap3_delivery", "tangibles", "hotel", (A, B_SAME)),
        Labeled("t2", "gap2_standards", "tangibles", "hotel", (A, B_GAP, B_GAP)),
        Labeled("t3", "not_complaint", None, "book", (Reading("A", "not_complaint", None),) * 2),
        Labeled("t4", "gap5_perception", None, "book", ()),  # never read twice: not counted
    ]
    by = {a.domain: a for a in reader_agreement(records)}
    assert set(by) == {"hotel", "book", "all"}
    assert by["hotel"].texts == 2 and by["hotel"].gap.accuracy == 0.5
    assert by["hotel"].reader_vs_label.accuracy == 0.5  # A said gap3 where gap2 was settled
    assert by["all"].texts == 3 and by["book"].gap.accuracy == 1.0
