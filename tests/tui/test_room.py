"""Drill rooms: several teams on one crisis, one facilitator.

The room store is tested with real processes on real SQLite files; the room console
under Textual's pilot with its timer off (the tests publish each team's state, call
`poll()` and read back what reached each team); a team's drill in the room with its
pilot; the command line end to end.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from drillapp import drill_app, drill_scenario, sync
from textual.widgets import DataTable, Input

from simulator.config import Inject, fingerprint
from tui.cli import main
from tui.console import RoomConsoleApp
from tui.controller import DrillController
from tui.live import Command, LiveStore, drill_state, is_due
from tui.room import CONSOLE, Room, RoomError, parse_teams
from tui.screens.drill import DrillScreen
from tui.screens.room import RoomView
from tui.session import Session

SIZE = (110, 32)
INJECTS = [Inject(at_h=30.0, kind="journalist_inquiry", text="A reporter asks for comment.",
                  deadline_h=1.0),
           Inject(at_h=8.0, kind="influencer_joins", text="A food vlogger shares the clip.")]
N = 120  # commands each concurrent writer posts


@pytest.fixture
def room(tmp_path: Path) -> Room:
    return Room.create(tmp_path / "room", "kitchen-gaffe", 3, ("Comms", "Care"))


def _publish(room: Room, team: str, clock_h: float, trust: float, negative: int,
             scenario_injects: int = 0) -> None:
    """What a team's drill publishes, without running one (the console only reads it)."""
    state = {"clock_h": clock_h, "duration_h": 72.0, "paused": False, "speed": 60,
             "speed_index": 2, "finished": False, "detected": True, "detected_at_h": 0.5,
             "trust": trust, "trust_start": 20.0, "negative_last_hour": 3,
             "negative_total": negative, "participants": negative, "reach": 10 * negative,
             "media_stories": 0, "open_prompts": [], "fired": [], "next_inject_h": None,
             "next_decision_h": None, "team": team, "actions": 1,
             "last_actions": [{"at_h": 1.0, "kind": "acknowledge", "tone": "empathetic"}]}
    with room.store(team) as store:
        store.publish(state)


# ---- creating and opening a room --------------------------------------------------------------
def test_a_room_holds_its_teams_stores_and_private_tokens(room: Room) -> None:
    file = room.path / "room.json"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600, "the tokens are the owner's only"
    for folder in (room.path, room.path / "teams"):  # journals and notes too
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    again = Room.open(room.path)
    assert again == room and again.teams == ("Comms", "Care")
    assert set(again.tokens) == {"Comms", "Care", CONSOLE}
    assert len(set(again.tokens.values())) == 3, "every token its own"
    assert all((room.path / "teams" / f"{t}.json.live.sqlite").is_file() for t in room.teams)
    assert room.allows("Care", room.tokens["Care"]) and not room.allows("Care",
                                                                         room.tokens["Comms"])
    assert not room.allows("nobody", "x") and room.team("care") == "Care"
    with pytest.raises(RoomError, match=r"no team 'Blue'.*Comms, Care"):
        room.team("Blue")


@pytest.mark.parametrize(("teams", "message"), [
    ("", "1 to 12 team names"), ("A,a", "named twice"), ("A,console", "facilitator's"),
    (",".join(f"T{i}" for i in range(13)), "1 to 12"), ("A,<b>", "not a usable team name")])
def test_bad_team_lists_are_refused(teams: str, message: str) -> None:
    with pytest.raises(RoomError, match=message):
        parse_teams(teams)


def test_a_room_is_never_created_over_something(tmp_path: Path, room: Room) -> None:
    before = (room.path / "room.json").read_bytes()
    with pytest.raises(RoomError, match="a room already"):
        Room.create(room.path, "kitchen-gaffe", 1, ("A",))
    assert (room.path / "room.json").read_bytes() == before, "nothing touched"
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "mine.txt").write_text("keep me")
    with pytest.raises(RoomError, match="not an empty folder"):
        Room.create(tmp_path / "busy", "kitchen-gaffe", 1, ("A",))
    assert sorted(p.name for p in (tmp_path / "busy").iterdir()) == ["mine.txt"]


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d.update(seed="x"), "seed: expected int"),
    (lambda d: d.update(teams=["Comms"]), "tokens"),
    (lambda d: d.update(format="other"), "not a stormdrill room"),
    (lambda d: d["tokens"].update(Care="short"), "tokens")])
def test_a_damaged_room_file_is_refused_with_its_key(room: Room, edit, message: str) -> None:
    file = room.path / "room.json"
    data = json.loads(file.read_text())
    edit(data)
    file.write_text(json.dumps(data))
    with pytest.raises(RoomError, match=message) as info:
        Room.open(room.path)
    assert str(file) in str(info.value)


def test_the_command_line_refuses_a_bad_room_with_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "room.json").write_text("{not json")
    for argv in (["console", "--room", str(tmp_path / "r")],
                 ["play", "--room", str(tmp_path / "r"), "--team", "A"],
                 ["report", "--room", str(tmp_path / "nowhere")],
                 ["room", "create", "kitchen-gaffe", "--teams", "A,A"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "Traceback" not in err and err.strip(), argv


def test_a_room_refuses_a_scenario_changed_since_it_was_created(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]
                                                               ) -> None:
    from scenarios.refs import SCENARIO_DIR

    mine = tmp_path / "mine.yaml"
    mine.write_text((SCENARIO_DIR / "kitchen-gaffe.yaml").read_text())
    room = Room.create(tmp_path / "room", str(mine), 1, ("A", "B"))
    mine.write_text(mine.read_text().replace("duration_h: ", "duration_h: 1", 1))
    assert main(["console", "--room", str(room.path)]) == 2
    assert "changed since the room was created" in capsys.readouterr().err


# ---- the room store: every team, concurrent writers ------------------------------------------
def _team_writer(room_path: str, team: str) -> None:
    """A team's drill: claims and consumes commands, publishes, while others write too."""
    room = Room.open(room_path)
    with room.store(team) as store:
        for i in range(N):
            store.publish({"clock_h": float(i), "team": team})
            store.add_note(f"{team} {i}", float(i))
            for command in store.pending():
                store.claim(command.id, i)
                store.consumed(command.id)


def _console_writer(room_path: str) -> None:
    room = Room.open(room_path)
    for i in range(N):
        assert room.broadcast("fire_inject", index=i % 2, text=f"all {i}", at_h=float(i)) == []


@pytest.mark.slow  # three processes
def test_teams_and_the_console_writing_at_once_never_corrupt_the_room(room: Room) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_team_writer, args=(str(room.path), t)) for t in room.teams]
    procs.append(ctx.Process(target=_console_writer, args=(str(room.path),)))
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0
    for team in room.teams:
        db = room.path / "teams" / f"{team}.json.live.sqlite"
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            texts = [r[0] for r in conn.execute("SELECT args FROM commands ORDER BY id")]
        assert [json.loads(t)["text"] for t in texts] == [f"all {i}" for i in range(N)], \
            "every team got every inject once, in order"
        notes = room.notes()[team]
        assert [n.text for n in notes] == [f"{team} {i}" for i in range(N)]


# ---- the facilitator's room console ------------------------------------------------------------
def test_the_room_clock_and_the_ranking() -> None:
    view = RoomView({"A": {"clock_h": 3.0, "trust": 15.0, "negative_total": 90},
                     "B": {"clock_h": 5.0, "trust": 17.0, "negative_total": 120},
                     "C": None}, {}, 0.0)
    assert view.room_clock_h == 5.0, "the furthest team's clock"
    assert view.ranking() == ["B", "A", "C"], "trust first; a team not joined last"


def test_is_due_holds_a_room_inject_until_the_team_gets_there() -> None:
    inject = Command(1, "fire_inject", {"index": 0, "text": "", "at_h": 5.0}, 0.0)
    assert not is_due(inject, 4.9) and is_due(inject, 5.0)
    assert is_due(Command(2, "fire_inject", {"index": 0, "text": "", "at_h": -1.0}, 0.0), 0.0)
    assert is_due(Command(3, "pause", {}, 0.0), 0.0)


@sync
async def test_the_room_console_shows_every_team_and_commands_them_all(room: Room) -> None:
    import scenarios

    scenario = scenarios.load_scenario(room.scenario)
    _publish(room, "Comms", 2.0, 14.0, 300)
    _publish(room, "Care", 3.5, 16.0, 250)
    app = RoomConsoleApp(room, scenario, poll=None, wall=lambda: 1e12)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.room_screen
        screen.poll()
        await pilot.pause()
        table = screen.query_one(DataTable)
        assert table.get_row("Care")[1] == "1" and table.get_row("Comms")[1] == "2", \
            "Care ranks first: more trust"
        await pilot.press("space")  # pause every team
        await pilot.press("plus")
        await pilot.press("enter")  # the first inject, for every team at the room clock
        await pilot.pause()
        for team in room.teams:
            with room.store(team) as store:
                kinds = [(c.kind, c.args) for c in store.pending()]
            assert kinds[0][0] == "pause" and kinds[1] == ("speed", {"index": 3})
            assert kinds[2] == ("fire_inject", {"index": 0, "text": "", "at_h": 3.5}), \
                "at the furthest team's clock"
        table.move_cursor(row=1)  # Care
        await pilot.press("m", *"Care answered fast", "enter")
        await pilot.pause()
        assert [n.text for n in room.notes()["Care"]] == ["Care answered fast"]
        assert room.notes()["Comms"] == []
        assert screen.query_one("#note", Input).value == ""


@sync
async def test_a_team_behind_meets_a_room_inject_at_the_room_clock(tmp_path: Path) -> None:
    """A team at 1 h gets an inject fired at the room clock (2 h) when it reaches 2 h."""
    session = tmp_path / "session.json"
    app = drill_app(tmp_path, sc=drill_scenario(injects=INJECTS, decision_points=[]),
                    auto_pause=[])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        c = drill.controller
        c.set_speed(3)

        def run_to(hours: float, sync: bool = False) -> None:
            for _ in range(10_000):  # a bound, so a clock that stops fails instead of hanging
                if c.now >= hours - 1e-9:
                    return
                c.paused = False
                drill.step(min(0.25, (hours - c.now) * 10.0))
                if sync:
                    drill.sync_live()
            raise AssertionError(f"the clock stopped at {c.now} h")

        run_to(1.0)
        with LiveStore.open(session) as console:
            console.post("fire_inject", index=1, text="", at_h=2.0)
            drill.sync_live()
            assert not [e for e in c.sim.journal if e.inject is not None], "not yet"
            run_to(2.0, sync=True)
            drill.sync_live()
            fired = [e for e in c.sim.journal if e.inject is not None]
            assert [e.inject for e in fired] == [1] and fired[0].at_h == pytest.approx(2.0,
                                                                                      abs=0.05)
            assert console.pending() == []


# ---- the command line, end to end --------------------------------------------------------------
@pytest.mark.slow  # two drills and a debrief of each
def test_create_play_and_report_a_room_from_the_command_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "room"
    assert main(["room", "create", "kitchen-gaffe", "--teams", "Comms,Care", "--seed", "4",
                 "--room", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "stormdrill play --room" in out and "--team Care" in out
    room = Room.open(folder)
    assert room.seed == 4
    # each team's session as its drill would save it (the drill itself is tested above)
    import scenarios

    sc = scenarios.load_scenario("kitchen-gaffe")
    for team, hours in (("Comms", 6.0), ("Care", 4.0)):
        s = room.new_session(team)
        c = DrillController(sc, s)
        c.sim.run(hours)
        s.clock_h = c.now
        s.save()
        with room.store(team) as store:
            store.publish(drill_state(c))
    assert Session.load(room.session_path("Care")).scenario_fingerprint == fingerprint(sc)
    report = tmp_path / "room.md"
    assert main(["report", "--room", str(folder), "-o", str(report), "--replicas", "2"]) == 0
    text = report.read_text()
    assert "Comms" in text and "Care" in text
    assert os.path.getsize(report) > 500


def test_room_console_snapshot(snap_compare, room: Room) -> None:  # type: ignore[no-untyped-def]
    import scenarios

    scenario = scenarios.load_scenario(room.scenario)
    _publish(room, "Comms", 2.0, 14.0, 300)
    _publish(room, "Care", 3.5, 16.0, 250)
    room.add_note("Care", "Care answered the first reply within minutes", 1.5)
    with room.store("Care") as store:
        heartbeat = store.read_state()["heartbeat"]  # type: ignore[index]
    app = RoomConsoleApp(room, scenario, poll=None, wall=lambda: heartbeat + 1.0)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        app.room_screen.poll()
        app.room_screen.query_one(DataTable).move_cursor(row=1)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_the_facilitators_last_pace_and_pause_are_read_from_applied_commands(
        room: Room) -> None:
    """What a restarted drill takes up (`LiveStore.facilitator_clock`): applied commands
    only, the latest of each; a pending one is still to be applied by the drill itself."""
    with room.store("Comms") as store:
        assert store.facilitator_clock() == (None, None)
        for kind, args in [("speed", {"index": 4}), ("resume", {}), ("speed", {"index": 3}),
                           ("pause", {}), ("resume", {})]:
            store.consumed(store.post(kind, **args))
        store.post("speed", index=1)  # pending
        assert store.facilitator_clock() == (3, False)


def _broadcast_then_die(path: str) -> None:
    """A room console killed (-9) halfway through a broadcast: after the first team."""
    import signal

    posted = []
    real = LiveStore.post_once

    def post_once(store: LiveStore, origin: str, kind: str, **args: object) -> bool:
        if posted:
            os.kill(os.getpid(), signal.SIGKILL)
        posted.append(store.path)
        return real(store, origin, kind, **args)

    LiveStore.post_once = post_once  # type: ignore[method-assign]
    Room.open(path).broadcast("fire_inject", index=1, text="", at_h=2.0)


def test_a_console_killed_halfway_through_a_broadcast_leaves_the_rest_to_the_next(
        room: Room) -> None:
    """Kill -9 of the room console loses no inject: the next console (any `Room` that
    redelivers: the room view does at its first poll) sends it to the teams that had not
    got it, and none gets it twice."""
    ctx = multiprocessing.get_context("spawn")
    dying = ctx.Process(target=_broadcast_then_die, args=(str(room.path),))
    dying.start()
    dying.join(60)
    assert dying.exitcode == -9

    def injects(team: str) -> int:
        with room.store(team) as store:
            return sum(c.kind == "fire_inject" for c in store.pending())

    assert (injects("Comms"), injects("Care")) == (1, 0), "it died after the first team"
    again = Room.open(room.path)
    assert again.redeliver() == []
    assert again.redeliver() == [], "a second sweep changes nothing"
    again.close()
    assert (injects("Comms"), injects("Care")) == (1, 1), "each team once"


def test_a_broadcast_is_posted_once_per_origin(room: Room) -> None:
    with room.store("Care") as store:
        assert store.post_once("room:7", "pause") is True
        assert store.post_once("room:7", "pause") is False
        assert [c.kind for c in store.pending()] == ["pause"]
