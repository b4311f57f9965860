"""Scenario, strategy and experiment files: YAML formats, strict validation, the library.

    from scenarios import load_scenario, load_strategy, load_experiment, FileError
    sc = load_scenario("supermarket-video")      # a library name or a path
    exp = load_experiment("strategy-comparison") # a simulator.batch.Experiment

Every problem in a file is reported at once in a `FileError`, each naming the
file, line and key, what was expected, and a did-you-mean where one fits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scenarios.dump import dump_yaml, scenario_to_dict, to_dict
from scenarios.errors import FileError, Problem
from scenarios.experiment import library_experiments, load_experiment
from scenarios.library import LibraryEntry, library_scenarios, library_strategies
from scenarios.loader import load_any, load_scenario, load_strategy, validate_file
from scenarios.refs import DEFAULT_SCENARIO
from scenarios.scenario_file import ScenarioFile

if TYPE_CHECKING:
    from simulator.batch import Experiment


def run_batch(experiment: str | Experiment, **options: Any) -> list[dict[str, Any]]:
    """Run an experiment file (path or shipped name) or `Experiment`; tidy rows.

    For notebooks: `pd.DataFrame(run_batch("strategy-comparison", workers=2))`.
    Options are those of `simulator.runner.run_batch` (workers, scheduler, out,
    resume, progress).
    """
    from simulator.runner import run_batch as _run

    exp = load_experiment(experiment) if isinstance(experiment, str) else experiment
    return _run(exp, **options)


__all__ = [
    "DEFAULT_SCENARIO",
    "FileError",
    "LibraryEntry",
    "Problem",
    "ScenarioFile",
    "dump_yaml",
    "library_experiments",
    "library_scenarios",
    "library_strategies",
    "load_any",
    "load_experiment",
    "load_scenario",
    "load_strategy",
    "run_batch",
    "scenario_to_dict",
    "to_dict",
    "validate_file",
]
