"""Paired futures forked from a running simulation equal the replayed reference.

The reference is the replay `Simulation(journal=past + arm, fork=(t, k))`:
the real past, then replica k's streams from t on. A forked future must give
the very same summary, at an hour boundary and between two hours; every arm
of replica k shares that replica's chance; the replay fallback gives the
same numbers; a child's exception reaches the caller; no process is left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from factory import scenario

from simulator import Action, JournalEntry, Simulation, Strategy
from simulator import futures as F
from simulator.config import Inject

ROOT = Path(__file__).resolve().parents[2]
SC = scenario(users=1500, duration_h=30.0, injects=(
    Inject(at_h=20.0, kind="competitor_jab", strength=0.2),
    Inject(at_h=25.0, kind="second_victim")))
REPLICAS = 3
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="futures fork on POSIX only")


def _live(at: float) -> Simulation:
    """A drill's simulation at `at`: the team replied defensively at hour 2 and fired inject 0."""
    sim = Simulation(SC, seed=5)
    sim.run(2.0)
    sim.act(Action("reply", "defensive"))
    sim.run(3.5)
    sim.fire_inject(0)
    sim.run(at)
    return sim


def _arms(at: float) -> list[F.Arm]:
    return [F.Arm("never"),
            F.Arm("now", (JournalEntry(at, Action("acknowledge")),)),
            F.Arm("later", (JournalEntry(at + 2.0, Action("delete")),
                            JournalEntry(at + 2.0, inject=1),
                            JournalEntry(at + 4.5, Action("solution"))))]


def _reference(sim: Simulation, arm: F.Arm, k: int, until: float | None = None
               ) -> dict[str, object]:
    ref = Simulation(SC, seed=5, journal=[*sim.journal, *arm.entries], fork=(sim.now, k))
    ref.run(until)
    return F.outcome(ref)


def _children() -> set[int]:
    """Processes whose parent is this one (zombies included)."""
    me, out = os.getpid(), set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                out.add(int(entry))
    return out


@pytest.mark.parametrize("at", [6.0, pytest.param(6.37, marks=pytest.mark.slow)])
def test_forked_futures_equal_the_replayed_reference(at: float) -> None:
    """At an hour boundary too: the fork stops before anything else happens at `at`
    (the hourly sample, the monitor's poll), as the reference's fork event does."""
    sim = _live(at)
    before = sim.summary()
    got = F.run(sim, _arms(at), REPLICAS, until=24.0)
    assert sim.summary() == before and sim.now == at, "the caller's simulation is untouched"
    for arm in _arms(at):
        for k in range(REPLICAS):
            assert got[arm.name][k] == _reference(sim, arm, k, until=24.0), (arm.name, k)


def test_strategy_runs_forked_at_hour_zero_equal_the_reference() -> None:
    """How a debrief ranks a team among strategies: replicas of a scripted run from 0."""
    st = Strategy(name="mixed", respond_after_h=0.5, update_every_h=3, delete_after_h=1)
    injects = (JournalEntry(4.0, inject=0),)
    got = F.run(Simulation(SC, seed=2, strategy=st), [F.Arm("run", injects)], 2)["run"]
    for k in range(2):
        ref = Simulation(SC, seed=2, strategy=st, journal=injects, fork=(0.0, k))
        ref.run()
        assert got[k] == F.outcome(ref)


def test_arms_are_paired() -> None:
    """Arms with the same entries, or whose entries come after the end, are the same future."""
    sim = _live(6.0)
    arms = [F.Arm("a"), F.Arm("b", (JournalEntry(29.0, Action("acknowledge")),)),
            F.Arm("c", (JournalEntry(7.0, Action("delete")),)),
            F.Arm("d", (JournalEntry(7.0, Action("delete")),))]
    got = F.run(sim, arms, 4, until=20.0)
    assert got["a"] == got["b"] and got["c"] == got["d"]
    assert got["a"] != got["c"]
    assert len({str(o) for o in got["a"]}) == 4, "replicas differ from each other"


def test_fallback_gives_the_forked_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    sim = _live(6.37)
    forked = F.run(sim, _arms(6.37), 2, until=18.0)
    monkeypatch.setenv("STORMDRILL_NO_FORK", "1")
    assert not F.can_fork()
    assert F.run(sim, _arms(6.37), 2, until=18.0) == forked
    assert F.replay(sim, _arms(6.37), 2, until=18.0) == forked


def test_a_childs_exception_reaches_the_caller() -> None:
    sim = _live(6.0)
    before = _children()  # other tests' pools may still be winding down: not ours
    bad = F.Arm("bad", (JournalEntry(8.0, inject=7),))
    with pytest.raises(F.FuturesError, match="no inject 7"):
        F.run(sim, [F.Arm("never"), bad], 3, until=12.0)
    assert _children() <= before, "every forked process was reaped before the error"


def test_no_process_is_left_behind() -> None:
    sim = _live(6.0)
    before = _children()  # other tests' pools may still be winding down: not ours
    F.run(sim, _arms(6.0), 3, until=12.0)
    assert _children() <= before
    running = F.start(sim, _arms(6.0), 4)
    running.close()  # given up before reading: the whole trees are killed and reaped
    assert _children() <= before
    with pytest.raises(F.FuturesError):
        running.results()
    F.start(sim, _arms(6.0), 4)  # dropped unread: its finaliser ends the trees
    assert _children() <= before


def test_cancel_from_another_thread_ends_the_wait() -> None:
    """A superseded forecast: one thread waits for results, another cancels.

    The workers are stopped (SIGSTOP) first, so the wait cannot end by the
    futures finishing, however fast the machine: only the cancel ends it.
    """
    sim = _live(6.0)
    before = _children()
    running = F.start(sim, [F.Arm("never")], 300)
    for pid, _ in running._workers:
        os.killpg(pid, signal.SIGSTOP)
    outcome: list[BaseException] = []

    def wait() -> None:
        try:
            running.results()
        except BaseException as exc:  # recorded for the assertion
            outcome.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    running.cancel()
    waiter.join(timeout=120)  # a ceiling for a very busy machine, not an expectation
    assert not waiter.is_alive(), "the cancel ended the wait"
    assert len(outcome) == 1 and isinstance(outcome[0], F.FuturesError)
    assert "cancelled" in str(outcome[0])
    assert _children() <= before


def test_entries_before_the_fork_are_refused() -> None:
    with pytest.raises(ValueError, match="before the fork"):
        F.start(_live(6.0), [F.Arm("past", (JournalEntry(1.0, Action("delete")),))], 2)


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


CALLER = """
import os, sys
sys.path.insert(0, 'tests')
from factory import scenario
from simulator import Simulation
from simulator import futures as F
sim = Simulation(scenario(users=1500, duration_h=400.0), seed=1)
sim.run(1.0)
running = F.start(sim, [F.Arm('never')], 400)
print(' '.join(str(pid) for pid, _ in running._workers), flush=True)
os._exit(0)  # killed: it never reads
"""


@pytest.mark.slow  # a caller process that dies, then its forks' exits
def test_futures_of_a_dead_caller_do_not_linger() -> None:
    proc = subprocess.run([sys.executable, "-c", CALLER], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    workers = [int(p) for p in proc.stdout.split()]
    assert workers, proc.stderr
    deadline = time.monotonic() + 120.0  # a ceiling for a very busy machine, not a wait
    while time.monotonic() < deadline:
        alive = [p for p in workers if _running(p)]
        if not alive:
            break
        time.sleep(0.1)
    assert not alive, "workers outlived their caller"


@pytest.mark.slow  # three fork sets, twice: seconds
def test_overlapped_sets_give_what_each_gives_alone_in_order() -> None:
    sim = _live(6.0)
    before = _children()
    alone = [F.run(sim, _arms(6.0), 2, until=until) for until in (9.0, 12.0, 15.0)]
    started = (F.start(sim, _arms(6.0), 2, until=until) for until in (9.0, 12.0, 15.0))
    assert list(F.overlapped(started, window=2)) == alone
    assert _children() <= before
