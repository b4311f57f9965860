"""Every lever moves the outcome in the documented direction, on paired replicas.

Each test runs the same seeds under two arms (common random numbers: every
concern draws from its own named stream) and requires the mean paired
difference in sharers to point the right way by more than two standard
errors. The scenario is near-critical so multipliers matter.
"""

from __future__ import annotations

import math

import numpy as np
from factory import scenario

from simulator import Simulation, Strategy
from simulator.config import Scenario

SEEDS = range(40)


def _sharers(sc: Scenario, strategy: Strategy | None, seeds: range = SEEDS) -> np.ndarray:
    out = []
    for seed in seeds:
        sim = Simulation(sc, seed=seed, strategy=strategy)
        sim.run()
        out.append(sim.summary()["sharers"])
    return np.asarray(out, dtype=float)


def _assert_lower(low: np.ndarray, high: np.ndarray, z: float = 2.0) -> None:
    diff = high - low
    se = diff.std(ddof=1) / math.sqrt(diff.size) if diff.size > 1 else 0.0
    assert diff.mean() > z * se, (f"expected lower: mean {low.mean():.1f} vs {high.mean():.1f},"
                                  f" paired diff {diff.mean():.2f} +- {se:.2f}")


def test_faster_response_lowers_spread() -> None:
    sc = scenario()
    fast = Strategy(name="fast", respond_after_h=0, solution_after_h=0.5)
    slow = Strategy(name="slow", respond_after_h=12, solution_after_h=12.5)
    _assert_lower(_sharers(sc, fast), _sharers(sc, slow))


def test_any_response_beats_silence() -> None:
    sc = scenario()
    _assert_lower(_sharers(sc, Strategy(name="ack", respond_after_h=0)), _sharers(sc, None))


def test_solution_lowers_spread() -> None:
    sc = scenario()
    base = Strategy(name="ack", respond_after_h=0)
    with_solution = Strategy(name="ack+solution", respond_after_h=0, solution_after_h=0)
    _assert_lower(_sharers(sc, with_solution), _sharers(sc, base))


def test_empathy_beats_defensiveness() -> None:
    sc = scenario()
    empathetic = Strategy(name="e", respond_after_h=1, first_action="reply", tone="empathetic")
    defensive = Strategy(name="d", respond_after_h=1, first_action="reply", tone="defensive")
    _assert_lower(_sharers(sc, empathetic), _sharers(sc, defensive))


def test_deletion_never_noticed_lowers_spread() -> None:
    sc = scenario(response={"delete_notice_prob": 0.0})
    _assert_lower(_sharers(sc, Strategy(name="del", delete_after_h=0)), _sharers(sc, None))


def test_deletion_always_noticed_raises_spread() -> None:
    sc = scenario(response={"delete_notice_prob": 1.0})
    _assert_lower(_sharers(sc, None), _sharers(sc, Strategy(name="del", delete_after_h=0)))


def test_contradiction_raises_spread() -> None:
    """A contradicting statement re-ignites past sharers and halves a later apology."""
    sc = scenario()
    consistent = Strategy(name="c", respond_after_h=0.5)
    contradictory = Strategy(name="x", respond_after_h=0.5, contradict_after_h=0.25)
    seeds = range(80)
    _assert_lower(_sharers(sc, consistent, seeds), _sharers(sc, contradictory, seeds))


def test_updates_beat_silence_after_acknowledging() -> None:
    sc = scenario()
    updating = Strategy(name="u", respond_after_h=0, update_every_h=3, max_updates=20)
    silent_after = Strategy(name="s", respond_after_h=0)
    _assert_lower(_sharers(sc, updating), _sharers(sc, silent_after))


def test_no_night_cover_raises_spread_for_a_late_complaint() -> None:
    late = {"start": "2026-03-05T23:00"}  # a Thursday, 23:00
    night = scenario(plan={"coverage": ["24/7"], "poll_interval_min": 10}, **late)
    office = scenario(plan={"coverage": ["mon-fri 08:00-18:00"], "poll_interval_min": 10},
                      **late)
    fast = Strategy(name="fast", respond_after_h=0, solution_after_h=0.5)
    _assert_lower(_sharers(night, fast), _sharers(office, fast))


def test_advocates_lower_spread() -> None:
    on = scenario(network={"brand_audience": 0.3}, advocates={"share": 0.2})
    off = scenario(network={"brand_audience": 0.3}, advocates={"enabled": False})
    _assert_lower(_sharers(on, None), _sharers(off, None))


def test_media_amplifies() -> None:
    on = scenario(media={"reference_volume": 5.0})
    off = scenario(media={"enabled": False})
    _assert_lower(_sharers(off, None), _sharers(on, None))


def test_briefing_staff_lowers_offmessage_damage() -> None:
    sc = scenario(response={"staff_offmessage_per_day": 4.0, "reignite_prob": 0.2})
    briefed = Strategy(name="b", respond_after_h=0, brief_staff=True)
    unbriefed = Strategy(name="n", respond_after_h=0)
    _assert_lower(_sharers(sc, briefed), _sharers(sc, unbriefed))


def test_repeat_exposure_raises_spread() -> None:
    _assert_lower(_sharers(scenario(), None),
                  _sharers(scenario(spread={"repeat_exposure": 1.5}), None))


def test_higher_arousal_raises_spread() -> None:
    _assert_lower(_sharers(scenario(complaint={"arousal": 1.2, "complainant_followers": 400}),
                           None),
                  _sharers(scenario(complaint={"arousal": 2.0, "complainant_followers": 400}),
                           None))


def test_public_compensation_fuels_the_fire() -> None:
    sc = scenario()
    ack = Strategy(name="a", respond_after_h=0)
    paid = Strategy(name="p", respond_after_h=0, compensation_after_h=0)
    _assert_lower(_sharers(sc, ack), _sharers(sc, paid))


def test_a_slow_legal_review_raises_spread() -> None:
    fast = Strategy(name="f", respond_after_h=0, solution_after_h=0)
    _assert_lower(_sharers(scenario(plan={"approval_delay_h": 0.0}), fast),
                  _sharers(scenario(plan={"approval_delay_h": 6.0}), fast))


def test_an_influencer_joining_raises_spread() -> None:
    from simulator.config import Inject

    calm = scenario()
    joined = scenario(injects=[Inject(at_h=2.0, kind="influencer_joins")])
    _assert_lower(_sharers(calm, None), _sharers(joined, None))


def test_reputation_drops_then_recovers_towards_a_floor() -> None:
    sc = scenario(duration_h=24 * 30.0, reputation={"recovery_days": 7.0})
    sim = Simulation(sc, seed=2)
    sim.run()
    rep = sim.reputation_h[: sim.hours_done + 1]
    low = int(rep.argmin())
    assert rep[0] == sc.reputation.start and rep[low] < rep[0]
    assert rep[-1] > rep[low], "recovers"
    lost = rep[0] - rep[low]
    assert rep[-1] < rep[0] - 0.2 * lost, "to a permanent floor (25% of the damage)"
