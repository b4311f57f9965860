"""Executors under fire: bad scheduler addresses, killed pool and Dask workers, a killed batch.

Everything here is real: real process pools and a real Dask LocalCluster,
workers killed with os.kill. Tests wait on state (a stored row, a live
process in /proc), never on fixed sleeps; timeouts are ceilings that only
fail a test that hangs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from factory import scenario
from procs import alive, children, pool_workers

import simulator.batch as batch
from simulator.batch import Experiment, RunTask, expand
from simulator.executors import RunsLost, SchedulerError, connect, execute, is_lost, run_dask
from simulator.runner import run_batch
from simulator.store import LOST_PREFIX, ResultsStore
from simulator.strategy import Strategy

ROOT = Path(__file__).resolve().parents[2]
FAST = Strategy(name="fast", respond_after_h=0, solution_after_h=1)
CEILING_S = 120.0  # only a hung test reaches this


def _experiment(reps: int, users: int = 800, hours: float = 24.0) -> Experiment:
    return Experiment(name="x", scenarios=(("small", scenario(users=users, duration_h=hours)),),
                      strategies=(("silent", None), ("fast", FAST)), replications=reps, seed=5)


def _until(condition, what: str, timeout: float = CEILING_S) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.05)


linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


# ---- scheduler addresses ----------------------------------------------------------------
@pytest.mark.parametrize("address", ["foo", "http://10.0.0.5:8786", "tcp://host:", "tcp://:8786",
                                     "tcp://host:99999", " "])
def test_a_malformed_scheduler_address_is_refused_at_once(address: str) -> None:
    with pytest.raises(SchedulerError, match="tcp://host:port"):
        connect(address)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow  # the real program and a 5 s connect timeout
def test_an_unreachable_scheduler_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    exp = tmp_path / "exp.yaml"
    exp.write_text("kind: experiment\nname: tiny\nscenarios: [kitchen-gaffe]\n"
                   "strategies: [silent]\nreplications: 2\nhours: 6\n")
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    res = subprocess.run([sys.executable, "-m", "tui.cli", "batch", str(exp), "--scheduler",
                          address, "--out", str(tmp_path / "o"), "--quiet"], cwd=ROOT,
                         capture_output=True, text=True, timeout=CEILING_S)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert address in res.stderr and "could not connect within 5 s" in res.stderr
    assert "`dask scheduler` is running" in res.stderr and "tcp://host:port" in res.stderr


def test_a_peer_that_never_answers_times_out() -> None:
    """A port that accepts connections but never speaks Dask: no hang."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):  # the accept timeout: look at `stop` again
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    try:
        with ThreadPoolExecutor(1) as pool:
            attempt = pool.submit(connect, address, 1.0)
            with pytest.raises(SchedulerError, match="could not connect within 1 s"):
                attempt.result(timeout=CEILING_S)
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


# ---- local pool -------------------------------------------------------------------------
@pytest.mark.slow  # worker pools killed and rebuilt
@linux_only
def test_killed_pool_workers_cost_retries_in_full_width_pools() -> None:
    """Two kills: each broken pool is replaced by a fresh one of full width, no run lost."""
    tasks = expand(_experiment(reps=100))
    runs = execute(tasks, workers=2)
    rows = list(next(runs))  # at least one chunk finished: the pool is busy with more
    for _ in range(2):
        before = pool_workers(os.getpid())
        assert len(before) == 2, before
        os.kill(min(before), signal.SIGKILL)
        for chunk in runs:  # while the generator holds a chunk, its pool is alive
            rows += chunk
            now = pool_workers(os.getpid())
            if len(now) == 2 and not set(now) & set(before):
                break
        else:
            raise AssertionError("no fresh pool of two workers replaced the broken one")
    rows += [row for chunk in runs for row in chunk]
    assert sorted(r["run_id"] for r in rows) == sorted(t.run_id for t in tasks)
    assert all(r["status"] == "ok" for r in rows), [r["error"] for r in rows if r["error"]]


@pytest.mark.slow  # worker pools killed and rebuilt
def test_a_run_that_always_kills_its_worker_is_lost_then_resumed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the culprit is lost; it is saved as lost, not done, so --resume runs it again."""
    exp = _experiment(reps=6)
    doomed = expand(exp)[3].run_id
    real = batch.run_task

    def fragile(task: RunTask) -> dict:
        if task.run_id == doomed:
            os._exit(3)  # as a segfault or an OOM kill would
        return real(task)

    monkeypatch.setattr(batch, "run_task", fragile)
    with pytest.raises(RunsLost, match=r"1 of 12 runs .* --resume") as caught:
        run_batch(exp, workers=2, out=tmp_path)
    assert caught.value.lost == 1
    assert [r["run_id"] for r in caught.value.rows if r["status"] != "ok"] == [doomed]
    with ResultsStore(tmp_path) as store:
        lost = [r for r in store.rows() if r["status"] != "ok"]
        assert [r["run_id"] for r in lost] == [doomed] and is_lost(lost[0])
        assert lost[0]["error"].startswith(LOST_PREFIX + "the worker process died")
        assert doomed not in store.done_ids() and len(store.done_ids()) == 11
    monkeypatch.setattr(batch, "run_task", real)  # whatever killed it is gone
    rows = run_batch(exp, workers=2, out=tmp_path, resume=True)
    assert len(rows) == 12 and all(r["status"] == "ok" for r in rows)


def test_a_run_whose_simulation_raised_is_done(tmp_path: Path) -> None:
    """Its own error is its result: kept, never rerun, no RunsLost."""
    with ResultsStore(tmp_path) as store:
        store.claim("f", {}, resume=False)
        base = {"design": "grid", "scenario": "s", "strategy": "x", "point": "",
                "replication": 0, "seed": 0, "params": {}, "version": "t", "elapsed_s": 0.1}
        store.add([{**base, "run_id": "own", "status": "error", "error": "ValueError: bad"},
                   {**base, "run_id": "ok", "status": "ok", "error": None},
                   {**base, "run_id": "lost", "status": "error",
                    "error": LOST_PREFIX + "the worker process died"}])
        assert store.done_ids() == {"own", "ok"}


SCRIPT = """
import sys
sys.path.insert(0, "tests")
from factory import scenario
from simulator.batch import Experiment
from simulator.runner import run_batch
sc = scenario(users=3000, duration_h=72.0)
exp = Experiment(name="orphans", scenarios=(("s", sc),), strategies=(("silent", None),),
                 replications=2000, seed=4)
run_batch(exp, workers=2, out=sys.argv[1])
"""


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as con:
            return int(con.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow  # a real batch killed
@linux_only
def test_kill_9_of_the_batch_leaves_no_worker_behind(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        _until(lambda: _stored(tmp_path / "results.sqlite") >= 1, "a run is stored")
        workers = children(proc.pid)
        assert len(workers) == 2, workers
        os.kill(proc.pid, signal.SIGKILL)  # the main process only, not its group
        proc.wait(timeout=CEILING_S)
        _until(lambda: not any(alive(pid, st) for pid, st in workers.items()),
               "every worker of the killed batch has exited")
    finally:  # whatever happened, leave nothing of this batch running
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# ---- Dask -------------------------------------------------------------------------------
@pytest.fixture
def fragile_cluster() -> Iterator[tuple[object, object]]:
    """A LocalCluster whose scheduler gives up on a task at its first dead worker.

    With allowed-failures 0 a single kill turns into KilledWorker at once, so
    the executor's own resubmission is what saves the runs.
    """
    distributed = pytest.importorskip("distributed")
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=None, silence_logs=50) as cluster, \
            distributed.Client(cluster, set_as_default=False) as spy:
        yield cluster, spy


@pytest.mark.slow  # a real Dask cluster
@pytest.mark.parametrize("retries", [2, 0])
def test_a_killed_dask_worker_is_retried(fragile_cluster: tuple[object, object], retries: int,
                                         caplog: pytest.LogCaptureFixture) -> None:
    """With retries the killed worker's chunks run again; with none they are lost."""
    cluster, spy = fragile_cluster
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    tasks = expand(_experiment(reps=100, users=3000, hours=72.0))
    caplog.set_level(logging.WARNING, logger="simulator.executors")
    runs = run_dask(tasks, address, retries=retries)
    rows = list(next(runs))  # the cluster is at work on the other chunks
    pids = spy.run(os.getpid)  # type: ignore[attr-defined]
    busy = [w for w, keys in spy.processing().items() if keys]  # type: ignore[attr-defined]
    assert busy, "chunks are still running"
    for worker in busy:  # every busy worker: none can be between two tasks
        os.kill(pids[worker], signal.SIGKILL)
    rows += [row for chunk in runs for row in chunk]
    assert sorted(r["run_id"] for r in rows) == sorted(t.run_id for t in tasks)
    lost = [r for r in rows if r["status"] != "ok"]
    if retries:
        assert "a Dask worker died running" in caplog.text, "the kill cost a resubmission"
        assert not lost, [r["error"] for r in lost]
    else:
        assert lost and all(is_lost(r) and "KilledWorker" in r["error"] for r in lost)


@pytest.mark.slow  # a real Dask cluster
def test_a_cluster_without_workers_is_refused() -> None:
    distributed = pytest.importorskip("distributed")
    tasks = expand(_experiment(reps=1))
    with distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=None,
                                  silence_logs=50) as cluster:
        address = cluster.scheduler_address
        with pytest.raises(SchedulerError, match=r"no worker joined within 0\.5 s"):
            list(run_dask(tasks, address, no_worker_timeout=0.5))


def test_the_cli_says_runs_were_lost_and_exits_1(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    import simulator.runner
    from tui.cli import main

    def lose(*_: object, **__: object) -> list:
        raise RunsLost(3, 40, tmp_path / "results.sqlite", [])

    exp = tmp_path / "exp.yaml"
    exp.write_text("kind: experiment\nname: tiny\nscenarios: [kitchen-gaffe]\n"
                   "strategies: [silent]\nreplications: 2\nhours: 6\n")
    monkeypatch.setattr(simulator.runner, "run_batch", lose)
    assert main(["batch", str(exp), "--out", str(tmp_path / "o"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "3 of 40 runs could not run" in err and "--resume" in err
    assert "Traceback" not in err


def _finished_on_cluster(dask_scheduler: object) -> int:
    """Tasks whose result sits in a worker's memory (run on the scheduler)."""
    return sum(ts.state == "memory" for ts in dask_scheduler.tasks.values())  # type: ignore[attr-defined]


@pytest.mark.slow  # a real Dask cluster
def test_runs_are_lost_not_waited_on_for_ever_when_no_worker_is_left(
        fragile_cluster: tuple[object, object]) -> None:
    """The last workers leave while finished chunks wait to be fetched: lost rows, no hang.

    A finished chunk's rows live in its worker's memory; fetching them after
    the worker left made Dask compute the chunk again and wait for a worker,
    for ever (it hung for 20 minutes with both cores busy: a chunk seen
    finished, then its worker gone before the fetch). Here a chunk has always
    finished unfetched when the workers leave, which opens that window (it
    still takes a slow machine to hit it), and the rest of the batch runs in
    a thread with a ceiling, so a regression fails instead of hanging.
    """
    cluster, spy = fragile_cluster
    tasks = expand(_experiment(reps=100, users=3000, hours=72.0))
    runs = run_dask(tasks, cluster.scheduler_address,  # type: ignore[attr-defined]
                    no_worker_timeout=1.0)
    rows = list(next(runs))  # the generator waits at its yield: nothing else is fetched
    _until(lambda: spy.run_on_scheduler(_finished_on_cluster),  # type: ignore[attr-defined]
           "another chunk finished, its rows on its worker")
    cluster.scale(0)  # type: ignore[attr-defined]
    _until(lambda: not spy.nthreads(), "no worker is left")  # type: ignore[attr-defined]
    rest: list[dict] = []
    drain = threading.Thread(target=lambda: rest.extend(r for chunk in runs for r in chunk),
                             daemon=True)
    drain.start()
    drain.join(CEILING_S)
    assert not drain.is_alive(), "the batch still waits with no worker left"
    rows += rest
    assert sorted(r["run_id"] for r in rows) == sorted(t.run_id for t in tasks)
    lost = [r for r in rows if r["status"] != "ok"]
    assert lost and all(is_lost(r) and "no Dask worker was left" in r["error"] for r in lost)
