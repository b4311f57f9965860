"""The notebook API: run an experiment file, get tidy rows for pandas; policies and rounds."""

import dataclasses
import json
from pathlib import Path

import pandas as pd
from factory import scenario as tiny

import scenarios
from simulator.batch import AutoReplications, Experiment, Policy, expand
from simulator.config import ActionSpec, DecisionOption, DecisionPoint, Scenario
from simulator.runner import auto_status, run_batch
from simulator.store import ResultsStore
from simulator.strategy import Strategy


def test_run_batch_rows_load_into_a_dataframe(tmp_path: Path) -> None:
    exp = tmp_path / "e.yaml"
    exp.write_text("scenarios: [kitchen-gaffe]\nstrategies: [silent, defensive]\n"
                   "replications: 3\nseed: 4\nhours: 6\n"
                   "grid:\n  response.share_defensive: [1.0, 1.2]\n")
    df = pd.DataFrame(scenarios.run_batch(str(exp), workers=1))
    assert len(df) == 12
    assert {"run_id", "scenario", "strategy", "replication", "seed", "version", "sharers",
            "reach", "response.share_defensive"} <= set(df.columns)
    assert (df["status"] == "ok").all()
    paired = df.pivot_table(index=["replication", "response.share_defensive"], columns="strategy",
                            values="seed")
    assert (paired["silent"] == paired["defensive"]).all(), "same seeds across strategies"


# --- policies, decision options, auto replications (tiny scenarios from tests/factory) ------

ANSWER = Strategy(name="answer", respond_after_h=0.5, tone="empathetic")


def _tiny() -> Scenario:
    """A small storm with one decision point: apologise, or push back."""
    point = DecisionPoint(at_h=2.0, prompt="what now?", options=[
        DecisionOption("apologise", [ActionSpec("acknowledge", "empathetic")]),
        DecisionOption("push back", [ActionSpec("reply", "defensive")])])
    return dataclasses.replace(tiny(users=1500), duration_h=12.0, decision_points=[point])


def _policies() -> tuple[Policy, ...]:
    return (Policy("none", None),
            Policy("answer respond_after_h=0.5", ANSWER, (("respond_after_h", 0.5),)),
            Policy("answer respond_after_h=6",
                   dataclasses.replace(ANSWER, respond_after_h=6.0), (("respond_after_h", 6.0),)),
            Policy("none decision0=0", None, (("decision0", 0),), ((0, 0),)),
            Policy("none decision0=1", None, (("decision0", 1),), ((0, 1),)))


def test_policy_axes_and_decision_options_change_runs_and_stay_paired() -> None:
    policies = _policies()
    exp = Experiment(name="t", scenarios=(("tiny", _tiny()),),
                     strategies=tuple((p.label, p.strategy) for p in policies),
                     replications=4, seed=2, baseline="none", policies=policies)
    rows = run_batch(exp, workers=1)
    assert len(rows) == 5 * 4 and all(r["status"] == "ok" for r in rows)
    by = {(r["strategy"], r["replication"]): r for r in rows}
    for rep in range(4):
        assert len({by[(p.label, rep)]["seed"] for p in policies}) == 1  # paired seeds
    first = {p.label: [by[(p.label, i)]["first_response_at_h"] for i in range(4)]
             for p in policies}
    assert first["none"] == [None] * 4  # no option chosen: nothing happens at the point
    assert all(a < b for a, b in zip(first["answer respond_after_h=0.5"],
                                     first["answer respond_after_h=6"], strict=True))
    assert all(t is not None and t >= 2.0 for t in first["none decision0=0"])
    ends = {p.label: [by[(p.label, i)]["reputation_end"] for i in range(4)] for p in policies}
    assert ends["none decision0=0"] != ends["none decision0=1"]
    row = by[("answer respond_after_h=6", 0)]
    assert row["policy_params"] == {"respond_after_h": 6.0}
    assert row["respond_after_h"] == 6.0  # also as a column, a number
    assert "policy_params" not in by[("none", 0)]


def test_auto_replications_stop_when_the_target_is_met(tmp_path: Path) -> None:
    policies = _policies()[:2]
    base = Experiment(name="t", scenarios=(("tiny", _tiny()),),
                      strategies=tuple((p.label, p.strategy) for p in policies),
                      replications=4, seed=1, baseline="none", policies=policies,
                      auto=AutoReplications((("reputation_end", 1e6),), 30))
    rows = run_batch(base, workers=1, out=tmp_path / "loose")
    assert {r["replication"] for r in rows} == set(range(4))  # met after the first round
    with ResultsStore(tmp_path / "loose") as store:
        status = json.loads(store.meta("auto_replications") or "{}")
    assert status["met"] and not status["cap_hit"] and status["replications"] == 4
    strict = dataclasses.replace(base, auto=AutoReplications((("reputation_end", 1e-9),), 16))
    rows = run_batch(strict, workers=1, out=tmp_path / "strict")
    assert {r["replication"] for r in rows} == set(range(16))  # rounds up to the cap
    with ResultsStore(tmp_path / "strict") as store:
        status = json.loads(store.meta("auto_replications") or "{}")
    assert status["cap_hit"] and not status["met"] and status["replications"] == 16
    assert status["half_widths"]["reputation_end"] > 0
    again = auto_status(strict, rows, 16)
    assert again["half_widths"] == status["half_widths"]
    # a resume of the finished batch runs nothing new and gives the same rows
    assert run_batch(strict, workers=1, out=tmp_path / "strict", resume=True) == rows


def test_capped_hours_are_recorded(tmp_path: Path) -> None:
    exp = Experiment(name="t", scenarios=(("tiny", _tiny()),), strategies=(("none", None),),
                     replications=1, hours=50.0)
    assert exp.capped_hours() == [("tiny", 50.0, 12.0)]
    run_batch(exp, workers=1, out=tmp_path)
    with ResultsStore(tmp_path) as store:
        assert json.loads(store.meta("capped_hours") or "[]") == [["tiny", 50.0, 12.0]]
    assert len(expand(exp)) == 1
