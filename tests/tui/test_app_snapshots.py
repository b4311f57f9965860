"""SVG snapshots of the drill app at 100x30, fixed seed, clock driven by hand (no timers).

Regenerate after an intended change of the UI with
`pytest tests/tui/test_app_snapshots.py --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

import pytest
from drillapp import drill_app, drill_scenario
from textual.pilot import Pilot
from textual.widgets import Input

from tui.screens import DrillScreen

SIZE = (100, 30)


async def _drill_at(pilot: Pilot, hours: float) -> DrillScreen:  # type: ignore[type-arg]
    await pilot.press("enter")  # briefing -> drill
    await pilot.pause()
    drill = pilot.app.screen
    assert isinstance(drill, DrillScreen)
    c = drill.controller
    c.set_speed(3)
    while c.now < hours - 1e-9 and not c.frozen and not c.sim.finished:  # through auto-pauses
        c.paused = False
        drill.step((hours - c.now) * 10.0)
    c.paused = True
    drill.refresh_view()
    await pilot.pause()
    return drill


def test_briefing(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(drill_app(), terminal_size=SIZE)


@pytest.mark.slow  # drives a drill to a screen, then an SVG snapshot: seconds
def test_drill_after_an_apology(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:  # type: ignore[type-arg]
        drill = await _drill_at(pilot, 1.5)
        await pilot.press("e")
        await pilot.pause()
        pilot.app.screen.query_one("#text", Input).value = "We are sorry. We are on it."
        await pilot.press("enter")
        await pilot.pause()
        drill.controller.paused = False
        drill.step(3.0)  # 0.3 h: the statement is out
        drill.controller.paused = True
        drill.refresh_view()
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(drill_app(), terminal_size=SIZE, run_before=run_before)


@pytest.mark.slow  # drives a drill to a screen, then an SVG snapshot: seconds
def test_decision_prompt(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:  # type: ignore[type-arg]
        await _drill_at(pilot, 2.25)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(drill_app(), terminal_size=SIZE, run_before=run_before)


def test_before_detection_the_listening_tool(snap_compare) -> None:  # type: ignore[no-untyped-def]
    sc = drill_scenario(plan={"coverage": ["24/7"], "detection_threshold": 400,
                              "poll_interval_min": 30}, decision_points=[])

    async def run_before(pilot: Pilot) -> None:  # type: ignore[type-arg]
        await _drill_at(pilot, 3.2)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(drill_app(sc=sc), terminal_size=SIZE, run_before=run_before)


@pytest.mark.slow  # drives a drill to a screen, then an SVG snapshot: seconds
def test_delete_asks_first(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:  # type: ignore[type-arg]
        await _drill_at(pilot, 1.0)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(drill_app(), terminal_size=SIZE, run_before=run_before)


@pytest.mark.slow  # drives a drill to a screen, then an SVG snapshot: seconds
def test_decision_prompt_in_real_minutes(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:  # type: ignore[type-arg]
        drill = await _drill_at(pilot, 2.25)
        drill.controller.paused = False
        drill.step(30.0)  # half a real minute of the three
        drill.controller.paused = True
        drill.refresh_view()
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(drill_app(prompt_clock="real"), terminal_size=SIZE,
                        run_before=run_before)
