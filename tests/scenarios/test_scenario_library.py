"""The shipped library: every file loads, validates, runs, and is listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import (
    DEFAULT_SCENARIO,
    library_scenarios,
    library_strategies,
    load_scenario,
    load_strategy,
    validate_file,
)
from simulator import Simulation

LIB = Path(__file__).resolve().parents[2] / "scenarios"
SCENARIOS = sorted(p.stem for p in (LIB / "library").glob("*.yaml"))
STRATEGIES = sorted(p.stem for p in (LIB / "strategies").glob("*.yaml"))


def test_library_has_the_expected_files() -> None:
    assert {"supermarket-video", "airline-luggage", "telecom-storing"} <= set(SCENARIOS)
    expected = ["silent", "fast-empathetic", "slow-empathetic", "defensive", "deleter",
                "contradictory", "typical-webcare"]
    assert set(STRATEGIES) == set(expected) and len(STRATEGIES) == len(expected)
    assert DEFAULT_SCENARIO == "supermarket-video"
    assert DEFAULT_SCENARIO in SCENARIOS


@pytest.mark.parametrize("name", SCENARIOS)
def test_library_scenario_is_valid(name: str) -> None:
    path = LIB / "library" / f"{name}.yaml"
    assert validate_file(str(path)) == "scenario"
    sc = load_scenario(name)
    assert sc.name == name
    assert sc.title and sc.description
    assert 2 <= sc.description.count(". ") + 1 <= 4
    assert sc.locale in ("en", "nl")
    assert load_scenario(str(path)) == sc  # a name and its path give the same scenario


@pytest.mark.parametrize("name", STRATEGIES)
def test_library_strategy_is_valid(name: str) -> None:
    assert validate_file(str(LIB / "strategies" / f"{name}.yaml")) == "strategy"
    st = load_strategy(name)
    assert st.name == name
    assert st.description


def test_one_scenario_is_dutch() -> None:
    assert load_scenario("telecom-storing").locale == "nl"


def test_listings_are_sorted_and_complete() -> None:
    scenarios = library_scenarios()
    assert [e.name for e in scenarios] == SCENARIOS
    for entry in scenarios:
        assert Path(entry.path).is_file()
        assert entry.users == load_scenario(entry.name).network.users
        assert entry.locale in ("en", "nl")
    strategies = library_strategies()
    assert [e.name for e in strategies] == STRATEGIES
    assert all(e.users is None and e.locale is None and e.title for e in strategies)


def test_default_scenario_matches_the_brief() -> None:
    sc = load_scenario(DEFAULT_SCENARIO)
    assert sc.network.users == 20000
    assert sc.complaint.evidence == "video"
    assert sc.complaint.complainant_followers == 800
    assert sc.plan.coverage == ["mon-fri 08:00-18:00"]
    assert [i.kind for i in sc.injects] == ["journalist_inquiry", "influencer_joins"]


def test_strategies_match_the_brief() -> None:
    assert load_strategy("silent").respond_after_h is None
    fast = load_strategy("fast-empathetic")
    assert (fast.brief_staff, fast.respond_after_h, fast.update_every_h, fast.max_updates,
            fast.solution_after_h) == (True, 0.0, 4.0, 6, 2.0)
    contra = load_strategy("contradictory")
    assert (contra.contradict_after_h, contra.later_tone, contra.later_after_h) == (
        6.0, "defensive", 10.0)
    deleter = load_strategy("deleter")
    assert (deleter.delete_after_h, deleter.delete_every_h, deleter.respond_after_h) == (
        0.0, 6.0, None)


@pytest.mark.parametrize("name", SCENARIOS)
def test_library_scenario_runs(name: str) -> None:
    sim = Simulation(load_scenario(name), seed=1, strategy=load_strategy("silent"))
    sim.run()
    assert sim.finished
