"""The real program in a real terminal (tmux): start, act, quit; kill -9 and resume."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    """One tmux session running one command, driven by keys, read by capture-pane."""

    def __init__(self, name: str, args: list[str]) -> None:
        self.name = f"stormdrill-e2e-{name}-{os.getpid()}"
        cmd = " ".join([sys.executable, "-m", "tui.cli", *args])
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", "100", "-y", "30",
                        "-c", str(ROOT), cmd], check=True)

    def screen(self) -> str:
        out = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name],
                             capture_output=True, text=True)
        return out.stdout

    def wait_for(self, text: str, timeout: float = 90.0) -> str:
        end = time.time() + timeout
        while time.time() < end:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.3)
        raise AssertionError(f"never saw {text!r}; screen:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)
            time.sleep(0.4)

    def pid(self) -> int:
        out = subprocess.run(["tmux", "display", "-p", "-t", self.name, "#{pane_pid}"],
                             capture_output=True, text=True, check=True)
        return int(out.stdout.strip())

    def alive(self) -> bool:
        return subprocess.run(["tmux", "has-session", "-t", self.name],
                              capture_output=True).returncode == 0

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def _wait_gone(term: Terminal, timeout: float = 30.0) -> None:
    end = time.time() + timeout
    while term.alive() and time.time() < end:
        time.sleep(0.2)


def test_play_act_quit_then_kill_and_resume(tmp_path: Path) -> None:
    session = tmp_path / "drill.json"
    term = Terminal("play", ["play", "kitchen-gaffe", "--team", "Blue", "--session",
                             str(session)])
    try:
        term.wait_for("Begin the drill")
        term.keys("Enter")
        term.wait_for("paused")
        term.keys("space")
        term.wait_for("Decision at")
        term.keys("1")  # apologise now, from the brand account
        term.keys("u")
        term.wait_for("update")
        term.keys("Enter")
        time.sleep(1.0)
        term.keys("q")
        _wait_gone(term)
    finally:
        term.close()
    saved = json.loads(session.read_text())
    kinds = [e["kind"] for e in saved["journal"]]
    assert saved["team"] == "Blue" and "acknowledge" in kinds and "update" in kinds
    assert saved["decisions"][0]["option"] == 0 and saved["clock_h"] > 0

    resumed = Terminal("resume", ["resume", str(session)])
    try:
        resumed.wait_for("paused")
        resumed.keys("space")
        time.sleep(2.0)
        resumed.keys("d")
        resumed.wait_for("delete")
        resumed.keys("Enter")
        deadline = time.time() + 20
        while time.time() < deadline:  # the journal is saved after every action
            if "delete" in [e.get("kind") for e in json.loads(session.read_text())["journal"]]:
                break
            time.sleep(0.2)
        os.kill(resumed.pid(), signal.SIGKILL)  # the terminal dies mid-drill
        _wait_gone(resumed)
    finally:
        resumed.close()
    after_kill = json.loads(session.read_text())
    assert [e["kind"] for e in after_kill["journal"]][-1] == "delete", "nothing saved was lost"

    again = Terminal("again", ["resume", str(session)])
    try:
        again.wait_for("paused")
        again.keys("q")
        _wait_gone(again)
    finally:
        again.close()
    final = json.loads(session.read_text())
    assert final["journal"] == after_kill["journal"]
    assert final["clock_h"] >= after_kill["clock_h"] - 1e-9
