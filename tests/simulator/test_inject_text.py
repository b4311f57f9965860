"""A facilitator's own wording of an inject: in the feed, in the journal, and in replays."""

from __future__ import annotations

import json

import pytest
from factory import scenario

from simulator import Simulation
from simulator.actions import Action, ActionError, JournalEntry
from simulator.config import Inject
from simulator.kinds import EventKind

INJECTS = [Inject(at_h=40.0, kind="journalist_inquiry", text="A reporter asks for comment.",
                  deadline_h=1.0),
           Inject(at_h=50.0, kind="staff_offmessage", text='A driver posts: "Not my job."')]
CUSTOM = "RTV Utrecht calls: they air the clip at six unless you comment."


def _inject_texts(sim: Simulation) -> list[str]:
    return [item.text for item in sim.feed()[0] if item.kind == EventKind.INJECT.value]


def _round_trip(journal: list[JournalEntry]) -> list[JournalEntry]:
    return [JournalEntry.from_dict(json.loads(json.dumps(e.to_dict()))) for e in journal]


def test_custom_text_reaches_the_feed_and_survives_save_and_replay() -> None:
    sc = scenario(injects=INJECTS, duration_h=12.0)
    live = Simulation(sc, seed=5)
    live.run(3.0)
    live.fire_inject(0, text=CUSTOM)
    live.run(4.0)
    live.fire_inject(0)  # the scenario's own wording
    live.run()
    assert _inject_texts(live) == [CUSTOM, "A reporter asks for comment."]
    saved = _round_trip(live.journal)
    assert [e.text for e in saved] == [CUSTOM, ""]
    replay = Simulation(sc, seed=5, journal=saved)
    replay.run()
    assert _inject_texts(replay) == _inject_texts(live)
    assert replay.summary() == live.summary()
    assert replay.journal == live.journal


def test_a_custom_staff_post_is_the_typed_text() -> None:
    sc = scenario(injects=INJECTS, duration_h=6.0, response={"briefing_factor": 1.0})
    sim = Simulation(sc, seed=2)
    sim.run(2.0)
    sim.fire_inject(1, text='A driver posts: "We lose parcels all the time."')
    sim.run(2.5)
    staff = [i.text for i in sim.feed()[0] if i.kind == EventKind.STAFF_POST.value and i.text]
    assert staff == ['A driver posts: "We lose parcels all the time."']


def test_old_sessions_without_text_still_load() -> None:
    entry = JournalEntry.from_dict({"at_h": 1.5, "inject": 0})
    assert entry == JournalEntry(1.5, inject=0) and entry.text == ""
    assert entry.to_dict() == {"at_h": 1.5, "inject": 0}, "no new key for the old form"


def test_only_inject_entries_carry_text() -> None:
    with pytest.raises(ActionError):
        JournalEntry(1.0, Action("acknowledge"), text="hello")
