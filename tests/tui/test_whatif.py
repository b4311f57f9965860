"""Forecasts and counterfactuals: paired replicas that keep the real past."""

from __future__ import annotations

from factory import scenario

from simulator import Action, JournalEntry, Simulation, Strategy
from tui.whatif import compare, forecast, percentile_among, reply_at_detection, without

SC = scenario(duration_h=48.0)


def test_acting_now_beats_waiting() -> None:
    """An apology now versus in six hours (silence penalty off: no updates follow)."""
    sc = scenario(duration_h=48.0, response={"silence": 1.0})
    res = forecast(sc, seed=3, journal=[], now=1.0, wait_h=6.0, replicas=16)
    sharers = res["sharers"]
    assert sharers.diff < 0 and sharers.ci_high < 0, sharers
    assert "cut sharers" in sharers.sentence("acting now")
    assert res == forecast(sc, seed=3, journal=[], now=1.0, wait_h=6.0, replicas=16)


def test_identical_journals_differ_by_nothing() -> None:
    journal = [JournalEntry(2.0, Action("acknowledge"))]
    res = compare(SC, 1, journal, journal, fork_at=2.0, replicas=4)
    assert all(c.diff == 0 and c.ci_low == c.ci_high == 0 for c in res.values())


def test_reply_at_detection_counterfactual() -> None:
    sim = Simulation(SC, seed=2)
    sim.run(12.0)
    late = [JournalEntry(12.0, Action("acknowledge"))]
    res = reply_at_detection(SC, 2, late, sim.brand.detected_at, replicas=12)
    assert res is not None and res["sharers"].diff < 0
    assert reply_at_detection(SC, 2, [], None) is None


def test_effect_of_one_action() -> None:
    journal = [JournalEntry(1.0, Action("reply", "defensive"))]
    res = without(SC, 4, journal, 0, replicas=12)
    assert res["sharers"].diff > 0, "the defensive reply raised spread"


def test_percentile_among_builtin_strategies() -> None:
    strategies = [Strategy(name="silent"), Strategy(name="fast", respond_after_h=0)]
    low, means = percentile_among(SC, 1, team_value=0.0, strategies=strategies, replicas=3)
    high, _ = percentile_among(SC, 1, team_value=1e9, strategies=strategies, replicas=3)
    assert low == 100.0 and high == 0.0 and set(means) == {"silent", "fast"}
