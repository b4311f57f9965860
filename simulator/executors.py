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
        if key not in seen:
            seen.add(key)
            build_network(task.scenario)
    first = tasks[0].scenario
    Simulation(first, seed=0).run(min(1.0, first.duration_h))


def run_pool(tasks: Sequence[RunTask], workers: int) -> Iterator[Rows]:
    """Run on a local process pool; survive workers that die."""
    if os.name == "posix":
        warm_up(tasks)
    queue = chunked(tasks, workers)
    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    while queue:
        retry: list[list[RunTask]] = []
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                   initializer=_ignore_sigint)
        try:
            pending: dict[Future[Rows], list[RunTask]] = {
                pool.submit(run_chunk, chunk): chunk for chunk in queue}
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    chunk = pending.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        if len(chunk) == 1:
                            yield failed_rows(chunk, "worker process died while running "
                                              "this run (killed or crashed)")
                        else:
                            retry.extend([t] for t in chunk)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        queue = retry


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
