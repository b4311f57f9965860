"""The command line of drill rooms: `room create`, `play --room`, `console --room`,
`report --room`. Each handler checks everything it is given before any window opens or
any file is written, and raises errors of the one family (`simulator.errors`)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from simulator.config import fingerprint
from tui.room import Room, RoomError, parse_teams

#: set by `stormdrill serve` for the apps it starts: the server's pid
SERVER_PID_ENV = "STORMDRILL_SERVER_PID"


def add_room_parser(sub: Any) -> None:
    """`stormdrill room create ...` (the other room commands are options of play, console
    and report)."""
    room = sub.add_parser("room", help="drill rooms: several teams on the same crisis")
    room_sub = room.add_subparsers(dest="room_command", parser_class=type(room), required=True)
    create = room_sub.add_parser("create", help="create a room for several teams")
    create.add_argument("scenario", help="library name or path of the scenario")
    create.add_argument("--teams", required=True, help="comma-separated team names, e.g. "
                        "Comms,Care,Regional (1 to 12)")
    create.add_argument("--seed", type=int, default=1, help="the room's seed (default 1)")
    create.add_argument("--room", default=None, help="the room's folder (default: "
                        "stormdrill-rooms/SCENARIO-TIME)")


def create_room(args: argparse.Namespace) -> int:
    from datetime import datetime

    teams = parse_teams(args.teams)
    folder = Path(args.room) if args.room else (
        Path("stormdrill-rooms") / f"{Path(args.scenario).stem}-{datetime.now():%Y%m%d-%H%M%S}")
    room = Room.create(folder, args.scenario, args.seed, teams)
    print(f"room created: {room.path}  (scenario {room.scenario}, seed {room.seed})")
    print(f"  facilitator:  stormdrill console --room {room.path}")
    for team in room.teams:
        print(f"  team {team}:{' ' * (12 - len(team))}stormdrill play --room {room.path} "
              f"--team {_quoted(team)}")
    print(f"  report:       stormdrill report --room {room.path} -o room-report.html")
    return 0


def _quoted(team: str) -> str:
    return f'"{team}"' if " " in team else team


def open_room(path: str) -> tuple[Room, Any]:
    """The room and its scenario, refusing a scenario changed since the room was created:
    the teams would no longer face the same crisis."""
    import scenarios

    room = Room.open(path)
    scenario = scenarios.load_scenario(room.scenario)
    if fingerprint(scenario) != room.scenario_fingerprint:
        raise RoomError(f"{room.path}: the scenario {room.scenario} changed since the room "
                        "was created, so the teams would not face the same crisis; restore "
                        "it, or create a new room")
    return room, scenario


def play_in_room(args: argparse.Namespace, prompt_clock: str | None,
                 prompt_minutes: float | None, auto_pause: list[str] | None) -> tuple[Any, Path]:
    """The drill app of one team of a room (a new session, or the team's saved one)."""
    from tui.app import build_app

    if args.team is None:
        raise RoomError(f"{args.room}: --team is needed in a room; expected one of the "
                        "room's teams (see `stormdrill room create` output)")
    if args.scenario is not None or args.session is not None:
        raise RoomError("--room takes the scenario, seed and session from the room; "
                        "leave out the scenario and --session")
    room, scenario = open_room(args.room)
    team = room.team(args.team)
    room.claim(team)
    path = room.session_path(team)
    saved = room.session(team)
    if saved is not None:
        saved.check_against(len(scenario.injects), scenario.duration_h)
        app = build_app(resume=saved, session_path=path, scenario=scenario, room=True)
    else:
        app = build_app(room.scenario, seed=room.seed, team=team, session_path=path,
                        scenario=scenario, prompt_clock=prompt_clock,
                        prompt_minutes=prompt_minutes, auto_pause=auto_pause, room=True)
    quit_with_server(app)
    return app, path


def console_for_room(path: str) -> int:
    from tui.console import RoomConsoleApp

    room, scenario = open_room(path)
    app = RoomConsoleApp(room, scenario)
    quit_with_server(app)
    app.run()
    return 0


def quit_with_server(app: Any) -> None:
    """A served app (`stormdrill serve`) quits when its server is gone, even a server
    killed with -9: otherwise it would linger, holding its team (`Room.claim`), with no
    page to show it. Journals are saved after every action, so quitting loses nothing."""
    server = os.environ.get(SERVER_PID_ENV, "")
    if not server.isdigit():
        return

    def watch() -> None:
        while os.getppid() == int(server):
            time.sleep(0.5)  # a watchdog's poll; no test waits on it
        with contextlib.suppress(Exception):  # not running yet, or already quitting
            app.call_from_thread(app.exit)
        time.sleep(10)
        os._exit(1)  # the app could not quit by itself (its terminal is gone)

    threading.Thread(target=watch, name="quit-with-server", daemon=True).start()


def report_room(path: str, output: Path, replicas: int | None) -> Path:
    """One report comparing the room's teams, each with its own after-action section."""
    from tui.reports.after_action import write_session_report

    room, _ = open_room(path)
    sessions = [room.session_path(t) for t in room.teams if room.session_path(t).exists()]
    if not sessions:
        raise RoomError(f"{room.path}: no team has played yet; nothing to report")
    missing = [t for t in room.teams if not room.session_path(t).exists()]
    if missing:
        print(f"note: {', '.join(missing)} never joined; the report compares the others",
              file=sys.stderr)
    return write_session_report(sessions, output,
                                **({} if replicas is None else {"replicas": replicas}))
