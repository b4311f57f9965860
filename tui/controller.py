"""The drill controller: a clock, decision points and the team's view of the run.

The Textual app calls `advance(wall_seconds)` on a timer and renders what it
returns; every team action and decision goes through here so the session is
saved after each one. No Textual import: the controller is tested headless.

Speeds are simulated seconds per wall second. The clock always stops exactly
at a decision point's time and at its deadline, so prompts appear when the
scenario says and a missed deadline is applied at the deadline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from simulator import Action, Simulation
from simulator.config import DecisionPoint, Scenario
from simulator.feed import FeedItem
from simulator.kinds import POST_KIND_NAMES, EventKind, PostKind
from simulator.metrics import Snapshot
from simulator.spread import warm_up
from tui.session import Decision, Session

SPEEDS: tuple[int, ...] = (1, 10, 60, 360)  # simulated seconds per wall second
#: what the team sees even before anyone monitors: its own moves and posts, and the drill's
TEAM_VISIBLE_ALWAYS = frozenset({EventKind.BRAND_POST, EventKind.ACTION_TAKEN, EventKind.INJECT,
                                 EventKind.DETECTED, EventKind.STAFF_POST,
                                 POST_KIND_NAMES[PostKind.STATEMENT]})


@dataclass
class Prompt:
    """A decision point that is open for the team."""

    index: int
    point: DecisionPoint
    opened_at: float

    @property
    def deadline(self) -> float:
        return self.opened_at + self.point.deadline_h


@dataclass
class Update:
    """What changed in one step of the clock."""

    items: list[FeedItem] = field(default_factory=list)
    opened: list[Prompt] = field(default_factory=list)
    closed: list[Decision] = field(default_factory=list)
    finished: bool = False


class DrillController:
    """Runs one drill: the simulation, its clock, prompts and the session file."""

    def __init__(self, scenario: Scenario, session: Session) -> None:
        self.scenario = scenario
        self.session = session
        warm_up()  # load the compiled loop now, not on the drill's first tick
        self.sim = Simulation(scenario, seed=session.seed, journal=list(session.journal))
        self.speed_index = 2
        self.paused = True
        self._cursor: tuple[int, int] = (0, 0)
        self.open: dict[int, Prompt] = {}
        decided = {d.point for d in session.decisions}
        self._pending = [i for i in range(len(scenario.decision_points)) if i not in decided]
        if session.clock_h > 0:  # resume: replay to where the team was
            self._run_to(session.clock_h, Update())

    # ---- clock --------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.sim.now

    @property
    def speed(self) -> int:
        return SPEEDS[self.speed_index]

    def set_speed(self, index: int) -> None:
        self.speed_index = max(0, min(len(SPEEDS) - 1, index))

    def advance(self, wall_seconds: float) -> Update:
        """Move the clock on by `wall_seconds` at the current speed (nothing when paused)."""
        update = Update()
        if self.paused or self.sim.finished:
            update.finished = self.sim.finished
            return update
        target = min(self.now + wall_seconds * self.speed / 3600.0, self.sim.duration)
        return self._run_to(target, update)

    def skip_to_next_event(self) -> Update:
        """Jump to the next moment something happens (a post, an event, a prompt)."""
        nxt = min(self.sim.spread.next_time(), self._next_stop(math.inf),
                  self.sim.env.peek(), self.sim.duration)
        return self._run_to(max(nxt, self.now) + 1e-6, Update())

    def _next_stop(self, target: float) -> float:
        """The earliest decision point opening or deadline before `target`."""
        stops = [self.scenario.decision_points[i].at_h for i in self._pending]
        stops += [p.deadline for p in self.open.values()]
        ahead = [s for s in stops if s > self.now - 1e-12]
        return min([target, *ahead])

    def _run_to(self, target: float, update: Update) -> Update:
        while True:
            stop = min(self._next_stop(target), self.sim.duration)
            self.sim.run(stop)
            self._open_due(update)
            self._close_overdue(update)
            if self.now >= min(target, self.sim.duration) - 1e-12:
                break
        items, self._cursor = self.sim.feed(self._cursor)
        update.items = items
        update.finished = self.sim.finished
        self.session.clock_h = self.now
        self.session.finished = self.sim.finished
        return update

    def _open_due(self, update: Update) -> None:
        for i in list(self._pending):
            point = self.scenario.decision_points[i]
            if point.at_h <= self.now + 1e-12:
                self._pending.remove(i)
                prompt = Prompt(i, point, point.at_h)
                self.open[i] = prompt
                update.opened.append(prompt)

    def _close_overdue(self, update: Update) -> None:
        for i, prompt in list(self.open.items()):
            if prompt.deadline <= self.now + 1e-12:
                update.closed.append(self._decide(i, prompt.point.on_timeout, timed_out=True))

    # ---- the team's moves ---------------------------------------------------------------
    def act(self, action: Action) -> None:
        """A team action from the action bar: applied now and saved."""
        self.sim.act(action)
        self._save()

    def decide(self, point: int, option: int) -> Decision:
        """The team answers an open decision point."""
        if point not in self.open:
            raise ValueError(f"decision point {point} is not open")
        return self._decide(point, option, timed_out=False)

    def _decide(self, point: int, option: int, timed_out: bool) -> Decision:
        prompt = self.open.pop(point)
        options = prompt.point.options
        if 0 <= option < len(options):
            for spec in options[option].actions:
                self.sim.act(Action(spec.kind, spec.tone, spec.text))  # type: ignore[arg-type]
        decision = Decision(point, option if 0 <= option < len(options) else -1, self.now,
                            timed_out)
        self.session.decisions.append(decision)
        self._save()
        return decision

    def journal_times(self) -> list[float]:
        return [e.at_h for e in self.sim.journal]

    def fire_inject(self, index: int) -> None:
        """The facilitator fires one of the scenario's injects now."""
        self.sim.fire_inject(index)
        self._save()

    def _save(self) -> None:
        self.session.journal = list(self.sim.journal)
        self.session.clock_h = self.now
        self.session.save()

    def save(self) -> None:
        """Save the clock too (called periodically by the app)."""
        self._save()

    # ---- what the team sees ---------------------------------------------------------------
    def team_can_see(self, item: FeedItem) -> bool:
        """The monitoring view shows nothing before the brand detects the crisis."""
        detected = self.sim.brand.detected_at
        if item.kind in TEAM_VISIBLE_ALWAYS:
            return True
        return detected is not None and item.t <= self.now

    def metrics(self) -> dict[str, Any]:
        """The drill screen's numbers."""
        snap: Snapshot = self.sim.snapshot(states=False)
        hourly = snap.hourly_negative
        last_hour = int(hourly[-1]) if len(hourly) else 0
        brand = self.sim.brand

        def since(t: float | None) -> float | None:
            return None if t is None else self.now - t

        return {"t": self.now, "negative_last_hour": last_hour, "reach": snap.reach,
                "sharers": snap.sharers, "reputation": snap.reputation,
                "media_stories": snap.media_stories,
                "since_detection_h": since(brand.detected_at),
                "since_update_h": since(brand.last_spoken_at),
                "detected": brand.detected_at is not None,
                "hourly_negative": [int(x) for x in hourly],
                "reputation_series": [float(x) for x in
                                      self.sim.reputation_h[: self.sim.hours_done + 1]],
                "actions": [(e.at_h, e.action.kind if e.action else "inject")
                            for e in self.sim.journal]}
