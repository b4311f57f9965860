"""Hypothesis properties of any run: conservation, monotone time, no negative counts."""

from __future__ import annotations

import itertools

from factory import scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import Action, Simulation
from simulator.actions import ACTION_KINDS, TONES

actions = st.lists(
    st.tuples(st.floats(min_value=0.0, max_value=30.0, allow_nan=False),
              st.sampled_from(ACTION_KINDS), st.sampled_from(TONES)),
    max_size=6)
runs = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def _play(seed: int, branching: float, plan: list[tuple[float, str, str]],
          stops: list[float]) -> Simulation:
    sc = scenario(users=600, spread={"branching_ratio": branching}, duration_h=36.0)
    sim = Simulation(sc, seed=seed)
    checkpoints = sorted([(t, "stop", "") for t in stops] + list(plan))
    for at, kind, tone in checkpoints:
        sim.run(at)
        if kind != "stop":
            sim.act(Action(kind, tone))  # type: ignore[arg-type]
        _check_invariants(sim)
    sim.run()
    _check_invariants(sim)
    return sim


def _check_invariants(sim: Simulation) -> None:
    snap = sim.snapshot()
    assert sum(snap.states.values()) == snap.population
    assert all(v >= 0 for v in snap.states.values())
    assert (snap.hourly_negative >= 0).all()
    assert snap.reach >= 0 and snap.sharers >= 0 and snap.media_stories >= 0
    assert snap.sharers <= snap.population
    times = sim.spread.post_time
    assert all(a <= b for a, b in itertools.pairwise(times)), "time went back"
    assert all(t <= sim.now + 1e-9 for t in times[-3:]), "a post from the future"
    items, _ = sim.feed()
    assert all(a.t <= b.t for a, b in itertools.pairwise(items))


@runs
@given(seed=st.integers(0, 10_000), branching=st.floats(0.1, 0.8), plan=actions,
       stops=st.lists(st.floats(0.0, 36.0, allow_nan=False), max_size=4))
def test_population_conserved_time_monotone_counts_nonnegative(
        seed: int, branching: float, plan: list[tuple[float, str, str]],
        stops: list[float]) -> None:
    _play(seed, branching, plan, stops)


@runs
@given(seed=st.integers(0, 10_000), plan=actions)
def test_same_seed_same_log(seed: int, plan: list[tuple[float, str, str]]) -> None:
    a = _play(seed, 0.6, plan, [])
    b = _play(seed, 0.6, plan, [])
    assert a.feed()[0] == b.feed()[0]
    assert a.summary() == b.summary()
