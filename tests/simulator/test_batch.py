"""Batch runs: paired seeds, identical results on every executor, resume, faults."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from factory import scenario

import simulator.batch as batch
from simulator.batch import Experiment, expand
from simulator.executors import execute
from simulator.runner import run_batch
from simulator.store import METRIC_NAMES, ResultsStore, StoreError
from simulator.strategy import Strategy

ROOT = Path(__file__).resolve().parents[2]
FAST = Strategy(name="fast", respond_after_h=0, solution_after_h=1)
CEILING_S = 120.0  # how long a wait on state may take on a very busy machine before failing


def _experiment(reps: int = 6, **kw: object) -> Experiment:
    sc = scenario(users=800, duration_h=24.0)
    return Experiment(name="t", scenarios=(("small", sc),),
                      strategies=(("silent", None), ("fast", FAST)), replications=reps,
                      seed=3, **kw)  # type: ignore[arg-type]


def _metrics(rows: list[dict]) -> dict[str, tuple]:
    return {r["run_id"]: tuple(r[m] for m in METRIC_NAMES) for r in rows}


def test_replications_are_paired_across_strategies_and_grid_points() -> None:
    tasks = expand(_experiment(grid=(("plan.approval_delay_h", (0.0, 2.0)),)))
    assert len(tasks) == 2 * 2 * 6
    seeds = {(t.replication, t.seed) for t in tasks}
    assert len(seeds) == 6, "replication i has one seed everywhere"
    assert len({t.run_id for t in tasks}) == len(tasks)
    delays = {t.point: t.scenario.plan.approval_delay_h for t in tasks}
    assert delays == {"plan.approval_delay_h=0.0": 0.0, "plan.approval_delay_h=2.0": 2.0}


@pytest.mark.slow  # a process pool and an inline batch: seconds
def test_inline_and_process_pool_give_identical_results() -> None:
    exp = _experiment()
    inline = run_batch(exp, workers=1)
    pooled = run_batch(exp, workers=2)
    assert _metrics(inline) == _metrics(pooled)
    assert all(r["status"] == "ok" for r in inline)


@pytest.mark.slow  # starts a Dask cluster
def test_dask_local_cluster_gives_identical_results() -> None:
    distributed = pytest.importorskip("distributed")
    exp = _experiment(reps=4)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=50) as cluster:
        on_dask = run_batch(exp, scheduler=cluster.scheduler_address)
    assert _metrics(on_dask) == _metrics(run_batch(exp, workers=1))


def test_results_store_and_resume_never_recompute(tmp_path: Path) -> None:
    exp = _experiment()
    first = run_batch(exp, workers=1, out=tmp_path)
    with ResultsStore(tmp_path) as store:
        assert store.count("ok") == 12
        hourly = list(store.hourly([first[0]["run_id"]]))
        assert len(hourly) == 24 and all(h[2] >= 0 for h in hourly)
        stamp = {r["run_id"]: r["elapsed_s"] for r in store.rows()}
    with pytest.raises(StoreError, match="--resume"):
        run_batch(exp, workers=1, out=tmp_path)
    again = run_batch(exp, workers=1, out=tmp_path, resume=True)
    assert {r["run_id"]: r["elapsed_s"] for r in again} == stamp, "nothing recomputed"
    other = _experiment(reps=7)
    with pytest.raises(StoreError, match="another experiment"):
        run_batch(other, workers=1, out=tmp_path, resume=True)


def test_a_failing_run_is_recorded_not_fatal(tmp_path: Path) -> None:
    from simulator.config import NetworkConfig

    sc = scenario(users=800, duration_h=12.0)
    broken = sc.__class__(**{**sc.__dict__, "network": NetworkConfig(
        kind="file", path=str(tmp_path / "missing.txt"))})
    exp = Experiment(name="f", scenarios=(("ok", sc), ("broken", broken)),
                     strategies=(("silent", None),), replications=2, seed=1)
    rows = run_batch(exp, workers=1)
    status = {(r["scenario"], r["status"]) for r in rows}
    assert status == {("ok", "ok"), ("broken", "error")}
    assert all("file not found" in r["error"] for r in rows if r["status"] == "error")


@pytest.mark.slow  # a process pool whose worker dies: seconds
def test_a_worker_that_dies_fails_only_its_run(monkeypatch: pytest.MonkeyPatch) -> None:
    exp = _experiment(reps=4)
    tasks = expand(exp)
    doomed = tasks[5].run_id
    real = batch.run_task

    def fragile(task: batch.RunTask) -> dict:
        if task.run_id == doomed:
            os._exit(3)  # the worker process dies, as with a segfault or an OOM kill
        return real(task)

    monkeypatch.setattr(batch, "run_task", fragile)
    rows = [r for chunk in execute(tasks, workers=2) for r in chunk]
    assert len(rows) == len(tasks)
    bad = [r for r in rows if r["status"] != "ok"]
    assert [r["run_id"] for r in bad] == [doomed]
    assert "worker process died" in bad[0]["error"]


SCRIPT = """
import os, sys, time
sys.path.insert(0, "tests")
from factory import scenario
import simulator.batch as batch
from simulator.batch import Experiment, expand
from simulator.runner import run_batch, BatchInterrupted
from simulator.strategy import Strategy
sc = scenario(users=3000, duration_h=72.0)
exp = Experiment(name="long", scenarios=(("s", sc),),
                 strategies=(("silent", None), ("fast", Strategy(name="fast", respond_after_h=0))),
                 replications=300, seed=9)
if len(sys.argv) > 2:  # a gate: the second half of the runs waits until the file exists
    gate, free = sys.argv[2], {t.run_id for t in expand(exp)[:300]}
    run_task = batch.run_task

    def gated(task):
        while task.run_id not in free and not os.path.exists(gate):
            time.sleep(0.05)
        return run_task(task)

    batch.run_task = gated  # forked workers inherit it
try:
    rows = run_batch(exp, workers=2, out=sys.argv[1], resume=True)
    print("DONE", len(rows))
except BatchInterrupted as err:
    print("STOPPED", err.saved)
    sys.exit(130)
"""


def _wait_for_rows(db: Path, at_least: int, timeout: float = CEILING_S) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=5) as con:
                    if con.execute("SELECT COUNT(*) FROM runs").fetchone()[0] >= at_least:
                        return
            except sqlite3.OperationalError:
                pass
        time.sleep(0.2)
    raise AssertionError("the batch stored no runs in time")


@pytest.mark.slow  # end-to-end: 600 runs in subprocesses
@pytest.mark.parametrize("how", ["kill -9", "ctrl-c"])
def test_interrupted_batch_resumes_without_loss(tmp_path: Path, how: str) -> None:
    """The interrupt lands mid-batch however fast the machine: the second half of the
    runs waits on a gate file that exists only once the signal is sent."""
    db, gate = tmp_path / "results.sqlite", tmp_path / "gate"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path), str(gate)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    _wait_for_rows(db, 30)
    if how == "kill -9":
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        os.killpg(proc.pid, signal.SIGINT)
    gate.touch()  # runs in flight at the interrupt finish; Ctrl-C waits for them
    out, err = proc.communicate(timeout=CEILING_S)
    if how == "ctrl-c":
        assert proc.returncode == 130, err
        assert "STOPPED" in out and "Traceback" not in err
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        saved = {r[0]: r[1] for r in con.execute("SELECT run_id, elapsed_s FROM runs")}
    assert 30 <= len(saved) < 600
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "DONE 600" in done.stdout
    with sqlite3.connect(db) as con:
        after = {r[0]: r[1] for r in con.execute("SELECT run_id, elapsed_s FROM runs")}
    assert len(after) == 600
    assert all(after[k] == v for k, v in saved.items()), "finished runs were not recomputed"
