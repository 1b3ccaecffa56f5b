"""The gate: a loss beyond the tolerance fails; a gain beyond it passes with a note."""

import pytest

from doctor.accuracy.gate import Baseline, Verdict


@pytest.mark.parametrize("measured, passed, beyond", [
    (0.55, True, False),
    (0.5225, True, False),      # exactly the floor, 0.55 x 0.95
    (0.5224, False, False),
    (0.10, False, False),
    (0.5775, True, False),      # the top of the band
    (0.60, True, True),
])
def test_the_floor_is_the_baseline_less_its_relative_tolerance(measured, passed, beyond):
    verdict = Verdict(Baseline(0.55, 0.05), measured)
    assert verdict.floor == pytest.approx(0.5225)
    assert (verdict.passed, verdict.beyond_band) == (passed, beyond)


def test_a_failure_names_task_metric_baseline_measured_and_floor():
    sentence = Verdict(Baseline(0.9, 0.05), 0.1).sentence("adoc_arith", "exact_match,first-number")
    assert sentence == ("adoc_arith exact_match,first-number measured 0.1, below the floor 0.855 allowed by the "
                        "baseline 0.9 with tolerance 0.05")


def test_a_zero_tolerance_needs_the_baseline_itself():
    assert Verdict(Baseline(0.5, 0.0), 0.5).passed
    assert not Verdict(Baseline(0.5, 0.0), 0.4999).passed


def test_where_lower_is_better_the_edge_is_a_ceiling():
    verdict = Verdict(Baseline(0.035, 0.05), 0.04, higher_is_better=False)
    assert verdict.floor is None and verdict.ceiling == pytest.approx(0.03675)
    assert not verdict.passed
    assert Verdict(Baseline(0.035, 0.05), 0.02, higher_is_better=False).beyond_band


def test_the_document_form():
    assert Verdict(Baseline(0.9, 0.05, source="--baseline"), 0.0).to_dict() == {
        "baseline": 0.9, "tolerance": 0.05, "floor": 0.855, "ceiling": None, "passed": False,
        "better_than_band": False, "source": "--baseline"}
