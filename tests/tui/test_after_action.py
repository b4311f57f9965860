"""After-action reports of drill sessions, and the leaderboard of teams."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from simulator import Action, JournalEntry
from tui.after_action import debrief, markdown
from tui.session import Decision, Session

ROOT = Path(__file__).resolve().parents[2]


def _session(tmp_path: Path, team: str, journal: list[JournalEntry]) -> Path:
    s = Session(scenario="kitchen-gaffe", seed=3, team=team, journal=journal, clock_h=48.0,
                finished=True, path=tmp_path / f"{team}.json",
                decisions=[Decision(point=0, option=-1, at_h=1.0, timed_out=True)])
    s.save()
    return s.path  # type: ignore[return-value]


def test_debrief_measures_each_action(tmp_path: Path) -> None:
    path = _session(tmp_path, "Blue", [JournalEntry(0.5, Action("reply", "defensive", "No."))])
    d = debrief(Session.load(path), replicas=4, with_percentile=False)
    assert len(d.timeline) == 2, "the action and the missed decision"
    act = next(row for row in d.timeline if "reply (defensive)" in row[1])
    effect = act[2]  # trust first, then attention
    assert effect.startswith("this action would") and "trust at the end" in effect
    assert effect.index("trust") < effect.index("negative posts")
    assert any("deadline missed" in row[1] for row in d.timeline)
    text = markdown([d])
    assert "Team Blue" in text and "Timeline" in text
    assert text.index("trust at the end") < text.index("negative posts")


def test_report_and_leaderboard_from_the_real_program(tmp_path: Path) -> None:
    a = _session(tmp_path, "Blue", [JournalEntry(0.2, Action("acknowledge"))])
    b = _session(tmp_path, "Red", [JournalEntry(0.3, Action("reply", "defensive"))])
    out = tmp_path / "board.html"
    res = subprocess.run([sys.executable, "-m", "tui.cli", "report", str(a), str(b), "-o",
                          str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    page = out.read_text()
    assert "Leaderboard" in page and "Blue" in page and "Red" in page and "<svg" in page
    assert "highest trust at the end first" in page
    bad = tmp_path / "junk.json"
    bad.write_text("{}")
    res = subprocess.run([sys.executable, "-m", "tui.cli", "report", str(bad)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "Traceback" not in res.stderr


def test_leaderboard_ranks_trust_first() -> None:
    """More negative posts but more trust left wins; equal trust goes to fewer posts."""
    from simulator.config import Scenario
    from tui.after_action import KEYS, Debrief, blocks

    def team(name: str, trust: float, posts: int) -> Debrief:
        summary = {**dict.fromkeys((k for k, _ in KEYS), 0), "reputation_end": trust,
                   "trust_dip": 20.0 - trust, "negative_posts": posts, "sharers": posts,
                   "reach": 10 * posts}
        return Debrief(Session(scenario="s", seed=1, team=name), Scenario(), summary)

    board = next(b for b in blocks([team("A", 12.0, 100), team("B", 16.0, 900),
                                    team("C", 16.0, 300)]) if b[0] == "table")
    assert [r[1] for r in board[2]] == ["C", "B", "A"]
    assert board[1][2:5] == ["trust at the end", "trust dip", "negative posts"]
