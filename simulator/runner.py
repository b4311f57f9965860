"""run_batch: expand an experiment, execute it, store and return tidy rows.

With `replications: auto` (`Experiment.auto`) the batch runs in rounds: the
first round's replications, then as many more as the widest 95% interval
asks for, until every target half-width is met or the cap is reached. Each
round only adds replications (the same paired seeds), and which round comes
next depends only on finished results, so an interrupted batch resumed with
`--resume` goes through the same rounds and skips the runs it has.
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulator.batch import Experiment, RunTask, as_rows, expand, task_fields
from simulator.errors import EXIT_INTERRUPTED, StormdrillError
from simulator.executors import RunsLost, execute, is_lost
from simulator.intervals import t_half_width
from simulator.progress import Progress
from simulator.store import ResultsStore

#: the smallest number of replications a later round of `replications: auto` adds
AUTO_MIN_STEP = 10
#: a round aims this much past the replications the current half-widths ask for
AUTO_MARGIN = 1.1


class BatchInterrupted(StormdrillError):
    """Ctrl-C during a batch: finished runs are saved, `--resume` continues."""

    exit_code = EXIT_INTERRUPTED

    def user_message(self) -> str:
        return f"stormdrill: {self}; continue with --resume"

    def __init__(self, saved: int, total: int, path: Path | None) -> None:
        self.saved, self.total, self.path = saved, total, path
        where = f" in {path}" if path else ""
        super().__init__(f"stopped: {saved} of {total} runs saved{where}")


def run_batch(experiment: Experiment, *, workers: int | None = None,
              scheduler: str | None = None, out: str | Path | None = None,
              resume: bool = False, progress: bool = False) -> list[dict[str, Any]]:
    """Run every task of `experiment`; tidy rows (one dict per run) for pandas.

    With `out`, results are written to `out/results.sqlite` as they finish and
    the returned rows are read back from it (so resumed runs are included).
    The store's meta records `capped_hours` (when `hours` exceeds a scenario's
    duration) and, for auto replications, `auto_replications` (see
    `auto_status`); with `progress`, both are also printed to stderr.
    Raises RunsLost (holding the rows) when runs were lost to dead workers.
    """
    if scheduler is not None and out is not None:
        from simulator.executors import connect

        connect(scheduler).close()  # a bad address fails here, before --out exists on disk
    store = ResultsStore(out) if out is not None else None
    rows: list[dict[str, Any]] = []
    try:
        if store is not None:
            store.claim(experiment.fingerprint(), experiment.describe(), resume)
        capped = experiment.capped_hours()
        if capped:
            if store is not None:
                store.set_meta("capped_hours", [list(c) for c in capped])
            if progress:
                for label, asked, ran in capped:
                    print(f"note: hours {asked:g} is past the end of scenario '{label}'; its "
                          f"runs stop at its duration_h, {ran:g} h", file=sys.stderr)
        unchosen = unchosen_decisions(experiment)
        if unchosen and progress:
            print(f"note: {unchosen}", file=sys.stderr)
        n, start = experiment.replications, 0
        while True:
            tasks = expand(experiment, n, start)
            rows += _execute(tasks, store, workers, scheduler, progress)
            if experiment.auto is None:
                break
            current = list(store.rows()) if store is not None else rows
            status = auto_status(experiment, current, n)
            if status["met"] or n >= experiment.auto.max_replications:
                break
            start, n = n, _next_round(status, n, experiment.auto.max_replications)
        if experiment.auto is not None:
            if store is not None:
                store.set_meta("auto_replications", status)
            if progress:
                print(format_auto_status(status), file=sys.stderr)
        every = {t.run_id: t for t in expand(experiment, n)}
        if store is not None:
            out_rows = []
            for row in store.rows():
                task = every.get(row["run_id"])
                if task is not None:
                    row.update(task_fields(task))
                out_rows.append(row)
            return _unless_lost(out_rows, len(every), store)
        order = {rid: i for i, rid in enumerate(every)}
        return _unless_lost(sorted(rows, key=lambda r: order[r["run_id"]]), len(every), store)
    finally:
        if store is not None:
            store.close()


def _unless_lost(rows: list[dict[str, Any]], total: int,
                 store: ResultsStore | None) -> list[dict[str, Any]]:
    """`rows`, or RunsLost when runs were lost to dead workers (saved; `--resume` reruns)."""
    lost = sum(1 for r in rows if is_lost(r))
    if lost:
        raise RunsLost(lost, total, store.path if store is not None else None, rows)
    return rows


def unchosen_decisions(experiment: Experiment) -> str:
    """A sentence on decision points that some policy leaves alone ('' if none).

    Batches apply a decision point's option only when a policy chooses one;
    the others take no action there (not even `on_timeout`), which a reader of
    the results should know.
    """
    counts = {label: len(sc.decision_points) for label, sc in experiment.scenarios
              if sc.decision_points}
    every = set(range(max(counts.values(), default=0)))
    unchosen = [policy.label for policy in experiment.all_policies()
                if every - {j for j, _ in policy.decisions}]
    if not counts or not unchosen:
        return ""
    points = ", ".join(f"{label} has {n}" for label, n in counts.items())
    return (f"decision points ({points}) are applied only where a policy chooses an option; "
            f"{len(unchosen)} of {len(experiment.all_policies())} policies choose none at some "
            "of them and take no action there (docs/experiments.md)")


def _execute(tasks: list[RunTask], store: ResultsStore | None, workers: int | None,
             scheduler: str | None, progress: bool) -> list[dict[str, Any]]:
    """Run the tasks not yet in the store; their rows when there is no store."""
    rows: list[dict[str, Any]] = []
    if store is not None:
        done = store.done_ids()
        todo = [t for t in tasks if t.run_id not in done]
    else:
        todo = tasks
    bar = Progress(len(tasks), len(tasks) - len(todo), enabled=progress)
    try:
        for chunk in execute(todo, workers, scheduler):
            if store is not None:
                store.add(chunk)
            else:
                rows.extend(as_rows(chunk))
            bar.update(len(chunk))
    except KeyboardInterrupt:
        bar.close()
        saved = store.count() if store is not None else len(rows)
        raise BatchInterrupted(saved, len(tasks), store.path if store else None) from None
    bar.close()
    return rows


# ---- auto replications ------------------------------------------------------------------
def _half_width(values: Sequence[float]) -> float:
    """Half-width of the 95% t interval of the mean (inf below two values)."""
    n = len(values)
    if n < 2:
        return math.inf
    mean = math.fsum(values) / n
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    return float(t_half_width(sd, n))


def auto_status(experiment: Experiment, rows: Sequence[dict[str, Any]],
                replications: int) -> dict[str, Any]:
    """The widest achieved half-width per metric after `replications`, against its target.

    Over every scenario and point of the main design: the baseline policy's
    mean, and every other policy's paired difference to it (matched by
    replication; failed runs left out). `met` says whether every half-width
    is at or under its target; `cap_hit` whether the cap stopped the rounds
    first; `worst` names the cell of each metric's widest interval.
    """
    assert experiment.auto is not None
    policies = [p.label for p in experiment.all_policies()]
    baseline = experiment.baseline if experiment.baseline in policies else policies[0]
    design = experiment.design()
    cells: dict[tuple[str, str], dict[str, dict[int, dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(dict))
    for r in rows:
        if (r.get("design") == design and r.get("status") == "ok"
                and int(r["replication"]) < replications):
            cells[(r["scenario"], r["point"])][r["strategy"]][int(r["replication"])] = r
    achieved: dict[str, float] = {}
    worst: dict[str, str] = {}
    for metric, _ in experiment.auto.targets:
        achieved[metric] = 0.0 if cells else math.inf
        for (scenario, point), by_policy in cells.items():
            base = by_policy.get(baseline, {})
            quantities = {f"{baseline} mean": [r[metric] for r in base.values()
                                               if r.get(metric) is not None]}
            for label, runs in by_policy.items():
                if label != baseline:
                    quantities[f"{label} - {baseline}"] = [
                        runs[i][metric] - base[i][metric] for i in sorted(set(runs) & set(base))
                        if runs[i].get(metric) is not None and base[i].get(metric) is not None]
            for what, values in quantities.items():
                half = _half_width(values)
                if half >= achieved[metric]:
                    achieved[metric] = half
                    where = f" at {point}" if point else ""
                    worst[metric] = f"{what} ({scenario}{where})"
    targets = dict(experiment.auto.targets)
    met = all(achieved[m] <= targets[m] for m in targets)
    return {"replications": replications, "max_replications": experiment.auto.max_replications,
            "targets": targets, "half_widths": {m: _finite(v) for m, v in achieved.items()},
            "worst": worst, "met": met,
            "cap_hit": not met and replications >= experiment.auto.max_replications}


def _finite(x: float) -> float | None:
    return None if math.isinf(x) or math.isnan(x) else x


def _next_round(status: dict[str, Any], n: int, cap: int) -> int:
    """Replications after the next round: what the widest interval needs, with a margin.

    A half-width shrinks as 1/sqrt(n), so reaching target t from half-width h
    at n replications takes about n (h / t)^2.
    """
    need = n + AUTO_MIN_STEP
    for metric, target in status["targets"].items():
        half = status["half_widths"][metric]
        if half is None:
            return cap
        need = max(need, math.ceil(AUTO_MARGIN * n * (half / target) ** 2))
    return min(cap, need)


def format_auto_status(status: dict[str, Any]) -> str:
    """One line per metric: achieved half-width against target, and whether the cap stopped it."""
    head = (f"replications: {status['replications']} "
            + ("(targets met)" if status["met"] else
               f"(cap {status['max_replications']} reached; targets not met)"))
    lines = [head]
    for metric, target in status["targets"].items():
        half = status["half_widths"][metric]
        shown = "n/a" if half is None else f"{half:.4g}"
        mark = "ok" if half is not None and half <= target else "above target"
        lines.append(f"  {metric}: 95% CI half-width {shown} (target {target:g}, {mark}; "
                     f"widest: {status['worst'].get(metric, '-')})")
    return "\n".join(lines)
