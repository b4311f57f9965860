"""Paired futures of a running simulation, forked from its current state.

A forecast or a counterfactual asks: from this moment on, what happens with
each of a few choices (arms), over many replicas of chance? Replaying the
whole run from hour 0 for every replica costs the network and the past
every time. Here the running simulation is copied instead, at the moment of
the fork, by `os.fork` (copy-on-write): SimPy processes are generators and
cannot be copied inside one process, but a process can be.

The process tree of `start(sim, arms, replicas)` at time t:

- W workers (W = min(cpu count, replicas)), forked at once from the calling
  thread, so that every copy is of the same consistent moment; the drill
  mutates its simulation in its UI thread, hence `start` forks there and
  only `Futures.results()` (reading the pipes) may run in another thread;
- a worker takes replicas w, w + W, ...; for replica k it forks a child that
  switches to replica k's random streams (`Simulation.branch(k)`), then, for
  the arms in the order of their first entry, runs to that entry's time and
  forks a grandchild that applies the arm's entries (as the drill applies
  keys and injects) and runs to the end; the last arm (an arm without
  entries comes last) the child runs itself. Every arm of replica k thus
  shares the past and replica k's future up to its first difference:
  common random numbers, paired arms.

Results come back through one pipe per worker as length-prefixed pickles;
only one process of a worker's tree writes at a time (each waits for the
one it forked). An exception in any of them comes back as an error frame
and is raised in the caller as `FuturesError` with the child's message.
Children always leave with `os._exit`, each parent reaps its children, and
every worker leads its own process group, so `close()` can end a whole tree.
If the caller dies, its children do not linger: a write to the closed pipe
fails (Python ignores SIGPIPE, so that is an exception and the child exits)
and a worker checks that its parent is still there before each replica.

Where `os.fork` is missing (not POSIX) or `STORMDRILL_NO_FORK=1` is set,
the same results come from replay (`Simulation(journal=..., fork=(t, k))`),
which is also the reference the tests hold the forked futures to.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import math
import os
import pickle
import selectors
import signal
import struct
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.actions import JournalEntry
from simulator.errors import EXIT_INCOMPLETE, StormdrillError
from simulator.simulation import Simulation

Outcome = dict[str, Any]
_HEADER = struct.Struct("<Q")
_warm = False  # whether this process has computed an outcome (see `start`)


class FuturesError(StormdrillError, RuntimeError):
    """A forked future failed; the message is the child's, `child_traceback` its traceback."""

    exit_code = EXIT_INCOMPLETE

    def __init__(self, message: str, child_traceback: str = "") -> None:
        super().__init__(message)
        self.child_traceback = child_traceback


@dataclass(frozen=True)
class Arm:
    """One choice: journal entries applied at or after the fork (none: do nothing more)."""

    name: str
    entries: tuple[JournalEntry, ...] = ()

    def __post_init__(self) -> None:  # in time order, simultaneous ones as given
        object.__setattr__(self, "entries", tuple(sorted(self.entries, key=lambda e: e.at_h)))

    @property
    def first_at(self) -> float:
        """When this arm first differs from doing nothing (inf: never)."""
        return self.entries[0].at_h if self.entries else math.inf


def can_fork() -> bool:
    """Whether futures are forked (POSIX, and not switched off by STORMDRILL_NO_FORK=1)."""
    return hasattr(os, "fork") and os.environ.get("STORMDRILL_NO_FORK", "") in ("", "0")


def outcome(sim: Simulation) -> Outcome:
    """`sim.summary()` plus what charts and debriefs need that the summary lacks.

    `hourly_reach`: reach at the end of each hour; `reply_seen`: users who
    first saw the storm after the brand's first public response (to the
    hour), i.e. who judged the brand with its reply in view; `silence_h`:
    hours from the complaint to that response (to the end of the run if none).
    """
    out = sim.summary()
    reach = [int(x) for x in sim.reach_h[: sim.hours_done + 1]]
    first = out["first_response_at_h"]
    if first is None:
        after = 0
    else:
        hour = min(math.floor(first), len(reach) - 1)
        after = int(out["reach"]) - (reach[hour] if hour >= 0 and reach else 0)
    out["hourly_reach"] = reach
    out["reply_seen"] = max(0, after)
    posted = sim.scenario.complaint.posted_at_h
    out["silence_h"] = round(max(0.0, (sim.now if first is None else first) - posted), 4)
    return out


def _end(sim: Simulation, until: float | None) -> float:
    return sim.duration if until is None else min(float(until), sim.duration)


def _play(sim: Simulation, arm: Arm, end: float) -> Outcome:
    """Apply the arm's entries at their times (as the drill would), then run to `end`."""
    for entry in arm.entries:
        if entry.at_h > end or entry.at_h >= sim.duration:
            break  # a replay never reaches it either
        sim.run(entry.at_h)
        sim.apply(entry)
    sim.run(end)
    return outcome(sim)


def _order(arms: Sequence[Arm]) -> list[int]:
    """Arms by first entry (an arm without entries last), so each fork runs forward only."""
    return sorted(range(len(arms)), key=lambda i: arms[i].first_at)


def _check(sim: Simulation, arms: Sequence[Arm], replicas: int) -> None:
    names = [a.name for a in arms]
    if len(set(names)) != len(names):
        raise ValueError(f"arm names must differ: {names}")
    if replicas < 1:
        raise ValueError(f"replicas must be at least 1, got {replicas}")
    for arm in arms:
        if arm.entries and arm.first_at < sim.now - 1e-9:
            raise ValueError(f"arm {arm.name!r} has an entry at {arm.first_at:g} h, before "
                             f"the fork at {sim.now:g} h")


# ---- the forked path -----------------------------------------------------------------------
def _send(fd: int, payload: object) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _error_frame(fd: int, where: str) -> None:
    """Report the exception being handled to the caller (best effort: it may be gone)."""
    import sys

    exc = sys.exc_info()[1]
    with contextlib.suppress(OSError):
        _send(fd, ("error", f"{where}: {type(exc).__name__}: {exc}", traceback.format_exc()))


def _reap(pid: int) -> int:
    """Wait for child `pid`; its exit code, or minus the signal number that ended it."""
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if status else 0


def _child_failed(fd: int, code: int, what: str) -> None:
    """A child that failed with an exception already sent its frame; report a killed one."""
    if code < 0:
        _send(fd, ("error", f"{what} was ended by signal {-code}", ""))


def _in_child(fd: int, what: str, body: Callable[[], int]) -> int:
    """Run `body` in a forked child (its exit code); a failure is reported on `fd` as an
    error frame naming `what`. Returns 0, or 1 when the child failed."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = body()
        except BaseException:
            _error_frame(fd, what)
        finally:
            os._exit(code)
    code = _reap(pid)
    if code:
        _child_failed(fd, code, what)
        return 1
    return 0


def _replica(sim: Simulation, arms: Sequence[Arm], k: int, end: float, fd: int) -> int:
    """In a fresh child: replica k of every arm; returns the exit code."""
    sim.branch(k)
    order = _order(arms)
    for n, i in enumerate(order):
        arm = arms[i]
        if arm.entries and arm.first_at <= end:
            sim.run(min(arm.first_at, end))  # the stretch shared with the later arms
        if n == len(order) - 1:
            _send(fd, ("ok", i, k, _play(sim, arm, end)))
            return 0

        def play(i: int = i, arm: Arm = arm) -> int:
            _send(fd, ("ok", i, k, _play(sim, arm, end)))
            return 0

        if _in_child(fd, f"replica {k}, arm {arm.name!r}", play):
            return 1
    return 0


def _worker(sim: Simulation, arms: Sequence[Arm], ks: Iterable[int], end: float, fd: int,
            parent: int) -> int:
    """In a worker: one child per replica, one at a time; returns the exit code."""
    for k in ks:
        if os.getppid() != parent:  # the caller is gone: nobody will read
            return 1
        if _in_child(fd, f"replica {k}", functools.partial(_replica, sim, arms, k, end, fd)):
            return 1
    return 0


def _become_worker(keep: int, close: Iterable[int]) -> None:
    """A worker's set-up: its own process group, no GC, no share in the caller's signals."""
    for fd in close:
        if fd != keep:
            os.close(fd)
    os.setpgid(0, 0)  # terminal signals are for the caller; close() can kill the group
    gc.disable()  # short-lived: collecting would only copy pages the caller still shares
    with contextlib.suppress(ValueError):  # only the main thread may (it is, after fork)
        signal.set_wakeup_fd(-1)  # the caller's event loop must not hear our signals
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)


@dataclass
class Futures:
    """A running set of futures; `results()` waits for them (in any thread)."""

    arms: tuple[Arm, ...]
    replicas: int
    at: float
    _workers: list[tuple[int, int]] = field(default_factory=list)  # (pid, read fd)
    _replay: Any = None  # the fallback: a function returning the results
    _done: bool = False
    _cancelled: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)  # reaping vs cancel()

    def results(self) -> dict[str, list[Outcome]]:
        """Per arm (in the given order), the outcome of every replica, by replica.

        Raises `FuturesError` if any future failed (the other futures are
        stopped) or if `close()` or `cancel()` was called first.
        """
        if self._replay is not None:
            if self._cancelled:
                raise FuturesError("these futures were cancelled")
            return self._replay()
        if self._done:
            raise FuturesError("these futures were closed or already read")
        got: list[list[Outcome | None]] = [[None] * self.replicas for _ in self.arms]
        error: tuple[str, str] | None = None
        try:
            error = self._read(got)
        finally:
            if error is not None:
                self.close()
            else:
                self._reap_all()
        if error is not None:
            raise FuturesError(*error)
        if self._cancelled:
            raise FuturesError("these futures were cancelled")
        missing = sum(o is None for arm in got for o in arm)
        if missing:
            raise FuturesError(f"{missing} futures ended without a result")
        # no None is left (checked just above); the filter only narrows the type
        return {arm.name: [o for o in got[i] if o is not None]
                for i, arm in enumerate(self.arms)}

    def _read(self, got: list[list[Outcome | None]]) -> tuple[str, str] | None:
        """Read frames from every worker until all pipes close or one reports an error."""
        buffers = {fd: bytearray() for _, fd in self._workers}
        with selectors.DefaultSelector() as sel:
            for fd in buffers:
                sel.register(fd, selectors.EVENT_READ)
            open_fds = len(buffers)
            while open_fds:
                for key, _ in sel.select():
                    fd = key.fd
                    chunk = os.read(fd, 1 << 16)
                    if not chunk:
                        sel.unregister(fd)
                        open_fds -= 1
                        continue
                    buf = buffers[fd]
                    buf += chunk
                    while len(buf) >= _HEADER.size:
                        (size,) = _HEADER.unpack_from(buf)
                        if len(buf) < _HEADER.size + size:
                            break
                        frame = pickle.loads(bytes(buf[_HEADER.size:_HEADER.size + size]))
                        del buf[:_HEADER.size + size]
                        if frame[0] == "error":
                            return frame[1], frame[2]
                        _, i, k, result = frame
                        got[i][k] = result
        return None

    def _reap_all(self) -> None:
        bad = []
        with self._lock:
            for pid, fd in self._workers:
                os.close(fd)
                code = _reap(pid)
                if code:
                    bad.append(code)
            self._workers = []
            self._done = True
        if bad and not self._cancelled:
            raise FuturesError(f"a futures worker ended with exit code {bad[0]}")

    def close(self) -> None:
        """Stop every future still running (their whole process trees) and reap the workers.

        For the thread that owns the handle; from another thread, while one
        waits in `results()`, use `cancel()`.
        """
        with self._lock:
            for pid, fd in self._workers:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                os.close(fd)
                os.waitpid(pid, 0)
            self._workers = []
            self._done = True

    def cancel(self) -> None:
        """Stop the futures from any thread: `results()` (waiting elsewhere) then raises.

        Only kills the process trees; the waiting `results()` sees its pipes
        close and reaps them, so no file descriptor is closed under its feet.
        """
        with self._lock:
            self._cancelled = True
            for pid, _ in self._workers:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)

    def __del__(self) -> None:  # dropped unread: its workers would block on a full pipe
        if self._workers:
            with contextlib.suppress(Exception):
                self.close()

    def __enter__(self) -> Futures:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._workers:
            self.close()


def start(sim: Simulation, arms: Sequence[Arm], replicas: int, until: float | None = None,
          workers: int | None = None) -> Futures:
    """Fork paired futures of `sim` as it is now; call in the thread that owns `sim`.

    Returns at once (the forks take milliseconds); `Futures.results()` waits.
    Replica k of every arm draws from replica k's streams from now on
    (`Simulation.branch(k)`); arm entries are applied at their times, which
    must not be before `sim.now`. Entries `sim` already applied at `now` are
    past in every arm. `until` (default: the end of the run) is where every
    future stops.
    """
    arms = tuple(arms)
    _check(sim, arms, replicas)
    end = _end(sim, until)
    if not can_fork():
        return Futures(arms, replicas, sim.now, _replay=_replayer(sim, arms, replicas, end))
    global _warm
    if not _warm:  # lazy imports and first calls happen once here, not in every child
        outcome(sim)
        _warm = True
    count = max(1, min(workers or os.cpu_count() or 1, replicas))
    handle = Futures(arms, replicas, sim.now)
    parent = os.getpid()
    try:
        for w in range(count):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    inherited = [read, *(fd for _, fd in handle._workers)]
                    handle._workers = []  # this copy of the handle must never kill or reap
                    _become_worker(write, inherited)
                    code = _worker(sim, arms, range(w, replicas, count), end, write, parent)
                except BaseException:
                    _error_frame(write, f"worker {w}")
                finally:
                    os._exit(code)
            os.close(write)
            handle._workers.append((pid, read))
            # the worker does this too; whichever comes first, close() can kill the group
            with contextlib.suppress(OSError):
                os.setpgid(pid, pid)
    except BaseException:
        handle.close()
        raise
    return handle


def run(sim: Simulation, arms: Sequence[Arm], replicas: int, until: float | None = None,
        workers: int | None = None) -> dict[str, list[Outcome]]:
    """`start(...).results()`: paired futures of `sim`, per arm a list of outcomes by replica."""
    return start(sim, arms, replicas, until, workers).results()


# ---- the replay path (fallback and reference) ------------------------------------------------
def overlapped(started: Iterable[Futures], window: int = 2
               ) -> Iterator[dict[str, list[Outcome]]]:
    """The results of futures started one after another, in order, with up to `window`
    sets running at once.

    `started` is typically a generator that runs a base simulation on to the
    next fork and starts the futures there: while earlier sets compute in
    their processes, the caller's next stretch of base run proceeds, so the
    cores are not idle between forks. On an error the sets still running are
    stopped.
    """
    pending: deque[Futures] = deque()
    try:
        for handle in started:
            pending.append(handle)
            if len(pending) > window:
                yield pending.popleft().results()
        while pending:
            yield pending.popleft().results()
    finally:
        for handle in pending:
            handle.close()


def replay(sim: Simulation, arms: Sequence[Arm], replicas: int,
           until: float | None = None) -> dict[str, list[Outcome]]:
    """The same futures by replaying the journal from hour 0 for every replica and arm.

    Slow (a full run each), but it needs no `fork`: the fallback, and the
    reference the forked path is tested against. `sim` must have been
    built without a journal that still has entries to come.
    """
    arms = tuple(arms)
    _check(sim, arms, replicas)
    return _replayer(sim, arms, replicas, _end(sim, until))()


def _replayer(sim: Simulation, arms: tuple[Arm, ...], replicas: int, end: float) -> Any:
    """Capture what the replay needs now (the caller's simulation goes on); run it later."""
    if sim.fork is not None:
        raise ValueError("cannot replay a simulation that is itself a forked replica")
    scenario, seed, strategy, net = sim.scenario, sim.seed, sim.strategy, sim.net
    past, at = list(sim.journal), sim.now

    def compute() -> dict[str, list[Outcome]]:
        out: dict[str, list[Outcome]] = {}
        for arm in arms:
            runs = []
            for k in range(replicas):
                other = Simulation(scenario, seed=seed, strategy=strategy, network=net,
                                   journal=[*past, *arm.entries], fork=(at, k))
                other.run(end)
                runs.append(outcome(other))
            out[arm.name] = runs
        return out

    return compute


def mean_series(outcomes: Sequence[Outcome], key: str) -> list[float]:
    """The mean over replicas of an hourly series (`hourly_negative`, `hourly_trust`, ...)."""
    rows = [o[key] for o in outcomes if o.get(key) is not None]
    if not rows:
        return []
    size = min(len(r) for r in rows)
    return [float(x) for x in np.mean([r[:size] for r in rows], axis=0)]
