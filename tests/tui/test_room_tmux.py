"""A drill room in real terminals (tmux): two teams and the room console, each its own
program; the console starts the clock, sets the pace, fires an inject, writes a note and
pauses the room; each team acts on its own; one team is killed (kill -9) and rejoins.

Every step waits on state, never on a fixed sleep: on each team's session file (saved
after each action), on each team's live store (the state its drill publishes on every
tick, the notes), read the way the room console reads them (`Room.states`,
`Room.notes`), or on text that only appears once the step happened (a modal's title,
"Typing ...", the notes box of the team just highlighted). Timeouts are generous ceilings
for a loaded machine (`test_e2e_tmux.CEILING_S`), not expectations.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from procs import alive, stat
from test_e2e_tmux import ROOT, Terminal, saved, wait_until

from tui.room import Room

pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
              pytest.mark.slow]  # end-to-end: three real programs in real terminals

SCENARIO = "kitchen-gaffe"  # a decision prompt at 0.1 h freezes every team's clock there
TEAMS = ("Alpha", "Bravo")
INJECT_TEXT = "Room-wide: a TV host reads the post on air"


class Drill:
    """A room on disk and its terminals; reads every team's state as the console does."""

    def __init__(self, folder: Path) -> None:
        out = subprocess.run([sys.executable, "-m", "tui.cli", "room", "create", SCENARIO,
                              "--teams", ",".join(TEAMS), "--seed", "7", "--room",
                              str(folder)], cwd=ROOT, capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0, out.stderr
        self.folder = folder
        self.room = Room.open(folder)
        self.terminals: dict[str, Terminal] = {}
        self.took: list[str] = []  # how long each wait took, for a slow or failed run

    def start(self, name: str, args: list[str]) -> Terminal:
        self.terminals[name] = term = Terminal(f"room-{name}", args)
        # the size asked for, whatever another tmux client or server default says (a
        # narrower console cuts its table and heading)
        subprocess.run(["tmux", "resize-window", "-t", term.name, "-x", "110", "-y", "34"],
                       capture_output=True)
        return term

    def play(self, team: str) -> Terminal:
        return self.start(team, ["play", "--room", str(self.folder), "--team", team,
                                 "--auto-pause", "none"])

    def console(self) -> Terminal:
        """The room console, once it is up: a key sent before would be lost."""
        term = self.start("console", ["console", "--room", str(self.folder)])
        self.wait_screen("console", "Notes: Alpha")  # drawn after its first poll
        return term

    def close(self) -> None:
        for term in self.terminals.values():
            term.close()
        self.room.close()

    # ---- state --------------------------------------------------------------------------
    def session(self, team: str) -> dict[str, Any]:
        return saved(self.room.session_path(team))

    def journal(self, team: str) -> list[dict[str, Any]]:
        return list(self.session(team).get("journal", []))

    def state(self, team: str) -> dict[str, Any]:
        return self.room.states()[team] or {}

    def every_state(self, test: Callable[[dict[str, Any]], bool]) -> bool:
        states = self.room.states()
        return all(s is not None and test(s) for s in states.values())

    def show(self) -> str:
        """Every pane and every team's state, for a failure message."""
        parts = [f"--- {name} ---\n{term.screen()}" for name, term in self.terminals.items()]
        parts.append("--- waits so far:\n" + "\n".join(self.took))
        for team in TEAMS:
            state = {k: v for k, v in self.state(team).items()
                     if k in ("clock_h", "paused", "speed_index", "open_prompts", "fired",
                              "heartbeat")}
            parts.append(f"--- {team}: live {json.dumps(state)}\n    saved "
                         f"{json.dumps(self.session(team))[:1500]}")
        return "\n".join(parts)

    def wait(self, ready: Callable[[], Any], what: str) -> Any:
        began = time.monotonic()
        value = wait_until(ready, what, self.show)
        self.took.append(f"{time.monotonic() - began:6.1f} s  {what}")
        return value

    def wait_screen(self, name: str, text: str) -> None:
        term = self.terminals[name]
        self.wait(lambda: text in term.screen(), f"{text!r} on {name}'s screen")

    def published_since(self, team: str, wall: float) -> dict[str, Any] | None:
        """The team's state once its drill has published after wall time `wall`."""
        state = self.state(team)
        return state if state.get("heartbeat", 0.0) > wall else None

    def kill(self, team: str) -> float:
        """kill -9 the team's drill (the program itself: tmux runs it as the pane's
        process); wall time once it is gone."""
        term = self.terminals[team]
        pid = term.pid()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert b"--team" in cmdline and team.encode() in cmdline, cmdline
        st = stat(pid)
        assert st is not None
        os.kill(pid, signal.SIGKILL)
        self.wait(lambda: not alive(pid, st[2]) and not term.alive(),
                  f"{team}'s killed drill gone")
        return time.time()


@pytest.fixture
def drill(tmp_path: Path) -> Iterator[Drill]:
    d = Drill(tmp_path / "room")
    try:
        yield d
    finally:
        d.close()


def join(drill: Drill, *teams: str) -> None:
    """Start each team's drill and begin it; wait until each publishes its state."""
    for team in teams:
        drill.play(team)
    for team in teams:
        drill.wait_screen(team, "Begin the drill")
        drill.terminals[team].keys("Enter")
    drill.wait(lambda: all(drill.state(t) and drill.session(t) for t in teams),
               f"{', '.join(teams)} publishing their drills")


def act(drill: Drill, team: str, key: str, text: str) -> None:
    """A team takes a lever by its key and posts its own words."""
    term = drill.terminals[team]
    term.keys(key)
    drill.wait_screen(team, "What the brand posts")  # the action modal, its text box focused
    term.type(text)
    term.keys("Enter")


def test_a_room_of_two_teams_and_its_console_then_kill_and_rejoin(drill: Drill,
                                                                 tmp_path: Path) -> None:
    alpha, bravo = TEAMS
    join(drill, alpha, bravo)
    console = drill.console()

    # ---- the facilitator sets the pace and starts the clock, for every team --------------
    console.keys("+")  # x60 -> x360
    console.keys("space")  # every team paused (a drill starts paused): resume them all
    drill.wait(lambda: drill.every_state(lambda s: s["speed_index"] == 3 and not s["paused"]
                                         and s["open_prompts"]),
               "both teams at x360, running, and at their first decision (0.1 h)")
    assert [drill.state(t)["clock_h"] for t in TEAMS] == [pytest.approx(0.1)] * 2, \
        "the prompt froze both clocks at the same moment"

    # ---- one inject, fired once from the console, reaches every team ---------------------
    console.keys("t")
    drill.wait_screen("console", "Typing the inject's words")
    console.type(INJECT_TEXT)
    console.keys("Enter")  # fires the highlighted (first) inject, with these words

    def fired(team: str) -> list[dict[str, Any]]:
        return [e for e in drill.journal(team) if e.get("text") == INJECT_TEXT]

    drill.wait(lambda: all(fired(t) for t in TEAMS), "the inject in both teams' journals")
    assert [fired(t) for t in TEAMS] == [[{"at_h": pytest.approx(0.1), "inject": 0,
                                           "text": INJECT_TEXT}]] * 2, \
        "once per team, at the same moment of the crisis"

    # ---- the room paused, each team decides and acts on its own --------------------------
    console.keys("space")
    drill.wait(lambda: drill.every_state(lambda s: s["paused"]), "both teams paused")
    for team, option in ((alpha, "1"), (bravo, "2")):
        drill.wait_screen(team, "Decision at")
        drill.terminals[team].keys(option)
    drill.wait(lambda: all(drill.session(t)["decisions"] for t in TEAMS),
               "both decisions saved")
    assert [[d["option"] for d in drill.session(t)["decisions"]] for t in TEAMS] == [[0], [1]]

    act(drill, alpha, "u", "Alpha: update on the post")
    act(drill, bravo, "s", "Bravo: posting rights fixed")

    def actions(team: str) -> list[tuple[str, str]]:
        return [(e["kind"], e["text"]) for e in drill.journal(team) if "kind" in e]

    drill.wait(lambda: ("update", "Alpha: update on the post") in actions(alpha)
               and ("solution", "Bravo: posting rights fixed") in actions(bravo),
               "each team's action in its own journal")
    assert [k for k, _ in actions(alpha)] == ["acknowledge", "update"], \
        "Alpha: its decision (apologise) and its update, nothing of Bravo's"
    assert [k for k, _ in actions(bravo)] == ["reply", "solution"], \
        "Bravo: its decision (explain) and its solution, nothing of Alpha's"

    # ---- a note for Bravo: to the table, down to Bravo, m ---------------------------------
    console.keys("BTab", "Down")
    drill.wait_screen("console", "Notes: Bravo")
    console.keys("m")
    drill.wait_screen("console", "Typing a note")
    console.type("Bravo blamed one person")
    console.keys("Enter")
    drill.wait(lambda: [n.text for n in drill.room.notes()[bravo]] == ["Bravo blamed one person"],
               "the note in Bravo's store")
    assert drill.room.notes()[alpha] == [], "a note goes to the highlighted team only"

    # ---- resume and pause again: the room's clock moves and stops for every team -----------
    console.keys("space")
    drill.wait(lambda: drill.every_state(lambda s: not s["paused"] and s["clock_h"] > 0.11),
               "both clocks moving again")
    console.keys("space")
    drill.wait(lambda: drill.every_state(lambda s: s["paused"]), "both teams paused again")
    stopped = {t: drill.state(t) for t in TEAMS}
    later = {t: drill.wait(lambda t=t: drill.published_since(t, stopped[t]["heartbeat"]),
                           f"{t} publishing while paused") for t in TEAMS}
    assert all(later[t]["clock_h"] == stopped[t]["clock_h"] for t in TEAMS), \
        "a paused room's clocks stand still"

    # ---- kill -9 Alpha and rejoin: exactly where it was -----------------------------------
    clock_h = stopped[alpha]["clock_h"]
    drill.wait(lambda: drill.session(alpha)["clock_h"] == clock_h,
               "Alpha's clock saved (every 5 s)")
    before = drill.session(alpha)
    killed_at = drill.kill(alpha)
    drill.wait_screen("console", "not running (")  # the console sees Alpha stop
    drill.play(alpha)  # the same command
    back = drill.wait(lambda: drill.published_since(alpha, killed_at), "Alpha back")
    after = drill.session(alpha)
    assert after["journal"] == before["journal"], "nothing lost, no inject applied twice"
    assert after["decisions"] == before["decisions"]
    assert after["clock_h"] == clock_h and back["clock_h"] == clock_h, "the same moment"
    assert back["paused"], "rejoins paused, as the room is"
    assert [f["text"] for f in back["fired"]].count(INJECT_TEXT) == 1
    assert back["actions"] == stopped[alpha]["actions"]
    assert drill.state(bravo)["clock_h"] == stopped[bravo]["clock_h"], "Bravo untouched"

    # ---- the room report compares both teams ------------------------------------------------
    for term in drill.terminals.values():
        term.close()  # everything is saved: the sessions were checked above
    report = tmp_path / "room.md"
    began = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "tui.cli", "report", "--room",
                          str(drill.folder), "-o", str(report), "--replicas", "2"], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    drill.took.append(f"{time.monotonic() - began:6.1f} s  the report")
    print("\n".join(drill.took))  # shown by pytest -rP: where a slow run spent its time
    assert out.returncode == 0, out.stderr
    text = report.read_text()
    assert alpha in text and bravo in text
    assert "Bravo blamed one person" in text, "the facilitator's note is in the report"


def test_a_team_that_rejoins_takes_up_the_room_pace_and_clock(drill: Drill) -> None:
    """The pace and start commands were used up by the process that died: the rejoined
    drill reads what the facilitator last set from its live store."""
    alpha = TEAMS[0]
    join(drill, alpha)
    console = drill.console()
    console.keys("+")  # the room's pace: x360
    drill.wait(lambda: drill.state(alpha)["speed_index"] == 3, "Alpha at x360")
    console.keys("space")  # the room's clock runs
    drill.wait(lambda: drill.state(alpha)["paused"] is False, "Alpha's clock running")
    killed_at = drill.kill(alpha)
    drill.play(alpha)
    back = drill.wait(lambda: drill.published_since(alpha, killed_at), "Alpha back")
    assert back["speed_index"] == 3, f"Alpha rejoined at x{back['speed']}, the room runs x360"
    assert back["paused"] is False, "the room's clock runs, so Alpha's does again"
