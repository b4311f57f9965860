"""Every library scenario still produces its golden summary, number for number.

A golden is tests/golden/<scenario>.json: the summary of one run with seed 1
and the scenario's reference strategy (`calibration.reference_strategy`, else
`fast-empathetic`). A failure means a number moved. If the change is intended
(an engine fix, a retuned scenario, a new scenario), regenerate and commit the
goldens with it:

    python -m tests.regenerate goldens --only NAME   # write or rewrite one golden
    python -m tests.regenerate goldens               # rewrite every golden that differs
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from scenarios import goldens, load_scenario
from scenarios.scenario_file import Calibration
from tests import regenerate

NAMES = goldens.scenario_names()


@pytest.mark.parametrize("name", NAMES)
def test_scenario_matches_its_golden(name: str) -> None:
    golden = regenerate.read_golden(name)
    assert golden is not None, (
        f"no golden for library scenario '{name}' ({regenerate.golden_path(name)}); "
        f"create it with `{regenerate.REGENERATE_GOLDENS} --only {name}`")
    actual = goldens.golden_summary(name)
    assert actual == golden, (
        f"the summary of '{name}' differs from its golden; if the change is intended, "
        f"run `{regenerate.REGENERATE_GOLDENS} --only {name}` and commit the new golden")


def test_every_golden_belongs_to_a_library_scenario() -> None:
    orphans = [p.stem for p in sorted(regenerate.GOLDEN_DIR.glob("*.json")) if p.stem not in NAMES]
    assert not orphans, f"goldens without a library scenario: {orphans}; delete them"


@pytest.mark.parametrize("name", NAMES)
def test_golden_was_made_with_seed_1_and_the_reference_strategy(name: str) -> None:
    golden = regenerate.read_golden(name)
    if golden is None:
        pytest.skip("no golden (reported by test_scenario_matches_its_golden)")
    file = goldens.scenario_file(name)
    strategy = goldens.reference_strategy(load_scenario(str(file)), file)
    assert (golden["scenario"], golden["seed"], golden["strategy"]) == (
        name, goldens.SEED, strategy.name)


def test_reference_strategy_paths_are_relative_to_the_scenario(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "real.yaml").write_text(
        "kind: strategy\nname: real-plan\nrespond_after_h: 30\n", encoding="utf-8")
    file = tmp_path / "case.yaml"
    file.write_text("name: case\ncalibration:\n  case: 'A real case'\n"
                    "  reference_strategy: plans/real.yaml\n", encoding="utf-8")
    monkeypatch.chdir(Path(__file__).parent)  # not the scenario's folder
    assert goldens.reference_strategy(load_scenario(str(file)), file).name == "real-plan"
    named = dataclasses.replace(load_scenario(str(file)), calibration=Calibration(
        reference_strategy="silent"))
    assert goldens.reference_strategy(named, file).name == "silent"
    unnamed = dataclasses.replace(named, calibration=Calibration())
    assert goldens.reference_strategy(unnamed, file).name == goldens.DEFAULT_STRATEGY
