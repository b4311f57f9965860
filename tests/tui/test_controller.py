"""The drill controller, headless: clock, prompts, deadlines, team view, resume."""

from __future__ import annotations

from pathlib import Path

import pytest
from factory import scenario

from simulator import Action
from simulator.config import ActionSpec, DecisionOption, DecisionPoint, Inject
from simulator.kinds import NEGATIVE_KINDS, POST_KIND_NAMES, EventKind
from tui.controller import SEARCH_STEP_H, DrillController, Update
from tui.session import Session, SessionError

POINTS = [
    DecisionPoint(at_h=2.0, prompt="Reply now?", deadline_h=1.0, on_timeout=1, options=[
        DecisionOption("Apologise", [ActionSpec("acknowledge", "empathetic", "Sorry.")]),
        DecisionOption("Push back", [ActionSpec("reply", "defensive", "Not our fault.")])]),
    DecisionPoint(at_h=5.0, prompt="Delete the worst comments?", deadline_h=2.0, options=[
        DecisionOption("Delete", [ActionSpec("delete")]), DecisionOption("Leave them")]),
]


def _drill(tmp_path: Path, name: str = "s.json", prompt_clock: str = "run",
           auto_pause: list[str] | None = None, **kw: object) -> DrillController:
    """A running drill; by default the clock runs through prompts and never auto-pauses."""
    fields: dict[str, object] = {"decision_points": POINTS, "duration_h": 24.0, **kw}
    sc = scenario(**fields)  # type: ignore[arg-type]
    session = Session(scenario="test", seed=5, team="Blue", path=tmp_path / name,
                      prompt_clock=prompt_clock, prompt_minutes=2.0,
                      auto_pause=[] if auto_pause is None else auto_pause)
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


def test_an_open_prompt_freezes_the_clock_until_the_team_answers(tmp_path: Path) -> None:
    ctl = _drill(tmp_path, prompt_clock="freeze")
    ctl.set_speed(3)
    up = ctl.advance(25.0)
    assert [p.index for p in up.opened] == [0] and ctl.now == 2.0 and ctl.frozen
    assert ctl.advance(10_000.0).closed == [] and ctl.now == 2.0, "no deadline while frozen"
    ctl.decide(0, 0)
    assert not ctl.frozen
    ctl.advance(10.0)
    assert ctl.now == pytest.approx(3.0)


def test_a_put_off_prompt_lets_the_clock_run_to_its_simulated_deadline(tmp_path: Path) -> None:
    ctl = _drill(tmp_path, prompt_clock="freeze")
    ctl.set_speed(3)
    ctl.advance(25.0)
    ctl.defer(0)
    assert not ctl.frozen and ctl.showing() == []
    up = ctl.advance(20.0)
    assert [d.option for d in up.closed] == [1] and up.closed[0].at_h == pytest.approx(3.0)
    ctl2 = _drill(tmp_path, "t.json", prompt_clock="freeze")
    ctl2.set_speed(3)
    ctl2.advance(25.0)
    ctl2.defer(0)
    assert [p.index for p in ctl2.reopen()] == [0] and ctl2.frozen


def test_real_minute_prompts_count_wall_time_and_pause_with_the_clock(tmp_path: Path) -> None:
    ctl = _drill(tmp_path, prompt_clock="real")  # 2 real minutes to decide
    ctl.set_speed(3)
    ctl.advance(25.0)
    prompt = ctl.showing()[0]
    assert ctl.advance(100.0).closed == [] and ctl.seconds_left(prompt) == pytest.approx(20.0)
    ctl.paused = True
    ctl.advance(1000.0)
    assert ctl.seconds_left(prompt) == pytest.approx(20.0), "a paused drill counts nothing"
    ctl.paused = False
    up = ctl.advance(25.0)
    assert [d.option for d in up.closed] == [1] and up.closed[0].timed_out
    assert up.closed[0].at_h == 2.0, "the simulated clock stood still"


def test_auto_pause_stops_the_clock_at_an_inject(tmp_path: Path) -> None:
    inject = Inject(at_h=1.5, kind="journalist_inquiry", text="A reporter calls.")
    ctl = _drill(tmp_path, auto_pause=["inject"], injects=[inject])
    ctl.set_speed(3)
    up = ctl.advance(100.0)
    assert up.paused_by == "inject" and ctl.paused
    assert 1.5 <= ctl.now < 1.6, "stopped within one step of the inject"


def test_jump_stops_at_the_next_moment_that_matters(tmp_path: Path) -> None:
    ctl = _drill(tmp_path, prompt_clock="freeze")
    up = ctl.skip_to_next_event()
    assert ctl.paused
    kinds = {i.kind for i in up.notable}
    assert kinds or up.opened, "a jump always lands on something"
    if not up.opened:
        assert ctl.now < 2.0
    while not ctl.open and not ctl.sim.finished:
        ctl.skip_to_next_event()
    assert ctl.now == 2.0, "jumps never pass a decision point"
    assert ctl.skip_to_next_event().items == [] and ctl.now == 2.0, "frozen: no jump"


def test_fast_forward_to_detection(tmp_path: Path) -> None:
    ctl = _drill(tmp_path, decision_points=[], plan={"coverage": ["24/7"]})
    ctl.skip_to_detection()
    detected = ctl.sim.brand.detected_at
    assert detected is not None and 0 <= ctl.now - detected <= SEARCH_STEP_H + 1e-9
    assert ctl.paused


def test_listening_digests_show_mentions_below_the_alert_level(tmp_path: Path) -> None:
    ctl = _drill(tmp_path, decision_points=[],
                 plan={"coverage": ["24/7"], "poll_interval_min": 15,
                       "detection_threshold": 40})
    seen: list[int] = []
    while ctl.sim.brand.detected_at is None and not ctl.sim.finished:
        up = ctl._run_to(ctl.now + 0.25, Update())
        assert all(i.kind != EventKind.LISTENING for i in up.items), "never in the feed"
        if ctl.listening is not None and (not seen or ctl.listening.extra["mentions"]
                                          != seen[-1]):
            seen.append(int(ctl.listening.extra["mentions"]))
    assert seen and seen == sorted(seen) and max(seen) < 40


def test_outbox_lists_statements_until_they_go_out(tmp_path: Path) -> None:
    ctl = _drill(tmp_path, decision_points=[], plan={"approval_delay_h": 0.5})
    ctl.advance(0.0)
    ctl.act(Action("acknowledge", "empathetic", "We are sorry."))
    ctl.act(Action("delete"))
    assert [(round(at, 6), a.text) for at, a in ctl.outbox()] == [(0.5, "We are sorry.")]
    ctl.set_speed(3)
    ctl.advance(6.0)
    assert ctl.outbox() == []


@pytest.mark.parametrize("content", ["", "not json", '{"format": "other"}',
                                     '{"format": "stormdrill-session/1", "seed": 1}',
                                     '{"format": "stormdrill-session/1", "scenario": "x", '
                                     '"seed": 1, "journal": [{"at_h": -1, "kind": "update"}]}'])
def test_bad_session_files_are_clear_errors(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    with pytest.raises(SessionError, match=r"bad\.json"):
        Session.load(bad)


def test_jumps_never_announce_what_the_team_cannot_see(tmp_path: Path) -> None:
    # Friday night, office hours only: news may break before anyone watches
    ctl = _drill(tmp_path, decision_points=[], plan={"coverage": ["mon-fri 08:00-18:00"]},
                 start="2026-03-06T20:00", media={"hazard_per_h": 5.0})
    while ctl.sim.brand.detected_at is None and not ctl.sim.finished:
        up = ctl.skip_to_next_event()
        assert all(ctl.team_can_see(i) for i in up.notable)
    assert ctl.sim.media_stories > 0, "news broke while nobody watched, and no jump said so"
