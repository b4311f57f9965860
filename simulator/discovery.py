"""Scenario discovery: in which region of the uncertainties does policy A beat policy B?

Global indices say *which* assumptions matter; an analyst then asks *where*:
"fast-empathetic beats silent on trust when media pick-up is likely and the
storm reaches few outsiders". PRIM (Friedman & Fisher 1999, the Patient Rule
Induction Method that EMA Workbench uses) answers with a box: it peels a
small slice off one side of one uncertainty at a time, always the slice that
raises the share of winning points most, and the analyst picks a box on the
trajectory that trades coverage (how many of all winning points it holds)
against density (how many of its points win). A box reads as a rule.

A point "wins" when its paired difference beats zero with its interval
(`criterion="interval"`, the default), so a box is never built on noise; with
a single replication per point there is no interval and the sign of the mean
is used instead (`criterion="mean"`, said in the rule).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis import HIGHER_IS_BETTER
from simulator.gsa import _saltelli_second_order, point_differences
from simulator.intervals import t_interval

Limits = dict[str, tuple[float, float]]  # path -> (low, high): low < x < high; +-inf: open
#: fewer winning points than this describe points, not a region: no box is fitted
MIN_WINS = 5


@dataclass(frozen=True)
class Box:
    """One box of a peeling trajectory, measured on the points."""

    limits: Limits  # restricted uncertainties only
    n: int  # points inside
    support: float  # share of all points inside
    coverage: float  # share of the winning points that are inside
    density: float  # share of the points inside that win


def _inside(x: pd.DataFrame, limits: Limits) -> np.ndarray:
    keep = np.ones(len(x), dtype=bool)
    for col, (low, high) in limits.items():
        v = x[col].to_numpy(dtype=float)
        keep &= (v > low) & (v < high)
    return keep


def _measure(x: pd.DataFrame, y: np.ndarray, limits: Limits) -> Box:
    keep = _inside(x, limits)
    n, wins = int(keep.sum()), int(y[keep].sum())
    total = int(y.sum())
    return Box({k: v for k, v in limits.items() if v != (-math.inf, math.inf)}, n,
               n / len(y), wins / total if total else math.nan, wins / n if n else math.nan)


def prim(x: pd.DataFrame, y: Sequence[bool] | np.ndarray, *, alpha: float = 0.05,
         min_support: float = 0.05) -> list[Box]:
    """The peeling trajectory, from the whole space to the last box above `min_support`.

    Each step removes about `alpha` of the remaining points from the low or
    high end of one column (ties removed together), choosing the peel whose
    remaining box has the highest density; equal densities keep more points.
    """
    y = np.asarray(y, dtype=bool)
    limits: Limits = {c: (-math.inf, math.inf) for c in x.columns}
    trajectory = [_measure(x, y, limits)]
    while True:
        keep = _inside(x, limits)
        n = int(keep.sum())
        if n == 0 or y[keep].all():
            break
        k = max(1, int(alpha * n))
        best: tuple[float, int, Limits] | None = None
        for col in x.columns:
            values = np.sort(x.loc[keep, col].to_numpy(dtype=float))
            low, high = limits[col]
            for new in ((values[k - 1], high), (low, values[-k])):
                trial = {**limits, col: new}
                inside = _inside(x, trial)
                m = int(inside.sum())
                if m == n or m < min_support * len(y) or m == 0:
                    continue
                score = (float(y[inside].mean()), m)
                if best is None or score > best[:2]:
                    best = (*score, trial)
        if best is None:
            break
        limits = best[2]
        trajectory.append(_measure(x, y, limits))
    return trajectory


def select(trajectory: Sequence[Box], min_density: float = 0.0) -> Box:
    """The box that best trades coverage against density: the largest coverage x density
    (both 1 for a box that holds exactly the winning points), among the boxes whose
    density reaches `min_density` (all of them if none does). Ties keep the wider box.

    A fixed density target instead picks the widest box just above the target,
    which cuts through the real boundary; the last, tiniest boxes of a noisy
    trajectory are dense by chance, and their coverage rules them out here.
    """
    dense = [b for b in trajectory if b.density >= min_density] or list(trajectory)
    return max(dense, key=lambda b: (b.coverage * b.density, b.coverage))


def prune(x: pd.DataFrame, y: np.ndarray, box: Box, alpha: float = 0.05) -> Box:
    """Drop restrictions the data do not support, so the rule names only what matters.

    Peeling on noisy wins also trims uncertainties that do not matter (a slice
    that happens to win a little less). A restriction stays only if the points
    it excludes (those lifting it would add) win significantly less often than
    the points inside (one-sided Fisher exact test at `alpha`); the least
    supported restriction goes first, then the rest are tested again.
    """
    from scipy.stats import fisher_exact

    inside = _inside(x, box.limits)
    while box.limits:
        tests = []
        for col in box.limits:
            lifted = {k: v for k, v in box.limits.items() if k != col}
            added = _inside(x, lifted) & ~inside
            table = [[int(y[added].sum()), int((~y[added]).sum())],
                     [int(y[inside].sum()), int((~y[inside]).sum())]]
            tests.append((float(fisher_exact(table, alternative="less")[1]), col))
        p, col = max(tests)
        if p <= alpha:
            break
        box = _measure(x, y, {k: v for k, v in box.limits.items() if k != col})
        inside = _inside(x, box.limits)
    return box


def _pct(v: float) -> str:
    return "<1%" if 0 < v < 0.005 else f"{v:.0%}"


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def describe(limits: Limits) -> str:
    """Limits as a readable condition, e.g. `media.hazard_per_h > 0.03 and ...`."""
    parts = []
    for col, (low, high) in limits.items():
        if low > -math.inf and high < math.inf:
            parts.append(f"{_fmt(low)} < {col} < {_fmt(high)}")
        elif low > -math.inf:
            parts.append(f"{col} > {_fmt(low)}")
        else:
            parts.append(f"{col} < {_fmt(high)}")
    return " and ".join(parts) or "everywhere"


@dataclass(frozen=True)
class Discovery:
    """Where `policy` beats `versus` on `outcome`: the chosen box and its evidence."""

    policy: str
    versus: str
    outcome: str
    criterion: str  # "interval" (difference beats 0 with its interval) or "mean" (its sign)
    box: Box
    n_points: int
    base_rate: float  # share of all points where the policy wins
    mean_diff: float  # mean paired difference over the box's points, with a t interval
    ci_low: float
    ci_high: float
    trajectory: pd.DataFrame = field(repr=False)

    @property
    def rule(self) -> str:
        """E.g. `spread.outside_reach < 15: fast-empathetic beats silent on reputation_end
        in 87% of points (coverage 64%, density 87%; 40% of all points)`."""
        b = self.box
        wins = round(self.base_rate * self.n_points)
        if wins == 0:
            return (f"{self.policy} never beats {self.versus} on {self.outcome} "
                    f"({self.criterion} criterion, {self.n_points} points)")
        if wins < MIN_WINS:
            return (f"{self.policy} beats {self.versus} on {self.outcome} at only {wins} of "
                    f"{self.n_points} points ({self.criterion} criterion): too few for a region")
        how = "" if self.criterion == "interval" else " (sign of the mean: 1 replication)"
        return (f"{describe(b.limits)}: {self.policy} beats {self.versus} on {self.outcome}"
                f" in {_pct(b.density)} of points{how} (coverage {_pct(b.coverage)}, density "
                f"{_pct(b.density)}, {b.n} of {self.n_points} points; {_pct(self.base_rate)} "
                f"of all points; mean difference {self.mean_diff:+.3g} "
                f"[{_fmt(self.ci_low)}, {_fmt(self.ci_high)}])")


def _wins(diffs: pd.DataFrame, outcome: str, criterion: str) -> np.ndarray:
    higher = outcome in HIGHER_IS_BETTER
    if criterion == "interval":
        bound = diffs["ci_low"] if higher else -diffs["ci_high"]
    else:
        bound = diffs["diff"] if higher else -diffs["diff"]
    return (bound > 0).fillna(False).to_numpy(dtype=bool)


def discover(runs: pd.DataFrame | Iterable[dict[str, Any]], policy: str, versus: str, *,
             outcome: str = "reputation_end", design: str | None = None,
             criterion: str | None = None, parameters: Sequence[str] | None = None,
             alpha: float = 0.05, min_support: float = 0.05, min_density: float = 0.0,
             level: float = 0.95) -> Discovery:
    """The region of the uncertainties where `policy` beats `versus` on `outcome`.

    Higher is better for trust outcomes, lower for attention. `criterion`
    defaults to "interval" when points have replications to make one, else
    "mean". `parameters` defaults to every numeric parameter of the points.
    The box's interval is over its points, which PRIM chose for winning: it
    shows the size of the effect there, not an unbiased test (use `flips`).
    """
    diffs = point_differences(runs, None, outcomes=[outcome], design=design,
                              pairs=[(policy, versus)], level=level)
    diffs = diffs[diffs["diff"].notna()]
    if diffs.empty:
        raise ValueError(f"no paired runs of {policy} and {versus} with {outcome}")
    fixed = {"design", "scenario", "point", "sample_index", "policy", "versus", "outcome",
             "n", "diff", "sd", "ci_low", "ci_high", "p_value"}
    names = list(parameters) if parameters is not None else [
        c for c in diffs.columns if c not in fixed and pd.api.types.is_numeric_dtype(diffs[c])
        and diffs[c].nunique() > 1]
    diffs = _independent(diffs, names)
    if criterion is None:
        criterion = "interval" if (diffs["n"] >= 2).all() else "mean"
    y = _wins(diffs, outcome, criterion)
    x = diffs[names].astype(float).reset_index(drop=True)
    trajectory = prim(x, y, alpha=alpha, min_support=min_support)
    box = (prune(x, y, select(trajectory, min_density)) if y.sum() >= MIN_WINS
           else trajectory[0])
    inside = _inside(x, {**{c: (-math.inf, math.inf) for c in names}, **box.limits})
    mean, _, low, high, _ = t_interval(diffs["diff"].to_numpy(dtype=float)[inside], level)
    table = pd.DataFrame([{"step": i, "n": b.n, "support": b.support, "coverage": b.coverage,
                           "density": b.density, "rule": describe(b.limits)}
                          for i, b in enumerate(trajectory)])
    return Discovery(policy, versus, outcome, criterion, box, len(y), float(y.mean()),
                     mean, low, high, table)


def _independent(diffs: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Sobol points reduced to the independent ones: each base sample's A and B rows.

    A Saltelli design's other rows copy a base row but for one column, so
    where that column does not matter they repeat its outcome (same seeds):
    PRIM, counting points as independent, would mistake such copies for
    evidence. LHS, factorial and Morris points are kept as they are.
    """
    sobol = diffs["design"] == "sobol"
    if not sobol.any():
        return diffs
    part = diffs[sobol]
    size = 2 * len(names) + 2 if _saltelli_second_order(part, names) else len(names) + 2
    pos = part["sample_index"] % size
    keep = part[(pos == 0) | (pos == size - 1)]
    return pd.concat([diffs[~sobol], keep])


def discover_all(runs: pd.DataFrame | Iterable[dict[str, Any]], baseline: str, *,
                 outcomes: Sequence[str] = ("reputation_end", "negative_posts"),
                 **options: Any) -> list[Discovery]:
    """For every policy and outcome: where it beats the baseline, and where it loses to it."""
    frame = runs if isinstance(runs, pd.DataFrame) else pd.DataFrame(list(runs))
    policies = [s for s in dict.fromkeys(frame["strategy"]) if s != baseline]
    out = []
    for policy in policies:
        for outcome in outcomes:
            for a, b in ((policy, baseline), (baseline, policy)):
                out.append(discover(frame, a, b, outcome=outcome, **options))
    return out
