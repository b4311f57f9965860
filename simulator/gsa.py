"""Global sensitivity of strategy effects, and honest "flips the ranking" verdicts.

The question an analyst asks is not "how much does trust move when an
assumption moves" (that mostly measures the crisis) but "which assumptions
could change what we should do". So everything here analyses the *paired
difference* between a policy and the baseline (or between any two policies):
per sampled point, the mean over replications of (policy - baseline) on runs
that share a seed. The baseline's own metric is never analysed.

- `point_differences`: that difference per point, with its t interval;
- `analyse`: Morris screening (mu, mu*, sigma) and Sobol indices (S1, ST) of
  each difference, via SALib, as one tidy DataFrame with intervals;
- `flips`: a ranking flips only where the paired interval excludes zero after
  Benjamini-Hochberg control of the false discovery rate over every
  comparison made (a ranking "flipped" by noise is the failure this replaces).

Rows are the run rows of a batch (`Results.runs`, `ResultsStore.rows()`,
`run_batch`) as a DataFrame or a list of dicts. Sampled designs carry a
`params` dict and a sample index (`sample_index`, or `#i` as the point
label); the analysis reorders points by it, since SALib estimators depend on
the design's row order.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis import HIGHER_IS_BETTER
from simulator.intervals import t_interval, t_intervals, t_quantile

#: the two outcomes every analysis covers: trust (higher is better), attention (lower is)
OUTCOMES: tuple[str, ...] = ("reputation_end", "negative_posts")
INDEX_COLUMNS = ["method", "scenario", "policy", "versus", "outcome", "parameter", "index", "value",
                 "ci_low", "ci_high", "n_points"]
NOISE = "(replication noise)"


# ---- rows -> paired differences per point ------------------------------------------------
def _params(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return json.loads(value) if value else {}
    return dict(value) if isinstance(value, dict) else {}


def _sample_index(point: Any, given: Any) -> float:
    """The point's row in its design: the rows' `sample` (or `sample_index`), else the
    `#i` that starts a sampled point's label (`simulator.batch.sample_label`)."""
    if given is not None and not (isinstance(given, float) and math.isnan(given)):
        return float(given)
    head = str(point).split(" ", 1)[0]
    if head.startswith("#") and head[1:].isdigit():
        return float(head[1:])
    return math.nan


def _runs_frame(runs: pd.DataFrame | Iterable[dict[str, Any]]) -> pd.DataFrame:
    frame = runs.copy() if isinstance(runs, pd.DataFrame) else pd.DataFrame(list(runs))
    if frame.empty:
        return frame
    if "status" in frame:
        frame = frame[frame["status"] == "ok"]
    for col, default in (("design", "grid"), ("scenario", ""), ("point", ""), ("params", None)):
        if col not in frame:
            frame[col] = default
    frame["params"] = [_params(p) for p in frame["params"]]
    column = next((c for c in ("sample_index", "sample") if c in frame), None)
    given = frame[column].astype(object) if column else [None] * len(frame)
    frame["sample_index"] = [_sample_index(p, g) for p, g in zip(frame["point"], given,
                                                                 strict=True)]
    return frame


def _pairs(strategies: Sequence[str], baseline: str | None,
           pairs: str | Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    if not isinstance(pairs, str):
        return [(a, b) for a, b in pairs]
    if pairs == "all":
        return [(a, b) for i, b in enumerate(strategies) for a in strategies[i + 1:]]
    if baseline is None:
        raise ValueError("pairs='baseline' needs a baseline strategy")
    return [(s, baseline) for s in strategies if s != baseline]


def point_differences(runs: pd.DataFrame | Iterable[dict[str, Any]], baseline: str | None,
                      *, outcomes: Sequence[str] = OUTCOMES, design: str | None = None,
                      pairs: str | Sequence[tuple[str, str]] = "baseline",
                      level: float = 0.95) -> pd.DataFrame:
    """One row per (design, scenario, point, policy, outcome): policy minus `versus`.

    `pairs` is "baseline" (each strategy minus the baseline), "all" (every
    pair of strategies, later minus earlier in row order) or explicit
    (policy, versus) tuples. Replications are paired by seed; only pairs where
    both runs succeeded count. Columns: design, scenario, point, sample_index,
    policy, versus, outcome, n, diff (mean over replications), sd, ci_low,
    ci_high, p_value, then one column per parameter (its value at the point).
    """
    frame = _runs_frame(runs)
    columns = ["design", "scenario", "point", "sample_index", "policy", "versus", "outcome",
               "n", "diff", "sd", "ci_low", "ci_high", "p_value"]
    if design is not None and not frame.empty:
        frame = frame[frame["design"] == design]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    where = ["design", "scenario", "point"]
    strategies = list(dict.fromkeys(frame["strategy"]))
    wanted = [(a, b) for a, b in _pairs(strategies, baseline, pairs)
              if a in strategies and b in strategies]
    points = frame.groupby(where, sort=False)[["sample_index", "params"]].first()
    values = frame.groupby([*where, "seed", "strategy"], sort=False)[list(outcomes)].first()
    wide = values.astype(float).unstack("strategy")
    parts = []
    for policy, versus in wanted:
        for outcome in outcomes:
            d = (wide[(outcome, policy)] - wide[(outcome, versus)]).dropna()
            stats = d.groupby(level=where, sort=False).agg(["count", "mean", "std"])
            parts.append(stats.assign(policy=policy, versus=versus, outcome=outcome))
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts).rename(columns={"count": "n", "mean": "diff", "std": "sd"})
    out = out.join(points).reset_index()
    low, high, p = t_intervals(out["n"].to_numpy(dtype=float), out["diff"].to_numpy(),
                               out["sd"].to_numpy(), level)
    out["ci_low"], out["ci_high"], out["p_value"] = low, high, p
    params = pd.DataFrame(list(out.pop("params")), index=out.index)
    return pd.concat([out[columns], params], axis=1)


# ---- the SALib problem and the design matrix ----------------------------------------------
def problem_for(names: Sequence[str], bounds: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """SALib's problem dict (use `simulator.designs`' builder when you have the uncertainties)."""
    return {"num_vars": len(names), "names": list(names),
            "bounds": [[float(lo), float(hi)] for lo, hi in bounds]}


def _problem_from(diffs: pd.DataFrame, problem: dict[str, Any] | None) -> dict[str, Any]:
    """The given problem, or one read off the points (bounds: the values' extremes).

    Morris designs put points on the range's ends, so the extremes are the
    bounds; Sobol analysis needs only the names.
    """
    if problem is not None:
        return problem
    fixed = {"design", "scenario", "point", "sample_index", "policy", "versus", "outcome",
             "n", "diff", "sd", "ci_low", "ci_high", "p_value"}
    names = [c for c in diffs.columns if c not in fixed and diffs[c].notna().all()]
    return problem_for(names, [(float(diffs[c].min()), float(diffs[c].max())) for c in names])


def _ordered(diffs: pd.DataFrame) -> pd.DataFrame:
    if diffs["sample_index"].isna().any():
        raise ValueError("sampled rows need their sample index (a `sample_index` column or "
                         "'#i' point labels): SALib estimators depend on the design's order")
    return diffs.sort_values("sample_index", kind="stable")


def _blocks(diffs: pd.DataFrame, size: int, total: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Sample indices and point means of complete blocks (Saltelli base rows, Morris
    trajectories): a block with a missing or failed point is dropped whole, which
    keeps every estimator valid on fewer blocks."""
    index = diffs["sample_index"].to_numpy(dtype=int)
    values = diffs["diff"].to_numpy(dtype=float)
    n_blocks = (int(index.max()) // size + 1) if total is None else total // size
    full = np.full(n_blocks * size, np.nan)
    full[index[index < n_blocks * size]] = values[index < n_blocks * size]
    keep = ~np.isnan(full.reshape(n_blocks, size)).any(axis=1)
    rows = (np.arange(n_blocks)[keep][:, None] * size + np.arange(size)).ravel()
    return rows, full[rows]


def _saltelli_second_order(diffs: pd.DataFrame, names: Sequence[str]) -> bool:
    """Whether a Saltelli design includes the second-order rows (2D+2 per base sample).

    In block 0 of such a design, row D+1 (B with column 0 from A) equals row
    2D+1 (B) everywhere but column 0; in the first-order layout it does not.
    """
    d = len(names)
    pts = diffs.drop_duplicates("sample_index").set_index("sample_index")
    if (d + 1) not in pts.index or (2 * d + 1) not in pts.index:
        return False
    ba, b = pts.loc[d + 1, list(names)], pts.loc[2 * d + 1, list(names)]
    return bool(d > 1 and (ba.iloc[1:] == b.iloc[1:]).all())


def _tidy(method: str, key: tuple[str, str, str, str], names: Sequence[str], n: int,
          indices: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]) -> list[dict[str, Any]]:
    scenario, policy, versus, outcome = key
    return [{"method": method, "scenario": scenario, "policy": policy, "versus": versus,
             "outcome": outcome,
             "parameter": name, "index": index, "value": float(v[i]), "ci_low": float(lo[i]),
             "ci_high": float(hi[i]), "n_points": n}
            for index, (v, lo, hi) in indices.items() for i, name in enumerate(names)]


def _noise_row(method: str, key: tuple[str, str, str, str], points: pd.DataFrame,
               y: np.ndarray) -> dict[str, Any]:
    """Share of the difference's variance over points that is replication noise.

    Indices explain the variance of the *estimated* per-point difference; with
    few replications part of it is run-to-run noise, which no parameter
    explains. Near 1, the indices describe noise.
    """
    within = (points["sd"] ** 2 / points["n"]).mean()
    total = float(np.var(y, ddof=1)) if len(y) > 1 else math.nan
    share = float(within / total) if total and not math.isnan(within) else math.nan
    scenario, policy, versus, outcome = key
    return {"method": method, "scenario": scenario, "policy": policy, "versus": versus,
            "outcome": outcome,
            "parameter": NOISE, "index": "share", "value": share, "ci_low": math.nan,
            "ci_high": math.nan, "n_points": len(y)}


def sobol_indices(diffs: pd.DataFrame, problem: dict[str, Any] | None = None, *,
                  calc_second_order: bool | None = None, resamples: int = 1000,
                  level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices of each difference, bootstrap intervals.

    `diffs` are `point_differences` rows of a Saltelli design. Whether the
    design has second-order rows is read off the points unless given.
    """
    from SALib.analyze import sobol

    problem = _problem_from(diffs, problem)
    names = problem["names"]
    d = len(names)
    out: list[dict[str, Any]] = []
    for key, group in diffs.groupby(["scenario", "policy", "versus", "outcome"], sort=False):
        group = _ordered(group)
        second = (_saltelli_second_order(group, names) if calc_second_order is None
                  else calc_second_order)
        rows, y = _blocks(group, 2 * d + 2 if second else d + 2, None)
        if len(y) == 0 or np.nanvar(y) == 0:
            continue
        si = sobol.analyze(problem, y, calc_second_order=second, num_resamples=resamples,
                           conf_level=level, seed=seed)
        out += _tidy("sobol", key, names, len(y), {
            "S1": (si["S1"], si["S1"] - si["S1_conf"], si["S1"] + si["S1_conf"]),
            "ST": (si["ST"], si["ST"] - si["ST_conf"], si["ST"] + si["ST_conf"])})
        used = group[group["sample_index"].isin(rows)]
        out.append(_noise_row("sobol", key, used, y))
    return pd.DataFrame(out, columns=INDEX_COLUMNS)


def morris_indices(diffs: pd.DataFrame, problem: dict[str, Any] | None = None, *,
                   matrix: np.ndarray | None = None, num_levels: int = 4,
                   resamples: int = 1000, level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Morris screening of each difference: mu, mu* and sigma of the elementary effects.

    SALib gives mu* its bootstrap interval; mu and sigma get theirs here by
    resampling whole trajectories (the same scheme), so every index has one.
    An effect is the change of the difference over a parameter's whole range
    (SALib divides by its step in the unit cube), so effects compare across
    parameters. `matrix` is the design as sampled (`designs.unit_matrix`):
    SALib reads which uncertainty moved from it, and a value clipped to a
    scenario's rule may hide the move in the values as run (the default).
    """
    from SALib.analyze import morris

    problem = _problem_from(diffs, problem)
    names = problem["names"]
    size = len(names) + 1
    rng = np.random.default_rng(seed)
    alpha = (1 - level) / 2
    out: list[dict[str, Any]] = []
    for key, group in diffs.groupby(["scenario", "policy", "versus", "outcome"], sort=False):
        group = _ordered(group)
        rows, y = _blocks(group, size, None)
        if len(y) == 0:
            continue
        pts = group.drop_duplicates("sample_index").set_index("sample_index")
        x = (matrix[rows] if matrix is not None
             else pts.loc[rows, names].to_numpy(dtype=float))
        si = morris.analyze(problem, x, y, num_resamples=resamples, conf_level=level,
                            num_levels=num_levels, seed=seed)
        n_traj = len(y) // size
        boot: dict[str, list[np.ndarray]] = {"mu": [], "sigma": []}
        for _ in range(resamples if n_traj > 1 else 0):
            pick = (rng.integers(0, n_traj, n_traj)[:, None] * size + np.arange(size)).ravel()
            b = morris.analyze(problem, x[pick], y[pick], num_resamples=2,
                               num_levels=num_levels, seed=seed)
            boot["mu"].append(np.asarray(b["mu"]))
            boot["sigma"].append(np.asarray(b["sigma"]))
        ci = {k: (np.quantile(v, alpha, axis=0), np.quantile(v, 1 - alpha, axis=0)) if v
              else (np.full(len(names), np.nan),) * 2 for k, v in boot.items()}
        mu_star = np.asarray(si["mu_star"])
        conf = np.asarray(si["mu_star_conf"])
        out += _tidy("morris", key, names, len(y), {
            "mu": (np.asarray(si["mu"]), *ci["mu"]),
            "mu_star": (mu_star, mu_star - conf, mu_star + conf),
            "sigma": (np.asarray(si["sigma"]), *ci["sigma"])})
        out.append(_noise_row("morris", key, group[group["sample_index"].isin(rows)], y))
    return pd.DataFrame(out, columns=INDEX_COLUMNS)


def analyse(runs: pd.DataFrame | Iterable[dict[str, Any]], baseline: str, *,
            outcomes: Sequence[str] = OUTCOMES, problem: dict[str, Any] | None = None,
            matrix: np.ndarray | None = None,
            pairs: str | Sequence[tuple[str, str]] = "baseline", resamples: int = 1000,
            level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Global sensitivity of every policy's paired difference against the baseline.

    Runs Sobol on the rows of design "sobol" and Morris on those of design
    "morris" (either may be absent). Returns the tidy frame: method, policy,
    versus, outcome, parameter, index (S1, ST; mu, mu_star, sigma; `share`
    for the replication-noise row), value, ci_low, ci_high, n_points.
    `problem` (SALib's dict, `designs.problem`) defaults to one built from the
    rows' parameters; `matrix` (the Morris design as sampled) to the values run.
    """
    frames = []
    diffs = point_differences(runs, baseline, outcomes=outcomes, pairs=pairs, level=level)
    sobol = diffs[diffs["design"] == "sobol"]
    morris = diffs[diffs["design"] == "morris"]
    if not sobol.empty:
        frames.append(sobol_indices(sobol, problem, resamples=resamples, level=level,
                                    seed=seed))
    if not morris.empty:
        frames.append(morris_indices(morris, problem, matrix=matrix, resamples=resamples,
                                     level=level, seed=seed))
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=INDEX_COLUMNS)


# ---- flips with false-discovery-rate control ----------------------------------------------
def benjamini_hochberg(p_values: Sequence[float]) -> np.ndarray:
    """BH adjusted p-values (q-values): reject where q <= the FDR level. NaN stays NaN."""
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m:
        order = np.argsort(p[ok])
        ranked = p[ok][order] * m / np.arange(1, m + 1)
        adjusted = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
        values = np.empty(m)
        values[order] = adjusted
        q[ok] = values
    return q


@dataclass(frozen=True)
class Flips:
    """Every comparison made, which survive the FDR control, and which flip the ranking.

    `table` has one row per comparison: design, scenario, point, policy,
    versus, outcome, n, diff, ci_low, ci_high (the unadjusted 95% t interval),
    p_value, q_value (BH), significant, adj_low and adj_high (the interval at
    the false-coverage-adjusted level 1 - R*fdr/m, Benjamini & Yekutieli
    2005: it excludes zero exactly for the significant ones), reference
    (whether the row is the reference the ranking is read from), better
    (policy / versus / "" for no significant difference) and flips (the
    significant difference runs against a significant reference), then the
    parameters of the point.
    """

    table: pd.DataFrame
    comparisons: int  # m: every test in the family (points with n < 2 are not tests)
    untestable: int  # comparisons without an interval (fewer than 2 paired replications)
    fdr: float
    level: float

    @property
    def survivors(self) -> pd.DataFrame:
        return self.table[self.table["significant"]]

    @property
    def flipping(self) -> pd.DataFrame:
        return self.table[self.table["flips"]]

    def summary(self) -> str:
        """A few lines for a terminal or a report."""
        r = len(self.survivors)
        lines = [f"{self.comparisons} comparisons (paired t tests), Benjamini-Hochberg at "
                 f"FDR {self.fdr:g}: {r} significant (of which about "
                 f"{self.fdr * r:.1f} may be false discoveries), "
                 f"{len(self.flipping)} flip the ranking"
                 + (f"; {self.untestable} without an interval (< 2 replications)"
                    if self.untestable else "")]
        for r in self.flipping.itertuples():
            lines.append(f"  {r.point or 'base'}: {r.policy} vs {r.versus} on {r.outcome}: "
                         f"{r.diff:+.3g} [{r.adj_low:.3g}, {r.adj_high:.3g}] (q={r.q_value:.2g}),"
                         f" {r.better} better")
        return "\n".join(lines)


def _better(diff: float, outcome: str, policy: str, versus: str) -> str:
    good = diff > 0 if outcome in HIGHER_IS_BETTER else diff < 0
    return policy if good else versus


def flips(runs: pd.DataFrame | Iterable[dict[str, Any]], baseline: str | None = None, *,
          outcomes: Sequence[str] = OUTCOMES, design: str | None = None,
          pairs: str | Sequence[tuple[str, str]] = "all", fdr: float = 0.05,
          level: float = 0.95, reference_point: str | None = "") -> Flips:
    """Where the ranking of two strategies honestly flips, over every point of a design.

    Each (point, pair of strategies, outcome) is a paired t test. The
    reference ranking is read at `reference_point` (the base point "" of the
    one-at-a-time sweep); when the design has no such point (sampled designs),
    it is the mean difference over all points, tested across points. All tests,
    references included, form one family under Benjamini-Hochberg at `fdr`. A
    point flips a pair when its difference is significant and opposite to a
    significant reference; nothing flips on a difference the data cannot tell
    from zero. `pairs` defaults to every pair of strategies (a ranking).
    """
    diffs = point_differences(runs, baseline, outcomes=outcomes, design=design,
                              pairs=pairs, level=level)
    diffs["reference"] = False
    refs = []
    for (des, scenario, policy, versus, outcome), group in diffs.groupby(
            ["design", "scenario", "policy", "versus", "outcome"], sort=False):
        if reference_point is not None and (group["point"] == reference_point).any():
            diffs.loc[group.index[group["point"] == reference_point], "reference"] = True
            continue
        mean, _, low, high, p = t_interval(group["diff"].dropna().to_numpy(), level)
        refs.append({"design": des, "scenario": scenario, "point": "(all points)",
                     "sample_index": math.nan, "policy": policy, "versus": versus,
                     "outcome": outcome, "n": int(group["diff"].notna().sum()), "diff": mean,
                     "sd": math.nan, "ci_low": low, "ci_high": high, "p_value": p,
                     "reference": True})
    table = pd.concat([diffs, pd.DataFrame(refs)], ignore_index=True) if refs else diffs
    table["q_value"] = benjamini_hochberg(table["p_value"]) if len(table) else []
    tested = table["p_value"].notna()
    m = int(tested.sum())
    table["significant"] = tested & (table["q_value"] <= fdr)
    r = int(table["significant"].sum())
    adj_level = 1 - max(r, 1) * fdr / max(m, 1)
    half = _adjusted_half_width(table, level, adj_level)
    table["adj_low"], table["adj_high"] = table["diff"] - half, table["diff"] + half
    table["better"] = [_better(d, o, p, v) if s else "" for d, o, p, v, s in zip(
        table["diff"], table["outcome"], table["policy"], table["versus"],
        table["significant"], strict=True)]
    ref_sign = {tuple(k): s for *k, s in table[table["reference"] & table["significant"]][
        ["design", "scenario", "policy", "versus", "outcome", "better"]].itertuples(index=False)}
    table["flips"] = [bool(s) and not ref and key in ref_sign and ref_sign[key] != b
                      for key, s, ref, b in zip(
                          table[["design", "scenario", "policy", "versus", "outcome"]]
                          .itertuples(index=False, name=None),
                          table["significant"], table["reference"], table["better"],
                          strict=True)]
    front = ["design", "scenario", "point", "policy", "versus", "outcome", "n", "diff",
             "ci_low", "ci_high", "p_value", "q_value", "significant", "adj_low", "adj_high",
             "reference", "better", "flips"]
    rest = [c for c in table.columns if c not in front and c not in ("sd", "sample_index")]
    return Flips(table[front + rest].reset_index(drop=True), comparisons=m,
                 untestable=int((~tested).sum()), fdr=fdr, level=level)


def _adjusted_half_width(table: pd.DataFrame, level: float, adjusted: float) -> np.ndarray:
    """t half-widths at the `adjusted` level, from each row's own interval at `level`."""
    n = table["n"].to_numpy(dtype=float)
    half = (table["ci_high"] - table["ci_low"]).to_numpy(dtype=float) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return t_quantile(n, adjusted) * half / t_quantile(n, level)


# ---- output ----------------------------------------------------------------------------------
def format_indices(indices: pd.DataFrame) -> str:
    """Plain-text tables of `analyse` output: one per method, scenario, policy and outcome,
    parameters by their largest index (ST, or mu*), each index as `value [low, high]`."""
    blocks = []
    keys = ["method", "scenario", "policy", "versus", "outcome"]
    for (method, scenario, policy, versus, outcome), group in indices.groupby(keys, sort=False):
        noise = group[group["parameter"] == NOISE]["value"]
        group = group[group["parameter"] != NOISE]
        names = list(dict.fromkeys(group["index"]))
        wide = {(r.parameter, r.index): f"{r.value:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}]"
                for r in group.itertuples()}
        lead = "ST" if "ST" in names else "mu_star"
        order = group[group["index"] == lead].sort_values("value", ascending=False)["parameter"]
        body = [[p, *(wide.get((p, i), "-") for i in names)] for p in order]
        widths = [max(len(str(row[i])) for row in [["parameter", *names], *body])
                  for i in range(len(names) + 1)]
        lines = [f"{method}: {policy} - {versus} on {outcome} ({scenario}, "
                 f"{int(group['n_points'].iloc[0])} points)"]
        for row in [["parameter", *names], *body]:
            lines.append("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                                   for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        if len(noise) and not math.isnan(noise.iloc[0]):
            lines.append(f"replication noise: {noise.iloc[0]:.0%} of the variance over points")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
