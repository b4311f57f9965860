"""Batch experiments: many runs of (scenario x strategy x grid point x replication).

Replication i runs with the same seed for every strategy and grid point, so
differences between strategies are paired (common random numbers). Runs are
pure functions of their task, so any executor (in-process, a local process
pool, a Dask cluster) gives the same results; only `elapsed_s` differs.
Results go to a `ResultsStore` as they finish, so a batch can be resumed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.config import Scenario, replace_path
from simulator.sensitivity import sensitivity_points
from simulator.strategy import Strategy


@dataclass(frozen=True)
class Experiment:
    """What to run. Labels name scenarios and strategies in the results."""

    name: str
    scenarios: tuple[tuple[str, Scenario], ...]
    strategies: tuple[tuple[str, Strategy | None], ...]
    replications: int
    seed: int = 0
    grid: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    baseline: str | None = None  # strategy label that paired differences are taken against
    hours: float | None = None  # stop runs early (default: each scenario's duration)
    sensitivity_replications: int = 0  # > 0: add a one-at-a-time sweep of every [A] parameter

    def describe(self) -> dict[str, Any]:
        """A JSON-able description; its hash pins a results file to this experiment."""
        return {
            "name": self.name,
            "scenarios": {label: repr(sc) for label, sc in self.scenarios},
            "strategies": {label: repr(st) for label, st in self.strategies},
            "strategy_order": [label for label, _ in self.strategies],
            "replications": self.replications, "seed": self.seed,
            "grid": [[path, list(values)] for path, values in self.grid],
            "baseline": self.baseline, "hours": self.hours,
            "sensitivity_replications": self.sensitivity_replications,
        }

    def fingerprint(self) -> str:
        text = json.dumps(self.describe(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class RunTask:
    """One run: everything a worker needs, picklable."""

    run_id: str
    design: str
    scenario_label: str
    strategy_label: str
    point: str
    replication: int
    seed: int
    params: tuple[tuple[str, Any], ...]
    scenario: Scenario
    strategy: Strategy | None
    hours: float | None


def replication_seed(experiment_seed: int, replication: int) -> int:
    """The run seed of replication i, shared by every strategy and grid point."""
    return int(experiment_seed) * 1_000_003 + int(replication)


def _point_label(params: Sequence[tuple[str, Any]]) -> str:
    return ", ".join(f"{path}={value}" for path, value in params)


def _run_id(design: str, scenario: str, strategy: str, params: Sequence[tuple[str, Any]],
            replication: int, seed: int, hours: float | None) -> str:
    key = json.dumps([design, scenario, strategy, list(params), replication, seed, hours],
                     sort_keys=True, default=str)
    return hashlib.sha1(key.encode()).hexdigest()[:16]


def _tasks_for(exp: Experiment, design: str, points: Iterable[tuple[tuple[str, Any], ...]],
               replications: int) -> Iterator[RunTask]:
    for (sc_label, scenario), params in itertools.product(exp.scenarios, list(points)):
        sc = scenario
        for path, value in params:
            sc = replace_path(sc, path, value)
        for (st_label, strategy), rep in itertools.product(exp.strategies, range(replications)):
            seed = replication_seed(exp.seed, rep)
            yield RunTask(
                run_id=_run_id(design, sc_label, st_label, params, rep, seed, exp.hours),
                design=design, scenario_label=sc_label, strategy_label=st_label,
                point=_point_label(params), replication=rep, seed=seed, params=params,
                scenario=sc, strategy=strategy, hours=exp.hours)


def expand(exp: Experiment) -> list[RunTask]:
    """Every run of the experiment, in a fixed order."""
    if exp.grid:
        paths = [p for p, _ in exp.grid]
        points = [tuple(zip(paths, combo, strict=True))
                  for combo in itertools.product(*(vals for _, vals in exp.grid))]
    else:
        points = [()]
    tasks = list(_tasks_for(exp, "grid", points, exp.replications))
    if exp.sensitivity_replications > 0:
        base = exp.scenarios[0][1]
        sweep = [()] + [((path, value),) for path, value in sensitivity_points(base)]
        tasks += _tasks_for(exp, "sensitivity", sweep, exp.sensitivity_replications)
    return tasks


def run_task(task: RunTask) -> dict[str, Any]:
    """Run one task; never raises: a failure is a row with its error."""
    from simulator import __version__
    from simulator.simulation import Simulation
    from simulator.store import METRIC_NAMES

    row: dict[str, Any] = {
        "run_id": task.run_id, "design": task.design, "scenario": task.scenario_label,
        "strategy": task.strategy_label, "point": task.point, "replication": task.replication,
        "seed": task.seed, "params": dict(task.params), "version": __version__}
    started = time.perf_counter()
    try:
        sim = Simulation(task.scenario, seed=task.seed, strategy=task.strategy)
        sim.run(task.hours)
        summary = sim.summary()
    except Exception as exc:  # a failing run is recorded, the batch goes on
        row.update(status="error", error=f"{type(exc).__name__}: {exc}",
                   elapsed_s=time.perf_counter() - started)
        return row
    row.update(status="ok", error=None, elapsed_s=time.perf_counter() - started)
    row.update({name: summary[name] for name in METRIC_NAMES})
    hours = sim.hours_done
    neg = summary["hourly_negative"]
    trust = summary["hourly_trust"]  # index 0 is the start: hour h ends at h + 1
    row["hourly"] = [(int(neg[h]) if h < len(neg) else 0, int(sim.reach_h[h + 1]),
                      float(trust[h + 1])) for h in range(hours)]
    return row


def run_chunk(tasks: Sequence[RunTask]) -> list[dict[str, Any]]:
    """Run several tasks in one worker call (less overhead per run)."""
    return [run_task(t) for t in tasks]


def failed_rows(tasks: Sequence[RunTask], error: str) -> list[dict[str, Any]]:
    """Rows recording that these tasks could not run (their worker died)."""
    from simulator import __version__

    return [{"run_id": t.run_id, "design": t.design, "scenario": t.scenario_label,
             "strategy": t.strategy_label, "point": t.point, "replication": t.replication,
             "seed": t.seed, "params": dict(t.params), "version": __version__,
             "status": "error", "error": error, "elapsed_s": None} for t in tasks]


def chunked(tasks: Sequence[RunTask], workers: int) -> list[list[RunTask]]:
    """Chunks small enough to balance load and report progress, big enough to amortise IPC."""
    size = max(1, min(25, math.ceil(len(tasks) / max(1, workers * 8))))
    return [list(tasks[i:i + size]) for i in range(0, len(tasks), size)]


ResultSink = Callable[[list[dict[str, Any]]], None]


def as_rows(results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tidy rows for a DataFrame: grid parameters as columns, no hourly lists."""
    out = []
    for res in results:
        row = {k: v for k, v in res.items() if k != "hourly"}
        row.update(res.get("params", {}))
        out.append(row)
    return out


def replace_strategy_name(strategy: Strategy | None, label: str) -> Strategy | None:
    """A strategy carrying its experiment label as its name (shown in summaries)."""
    return None if strategy is None else dataclasses.replace(strategy, name=label)
