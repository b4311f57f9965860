"""Realism targets R1-R15 of MODEL.md section 6, measured on the engine as it is.

Each `r1` ... `r15` runs the simulator, measures one target and returns a
`Result`: the target text, its band(s), the measured value(s) with a 95%
interval where the value is a mean, a proportion, a ratio or a quantile, the
number of runs used, pass or miss, and a note (for a miss, its reason). A
target the model misses is reported as a miss: the bands here are the bands
of MODEL.md, never widened to make a target pass.

    python -m scenarios.realism              # print the table (exit 1 if a target misses)
    python -m scenarios.realism --write      # and rewrite its block in docs/model.md
    python -m scenarios.realism --runs 10    # fewer runs (quicker, wider intervals)
    python -m scenarios.realism R1 R9        # only some targets

Conventions, shared by every target:

- **Runs and seeds.** A `Scale` says how many runs each batch uses
  (`--runs N`: N seeds per scenario and arm, 25 N ordinary complaints).
  Seeds are 0 .. n-1, so every comparison of two strategies is paired (same
  seed: same graph draws and per-edge uniforms, common random numbers). Each
  target states how many runs it used in all.
- **Presets.** *Firestorm presets* are the library's case scenarios (those
  with `calibration.case`), every scripted inject removed, played with the
  strategy the real brand followed (`calibration.reference_strategy`) and run
  for at least 7 days after the complaint. *The shipped library* is every
  library scenario as shipped (injects kept), run for at least 72 h after
  the complaint. *The ordinary-complaint preset* is
  scenarios/library/ordinary-complaint.yaml played with the typical-webcare
  strategy.
- **A storm** is a run in which at least 1% of the users post something
  negative (`sharers >= 0.01 x users`). Outcomes are bimodal (a complaint
  either stays at tens of posters or reaches hundreds), so any threshold in
  the gap gives nearly the same split; the engine's own `trending` event is
  reported alongside where it matters (R2).
- **Intervals.** Proportions: Wilson; means: Student t; quantiles: the
  distribution-free order-statistic interval; ratios of sums and the rest: a
  paired percentile bootstrap over seeds, stratified by scenario (2,000
  resamples, fixed seed, so the table is reproducible).
- **Pass** means the point estimate lies inside the band. When the interval
  crosses a band edge the note says so (the verdict may flip with more runs).
- **Notes** give the counts behind a figure and, for a part that misses,
  the reason, computed from the same runs (and, in the docs table, from a few
  diagnostic runs with one setting changed; `Scale.diagnostics`).

Runs are cached per process (`clear_cache`), so targets that share a batch
(R2, R3 and R15; R1, R4, R5, R7, R13 and R14; R6 and R9-R13) run it once.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from scenarios.calibration import reference_strategy
from scenarios.loader import load_scenario, load_strategy
from scenarios.refs import SCENARIO_DIR, STRATEGY_DIR, library_names
from simulator.config import (
    CONTENT_CAP,
    MediaConfig,
    ResponseEffects,
    Scenario,
    replace_path,
)
from simulator.kernel import make_kernel
from simulator.kinds import NEGATIVE_KINDS, EventKind, PostKind
from simulator.simulation import Simulation
from simulator.strategy import Strategy

DOC = Path(__file__).resolve().parents[1] / "docs" / "model.md"
BEGIN = "<!-- BEGIN GENERATED REALISM -->"
END = "<!-- END GENERATED REALISM -->"
SECTION = "## Realism targets (MODEL.md section 6)"

DEFAULT_RUNS = 40  # seeds per scenario and arm for the docs table (see `Scale.of`)
ORDINARY = "ordinary-complaint"
WEBCARE = "typical-webcare"
STORM_SHARE = 0.01  # a storm: at least this share of the users posts something negative
BOOTSTRAP = 2000
Z95 = 1.959963984540054
TRUST_CLEAR = 1.0  # R14: a clear change of the trust index, in index points (see `r14`)
NOVELTY_NEAR_OFF = 60.0  # R5 diagnostic: novelty_days at its upper limit (decay ~30x slower)
FAST_DISCOVERY_H = 1.0  # R5 diagnostic: discovery_h at the low end of its range


@dataclass(frozen=True)
class Scale:
    """How many runs each batch uses (the docs table: `Scale.of(DEFAULT_RUNS)`)."""

    library: int  # seeds per library scenario and arm (R6, R9-R13)
    firestorm: int  # seeds per firestorm preset (R1, R4-R7, R13, R14)
    ordinary: int  # runs of the ordinary-complaint preset (R2, R3, R15)
    diagnostics: bool = True  # extra runs that explain a miss in the notes (R5, R9)

    @classmethod
    def of(cls, runs: int) -> Scale:
        """`runs` seeds per scenario and arm; the ordinary preset 25x as many runs
        (a 1-5% rate needs about a thousand complaints for a useful interval)."""
        return cls(library=runs, firestorm=runs, ordinary=25 * runs)

    def describe(self) -> str:
        return (f"{self.library} seeds per library scenario and arm, {self.firestorm} per "
                f"firestorm preset, {self.ordinary} ordinary complaints")


DOC_SCALE = Scale.of(DEFAULT_RUNS)


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
    band: str  # the band as MODEL.md words it
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
    target: str  # MODEL.md's wording
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
    """A mean with its Student-t 95% interval."""
    a = np.asarray(x, dtype=float)
    if a.size == 0:
        return Estimate(math.nan)
    m = float(a.mean())
    if a.size < 2:
        return Estimate(m)
    half = float(stats.t.ppf(0.975, a.size - 1) * a.std(ddof=1) / math.sqrt(a.size))
    return Estimate(m, m - half, m + half)


def quantile_ci(x: Sequence[float], q: float) -> Estimate:
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


# ---- presets and batches ----------------------------------------------------------------------
_CACHE: dict[tuple[Any, ...], Any] = {}


def clear_cache() -> None:
    """Forget every cached batch (after the engine or a scenario changed in-process)."""
    _CACHE.clear()


def _cached(key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    if key not in _CACHE:
        _CACHE[key] = make()
    return _CACHE[key]


def _scenario(name: str) -> Scenario:
    return _cached(("scenario", name), lambda: load_scenario(str(SCENARIO_DIR / f"{name}.yaml")))


def _strategy(name: str) -> Strategy:
    return _cached(("strategy", name), lambda: load_strategy(str(STRATEGY_DIR / f"{name}.yaml")))


def library() -> list[str]:
    """Every library scenario, sorted."""
    return library_names(SCENARIO_DIR)


def library_strategies() -> list[str]:
    """Every built-in strategy, sorted."""
    return library_names(STRATEGY_DIR)


def case_scenarios() -> list[str]:
    """The firestorm presets: library scenarios that fictionalise a real case."""
    return [n for n in library() if _scenario(n).calibration.case]


def without_injects(sc: Scenario) -> Scenario:
    """A copy of the scenario with every scripted inject removed."""
    return dataclasses.replace(sc, injects=[])


def at_least(sc: Scenario, hours: float) -> Scenario:
    """The scenario run for at least `hours` after the complaint."""
    need = sc.complaint.posted_at_h + hours
    return sc if sc.duration_h >= need else dataclasses.replace(sc, duration_h=need)


def _origin(sc: Scenario) -> int:
    return math.floor(sc.complaint.posted_at_h)


def _is_storm(row: dict[str, Any]) -> bool:
    return int(row["sharers"]) >= STORM_SHARE * int(row["users"])


@dataclass(frozen=True)
class Arm:
    """One arm of a paired comparison: a strategy and scenario overrides (dotted paths)."""

    name: str
    strategy: Strategy | None
    overrides: tuple[tuple[str, Any], ...] = ()

    def apply(self, sc: Scenario) -> Scenario:
        for path, value in self.overrides:
            sc = replace_path(sc, path, value)
        return sc


# single levers, each taken once at detection and nothing else (R9, R10)
LEVERS: dict[str, Strategy] = {
    "apology": Strategy(name="lever-apology", respond_after_h=0.0, first_action="acknowledge",
                        tone="empathetic"),
    "neutral reply": Strategy(name="lever-neutral", respond_after_h=0.0, first_action="reply",
                              tone="neutral"),
    "defensive reply": Strategy(name="lever-defensive", respond_after_h=0.0,
                                first_action="reply", tone="defensive"),
    "solution": Strategy(name="lever-solution", solution_after_h=0.0),
    "compensation": Strategy(name="lever-compensation", compensation_after_h=0.0),
    "one deletion": Strategy(name="lever-delete", delete_after_h=0.0),
}
# each lever's per-exposure share multiplier (ResponseEffects field), for the notes
LEVER_SHARE = {"apology": "share_empathetic", "neutral reply": "share_neutral",
               "defensive reply": "share_defensive", "solution": "share_solution",
               "compensation": "share_compensation"}
# R11: an accommodative reply at the defensive strategy's own time (1 h after detection)
MATCHED_EMPATHETIC = Strategy(name="empathetic-reply-1h", respond_after_h=1.0,
                              first_action="reply", tone="empathetic")


def arm(name: str) -> Arm:
    """Arms by name: a built-in strategy, `lever:<LEVERS key>`, `empathetic-reply-1h`,
    `deleter-unnoticed` / `deleter-noticed` (the deleter with `response.notice_prob` 0 / 1)."""
    if name.startswith("lever:"):
        return Arm(name, LEVERS[name[len("lever:"):]])
    if name == "empathetic-reply-1h":
        return Arm(name, MATCHED_EMPATHETIC)
    if name == "deleter-unnoticed":
        return Arm(name, _strategy("deleter"), (("response.notice_prob", 0.0),))
    if name == "deleter-noticed":
        return Arm(name, _strategy("deleter"), (("response.notice_prob", 1.0),))
    return Arm(name, _strategy(name))


def _run(sc: Scenario, seed: int, strategy: Strategy | None) -> Simulation:
    sim = Simulation(sc, seed=seed, strategy=strategy)
    sim.run()
    return sim


def _record(sim: Simulation, origin: int, delays: bool = False, cascade: bool = False
            ) -> dict[str, Any]:
    """The summary of a finished run plus what the targets need beyond it."""
    s = sim.summary()
    sp = sim.spread
    neg = np.isin(np.asarray(sp.post_kind), np.asarray(sorted(NEGATIVE_KINDS)))
    s.update(
        origin=origin, posted_at_h=sim.scenario.complaint.posted_at_h,
        vol72=int(sum(s["hourly_negative"][origin:origin + 72])),
        deleted_share=float(sp.post_deleted[neg].mean()) if neg.any() else 0.0,
        outside_views=sp.outside_views, views=sp.exposures_total,
        media_times=[e.t for e in sim.events if e.kind == EventKind.MEDIA_STORY.value],
        trending=any(e.kind == EventKind.TRENDING.value for e in sim.events))
    del s["hourly_trust"]
    if delays:
        d = reaction_delays(sim)
        s.update(delays_n=int(d.size), delays_1h=int(np.count_nonzero(d <= 1.0)),
                 delays_24h=int(np.count_nonzero(d <= 24.0)))
    if cascade:
        s["cascade_size"], s["cascade_depth"] = complaint_cascade(sim)
    return s


def library_batch(arm_name: str, runs: int, shipped: bool = True) -> list[dict[str, Any]]:
    """Every library scenario (>= 72 h) with one arm, seeds 0..runs-1.

    As shipped (injects kept), or with `shipped=False` every inject removed.
    One record per (scenario, seed), in a fixed order, so two arms' lists are
    paired element by element.
    """
    def make() -> list[dict[str, Any]]:
        a = arm(arm_name)
        out = []
        for name in library():
            sc = _scenario(name) if shipped else without_injects(_scenario(name))
            sc = a.apply(at_least(sc, 72.0))
            for seed in range(runs):
                out.append(_record(_run(sc, seed, a.strategy), _origin(sc)))
        return out

    return _cached(("library", arm_name, runs, shipped), make)


def firestorm_batch(runs: int, overrides: tuple[tuple[str, Any], ...] = ()
                    ) -> list[dict[str, Any]]:
    """The firestorm presets: case scenarios, no injects, reference strategy, >= 7 days.

    `overrides` (dotted paths) change a setting for a diagnostic batch.
    """
    def make() -> list[dict[str, Any]]:
        out = []
        for name in case_scenarios():
            shipped = _scenario(name)
            strategy = reference_strategy(shipped, SCENARIO_DIR / f"{name}.yaml")
            sc = at_least(without_injects(shipped), 168.0)
            for path, value in overrides:
                sc = replace_path(sc, path, value)
            for seed in range(runs):
                out.append(_record(_run(sc, seed, strategy), _origin(sc), delays=True))
        return out

    return _cached(("firestorm", runs, overrides), make)


def ordinary_batch(runs: int) -> list[dict[str, Any]]:
    """The ordinary-complaint preset with the typical-webcare strategy, seeds 0..runs-1."""
    def make() -> list[dict[str, Any]]:
        sc = _scenario(ORDINARY)
        strategy = _strategy(WEBCARE)
        out = []
        for seed in range(runs):
            out.append(_record(_run(sc, seed, strategy), _origin(sc), cascade=True))
        return out

    return _cached(("ordinary", runs), make)


# ---- what the post record says about reactions and cascades (post_parent) --------------------
REACTION_KINDS = np.asarray([int(k) for k in (PostKind.RESHARE, PostKind.DELETION,
                                              PostKind.BACKLASH, PostKind.SUPPORT)])
BROADCAST_KINDS = np.asarray([int(PostKind.MEDIA), int(PostKind.COMPETITOR)])
DELAY_PARENTS_H = 24.0  # R1: parents posted in the first day after the complaint ...
DELAY_WINDOW_H = 144.0  # ... and their reactions within this window (all observed: runs >= 168 h)


def reaction_delays(sim: Simulation) -> np.ndarray:
    """Delays (h) from a post to the reactions of those who saw it when it was posted.

    Reactions are reshares of every kind (reshare, "they deleted my comment",
    backlash, support) whose parent post (`post_parent`) was posted within
    `DELAY_PARENTS_H` of the complaint. Only reactions whose exposure time is
    the parent's post time count: the reacting user follows the parent's
    author, or the parent is a news story or a jab read on publication.
    Viewers who found the parent later through search or trends are left out:
    their exposure time is not recorded. Delays beyond `DELAY_WINDOW_H` are
    dropped, so every parent is observed over the same window.
    """
    sp, net = sim.spread, sim.net
    kinds = np.asarray(sp.post_kind)
    parent = np.asarray(sp.post_parent, dtype=np.int64)
    times = np.asarray(sp.post_time, dtype=float)
    authors = np.asarray(sp.post_author, dtype=np.int64)
    origin = sim.scenario.complaint.posted_at_h
    react = np.flatnonzero(np.isin(kinds, REACTION_KINDS) & (parent >= 0))
    par = parent[react]
    keep = times[par] - origin < DELAY_PARENTS_H
    react, par = react[keep], par[keep]
    if not react.size:
        return np.zeros(0)
    broadcast = np.isin(kinds[par], BROADCAST_KINDS)
    pa = authors[par]
    follows = np.zeros(react.size, dtype=bool)
    own = np.flatnonzero(~broadcast & (pa >= 0))
    if own.size:
        heads = np.unique(pa[own])
        rows = [np.asarray(net.followers(u), dtype=np.int64) + int(u) * net.n for u in heads]
        edges = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        follows[own] = np.isin(pa[own] * net.n + authors[react[own]], edges)
    seen_at_post = broadcast | follows
    delays = times[react[seen_at_post]] - times[par[seen_at_post]]
    return delays[delays <= DELAY_WINDOW_H]


def complaint_cascade(sim: Simulation) -> tuple[int, int]:
    """(size, depth) of the complaint's cascade: the tree of posts reacting to its first post.

    Size counts the posts in the tree, the complaint included (each user posts
    once per storyline, so it is about the users in it); depth is the largest
    number of hops from the complaint (0: nobody reacted). Trees rooted
    elsewhere (a news story, a brand statement, a re-ignited sharer) are
    other cascades.
    """
    sp = sim.spread
    parent = np.asarray(sp.post_parent, dtype=np.int64)
    kinds = np.asarray(sp.post_kind)
    roots = np.flatnonzero((kinds == int(PostKind.COMPLAINT)) & (parent < 0))
    if not roots.size:
        return 0, 0
    root = int(roots[0])
    depth = np.full(parent.size, -1, dtype=np.int64)
    depth[root] = 0
    for i in range(root + 1, parent.size):  # a post's parent always comes before it
        j = parent[i]
        if j >= 0 and depth[j] >= 0:
            depth[i] = depth[j] + 1
    tree = depth >= 0
    return int(np.count_nonzero(tree)), int(depth[tree].max())


def r1(scale: Scale = DOC_SCALE) -> Result:
    """R1: reshare delay, 45-60% within 1 h of exposure, 70-85% within 24 h.

    Measured on the firestorm presets from each post's parent
    (`post_parent`): the delays from a post to the reshares of those who saw
    it when it was posted (`reaction_delays`: followers of its author, readers
    of a story), for posts made in the first 24 h after the complaint and
    reshares within 144 h of them (every such post is observed that long).
    The share within 1 h and within 24 h, pooled over runs (stratified
    bootstrap over runs).
    """
    rows = firestorm_batch(scale.firestorm)
    n = np.array([r["delays_n"] for r in rows], dtype=float)
    n1 = np.array([r["delays_1h"] for r in rows], dtype=float)
    n24 = np.array([r["delays_24h"] for r in rows], dtype=float)
    strata = np.array([r["scenario"] for r in rows])
    kernel = make_kernel(_scenario(ORDINARY).spread)
    w = kernel.cdf(DELAY_WINDOW_H)
    why = (f"the band is the raw SEISMIC CDF (54% by 1 h, 78% by 1 day), whose denominator "
           f"includes the reactions that never come (the kernel is truncated, not "
           f"renormalised, at {kernel.horizon:g} h); of the reactions that come within "
           f"{DELAY_WINDOW_H:g} h the kernel alone puts {kernel.cdf(1.0) / w:.1%} within 1 h "
           f"and {kernel.cdf(24.0) / w:.1%} within 24 h, and the thinning by novelty decay "
           f"and fatigue, both falling with time, removes late reactions more than early ones")
    parts = (Part("within 1 h", ratio_of_sums(n1, n, strata), 0.45, 0.60, "45-60%", "%",
                  why=why),
             Part("within 24 h", ratio_of_sums(n24, n, strata), 0.70, 0.85, "70-85%", "%",
                  why=why))
    facts = f"{int(n.sum())} reshares with a known exposure time in {len(rows)} runs"
    return _result("R1", "reshare delay: 45-60% within 1 h of exposure, 70-85% within 24 h",
                   parts, len(rows), facts, r1)


# ---- R2, R3, R15: the ordinary-complaint preset -----------------------------------------------
def r2(scale: Scale = DOC_SCALE) -> Result:
    """R2: in the ordinary-complaint preset, 1-5% of complaints become storms.

    Measured: the share of ordinary-complaint runs (typical-webcare
    strategy, a new graph per run) in which at least 1% of the users (200 of
    20,000) post something negative within the 72 h run; Wilson interval.
    "Storm" is outcome-based, like Herhausen's virality (engagement counts);
    the note gives the share of runs that reach the engine's trend threshold
    (its `trending` event), which MODEL.md 3.2 designs as the tipping point.
    """
    rows = ordinary_batch(scale.ordinary)
    n = len(rows)
    storms = sum(_is_storm(s) for s in rows)
    trending = [s for s in rows if s["trending"]]
    t = wilson(len(trending), n)
    small = [s["sharers"] for s in trending if not _is_storm(s)]
    sizes = np.array([s["sharers"] for s in rows])
    gap = int(np.count_nonzero((sizes >= 100) & (sizes < 500)))
    est = wilson(storms, n)
    why = ("too many ordinary complaints tip into storms" if est.lo is not None
           and est.lo > 0.05 else "too many ordinary complaints tip into storms, by a margin "
           "within the interval") if est.value > 0.05 else "too few complaints become storms"
    parts = (Part("storms", est, 0.01, 0.05, "1-5%", "%", why=why),)
    facts = (f"{storms} storms in {n} complaints; {gap} runs have 100-499 participants (the "
             f"threshold sits in the gap of a bimodal outcome); the trending event fires in "
             f"{t.value:.1%} [{t.lo:.1%}, {t.hi:.1%}] of runs, "
             f"{len(small)} of them never storms (median "
             f"{np.median(small) if small else 0:.0f} participants): trending is not a storm")
    return _result("R2", "ordinary complaint preset: 1-5% of complaints become storms", parts,
                   n, facts, r2)


def _direct_reactions() -> float:
    """Expected direct reactions to the ordinary complaint (graph of seed 0)."""
    sc = _scenario(ORDINARY)
    prm = Simulation(sc, seed=0).spread.params
    k = sc.complaint.complainant_followers
    vis = min(prm.visibility, prm.seen_cap / k) if k else 0.0
    return k * vis * prm.p0 * prm.content


def r3(scale: Scale = DOC_SCALE) -> Result:
    """R3: most cascades end within one hop; rare ones reach 10^3-10^5 participants.

    Measured on the ordinary-complaint preset, each run one cascade: the tree
    of posts that react to the complaint, followed through `post_parent`
    (`complaint_cascade`), as in Goel et al.'s data of cascades from ordinary
    posts:

    - within one hop: the share of cascades of depth 0 or 1 (nobody reacted,
      or only to the complaint itself); "most" = more than half (Wilson);
    - rare large cascades: the 99th percentile of cascade size (posts in the
      tree) lies in 10^3-10^5 (Vosoughi et al.: the top 1% reach
      1,000-100,000; order-statistic interval); in a 20,000-user preset the
      upper end cannot bind.
    """
    rows = ordinary_batch(scale.ordinary)
    n = len(rows)
    sizes = np.array([s["cascade_size"] for s in rows], dtype=float)
    depth = np.array([s["cascade_depth"] for s in rows])
    m = _direct_reactions()
    k = _scenario(ORDINARY).complaint.complainant_followers
    hop_why = (f"an ordinary complaint expects {m:.1f} direct reactions ({k} followers x "
               f"visibility x p0 x content), so it almost never stays alone (size 1: "
               f"{np.mean(sizes <= 1):.1%}), and every resharer passes it on with the same "
               f"branching ratio (median depth {np.median(depth):.0f})")
    p99 = quantile_ci(sizes, 0.99)
    parts = (Part("within one hop", wilson(int(np.count_nonzero(depth <= 1)), n), 0.5, 1.0,
                  "> 50%", "%", strict=True, why=hop_why),
             Part("99th pct size", p99, 1e3, 1e5, "10^3-10^5",
                  why="the largest cascades stay below 1,000" if p99.value < 1e3
                  else "the largest cascades exceed 10^5"))
    facts = (f"depth 0 / 1 / 2+: {np.mean(depth == 0):.1%} / {np.mean(depth == 1):.1%} / "
             f"{np.mean(depth >= 2):.1%}; largest cascade {int(sizes.max())} posts")
    return _result("R3", "most cascades end within one hop; rare ones reach 10^3-10^5",
                   parts, n, facts, r3)


def r15(scale: Scale = DOC_SCALE) -> Result:
    """R15: typical-webcare preset: ~50% of complaints answered, median first reply 20-50 min.

    Measured on the ordinary-complaint preset with the typical-webcare
    strategy: the share of runs with a public reply (`first_response_at_h`
    set; Wilson) and, among them, the median time from the complaint to the
    first reply in minutes (order-statistic interval). "~50%" is read as
    40-60% (Einwiller & Steilen: 53% answered).
    """
    rows = ordinary_batch(scale.ordinary)
    n = len(rows)
    answered = [s for s in rows if s["first_response_at_h"] is not None]
    lat = np.array([60.0 * (s["first_response_at_h"] - s["posted_at_h"]) for s in answered])
    detected = [s for s in rows if s["detected_at_h"] is not None]
    det = np.array([60.0 * (s["detected_at_h"] - s["posted_at_h"]) for s in detected])
    after = np.array([60.0 * (s["first_response_at_h"] - s["detected_at_h"]) for s in answered])
    sc = _scenario(ORDINARY)
    fx, plan = sc.response, sc.plan
    med = float(np.median(det)) if det.size else math.nan
    med_after = float(np.median(after)) if after.size else math.nan
    why = (f"the strategy draws a reply delay from the complaint (median "
           f"{60 * fx.webcare_latency_median_h:.0f} min), but a reply can only go out after "
           f"detection, which waits for {plan.detection_threshold} negative mentions and a "
           f"poll every {plan.poll_interval_min:g} min within office hours (median {med:.0f} "
           f"min after the complaint), and then after {60 * plan.approval_delay_h:.0f} min "
           f"of approval (median {med_after:.0f} min from detection to reply)")
    parts = (Part("answered", wilson(lat.size, n), 0.40, 0.60, "40-60%", "%",
                  why=f"{len(detected)} of {n} complaints are detected at all"),
             Part("median first reply", quantile_ci(lat, 0.5), 20.0, 50.0, "20-50 min", "min",
                  why=why))
    facts = f"{lat.size} of {n} complaints answered, {len(detected)} detected"
    return _result("R15", "typical-webcare preset: ~50% of complaints answered, median first "
                   "reply 20-50 min", parts, n, facts, r15)


# ---- R4, R5, R7, R13, R14: firestorm presets, no injects --------------------------------------
def _storms(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in rows if _is_storm(s)]


def r4(scale: Scale = DOC_SCALE) -> Result:
    """R4: firestorm presets, no injects: >= 80% of storms peak at hour 2-72, median 6-36 h.

    Measured over the storm runs of the firestorm presets (at least 1% of
    users participate): the share whose hourly negative volume peaks 2-72 h
    after the complaint (`time_to_peak_h`, Wilson) and the median time to
    the peak (order-statistic interval). The note gives the same over all
    runs, storms or not.
    """
    rows = firestorm_batch(scale.firestorm)
    storms = _storms(rows)
    peaks = np.array([s["time_to_peak_h"] for s in storms], dtype=float)
    all_peaks = np.array([s["time_to_peak_h"] for s in rows], dtype=float)
    k = int(np.count_nonzero((peaks >= 2.0) & (peaks <= 72.0)))
    early = int(np.count_nonzero(peaks < 2.0))
    late = int(np.count_nonzero(peaks > 72.0))
    discovery = _scenario(case_scenarios()[0]).spread.discovery_h if rows else math.nan
    parts = (Part("peak at 2-72 h", wilson(k, peaks.size), 0.80, 1.0, ">= 80%", "%",
                  why=f"{early} storms peak in their first 2 h, {late} after 72 h"),
             Part("median peak", quantile_ci(peaks, 0.5), 6.0, 36.0, "6-36 h", "h",
                  why="storms peak too early" if peaks.size and np.median(peaks) < 6
                  else f"storms peak too late: outside viewers find a post only after a mean "
                  f"{discovery:g} h, so a storm builds over a day or more (see R5)"))
    share_all = np.mean((all_peaks >= 2.0) & (all_peaks <= 72.0))
    facts = (f"{len(storms)} storms in {len(rows)} runs of {len(case_scenarios())} presets; "
             f"over all runs, storms or not, {share_all:.0%} peak at 2-72 h (median "
             f"{np.median(all_peaks):.1f} h)")
    return _result("R4", "firestorm presets, no injects: >= 80% of storms peak between hour 2 "
                   "and 72, median 6-36 h", parts, len(rows), facts, r4)


def _days(s: dict[str, Any], days: int = 7) -> np.ndarray:
    """Negative posts per day from the complaint (day 1 = its first 24 h)."""
    hourly = np.asarray(s["hourly_negative"], dtype=float)[s["origin"]:s["origin"] + 24 * days]
    return np.array([hourly[24 * d:24 * (d + 1)].sum() for d in range(days)])


def _pcts(xs: Sequence[float]) -> str:
    return ", ".join(f"{x:.0%}" for x in xs)


def _daily_falls(rows: list[dict[str, Any]], after: int = 3) -> list[float]:
    """Pooled fall on each of the first `after` days after the peak day (storms only)."""
    days = np.array([_days(s) for s in _storms(rows)])
    if not days.size:
        return []
    peak = days.argmax(axis=1)
    keep = np.flatnonzero(peak <= 6 - after)
    levels = [days[keep, peak[keep] + k].sum() for k in range(after + 1)]
    return [1.0 - b / a if a > 0 else math.nan for a, b in itertools.pairwise(levels)]


def r5(scale: Scale = DOC_SCALE) -> Result:
    """R5: first 24 h carry 30-70% of 7-day volume; after the peak, volume falls 50-85% a day.

    Measured over the storm runs of the firestorm presets, days counted from
    the complaint:

    - day-1 share: day-1 negative posts / 7-day negative posts, the mean over
      storms (t interval);
    - fall after the peak: 1 - (volume on the day after the peak day) /
      (volume on the peak day), pooled over storms whose peak is before day 7
      (ratio of sums, stratified bootstrap);
    - heavy tail: the decline slows, i.e. the fall on the second day after
      the peak is smaller than on the first: their difference > 0 (storms
      peaking before day 6). A geometric (exponential) decline has
      difference 0, a heavier tail a positive one.
    """
    all_rows = firestorm_batch(scale.firestorm)
    rows = _storms(all_rows)
    days = np.array([_days(s) for s in rows]) if rows else np.zeros((0, 7))
    strata = np.array([s["scenario"] for s in rows])
    totals = days.sum(axis=1)
    day1 = mean_t(days[totals > 0, 0] / totals[totals > 0])
    peak = days.argmax(axis=1)
    i1 = np.flatnonzero(peak <= 5)
    top, next1 = days[i1, peak[i1]], days[i1, peak[i1] + 1]
    fall1 = bootstrap(lambda i: 1.0 - next1[i].sum(1) / top[i].sum(1), i1.size, strata[i1])
    i2 = np.flatnonzero(peak <= 4)
    d0, d1, d2 = (days[i2, peak[i2]], days[i2, peak[i2] + 1], days[i2, peak[i2] + 2])

    def slows(i: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (1.0 - d1[i].sum(1) / d0[i].sum(1)) - (1.0 - d2[i].sum(1) / d1[i].sum(1))

    tail = bootstrap(slows, i2.size, strata[i2])
    falls = _daily_falls(all_rows)
    discovery = _scenario(case_scenarios()[0]).spread.discovery_h if rows else math.nan
    slow_why = (f"outside viewers find a post only after a mean {discovery:g} h (the slow "
                f"discovery channel), so each generation of the storm spreads over about a "
                f"day and the peak day's successor keeps much of it")
    tail_why = f"the decline steepens (falls on days 1-3 after the peak: {_pcts(falls)})"
    if scale.diagnostics:
        fast = _daily_falls(firestorm_batch(scale.firestorm,
                                            (("spread.discovery_h", FAST_DISCOVERY_H),)))
        flat = _daily_falls(firestorm_batch(scale.firestorm,
                                            (("spread.novelty_days", NOVELTY_NEAR_OFF),)))
        slow_why += (f"; with discovery_h {FAST_DISCOVERY_H:g} the falls after the peak are "
                     f"{_pcts(fast)}")
        tail_why += (f": the slow discovery channel holds up the first day after the peak "
                     f"while novelty decay keeps lowering the storm's reproduction number; "
                     f"with discovery_h {FAST_DISCOVERY_H:g} the falls are {_pcts(fast)}, with "
                     f"novelty_days {NOVELTY_NEAR_OFF:g} (decay near off) {_pcts(flat)}")
    parts = (Part("day-1 share", day1, 0.30, 0.70, "30-70%", "%",
                  why="too front-loaded" if day1.value > 0.7
                  else f"too little on day 1: {slow_why}"),
             Part("fall after peak", fall1, 0.50, 0.85, "50-85%/day", "%",
                  why=slow_why if fall1.value < 0.5 else "too fast a fall"),
             Part("tail: fall slows by", tail, 0.0, math.inf, "> 0 (decline slows)", "%",
                  strict=True, why=tail_why))
    peak_days = np.bincount(peak + 1, minlength=8)[1:] if rows else np.zeros(7, dtype=int)
    facts = (f"{len(rows)} storms; peak on day 1..7: "
             f"{', '.join(str(int(x)) for x in peak_days)}")
    return _result("R5", "first 24 h carry 30-70% of 7-day volume; after the peak, daily "
                   "volume falls 50-85% a day with a heavy tail", parts, len(all_rows), facts, r5)


def r7(scale: Scale = DOC_SCALE) -> Result:
    """R7: first media story 0.5-4 days after the trigger; social volume peaks 1-6 h after a story.

    Measured over the runs of the firestorm presets that have a news story:

    - first story: the median time from the complaint to the first story, in
      days (order-statistic interval);
    - peak after a story: for the first story of each run, the time from the
      story to the busiest hour of negative posts in the 24 h after it
      (centre of that hour); the median (order-statistic interval).
    """
    rows = firestorm_batch(scale.firestorm)
    told = [s for s in rows if s["media_times"]]
    first = np.array([min(s["media_times"]) - s["posted_at_h"] for s in told])
    lags = []
    for s in told:
        t = min(s["media_times"])
        hourly = np.asarray(s["hourly_negative"], dtype=float)
        b0 = math.floor(t)
        window = hourly[b0:b0 + 24]
        if window.size and window.sum() > 0:
            lags.append(max(0.0, b0 + int(np.argmax(window)) + 0.5 - t))
    first_days = quantile_ci(first / 24.0, 0.5)
    lag = quantile_ci(lags, 0.5)
    m = _scenario(case_scenarios()[0]).media if rows else MediaConfig()
    level = np.array([s["peak_hourly_negative"] / (m.reference_share_per_h * s["users"])
                      for s in told])
    own_peak = np.median([s["time_to_peak_h"] for s in told]) if told else math.nan
    first_why = (f"the pickup hazard grows with volume^{m.kappa:g} against a reference of "
                 f"{m.reference_share_per_h:.2%} of users per hour, and storms peak at a median "
                 f"{np.median(level) if level.size else math.nan:.0f}x that level, so a story "
                 f"is picked up within hours (median lag to print {m.lag_median_h:g} h)"
                 if first_days.value < 0.5 else "the first story comes too late")
    lag_why = (f"the first story comes while the storm is still growing (median "
               f"{np.median(first) if first.size else math.nan:.1f} h after the complaint; "
               f"these storms peak at {own_peak:.1f} h), so the busiest hour after it is the "
               f"storm's own peak, not a story-driven one" if lag.value > 6.0
               else "volume peaks too soon after a story")
    parts = (Part("first story", first_days, 0.5, 4.0, "0.5-4 days", "days", why=first_why),
             Part("peak after story", lag, 1.0, 6.0, "1-6 h", "h", why=lag_why))
    inside = float(np.mean((first >= 12.0) & (first <= 96.0))) if first.size else math.nan
    facts = (f"{len(told)} of {len(rows)} runs have a story; {inside:.0%} of first stories "
             f"fall in 12-96 h")
    return _result("R7", "first media story 0.5-4 days after the trigger in firestorm presets; "
                   "social volume peaks 1-6 h after a story", parts, len(rows), facts, r7)


def r13(scale: Scale = DOC_SCALE) -> Result:
    """R13: reach below 95% of the population in >= 95% of runs.

    Measured: the share of runs whose reach (users who saw a negative post)
    is below 95% of the users (Wilson), over (a) the firestorm presets, no
    injects, and (b) the shipped library with every built-in strategy.
    """
    fs = firestorm_batch(scale.firestorm)
    lib = [r for name in library_strategies() for r in library_batch(name, scale.library)]
    k_fs = sum(s["reach"] < 0.95 * s["users"] for s in fs)
    k_lib = sum(r["reach"] < 0.95 * r["users"] for r in lib)
    storms = _storms(fs)
    reach = np.array([s["reach"] / s["users"] for s in storms])
    views = sum(s["outside_views"] for s in storms) / max(1, sum(s["views"] for s in storms))
    full = float(np.mean(reach >= 0.95)) if reach.size else math.nan
    why = (f"{full:.0%} of the storms reach 95% of the users (median reach of storm runs "
           f"{np.median(reach) if reach.size else math.nan:.0%}): search and trend viewers, "
           f"{views:.0%} of their views, reach users whether they follow anyone or not, and "
           f"news readers add more")
    parts = (Part("firestorm presets", wilson(k_fs, len(fs)), 0.95, 1.0, ">= 95%", "%",
                  why=why),
             Part("shipped library", wilson(k_lib, len(lib)), 0.95, 1.0, ">= 95%", "%",
                  why=why))
    facts = (f"{len(storms)} storms among {len(fs)} firestorm runs; highest in the library: "
             f"{_widest_reach(lib)}")
    return _result("R13", "reach below 95% of the population in >= 95% of runs", parts,
                   len(fs) + len(lib), facts, r13)


def _widest_reach(rows: list[dict[str, Any]]) -> str:
    by: dict[str, list[float]] = {}
    for r in rows:
        by.setdefault(r["scenario"], []).append(r["reach"] / r["users"])
    name, shares = max(by.items(), key=lambda kv: float(np.mean(kv[1])))
    high = float(np.mean(np.array(shares) >= 0.95))
    return f"{name} (mean {np.mean(shares):.0%}, {high:.0%} of its runs >= 95%)"


def r14(scale: Scale = DOC_SCALE) -> Result:
    """R14: across firestorm presets 45-70% of runs show a clear trust dip, 30-50% a residual.

    Measured over every run of the firestorm presets (no injects, reference
    strategy): the share with a clear dip, `trust_dip` >= 1 index point, and
    the share with a residual at the horizon, `trust_start - trust_30d` >= 1
    index point (30 days after the complaint, recovery extrapolated); Wilson.

    Why 1 point, for both: Hansen et al. 2018 classed a brand as hurt, short
    term and long term, from its daily YouGov brand-perception scores, one
    instrument for both, so one threshold serves both: the smallest change
    such a panel score resolves [A]. On this index (start 20, like Domino's
    buzz 22.5 before its crisis) 1 point is a 5% fall, a ninth of Domino's
    8.9-point (-40%) fall, which lies at the severe end of Hansen's cases.
    The note gives both shares at 0.5 and 2 points, to show how much the
    verdict rests on the threshold.
    """
    rows = firestorm_batch(scale.firestorm)
    n = len(rows)

    def counts(th: float) -> tuple[int, int]:
        dips = sum(float(s["trust_dip"]) >= th for s in rows)
        resid = sum(float(s["trust_start"]) - float(s["trust_30d"]) >= th for s in rows)
        return dips, resid

    d, r = counts(TRUST_CLEAR)
    dips = np.array([float(s["trust_dip"]) for s in rows])
    storm = np.array([_is_storm(s) for s in rows])
    clear_storms = float(np.mean(dips[storm] >= TRUST_CLEAR)) if storm.any() else math.nan
    dip_why = (f"only {storm.mean():.0%} of the runs become storms, {clear_storms:.0%} of "
               f"those dip clearly, and the rest barely move the index (median dip of all runs "
               f"{np.median(dips):.2f} points)" if d / n < 0.45
               else f"too many runs dip clearly (median dip {np.median(dips):.2f} points)")
    parts = (Part("clear dip", wilson(d, n), 0.45, 0.70, "45-70%", "%", why=dip_why),
             Part("residual at 30 days", wilson(r, n), 0.30, 0.50, "30-50%", "%",
                  why=f"{r} of the {d} runs with a clear dip keep a residual"))
    alt = "; ".join(f"at {th:g} pt {a / n:.0%} / {b / n:.0%}"
                    for th in (0.5, 2.0) for a, b in [counts(th)])
    facts = f"threshold {TRUST_CLEAR:g} index point (5% of the start); {alt}"
    return _result("R14", "across firestorm presets 45-70% of runs show a clear trust dip, "
                   "30-50% keep a residual at the horizon", parts, n, facts, r14)


# ---- R6: outside the follower graph -----------------------------------------------------------
def r6(scale: Scale = DOC_SCALE) -> Result:
    """R6: 20-40% of participants reached from outside the follower graph.

    Measured: participants whose reaction came from an exposure outside the
    follower graph (`participants_outside`) as a share of all participants
    (`sharers`), pooled (ratio of sums, stratified bootstrap) over (a) the
    shipped library with every built-in strategy and (b) the firestorm
    presets, no injects. Outside exposures are search and trend viewers and
    the readers of a news story or a competitor's jab.
    """
    lib = [r for name in library_strategies() for r in library_batch(name, scale.library)]
    fs = firestorm_batch(scale.firestorm)

    def share(rows: list[dict[str, Any]]) -> Estimate:
        return ratio_of_sums(np.array([r["participants_outside"] for r in rows]),
                             np.array([r["sharers"] for r in rows]),
                             np.array([r["scenario"] for r in rows]))

    views = sum(r["outside_views"] for r in lib) / max(1, sum(r["views"] for r in lib))
    sp = _scenario(case_scenarios()[0]).spread
    why = (f"search and trend viewers alone make {views:.0%} of all views in the library: "
           f"while a storm trends each negative post reaches {sp.outside_reach:g} random "
           f"users, against visibility {sp.visibility:g} x its author's followers")
    parts = (Part("shipped library", share(lib), 0.20, 0.40, "20-40%", "%", why=why),
             Part("firestorm presets", share(fs), 0.20, 0.40, "20-40%", "%", why=why))
    facts = f"{sum(r['sharers'] for r in lib)} participants in the library runs"
    return _result("R6", "20-40% of participants reached from outside the follower graph",
                   parts, len(lib) + len(fs), facts, r6)


# ---- R8: content multipliers ------------------------------------------------------------------
def r8(scale: Scale = DOC_SCALE) -> Result:
    """R8: content multipliers (arousal, outrage) 1.1-1.5x per exposure, not more.

    Read from the engine's per-run parameters, no runs needed (the analytic
    tests check that the loop applies them per exposure): for every library
    scenario the content multiplier of its complaint, `arousal x evidence`
    as the engine caps it (`SpreadParams.content`). Parts: the largest over
    the library (<= 1.5) and the smallest among scenarios with angry or vivid
    content (arousal > 1 or evidence attached; >= 1.1). A third part stacks
    the outrage multiplier of the "they deleted my comment" storyline
    (`response.delete_story_reshare`) on the content multiplier: the largest
    per-exposure multiplier any post can carry.
    """
    content, stacked, angry = [], [], []
    for name in library():
        sc = _scenario(name)
        prm = Simulation(sc, seed=0).spread.params
        content.append(float(prm.content))
        stacked.append(float(prm.content) * float(prm.deletion_factor))
        if sc.complaint.arousal > 1.0 or sc.complaint.evidence != "none":
            angry.append(float(prm.content))
    parts = (Part("largest content", Estimate(max(content)), 1.0, 1.5, "<= 1.5x", "x",
                  why="arousal x evidence above the cap"),
             Part("smallest angry content", Estimate(min(angry) if angry else math.nan),
                  1.1, 1.5, ">= 1.1x", "x", why="an angry or vivid complaint barely counts"),
             Part("largest stacked", Estimate(max(stacked)), 1.0, 1.5, "<= 1.5x", "x",
                  why=f"the cap ({CONTENT_CAP:g}) holds for arousal x evidence only; the "
                  f"deletion storyline's multiplier stacks on it uncapped"))
    facts = (f"content = min({CONTENT_CAP:g}, arousal x evidence): {min(content):.2f}-"
             f"{max(content):.2f} over {len(content)} scenarios; read from parameters")
    return _result("R8", "content multipliers (arousal, outrage) 1.1-1.5x per exposure, not "
                   "more", parts, 0, facts, r8)


# ---- R9-R12: paired strategies over the shipped library ---------------------------------------
def _paired(arm_a: str, arm_b: str, runs: int, key: str = "vol72", shipped: bool = True
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(arm a's values, arm b's, scenario names), paired by (scenario, seed)."""
    a, b = library_batch(arm_a, runs, shipped), library_batch(arm_b, runs, shipped)
    if [(r["scenario"], r["seed"]) for r in a] != [(r["scenario"], r["seed"]) for r in b]:
        raise RuntimeError("arms are not paired")
    return (np.array([r[key] for r in a], dtype=float), np.array([r[key] for r in b], dtype=float),
            np.array([r["scenario"] for r in a]))


def _volume_ratio(arm_a: str, arm_b: str, runs: int, shipped: bool = True) -> Estimate:
    a, b, strata = _paired(arm_a, arm_b, runs, shipped=shipped)
    return ratio_of_sums(a, b, strata)


def _abs_change(ratio: Estimate) -> Estimate:
    """|ratio - 1| with the interval mapped through it (from 0 when it holds 1)."""
    value = abs(ratio.value - 1.0)
    if ratio.lo is None or ratio.hi is None:
        return Estimate(value)
    ends = (abs(ratio.lo - 1.0), abs(ratio.hi - 1.0))
    lo = 0.0 if ratio.lo <= 1.0 <= ratio.hi else min(ends)
    return Estimate(value, lo, max(ends))


def _elasticities(ratios: dict[str, Estimate]) -> str:
    fx = ResponseEffects()
    out = []
    for lever, field_name in LEVER_SHARE.items():
        mult = float(getattr(fx, field_name))
        text = f"{lever} x{mult:g} per exposure -> x{ratios[lever].value:.2f} volume"
        out.append(text)
    return "; ".join(out)


def r9(scale: Scale = DOC_SCALE) -> Result:
    """R9: fast empathetic vs none 0.85-1.05; single levers within ~25%; strategies within 3x.

    Measured on the shipped library (every scenario, injects kept, >= 72 h),
    paired seeds; volume = negative posts in the 72 h after the complaint:

    - fast-empathetic / silent: ratio of the library's total volumes
      (stratified paired bootstrap);
    - single levers: each lever alone at detection (`LEVERS`: apology,
      neutral reply, defensive reply, solution, compensation, one deletion)
      against silence; the part is the largest |ratio - 1| over the levers
      (band <= 25%); the note gives every lever's ratio;
    - spread of built-in strategies: per scenario, the largest mean 72 h
      volume over the built-in strategies divided by the smallest; the part
      is the worst scenario's ratio (band <= 3; bootstrap over its seeds).
    """
    runs = scale.library
    fast = _volume_ratio("fast-empathetic", "silent", runs)
    ratios = {lever: _volume_ratio(f"lever:{lever}", "silent", runs) for lever in LEVERS}
    worst = max(ratios, key=lambda k: abs(ratios[k].value - 1.0))
    spread, where = _strategy_spread(runs)
    fast_why = ("the levers' effect on volume compounds: " + _elasticities(ratios)
                + "; a statement's share multiplier acts on every later generation of the "
                "cascade and, through the volume, on the trend and media feedbacks")
    if scale.diagnostics:
        plain = _volume_ratio("fast-empathetic", "silent", runs, shipped=False)
        neutral = _volume_ratio("lever:neutral reply", "silent", runs, shipped=False)
        fast_why += (f". With every inject removed fast-empathetic / silent is "
                     f"{plain.value:.2f} and a neutral reply {neutral.value:.2f} (shipped: "
                     f"{ratios['neutral reply'].value:.2f}): the shipped journalist injects "
                     f"publish half as often once the brand has spoken")
    parts = (Part("fast-empathetic / silent", fast, 0.85, 1.05, "0.85-1.05", "x", why=fast_why),
             Part("largest single-lever change", _abs_change(ratios[worst]), 0.0, 0.25,
                  "<= 25%", "%", why=f"largest: {worst}"),
             Part("strategy spread (worst preset)", spread, 1.0, 3.0, "<= 3x", "x",
                  why=f"widest in {where}"))
    facts = "lever / silent: " + ", ".join(f"{k} {v.value:.2f}" for k, v in ratios.items())
    n = len(library_batch("silent", runs)) * (len(library_strategies()) + len(LEVERS))
    if scale.diagnostics:
        n += 3 * len(library_batch("silent", runs))
    return _result("R9", "fast empathetic reply vs none: 72 h volume ratio 0.85-1.05; no "
                   "single lever moves volume by more than ~25%; all built-in strategies "
                   "within 3x of each other in volume", parts, n, facts, r9)


def _strategy_spread(runs: int) -> tuple[Estimate, str]:
    """The worst scenario's max/min mean 72 h volume over the built-in strategies."""
    names = library_strategies()
    batches = [library_batch(s, runs) for s in names]
    scen = np.array([r["scenario"] for r in batches[0]])
    vol = np.array([[r["vol72"] for r in rows] for rows in batches], dtype=float)  # (S, units)
    worst, worst_name, cols = -1.0, "", np.zeros(0, dtype=int)
    for name in dict.fromkeys(scen.tolist()):
        c = np.flatnonzero(scen == name)
        means = vol[:, c].mean(axis=1)
        ratio = means.max() / means.min() if means.min() > 0 else math.inf
        if ratio > worst:
            worst, worst_name, cols = ratio, name, c
    sub = vol[:, cols]
    means = sub.mean(axis=1)
    label = (f"{worst_name}: {names[int(means.argmax())]} {means.max():.0f} vs "
             f"{names[int(means.argmin())]} {means.min():.1f} posts")

    def stat(idx: np.ndarray) -> np.ndarray:
        m = sub[:, idx].mean(axis=2)  # (S, B)
        with np.errstate(divide="ignore", invalid="ignore"):
            return m.max(axis=0) / m.min(axis=0)

    return bootstrap(stat, cols.size, value=worst), label


def r10(scale: Scale = DOC_SCALE) -> Result:
    """R10: early public compensation draws more volume than an apology (ratio 1-1.3).

    Measured on the shipped library, paired seeds: 72 h negative volume with a
    public compensation offer at detection and nothing else, divided by the
    volume with an empathetic apology at detection and nothing else (the
    `LEVERS` arms); ratio of library totals, stratified paired bootstrap.
    """
    ratio = _volume_ratio("lever:compensation", "lever:apology", scale.library)
    fx = ResponseEffects()
    per = fx.share_compensation / fx.share_empathetic
    why = (f"per exposure the two differ by {per:.2f}x ({fx.share_compensation:g} / "
           f"{fx.share_empathetic:g}) plus copy-cat claims on the offer "
           f"({fx.backlash_compensation:g} x p0 per viewer); compounded over the cascade "
           f"that becomes {ratio.value:.2f}x in volume" if ratio.value > 1.3
           else "compensation does not draw more volume than an apology")
    parts = (Part("compensation / apology", ratio, 1.0, 1.3, "1-1.3", "x", why=why),)
    return _result("R10", "early public compensation: more volume than an apology (ratio "
                   "1-1.3)", parts, 2 * len(library_batch("silent", scale.library)),
                   "both at detection, nothing else", r10)


def r11(scale: Scale = DOC_SCALE) -> Result:
    """R11: on trust, fast accommodative beats silence in every utilitarian preset; defensive worse.

    Measured on every utilitarian library scenario (`complaint.context`),
    shipped, paired seeds, trust = `reputation_end` (the ranking rule's first
    key):

    - accommodative beats silence: per preset, mean trust with fast-empathetic
      minus with silent; the part is the smallest difference over the presets
      (band > 0), with its paired t interval;
    - defensive worse: per preset, mean trust with a defensive reply minus with
      an empathetic reply at the same time (1 h after detection,
      `MATCHED_EMPATHETIC`); the part is the largest difference (band < 0).
    """
    runs = scale.library
    names = [n for n in library() if _scenario(n).complaint.context == "utilitarian"]
    f, s, strata = _paired("fast-empathetic", "silent", runs, "reputation_end")
    d, e, _ = _paired("defensive", "empathetic-reply-1h", runs, "reputation_end")
    beats = {n: mean_t(f[strata == n] - s[strata == n]) for n in names}
    worse = {n: mean_t(d[strata == n] - e[strata == n]) for n in names}
    b_name = min(beats, key=lambda k: beats[k].value)
    w_name = max(worse, key=lambda k: worse[k].value)
    nb = sum(v.value > 0 for v in beats.values())
    nw = sum(v.value < 0 for v in worse.values())
    parts = (Part("fast-empathetic - silent (worst preset)", beats[b_name], 0.0, math.inf,
                  "> 0 in every preset", "pts", strict=True,
                  why=f"silence wins on trust in {len(names) - nb} presets, e.g. {b_name}"),
             Part("defensive - empathetic (worst preset)", worse[w_name], -math.inf, 0.0,
                  "< 0 in every preset", "pts", strict=True,
                  why=f"defensive does as well in {len(names) - nw} presets, e.g. {w_name}"))
    facts = (f"{len(names)} utilitarian presets; accommodative beats silence in {nb}, "
             f"defensive below accommodative in {nw}; worst: {b_name} / {w_name}")
    return _result("R11", "on trust: a fast accommodative reply beats silence in every "
                   "utilitarian preset, and defensive does worse than accommodative there",
                   parts, 4 * len(f), facts, r11)


def r12(scale: Scale = DOC_SCALE) -> Result:
    """R12: unnoticed deletion cuts volume by <= 20%; noticed deletion raises volume, lowers trust.

    Measured on the shipped library, paired seeds, with the deleter strategy
    (deletes at detection and every 6 h, never speaks):

    - unnoticed: `response.notice_prob` 0; 72 h volume / silent's; band
      0.8-1.0 (cuts by at most 20%);
    - noticed: `response.notice_prob` 1; over the pairs in which a deletion
      was noticed, 72 h volume / silent's (band > 1) and mean trust
      (`reputation_end`) minus silent's (band < 0, paired t interval).
    """
    runs = scale.library
    unnoticed = _volume_ratio("deleter-unnoticed", "silent", runs)
    rows = library_batch("deleter-noticed", runs)
    seen = np.array([r["deletions_noticed"] > 0 for r in rows])
    x, y, st = _paired("deleter-noticed", "silent", runs)
    up = ratio_of_sums(x[seen], y[seen], st[seen])
    tx, ty, _ = _paired("deleter-noticed", "silent", runs, "reputation_end")
    trust = mean_t(tx[seen] - ty[seen])
    rx, ry, rs = _paired("deleter-noticed", "silent", runs, "reach")
    reach = ratio_of_sums(rx[seen], ry[seen], rs[seen])
    penalty = _scenario(ORDINARY).response.trust_deletion_noticed
    gone = np.array([r["deleted_share"] for r in library_batch("deleter-unnoticed", runs)
                     if r["negative_posts"] > 0])
    on_channel = _scenario(ORDINARY).response.on_channel
    cut_why = (f"the deleter removes {np.mean(gone):.0%} of negative posts on average "
               f"(every post by a brand follower and {on_channel:.0%} of the rest sit on its "
               f"channel) and with them all their pending reactions, at every round of "
               f"deletions")
    up_why = (f"the 'they deleted my comment' storyline adds volume (noticed {up.value:.2f} "
              f"vs unnoticed {unnoticed.value:.2f} of silent's) but less than the deletions "
              f"remove" if up.value <= 1.0 else "")
    parts = (Part("unnoticed / silent", unnoticed, 0.80, 1.0, "0.8-1.0", "x", why=cut_why),
             Part("noticed / silent", up, 1.0, math.inf, "> 1", "x", strict=True, why=up_why),
             Part("noticed trust - silent", trust, -math.inf, 0.0, "< 0", "pts", strict=True,
                  why=f"the deletions also shrink the audience (reach {reach.value:.2f} of "
                  f"silent's), so fewer people judge the brand, and the heavier judgement after "
                  f"a noticed deletion (x{penalty:g}) does not make up for it"))
    facts = f"a deletion was noticed in {int(seen.sum())} of {seen.size} noticed-arm runs"
    return _result("R12", "unnoticed deletion cuts 72 h volume by at most 20%; noticed deletion "
                   "raises volume and lowers trust", parts, 3 * len(rows), facts, r12)


# ---- the table ---------------------------------------------------------------------------------
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


TARGETS: dict[str, Callable[[Scale], Result]] = {
    "R1": r1, "R2": r2, "R3": r3, "R4": r4, "R5": r5, "R6": r6, "R7": r7, "R8": r8,
    "R9": r9, "R10": r10, "R11": r11, "R12": r12, "R13": r13, "R14": r14, "R15": r15,
}


def measure_all(scale: Scale = DOC_SCALE, only: Sequence[str] = ()) -> list[Result]:
    """Every target (or those in `only`), in order."""
    return [fn(scale) for rid, fn in TARGETS.items() if not only or rid in only]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(results: list[Result], scale: Scale, command: str = "") -> str:
    """The Markdown block: how it was made, the table, and what each target measures."""
    command = command or "python -m scenarios.realism --write"
    lines = [
        f"Generated by `{command}`: {scale.describe()} (seeds from 0; paired arms share "
        "their seeds). Intervals are 95%. A target passes when its point estimate lies in "
        "its band; a miss stays a miss, with its reason in the note: the bands are "
        "MODEL.md's, never widened. Definitions: `scenarios/realism.py` and the list below "
        "the table; tests: `tests/validation/test_realism.py` (fewer runs, same bands).",
        "",
        "| # | target | band | measured [95% interval] | runs | result | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        status = {"pass": "pass", "miss": "**miss**", "not measured": "*not measured*"}[r.status]
        lines.append(f"| {r.id} | {_cell(r.target)} | {_cell(r.band)} | {_cell(r.measured)} | "
                     f"{r.runs} | {status} | {_cell(r.note)} |")
    lines += ["", "What each target measures:", ""]
    lines += [f"- **{r.id}**: {r.what}" for r in results]
    return "\n".join(lines) + "\n"


def render(text: str, body: str) -> str:
    """`text` with the realism block replaced by `body` (appended as a section if absent)."""
    pattern = re.compile(re.escape(BEGIN) + r"\n.*?" + re.escape(END), re.S)
    block = f"{BEGIN}\n{body}{END}"
    if pattern.search(text):
        return pattern.sub(lambda _: block, text, count=1)
    return text.rstrip("\n") + f"\n\n{SECTION}\n\n{block}\n"


def write_doc(results: list[Result], scale: Scale, command: str = "",
              path: Path = DOC) -> Path:
    """Rewrite the generated realism block of docs/model.md (nothing else in it)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(render(text, table(results, scale, command)), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="measure the realism targets R1-R15 "
                                 "(MODEL.md section 6)")
    ap.add_argument("--runs", type=int, default=DEFAULT_RUNS,
                    help=f"seeds per scenario and arm (default {DEFAULT_RUNS}); the "
                    "ordinary-complaint preset runs 25 times as many")
    ap.add_argument("--write", action="store_true", help="rewrite the block in docs/model.md")
    ap.add_argument("targets", nargs="*", help="only these targets (e.g. R1 R9)")
    args = ap.parse_args(argv)
    only = [t.upper() for t in args.targets]
    unknown = [t for t in only if t not in TARGETS]
    if unknown:
        ap.error(f"unknown target(s): {', '.join(unknown)}")
    if args.write and only:
        ap.error("--write measures every target; drop the target list")
    if args.runs < 2:
        ap.error("--runs must be at least 2")
    scale = Scale.of(args.runs)
    command = "python -m scenarios.realism --write" + (
        f" --runs {args.runs}" if args.runs != DEFAULT_RUNS else "")
    results = measure_all(scale, only)
    print(table(results, scale, command))
    if args.write:
        print(f"wrote {write_doc(results, scale, command)}")
        return 0
    return 0 if all(r.passed for r in results) else 1  # 1: some target misses


if __name__ == "__main__":
    sys.exit(main())
