"""Batch experiments: many runs of (scenario x policy x point x replication).

A policy is what the team chooses: a strategy, possibly with some of its
parameters set (`respond_after_h=2`) and options of the scenario's decision
points chosen. A point is what nobody controls: values of the uncertainties
(model assumptions, scenario facts), from a grid or a sampling design
(`simulator.designs`). The old `strategies` x `grid` experiment is the special
case of policies without parameters and a factorial grid.

Replication i runs with the same seed for every policy and point, so
differences between policies are paired (common random numbers). Runs are
pure functions of their task, so any executor (in-process, a local process
pool, a Dask cluster) gives the same results; only `elapsed_s` differs.
Results go to a `ResultsStore` as they finish, so a batch can be resumed.

Decision points: a batch run applies a decision point's option only when its
policy chooses one (its actions become journal entries at the decision
point's `at_h`, as a team's choice would). A policy that chooses none takes no
action there, not even the `on_timeout` option: a scripted strategy plays
instead of a team, and a batch never waits for an answer.
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

from simulator.config import Scenario, fingerprint, replace_path
from simulator.designs import Uncertainty
from simulator.sensitivity import sensitivity_points
from simulator.strategy import Strategy

Params = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Policy:
    """A strategy as one policy of an experiment: parameter values and decision options.

    `label` names it in the results (the rows' `strategy` column, so paired
    differences against a baseline policy work as for plain strategies);
    `params` are the policy axes' values (strategy fields, and `decision<j>`
    for the option chosen at decision point j), `decisions` the (decision
    point index, option index) pairs the batch applies.
    """

    label: str
    strategy: Strategy | None
    params: Params = ()
    decisions: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class DesignPoint:
    """One point of an uncertainty design for one scenario.

    `index` is the row of the design (`simulator.designs.sample`), so a
    sensitivity analysis can match runs to its design matrix; `clipped` lists
    the parameters whose sampled value was clipped to satisfy the scenario's
    cross-field rules (`params` holds the clipped values actually run, and
    `sampled` the values the design drew before clipping).
    """

    index: int
    params: Params
    clipped: tuple[str, ...] = ()
    sampled: Params = ()


@dataclass(frozen=True)
class AutoReplications:
    """`replications: auto`: run rounds until the 95% CI half-widths meet their targets.

    A round adds replications to every cell (scenario x point x policy), so
    pairing holds; the batch stops when the half-width of the baseline mean
    and of every paired difference against the baseline is at or under its
    metric's target in every cell, or at `max_replications`.
    """

    targets: tuple[tuple[str, float], ...]
    max_replications: int = 1000


@dataclass(frozen=True)
class Experiment:
    """What to run. Labels name scenarios and strategies (policies) in the results.

    With `policies`, they are the strategies run (`strategies` then lists
    each policy's label and strategy as played, so code that only knows
    strategies keeps working). With `points` (per scenario label), the
    uncertainty design replaces `grid`.
    """

    name: str
    scenarios: tuple[tuple[str, Scenario], ...]
    strategies: tuple[tuple[str, Strategy | None], ...]
    replications: int
    seed: int = 0
    grid: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    baseline: str | None = None  # strategy label that paired differences are taken against
    hours: float | None = None  # stop runs early (default: each scenario's duration)
    sensitivity_replications: int = 0  # > 0: add a one-at-a-time sweep of every [A] parameter
    policies: tuple[Policy, ...] = ()
    uncertainties: tuple[Uncertainty, ...] = ()
    sampler: str = "factorial"
    samples: int = 0  # the sampler's n (see simulator.designs)
    points: tuple[tuple[str, tuple[DesignPoint, ...]], ...] = ()  # scenario label -> points
    auto: AutoReplications | None = None  # replications is then the first round

    def all_policies(self) -> tuple[Policy, ...]:
        """The policies run: the declared ones, or one per strategy."""
        return self.policies or tuple(Policy(label, st) for label, st in self.strategies)

    def design(self) -> str:
        """The `design` of the main runs: 'grid', or 'sobol'/'morris' for SALib designs."""
        return "grid" if self.sampler in ("factorial", "lhs") else self.sampler

    def capped_hours(self) -> list[tuple[str, float, float]]:
        """(scenario, hours asked, hours run) where `hours` exceeds a scenario's duration.

        A run never goes past its scenario's `duration_h`; this says so
        instead of running the shorter time silently.
        """
        if self.hours is None:
            return []
        return [(label, self.hours, sc.duration_h) for label, sc in self.scenarios
                if self.hours > sc.duration_h]

    def describe(self) -> dict[str, Any]:
        """A JSON-able description; its hash pins a results file to this experiment.

        Keys added for policies, uncertainties and auto replications appear
        only when used, so an old experiment keeps its fingerprint (and a
        resume of its results folder still works).
        """
        out = {
            "name": self.name,
            "scenarios": {label: repr(sc) for label, sc in self.scenarios},
            "strategies": {label: repr(st) for label, st in self.strategies},
            "strategy_order": [label for label, _ in self.strategies],
            "replications": self.replications, "seed": self.seed,
            "grid": [[path, list(values)] for path, values in self.grid],
            "baseline": self.baseline, "hours": self.hours,
            "sensitivity_replications": self.sensitivity_replications,
        }
        if self.policies:
            out["policies"] = {p.label: {"strategy": repr(p.strategy), "params": dict(p.params),
                                         "decisions": [list(d) for d in p.decisions]}
                               for p in self.policies}
        if self.uncertainties:
            out["uncertainties"] = [dataclasses.asdict(u) for u in self.uncertainties]
            out["sampler"], out["samples"] = self.sampler, self.samples
            out["points"] = {label: [[p.index, list(map(list, p.params)), list(p.clipped)]
                                     for p in pts] for label, pts in self.points}
        if self.auto is not None:
            out["auto"] = {"targets": dict(self.auto.targets),
                           "max_replications": self.auto.max_replications}
        return out

    def fingerprint(self) -> str:
        """The experiment's own hash (pins a results file to it); each run's scenario has
        its own, `simulator.config.fingerprint`, stored with the run."""
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
    policy_params: Params = ()
    decisions: tuple[tuple[int, int], ...] = ()
    sample: int | None = None  # row of the uncertainty design; None for grid points
    clipped: tuple[str, ...] = ()
    scenario_fingerprint: str = ""  # `simulator.config.fingerprint(scenario)`, as sessions


def replication_seed(experiment_seed: int, replication: int) -> int:
    """The run seed of replication i, shared by every strategy and grid point."""
    return int(experiment_seed) * 1_000_003 + int(replication)


def _point_label(params: Sequence[tuple[str, Any]]) -> str:
    return ", ".join(f"{path}={value}" for path, value in params)


def _short(value: Any) -> str:
    """A sampled value as a label shows it (4 significant digits)."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def sample_label(point: DesignPoint, numbered: bool) -> str:
    """A design point's readable label; `#index` first for sampled (non-factorial) designs."""
    text = ", ".join(f"{path}={_short(value)}" for path, value in point.params)
    return f"#{point.index} {text}" if numbered else text


def _run_id(design: str, scenario: str, strategy: str, params: Sequence[tuple[str, Any]],
            replication: int, seed: int, hours: float | None,
            sample: int | None = None) -> str:
    parts: list[Any] = [design, scenario, strategy, list(params), replication, seed, hours]
    if sample is not None:  # design points may repeat (Morris); old grids keep their ids
        parts.append(sample)
    key = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha1(key.encode()).hexdigest()[:16]


#: (scenario label, scenario, params, point label, design row or None, clipped parameters)
Cell = tuple[str, Scenario, Params, str, int | None, tuple[str, ...]]


def _tasks_for(exp: Experiment, design: str, cells: Iterable[Cell],
               replications: Iterable[int]) -> Iterator[RunTask]:
    reps = list(replications)
    for sc_label, scenario, params, label, sample, clipped in cells:
        sc = scenario
        for path, value in params:
            sc = replace_path(sc, path, value)
        sc_fingerprint = fingerprint(sc)  # the scenario as run, hashed as a session hashes it
        for policy, rep in itertools.product(exp.all_policies(), reps):
            seed = replication_seed(exp.seed, rep)
            yield RunTask(
                run_id=_run_id(design, sc_label, policy.label, params, rep, seed, exp.hours,
                               sample),
                design=design, scenario_label=sc_label, strategy_label=policy.label,
                point=label, replication=rep, seed=seed, params=params,
                scenario=sc, strategy=policy.strategy, hours=exp.hours,
                policy_params=policy.params, decisions=policy.decisions, sample=sample,
                clipped=clipped, scenario_fingerprint=sc_fingerprint)


def main_cells(exp: Experiment) -> list[Cell]:
    """The cells (scenario x point) of the main design, in run order."""
    if exp.points:
        numbered = exp.sampler != "factorial"
        by_label = dict(exp.scenarios)
        return [(label, by_label[label], p.params, sample_label(p, numbered), p.index,
                 p.clipped) for label, pts in exp.points for p in pts]
    if exp.grid:
        paths = [p for p, _ in exp.grid]
        points = [tuple(zip(paths, combo, strict=True))
                  for combo in itertools.product(*(vals for _, vals in exp.grid))]
    else:
        points = [()]
    return [(label, sc, params, _point_label(params), None, ())
            for label, sc in exp.scenarios for params in points]


def expand(exp: Experiment, replications: int | None = None,
           start: int = 0) -> list[RunTask]:
    """Every run of the experiment, in a fixed order.

    `replications` (default: the experiment's) and `start` select the
    replications start..replications-1 of the main design: auto replications
    expand round by round. The one-at-a-time sensitivity sweep keeps its own
    count and comes with the first round.
    """
    upto = exp.replications if replications is None else replications
    tasks = list(_tasks_for(exp, exp.design(), main_cells(exp), range(start, upto)))
    if exp.sensitivity_replications > 0 and start == 0:
        base = exp.scenarios[0][1]
        sweep = [()] + [((path, value),) for path, value in sensitivity_points(base)]
        cells: list[Cell] = [(label, sc, params, _point_label(params), None, ())
                             for label, sc in exp.scenarios for params in sweep]
        tasks += _tasks_for(exp, "sensitivity", cells, range(exp.sensitivity_replications))
    return tasks


def _head(task: RunTask) -> dict[str, Any]:
    """The row fields that describe a task (before it runs).

    `policy_params` (the policy's axis values, numbers kept as numbers),
    `sample` (the design row) and `clipped` (parameters clipped at this point)
    are added only when the experiment uses policies or uncertainties, so old
    experiments' rows are unchanged.
    """
    row: dict[str, Any] = {
        "run_id": task.run_id, "design": task.design, "scenario": task.scenario_label,
        "strategy": task.strategy_label, "point": task.point, "replication": task.replication,
        "seed": task.seed, "params": dict(task.params),
        "scenario_fingerprint": task.scenario_fingerprint or None}
    if task.policy_params:
        row["policy_params"] = dict(task.policy_params)
    if task.sample is not None:
        row["sample"] = task.sample
        row["clipped"] = list(task.clipped)
    return row


def decision_journal(scenario: Scenario, decisions: Sequence[tuple[int, int]]) -> list[Any]:
    """Journal entries of chosen decision options: their actions at the point's `at_h`."""
    from simulator.actions import Action, JournalEntry

    entries = []
    for point_index, option_index in decisions:
        point = scenario.decision_points[point_index]
        for spec in point.options[option_index].actions:
            entries.append(JournalEntry(point.at_h, Action(spec.kind, spec.tone, spec.text)))
    return sorted(entries, key=lambda e: e.at_h)


def run_task(task: RunTask) -> dict[str, Any]:
    """Run one task; never raises: a failure is a row with its error."""
    from simulator import __version__
    from simulator.simulation import Simulation
    from simulator.store import METRIC_NAMES

    row = _head(task)
    row["version"] = __version__
    started = time.perf_counter()
    try:
        sim = Simulation(task.scenario, seed=task.seed, strategy=task.strategy,
                         journal=decision_journal(task.scenario, task.decisions))
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

    return [{**_head(t), "version": __version__, "status": "error", "error": error,
             "elapsed_s": None} for t in tasks]


def chunked(tasks: Sequence[RunTask], workers: int) -> list[list[RunTask]]:
    """Chunks small enough to balance load and report progress, big enough to amortise IPC."""
    size = max(1, min(25, math.ceil(len(tasks) / max(1, workers * 8))))
    return [list(tasks[i:i + size]) for i in range(0, len(tasks), size)]


ResultSink = Callable[[list[dict[str, Any]]], None]


def as_rows(results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tidy rows for a DataFrame: grid and policy parameters as columns, no hourly lists."""
    out = []
    for res in results:
        row = {k: v for k, v in res.items() if k != "hourly"}
        row.update(res.get("params", {}))
        row.update(res.get("policy_params", {}))
        out.append(row)
    return out


def task_fields(task: RunTask) -> dict[str, Any]:
    """The row fields of a task the results store does not keep (policy and design).

    The store's `params` column holds the uncertainty point only; the runner
    adds these back from the expanded tasks when it reads rows from a store.
    """
    row = _head(task)
    extra: dict[str, Any] = {k: row[k] for k in ("policy_params", "sample", "clipped")
                             if k in row}
    extra.update(row.get("policy_params", {}))
    return extra


def replace_strategy_name(strategy: Strategy | None, label: str) -> Strategy | None:
    """A strategy carrying its experiment label as its name (shown in summaries)."""
    return None if strategy is None else dataclasses.replace(strategy, name=label)
