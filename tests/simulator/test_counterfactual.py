"""Forecasts and counterfactuals: paired replicas that keep the real past."""

from __future__ import annotations

import pytest
from factory import scenario

from simulator import Action, JournalEntry, Simulation, Strategy
from simulator.analysis import rank_key
from simulator.config import Inject
from simulator.counterfactual import (
    Comparison,
    DrillState,
    Mechanism,
    action_effects,
    compare,
    compare_runs,
    explain,
    forecast,
    forecast_lever,
    percentile_among,
    reply_at_detection,
    start_lever,
    without,
)

SC = scenario(duration_h=48.0)


@pytest.mark.slow  # forks and replays paired replicas: seconds
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


@pytest.mark.slow  # forks and replays paired replicas: seconds
def test_reply_at_detection_counterfactual() -> None:
    sim = Simulation(SC, seed=2)
    sim.run(12.0)
    late = [JournalEntry(12.0, Action("acknowledge"))]
    res = reply_at_detection(SC, 2, late, sim.brand.detected_at, replicas=12)
    assert res is not None and res["sharers"].diff < 0
    assert reply_at_detection(SC, 2, [], None) is None


@pytest.mark.slow  # forks and replays paired replicas: seconds
def test_effect_of_one_action() -> None:
    journal = [JournalEntry(1.0, Action("reply", "defensive"))]
    res = without(SC, 4, journal, 0, replicas=12)
    assert res["sharers"].diff > 0, "the defensive reply raised spread"


@pytest.mark.slow  # forks and replays paired replicas: seconds
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
                                            "points, from 15.0 to 16.2 (95% interval +0.4 to "
                                            "+2.0)")
    volume = Comparison("negative_posts", 200.0, 150.0, -50.0, -70.0, -30.0, 8)
    assert "cut negative posts by 25%" in volume.sentence("acting now")
    assert volume.short() == "negative posts -25%" and trust.short().endswith("+1.2 points")


def test_rank_key_is_trust_first() -> None:
    outcomes = [{"reputation_end": 15.0, "negative_posts": 10},
                {"reputation_end": 18.0, "negative_posts": 900},
                {"reputation_end": 18.0, "negative_posts": 300}, {}]
    ranked = sorted(outcomes, key=rank_key)
    assert ranked == [outcomes[2], outcomes[1], outcomes[0], {}]


def test_no_clear_effect_is_never_told_as_a_direction() -> None:
    spans = Comparison("negative_posts", 200.0, 190.0, -10.0, -40.0, 20.0, 8)
    assert not spans.clear
    text = spans.sentence("acting now")
    assert "no clear effect on negative posts" in text and "cut" not in text
    assert "from 200 to 190" in text and spans.short() == "negative posts: no clear effect"
    trust = Comparison("reputation_end", 15.0, 15.3, 0.3, -0.1, 0.7, 8)
    assert "raise" not in trust.sentence("acting now") and not trust.clear


def test_comparisons_pair_only_replicas_that_have_the_value() -> None:
    """A first media story that never came is no pair; none at all is NaN, not a zero."""
    base = [{"first_media_at_h": 10.0}, {"first_media_at_h": None}, {"first_media_at_h": 12.0}]
    alt = [{"first_media_at_h": 13.0}, {"first_media_at_h": 5.0}, {"first_media_at_h": 14.0}]
    c = compare_runs(base, alt, ["first_media_at_h"])["first_media_at_h"]
    assert c.replicas == 2 and c.diff == 2.5 and c.base == 11.0
    none = compare_runs([{"x": None}], [{"x": None}], ["x"])["x"]
    assert not none.known and not none.clear and "nothing to compare" in none.sentence("w")
    assert compare_runs([{"x": None}], [{"x": None}], ["x"]) == {"x": none}


def test_explanation_lists_only_clear_mechanisms_in_order() -> None:
    comps = {"reply_seen": Comparison("reply_seen", 0.0, 900.0, 900.0, 700.0, 1100.0, 8),
             "silence_h": Comparison("silence_h", 48.0, 2.0, -46.0, -46.0, -46.0, 8),
             "media_pickups": Comparison("media_pickups", 1.0, 1.1, 0.1, -0.2, 0.4, 8),
             "deletions_noticed": Comparison("deletions_noticed", 0.0, 3.0, 3.0, 2.0, 4.0, 8)}
    assert explain(comps) == [Mechanism("silence_h", 48.0, 2.0),
                              Mechanism("reply_seen", 0.0, 900.0),
                              Mechanism("deletions_noticed", 0.0, 3.0)]
    assert explain(comps)[0].direction == "less"


@pytest.mark.slow  # forks and replays paired replicas: seconds
def test_action_effects_match_one_comparison_per_entry() -> None:
    """One progressive run gives each entry's effect exactly as its own comparison would.

    Except for an entry that shares its moment with an earlier one: the
    progressive run has applied the earlier one already (past, as in the
    drill), `without` forks before both (future, drawn from the replica).
    """
    journal = [JournalEntry(1.0, Action("reply", "defensive")), JournalEntry(3.0, Action("delete")),
               JournalEntry(3.0, Action("acknowledge"))]
    effects = action_effects(SC, 4, journal, replicas=4, until=30.0)
    assert [e.index for e in effects] == [0, 1, 2]
    for i, effect in enumerate(effects[:2]):
        assert effect.comparisons == without(SC, 4, journal, i, replicas=4, until=30.0)
    first = effects[0].mechanisms  # the first reply: without it, silence until hour 3
    assert first[0].mechanism == "silence_h" and first[0].acted < first[0].without
    assert all(e.mechanisms == explain(e.comparisons) for e in effects)
    deleted = effects[1].comparisons["deletions_noticed"]
    assert deleted.alternative >= deleted.base


@pytest.mark.slow  # forks and replays paired replicas: seconds
def test_lever_forecast_has_three_arms_absolute_numbers_and_series() -> None:
    sim = Simulation(SC, seed=3)
    sim.run(2.0)
    res = start_lever(sim, Action("reply", "defensive"), wait_h=4.0, replicas=6).result()
    assert sim.now == 2.0 and set(res.outcomes) == {"now", "later", "never"}
    assert res.replicas == 6 and res.at == 2.0
    for arm in ("now", "later", "never"):
        assert res.mean(arm, "reputation_end") > 0 and res.mean(arm, "negative_posts") > 0
        assert len(res.series(arm)) == 48 and len(res.series(arm, "hourly_trust")) == 49
    now = res.effect("now")
    assert now["sharers"].diff > 0, "a defensive reply now spreads the storm"
    assert now["reputation_end"].base == res.mean("never", "reputation_end")
    same = forecast_lever(DrillState(SC, 3, [], 2.0), Action("reply", "defensive"), 4.0, 6)
    assert same.outcomes == res.outcomes, "a replayed state forks the same futures"


def test_percentile_faces_the_teams_injects_and_length() -> None:
    sc = scenario(duration_h=48.0, injects=(Inject(at_h=40.0, kind="second_victim"),))
    st = Strategy(name="fast", respond_after_h=0)
    fired = [JournalEntry(5.0, inject=0), JournalEntry(6.0, Action("delete"))]
    _, short = percentile_among(sc, 1, {"reputation_end": 0.0, "negative_posts": 0},
                                [st], replicas=2, journal_injects=fired, until=10.0)
    _, whole = percentile_among(sc, 1, {"reputation_end": 0.0, "negative_posts": 0},
                                [st], replicas=2)
    assert short["fast"]["negative_posts"] < whole["fast"]["negative_posts"]
    ref = [Simulation(sc, seed=1, strategy=st, journal=fired[:1], fork=(0.0, k))
           for k in range(2)]
    for sim in ref:
        sim.run(10.0)
    assert short["fast"]["negative_posts"] == sum(s.summary()["negative_posts"]
                                                  for s in ref) / 2
