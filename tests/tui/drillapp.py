"""A small drill scenario and helpers for the Textual app tests."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from factory import scenario

from scenarios.scenario_file import Briefing, ScenarioFile, Setting
from simulator.config import (
    ActionSpec,
    DecisionOption,
    DecisionPoint,
    Inject,
    Scenario,
)
from tui.app import DrillApp, build_app

POINTS = [
    DecisionPoint(at_h=2.0, prompt="The clip is spreading. Reply now?", deadline_h=1.0,
                  on_timeout=1, options=[
                      DecisionOption("Apologise", [ActionSpec("acknowledge", "empathetic",
                                                              "Sorry.")]),
                      DecisionOption("Push back", [ActionSpec("reply", "defensive",
                                                              "Not our fault.")])]),
    DecisionPoint(at_h=5.0, prompt="Delete the worst comments?", deadline_h=2.0, options=[
        DecisionOption("Delete", [ActionSpec("delete")]), DecisionOption("Leave them")]),
]
INJECTS = [Inject(at_h=30.0, kind="journalist_inquiry", text="A reporter asks for comment.",
                  deadline_h=1.0)]


def drill_scenario(**overrides: object) -> ScenarioFile:
    """3,000 users, 24 h, two decision points and one inject; fixed names for the feed."""
    fields: dict[str, object] = dict(
        users=3000, decision_points=POINTS, injects=INJECTS, duration_h=24.0,
        title="Test crisis: a clip of a rude driver",
        setting=Setting(brand_name="Parcelly", brand_handle="@parcelly", product="delivery",
                        issue="a rude driver", place="Utrecht", people=["Sam Jansen"]),
        briefing=Briefing(situation="A customer filmed a driver throwing parcels.",
                          brand="Parcelly delivers parcels for web shops.",
                          stakes="Trust of web shops and their customers.",
                          learning_objectives=["Respond fast", "Stay consistent"],
                          difficulty="easy", recommended_minutes=20))
    fields.update(overrides)
    own = {f.name for f in dataclasses.fields(ScenarioFile)} - {
        f.name for f in dataclasses.fields(Scenario)}  # the file's sections, not the engine's
    drill = {k: fields.pop(k) for k in own & fields.keys()}
    return dataclasses.replace(ScenarioFile.of(scenario(**fields)),  # type: ignore[arg-type]
                               **drill)  # type: ignore[arg-type]


def drill_app(tmp_path: Path | None = None, team: str | None = "Blue", seed: int = 7,
              sc: Scenario | None = None, **options: object) -> DrillApp:
    """The app straight into the briefing (team given), no timers, small forecasts."""
    return build_app("test", seed=seed, team=team,
                     session_path=tmp_path / "session.json" if tmp_path else None,
                     scenario=sc or drill_scenario(), clock=False,
                     forecast_replicas=2, debrief_replicas=2, **options)  # type: ignore[arg-type]


def sync(test: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test in its own event loop (no pytest-asyncio needed)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))  # type: ignore[arg-type]

    return wrapper
