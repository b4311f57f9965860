"""run_batch: expand an experiment, execute it, store and return tidy rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.batch import Experiment, as_rows, expand
from simulator.executors import execute
from simulator.progress import Progress
from simulator.store import ResultsStore


class BatchInterrupted(Exception):
    """Ctrl-C during a batch: finished runs are saved, `--resume` continues."""

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
    """
    tasks = expand(experiment)
    store = ResultsStore(out) if out is not None else None
    rows: list[dict[str, Any]] = []
    try:
        if store is not None:
            store.claim(experiment.fingerprint(), experiment.describe(), resume)
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
        if store is not None:
            return list(store.rows())
        order = {t.run_id: i for i, t in enumerate(tasks)}
        return sorted(rows, key=lambda r: order[r["run_id"]])
    finally:
        if store is not None:
            store.close()
