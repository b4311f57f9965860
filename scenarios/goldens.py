"""Golden summaries: one pinned run per library scenario, to catch unintended change.

Each library scenario is played once with seed 1 and its reference strategy
(`calibration.reference_strategy`, else `fast-empathetic`) and the summary is
stored as tests/golden/<name>.json. tests/scenarios/test_goldens.py compares
every library scenario with its golden exactly, so any change to the engine,
the scenario or the strategy that moves a number shows up in review. When the
change is intended, regenerate and commit the diff with it:

    python -m scenarios.goldens            # write missing goldens, report stale ones
    python -m scenarios.goldens --update   # rewrite every golden
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from scenarios.calibration import reference_strategy as calibration_reference
from scenarios.loader import load_scenario, load_strategy
from scenarios.refs import SCENARIO_DIR, library_names
from simulator.config import Scenario
from simulator.strategy import Strategy

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "tests" / "golden"
SEED = 1
DEFAULT_STRATEGY = "fast-empathetic"
REGENERATE = "python -m scenarios.goldens --update"


def scenario_file(name: str) -> Path:
    """The file of a library scenario (by path, so a same-named file in the cwd cannot win)."""
    return SCENARIO_DIR / f"{name}.yaml"


def reference_strategy(scenario: Scenario, file: Path) -> Strategy:
    """The strategy a scenario's golden is played with.

    The scenario's own reference strategy when it names one (a library name,
    or a path relative to the scenario file), so the golden pins the run the
    calibration is about; otherwise a fixed library strategy, so that the
    brand's response path is exercised too.
    """
    return calibration_reference(scenario, file) or load_strategy(DEFAULT_STRATEGY)


def golden_summary(name: str) -> dict[str, Any]:
    """The summary of the pinned run of a library scenario, as it reads back from JSON."""
    from simulator.simulation import Simulation

    file = scenario_file(name)
    scenario = load_scenario(str(file))
    sim = Simulation(scenario, seed=SEED, strategy=reference_strategy(scenario, file))
    sim.run()
    return json.loads(render(sim.summary()))


def render(summary: dict[str, Any]) -> str:
    """The golden file text (strict JSON: a NaN or infinity is an error, not a golden)."""
    return json.dumps(summary, indent=2, allow_nan=False) + "\n"


def golden_path(name: str, folder: Path = GOLDEN_DIR) -> Path:
    """Where the golden of a library scenario lives."""
    return folder / f"{name}.json"


def read_golden(name: str, folder: Path = GOLDEN_DIR) -> dict[str, Any] | None:
    """The committed golden of a scenario, or None when there is none."""
    path = golden_path(name, folder)
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def scenario_names() -> list[str]:
    """Every library scenario (each must have a golden)."""
    return library_names(SCENARIO_DIR)


def main(argv: list[str] | None = None) -> int:
    """Write missing goldens; with --update rewrite all; exit 1 if any stays stale."""
    ap = argparse.ArgumentParser(prog="python -m scenarios.goldens",
                                 description="write the golden summaries of the library")
    ap.add_argument("--update", action="store_true",
                    help="rewrite goldens that differ (after an intended change)")
    ap.add_argument("--out", type=Path, default=GOLDEN_DIR,
                    help=f"golden folder (default {GOLDEN_DIR})")
    ap.add_argument("names", nargs="*", help="only these library scenarios (default: all)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    stale = []
    for name in args.names or scenario_names():
        summary = golden_summary(name)
        old = read_golden(name, args.out)
        path = golden_path(name, args.out)
        if old == summary:
            print(f"ok       {path}")
        elif old is None or args.update:
            path.write_text(render(summary), encoding="utf-8")
            print(f"{'wrote' if old is None else 'updated':<8} {path}")
        else:
            stale.append(name)
            print(f"differs  {path}")
    if stale:
        print(f"{len(stale)} golden(s) differ; if the change is intended: {REGENERATE}",
              file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
