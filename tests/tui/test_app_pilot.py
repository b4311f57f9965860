"""The drill app driven by Textual's Pilot: keys in, controller state and session file out.

No timers run (`clock=False`): the clock moves only through `DrillScreen.step`
and the keys, so every test is deterministic and fast.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from drillapp import drill_app, drill_scenario, sync
from textual.command import CommandList, CommandPalette
from textual.widgets import Input, OptionList, Select

from simulator.kinds import EventKind
from tui.app import build_app
from tui.screens import (
    ActionModal,
    BriefingScreen,
    DebriefScreen,
    DrillScreen,
    HelpModal,
    PickerScreen,
    PromptModal,
    TeamScreen,
)
from tui.screens.confirm import ConfirmModal
from tui.screens.drill import LEVERS
from tui.session import Session
from tui.widgets import Feed, Forecast, StatusLine
from tui.widgets.desk import Desk

SIZE = (80, 24)  # the smallest supported terminal
CEILING_S = 120.0  # how long a wait on state may take on a very busy machine before failing


async def tap(pilot, *keys: str) -> None:  # type: ignore[no-untyped-def]
    """Press keys and let the app settle (every step of these tests does both)."""
    await pilot.press(*keys)
    await pilot.pause()


async def searched(app, pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait until the command palette has searched for what was typed.

    The palette searches in a worker and fills its list when done (with "No matches
    found" after a short countdown), so this waits on that state, not for a fixed time.
    """
    palette = app.screen
    assert isinstance(palette, CommandPalette)
    group = CommandPalette._GATHER_COMMANDS_GROUP
    end = time.monotonic() + CEILING_S
    while time.monotonic() < end:
        await pilot.pause()
        searching = any(w.group == group and not w.is_finished for w in app.workers)
        if not searching and palette.query_one(CommandList).option_count:
            return
    raise AssertionError("the command palette never finished its search")


async def _into_drill(app, pilot) -> DrillScreen:  # type: ignore[no-untyped-def]
    await pilot.pause()
    assert isinstance(app.screen, BriefingScreen)
    await tap(pilot, "enter")
    assert isinstance(app.screen, DrillScreen)
    return app.screen


async def _run_to(pilot, drill: DrillScreen, hours: float) -> None:  # type: ignore[no-untyped-def]
    """Move the clock to `hours` at x360 (10 wall seconds per simulated hour), going on
    after auto-pauses; an open prompt that freezes the clock stops it early."""
    c = drill.controller
    c.set_speed(3)
    was = c.paused
    while c.now < hours - 1e-9 and not c.frozen and not c.sim.finished:
        c.paused = False
        drill.step((hours - c.now) * 10.0)
    c.paused = was
    await pilot.pause()


@pytest.mark.slow  # a drill in the pilot: over a second
@sync
async def test_team_screen_then_briefing_then_drill_saves_the_session(tmp_path: Path) -> None:
    app = drill_app(tmp_path, team=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TeamScreen)
        await pilot.click("#role-lead")
        await pilot.press(*"Ann")
        app.screen.query_one("#team", Input).value = "Red"
        await pilot.click("#continue")
        await pilot.pause()
        drill = await _into_drill(app, pilot)
        assert drill.controller.session.team == "Red"
        assert drill.controller.session.roles == {"lead": "Ann"}
        assert drill.controller.paused, "a drill starts paused"
    saved = json.loads((tmp_path / "session.json").read_text())
    assert saved["team"] == "Red" and saved["seed"] == 7


@pytest.mark.slow  # a drill in the pilot: over a second
@sync
async def test_picker_lists_the_library_and_leads_to_the_team_screen() -> None:
    app = build_app(None, seed=1, clock=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        names = [c.name for c in app.screen.choices]
        assert "kitchen-gaffe" in names
        detail = str(app.screen.query_one("#detail").render())
        assert "Difficulty" in detail and "Length" in detail
        assert "supermarket-video" in detail, "the default scenario is highlighted first"
        app.screen.query_one(OptionList).highlighted = names.index("kitchen-gaffe")
        await tap(pilot, "enter")
        assert isinstance(app.screen, TeamScreen)
        assert app.scenario is not None and app.scenario.name == "kitchen-gaffe"


@pytest.mark.slow  # a long drill in the pilot: seconds
@sync
async def test_every_lever_key_acts_with_kind_tone_and_text(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        drill = await _into_drill(app, pilot)
        await _run_to(pilot, drill, 0.5)
        for key, kind, tone, _ in LEVERS:
            await tap(pilot, key)
            assert isinstance(app.screen, ActionModal), key
            app.screen.query_one("#text", Input).value = f"{kind} now"
            await tap(pilot, "enter")
            if kind == "delete":  # the one lever that cannot be undone asks first
                assert isinstance(app.screen, ConfirmModal)
                await tap(pilot, "enter")  # the focused default is Cancel
                assert isinstance(app.screen, DrillScreen)
                assert drill.controller.sim.journal[-1].action.kind != "delete"
                await tap(pilot, key)
                app.screen.query_one("#text", Input).value = f"{kind} now"
                await tap(pilot, "enter")
                await pilot.click("#yes")
                await pilot.pause()
            assert isinstance(app.screen, DrillScreen)
            entry = drill.controller.sim.journal[-1]
            assert (entry.action.kind, entry.action.tone, entry.action.text) == (
                kind, tone, f"{kind} now"), key
            assert entry.at_h == pytest.approx(0.5)
        saved = Session.load(tmp_path / "session.json")
        assert [e.action.kind for e in saved.journal] == [kind for _, kind, _, _ in LEVERS], \
            "every action is saved as it is taken"


@pytest.mark.slow  # a long drill in the pilot: seconds
@sync
async def test_action_menu_chooses_any_kind_and_tone_and_escape_cancels(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        drill = await _into_drill(app, pilot)
        await tap(pilot, "a")
        await tap(pilot, "escape")
        assert drill.controller.sim.journal == []
        await tap(pilot, "a")
        modal = app.screen
        modal.query_one("#kind", Select).value = "contradict"
        modal.query_one("#tone", Select).value = "defensive"
        await pilot.pause()
        assert "contradicts" in str(modal.query_one("#describe").render())
        modal.query_one("#text", Input).value = "We never said that"
        await pilot.click("#post")
        await pilot.pause()
        action = drill.controller.sim.journal[-1].action
        assert (action.kind, action.tone, action.text) == ("contradict", "defensive",
                                                           "We never said that")


@pytest.mark.slow  # a long drill in the pilot: seconds
@sync
async def test_decision_prompt_opens_on_time_can_wait_and_is_answered(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        drill = await _into_drill(app, pilot)
        await _run_to(pilot, drill, 2.2)
        assert isinstance(app.screen, PromptModal)
        assert drill.controller.now == 2.0, "the open prompt froze the clock at its time"
        assert "clock is stopped" in str(app.screen.query_one("#countdown").render())
        await tap(pilot, "space")  # pause works in the prompt too
        assert drill.controller.paused
        assert "(paused)" in str(app.screen.query_one("#countdown").render())
        await pilot.click("#later")
        await pilot.pause()
        assert isinstance(app.screen, DrillScreen) and 0 in drill.controller.open
        await _run_to(pilot, drill, 2.2)
        assert drill.controller.now == pytest.approx(2.2), "a put-off prompt lets it run"
        assert "1 decision(s) open" in str(drill.query_one(StatusLine).render())
        await tap(pilot, "p")
        assert isinstance(app.screen, PromptModal)
        await tap(pilot, "1")
        assert isinstance(app.screen, DrillScreen)
        c = drill.controller
        assert [(d.point, d.option, d.timed_out) for d in c.session.decisions] == [(0, 0, False)]
        assert c.sim.journal[-1].action.text == "Sorry."
        assert Session.load(tmp_path / "session.json").decisions[0].option == 0


@pytest.mark.slow  # a drill run past a deadline: seconds
@sync
async def test_a_missed_deadline_applies_the_timeout_option_and_closes_the_prompt(
        tmp_path: Path) -> None:
    app = drill_app(tmp_path, prompt_clock="run")  # deadlines in simulated time
    async with app.run_test(size=SIZE) as pilot:
        drill = await _into_drill(app, pilot)
        await _run_to(pilot, drill, 2.5)
        assert isinstance(app.screen, PromptModal)
        await _run_to(pilot, drill, 3.5)
        assert isinstance(app.screen, DrillScreen)
        decision = drill.controller.session.decisions[0]
        assert decision.timed_out and decision.option == 1
        assert decision.at_h == pytest.approx(3.0)
        assert drill.controller.sim.journal[-1].action.tone == "defensive"


@pytest.mark.slow  # a long drill in the pilot: seconds
@sync
async def test_injects_are_the_facilitators_not_on_the_teams_screen(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        drill = await _into_drill(app, pilot)
        await _run_to(pilot, drill, 1.5)
        await tap(pilot, "f")
        assert isinstance(app.screen, DrillScreen), "no inject list for the team"
        await tap(pilot, "ctrl+p")
        await pilot.press(*"reporter")
        await searched(app, pilot)
        assert "reporter" not in str(app.screen.query("CommandList").first().render())
        await tap(pilot, "escape")
        drill.action_fire_inject(0)  # what the console's command does
        entry = drill.controller.sim.journal[-1]
        assert entry.inject == 0 and entry.at_h == pytest.approx(1.5)
        await _run_to(pilot, drill, 1.6)  # the engine plays the inject as the clock moves
        assert any(p.kind == EventKind.INJECT for p in drill.query_one(Feed).posts)
    assert Session.load(tmp_path / "session.json").journal[-1].inject == 0


@sync
async def test_speed_keys_pause_and_skip(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        drill = await _into_drill(app, pilot)
        c = drill.controller
        drill.step(10.0)
        assert c.now == 0.0, "paused: the clock does not move"
        await pilot.press("space")
        assert not c.paused
        for key, speed in (("minus", 10), ("minus", 1), ("minus", 1), ("plus", 10),
                           ("equals_sign", 60), ("plus", 360), ("plus", 360)):
            await pilot.press(key)
            assert c.speed == speed
        for digit in "1234":
            await pilot.press(digit)
            assert c.speed == 360, "digits belong to decision prompts only"
        drill.step(1.0)
        assert c.now == pytest.approx(0.1)
        assert "running x360" in str(drill.query_one(StatusLine).render())
        await pilot.press("space")
        assert c.paused
        before = c.now
        await tap(pilot, "n")
        assert c.now > before and c.paused, "n jumps to the next moment, even when paused"
        assert any(n.message.startswith("Jumped to") for n in app._notifications)


@pytest.mark.slow  # a drill in the pilot: over a second
@sync
async def test_nobody_is_watching_before_detection(tmp_path: Path) -> None:
    # Friday 20:00, office hours only: nobody looks until Monday morning
    sc = drill_scenario(start="2026-03-06T20:00", plan={"coverage": ["mon-fri 08:00-18:00"]},
                        decision_points=[])
    app = drill_app(tmp_path, sc=sc)
    async with app.run_test(size=SIZE) as pilot:
        drill = await _into_drill(app, pilot)
        await _run_to(pilot, drill, 6.0)
        feed = drill.query_one(Feed)
        assert feed.count > 0 and not feed.posts, "posts exist but the team sees none"
        assert "nobody is watching" in str(drill.query_one(StatusLine).render())
        from tui.widgets.metrics import Metrics

        shown = str(drill.query_one(Metrics).render())
        reach = f"{drill.controller.sim.snapshot().reach:,}"
        assert reach not in shown, "monitoring numbers stay hidden until detection"


@pytest.mark.slow  # a long drill in the pilot: seconds
@sync
async def test_forecast_worker_shows_its_sentences(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        drill = await _into_drill(app, pilot)
        await _run_to(pilot, drill, 1.0)
        await pilot.press("w")
        await app.workers.wait_for_complete()
        await pilot.pause()
        panel = drill.query_one(Forecast)
        assert panel.at == pytest.approx(1.0)
        assert [s.split(" would")[0].split(":")[0] for s in panel.sentences] == [
            "acting now", "acting now", "acting in 6 h", "acting in 6 h"]
        shown = str(panel.query_one("#text").render())
        assert "acting now" in shown and "never" in shown and "trust at the end" in shown
        assert set(panel.result.outcomes) == {"now", "later", "never"}
        panel.choose_lever(drill.controller.scenario, drill.controller.session.seed,
                           drill.controller.sim.journal, drill.controller.now,
                           sim=drill.controller.sim)
        await pilot.pause()
        modal = app.screen
        modal.query_one("#kind", Select).value = "delete"
        await tap(pilot, "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert panel.result is not None and panel.result.action.kind == "delete"
        assert "Delete negative comments" in str(panel.border_title)


@sync
async def test_help_and_command_palette(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        drill = await _into_drill(app, pilot)
        await tap(pilot, "question_mark")
        assert isinstance(app.screen, HelpModal)
        await pilot.press("escape")
        await tap(pilot, "ctrl+p")
        await pilot.press(*"brief st")
        await searched(app, pilot)
        await tap(pilot, "enter")
        assert isinstance(app.screen, ActionModal)
        assert app.screen.query_one("#kind", Select).value == "brief_staff"
        await tap(pilot, "enter")
        assert drill.controller.sim.journal[-1].action.kind == "brief_staff"


@pytest.mark.slow  # a long drill in the pilot: seconds
@sync
async def test_quit_saves_and_resume_restores_clock_journal_and_feed(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        drill = await _into_drill(app, pilot)
        await _run_to(pilot, drill, 1.0)
        await tap(pilot, "e")
        app.screen.query_one("#text", Input).value = "Sorry all"
        await pilot.press("enter")
        await _run_to(pilot, drill, 1.5)
        await tap(pilot, "q")
    assert not app.is_running, "q quits"
    session = Session.load(tmp_path / "session.json")
    assert session.clock_h == pytest.approx(1.5), "quitting saves the clock"
    resumed = build_app(None, seed=0, team=None, session_path=None, resume=session,
                        scenario=drill_scenario(), clock=False)
    async with resumed.run_test(size=SIZE) as pilot:
        await pilot.pause()
        drill = resumed.screen
        assert isinstance(drill, DrillScreen)
        c = drill.controller
        assert c.now == pytest.approx(1.5) and c.paused
        assert [(e.at_h, e.action.text) for e in c.sim.journal] == [(pytest.approx(1.0),
                                                                     "Sorry all")]
        assert c.session.seed == 7 and c.session.team == "Blue"
        assert drill.query_one(Feed).posts, "the feed shows the drill so far"
        await _run_to(pilot, drill, 2.2)
        assert isinstance(resumed.screen, PromptModal)


@pytest.mark.slow  # a long drill in the pilot: seconds
@sync
async def test_the_end_of_the_run_shows_the_debrief(tmp_path: Path) -> None:
    app = drill_app(tmp_path, sc=drill_scenario(duration_h=4.0))
    async with app.run_test(size=SIZE) as pilot:
        drill = await _into_drill(app, pilot)
        await _run_to(pilot, drill, 2.2)
        await pilot.press("2")  # answer: push back
        await pilot.pause()
        await _run_to(pilot, drill, 4.0)
        assert isinstance(app.screen, DebriefScreen)
        texts = [text for _, text in app.screen.lines]
        assert texts[0] == "Decision 1: Push back"
        assert texts[1].startswith("Reply to complainants (defensive)")
        assert Session.load(tmp_path / "session.json").finished
        await app.workers.wait_for_complete()
        await pilot.pause()
        analysis = app.screen.analysis
        assert any("negative posters" in line for line in analysis)
        assert any("trust at the end" in line and "95% interval" in line
                   for line in analysis), analysis


@pytest.mark.slow  # a drill in the pilot: over a second
@sync
async def test_the_team_sees_its_own_statement_and_when_it_goes_out(tmp_path: Path) -> None:
    # Friday night, nobody watching: the team still sees what it posts itself
    sc = drill_scenario(start="2026-03-06T20:00", plan={"coverage": ["mon-fri 08:00-18:00"],
                                                        "approval_delay_h": 0.5},
                        decision_points=[])
    app = drill_app(tmp_path, sc=sc)
    async with app.run_test(size=SIZE) as pilot:
        drill = await _into_drill(app, pilot)
        await _run_to(pilot, drill, 1.0)
        assert "Outside monitoring hours" in str(drill.query_one(Desk).render())
        await tap(pilot, "e")
        app.screen.query_one("#text", Input).value = "We hear you and we are sorry."
        await tap(pilot, "enter")
        desk = str(drill.query_one(Desk).render())
        assert "Goes out Fri 21:30: We hear you and we are sorry." in desk
        await _run_to(pilot, drill, 1.6)
        assert "Goes out" not in str(drill.query_one(Desk).render())
        texts = [p.text for p in drill.query_one(Feed).posts]
        assert "We hear you and we are sorry." in texts, texts


@pytest.mark.slow  # a drill in the pilot: over a second
@sync
async def test_the_drill_obeys_its_console_and_publishes_what_it_shows(tmp_path: Path) -> None:
    from tui.live import LiveStore, is_stale

    app = drill_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        drill = await _into_drill(app, pilot)
        c = drill.controller
        console = LiveStore.open(tmp_path / "session.json")  # what the console process opens
        drill.sync_live()
        state = console.read_state()
        assert state is not None and not is_stale(state) and state["paused"]
        console.post("resume")
        console.post("speed", index=0)
        drill.sync_live()
        assert not c.paused and c.speed == 1
        console.post("pause")
        console.post("fire_inject", index=0, text="Het AD belt: wat is jullie reactie?")
        console.post("skip_to_detection")
        drill.sync_live()
        await pilot.pause()
        entry = next(e for e in c.sim.journal if e.inject is not None)
        assert entry.text == "Het AD belt: wat is jullie reactie?"
        assert c.paused and (c.sim.brand.detected_at is not None or c.open)
        assert console.pending() == [], "every command applied once"
        drill.sync_live()
        assert [e.inject for e in c.sim.journal if e.inject is not None] == [0], \
            "a consumed command is not applied again"
        state = console.read_state()
        assert state["fired"][0]["text"] == "Het AD belt: wat is jullie reactie?"
        assert state["clock_h"] == pytest.approx(c.now)
    saved = Session.load(tmp_path / "session.json")
    assert [e.text for e in saved.journal if e.inject is not None] == [
        "Het AD belt: wat is jullie reactie?"]


@pytest.mark.slow  # two drills in the pilot: seconds
@sync
async def test_a_session_knows_its_scenario_and_says_when_it_changed(tmp_path: Path) -> None:
    from simulator import __version__
    from simulator.config import fingerprint
    from tui.reports.after_action import debrief, marks

    app = drill_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _into_drill(app, pilot)
    session = Session.load(tmp_path / "session.json")
    assert session.scenario_fingerprint == fingerprint(drill_scenario())
    assert session.version == __version__
    assert session.drift(fingerprint(drill_scenario()), __version__) == []
    edited = drill_scenario(duration_h=30.0)
    assert session.drift(fingerprint(edited), __version__) == ["scenario"]
    resumed = build_app(resume=session, scenario=edited, clock=False, forecast_replicas=2)
    async with resumed.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("scenario file changed" in n.message for n in resumed._notifications)
    d = debrief(session, replicas=2, with_percentile=False, scenario=edited)
    assert any("scenario file has changed" in m for m in marks(d))
