"""Sampling designs over uncertainties: factorial, Latin hypercube, Sobol, Morris.

An experiment separates what the team chooses (policies) from what nobody
controls (uncertainties: model assumptions and scenario facts, each with a
range). This module turns the uncertainties into the points a batch runs. It
is pure: the same uncertainties, sampler, size and seed give the same points
in any process, so the global-sensitivity analysis can rebuild exactly the
design matrix a batch ran from its description.

Public API (stable; `simulator.batch`, `scenarios.experiment` and the
sensitivity analysis use it):

- `Uncertainty(name, low, high, log=False, values=(), steps=3, integer=False)`:
  one uncertain parameter, a range (`low`, `high`; `log` spaces and samples it
  on a log scale) or explicit `values` (factorial designs only).
- `SAMPLERS`: the sampler names, `"factorial"`, `"lhs"`, `"sobol"`, `"morris"`.
- `design_name(sampler)`: the `design` the rows of a sampler's points carry:
  `"grid"` for factorial and LHS points (each point is summarised on its own),
  `"sobol"` and `"morris"` for the SALib designs (analysed as a whole).
- `size(uncertainties, sampler, n)`: how many points `sample` returns, without
  sampling (for size checks).
- `problem(uncertainties)`: the SALib `problem` dict (`num_vars`, `names`,
  `bounds`); a log uncertainty's bounds are log10 of its range, as its
  samples are drawn in that space.
- `unit_matrix(uncertainties, sampler, n, seed)`: the raw design in problem
  space (an array, one row per point), as SALib's analysers expect it.
- `sample(uncertainties, sampler, n, seed)`: the points, a list of dicts
  name -> value in parameter space (10**x for log, rounded for integers).
- `to_problem_space(uncertainties, points)`: points back to a matrix in problem
  space (for analysing points as they ran, e.g. after rounding).

`n` means: LHS, the number of points; Sobol, SALib's base sample N (the design
has N * (D + 2) points, first-order and total indices; N should be a power of
2); Morris, the number of trajectories r (r * (D + 1) points, 4 levels).
Factorial designs ignore `n`: every combination of each uncertainty's values
(explicit, or `steps` values from low to high, evenly or log spaced).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SAMPLERS = ("factorial", "lhs", "sobol", "morris")
MORRIS_LEVELS = 4


@dataclass(frozen=True)
class Uncertainty:
    """One uncertain parameter: a range to sample, or explicit values."""

    name: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    values: tuple[Any, ...] = ()
    steps: int = 3
    integer: bool = False

    def levels(self) -> list[Any]:
        """The values a factorial design takes: explicit, or `steps` over the range."""
        if self.values:
            return list(self.values)
        assert self.low is not None and self.high is not None
        if self.steps == 1:
            grid = np.array([self.low])
        elif self.log:
            grid = np.geomspace(self.low, self.high, self.steps)
        else:
            grid = np.linspace(self.low, self.high, self.steps)
        out = [self._cast(float(x)) for x in grid]
        return list(dict.fromkeys(out))  # rounding integers may merge steps

    def bounds(self) -> tuple[float, float]:
        """The range in problem space (log10 for a log uncertainty)."""
        assert self.low is not None and self.high is not None
        if self.log:
            return math.log10(self.low), math.log10(self.high)
        return float(self.low), float(self.high)

    def from_problem(self, x: float) -> Any:
        """A problem-space coordinate as a parameter value."""
        value = 10.0 ** x if self.log else x
        if self.low is not None and self.high is not None:  # float error at the ends
            value = min(max(value, self.low), self.high)
        return self._cast(value)

    def to_problem(self, value: float) -> float:
        return math.log10(value) if self.log else float(value)

    def _cast(self, value: float) -> Any:
        return round(value) if self.integer else value


def design_name(sampler: str) -> str:
    """The `design` label of a sampler's rows: 'grid' (factorial, lhs), 'sobol', 'morris'."""
    _known(sampler)
    return "grid" if sampler in ("factorial", "lhs") else sampler


def size(uncertainties: Sequence[Uncertainty], sampler: str, n: int) -> int:
    """The number of points `sample` returns (before any de-duplication)."""
    _known(sampler)
    d = len(uncertainties)
    if d == 0:
        return 1
    if sampler == "factorial":
        return math.prod(len(u.values) if u.values else u.steps for u in uncertainties)
    if sampler == "lhs":
        return n
    if sampler == "sobol":
        return n * (d + 2)
    return n * (d + 1)


def problem(uncertainties: Sequence[Uncertainty]) -> dict[str, Any]:
    """SALib's problem dict: the ranged uncertainties in problem space."""
    ranged = [u for u in uncertainties if not u.values]
    if len(ranged) != len(uncertainties):
        raise ValueError("explicit values have no range; a SALib problem needs low and high")
    return {"num_vars": len(ranged), "names": [u.name for u in ranged],
            "bounds": [list(u.bounds()) for u in ranged]}


def unit_matrix(uncertainties: Sequence[Uncertainty], sampler: str, n: int,
                seed: int) -> np.ndarray:
    """The design in problem space, one row per point (LHS, Sobol, Morris)."""
    _known(sampler)
    if sampler == "factorial":
        raise ValueError("a factorial design has no unit matrix; use sample()")
    prob = problem(uncertainties)
    d = prob["num_vars"]
    if sampler == "lhs":
        from scipy.stats import qmc

        u = qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(n)
        lows = np.array([b[0] for b in prob["bounds"]])
        highs = np.array([b[1] for b in prob["bounds"]])
        return np.asarray(qmc.scale(u, lows, highs))
    if sampler == "sobol":
        from SALib.sample import sobol

        return np.asarray(sobol.sample(prob, n, calc_second_order=False, seed=seed))
    from SALib.sample import morris

    return np.asarray(morris.sample(prob, n, num_levels=MORRIS_LEVELS, seed=seed))


def sample(uncertainties: Sequence[Uncertainty], sampler: str, n: int,
           seed: int) -> list[dict[str, Any]]:
    """The design's points: dicts name -> value, deterministic in `seed`."""
    _known(sampler)
    if not uncertainties:
        return [{}]
    names = [u.name for u in uncertainties]
    if sampler == "factorial":
        return [dict(zip(names, combo, strict=True))
                for combo in itertools.product(*(u.levels() for u in uncertainties))]
    matrix = unit_matrix(uncertainties, sampler, n, seed)
    return [{u.name: u.from_problem(float(x)) for u, x in zip(uncertainties, row, strict=True)}
            for row in matrix]


def to_problem_space(uncertainties: Sequence[Uncertainty],
                     points: Sequence[dict[str, Any]]) -> np.ndarray:
    """Points (as `sample` returns them, or as they ran) as a problem-space matrix."""
    return np.array([[u.to_problem(p[u.name]) for u in uncertainties] for p in points],
                    dtype=float)


def _known(sampler: str) -> None:
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; expected one of {', '.join(SAMPLERS)}")


__all__ = ["MORRIS_LEVELS", "SAMPLERS", "Uncertainty", "design_name", "problem", "sample",
           "size", "to_problem_space", "unit_matrix"]
