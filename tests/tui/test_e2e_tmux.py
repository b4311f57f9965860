"""The real program in real terminals (tmux): a drill and its facilitator console side by
side; act, fire an inject with the facilitator's own words, take a note, quit; kill -9 and
resume.

Every step waits on state, never on a fixed sleep: on the session file (saved after each
action), on the live store's notes, or on text that only appears once the step happened
(a modal's title, a message that replaces another). Timeouts are generous ceilings for a
loaded machine, not expectations.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
              pytest.mark.slow]  # end-to-end: two real programs in real terminals
CEILING_S = 120.0  # how long a step may take on a very busy machine before the test fails


class Terminal:
    """One tmux session running one command, driven by keys, read by capture-pane."""

    def __init__(self, name: str, args: list[str]) -> None:
        self.name = f"stormdrill-e2e-{name}-{os.getpid()}"
        cmd = " ".join([sys.executable, "-m", "tui.cli", *args])
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", "110", "-y", "34",
                        "-c", str(ROOT), cmd], check=True)

    def screen(self) -> str:
        out = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name],
                             capture_output=True, text=True)
        return out.stdout

    def wait_for(self, text: str, gone: str | None = None) -> str:
        """Wait until `text` is on screen (and `gone`, if given, is not)."""
        return wait_until(lambda: text in (s := self.screen()) and (gone is None
                                                                     or gone not in s),
                          f"{text!r} on screen", self.screen)

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def type(self, text: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", text], check=True)

    def pid(self) -> int:
        out = subprocess.run(["tmux", "display", "-p", "-t", self.name, "#{pane_pid}"],
                             capture_output=True, text=True, check=True)
        return int(out.stdout.strip())

    def alive(self) -> bool:
        return subprocess.run(["tmux", "has-session", "-t", self.name],
                              capture_output=True).returncode == 0

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def wait_until(ready: Callable[[], Any], what: str,
               show: Callable[[], str] = lambda: "") -> Any:
    """Poll `ready` until it returns something true; fail with `what` after the ceiling."""
    end = time.monotonic() + CEILING_S
    while time.monotonic() < end:
        value = ready()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"never saw {what}\n{show()}")


def saved(session: Path) -> dict[str, Any]:
    """The session file as saved (atomically replaced, so always whole)."""
    return json.loads(session.read_text()) if session.exists() else {}


def journal_has(session: Path, test: Callable[[dict[str, Any]], bool]) -> bool:
    return any(test(e) for e in saved(session).get("journal", []))


def test_drill_and_console_then_kill_and_resume(tmp_path: Path) -> None:
    from tui.live import notes_of

    session = tmp_path / "drill.json"
    drill = Terminal("play", ["play", "kitchen-gaffe", "--team", "Blue", "--session",
                              str(session), "--auto-pause", "none"])
    console: Terminal | None = None
    try:
        drill.wait_for("Begin the drill")
        drill.keys("Enter")
        drill.wait_for("Your desk")  # the drill screen is up
        console = Terminal("console", ["console", str(session)])
        console.wait_for("drill running")
        console.keys("space")  # the facilitator starts the clock from the console
        drill.wait_for("Decision at")  # the first prompt (0.1 h) froze the clock
        drill.keys("1")  # apologise now
        wait_until(lambda: saved(session).get("decisions"), "the decision saved")
        assert saved(session)["decisions"][0]["option"] == 0

        console.keys("t")  # the facilitator's own words for the inject
        # a key goes to the widget that had the focus when it arrived: type once the box has it
        console.wait_for("Typing the inject's words")
        console.type("Reporter from De Telegraaf on the phone")
        # Enter in the text box fires the highlighted (first) inject. Not Escape then
        # Enter: on a loaded machine both bytes can arrive in one read, which a terminal
        # program rightly takes as Alt+Enter.
        console.keys("Enter")
        wait_until(lambda: journal_has(session, lambda e: e.get("text", "").startswith(
            "Reporter from De Telegraaf")), "the inject with its own text journaled",
            lambda: console.screen() + "\n" + drill.screen() + json.dumps(saved(session)))

        drill.keys("u")
        drill.wait_for("What the brand posts")
        drill.keys("Enter")
        wait_until(lambda: journal_has(session, lambda e: e.get("kind") == "update"),
                   "the update journaled", drill.screen)

        console.keys("m")
        console.wait_for("Typing a note")
        console.type("Blue answered the reporter fast")
        console.keys("Enter")
        wait_until(lambda: any(n.text == "Blue answered the reporter fast"
                               for n in notes_of(session)), "the note stored",
                   console.screen)

        drill.keys("q")
        wait_until(lambda: not drill.alive(), "the drill quitting")
        console.wait_for("drill not running")  # the heartbeat stopped
        console.keys("q")
        wait_until(lambda: not console.alive(), "the console quitting")
    finally:
        drill.close()
        if console is not None:
            console.close()
    state = saved(session)
    assert state["team"] == "Blue" and state["clock_h"] > 0

    resumed = Terminal("resume", ["resume", str(session)])
    try:
        resumed.wait_for("Your desk")
        resumed.keys("d")
        resumed.wait_for("What the brand posts")
        resumed.keys("Enter")
        resumed.wait_for("Delete negative comments?")
        resumed.keys("Tab", "Enter")  # past the focused Cancel to Delete
        wait_until(lambda: journal_has(session, lambda e: e.get("kind") == "delete"),
                   "the deletion journaled", resumed.screen)
        os.kill(resumed.pid(), signal.SIGKILL)  # the terminal dies mid-drill
        wait_until(lambda: not resumed.alive(), "the killed drill gone")
    finally:
        resumed.close()
    after_kill = saved(session)
    assert after_kill["journal"][-1]["kind"] == "delete", "nothing saved was lost"

    again = Terminal("again", ["resume", str(session)])
    try:
        again.wait_for("Your desk")
        again.keys("q")
        wait_until(lambda: not again.alive(), "the resumed drill quitting")
    finally:
        again.close()
    final = saved(session)
    assert final["journal"] == after_kill["journal"]
    assert final["clock_h"] >= after_kill["clock_h"] - 1e-9
