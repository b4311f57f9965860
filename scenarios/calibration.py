"""Calibration of the shared model parameters against the eight real cases.

Each case-based library scenario holds facts only (audiences, evidence,
crisis type, the documented injects and, in its reference strategy, the
brand's documented actions) and, in its `calibration` section, the real
case's shape with a tolerance per target, written before any fitting
(docs/model.md, "10. Calibration"): peak day, day of the first news story, share of the
volume in day 1, days to 90% of the volume, and the trust dip where a source
measured one. Response latency is reported as a consistency check of the
reference strategy, never fitted and never counted as a pass or a miss.

Every case runs with `network.resample` on (a new follower graph per
replica, its seed derived from the replica's seed) over at least
`WINDOW_H` hours after the complaint, so the volume-based targets see the
whole storm even where a drill stops earlier.

`python -m tests.regenerate calibration --print` prints the table for the
shipped parameter set (simulator/fitted.py). `fit_all` fits ONE set of the parameters
in `FIT_PARAMS` jointly over every case, within their ranges, with common
random numbers (the same seeds for every candidate) and a fixed budget of
evaluations of a derivative-free optimiser (Nelder-Mead on a transformed
box), then the leave-one-case-out error: refit on seven cases from the joint
optimum with a small budget and predict the eighth. This module only returns
text (`table`, `render_doc`, `render_fitted`); `python -m tests.regenerate fit`
fits and rewrites simulator/fitted.py and the generated table in
docs/scenarios.md, `python -m tests.regenerate calibration` only regenerates
the table from the sets in simulator/fitted.py.
The tests (tests/scenarios/test_calibration.py) replay the table's replicas
and check its pass/miss column.
"""

from __future__ import annotations

import dataclasses
import math
import pprint
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import numpy as np

from scenarios.library import library_scenarios
from scenarios.loader import load_scenario, load_strategy
from scenarios.refs import SCENARIO_DIR, STRATEGY_DIR, Site, resolve
from scenarios.scenario_file import ScenarioFile
from simulator import fitted
from simulator.config import Scenario, replace_path
from simulator.network import Network
from simulator.population import build_network
from simulator.simulation import Simulation
from simulator.strategy import Strategy

WINDOW_H = 168.0  # every case runs at least this long after the complaint
FIT_SEEDS = tuple(range(10))  # common random numbers: every candidate sees these replicas
TABLE_SEEDS = tuple(range(1000, 1016))  # fresh replicas for the table and the tests
JOINT_BUDGET = 150  # objective evaluations of the joint fit
LOO_BUDGET = 12  # ... of each leave-one-case-out refit
IN_TOLERANCE_WEIGHT = 0.05  # small pull towards the target inside the tolerance
NO_STORY_DAYS = 1.0  # a run without a news story scores its window plus this many days

#: quantity -> (label in the table, tolerance field of the Calibration section)
QUANTITIES: dict[str, tuple[str, str]] = {
    "peak_day": ("peak day", "tolerance_days"),
    "first_media_day": ("first media day", "tolerance_media_days"),
    "day1_share": ("day-1 share", "tolerance_day1_share"),
    "duration_days": ("days to 90%", "tolerance_duration_days"),
    "trust_dip": ("trust dip", "tolerance_trust_dip"),
}
LATENCY = "response_latency_h"
LATENCY_LABEL = "latency h (check)"
#: parameters that act on some quantities only: a leave-one-case-out refit whose
#: training cases have none of them cannot learn the parameter, so it falls back
#: to the middle of its range instead of keeping the joint optimum
ONLY_ACTS_ON: dict[str, set[str]] = {"reputation.damage": {"trust_dip"}}


# ---- cases ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    quantity: str
    target: float
    tolerance: float


@dataclass(frozen=True)
class Case:
    """One case-based scenario as the calibration runs it."""

    name: str
    title: str  # the real case
    scenario: Scenario  # resample on, run at least WINDOW_H after the complaint
    strategy: Strategy | None
    targets: tuple[Target, ...]
    latency: Target | None


def reference_strategy(scenario: Scenario, scenario_file: Path) -> Strategy | None:
    """The scenario's reference strategy (None when it names none).

    A library name, or a path relative to the scenario file. The goldens use
    the same resolution, so both pin the run the calibration is about.
    """
    ref = ScenarioFile.of(scenario).calibration.reference_strategy
    if not ref:
        return None
    site = Site(str(scenario_file), "calibration.reference_strategy", None,
                scenario_file.parent, "the scenario file")
    path, _ = resolve(ref, (STRATEGY_DIR,), "strategy", site)
    return load_strategy(str(path))


def case_names() -> list[str]:
    """The library scenarios that name a real case, sorted."""
    return [e.name for e in library_scenarios() if load_scenario(e.name).calibration.case]


def calibration_scenario(sc: Scenario) -> Scenario:
    """The scenario as calibration runs it: a new graph per replica, the whole storm."""
    window = max(float(sc.duration_h), sc.complaint.posted_at_h + WINDOW_H)
    return dataclasses.replace(sc, duration_h=window,
                               network=dataclasses.replace(sc.network, resample=True))


def make_case(name: str, scenario: Scenario, strategy: Strategy | None) -> Case:
    cal = ScenarioFile.of(scenario).calibration
    targets = tuple(Target(q, float(getattr(cal, q)), float(getattr(cal, tol)))
                    for q, (_, tol) in QUANTITIES.items() if getattr(cal, q) is not None)
    latency = (Target(LATENCY, float(cal.response_latency_h), float(cal.tolerance_h))
               if cal.response_latency_h is not None else None)
    return Case(name, cal.case, calibration_scenario(scenario), strategy, targets, latency)


def load_case(name: str, strategy: Strategy | None = None) -> Case:
    """A library case with its reference strategy (or `strategy`, e.g. a wrong one)."""
    sc = load_scenario(name)
    if strategy is None:
        strategy = reference_strategy(sc, SCENARIO_DIR / f"{name}.yaml")
    return make_case(name, sc, strategy)


def load_cases(names: Iterable[str] | None = None) -> list[Case]:
    return [load_case(n) for n in (case_names() if names is None else names)]


# ---- parameters ----------------------------------------------------------------------------
def param_range(scenario: Scenario, dotted: str) -> tuple[float, float]:
    """The plausible range (`range_` in simulator.config) of a model parameter."""
    section, _, name = dotted.partition(".")
    cls = type(getattr(scenario, section))
    meta = {f.name: f.metadata for f in dataclasses.fields(cls)}[name]
    if meta.get("range") is None:
        raise ValueError(f"{dotted} has no range_ in simulator/config.py")
    lo, hi = meta["range"]
    return float(lo), float(hi)


def with_params(scenario: Scenario, params: dict[str, float]) -> Scenario:
    for dotted, value in params.items():
        scenario = replace_path(scenario, dotted, float(value))
    return scenario


def ranges(names: Sequence[str]) -> dict[str, tuple[float, float]]:
    base = Scenario()
    return {n: param_range(base, n) for n in names}


def to_box(value: float, lo: float, hi: float) -> float:
    """Unbounded coordinate of a value in (lo, hi): logit of its log-scale position."""
    z = math.log(value / lo) / math.log(hi / lo)
    z = min(max(z, 1e-6), 1 - 1e-6)
    return math.log(z / (1 - z))


def from_box(x: float, lo: float, hi: float) -> float:
    """Inverse of `to_box`: any real maps into (lo, hi), evenly on a log scale."""
    z = 1.0 / (1.0 + math.exp(-x))
    return lo * (hi / lo) ** z


# ---- running and measuring -----------------------------------------------------------------
_NETWORKS: dict[tuple[str, int], Network] = {}


def network(case: Case, seed: int) -> Network:
    """The replica's follower graph; the fitted parameters never change it, so it is kept."""
    key = (case.name, seed)
    if key not in _NETWORKS:
        _NETWORKS[key] = build_network(case.scenario, seed)
    return _NETWORKS[key]


def measure(sim: Simulation) -> dict[str, float]:
    """The calibrated quantities of one finished run (days count from the complaint)."""
    s = sim.summary()
    origin = sim.scenario.complaint.posted_at_h
    hourly = np.asarray(s["hourly_negative"], dtype=float)[int(origin):]
    days = np.add.reduceat(hourly, np.arange(0, hourly.size, 24)) if hourly.size else hourly
    total = float(hourly.sum())
    media = s["first_media_at_h"]
    window_days = (sim.duration - origin) / 24.0
    trust = np.asarray(s["hourly_trust"], dtype=float)
    cal = ScenarioFile.of(sim.scenario).calibration
    upto = min(trust.size, math.ceil(origin + 24.0 * cal.trust_dip_days) + 1)
    start = float(s["trust_start"])
    first = s["first_response_at_h"]
    return {
        "peak_day": float(np.argmax(days) + 1) if total > 0 else 0.0,
        "first_media_day": (math.floor((float(media) - origin) / 24.0) + 1.0
                            if media is not None else math.floor(window_days) + 1 + NO_STORY_DAYS),
        "day1_share": float(days[0] / total) if total > 0 else 0.0,
        "duration_days": float(s["duration_h"]) / 24.0,
        "trust_dip": (start - float(trust[:upto].min())) / start if start else 0.0,
        LATENCY: math.inf if first is None else float(first) - origin,
    }


def run_case(case: Case, params: dict[str, float], seeds: Sequence[int]) -> list[dict[str, float]]:
    """The measured quantities of each replica of a case under a parameter set."""
    sc = with_params(case.scenario, params)
    out = []
    for seed in seeds:
        sim = Simulation(sc, seed=seed, strategy=case.strategy, network=network(case, seed))
        sim.run()
        out.append(measure(sim))
    return out


@dataclass(frozen=True)
class Check:
    """One quantity of one case: target, tolerance and the simulated distribution."""

    scenario: str
    case: str
    quantity: str
    target: float
    tolerance: float
    median: float
    low: float  # 10th percentile
    high: float  # 90th percentile
    mean: float
    fitted: bool = True  # False: the latency consistency check

    @property
    def label(self) -> str:
        return QUANTITIES[self.quantity][0] if self.quantity in QUANTITIES else LATENCY_LABEL

    @property
    def ok(self) -> bool:
        return abs(self.median - self.target) <= self.tolerance + 1e-9

    @property
    def miss(self) -> float:
        """How far the median lies outside the tolerance, in tolerances (0: inside)."""
        return max(0.0, abs(self.median - self.target) - self.tolerance) / self.tolerance

    @property
    def loss(self) -> float:
        if not self.fitted:
            return 0.0
        pull = (self.mean - self.target) / self.tolerance
        return self.miss ** 2 + IN_TOLERANCE_WEIGHT * pull ** 2


def checks_of(case: Case, runs: list[dict[str, float]]) -> list[Check]:
    out = []
    items = [(t, True) for t in case.targets] + ([(case.latency, False)] if case.latency else [])
    for t, is_target in items:
        col = np.asarray([r[t.quantity] for r in runs], dtype=float)
        finite = col[np.isfinite(col)]
        median = float(np.median(col)) if finite.size * 2 > col.size else math.inf
        low, high = ((float(np.percentile(finite, 10)), float(np.percentile(finite, 90)))
                     if finite.size else (math.inf, math.inf))
        mean = float(finite.mean()) if finite.size else math.inf
        out.append(Check(case.name, case.title, t.quantity, t.target, t.tolerance, median,
                         low, high, mean, is_target))
    return out


def evaluate(case: Case, params: dict[str, float], seeds: Sequence[int]) -> list[Check]:
    return checks_of(case, run_case(case, params, seeds))


def loss(checks: Iterable[Check]) -> float:
    return float(sum(c.loss for c in checks))


def shipped_params() -> dict[str, float]:
    """The fitted set as simulator/fitted.py ships it (all its keys)."""
    return dict(fitted.FITTED)


# ---- fitting -------------------------------------------------------------------------------
@dataclass
class Fit:
    params: dict[str, float]  # the full set (fitted and fixed keys)
    value: float
    evaluations: int
    seconds: float


class _Best(TypedDict):
    """The best point `fit` has evaluated so far."""

    value: float
    params: dict[str, float]


def fit(cases: Sequence[Case], start: dict[str, float], names: Sequence[str], budget: int,
        seeds: Sequence[int] = FIT_SEEDS, step: float = 1.0,
        log: Callable[[str], None] | None = None) -> Fit:
    """Minimise the summed loss over `cases` in the parameters `names` (Nelder-Mead).

    The search runs on `to_box` coordinates, so every candidate lies inside
    the parameters' ranges; all candidates see the same `seeds` (common
    random numbers), so differences between them are the parameters' own.
    """
    from scipy.optimize import minimize

    box = ranges(names)
    x0 = np.array([to_box(start[n], *box[n]) for n in names])
    best: _Best = {"value": math.inf, "params": dict(start)}
    count = [0]
    t0 = time.monotonic()

    def params_at(x: np.ndarray) -> dict[str, float]:
        p = dict(start)
        p.update({n: from_box(float(xi), *box[n]) for n, xi in zip(names, x, strict=True)})
        return p

    def objective(x: np.ndarray) -> float:
        p = params_at(x)
        value = loss(c for case in cases for c in evaluate(case, p, seeds))
        count[0] += 1
        if value < best["value"]:
            best["value"], best["params"] = value, p
        if log:
            shown = " ".join(f"{n.split('.')[-1]}={p[n]:.4g}" for n in names)
            log(f"  eval {count[0]:3d}  loss {value:8.3f}  best {best['value']:8.3f}  {shown}")
        return value

    simplex = np.vstack([x0] + [x0 + step * np.eye(len(names))[i] for i in range(len(names))])
    minimize(objective, x0, method="Nelder-Mead",
             options={"maxfev": budget, "initial_simplex": simplex, "adaptive": True,
                      "xatol": 1e-3, "fatol": 1e-4})
    return Fit(best["params"], float(best["value"]), count[0],
               time.monotonic() - t0)


def loo_start(joint: dict[str, float], train: Sequence[Case], names: Sequence[str],
              ) -> tuple[dict[str, float], list[str]]:
    """Start of a leave-one-case-out refit and the parameters it may move.

    A parameter that acts only on quantities none of the training cases
    targets cannot be learnt from them: it goes back to the middle of its
    range (geometric mean) and stays there, instead of keeping the joint
    optimum that the held-out case shaped.
    """
    start = dict(joint)
    quantities = {t.quantity for c in train for t in c.targets}
    free = []
    for n in names:
        if n in ONLY_ACTS_ON and not (ONLY_ACTS_ON[n] & quantities):
            lo, hi = ranges([n])[n]
            start[n] = math.sqrt(lo * hi)
        else:
            free.append(n)
    return start, free


@dataclass
class Report:
    """Everything the table shows."""

    params: dict[str, float]
    checks: dict[str, list[Check]]  # case -> checks with the joint set
    loo_params: dict[str, dict[str, float]]  # held-out case -> its refit set
    loo_checks: dict[str, list[Check]]  # held-out case -> its checks under that set


def report(cases: Sequence[Case], params: dict[str, float],
           loo_params: dict[str, dict[str, float]], seeds: Sequence[int] = TABLE_SEEDS,
           ) -> Report:
    checks = {c.name: evaluate(c, params, seeds) for c in cases}
    loo = {c.name: evaluate(c, loo_params[c.name], seeds) for c in cases if c.name in loo_params}
    return Report(params, checks, loo_params, loo)


# ---- writing -------------------------------------------------------------------------------
def _fmt(x: float, quantity: str) -> str:
    if math.isinf(x):
        return "never"
    if quantity in ("day1_share", "trust_dip"):
        return f"{x:.2f}"
    return f"{x:.1f}"


def _tol(x: float, quantity: str) -> str:
    return f"±{x:.2f}" if quantity in ("day1_share", "trust_dip") else f"±{x:g}"


def table(rep: Report, seeds: Sequence[int] = TABLE_SEEDS) -> str:
    """The Markdown calibration table (the generated block of docs/scenarios.md)."""
    names = list(fitted.FIT_PARAMS)
    lines = [
        f"Fitted jointly over the {len(rep.checks)} cases (`python -m tests.regenerate "
        "fit`); values in `simulator/fitted.py`:", "",
        "| parameter | fitted | range |", "|---|---|---|"]
    box = ranges(names)
    for n in names:
        lines.append(f"| `{n}` | {rep.params[n]:.4g} | {box[n][0]:g}-{box[n][1]:g} |")
    fixed = [n for n in rep.params if n not in names]
    if fixed:
        lines += ["", "Held fixed (in `simulator/fitted.py` but not fitted): "
                  + ", ".join(f"`{n}` = {rep.params[n]:g}" for n in fixed) + "."]
    lines += [
        "", f"Simulated with the reference strategy over {len(seeds)} replicas (seeds "
        f"{seeds[0]} to {seeds[-1]}, not the fitting seeds), each on its own follower "
        f"graph (`network.resample`), at least {WINDOW_H:g} h after the complaint; "
        "median (10th-90th percentile). *Leave one out*: the case's median when the "
        "set is refitted on the other seven cases (starting from the joint optimum) "
        "and predicts this one. The latency rows are a consistency check of the "
        "reference strategy, not a target.", "",
        "| scenario | real case | quantity | target | simulated | pass | leave one out "
        "| pass |", "|---|---|---|---|---|---|---|---|"]
    summary = []
    for name, checks in rep.checks.items():
        loo = {c.quantity: c for c in rep.loo_checks.get(name, [])}
        for c in checks:
            sim = f"{_fmt(c.median, c.quantity)} ({_fmt(c.low, c.quantity)}-" \
                  f"{_fmt(c.high, c.quantity)})"
            target = f"{_fmt(c.target, c.quantity)} {_tol(c.tolerance, c.quantity)}"
            held = loo.get(c.quantity)
            if c.fitted:
                status = "pass" if c.ok else "**miss**"
                loo_cell = _fmt(held.median, c.quantity) if held else "-"
                loo_status = ("pass" if held.ok else "**miss**") if held else "-"
            else:
                status = "(check: yes)" if c.ok else "(check: no)"
                loo_cell, loo_status = "", ""
            lines.append(f"| {name} | {c.case} | {c.label} | {target} | {sim} | {status} "
                         f"| {loo_cell} | {loo_status} |")
        fitted_checks = [c for c in checks if c.fitted]
        held_out = [c for c in rep.loo_checks.get(name, []) if c.fitted]
        summary.append(
            f"| {name} | {sum(c.ok for c in fitted_checks)}/{len(fitted_checks)} | "
            f"{loss(fitted_checks):.2f} | "
            + (f"{sum(c.ok for c in held_out)}/{len(held_out)} | {loss(held_out):.2f} | "
               + (", ".join(c.label for c in held_out if not c.ok) or "none") + " |"
               if held_out else "- | - | - |"))
    lines += ["", "Per case: targets met with the joint set and its loss (sum of squared "
              "misses in tolerances, plus "
              f"{IN_TOLERANCE_WEIGHT:g} x the squared distance of the mean inside them); the "
              "same for the held-out prediction, and the targets it misses.", "",
              "| scenario | joint: met | joint: loss | held out: met | held out: loss "
              "| held out: missed |", "|---|---|---|---|---|---|", *summary]
    return "\n".join(lines) + "\n"


def render_doc(text: str, rep: Report) -> str:
    """`text` (docs/scenarios.md) with its generated calibration table made from `rep`."""
    from scenarios.reference import render

    return render(text, "CALIBRATION", table(rep))


def doc_statuses(text: str) -> dict[tuple[str, str], bool]:
    """(scenario, quantity label) -> pass, as the table in `text` (docs/scenarios.md) reports it."""
    block = text.split("<!-- BEGIN GENERATED CALIBRATION -->")[1].split(
        "<!-- END GENERATED CALIBRATION -->")[0]
    out = {}
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 8 and cells[5] in ("pass", "**miss**"):
            out[(cells[0], cells[2])] = cells[5] == "pass"
    return out


def render_fitted(text: str, params: dict[str, float], loo: dict[str, dict[str, float]],
                  joint: Fit, seconds: float) -> str:
    """The new text of simulator/fitted.py (`text`, its current text: its docstring is kept)."""
    doc = text[:text.index('"""', 3) + 3]
    names = list(fitted.FIT_PARAMS)
    body = [
        doc, "",
        "#: the parameters the fit moves (each within its `range_` in simulator/config.py);",
        "#: the other keys of FITTED are held at their values (config.py reads them here)",
        "FIT_PARAMS: tuple[str, ...] = (", *[f'    "{n}",' for n in names], ")", "",
        f"#: joint fit: loss {joint.value:.3f} after {joint.evaluations} evaluations on seeds "
        f"{FIT_SEEDS[0]}-{FIT_SEEDS[-1]} ({joint.seconds / 60:.1f} min;",
        f"#: with the leave-one-case-out refits {seconds / 60:.1f} min)",
        "FITTED: dict[str, float] = {",
        *[f'    "{k}": {_num(v)},' for k, v in params.items()], "}", "",
        "#: leave-one-case-out: the set refitted without each case (docs/scenarios.md)",
        "LOO_FITTED: dict[str, dict[str, float]] = {",
    ]
    for case, p in loo.items():
        body.append(f'    "{case}": {{')
        body += [f'        "{k}": {_num(v)},' for k, v in p.items() if k in names]
        body.append("    },")
    body.append("}")
    return "\n".join(body) + "\n"


def _num(v: float) -> str:
    return repr(float(f"{v:.4g}"))


def _rounded(params: dict[str, float]) -> dict[str, float]:
    return {k: float(f"{v:.4g}") for k, v in params.items()}


# ---- fitting everything ------------------------------------------------------------------
def shipped_loo(params: dict[str, float]) -> dict[str, dict[str, float]]:
    """The leave-one-case-out sets of simulator/fitted.py, each completed with `params`."""
    return {c: dict(params, **p) for c, p in getattr(fitted, "LOO_FITTED", {}).items()}


def fit_all(cases: Sequence[Case], params: dict[str, float], budget: int = JOINT_BUDGET,
            loo_budget: int = LOO_BUDGET, log: Callable[[str], None] = print,
            ) -> tuple[dict[str, float], dict[str, dict[str, float]], Fit, float]:
    """The joint fit from `params` and the leave-one-case-out refits.

    Returns the rounded joint set, the rounded refit set per held-out case, the
    joint `Fit` and the seconds it all took (what `render_fitted` writes down).
    """
    names = list(fitted.FIT_PARAMS)
    t0 = time.monotonic()
    log(f"joint fit of {', '.join(names)} over {len(cases)} cases, "
        f"{len(FIT_SEEDS)} seeds, budget {budget}")
    joint = fit(cases, params, names, budget, log=log)
    params = _rounded(joint.params)
    log(f"joint: loss {joint.value:.3f} in {joint.seconds / 60:.1f} min\n"
        + pprint.pformat(params))
    loo = {}
    for held in cases:
        train = [c for c in cases if c.name != held.name]
        start, free = loo_start(params, train, names)
        log(f"leave out {held.name}: refit {', '.join(free)}")
        refit = fit(train, start, free, loo_budget, step=0.4, log=log)
        loo[held.name] = _rounded(refit.params)
    seconds = time.monotonic() - t0
    log(f"fit and refits: {seconds / 60:.1f} min")
    return params, loo, joint, seconds
