"""Reliability, expected calibration error and the review threshold."""

import numpy as np
import pytest

from nlp.calibration import choose_threshold, reliability


def test_perfectly_calibrated_predictions_have_zero_ece():
    confidence = np.array([0.95] * 20 + [0.55] * 20)
    correct = np.array([1] * 19 + [0] * 1 + [1] * 11 + [0] * 9)
    result = reliability(confidence, correct)
    assert result.ece == pytest.approx(0.0, abs=1e-9)
    assert [b["n"] for b in result.bins] == [20, 20]


def test_overconfident_predictions_have_the_gap_as_ece():
    confidence = np.full(10, 0.9)
    correct = np.array([1] * 5 + [0] * 5)
    assert reliability(confidence, correct).ece == pytest.approx(0.4)


def test_threshold_keeps_only_notes_accurate_enough():
    confidence = np.array([0.99, 0.98, 0.97, 0.96, 0.60, 0.55, 0.50])
    correct = np.array([True, True, True, True, False, True, False])
    threshold = choose_threshold(confidence, correct, target=0.99)
    assert threshold == pytest.approx(0.96)
    accepted = confidence >= threshold
    assert correct[accepted].all()


def test_threshold_is_one_when_nothing_is_accurate_enough():
    assert choose_threshold(np.array([0.9, 0.8]), np.array([False, False])) == 1.0


def test_threshold_holds_for_every_kind_of_note():
    # the many template notes are right down to 0.60; the few hand-written ones only above 0.90
    confidence = np.array([0.95, 0.90, 0.80, 0.70, 0.60] * 40 + [0.95, 0.92, 0.85, 0.75])
    correct = np.array([True] * 200 + [True, True, False, True])
    kinds = ["family"] * 200 + ["writer"] * 4
    assert choose_threshold(confidence, correct, target=0.99) == pytest.approx(0.60)
    assert choose_threshold(confidence, correct, target=0.99, groups=kinds) == pytest.approx(0.92)
