"""Where runs execute: in this process, a local process pool, or a Dask cluster.

All three take chunks of `RunTask`s and hand back result rows as chunks
finish. A run's own failure (its simulation raised) is a row with its error
and counts as done. A run lost to the machinery (its worker process died, a
Dask worker was killed, no worker was left) is tried again a bounded number
of times; if it still cannot run, it is recorded as *lost* (an error starting
with `LOST_PREFIX`), which the store does not count as done, so `--resume`
runs it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from simulator.batch import RunTask, chunked, failed_rows, run_chunk
from simulator.errors import EXIT_INCOMPLETE, StormdrillError
from simulator.store import LOST_PREFIX

Rows = list[dict[str, Any]]
log = logging.getLogger(__name__)

#: how many times a chunk is submitted again after its Dask worker died
DASK_RETRIES = 2
#: seconds to reach a Dask scheduler: an unreachable address fails fast, not after minutes
CONNECT_TIMEOUT_S = 5.0
#: seconds a Dask cluster may have no worker at all before the unfinished runs are lost
NO_WORKER_TIMEOUT_S = 60.0
#: pool breaks a run may be caught in (while it ran) before it runs alone, where a break is
#: blamed on it alone
STRIKES_BEFORE_ALONE = 2

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class SchedulerError(StormdrillError, ValueError):
    """A Dask scheduler address that is malformed, unreachable or has no workers."""

    names_its_file = True


class RunsLost(StormdrillError):
    """Runs that could not run because their workers kept dying.

    Raised after every other run is finished (and saved, with a store): the
    lost runs are recorded with the reason and `--resume` runs them again.
    """

    exit_code = EXIT_INCOMPLETE  # the batch ran, but not every run: not a success

    def __init__(self, lost: int, total: int, path: Path | None,
                 rows: list[dict[str, Any]]) -> None:
        self.lost, self.total, self.path, self.rows = lost, total, path, rows
        where = f"; every other run is saved in {path}" if path else ""
        super().__init__(f"{lost} of {total} runs could not run because their worker "
                         f"process died (killed or crashed){where}; run the same command "
                         "with --resume to retry them")


def lost_rows(tasks: Sequence[RunTask], why: str) -> Rows:
    """Rows of runs the machinery lost: failed now, run again by `--resume`."""
    return failed_rows(tasks, LOST_PREFIX + why)


def is_lost(row: dict[str, Any]) -> bool:
    return row.get("status") == "error" and str(row.get("error") or "").startswith(LOST_PREFIX)


# ---- pool workers die with their parent -------------------------------------------------
def _watch_parent(parent: int) -> None:
    """Exit once the parent is gone (portable fallback for PR_SET_PDEATHSIG)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _worker_init(parent: int) -> None:
    """Set up a pool worker: no Ctrl-C (the parent stops the batch), die with the parent.

    Without this a kill -9 of the batch leaves its workers running for ever
    (reparented to init). On Linux the kernel kills the worker with its parent
    (PR_SET_PDEATHSIG); elsewhere, and should that fail, a thread polls the
    parent's pid. The getppid check covers a parent that died before prctl.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL),
                                                    0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent",
                     daemon=True).start()


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def run_inline(tasks: Sequence[RunTask]) -> Iterator[Rows]:
    """Run in this process, one chunk at a time (1 worker)."""
    for chunk in chunked(tasks, 1):
        yield run_chunk(chunk)


def warm_up(tasks: Sequence[RunTask]) -> None:
    """Load the compiled loop and build each network once, before forking.

    Forked workers inherit both, instead of each loading the compiled code
    and building the same graphs again.
    """
    from simulator.population import build_network
    from simulator.simulation import Simulation

    seen: set[tuple[Any, int]] = set()
    for task in tasks:
        key = (task.scenario.network, task.scenario.complaint.complainant_followers)
        if key not in seen and len(seen) < 4:  # the network cache holds four
            seen.add(key)
            build_network(task.scenario)
    first = tasks[0].scenario
    Simulation(first, seed=0).run(min(1.0, first.duration_h))


def run_pool(tasks: Sequence[RunTask], workers: int) -> Iterator[Rows]:
    """Run on a local process pool; a worker that dies costs a retry, not runs.

    At most `workers` chunks are in flight, so when a worker dies (and the
    pool with it) the unfinished chunks are the ones that were running: their
    runs get a strike and run again, one per chunk, in a fresh pool of full
    width, while the rest of the batch goes on in normal chunks. A run caught
    in `STRIKES_BEFORE_ALONE` breaks runs alone; if the pool breaks then, the
    run is the cause (or was killed again) and is recorded as lost, so a run
    that kills its worker every time costs a few pool breaks, not the batch.
    """
    if os.name == "posix":
        warm_up(tasks)
    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    todo: deque[list[RunTask]] = deque(chunked(tasks, workers))
    alone: deque[RunTask] = deque()
    strikes: dict[str, int] = {}
    while todo or alone:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                   initializer=_worker_init, initargs=(os.getpid(),))
        try:
            if (yield from _run_alone(pool, alone)):
                continue
            broken = yield from _run_wide(pool, todo, workers)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        struck = [t for chunk in broken for t in chunk]
        if struck:
            log.warning("a worker process died; %d runs that were running will run again "
                        "in a fresh pool", len(struck))
        for task in reversed(struck):  # retried first, in their order
            strikes[task.run_id] = strikes.get(task.run_id, 0) + 1
            if strikes[task.run_id] >= STRIKES_BEFORE_ALONE:
                alone.appendleft(task)
            else:
                todo.appendleft([task])


def _run_alone(pool: ProcessPoolExecutor,
               alone: deque[RunTask]) -> Generator[Rows, None, bool]:
    """Run suspects one at a time on an otherwise idle pool; True if one broke it."""
    while alone:
        task = alone.popleft()
        try:
            rows = pool.submit(run_chunk, [task]).result()
        except BrokenProcessPool:
            yield lost_rows([task], f"the worker process died while running this run "
                            f"{STRIKES_BEFORE_ALONE + 1} times (killed or crashed)")
            return True
        yield rows
    return False


def _run_wide(pool: ProcessPoolExecutor, todo: deque[list[RunTask]],
              workers: int) -> Generator[Rows, None, list[list[RunTask]]]:
    """Run `todo` with `workers` chunks in flight until done or the pool breaks.

    Returns the chunks that were running when the pool broke (empty if none).
    """
    in_flight: dict[Future[Rows], list[RunTask]] = {}
    broken: list[list[RunTask]] = []
    pool_ok = True
    while True:
        while pool_ok and todo and len(in_flight) < workers:
            chunk = todo.popleft()
            try:
                in_flight[pool.submit(run_chunk, chunk)] = chunk
            except BrokenProcessPool:  # broke before this chunk started: it keeps no strike
                todo.appendleft(chunk)
                pool_ok = False
        if not in_flight:
            return broken
        finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
        results = []
        for fut in finished:
            chunk = in_flight.pop(fut)
            try:
                results.append(fut.result())
            except BrokenProcessPool:
                broken.append(chunk)
                pool_ok = False
        yield from results


# ---- Dask ------------------------------------------------------------------------------
_ADDRESS_HINT = "a Dask scheduler address has the form tcp://host:port (default port 8786)"


def check_address(address: str) -> None:
    """Refuse a malformed scheduler address before any connection is tried.

    Checked here, not left to `Client`: a Client that fails on a malformed
    address blocks for 10 s on garbage collection and prints a traceback.
    """
    where = f"Dask scheduler {address!r}"
    try:
        from distributed.comm.addressing import parse_address, parse_host_port
        from distributed.comm.registry import backends
    except ImportError:
        raise SchedulerError(f"{where}: running on a Dask cluster needs Dask's `distributed` "
                             "package: pip install distributed") from None
    if not address.strip():
        raise SchedulerError(f"{where}: empty address; {_ADDRESS_HINT}")
    try:
        scheme, location = parse_address(address, strict=False)
        if scheme not in backends:
            raise ValueError(f"unknown scheme {scheme!r}, expected one of "
                             f"{', '.join(sorted(backends))}")
        if scheme in ("tcp", "tls", "ws", "wss"):
            host, port = parse_host_port(location)
            if not host or not 0 < int(port) < 65536:
                raise ValueError("expected a host and a port from 1 to 65535")
    except (ValueError, TypeError) as exc:
        raise SchedulerError(f"{where}: not a valid address ({exc}); {_ADDRESS_HINT}, "
                             "e.g. tcp://10.0.0.5:8786") from None


async def _identity(address: str, timeout: float) -> Any:
    """What the peer at `address` says it is (a Dask scheduler answers {'type': 'Scheduler'})."""
    from distributed.comm import connect as comm_connect

    comm = await comm_connect(address, timeout=timeout)
    try:
        await comm.write({"op": "identity", "reply": True})
        return await comm.read()
    finally:
        comm.abort()


def connect(address: str, timeout: float = CONNECT_TIMEOUT_S) -> Any:
    """A `distributed.Client` for `address`, or a SchedulerError saying what is wrong.

    The peer is asked who it is first, on a private event loop with a hard
    timeout: a Client that fails to start blocks for 10 s when collected and
    prints a traceback, and a peer that accepts and never answers would hang.
    """
    from distributed import Client

    check_address(address)
    where = f"Dask scheduler {address!r}"
    hint = ("check that `dask scheduler` is running there and reachable from this machine; "
            + _ADDRESS_HINT)
    try:
        with ThreadPoolExecutor(1) as thread:  # asyncio.run needs a thread with no loop
            reply = thread.submit(asyncio.run, asyncio.wait_for(
                _identity(address, timeout), timeout)).result()
        kind = reply.get("type") if isinstance(reply, dict) else None
        if kind != "Scheduler":
            raise SchedulerError(f"{where}: the peer there is not a Dask scheduler (it says "
                                 f"it is {kind or 'nothing known'}); {hint}")
        return Client(address, timeout=f"{timeout}s", set_as_default=False)
    except SchedulerError:
        raise
    except (OSError, TimeoutError) as exc:
        raise SchedulerError(f"{where}: could not connect within {timeout:g} s"
                             f"{f' ({exc})' if str(exc) else ''}; {hint}") from None
    except Exception as exc:  # a peer that answers, but not as a scheduler
        raise SchedulerError(f"{where}: the peer there did not answer as a Dask scheduler "
                             f"({type(exc).__name__}: {exc}); {hint}") from None


def run_dask(tasks: Sequence[RunTask], address: str, retries: int = DASK_RETRIES,
             connect_timeout: float = CONNECT_TIMEOUT_S,
             no_worker_timeout: float = NO_WORKER_TIMEOUT_S) -> Iterator[Rows]:
    """Run on a Dask distributed cluster at `address` (e.g. tcp://host:8786).

    Dask's own `retries` covers a chunk that raised; a chunk whose worker died
    (KilledWorker) is submitted again here, up to `retries` times, because
    Dask's retries do not apply to it. A chunk that still fails, or that waits
    `no_worker_timeout` seconds on a cluster with no worker left, is lost.

    No Dask call here waits without a timeout (see `_DaskBatch`): a finished
    chunk's rows live in its worker's memory, and fetching them after that
    worker left makes Dask compute the chunk again and wait for a worker to
    do so, for ever when none is left. That is how a batch hung for 20
    minutes when the last worker left right after a chunk finished.
    """
    client = connect(address, connect_timeout)
    try:
        if not client.nthreads():
            log.warning("no worker at the Dask scheduler %s yet; waiting up to %g s",
                        address, no_worker_timeout)
            try:
                client.wait_for_workers(1, timeout=no_worker_timeout)
            except TimeoutError:
                raise SchedulerError(
                    f"Dask scheduler {address!r}: no worker joined within "
                    f"{no_worker_timeout:g} s; start workers with `dask worker "
                    f"{address}`") from None
        yield from _DaskBatch(client, retries, no_worker_timeout).run(tasks)
    finally:
        client.close()


#: seconds one Dask call may block before the batch looks again at what it is waiting for.
#: Not a limit on anything: a call that times out is simply made again later (a run is lost
#: only by `no_worker_timeout`), so a slow machine costs polls, never runs.
DASK_POLL_S = 2.0


class _DaskBatch:
    """The chunks of one batch on a Dask client: submit, collect, resubmit, or give up.

    Every blocking call has a timeout of `DASK_POLL_S` and is simply made
    again when it expires, so the loop comes round at least every few polls
    whatever the load, and "no worker left" is a wall-clock bound: lost rows
    for every unfinished chunk once the cluster has had no worker and nothing
    has finished for `no_worker_timeout` seconds (a scheduler that does not
    answer counts as having no worker).
    """

    def __init__(self, client: Any, retries: int, no_worker_timeout: float) -> None:
        self.client, self.retries, self.no_worker_timeout = client, retries, no_worker_timeout
        self.pending: dict[Any, tuple[list[RunTask], int]] = {}

    def submit(self, chunk: list[RunTask], tries: int) -> None:
        fut = self.client.submit(run_chunk, chunk, pure=False, retries=self.retries)
        self.pending[fut] = (chunk, tries)

    def has_workers(self) -> bool:
        """Whether any worker is connected; False when the scheduler does not answer in time."""
        try:
            return bool(self.client.nthreads(callback_timeout=DASK_POLL_S))
        except (TimeoutError, OSError):
            return False

    def finished(self) -> list[Any]:
        """Futures that are done (or were, before their worker left), waiting up to a poll."""
        from distributed import wait as dask_wait

        try:
            with self.client.as_current():  # not made the process's default client
                return list(dask_wait(list(self.pending), timeout=DASK_POLL_S,
                                      return_when="FIRST_COMPLETED").done)
        except TimeoutError:
            return []

    def collect(self, fut: Any) -> Rows | None:
        """The rows of a finished future; None when they could not be fetched in one poll.

        A fetch times out when the worker holding the rows left after the
        chunk finished (Dask then runs the chunk again when a worker is
        there: it stays pending, under the no-worker clock) or on a very
        slow machine (fetched on a later round).
        """
        from distributed import KilledWorker

        chunk, tries = self.pending[fut]
        try:
            rows: Rows = fut.result(timeout=DASK_POLL_S)
        except TimeoutError:
            return None
        except KilledWorker as exc:
            del self.pending[fut]
            if tries < self.retries:
                log.warning("a Dask worker died running %d runs; submitting them again "
                            "(retry %d of %d)", len(chunk), tries + 1, self.retries)
                self.submit(chunk, tries + 1)
                return []
            return lost_rows(chunk, f"the Dask worker running it died {tries + 1} times "
                             f"(KilledWorker: {exc})")
        except Exception as exc:  # run_chunk never raises: the machinery failed
            del self.pending[fut]
            return lost_rows(chunk, f"dask worker failed: {type(exc).__name__}: {exc}")
        del self.pending[fut]
        return rows

    def run(self, tasks: Sequence[RunTask]) -> Iterator[Rows]:
        threads = max(1, sum(self.client.nthreads().values()))
        for chunk in chunked(tasks, threads):
            self.submit(chunk, 0)
        idle_since: float | None = None
        while self.pending:
            progressed = False
            round_end = time.monotonic() + DASK_POLL_S  # fetch for one poll, then look again
            for fut in self.finished():
                if time.monotonic() > round_end:
                    break
                rows = self.collect(fut)
                if rows is None:
                    continue
                progressed = True
                if rows:
                    yield rows
            if progressed or self.has_workers():
                idle_since = None
                continue
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= self.no_worker_timeout:
                for fut, (chunk, _) in list(self.pending.items()):
                    fut.release()
                    yield lost_rows(chunk, f"no Dask worker was left for "
                                    f"{self.no_worker_timeout:g} s")
                self.pending.clear()
                return


def execute(tasks: Sequence[RunTask], workers: int | None = None,
            scheduler: str | None = None) -> Iterator[Rows]:
    """Result rows of every task, chunk by chunk, on the executor asked for."""
    if not tasks:
        return iter(())
    if scheduler is not None:
        return run_dask(tasks, scheduler)
    n = default_workers() if workers is None else workers
    if n <= 1:
        return run_inline(tasks)
    return run_pool(tasks, n)
