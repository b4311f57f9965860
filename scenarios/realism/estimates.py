"""Measured values with their 95% intervals, the parts of a target and its result."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from simulator.analysis import mean_ci

BOOTSTRAP = 2000  # bootstrap resamples
Z95 = 1.959963984540054  # the normal 97.5% quantile


# ---- results ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Estimate:
    """A measured value and its 95% interval (lo/hi None: a count or a fixed number)."""

    value: float
    lo: float | None = None
    hi: float | None = None


@dataclass(frozen=True)
class Part:
    """One measured quantity of a target, its band, and why it misses (if it does).

    `ok` is None when the quantity could not be decided (`undecided`, see R3);
    otherwise whether the point estimate lies in [lo, hi] (open at both ends
    when `strict`). `why` is shown in the note only when the part misses.
    """

    name: str
    est: Estimate | None
    lo: float
    hi: float
    band: str  # the band as the project brief words it
    unit: str = ""  # '%', 'h', 'min', 'days', 'x', 'pts' or ''
    strict: bool = False
    why: str = ""
    undecided: str = ""

    @property
    def ok(self) -> bool | None:
        if self.undecided or self.est is None or math.isnan(self.est.value):
            return None
        v = self.est.value
        if self.strict:
            return bool(self.lo < v < self.hi)
        return bool(self.lo <= v <= self.hi)

    @property
    def borderline(self) -> bool:
        """The interval crosses a band edge: more runs could flip the verdict."""
        e = self.est
        if e is None or e.lo is None or e.hi is None or self.ok is None:
            return False
        return bool((e.lo < self.lo <= e.hi) or (e.lo <= self.hi < e.hi))

    def measured(self) -> str:
        if self.est is None or math.isnan(self.est.value):
            return f"{self.name}: not measured"
        text = f"{self.name}: {_fmt(self.est.value, self.unit)}"
        if self.est.lo is not None and self.est.hi is not None:
            text += (f" [{_fmt(self.est.lo, self.unit, bare=True)}, "
                     f"{_fmt(self.est.hi, self.unit, bare=True)}]")
        return text


@dataclass(frozen=True)
class Result:
    """One realism target as measured: what the table and the tests read."""

    id: str
    target: str  # the project brief's wording
    parts: tuple[Part, ...]
    runs: int  # simulation runs used in all
    note: str = ""  # counts behind the figures; for a miss, its reason
    what: str = ""  # how it is measured (one paragraph for the docs)

    @property
    def passed(self) -> bool | None:
        """True: every part in its band; False: a part misses; None: not decided."""
        oks = [p.ok for p in self.parts]
        if any(ok is False for ok in oks):
            return False
        if any(ok is None for ok in oks):
            return None
        return True

    @property
    def status(self) -> str:
        return {True: "pass", False: "miss", None: "not measured"}[self.passed]

    @property
    def band(self) -> str:
        return "; ".join(f"{p.name}: {p.band}" for p in self.parts)

    @property
    def measured(self) -> str:
        return "; ".join(p.measured() for p in self.parts)

    def explain(self) -> str:
        """A one-line account (assertion messages, the console)."""
        return f"{self.id} {self.status}: {self.measured} (band: {self.band}). {self.note}"


def _fmt(v: float, unit: str, bare: bool = False) -> str:
    if v is None or math.isnan(v):
        return "n/a"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if unit == "%":
        return f"{100 * v:.1f}" + ("" if bare else "%")
    if unit == "x":
        return f"{v:.3g}" + ("" if bare else "x")
    if unit in ("h", "min", "pts", "days"):
        return f"{v:.3g}" + ("" if bare else f" {unit}")
    return f"{v:.4g}"


# ---- statistics -------------------------------------------------------------------------------
def wilson(k: int, n: int) -> Estimate:
    """A proportion k/n with its Wilson 95% interval."""
    if n == 0:
        return Estimate(math.nan)
    p = k / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half))


def mean_t(x: Sequence[float]) -> Estimate:
    """A mean with its Student-t 95% interval (`simulator.analysis.mean_ci`)."""
    values = [float(v) for v in x]
    if not values:
        return Estimate(math.nan)
    s = mean_ci(values)
    if s["n"] < 2:
        return Estimate(s["mean"])
    return Estimate(s["mean"], s["ci_low"], s["ci_high"])


def quantile_ci(x: Sequence[float] | np.ndarray, q: float) -> Estimate:
    """The q-quantile with its distribution-free (order-statistic) 95% interval."""
    a = np.sort(np.asarray(x, dtype=float))
    n = a.size
    if n == 0:
        return Estimate(math.nan)
    value = float(np.quantile(a, q))
    lo_i = int(stats.binom.ppf(0.025, n, q))  # ranks (0-based) bracketing the quantile
    hi_i = int(stats.binom.ppf(0.975, n, q))
    lo = float(a[max(lo_i - 1, 0)])
    hi = float(a[hi_i]) if hi_i < n else math.inf
    return Estimate(value, lo, hi)


def bootstrap(stat: Callable[[np.ndarray], np.ndarray], n: int, strata: np.ndarray | None = None,
              value: float | None = None) -> Estimate:
    """A statistic of n paired units with a percentile bootstrap 95% interval.

    `stat` maps an index array of shape (B, n) (resampled unit indices, all
    B resamples at once) to B values; `stat(np.arange(n)[None])` is the
    estimate. With `strata`, units are resampled within their stratum (a
    scenario), so every resample keeps the design's scenario mix.
    """
    rng = np.random.default_rng(20260)
    base = np.arange(n)[None, :]
    est = float(stat(base)[0]) if value is None else value
    if n < 2:
        return Estimate(est)
    if strata is None:
        idx = rng.integers(0, n, size=(BOOTSTRAP, n))
    else:
        idx = np.empty((BOOTSTRAP, n), dtype=np.int64)
        for s in np.unique(strata):
            members = np.flatnonzero(strata == s)
            pick = rng.integers(0, members.size, size=(BOOTSTRAP, members.size))
            idx[:, members] = members[pick]
    vals = stat(idx)
    vals = vals[np.isfinite(vals)]
    if vals.size < BOOTSTRAP // 2:
        return Estimate(est)
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return Estimate(est, float(lo), float(hi))


def ratio_of_sums(a: np.ndarray, b: np.ndarray, strata: np.ndarray | None = None) -> Estimate:
    """sum(a) / sum(b) over paired units, with a stratified paired bootstrap interval."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)

    def stat(idx: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return a[idx].sum(axis=1) / b[idx].sum(axis=1)

    return bootstrap(stat, a.size, strata)


def _result(rid: str, target: str, parts: tuple[Part, ...], runs: int, facts: str,
            fn: Callable[..., Result]) -> Result:
    """Assemble a Result: facts, then the reason of each missing part, then borderline parts."""
    notes = [facts] if facts else []
    seen: set[str] = set()
    for p in parts:
        if p.ok is False and p.why and p.why not in seen:
            seen.add(p.why)
            notes.append(f"miss ({p.name}): {p.why}")
        if p.undecided:
            notes.append(f"not decided ({p.name}): {p.undecided}")
    borderline = [p.name for p in parts if p.borderline]
    if borderline:
        notes.append("interval crosses a band edge: " + ", ".join(borderline))
    doc = (fn.__doc__ or "").strip()
    what = " ".join(doc.split("\n\n", 1)[1].split()) if "\n\n" in doc else ""
    return Result(rid, target, parts, runs, ". ".join(notes), what)
