"""Where runs execute: in this process, a local process pool, or a Dask cluster.

All three take chunks of `RunTask`s and hand back result rows as chunks
finish. A worker that dies (segfault, OOM kill) fails only its own runs: the
chunks it held are retried one run per chunk in a fresh pool, and a run that
kills its worker again is recorded as failed with the reason.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from simulator.batch import RunTask, chunked, failed_rows, run_chunk

Rows = list[dict[str, Any]]


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which stops the batch cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


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

    seen = set()
    for task in tasks:
        key = (task.scenario.network, task.scenario.complaint.complainant_followers)
        if key not in seen and len(seen) < 4:  # the network cache holds four
            seen.add(key)
            build_network(task.scenario)
    first = tasks[0].scenario
    Simulation(first, seed=0).run(min(1.0, first.duration_h))


def run_pool(tasks: Sequence[RunTask], workers: int) -> Iterator[Rows]:
    """Run on a local process pool; survive workers that die.

    When a worker dies, every unfinished run of that pool is a suspect. The
    suspects run again one per chunk; if a pool breaks a second time they run
    in a one-worker pool, where the run that breaks it is the first unfinished
    one: that run is recorded as failed, and the others go on.
    """
    if os.name == "posix":
        warm_up(tasks)
    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    queue = chunked(tasks, workers)
    attempt = 0
    while queue:
        isolate = attempt >= 2
        broken: list[tuple[int, list[RunTask]]] = []
        pool = ProcessPoolExecutor(max_workers=1 if isolate else workers, mp_context=ctx,
                                   initializer=_ignore_sigint)
        try:
            pending: dict[Future[Rows], tuple[int, list[RunTask]]] = {
                pool.submit(run_chunk, chunk): (i, chunk) for i, chunk in enumerate(queue)}
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    order, chunk = pending.pop(fut)
                    try:
                        rows = fut.result()
                    except BrokenProcessPool:
                        broken.append((order, chunk))
                        continue
                    yield rows
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        broken.sort(key=lambda item: item[0])
        suspects = [[t] for _, chunk in broken for t in chunk]
        if isolate and suspects:
            yield failed_rows(suspects[0], "worker process died while running this run "
                              "(killed or crashed)")
            suspects = suspects[1:]
        queue = suspects
        attempt = attempt + 1 if suspects else attempt


def run_dask(tasks: Sequence[RunTask], address: str) -> Iterator[Rows]:
    """Run on a Dask distributed cluster at `address` (e.g. tcp://host:8786)."""
    from distributed import Client, as_completed

    client = Client(address, timeout="20s")
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        chunks = chunked(tasks, workers)
        futures = client.map(run_chunk, chunks, pure=False)
        by_key = {f.key: chunk for f, chunk in zip(futures, chunks, strict=True)}
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except Exception as exc:  # KilledWorker and friends: record, go on
                yield failed_rows(by_key[fut.key], f"dask worker failed: "
                                  f"{type(exc).__name__}: {exc}")
    finally:
        client.close()


def execute(tasks: Sequence[RunTask], workers: int | None = None,
            scheduler: str | None = None) -> Iterator[Rows]:
    """Result rows of every task, chunk by chunk, on the executor asked for."""
    if not tasks:
        return iter(())
    if scheduler:
        return run_dask(tasks, scheduler)
    n = default_workers() if workers is None else workers
    if n <= 1:
        return run_inline(tasks)
    return run_pool(tasks, n)
