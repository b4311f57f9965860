"""Global sensitivity of paired strategy differences, and FDR-controlled flips.

Synthetic rows with known answers: the policy's difference from the baseline
depends on x1 only, while the baseline's own metric depends on x2, so an
analysis of the wrong quantity would point at x2.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from scipy import stats

from simulator import gsa
from simulator.batch import DesignPoint, Experiment
from simulator.designs import Uncertainty
from simulator.runner import run_batch
from simulator.sensitivity import assumptions, sensitivity_points
from tests.factory import scenario

NAMES = ["x1", "x2", "x3"]
PROBLEM = {"num_vars": 3, "names": NAMES, "bounds": [[0.0, 1.0]] * 3}


def _rows(x: np.ndarray, design: str, reps: int = 2, noise: float = 0.01,
          seed: int = 1) -> list[dict[str, Any]]:
    """Run rows of a sampled design: `base` depends on x2, `policy - base` on x1 only."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, point in enumerate(x):
        params = dict(zip(NAMES, map(float, point), strict=True))
        label = f"#{i} " + ", ".join(f"{k}={v:.4g}" for k, v in params.items())
        for r in range(reps):
            base = 100 * point[1] + rng.normal(0, 5)  # shared by both strategies (same seed)
            values = {"base": base, "policy": base + 10 * point[0] + rng.normal(0, noise)}
            for strategy, value in values.items():
                rows.append({"design": design, "scenario": "s", "point": label,
                             "strategy": strategy, "replication": r, "seed": r,
                             "params": params, "status": "ok", "reputation_end": value,
                             "negative_posts": -value})
    return rows


def _index(frame: pd.DataFrame, index: str, parameter: str,
           outcome: str = "reputation_end") -> pd.Series:
    row = frame[(frame["index"] == index) & (frame["parameter"] == parameter)
                & (frame["outcome"] == outcome)]
    assert len(row) == 1
    return row.iloc[0]


def test_sobol_total_index_of_a_difference_that_depends_on_x1_only() -> None:
    x = sobol_sample.sample(PROBLEM, 256, calc_second_order=False, seed=3)
    rows = _rows(x, "sobol")
    rng = np.random.default_rng(0)
    shuffled = [rows[i] for i in rng.permutation(len(rows))]  # order comes from '#i'
    res = gsa.analyse(shuffled, "base", resamples=200)
    assert set(res["method"]) == {"sobol"} and set(res["policy"]) == {"policy"}
    assert set(res["outcome"]) == {"reputation_end", "negative_posts"}
    st1 = _index(res, "ST", "x1")
    assert st1["ci_low"] <= 1.0 <= st1["ci_high"] and st1["value"] > 0.9
    for name in ("x2", "x3"):  # the baseline's own metric moves with x2: not analysed
        assert abs(_index(res, "ST", name)["value"]) < 0.02
    assert _index(res, "S1", "x1")["value"] > 0.9
    assert _index(res, "share", gsa.NOISE)["value"] < 0.01
    assert (res["n_points"][res["parameter"] != gsa.NOISE] == len(x)).all()
    text = gsa.format_indices(res)
    assert text.startswith("sobol: policy - base on reputation_end (s, 1280 points)")
    assert text.splitlines()[2].startswith("x1 ")  # largest ST first


def test_sobol_drops_the_block_of_a_failed_point_and_reads_second_order_layouts() -> None:
    x = sobol_sample.sample(PROBLEM, 64, calc_second_order=True, seed=3)
    rows = _rows(x, "sobol")
    for r in rows:  # point 5 failed for the policy: its whole base-sample block goes
        if r["point"].startswith("#5 ") and r["strategy"] == "policy":
            r["status"] = "error"
    res = gsa.analyse(rows, "base", resamples=100)
    assert (res["n_points"] == len(x) - (2 * 3 + 2)).all()
    assert _index(res, "ST", "x1")["value"] > 0.9


def test_morris_screens_x1_with_intervals() -> None:
    x = morris_sample.sample(PROBLEM, 20, num_levels=4, seed=5)
    rows = [{**r, "sample": int(r["point"][1:].split()[0])} for r in _rows(x, "morris")]
    res = gsa.analyse(rows, "base", problem=PROBLEM, resamples=100)
    mu1 = _index(res, "mu_star", "x1")
    assert mu1["value"] == pytest.approx(10, rel=0.01)  # effects are per whole range
    assert mu1["ci_low"] <= mu1["value"] <= mu1["ci_high"]
    for name in ("x2", "x3"):
        assert _index(res, "mu_star", name)["value"] < 0.1
        sigma = _index(res, "sigma", name)
        assert sigma["ci_low"] <= sigma["value"] <= sigma["ci_high"]
    assert _index(res, "mu", "x1", "negative_posts")["value"] < 0  # the sign is kept


def test_sampled_rows_without_an_index_are_refused() -> None:
    x = sobol_sample.sample(PROBLEM, 8, calc_second_order=False, seed=3)
    rows = [{**r, "point": r["point"].split(" ", 1)[1]} for r in _rows(x, "sobol")]
    with pytest.raises(ValueError, match="sample index"):
        gsa.analyse(rows, "base")


def test_benjamini_hochberg_matches_scipy() -> None:
    p = np.random.default_rng(2).uniform(0, 0.2, 40)
    assert gsa.benjamini_hochberg(p) == pytest.approx(stats.false_discovery_control(p))
    assert np.isnan(gsa.benjamini_hochberg([0.01, np.nan])[1])


def _sweep_rows(effects: dict[str, float], reps: int = 10, sd: float = 1.0,
                seed: int = 4) -> list[dict[str, Any]]:
    """One-at-a-time rows: point '' is the base; policy - base = effect + N(0, sd)."""
    rng = np.random.default_rng(seed)
    rows = []
    for point, effect in effects.items():
        for r in range(reps):
            base = rng.normal(20, 5)
            for strategy, value in (("base", base), ("policy", base + effect
                                                      + rng.normal(0, sd))):
                rows.append({"design": "sensitivity", "scenario": "s", "point": point,
                             "strategy": strategy, "replication": r, "seed": r,
                             "params": {} if not point else {point.split("=")[0]: 1.0},
                             "status": "ok", "reputation_end": value})
    return rows


@pytest.mark.slow  # many replicated noise designs: seconds
def test_pure_noise_differences_flip_nothing_after_fdr() -> None:
    """Under the global null BH keeps the chance of any discovery at most the FDR level;
    unadjusted 95% intervals would exclude zero at about 5% of the points."""
    effects = {"": 0.0, **{f"p{i}=1": 0.0 for i in range(40)}}
    any_survivor = naive = 0
    for seed in range(20):
        res = gsa.flips(_sweep_rows(effects, reps=5, seed=seed), "base",
                        outcomes=["reputation_end"])
        assert res.comparisons == 41 and res.fdr == 0.05
        assert res.flipping.empty
        any_survivor += not res.survivors.empty
        naive += int((res.table["p_value"] < 0.05).sum())
    assert any_survivor <= 2 and naive >= 20  # ~41 noise points flagged without control
    assert "41 comparisons" in res.summary()


def test_a_real_reversal_flips_and_a_small_one_does_not() -> None:
    effects = {"": 5.0, "a=1": -5.0, "b=1": -0.2, "c=1": 5.0}
    res = gsa.flips(_sweep_rows(effects), "base", outcomes=["reputation_end"])
    t = res.table.set_index("point")
    assert t.loc["", "reference"] and t.loc["", "better"] == "policy"
    assert t.loc["a=1", "flips"] and t.loc["a=1", "better"] == "base"
    assert t.loc["a=1", "adj_high"] < 0 < t.loc["", "adj_low"]
    assert not t.loc["b=1", "flips"] and not t.loc["b=1", "significant"]
    assert not t.loc["c=1", "flips"] and t.loc["c=1", "significant"]
    assert list(res.flipping["point"]) == ["a=1"]
    # attention: lower is better, so the same numbers on negative_posts rank the other way
    rows = [{**r, "negative_posts": r["reputation_end"]} for r in _sweep_rows(effects)]
    neg = gsa.flips(rows, "base", outcomes=["negative_posts"]).table.set_index("point")
    assert neg.loc["", "better"] == "base" and neg.loc["a=1", "flips"]


def test_sampled_designs_flip_against_the_mean_over_all_points() -> None:
    x = sobol_sample.sample(PROBLEM, 16, calc_second_order=False, seed=3)
    rows = _rows(x, "sobol", reps=5, noise=0.5)
    for r in rows:  # the policy loses badly where x1 < 0.1
        if r["strategy"] == "policy" and r["params"]["x1"] < 0.1:
            r["reputation_end"] -= 20
    res = gsa.flips(rows, "base", outcomes=["reputation_end"])
    ref = res.table[res.table["reference"]].iloc[0]
    assert ref["point"] == "(all points)" and ref["better"] == "policy"
    flipped = res.flipping
    assert len(flipped) > 0 and (flipped["x1"] < 0.1).all()
    assert res.comparisons == len(x) + 1


def test_assumptions_exclude_decisions_and_respect_the_network_size() -> None:
    sc = scenario(users=2000)
    paths = {u.path: u for u in assumptions(sc)}
    assert not any(p.startswith("plan.") for p in paths)  # decisions, not assumptions
    followers = paths["complaint.complainant_followers"]
    assert followers.high == 2000 and "network.users" in followers.note
    assert followers.integer and followers.value(1999.7) == 2000
    settings = dict(sensitivity_points(sc))
    assert "plan.poll_interval_min" not in settings
    values = [v for p, v in sensitivity_points(sc) if p == "complaint.complainant_followers"]
    assert max(values) <= 2000
    tiny = {u.path for u in assumptions(scenario(users=50))}
    assert "complaint.complainant_followers" not in tiny  # range 100.. is empty


@pytest.mark.slow  # end-to-end Sobol batch: seconds
def test_end_to_end_sobol_on_a_tiny_scenario() -> None:
    """A real batch: 2 uncertainties, N=4 -> 16 points x 2 strategies x 2 replications."""
    from simulator.strategy import Strategy

    sc = scenario(users=1000)
    unc = (Uncertainty("reputation.damage", 2.0, 20.0),
           Uncertainty("response.trust_accommodative", 0.5, 0.9))
    x = sobol_sample.sample({"num_vars": 2, "names": [u.name for u in unc],
                             "bounds": [[2.0, 20.0], [0.5, 0.9]]}, 4,
                            calc_second_order=False, seed=1)
    points = tuple(DesignPoint(i, tuple(zip([u.name for u in unc], map(float, p),
                                            strict=True))) for i, p in enumerate(x))
    exp = Experiment(name="gsa", scenarios=(("tiny", sc),),
                     strategies=(("silent", None),
                                 ("fast", Strategy(name="fast", respond_after_h=0.0,
                                                   first_action="acknowledge",
                                                   tone="empathetic"))),
                     replications=2, baseline="silent", hours=24.0, uncertainties=unc,
                     sampler="sobol", samples=4, points=(("tiny", points),))
    rows = run_batch(exp, workers=1)
    assert len(rows) == len(x) * 2 * 2
    res = gsa.analyse(rows, "silent", resamples=50)
    trust = res[(res["outcome"] == "reputation_end") & (res["index"] == "ST")]
    assert set(trust["parameter"]) == {"reputation.damage", "response.trust_accommodative"}
    assert trust["value"].notna().all()
    assert gsa.flips(rows, "silent").comparisons > 0
    from simulator.results import Results
    from tui.reports.batch import write_batch_report

    results = Results.from_rows(rows, {"baseline": "silent"})
    note = results.sensitivity_note() or ""
    assert "flip" in note and "reputation.damage" in note, "the CLI prints the indices"
    html = write_batch_report(results, Path(tempfile.mkdtemp()) / "r.html").read_text()
    assert "Global sensitivity of the strategy differences" in html
    assert "reputation.damage" in html
