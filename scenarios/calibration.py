"""Calibration of case-based scenarios against the real cases they fictionalise.

A case-based library scenario names the real case, the strategy the real
brand followed and the shape of the case: response latency, peak day and
duration. Playing the scenario with that strategy over replicas must land the
simulated median within the stated tolerance. `python -m scenarios.calibration`
writes the table in docs/scenarios.md; the tests run the same check with fewer
replicas. Absolute counts are not calibrated (MODEL.md section 6).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scenarios.library import library_scenarios
from scenarios.loader import load_scenario, load_strategy
from scenarios.refs import _looks_like_path
from simulator.config import Scenario
from simulator.simulation import Simulation
from simulator.strategy import Strategy

DOC = Path(__file__).resolve().parents[1] / "docs" / "scenarios.md"


@dataclass(frozen=True)
class Check:
    """One calibrated quantity of one scenario."""

    scenario: str
    case: str
    quantity: str  # 'response latency (h)', 'peak day', 'duration (days)'
    target: float
    tolerance: float
    median: float
    low: float  # 10th percentile
    high: float  # 90th percentile

    @property
    def ok(self) -> bool:
        return abs(self.median - self.target) <= self.tolerance


def reference_strategy(scenario: Scenario, scenario_file: Path) -> Strategy | None:
    """The scenario's reference strategy (None when it names none).

    A library name, or a path relative to the scenario file. The goldens use
    the same resolution, so both pin the run the calibration is about.
    """
    ref = scenario.calibration.reference_strategy
    if not ref:
        return None
    if _looks_like_path(ref):
        path = os.path.expanduser(ref)
        if not os.path.isabs(path):
            path = os.path.normpath(scenario_file.parent / path)
        return load_strategy(path)
    return load_strategy(ref)


def shape(sim: Simulation) -> tuple[float, float, float]:
    """(response latency h, peak day, duration days) of a finished run."""
    origin = sim.scenario.complaint.posted_at_h
    first = sim.brand.first_response_at
    latency = math.inf if first is None else first - origin
    s = sim.summary()
    hourly = np.asarray(s["hourly_negative"], dtype=float)
    start = int(origin)
    days = hourly[start:]
    n_days = math.ceil(days.size / 24)
    per_day = np.array([days[24 * d:24 * (d + 1)].sum() for d in range(n_days)])
    peak_day = float(np.argmax(per_day) + 1) if per_day.size and per_day.max() > 0 else 0.0
    return latency, peak_day, float(s["duration_h"]) / 24.0


def calibrate(name: str, replicas: int = 40) -> list[Check]:
    """The calibration checks of one library scenario ([] when it is not case-based)."""
    entry = next(e for e in library_scenarios() if e.name == name)
    sc = load_scenario(name)
    cal = sc.calibration
    if not cal.case:
        return []
    strategy = reference_strategy(sc, Path(entry.path))
    shapes = []
    for seed in range(replicas):
        sim = Simulation(sc, seed=seed, strategy=strategy)
        sim.run()
        shapes.append(shape(sim))
    arr = np.asarray(shapes, dtype=float)
    checks = []
    for i, (quantity, target, tol) in enumerate([
            ("response latency (h)", cal.response_latency_h, cal.tolerance_h),
            ("peak day", cal.peak_day, float(cal.tolerance_days)),
            ("duration (days)", cal.duration_days, cal.tolerance_duration_days)]):
        if target is None:
            continue
        col = arr[:, i]
        finite = col[np.isfinite(col)]
        median = float(np.median(col)) if finite.size * 2 > col.size else math.inf
        low, high = ((float(np.percentile(finite, 10)), float(np.percentile(finite, 90)))
                     if finite.size else (math.inf, math.inf))
        checks.append(Check(name, cal.case, quantity, float(target), tol, median, low, high))
    return checks


def calibrate_all(replicas: int = 40) -> list[Check]:
    return [c for e in library_scenarios() for c in calibrate(e.name, replicas)]


def _fmt(x: float) -> str:
    return "never" if math.isinf(x) else f"{x:.1f}"


def table(checks: list[Check], replicas: int) -> str:
    """The Markdown calibration table."""
    lines = [f"Simulated with the reference strategy over {replicas} replicas (seeds 0 to "
             f"{replicas - 1}); range = 10th to 90th percentile.", "",
             "| scenario | real case | quantity | target | tolerance | simulated median "
             "| range | ok |", "|---|---|---|---|---|---|---|---|"]
    for c in checks:
        lines.append(f"| {c.scenario} | {c.case} | {c.quantity} | {_fmt(c.target)} | "
                     f"±{_fmt(c.tolerance)} | {_fmt(c.median)} | {_fmt(c.low)}-{_fmt(c.high)} "
                     f"| {'yes' if c.ok else '**no**'} |")
    return "\n".join(lines) + "\n"


def write_doc(replicas: int) -> Path:
    """Rewrite the generated calibration block of docs/scenarios.md."""
    from scenarios.reference import render

    text = DOC.read_text(encoding="utf-8")
    DOC.write_text(render(text, "CALIBRATION", table(calibrate_all(replicas), replicas)),
                   encoding="utf-8")
    return DOC


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="calibrate case-based library scenarios")
    ap.add_argument("--replicas", type=int, default=40)
    ap.add_argument("--write", action="store_true", help="rewrite docs/scenarios.md")
    ap.add_argument("scenario", nargs="*", help="only these scenarios")
    args = ap.parse_args(argv)
    if args.write:
        print(f"wrote {write_doc(args.replicas)}")
        return 0
    names = args.scenario or [e.name for e in library_scenarios()]
    checks = [c for n in names for c in calibrate(n, args.replicas)]
    print(table(checks, args.replicas))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
