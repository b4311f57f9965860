"""Calibration against the eight real cases (MODEL.md section 8).

The shared parameter set in simulator/fitted.py is fitted jointly over the
cases by `python -m tests.regenerate fit`, which also writes the table in
docs/scenarios.md. These tests check that the set lies in its
ranges, that the table is the one for the shipped set, that the table's
pass/miss column is what the shipped set really gives (the same replicas,
replayed here: no target is widened or dropped to make a case pass), and
that the check can fail: Domino's answering within the first hour misses.
"""

from __future__ import annotations

import dataclasses

import pytest

from scenarios import calibration as cal
from simulator import fitted
from simulator.config import CrisisPlan
from tests import regenerate

CASES = cal.case_names()


def _doc() -> str:
    return regenerate.SCENARIOS_DOC.read_text(encoding="utf-8")


def test_the_library_has_the_eight_cases() -> None:
    assert CASES == ["airline-luggage", "critics-attacked", "football-mock", "kitchen-gaffe",
                     "ngo-deletions", "overnight-replies", "passenger-removed", "pizza-prank"]


def test_every_case_has_targets_and_a_reference_strategy() -> None:
    for name in CASES:
        case = cal.load_case(name)
        assert case.strategy is not None, name
        assert {t.quantity for t in case.targets} >= {"peak_day", "first_media_day",
                                                      "duration_days"}, name
        assert all(t.tolerance > 0 for t in case.targets), name
        assert case.scenario.network.resample, name
    assert any(t.quantity == "trust_dip" for t in cal.load_case("pizza-prank").targets)


def test_fitted_set_is_within_ranges() -> None:
    names = fitted.FIT_PARAMS
    assert 1 <= len(names) <= 7
    box = cal.ranges(names)  # raises when a parameter has no range_
    for n in names:
        lo, hi = box[n]
        assert lo <= fitted.FITTED[n] <= hi, n
    assert set(fitted.LOO_FITTED) == set(CASES)
    for case, params in fitted.LOO_FITTED.items():
        for n, v in params.items():
            assert box[n][0] <= v <= box[n][1], (case, n)


def test_config_defaults_are_the_fitted_set() -> None:
    from simulator.config import Scenario

    sc = Scenario()
    for dotted, value in fitted.FITTED.items():
        section, _, name = dotted.partition(".")
        assert getattr(getattr(sc, section), name) == value, dotted


def test_calibration_table_names_the_shipped_set() -> None:
    text = _doc()
    assert "<!-- BEGIN GENERATED CALIBRATION -->" in text
    block = text.split("<!-- BEGIN GENERATED CALIBRATION -->")[1].split(
        "<!-- END GENERATED CALIBRATION -->")[0]
    for n in fitted.FIT_PARAMS:
        assert f"| `{n}` | {fitted.FITTED[n]:.4g} |" in block, n
    statuses = cal.doc_statuses(text)
    for name in CASES:
        labels = {label for (case, label) in statuses if case == name}
        assert labels == {cal.QUANTITIES[t.quantity][0] for t in cal.load_case(name).targets}


@pytest.mark.parametrize("name", [n if n == "critics-attacked" else pytest.param(
    n, marks=pytest.mark.slow) for n in CASES])  # replicas of each case: seconds each
def test_case_status_is_what_the_table_reports(name: str) -> None:
    """Replay the table's replicas with the shipped set: same pass/miss per target."""
    checks = cal.evaluate(cal.load_case(name), cal.shipped_params(), cal.TABLE_SEEDS)
    got = {c.label: c.ok for c in checks if c.fitted}
    shipped = {label: ok for (case, label), ok in cal.doc_statuses(_doc()).items() if case == name}
    assert got == shipped, "\n".join(
        f"{c.label}: median {c.median:.2f} vs {c.target:g} +- {c.tolerance:g}" for c in checks)


def test_a_wrong_case_misses() -> None:
    """Domino's watching around the clock and apologising within the first hour."""
    case = cal.load_case("pizza-prank")
    plan = CrisisPlan(coverage=["24/7"], poll_interval_min=15, detection_threshold=1,
                      approval_delay_h=0.25)
    assert case.strategy is not None
    fast = dataclasses.replace(case.strategy, respond_after_h=0.25, solution_after_h=0.25)
    wrong = dataclasses.replace(case, strategy=fast,
                                scenario=dataclasses.replace(case.scenario, plan=plan))
    checks = cal.evaluate(wrong, cal.shipped_params(), cal.TABLE_SEEDS)
    latency = next(c for c in checks if not c.fitted)
    assert latency.median < 1.0
    missed = {c.label for c in checks if c.fitted and not c.ok}
    assert missed
    # and it misses a target the real (silent, then apologising) Domino's meets
    passed = {label for (case, label), ok in cal.doc_statuses(_doc()).items()
              if case == "pizza-prank" and ok}
    assert missed & passed, (missed, passed)


def test_loss_counts_misses_in_tolerances() -> None:
    inside = cal.Check("x", "x", "peak_day", 2.0, 0.5, 2.0, 2.0, 2.0, 2.0)
    outside = cal.Check("x", "x", "peak_day", 2.0, 0.5, 3.5, 3.0, 4.0, 3.5)
    check = cal.Check("x", "x", cal.LATENCY, 2.0, 0.5, 9.0, 9.0, 9.0, 9.0, fitted=False)
    assert inside.ok and inside.loss == 0.0
    assert not outside.ok and outside.miss == pytest.approx(2.0)
    assert check.loss == 0.0


def test_box_transform_stays_in_range() -> None:
    for x in (-50.0, -1.0, 0.0, 2.0, 50.0):
        v = cal.from_box(x, 0.5, 4.0)
        assert 0.5 <= v <= 4.0
    assert cal.from_box(cal.to_box(2.0, 0.5, 4.0), 0.5, 4.0) == pytest.approx(2.0)
