"""`Results`: one object for a batch's results, the same for the CLI and for notebooks.

`stormdrill batch` and `stormdrill report` print, export and plot from this
object, and a notebook gets the very same numbers from it as pandas
DataFrames, so the Python API and the command line cannot disagree:

    from simulator.results import Results
    res = Results.open("stormdrill-results/strategy-comparison")
    res.runs                  # one row per run, grid and policy parameters as columns
    res.hourly                # run_id, hour, negative, reach, trust
    res.summary()             # mean, 95% CI, n, half-width per scenario x policy x point
    res.paired("silent")      # paired differences to a baseline, and whether they span 0
    res.sensitivity()         # global (SALib) or one-at-a-time sensitivity
    res.export("out/")        # summary.csv, paired.csv, runs.parquet, hourly.parquet

The statistics themselves live in `simulator.analysis` (on plain row dicts);
this module gathers rows, hourly series and the experiment description, and
turns the statistics into tidy tables.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator import analysis
from simulator.store import RUN_COLUMNS

if TYPE_CHECKING:  # pandas is imported when a table is asked for, not with simulator
    import pandas as pd

    from simulator.batch import Experiment

Row = dict[str, Any]
HOURLY_COLUMNS = ("run_id", "hour", "negative", "reach", "trust")
#: the designs a global sensitivity analysis (simulator.gsa) reads
GLOBAL_DESIGNS = frozenset({"sobol", "morris"})


def _scalar(value: Any) -> Any:
    """A value a Parquet column can hold; lists and dicts become JSON text."""
    return value if value is None or isinstance(value, (bool, int, float, str)) else json.dumps(
        value, sort_keys=True)


def _tidy(row: Mapping[str, Any]) -> Row:
    """A row with `params` and `policy_params` as dicts and no hourly list."""
    out = {k: v for k, v in row.items() if k != "hourly"}
    params = out.get("params") or {}
    out["params"] = json.loads(params) if isinstance(params, str) else dict(params)
    out["policy_params"] = analysis.policy_params(out)
    return out


class Results:
    """The results of one batch: its runs, hourly series and experiment description.

    Build one with `Results.open(folder_or_sqlite)`, `Results.from_rows(rows)`
    or `Results.run(experiment)`. Tables are computed on demand and kept.
    """

    def __init__(self, rows: Iterable[Mapping[str, Any]],
                 hourly: Iterable[Sequence[Any]] | None = None,
                 experiment: Mapping[str, Any] | None = None) -> None:
        raw = list(rows)
        if hourly is None:  # rows straight from run_task carry their own hourly lists
            hourly = [(r["run_id"], h, *vals) for r in raw for h, vals in
                      enumerate(r.get("hourly") or [])]
        self.experiment: dict[str, Any] = dict(experiment or {})
        self.rows: list[Row] = [_tidy(r) for r in raw]
        policies = self.experiment.get("policies") or {}
        for r in self.rows:
            if not r["policy_params"] and r["strategy"] in policies:
                # the store keeps the uncertainty point only; the policy's own values
                # are in the experiment description
                r["policy_params"] = dict(policies[r["strategy"]].get("params") or {})
            # `simulator.config.fingerprint` of the scenario as run (grid point applied), as
            # the batch stored it; None for runs stored before batches kept it (not known)
            r.setdefault("scenario_fingerprint", None)
        #: (run_id, hour, negative, reach, trust) tuples, as the store keeps them
        self.hourly_rows: list[tuple[Any, ...]] = [tuple(h) for h in hourly]
        self._cache: dict[tuple[Any, ...], Any] = {}

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path) -> Results:
        """Read a results folder or its results.sqlite, read-only.

        A missing, foreign or damaged file is a StoreError naming it; nothing
        is created or changed, so opening a wrong path is always harmless.
        """
        store, meta = analysis.load_results(path)
        with store:
            return cls(store.rows(), store.hourly(), meta)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]],
                  experiment: Mapping[str, Any] | None = None,
                  hourly: Iterable[Sequence[Any]] | None = None) -> Results:
        """From the tidy rows of `run_batch`, `ResultsStore.rows()` or `run_task`.

        `hourly` is (run_id, hour, negative, reach, trust) tuples; by default
        the rows' own `hourly` lists (as `run_task` returns them) are used.
        """
        return cls(rows, hourly, experiment)

    @classmethod
    def run(cls, experiment: Experiment, *, out: str | Path | None = None,
            workers: int | None = None, scheduler: str | None = None, resume: bool = False,
            progress: bool = False) -> Results:
        """Run `experiment` with `run_batch` and return its results, hourly series included.

        Without `out` the runs go to a temporary results file that is read
        back and removed, so the object is the same as from a kept folder.
        """
        from simulator.runner import run_batch

        def run(folder: str | Path, resume: bool) -> Results:
            # run_batch's rows carry the policy fields the store does not keep
            rows = run_batch(experiment, workers=workers, scheduler=scheduler, out=folder,
                             resume=resume, progress=progress)
            store, meta = analysis.load_results(folder)
            with store:
                return cls(rows, store.hourly(), meta)

        if out is not None:
            return run(out, resume)
        with tempfile.TemporaryDirectory(prefix="stormdrill-batch-") as tmp:
            return run(tmp, False)

    # ---- what the batch was -------------------------------------------------------------
    @property
    def strategies(self) -> list[str]:
        """Strategy (policy) labels in the experiment's order."""
        return analysis.strategy_order(self.rows)

    @property
    def baseline(self) -> str | None:
        """The experiment's baseline, else its first strategy: what differences are taken to."""
        order = self.strategies
        return self.experiment.get("baseline") or (order[0] if order else None)

    @property
    def designs(self) -> set[str]:
        return {r.get("design", "grid") for r in self.rows}

    @property
    def main_design(self) -> str:
        """The design the tables summarise: the grid, else the first design that is not a
        sensitivity sweep (whose points hold too few runs for a table each)."""
        designs = list(dict.fromkeys(r.get("design", "grid") for r in self.rows))
        if "grid" in designs:
            return "grid"
        rest = [d for d in designs if d != "sensitivity" and d not in GLOBAL_DESIGNS]
        return rest[0] if rest else "grid"

    def __repr__(self) -> str:
        failed = sum(1 for r in self.rows if r.get("status") != "ok")
        return (f"<Results {self.experiment.get('name', '?')!r}: {len(self.rows)} runs "
                f"({failed} failed), designs {sorted(self.designs)}, strategies "
                f"{self.strategies}, baseline {self.baseline!r}>")

    # ---- tables -------------------------------------------------------------------------
    @property
    def runs(self) -> pd.DataFrame:
        """One row per run: ids, seed, version, scenario fingerprint, status, metrics, and
        every grid (`params`) and policy (`policy_params`) parameter as its own column;
        the two dicts are kept too, as JSON text (what runs.parquet holds)."""
        if ("runs",) not in self._cache:
            self._cache[("runs",)] = self._runs()
        return self._cache[("runs",)]

    def _runs(self) -> pd.DataFrame:
        import pandas as pd

        taken = {*RUN_COLUMNS, "sample", "clipped"}
        flat = []
        for r in self.rows:
            row = {k: v for k, v in r.items() if k not in ("params", "policy_params")}
            row.update({k: _scalar(v) for k, v in r["params"].items()})
            row.update({(f"policy.{k}" if k in taken or k in r["params"] else k): _scalar(v)
                        for k, v in r["policy_params"].items()})
            row["params"] = json.dumps(r["params"], sort_keys=True)
            row["policy_params"] = json.dumps(r["policy_params"], sort_keys=True)
            flat.append(row)
        df = pd.DataFrame(flat)
        for col in [c for c in df.columns if pd.api.types.is_object_dtype(df[c])]:
            kinds = {type(v) for v in df[col] if v is not None and v == v}
            if len(kinds) > 1:  # Parquet columns have one type
                df[col] = [None if v is None else str(v) for v in df[col]]
        return df

    @property
    def hourly(self) -> pd.DataFrame:
        """Long table of the hourly series: run_id, hour, negative posts, reach, trust index.
        Join it to `runs` on run_id for the scenario, strategy and parameters."""
        import pandas as pd

        if ("hourly",) not in self._cache:
            self._cache[("hourly",)] = pd.DataFrame(self.hourly_rows,
                                                    columns=list(HOURLY_COLUMNS))
        return self._cache[("hourly",)]

    def summary_records(self, metrics: Sequence[str] | None = None,
                        design: str | None = None) -> list[Row]:
        """`analysis.summarise` of these runs (row dicts, as the report and plots read them)."""
        design = design or self.main_design
        key = ("summary", tuple(metrics or ()), design)
        if key not in self._cache:
            self._cache[key] = analysis.summarise(self.rows, metrics, design)
        return self._cache[key]

    def paired_records(self, baseline: str | None = None, metrics: Sequence[str] | None = None,
                       design: str | None = None) -> list[Row]:
        """`analysis.paired_differences` to `baseline` (default the experiment's)."""
        baseline = baseline or self.baseline
        design = design or self.main_design
        key = ("paired", baseline, tuple(metrics or ()), design)
        if key not in self._cache:
            self._cache[key] = ([] if baseline is None else
                                analysis.paired_differences(self.rows, baseline, metrics,
                                                            design))
        return self._cache[key]

    def summary(self, metrics: Sequence[str] | None = None,
                design: str | None = None) -> pd.DataFrame:
        """Per scenario x policy x point x metric: n, mean, median, sd, 95% CI and its achieved
        half-width, `missing` (successful runs without a value, e.g. never responded) and
        its share, `failed` runs; the point's parameters as columns. Points in numeric order.
        `design` defaults to `main_design` (the grid)."""
        return _frame(self.summary_records(metrics, design))

    def paired(self, baseline: str | None = None, metrics: Sequence[str] | None = None,
               design: str | None = None) -> pd.DataFrame:
        """Paired differences (policy minus baseline, same replication seed) per scenario x
        point x metric: mean, 95% CI, half-width, `spans_zero` (no clear difference),
        `reading` in words, and `relative_pct` only where a percentage means something."""
        records = self.paired_records(baseline, metrics, design)
        df = _frame(records)
        if records:
            df["reading"] = [analysis.verdict(d) for d in records]
        return df

    def failures(self) -> pd.DataFrame:
        """Failed runs of any design with their errors (left out of every statistic)."""
        import pandas as pd

        return pd.DataFrame(analysis.failures(self.rows),
                            columns=["run_id", "design", "scenario", "point", "strategy",
                                     "replication", "seed", "error"])

    # ---- sensitivity --------------------------------------------------------------------
    def one_at_a_time(self, metric: str = "reputation_end", *, baseline: str | None = None,
                      scenario: str | None = None) -> dict[str, Any]:
        """`analysis.sensitivity` of the one-at-a-time sweep (rows of design 'sensitivity')."""
        return analysis.sensitivity(self.rows, metric, baseline=baseline or self.baseline,
                                    scenario=scenario)

    def sensitivity(self, metric: str = "reputation_end", *, baseline: str | None = None,
                    **kwargs: Any) -> Any:
        """Sensitivity of the results to the uncertainties.

        With Sobol or Morris runs (and `simulator.gsa` present) this is the
        global analysis of paired strategy differences, `gsa.analyse(runs,
        baseline, **kwargs)`. Otherwise it is the one-at-a-time tornado of
        `metric` as a DataFrame (parameter, low, high, metric_low, metric_high,
        base, swing, flips); its `attrs` hold the base ranking and the
        parameters that flip it.
        """
        import pandas as pd

        from simulator import gsa

        baseline = baseline or self.baseline
        if self.designs & GLOBAL_DESIGNS:
            # a design means there are rows, and every row names its strategy
            assert baseline is not None
            return gsa.analyse(self.runs, baseline, **kwargs)
        sens = self.one_at_a_time(metric, baseline=baseline, **kwargs)
        df = pd.DataFrame(sens["tornado"], columns=["parameter", "low", "high", "metric_low",
                                                    "metric_high", "base", "swing", "flips"])
        df.attrs.update({k: sens[k] for k in ("scenario", "metric", "strategy", "base",
                                              "flipping")})
        return df

    def flips(self, **kwargs: Any) -> Any:
        """Where the ranking of strategies flips: only where the paired interval excludes
        zero after false-discovery-rate control over every comparison (`gsa.flips`)."""
        from simulator import gsa

        kwargs.setdefault("design", "sensitivity" if "sensitivity" in self.designs else None)
        return gsa.flips(self.runs, self.baseline, **kwargs)

    def discoveries(self) -> list[Any]:
        """Scenario discovery on sampled designs: where each policy beats the baseline, and
        where it loses to it, as readable rules (`discovery.discover_all`)."""
        from simulator import discovery

        sampled = self.runs[self.runs["design"].isin(GLOBAL_DESIGNS | {"grid"})]
        if "sample" not in sampled.columns or sampled["sample"].isna().all():
            return []  # a factorial grid is not a sample of the uncertainties
        baseline = self.baseline
        assert baseline is not None  # there are sampled rows, and every row names its strategy
        return discovery.discover_all(sampled, baseline)

    def sensitivity_note(self) -> str | None:
        """What the sensitivity runs found, in a few lines; None without any.

        With `simulator.gsa` a ranking flips only where the paired interval
        excludes 0 after false-discovery-rate control (`flips`); without it,
        the one-at-a-time sweep's change in the order of means is reported.
        """
        from simulator import gsa

        designs = self.designs & (GLOBAL_DESIGNS | {"sensitivity"})
        lines = []
        if designs:
            lines.append(f"sensitivity ({', '.join(sorted(designs))}): "
                         f"{self.flips().summary()}")
        if self.designs & GLOBAL_DESIGNS:
            lines.append(gsa.format_indices(self.sensitivity()))
        lines += [d.rule for d in self.discoveries()]
        return "\n".join(lines) or None

    # ---- output -------------------------------------------------------------------------
    def table(self, baseline: str | None = None) -> str:
        """The plain-text tables `stormdrill batch` prints."""
        summary = self.summary_records()
        if not summary:
            return (f"no {self.main_design} runs to tabulate (designs: "
                    f"{', '.join(sorted(self.designs)) or 'none'}); see the sensitivity below")
        return analysis.format_table(summary, self.paired_records(baseline))

    def export(self, folder: str | Path) -> list[Path]:
        """Write summary.csv, paired.csv, runs.parquet and hourly.parquet (for pandas, R,
        DuckDB or a spreadsheet; docs/results.md has example queries)."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "summary.csv", out / "paired.csv", out / "runs.parquet",
                 out / "hourly.parquet"]
        _frame(self.summary_records(), keep_dicts=True).to_csv(paths[0], index=False)
        self.paired().assign(**_dict_columns(self.paired_records())).to_csv(paths[1],
                                                                           index=False)
        self.runs.to_parquet(paths[2], index=False)
        self.hourly.to_parquet(paths[3], index=False)
        return paths

    def plot(self, folder: str | Path, formats: Sequence[str] = ("png", "svg"), *,
             baseline: str | None = None) -> list[Path]:
        """Every figure the data allow (`simulator.plots.plot_all`), into `folder`."""
        from simulator.plots import plot_all

        return plot_all(self, folder, formats, baseline=baseline or self.baseline)


def _dict_columns(records: Sequence[Row]) -> dict[str, list[str]]:
    return {k: [json.dumps(r.get(k) or {}, sort_keys=True) for r in records]
            for k in ("params", "policy_params")} if records else {}


def _frame(records: Sequence[Row], keep_dicts: bool = False) -> pd.DataFrame:
    """Records with their `params` / `policy_params` dicts spread into columns."""
    import pandas as pd

    flat = []
    for r in records:
        row = {k: v for k, v in r.items() if k not in ("params", "policy_params")}
        for key in ("params", "policy_params"):
            for k, v in (r.get(key) or {}).items():
                row[f"policy.{k}" if key == "policy_params" and k in row else k] = _scalar(v)
            if keep_dicts:
                row[key] = json.dumps(r.get(key) or {}, sort_keys=True)
        flat.append(row)
    return pd.DataFrame(flat)
