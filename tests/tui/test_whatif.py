"""Forecasts and counterfactuals: paired replicas that keep the real past."""

from __future__ import annotations

from factory import scenario

from simulator import Action, JournalEntry, Simulation, Strategy
from simulator.analysis import rank_key
from tui.whatif import Comparison, compare, forecast, percentile_among, reply_at_detection, without

SC = scenario(duration_h=48.0)


def test_acting_now_beats_waiting() -> None:
    """An apology now versus in six hours: whoever sees the storm after it judges with it."""
    sc = scenario(duration_h=48.0)
    res = forecast(sc, seed=3, journal=[], now=1.0, wait_h=6.0, replicas=16)
    trust = res["reputation_end"]
    assert trust.diff > 0 and trust.ci_low > 0, trust
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
    """Ranked trust first: the best trust wins whatever its volume, the worst loses."""
    strategies = [Strategy(name="silent"), Strategy(name="fast", respond_after_h=0)]
    low, means = percentile_among(SC, 1, {"reputation_end": 1e9, "negative_posts": 1e9},
                                  strategies=strategies, replicas=3)
    high, _ = percentile_among(SC, 1, {"reputation_end": -1e9, "negative_posts": 0},
                               strategies=strategies, replicas=3)
    assert low == 100.0 and high == 0.0 and set(means) == {"silent", "fast"}
    assert set(means["fast"]) >= {"reputation_end", "negative_posts"}


def test_sentences_tell_trust_in_points_and_attention_in_percent() -> None:
    trust = Comparison("reputation_end", 15.0, 16.2, 1.2, 0.4, 2.0, 8)
    assert trust.sentence("acting now") == ("acting now would raise trust at the end by 1.2 "
                                            "points (95% interval +0.4 to +2.0)")
    volume = Comparison("negative_posts", 200.0, 150.0, -50.0, -70.0, -30.0, 8)
    assert "cut negative posts by 25%" in volume.sentence("acting now")
    assert volume.short() == "negative posts -25%" and trust.short().endswith("+1.2 points")


def test_rank_key_is_trust_first() -> None:
    outcomes = [{"reputation_end": 15.0, "negative_posts": 10},
                {"reputation_end": 18.0, "negative_posts": 900},
                {"reputation_end": 18.0, "negative_posts": 300}, {}]
    ranked = sorted(outcomes, key=rank_key)
    assert ranked == [outcomes[2], outcomes[1], outcomes[0], {}]
