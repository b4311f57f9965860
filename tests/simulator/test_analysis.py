"""Batch statistics: intervals, paired differences, sensitivity flips, export."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulator import analysis
from simulator.results import Results
from simulator.store import METRIC_NAMES, ResultsStore


def row(strategy: str, rep: int, *, design: str = "grid", point: str = "",
        params: dict[str, Any] | None = None, status: str = "ok", **metrics: Any) -> dict:
    """A tidy row as `ResultsStore.rows()` yields it; unset metrics are None."""
    params = params or {}
    out = {"run_id": f"{design}-{point}-{strategy}-{rep}", "design": design, "scenario": "s",
           "strategy": strategy, "point": point, "replication": rep, "seed": rep,
           "params": params, "version": "t", "status": status,
           "error": None if status == "ok" else "RuntimeError: boom", "elapsed_s": 0.1,
           **dict.fromkeys(METRIC_NAMES)}
    if status == "ok":
        out.update(metrics)
    out.update(params)
    return out


def test_ci_contains_the_mean_and_narrows_with_n() -> None:
    rng = np.random.default_rng(3)
    small = analysis.mean_ci(list(rng.normal(50, 10, 10)))
    large = analysis.mean_ci(list(rng.normal(50, 10, 1000)))
    for s in (small, large):
        assert s["ci_low"] < s["mean"] < s["ci_high"]
    assert large["ci_high"] - large["ci_low"] < (small["ci_high"] - small["ci_low"]) / 5
    assert analysis.mean_ci([4.0])["n"] == 1 and math.isnan(analysis.mean_ci([4.0])["ci_low"])


def test_summarise_skips_failed_runs_none_values_and_other_designs() -> None:
    rows = [row("a", i, sharers=float(v), reach=10) for i, v in enumerate([1, 2, 3, 10])]
    rows += [row("a", 4, status="error"), row("a", 5, sharers=None, reach=5),
             row("a", 0, design="sensitivity", sharers=1000)]
    summary = {r["metric"]: r for r in analysis.summarise(rows, ["sharers", "reach"])}
    sharers = summary["sharers"]
    assert sharers["n"] == 4 and sharers["failed"] == 1
    assert sharers["mean"] == pytest.approx(4.0) and sharers["median"] == pytest.approx(2.5)
    assert sharers["sd"] == pytest.approx(np.std([1, 2, 3, 10], ddof=1))
    half = stats.t.ppf(0.975, 3) * sharers["sd"] / 2
    assert sharers["ci_high"] == pytest.approx(4.0 + half)
    assert summary["reach"]["n"] == 5
    assert analysis.failures(rows)[0]["error"] == "RuntimeError: boom"


def test_paired_differences_are_the_mean_of_per_replication_differences() -> None:
    base = [10, 20, 30, 40, 50]
    other = [8, 21, 25, 33, 99]
    rows = [row("base", i, sharers=v) for i, v in enumerate(base[:4])]  # rep 4 missing
    rows += [row("other", i, sharers=v) for i, v in enumerate(other)]
    rows.append(row("base", 4, status="error"))
    (d,) = analysis.paired_differences(rows, "base", ["sharers"])
    diffs = [o - b for o, b in zip(other[:4], base[:4], strict=True)]  # -2, 1, -5, -7
    assert d["n_pairs"] == 4
    assert d["mean_diff"] == pytest.approx(sum(diffs) / 4)
    half = stats.t.ppf(0.975, 3) * np.std(diffs, ddof=1) / 2
    assert (d["ci_low"], d["ci_high"]) == pytest.approx((-3.25 - half, -3.25 + half))
    assert d["relative_pct"] == pytest.approx(-3.25 / 25 * 100)
    assert d["strategy"] == "other" and d["baseline"] == "base"


def _sens(point: str, params: dict[str, Any], a: float, b: float) -> list[dict]:
    return [row(s, r, design="sensitivity", point=point, params=params, sharers=v + r)
            for s, v in (("a", a), ("b", b)) for r in range(2)]


def test_sensitivity_detects_a_flip_on_rows_built_to_flip() -> None:
    rows = _sens("", {}, 10, 20)
    rows += _sens("x.p=1.0", {"x.p": 1.0}, 5, 20)  # a still best
    rows += _sens("x.p=9.0", {"x.p": 9.0}, 40, 20)  # a now worse: flips
    rows += _sens("y.q=0.5", {"y.q": 0.5}, 12, 25)
    rows += _sens("y.q=2.0", {"y.q": 2.0}, 20, 20)  # a tie is not a flip
    res = analysis.sensitivity(rows, "sharers", baseline="a")
    assert res["base"]["ranking"] == ["a", "b"]
    assert res["flipping"] == ["x.p"]
    flips = {s["point"]: s["flips"] for s in res["settings"]}
    assert flips == {"x.p=1.0": False, "x.p=9.0": True, "y.q=0.5": False, "y.q=2.0": False}
    top = res["tornado"][0]
    assert (top["parameter"], top["low"], top["high"]) == ("x.p", 1.0, 9.0)
    assert top["swing"] == pytest.approx(35.0) and top["flips"]
    assert [t["parameter"] for t in res["tornado"]] == ["x.p", "y.q"]
    assert analysis.sensitivity([row("a", 0, sharers=1)])["flipping"] == []


def test_format_table_shows_strategies_and_paired_differences() -> None:
    rows = [row(s, i, sharers=v + i, reach=100 + v, peak_hourly_negative=3,
                reputation_end=1.5) for s, v in (("base", 10), ("fast", 4)) for i in range(3)]
    text = analysis.format_table(analysis.summarise(rows), analysis.paired_differences(rows,
                                                                                      "base"))
    assert "base" in text and "fast" in text and "paired difference vs base" in text
    assert "-6.00 [-6.00, -6.00]" in text  # every pair differs by exactly -6


def test_export_writes_files_that_load_back(tmp_path: Path) -> None:
    rows = [row(s, i, params={"plan.approval_delay_h": d}, point=f"d={d}", sharers=i, reach=3)
            for s in ("a", "b") for i in range(3) for d in (0.0, 2.0)]
    rows.append(row("a", 9, status="error", params={"plan.coverage": ["24/7"]}))
    with ResultsStore(tmp_path / "res") as store:
        store.add([{**r, "hourly": [(1, 2, 3.0), (0, 2, 2.5)]} for r in rows])
        stored = list(store.rows())
        hourly = list(store.hourly())
    summary = analysis.summarise(stored)
    paths = Results.from_rows(stored, hourly=hourly).export(tmp_path / "out")
    assert [p.name for p in paths] == ["summary.csv", "paired.csv", "runs.parquet",
                                       "hourly.parquet"]
    assert len(pd.read_csv(paths[0])) == len(summary)
    assert set(pd.read_csv(paths[1])["strategy"]) == {"b"}  # paired to the first strategy
    runs = pd.read_parquet(paths[2])
    assert len(runs) == len(rows) and "plan.approval_delay_h" in runs.columns
    assert runs["plan.coverage"].dropna().tolist() == ['["24/7"]']
    hourly_back = pd.read_parquet(paths[3])
    assert len(hourly_back) == 2 * len(rows)
    assert list(hourly_back.columns) == ["run_id", "hour", "negative", "reach", "trust"]


def test_trust_ranks_higher_first_and_attention_lower_first() -> None:
    rows = [row(s, 0, design="sensitivity", reputation_end=rep, negative_posts=neg)
            for s, rep, neg in (("a", 12.0, 50), ("b", 16.0, 90))]
    trust = analysis.sensitivity(rows)  # trust at the end by default
    assert trust["metric"] == "reputation_end" and trust["base"]["ranking"] == ["b", "a"]
    assert analysis.sensitivity(rows, "negative_posts")["base"]["ranking"] == ["a", "b"]
    text = analysis.format_table(analysis.summarise([
        row(s, i, reputation_end=15.0, trust_dip=5.0, negative_posts=10, sharers=8, reach=99)
        for s in ("base", "other") for i in range(2)]), [])
    header = text.splitlines()[1]
    assert header.index("trust end") < header.index("trust dip") < header.index("neg. posts")


OLD_RUNS = """CREATE TABLE runs (run_id TEXT PRIMARY KEY, design TEXT NOT NULL,
    scenario TEXT NOT NULL, strategy TEXT NOT NULL, point TEXT NOT NULL,
    replication INTEGER NOT NULL, seed INTEGER NOT NULL, params TEXT NOT NULL,
    version TEXT NOT NULL, status TEXT NOT NULL, error TEXT, elapsed_s REAL,
    sharers INTEGER, reach INTEGER, negative_posts INTEGER, defences INTEGER,
    peak_hourly_negative INTEGER, time_to_peak_h REAL, duration_h REAL, detected_at_h REAL,
    first_response_at_h REAL, media_pickups INTEGER, reputation_min REAL,
    reputation_end REAL, deletions INTEGER)"""


def test_results_of_an_older_version_stay_readable(tmp_path: Path) -> None:
    """A file without the trust and outside-reach columns: read, never continued."""
    import sqlite3

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(OLD_RUNS)
        db.execute("INSERT INTO runs VALUES ('r1', 'grid', 's', 'silent', '', 0, 1, '{}', "
                   "'0.1', 'ok', NULL, 0.5, 7, 70, 9, 0, 3, 1.5, 10.0, 0.5, 1.0, 0, 14.0, "
                   "15.5, 0)")
    db.close()
    with ResultsStore(path) as store:
        (old,) = store.rows()
        assert old["sharers"] == 7 and old["reputation_end"] == 15.5
        assert old["trust_dip"] is None and old["participants_outside"] is None
        with pytest.raises(analysis.StoreError, match="older stormdrill"):
            store.add([row("silent", 1)])
    empty = tmp_path / "empty.sqlite"
    with sqlite3.connect(empty) as db:
        db.execute(OLD_RUNS)
    db.close()
    with ResultsStore(empty) as store:  # no runs yet: upgraded in place
        store.add([row("silent", 0, reputation_end=15.0, trust_dip=5.0)])
        assert next(store.rows())["trust_dip"] == 5.0
