"""`Results`: one object for the CLI and notebooks, and the honest presentation of its numbers."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simulator import analysis
from simulator.batch import Experiment, expand, run_task
from simulator.config import NetworkConfig, Scenario
from simulator.plots import is_log_spaced, plot_all, sweep_axes
from simulator.results import Results
from simulator.store import METRIC_NAMES, ResultsStore
from simulator.strategy import Strategy

DOCS = Path(__file__).resolve().parents[2] / "docs" / "results.md"


def row(strategy: str, rep: int, *, point: str = "", params: dict[str, Any] | None = None,
        design: str = "grid", status: str = "ok", **metrics: Any) -> dict[str, Any]:
    """A tidy row as `ResultsStore.rows()` yields it (no policy_params: an older file)."""
    params = params or {}
    out = {"run_id": f"{design}-{point}-{strategy}-{rep}", "design": design, "scenario": "s",
           "strategy": strategy, "point": point, "replication": rep, "seed": 100 + rep,
           "params": params, "version": "t", "status": status, "error": None,
           "elapsed_s": 0.1, **dict.fromkeys(METRIC_NAMES), **metrics}
    return {**out, **params}


EXPERIMENT = Experiment(
    name="results-test", scenarios=(("s", Scenario(name="s", network=NetworkConfig(users=600))),),
    strategies=(("silent", None),
                ("fast", Strategy(name="fast", respond_after_h=0, solution_after_h=1))),
    replications=3, seed=4, grid=(("plan.approval_delay_h", (4.0, 0.5)),), baseline="silent",
    hours=12)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """The experiment run twice: into a results file, and as raw `run_task` rows."""
    out = tmp_path_factory.mktemp("results")
    Results.run(EXPERIMENT, out=out, workers=1)
    return out, [run_task(t) for t in expand(EXPERIMENT)]


def test_results_from_rows_equal_results_from_the_sqlite_file(stored: tuple) -> None:
    out, raw = stored
    from_file = Results.open(out)
    from_rows = Results.from_rows(raw, EXPERIMENT.describe())
    key = ["run_id"]
    a = from_file.runs.drop(columns="elapsed_s").sort_values(key).reset_index(drop=True)
    b = from_rows.runs.drop(columns="elapsed_s").sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b[a.columns], check_dtype=False)
    pd.testing.assert_frame_equal(from_file.summary(), from_rows.summary(), check_dtype=False)
    pd.testing.assert_frame_equal(from_file.paired(), from_rows.paired(), check_dtype=False)
    pd.testing.assert_frame_equal(
        from_file.hourly.sort_values(["run_id", "hour"]).reset_index(drop=True),
        from_rows.hourly.sort_values(["run_id", "hour"]).reset_index(drop=True),
        check_dtype=False)
    assert from_file.table() == from_rows.table()


def test_every_run_carries_fingerprint_version_and_seed(stored: tuple) -> None:
    runs = Results.open(stored[0]).runs
    assert runs[["scenario_fingerprint", "version", "seed"]].notna().all().all()
    # one scenario as run per grid point; the same for every strategy and replication
    assert runs.groupby("point")["scenario_fingerprint"].nunique().eq(1).all()
    assert runs["scenario_fingerprint"].nunique() == 2
    assert list(runs["plan.approval_delay_h"].unique()) == [0.5, 4.0]  # numeric order


@pytest.mark.slow  # runs a batch: seconds
def test_cli_prints_and_exports_what_the_api_computes(stored: tuple, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    import scenarios
    from tui import cli

    sc = tmp_path / "tiny.yaml"
    sc.write_text("kind: scenario\nname: tiny\nnetwork:\n  users: 600\n")
    exp = tmp_path / "exp.yaml"
    exp.write_text(f"kind: experiment\nname: tiny\nscenarios: [{sc}]\n"
                   "strategies: [silent, fast-empathetic]\nreplications: 3\nseed: 2\n"
                   "hours: 8\ngrid:\n  plan.approval_delay_h: [6, 0.5]\n")
    out = tmp_path / "out"
    assert cli.main(["batch", str(exp), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    printed = capsys.readouterr().out
    res = Results.open(out)
    assert res.table() in printed
    notebook = Results.run(scenarios.load_experiment(str(exp)), workers=1)
    assert notebook.table() == res.table()
    paired = res.paired()
    trust = paired[(paired["metric"] == "reputation_end")].iloc[0]
    assert analysis.ci_cell(trust["mean_diff"], trust["ci_low"], trust["ci_high"], True) in printed
    exported = pd.read_csv(out / "paired.csv")
    assert exported["mean_diff"].tolist() == pytest.approx(paired["mean_diff"].tolist(),
                                                           nan_ok=True)
    assert printed.index("plan.approval_delay_h=0.5") < printed.index("plan.approval_delay_h=6")


def test_no_percentage_on_the_trust_index() -> None:
    """The issue's case: +6.22 points on a baseline of -1.63 once read as -382%."""
    rows = [row("base", i, reputation_end=-1.63 + d, negative_posts=100 + i)
            for i, d in enumerate((-0.1, 0.0, 0.1))]
    rows += [row("fast", i, reputation_end=4.59 + d, negative_posts=80 + i)
             for i, d in enumerate((-0.1, 0.0, 0.1))]
    res = Results.from_rows(rows)
    paired = res.paired("base").set_index("metric")
    assert paired.loc["reputation_end", "mean_diff"] == pytest.approx(6.22)
    assert pd.isna(paired.loc["reputation_end", "relative_pct"])
    assert paired.loc["negative_posts", "relative_pct"] == pytest.approx(-20.0, abs=0.5)
    text = res.table()
    (trust_line,) = [ln for ln in text.splitlines() if "trust end" in ln and "+6.22" in ln]
    assert "%" not in trust_line and "index points" in trust_line
    assert "-382" not in text and "% of baseline" in text


def test_never_responded_share_sits_next_to_the_response_times() -> None:
    rows = [row("webcare", i, first_response_at_h=None if i < 53 else 2.0 + i / 100,
                detected_at_h=1.0) for i in range(100)]
    res = Results.from_rows(rows)
    first = res.summary().set_index("metric").loc["first_response_at_h"]
    assert (first["n"], first["missing"]) == (47, 53)
    assert first["missing_share"] == pytest.approx(0.53)
    text = res.table()
    assert "never responded" in text and "53 of 100 (53%)" in text


def test_points_and_policies_sort_numerically_everywhere(tmp_path: Path) -> None:
    rows = [row(s, 0, point=f"x.delay_min={d}", params={"x.delay_min": d}, reputation_end=1.0)
            for d in (15, 240, 60) for s in ("base", "other")]
    res = Results.from_rows(rows)
    assert list(res.summary()["x.delay_min"].unique()) == [15, 60, 240]
    text = res.table()
    assert text.index("=15") < text.index("=60") < text.index("=240")
    with ResultsStore(tmp_path / "r") as store:
        store.add(rows)
        assert [r["params"]["x.delay_min"] for r in store.rows()][::2] == [15, 60, 240]


def test_an_interval_that_spans_zero_reads_no_clear_difference() -> None:
    rows = [row("base", i, sharers=10) for i in range(4)]
    rows += [row("noisy", i, sharers=10 + d) for i, d in enumerate((-3, 4, -2, 2))]
    rows += [row("clear", i, sharers=5 + d) for i, d in enumerate((0, 1, 0, 1))]
    paired = Results.from_rows(rows).paired("base", ["sharers"]).set_index("strategy")
    assert bool(paired.loc["noisy", "spans_zero"]) and not paired.loc["clear", "spans_zero"]
    assert paired.loc["noisy", "reading"] == "no clear difference"
    assert paired.loc["clear", "reading"] == "better"  # fewer sharers
    text = Results.from_rows(rows).table()
    sharers = [ln for ln in text.splitlines() if "sharers" in ln and "[" in ln]
    readings = [ln.split("of baseline")[-1].strip() for ln in sharers]
    assert readings == ["no clear difference", "better"]  # noisy, then clear


@pytest.mark.slow  # runs a batch: seconds
def test_policy_params_become_columns_and_sweep_axes(tmp_path: Path) -> None:
    rows = []
    for h in (15, 240, 60):
        for i in range(3):
            r = row(f"reply after {h} min", i, reputation_end=10 - h / 100 + i / 10,
                    negative_posts=100 + h / 10 + i, reach=500)
            r["policy_params"] = {"respond_after_min": h}
            rows.append(r)
    rows += [row("silent", i, reputation_end=8 + i / 10, negative_posts=130 + i, reach=500)
             for i in range(3)]
    res = Results.from_rows(rows, {"baseline": "silent"})
    assert res.strategies[:3] == ["reply after 15 min", "reply after 60 min",
                                  "reply after 240 min"]
    assert sorted(res.runs["respond_after_min"].dropna()) == [15] * 3 + [60] * 3 + [240] * 3
    diffs = res.paired_records("silent", ["reputation_end"])
    assert sweep_axes(diffs) == [(("policy_params", "respond_after_min"), [15, 60, 240])]
    names = {p.name for p in plot_all(res, tmp_path, ("svg",))}
    assert "sweep-s-respond-after-min.svg" in names


@pytest.mark.slow  # runs a batch: seconds
def test_two_swept_parameters_give_a_heatmap_of_the_paired_effect(tmp_path: Path) -> None:
    rows = [row(s, i, point=f"a={a}, b={b}", params={"a": a, "b": b},
                reputation_end=a * b / 100 + (s == "other") + i / 10, negative_posts=10 + i,
                reach=50) for a in (1, 2) for b in (15, 240, 60) for s in ("base", "other")
            for i in range(2)]
    names = {p.name for p in plot_all(rows, tmp_path, ("svg",), baseline="base")}
    assert {"heatmap-s-a-b.svg", "sweep-s-a.svg", "sweep-s-b.svg"} <= names


def test_sampled_points_are_no_sweep_axes_but_policies_still_are() -> None:
    """Latin hypercube points each have their own values: no line or heatmap through them."""
    diffs = [{"params": {"a": a, "b": b}, "policy_params": {"after_h": h}}
             for a, b in ((0.13, 5.1), (0.52, 2.7), (0.91, 8.8)) for h in (0.5, 2, 8)]
    assert sweep_axes(diffs) == [(("policy_params", "after_h"), [0.5, 2, 8])]


def test_policy_values_come_back_from_the_experiment_when_read_from_the_store(
        tmp_path: Path) -> None:
    """The store keeps the uncertainty point; the policies' values are in the description."""
    rows = [row(f"answer respond_after_h={h}", 0, reputation_end=1.0) for h in (8, 0.5)]
    with ResultsStore(tmp_path / "r") as store:
        store.claim("f", {"policies": {f"answer respond_after_h={h}": {
            "strategy": "None", "params": {"respond_after_h": h}} for h in (8, 0.5)}}, False)
        store.add(rows)
    res = Results.open(tmp_path / "r")
    assert sorted(res.runs["respond_after_h"]) == [0.5, 8]
    assert res.strategies == ["answer respond_after_h=0.5", "answer respond_after_h=8"]


def test_log_spacing_is_recognised() -> None:
    assert is_log_spaced([15, 60, 240]) and is_log_spaced([1, 3, 10, 30])
    assert not is_log_spaced([0, 2, 6]) and not is_log_spaced([1, 2, 3])
    assert not is_log_spaced([15, 60])


def test_one_at_a_time_sensitivity_without_a_global_design() -> None:
    rows = [row(s, 0, design="sensitivity", reputation_end=v) for s, v in (("a", 1), ("b", 2))]
    rows += [row(s, 0, design="sensitivity", point="x.p=9", params={"x.p": 9},
                 reputation_end=v) for s, v in (("a", 3), ("b", 2))]
    sens = Results.from_rows(rows, {"baseline": "a"}).sensitivity()
    assert list(sens["parameter"]) == ["x.p"] and sens.attrs["flipping"] == ["x.p"]
    # one replication per setting: with FDR-controlled flips nothing can flip on it ...
    note = Results.from_rows(rows).sensitivity_note()
    assert "0 flip the ranking" in note and "without an interval" in note


def _sql_blocks() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


def test_the_documented_duckdb_queries_run_on_the_exported_files(stored: tuple,
                                                                 tmp_path: Path) -> None:
    """The SQL of docs/results.md, run through SQLite on the same files (duckdb is optional)."""
    paths = Results.open(stored[0]).export(tmp_path / "results")
    db = sqlite3.connect(":memory:")
    for path in paths:
        frame = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
        frame.to_sql(path.stem, db, index=False)
    queries = _sql_blocks()
    assert len(queries) >= 5
    for sql in queries:
        if sql.lstrip().startswith("DESCRIBE"):
            continue
        portable = re.sub(r"'results/(\w+)\.(parquet|csv)'", r"\1", sql)
        result = db.execute(portable).fetchall()
        assert result, sql
    never = db.execute(re.sub(r"'results/(\w+)\.parquet'", r"\1", queries[2])).fetchall()
    assert dict((s, n) for s, _runs, n, _mean in never)["silent"] == 6  # silent never replies
