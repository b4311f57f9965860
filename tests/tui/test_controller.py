"""The drill controller, headless: clock, prompts, deadlines, team view, resume."""

from __future__ import annotations

from pathlib import Path

import pytest
from factory import scenario

from simulator import Action
from simulator.config import ActionSpec, DecisionOption, DecisionPoint
from simulator.kinds import NEGATIVE_KINDS, POST_KIND_NAMES
from tui.controller import DrillController
from tui.session import Session, SessionError

POINTS = [
    DecisionPoint(at_h=2.0, prompt="Reply now?", deadline_h=1.0, on_timeout=1, options=[
        DecisionOption("Apologise", [ActionSpec("acknowledge", "empathetic", "Sorry.")]),
        DecisionOption("Push back", [ActionSpec("reply", "defensive", "Not our fault.")])]),
    DecisionPoint(at_h=5.0, prompt="Delete the worst comments?", deadline_h=2.0, options=[
        DecisionOption("Delete", [ActionSpec("delete")]), DecisionOption("Leave them")]),
]


def _drill(tmp_path: Path, name: str = "s.json") -> DrillController:
    sc = scenario(decision_points=POINTS, duration_h=24.0)
    session = Session(scenario="test", seed=5, team="Blue", path=tmp_path / name)
    ctl = DrillController(sc, session)
    ctl.paused = False
    return ctl


def test_prompts_open_on_time_and_deadlines_apply_the_timeout_option(tmp_path: Path) -> None:
    ctl = _drill(tmp_path)
    ctl.set_speed(3)  # 360 s per wall second: 10 wall seconds = 1 simulated hour
    up = ctl.advance(25.0)
    assert [p.index for p in up.opened] == [0]
    assert up.opened[0].opened_at == 2.0 and ctl.now == pytest.approx(2.5)
    up = ctl.advance(20.0)
    assert [d.option for d in up.closed] == [1] and up.closed[0].timed_out
    assert up.closed[0].at_h == pytest.approx(3.0), "applied exactly at the deadline"
    assert ctl.journal_times() == [pytest.approx(3.0)]
    assert [e.action.tone for e in ctl.sim.journal] == ["defensive"]
    saved = Session.load(tmp_path / "s.json")
    assert saved.decisions == ctl.session.decisions and len(saved.journal) == 1


def test_answering_a_prompt_acts_and_saves(tmp_path: Path) -> None:
    ctl = _drill(tmp_path)
    ctl.set_speed(3)
    ctl.advance(25.0)
    decision = ctl.decide(0, 0)
    assert decision.option == 0 and not decision.timed_out
    assert ctl.sim.journal[-1].action.kind == "acknowledge"
    assert Session.load(tmp_path / "s.json").journal[-1].action.text == "Sorry."
    with pytest.raises(ValueError):
        ctl.decide(0, 1)


def test_team_sees_nothing_before_detection(tmp_path: Path) -> None:
    sc = scenario(plan={"coverage": ["mon-fri 08:00-18:00"]}, start="2026-03-06T20:00",
                  duration_h=24.0)
    ctl = DrillController(sc, Session(scenario="t", seed=2, path=tmp_path / "x.json"))
    ctl.paused = False
    ctl.set_speed(3)
    up = ctl.advance(60.0)  # six hours on a Friday night: nobody is watching
    negative = {POST_KIND_NAMES[k] for k in NEGATIVE_KINDS}
    posts = [i for i in up.items if i.kind in negative]
    assert posts and ctl.sim.brand.detected_at is None
    assert not any(ctl.team_can_see(i) for i in posts)


def test_killed_drill_resumes_exactly(tmp_path: Path) -> None:
    ctl = _drill(tmp_path)
    ctl.set_speed(3)
    ctl.advance(25.0)
    ctl.decide(0, 0)
    ctl.advance(13.0)
    ctl.act(Action("update", text="We are on it."))
    ctl.advance(10.0)
    ctl.save()
    before = ctl.sim.summary()
    resumed = DrillController(ctl.scenario, Session.load(tmp_path / "s.json"))
    assert resumed.now == pytest.approx(ctl.now)
    assert resumed.sim.summary() == before
    assert set(resumed.open) == set(ctl.open)
    resumed.paused = ctl.paused = False
    resumed.set_speed(3)
    ctl.advance(100.0)
    resumed.advance(100.0)
    assert resumed.sim.summary() == ctl.sim.summary()


def test_paused_clock_does_not_move(tmp_path: Path) -> None:
    ctl = _drill(tmp_path)
    ctl.paused = True
    assert ctl.advance(100.0).items == [] and ctl.now == 0.0


def test_skip_to_next_event_moves_forward(tmp_path: Path) -> None:
    ctl = _drill(tmp_path)
    t0 = ctl.now
    ctl.skip_to_next_event()
    assert ctl.now > t0


@pytest.mark.parametrize("content", ["", "not json", '{"format": "other"}',
                                     '{"format": "stormdrill-session/1", "seed": 1}',
                                     '{"format": "stormdrill-session/1", "scenario": "x", '
                                     '"seed": 1, "journal": [{"at_h": -1, "kind": "update"}]}'])
def test_bad_session_files_are_clear_errors(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    with pytest.raises(SessionError, match=r"bad\.json"):
        Session.load(bad)
