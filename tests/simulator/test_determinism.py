"""A run is a pure function of (scenario, seed, strategy, journal)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from factory import scenario

from simulator import Action, JournalEntry, Simulation, Strategy

ROOT = Path(__file__).resolve().parents[2]
STRATEGY = Strategy(name="mixed", respond_after_h=0.5, update_every_h=3, solution_after_h=2,
                    delete_after_h=1, contradict_after_h=5)


def _summary(seed: int, **kw: object) -> dict[str, object]:
    sim = Simulation(scenario(), seed=seed, **kw)  # type: ignore[arg-type]
    sim.run()
    return sim.summary()


def test_same_seed_same_summary_in_process() -> None:
    assert _summary(3, strategy=STRATEGY) == _summary(3, strategy=STRATEGY)


def test_other_seed_differs() -> None:
    runs = {json.dumps(_summary(s, strategy=STRATEGY)) for s in range(4)}
    assert len(runs) == 4


@pytest.mark.slow  # the real program in several processes
def test_same_seed_same_json_across_processes() -> None:
    code = (
        "import json, sys; sys.path.insert(0, 'tests');"
        "from factory import scenario; from simulator import Simulation, Strategy;"
        "st = Strategy(name='mixed', respond_after_h=0.5, update_every_h=3, solution_after_h=2,"
        " delete_after_h=1, contradict_after_h=5);"
        "sim = Simulation(scenario(), seed=3, strategy=st); sim.run();"
        "print(json.dumps(sim.summary()))"
    )
    outs = [subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                           text=True, check=True, env={"PYTHONHASHSEED": str(h),
                                                       "PATH": "/usr/bin:/bin"}).stdout
            for h in (1, 2)]
    assert outs[0] == outs[1]
    assert json.loads(outs[0]) == json.loads(json.dumps(_summary(3, strategy=STRATEGY)))


def test_running_in_steps_equals_one_run() -> None:
    whole = Simulation(scenario(), seed=5, strategy=STRATEGY)
    whole.run()
    steps = Simulation(scenario(), seed=5, strategy=STRATEGY)
    t = 0.0
    while not steps.finished:
        t += 0.37
        steps.run(t)
    assert steps.summary() == whole.summary()
    assert steps.feed()[0] == whole.feed()[0]


def test_replay_from_journal_is_identical() -> None:
    live = Simulation(scenario(), seed=11)
    plan = [(0.0, Action("brief_staff")), (1.5, Action("acknowledge", "empathetic")),
            (1.5, Action("delete")), (4.0, Action("update")),
            (7.25, Action("reply", "defensive")), (20.0, Action("solution"))]
    for at, action in plan:
        live.run(at)
        live.act(action)
    live.run()
    assert [e.at_h for e in live.journal] == [at for at, _ in plan]
    replay = Simulation(scenario(), seed=11, journal=list(live.journal))
    replay.run()
    assert replay.summary() == live.summary()
    assert replay.feed()[0] == live.feed()[0]
    assert replay.journal == live.journal


def test_journal_round_trips_through_dicts() -> None:
    entry = JournalEntry(2.5, Action("reply", "defensive", "We did nothing wrong."))
    assert JournalEntry.from_dict(json.loads(json.dumps(entry.to_dict()))) == entry


def test_ad_hoc_injects_replay_identically() -> None:
    from simulator.config import Inject

    sc = scenario(injects=[Inject(at_h=40.0, kind="influencer_joins"),
                           Inject(at_h=50.0, kind="journalist_inquiry", deadline_h=1.0)])
    live = Simulation(sc, seed=4)
    live.run(3.0)
    live.fire_inject(0)
    live.run(5.5)
    live.act(Action("acknowledge"))
    live.fire_inject(1)
    live.run()
    assert [e.inject for e in live.journal] == [0, None, 1]
    entries = [JournalEntry.from_dict(json.loads(json.dumps(e.to_dict()))) for e in live.journal]
    replay = Simulation(sc, seed=4, journal=entries)
    replay.run()
    assert replay.summary() == live.summary()
    assert replay.feed()[0] == live.feed()[0]


def test_a_fork_keeps_the_past_and_varies_the_future() -> None:
    base = Simulation(scenario(), seed=8)
    base.run(6.0)
    past = base.summary()
    forks = []
    for k in range(3):
        sim = Simulation(scenario(), seed=8, fork=(6.0, k))
        sim.run(6.0)
        assert sim.summary() == past, "identical up to the fork"
        sim.run()
        forks.append(sim.summary())
    again = Simulation(scenario(), seed=8, fork=(6.0, 1))
    again.run()
    assert again.summary() == forks[1], "a fork is itself deterministic"
    assert len({f["reach"] for f in forks}) > 1, "replicas differ after the fork"
