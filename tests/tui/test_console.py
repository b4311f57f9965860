"""The facilitator's console and the live store it shares with the drill.

The store is tested with real processes on a real SQLite file; the console
app under Textual's pilot with its timer off (`poll=None`): the tests publish
a drill's state, call `poll()` and read the commands and notes back.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from drillapp import drill_scenario, sync
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from simulator.config import Inject, Scenario
from tui.cli import main
from tui.console import ConsoleApp, build_console
from tui.controller import DrillController
from tui.live import (
    COMMANDS,
    LiveError,
    LiveStore,
    check_command,
    drill_state,
    is_stale,
    live_path,
    notes_of,
)
from tui.session import Session

SIZE = (100, 30)
INJECTS = [Inject(at_h=30.0, kind="journalist_inquiry", text="A reporter asks for comment.",
                  deadline_h=1.0),
           Inject(at_h=8.0, kind="influencer_joins", text="A food vlogger shares the clip.")]
N = 150  # commands (and notes) each writer process posts


# ---- helpers ---------------------------------------------------------------------------------
def _session(tmp_path: Path, scenario: str = "test") -> Session:
    session = Session(scenario=scenario, seed=7, team="Blue", path=tmp_path / "blue.json")
    session.save()
    return session


def _drill(session: Session, sc: Scenario, hours: float = 0.0) -> DrillController:
    """A paused drill at `hours`, as the other process would have it (the run moved directly,
    so the drill's prompt and pause rules do not matter here)."""
    c = DrillController(sc, session)
    c.set_speed(3)
    c.sim.run(hours)
    return c


def _console(session: Session, sc: Scenario, **kw: Any) -> ConsoleApp:
    assert session.path is not None
    return build_console(session, scenario=sc, store=LiveStore.open(session.path), poll=None,
                         **kw)


def _text(app: ConsoleApp, selector: str) -> str:
    return str(app.console_screen.query_one(selector, Static).render())


async def _settle(pilot: Pilot, app: ConsoleApp) -> None:  # type: ignore[type-arg]
    app.console_screen.poll()
    await pilot.pause()


# ---- the live store: processes, exactly once, errors -----------------------------------------
def _producer(session_path: str, tag: int) -> None:
    with LiveStore.open(session_path) as store:
        for i in range(N):
            store.post("fire_inject", index=tag, text=f"{tag}:{i}")
            store.add_note(f"note {tag}:{i}", clock_h=float(i))


def _drill_process(session_path: str, producers_done: Any, out: Any) -> None:
    """Publish state and apply commands as they come, as the drill does, until all are in."""
    applied: list[int] = []
    try:
        with LiveStore.open(session_path) as store:
            beat = 0
            while True:
                finished = producers_done.is_set()  # read before draining: nothing is missed
                for command in store.pending():
                    store.claim(command.id, len(applied))
                    applied.append(command.id)
                    assert store.consumed(command.id)
                store.publish({"clock_h": float(beat), "applied": len(applied)})
                beat += 1
                if finished:
                    break
    finally:  # always answer, so a failure here fails the test instead of hanging it
        out.put(applied)


@pytest.mark.slow  # several processes or a long drill: seconds
def test_two_processes_write_at_once_and_nothing_is_lost(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    session = str(tmp_path / "blue.json")
    LiveStore.open(session).close()
    done, out = ctx.Event(), ctx.Queue()
    drill = ctx.Process(target=_drill_process, args=(session, done, out))
    producers = [ctx.Process(target=_producer, args=(session, tag)) for tag in (0, 1)]
    drill.start()
    for p in producers:
        p.start()
    for p in producers:
        p.join()
    done.set()
    applied = out.get()
    drill.join()
    assert [p.exitcode for p in (*producers, drill)] == [0, 0, 0]
    with LiveStore.open(session) as store:
        assert store.pending() == [], "every command was applied"
        rows = sqlite3.connect(live_path(session)).execute(
            "SELECT id, args FROM commands ORDER BY id").fetchall()
        notes = store.notes()
        state = store.read_state()
    assert len(rows) == 2 * N and sorted(applied) == [r[0] for r in rows]
    assert len(set(applied)) == len(applied), "no command applied twice"
    assert applied == sorted(applied), "applied in the order posted"
    for tag in (0, 1):  # each writer's rows are all there, in its own order
        texts = [r[1] for r in rows if f'"index": {tag}' in r[1]]
        assert texts == [f'{{"index": {tag}, "text": "{tag}:{i}"}}' for i in range(N)]
        assert [n.text for n in notes if n.text.startswith(f"note {tag}:")] == \
            [f"note {tag}:{i}" for i in range(N)]
    assert state is not None and state["applied"] == 2 * N


def _consume_all(session_path: str, out: Any) -> None:
    won: list[int] = []
    try:
        with LiveStore.open(session_path) as store:
            won = [c.id for c in store.pending() if store.consumed(c.id)]
    finally:  # always answer, so a failure here fails the test instead of hanging it
        out.put(won)


@pytest.mark.slow  # several processes or a long drill: seconds
def test_a_command_is_consumed_exactly_once_even_by_two_racing_processes(tmp_path: Path) -> None:
    session = str(tmp_path / "blue.json")
    with LiveStore.open(session) as store:
        ids = [store.post("skip_to_next_event") for _ in range(200)]
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    racers = [ctx.Process(target=_consume_all, args=(session, out)) for _ in range(2)]
    for p in racers:
        p.start()
    won = out.get() + out.get()
    for p in racers:
        p.join()
    assert sorted(won) == ids
    with LiveStore.open(session) as store:
        assert store.pending() == []
        assert not store.consumed(ids[0]), "consumed once: the second call says so"


def test_settle_after_a_crash_keeps_what_the_journal_lacks(tmp_path: Path) -> None:
    with LiveStore.open(tmp_path / "blue.json") as store:
        saved = store.post("fire_inject", index=0)
        lost = store.post("fire_inject", index=1, text="own words")
        untouched = store.post("pause")
        store.claim(saved, journal_len=3)  # applied and saved: the journal grew to 4
        store.claim(lost, journal_len=4)  # the drill died before saving this one
        assert store.settle(journal_len=4) == [saved]
        pending = store.pending()
    assert [c.id for c in pending] == [lost, untouched]
    assert all(c.claimed_journal is None for c in pending), "claims start over"
    assert pending[0].args == {"index": 1, "text": "own words"}


def test_state_round_trips_with_a_heartbeat(tmp_path: Path) -> None:
    with LiveStore.open(tmp_path / "blue.json") as store:
        assert store.read_state() is None and is_stale(None)
        store.publish({"clock_h": 2.5, "paused": True})
        state = store.read_state()
    assert state is not None and state["clock_h"] == 2.5 and state["paused"] is True
    assert not is_stale(state, now=state["heartbeat"] + 1.0)
    assert is_stale(state, now=state["heartbeat"] + 60.0)


def test_commands_are_checked_before_they_are_posted(tmp_path: Path) -> None:
    assert set(COMMANDS) == {"pause", "resume", "speed", "fire_inject", "skip_to_next_event",
                             "skip_to_detection"}
    assert check_command("fire_inject", {"index": 1}) == {"index": 1, "text": ""}
    with pytest.raises(LiveError, match="unknown command 'explode'"):
        check_command("explode", {})
    with pytest.raises(LiveError, match="index must be int"):
        check_command("speed", {"index": "fast"})
    with pytest.raises(LiveError, match="takes no when"):
        check_command("pause", {"when": 3})
    with LiveStore.open(tmp_path / "blue.json") as store, pytest.raises(LiveError):
        store.add_note("   ", clock_h=1.0)


def test_damaged_and_foreign_files_are_refused_and_left_alone(tmp_path: Path) -> None:
    damaged = live_path(tmp_path / "a.json")
    damaged.write_bytes(b"not a database at all" * 100)
    with pytest.raises(LiveError, match="damaged or not a SQLite file"):
        LiveStore.open(tmp_path / "a.json")
    assert damaged.read_bytes() == b"not a database at all" * 100
    foreign = live_path(tmp_path / "b.json")
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE results (x)")
        conn.execute("INSERT INTO results VALUES (42)")
    with pytest.raises(LiveError, match="not a stormdrill live store"):
        LiveStore.open(tmp_path / "b.json")
    assert sqlite3.connect(foreign).execute("SELECT x FROM results").fetchall() == [(42,)]
    with pytest.raises(LiveError, match=r"cannot open|not writable"):
        LiveStore.open(tmp_path / "no" / "such" / "folder" / "c.json")


def test_notes_outlive_the_store_and_the_drill(tmp_path: Path) -> None:
    assert notes_of(tmp_path / "blue.json") == [], "no store, no notes, no file made"
    assert not live_path(tmp_path / "blue.json").exists()
    with LiveStore.open(tmp_path / "blue.json") as store:
        store.add_note("Team froze at the journalist's call", clock_h=3.25)
    notes = notes_of(tmp_path / "blue.json")
    assert [(n.text, n.clock_h) for n in notes] == [("Team froze at the journalist's call", 3.25)]
    assert notes[0].wall.endswith("+00:00")


# ---- the drill's published state ---------------------------------------------------------------
def test_drill_state_is_the_truth_not_the_team_view(tmp_path: Path) -> None:
    sc = drill_scenario(injects=INJECTS)
    c = _drill(_session(tmp_path), sc, hours=1.0)
    c.sim.fire_inject(0, text="Own words")
    state = drill_state(c)
    assert state["clock_h"] == pytest.approx(c.now)
    assert state["fired"] == [{"index": 0, "at_h": c.now, "text": "Own words"}]
    assert state["next_inject_h"] == 8.0 and state["next_decision_h"] == 2.0
    assert state["negative_total"] >= state["negative_last_hour"]
    assert state["trust_start"] == sc.reputation.start
    assert state["paused"] is True and state["speed_index"] == 3 and state["speed"] == 360


# ---- the console app ---------------------------------------------------------------------------
@sync
async def test_console_shows_the_published_state_and_marks_fired_injects(tmp_path: Path) -> None:
    sc = drill_scenario(injects=INJECTS)
    session = _session(tmp_path)
    c = _drill(session, sc, hours=9.0)  # the influencer inject (8 h) fired on schedule
    c.sim.fire_inject(0, text="RTV Utrecht calls.")
    drill = LiveStore.open(session.path)  # type: ignore[arg-type]
    drill.publish(drill_state(c))
    heartbeat = drill.read_state()["heartbeat"]  # type: ignore[index]
    app = _console(session, sc, wall=lambda: heartbeat + 1.0)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot, app)
        top = _text(app, "#drill")
        assert "drill running" in top and "Blue" in top
        assert "paused" in top and "x360" in top
        outcomes = _text(app, "#outcomes")
        assert f"{drill_state(c)['trust']:.1f} from {sc.reputation.start:g}" in outcomes
        assert f"{drill_state(c)['reach']:,}" in outcomes
        injects = app.console_screen.query_one("#injects", OptionList)
        labels = [str(injects.get_option_at_index(i).prompt) for i in range(2)]
        assert "fired" in labels[0] and "fired" in labels[1]
    app2 = _console(session, sc, wall=lambda: heartbeat + 30.0)
    async with app2.run_test(size=SIZE) as pilot:
        await _settle(pilot, app2)
        assert "drill not running" in _text(app2, "#drill")
    drill.close()


@pytest.mark.slow  # several processes or a long drill: seconds
@sync
async def test_keys_post_commands_and_notes(tmp_path: Path) -> None:
    sc = drill_scenario(injects=INJECTS)
    session = _session(tmp_path)
    c = _drill(session, sc)  # t = 0, paused, not detected, speed x360 (the fastest)
    store = LiveStore.open(session.path)  # type: ignore[arg-type]
    store.publish(drill_state(c))
    app = _console(session, sc)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot, app)
        await pilot.press("space", "plus", "plus", "minus", "n", "d")
        await pilot.pause()
        assert [(x.kind, x.args) for x in store.pending()] == [
            ("resume", {}), ("speed", {"index": 3}), ("speed", {"index": 3}),
            ("speed", {"index": 2}), ("skip_to_next_event", {}), ("skip_to_detection", {})]
        await pilot.press("space")  # the newest wish was "resume": now it is "pause"
        await pilot.pause()
        assert store.pending()[-1].kind == "pause"
        for command in store.pending():
            store.consumed(command.id)

        await pilot.press("down", "enter")  # the second inject, the scenario's words
        await pilot.pause()
        await pilot.press("t", *"Own + words", "enter")  # typed text fires the highlighted
        await pilot.pause()
        fired = [(x.kind, x.args) for x in store.pending()]
        assert fired == [("fire_inject", {"index": 1, "text": ""}),
                         ("fire_inject", {"index": 1, "text": "Own + words"})], \
            "'+' typed in the text is text, not a speed change"
        assert app.console_screen.query_one("#inject-text", Input).value == ""
        await _settle(pilot, app)
        injects = app.console_screen.query_one("#injects", OptionList)
        assert "queued" in str(injects.get_option_at_index(1).prompt)

        await pilot.press("m", *"Lead hesitates", "enter")
        await pilot.pause()
        assert [(n.text, n.clock_h) for n in store.notes()] == [("Lead hesitates", 0.0)]
        assert "Lead hesitates" in _text(app, "#notes")
        await pilot.press("n")  # after a note, keys are commands again
        await pilot.pause()
        assert store.pending()[-1].kind == "skip_to_next_event"
        # a fast typist: the next note's `m` follows Enter before anything is redrawn
        await pilot.press("m", *"one", "enter", "m", *"two", "enter", "n")
        await pilot.pause()
        assert [n.text for n in store.notes()][-2:] == ["one", "two"]
        assert [x.kind for x in store.pending()][-2:] == ["skip_to_next_event"] * 2
    store.close()


@pytest.mark.slow  # several processes or a long drill: seconds
@sync
async def test_without_a_drill_commands_wait_and_notes_use_the_saved_clock(
        tmp_path: Path) -> None:
    sc = drill_scenario(injects=INJECTS, locale="nl")
    session = _session(tmp_path)
    session.clock_h = 4.5
    app = _console(session, sc)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot, app)
        assert "Er is nog geen oefening gestart" in _text(app, "#drill")
        await pilot.press("enter", "m", *"Na de pauze", "enter")
        await pilot.pause()
    with LiveStore.open(session.path) as store:  # type: ignore[arg-type]
        assert [(x.kind, x.args) for x in store.pending()] == [
            ("fire_inject", {"index": 0, "text": ""})]
        assert [(n.text, n.clock_h) for n in store.notes()] == [("Na de pauze", 4.5)]


def test_console_snapshot(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sc = drill_scenario(injects=INJECTS)
    session = _session(tmp_path)
    c = _drill(session, sc, hours=9.0)
    c.sim.fire_inject(0, text="RTV Utrecht calls: they air the clip at six.")
    with LiveStore.open(session.path) as drill:  # type: ignore[arg-type]
        drill.publish(drill_state(c))
        drill.add_note("Team reacts within 10 minutes of detection", clock_h=1.5)
        drill.post("fire_inject", index=0, text="")
        heartbeat = drill.read_state()["heartbeat"]  # type: ignore[index]
    app = _console(session, sc, wall=lambda: heartbeat + 1.0)

    async def run_before(pilot: Pilot) -> None:  # type: ignore[type-arg]
        await _settle(pilot, app)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


# ---- the command line -------------------------------------------------------------------------
def test_cli_console_errors_exit_2_without_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["console", str(tmp_path / "missing.json")]) == 2
    assert "no such session file" in capsys.readouterr().err
    session = _session(tmp_path, scenario="kitchen-gaffe")
    live = live_path(session.path)  # type: ignore[arg-type]
    live.write_bytes(b"\x00garbage" * 64)
    assert main(["console", str(session.path)]) == 2
    err = capsys.readouterr().err
    assert "damaged or not a SQLite file" in err and "Traceback" not in err
    assert live.read_bytes() == b"\x00garbage" * 64, "the user's file is left as it was"
