"""Golden summaries: one pinned run per library scenario, to catch unintended change.

Each library scenario is played once with seed 1 and its reference strategy
(`calibration.reference_strategy`, else `fast-empathetic`) and the summary is
stored as tests/golden/<name>.json. tests/scenarios/test_goldens.py compares
every library scenario with its golden exactly, so any change to the engine,
the scenario or the strategy that moves a number shows up in review. This
module only computes a golden; when the change is intended, regenerate and
commit the diff with it:

    python -m tests.regenerate goldens                  # rewrite every golden that differs
    python -m tests.regenerate goldens --only NAME      # only this library scenario
    python -m tests.regenerate goldens --check          # list stale goldens, write nothing
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scenarios.calibration import reference_strategy as calibration_reference
from scenarios.loader import load_scenario, load_strategy
from scenarios.refs import SCENARIO_DIR, library_names
from simulator.config import Scenario
from simulator.strategy import Strategy

SEED = 1
DEFAULT_STRATEGY = "fast-empathetic"


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


def scenario_names() -> list[str]:
    """Every library scenario (each must have a golden)."""
    return library_names(SCENARIO_DIR)
