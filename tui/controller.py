"""The drill controller: a clock, decision points and the team's view of the run.

The Textual app calls `advance(wall_seconds)` on a timer and renders what it
returns; every team action and decision goes through here so the session is
saved after each one. No Textual import: the controller is tested headless.

Speeds are simulated seconds per wall second. The clock always stops exactly
at a decision point's time and at its deadline, so prompts appear when the
scenario says and a missed deadline is applied at the deadline.

Time belongs to the facilitator. By default an open prompt freezes the
simulated clock until the team answers (`prompt_clock="freeze"`); with
"real" the clock is frozen too but the team has a number of real minutes;
with "run" the clock keeps running and the deadline is in simulated hours.
A prompt the team puts off ("decide later") no longer freezes anything: its
simulated deadline runs. Moments in `auto_pause` (an inject, a prompt,
detection, a news story) pause the clock right after they happen.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator import Action, Simulation
from simulator.config import DecisionPoint, Scenario
from simulator.feed import FeedItem
from simulator.kinds import POST_KIND_NAMES, EventKind, PostKind
from simulator.metrics import Snapshot
from simulator.spread import load_compiled_loop
from tui.session import Decision, Session

SPEEDS: tuple[int, ...] = (1, 10, 60, 360)  # simulated seconds per wall second
PROMPT_CLOCKS: tuple[str, ...] = ("freeze", "real", "run")
#: the moments "jump to the next event" stops at, and which `auto_pause` name each is
NOTABLE: dict[str, str] = {EventKind.INJECT: "inject", EventKind.DETECTED: "detection",
                           EventKind.MEDIA_STORY: "media", EventKind.TRENDING: "trending",
                           EventKind.DELETION_NOTICED: "media",
                           EventKind.BRAND_POST: "statement"}
#: how far the clock moves per step when looking for a moment nobody can schedule (and the
#: most an auto-pause can overshoot its moment)
SEARCH_STEP_MIN = 5
SEARCH_STEP_H = SEARCH_STEP_MIN / 60.0
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
    notable: list[FeedItem] = field(default_factory=list)  # injects, detection, news...
    paused_by: str | None = None  # the auto-pause moment that stopped the clock, if any


class DrillController:
    """Runs one drill: the simulation, its clock, prompts and the session file."""

    def __init__(self, scenario: Scenario, session: Session) -> None:
        from scenarios.scenario_file import ScenarioFile

        scenario = ScenarioFile.of(scenario)  # its facilitation, or the defaults
        self.scenario = scenario
        self.session = session
        load_compiled_loop()  # load it now, not on the drill's first tick
        self.sim = Simulation(scenario, seed=session.seed, journal=list(session.journal))
        self.speed_index = 2
        self.paused = True
        self._cursor: tuple[int, int] = (0, 0)
        self.open: dict[int, Prompt] = {}
        self.deferred: set[int] = set()  # open prompts the team put off ("decide later")
        self.listening: FeedItem | None = None  # the last listening-tool digest
        fac = scenario.facilitation
        self.prompt_clock = session.prompt_clock or fac.prompt_clock
        if self.prompt_clock not in PROMPT_CLOCKS:
            raise ValueError(f"prompt clock {self.prompt_clock!r}: expected one of "
                             f"{', '.join(PROMPT_CLOCKS)}")
        self.prompt_seconds = 60.0 * (session.prompt_minutes or fac.prompt_minutes)
        self.auto_pause: set[str] = set(fac.auto_pause if session.auto_pause is None
                                        else session.auto_pause)
        self.wall_left: dict[int, float] = {}  # real-minute prompts: wall seconds left
        decided = {d.point for d in session.decisions}
        self._pending = [i for i in range(len(scenario.decision_points)) if i not in decided]
        if session.clock_h > 0:  # resume: replay to where the team was
            self._run_to(session.clock_h, Update(), pausing=False, replaying=True)

    # ---- clock --------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.sim.now

    @property
    def speed(self) -> int:
        return SPEEDS[self.speed_index]

    def set_speed(self, index: int) -> None:
        self.speed_index = max(0, min(len(SPEEDS) - 1, index))

    @property
    def frozen(self) -> bool:
        """Whether an open prompt the team has in front of it stops the simulated clock."""
        return self.prompt_clock != "run" and bool(self.showing())

    def showing(self) -> list[Prompt]:
        """Open prompts the team has not put off, oldest first."""
        return [p for i, p in sorted(self.open.items()) if i not in self.deferred]

    def advance(self, wall_seconds: float) -> Update:
        """Move the clock on by `wall_seconds` at the current speed (nothing when paused).

        While a prompt freezes the clock, real-minute prompts count their wall
        time down instead and take the timeout option when it runs out.
        """
        update = Update()
        if self.paused or self.sim.finished:
            update.finished = self.sim.finished
            return update
        if self.frozen:
            if self.prompt_clock == "real":
                prompt = self.showing()[0]
                left = self.wall_left.get(prompt.index, self.prompt_seconds) - wall_seconds
                self.wall_left[prompt.index] = left
                if left <= 0:
                    update.closed.append(self._decide(prompt.index, prompt.point.on_timeout,
                                                      timed_out=True))
                    self._collect(update)
            return update
        target = min(self.now + wall_seconds * self.speed / 3600.0, self.sim.duration)
        return self._run_to(target, update)

    def seconds_left(self, prompt: Prompt) -> float | None:
        """Real seconds a real-minute prompt has left (None for other prompt clocks)."""
        if self.prompt_clock != "real":
            return None
        return max(0.0, self.wall_left.get(prompt.index, self.prompt_seconds))

    def defer(self, point: int) -> None:
        """The team puts a prompt off: it stays open and its simulated deadline runs."""
        if point in self.open:
            self.deferred.add(point)

    def reopen(self) -> list[Prompt]:
        """Bring every put-off prompt back in front of the team."""
        self.deferred.clear()
        return self.showing()

    def skip_to_next_event(self) -> Update:
        """Jump to the next moment that matters and pause there.

        The moments: a decision point or deadline, an inject, detection, a
        news story, trending, a noticed deletion, a statement going out. The
        scheduled ones are known; the others are searched for in small steps.
        """
        return self._jump(lambda up: bool(up.notable or up.opened or up.closed))

    def skip_to_detection(self) -> Update:
        """The facilitator's fast-forward: run until the brand notices (prompts still open)."""
        return self._jump(lambda up: self.sim.detected_at is not None
                          or bool(up.opened))

    def _jump(self, arrived: Callable[[Update], bool]) -> Update:
        total = Update()
        if self.sim.finished or self.frozen:
            total.finished = self.sim.finished
            return total
        while not self.sim.finished:
            step = self._run_to(self._next_grid_time(), Update(), pausing=False)
            total.items += step.items
            total.opened += step.opened
            total.closed += step.closed
            total.notable += step.notable
            if arrived(step):
                break
        total.finished = self.sim.finished
        self.paused = True
        return total

    def _next_grid_time(self) -> float:
        """The next whole step of SEARCH_STEP_MIN minutes, computed from minutes so that
        steps land exactly on whole hours (no drift from adding 1/12 repeatedly)."""
        k = math.floor(self.now * 60.0 / SEARCH_STEP_MIN + 1e-9) + 1
        return min(k * SEARCH_STEP_MIN / 60.0, self.sim.duration)

    def _next_stop(self, target: float) -> float:
        """The earliest decision point opening or deadline before `target`."""
        stops = [self.scenario.decision_points[i].at_h for i in self._pending]
        if self.prompt_clock == "run":
            stops += [p.deadline for p in self.open.values()]
        else:  # a shown prompt freezes the clock; only put-off ones have a running deadline
            stops += [p.deadline for i, p in self.open.items() if i in self.deferred]
        ahead = [s for s in stops if s > self.now - 1e-12]
        return min([target, *ahead])

    def _run_to(self, target: float, update: Update, pausing: bool = True,
                replaying: bool = False) -> Update:
        """Run to `target`, stopping early at a prompt that freezes the clock or at an
        auto-pause moment (`pausing`). A resume (`replaying`) goes to the saved clock:
        prompts open on the way stay open, as they were when the session was saved."""
        while True:
            stop = min(self._next_stop(target), self.sim.duration)
            if pausing and self.auto_pause:  # look for auto-pause moments step by step
                stop = min(stop, max(self._next_grid_time(), self.now))
            self.sim.run(stop)
            self._open_due(update)
            self._close_overdue(update)
            if (self.frozen and not replaying) or \
                    self.now >= min(target, self.sim.duration) - 1e-12:
                break
            if pausing and self._collect(update) and update.paused_by:
                break
        self._collect(update)
        if pausing and update.paused_by is None and update.opened and \
                "decision" in self.auto_pause:
            update.paused_by = "decision"
        if pausing and update.paused_by is not None:
            self.paused = True
        update.finished = self.sim.finished
        self.session.clock_h = self.now
        self.session.finished = self.sim.finished
        return update

    def _collect(self, update: Update) -> bool:
        """Move new feed items into `update`, the listening digests aside; True if any."""
        items, self._cursor = self.sim.feed(self._cursor)
        if not items:
            return False
        for item in items:
            if item.kind == EventKind.LISTENING:
                self.listening = item
                continue
            update.items.append(item)
            moment = NOTABLE.get(item.kind)
            if moment is None or not self.team_can_see(item):
                continue  # a jump or a pause never announces what the team cannot see
            update.notable.append(item)
            if moment in self.auto_pause and update.paused_by is None:
                update.paused_by = moment
        return True

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
        self.deferred.discard(point)
        self.wall_left.pop(point, None)
        options = prompt.point.options
        if 0 <= option < len(options):
            for spec in options[option].actions:
                self.sim.act(Action(spec.kind, spec.tone, spec.text))  # type: ignore[arg-type]
        decision = Decision(point, option if 0 <= option < len(options) else -1, self.now,
                            timed_out)
        self.session.decisions.append(decision)
        self._save()
        return decision

    def outbox(self) -> list[tuple[float, Action]]:
        """Statements waiting for approval, with the time each goes out."""
        delay = self.scenario.plan.approval_delay_h
        return [(e.at_h + delay, e.action) for e in self.sim.journal
                if e.action is not None and e.action.is_statement
                and e.at_h + delay > self.now + 1e-9]

    def journal_times(self) -> list[float]:
        return [e.at_h for e in self.sim.journal]

    def fire_inject(self, index: int, text: str = "") -> None:
        """The facilitator fires one of the scenario's injects now, with their own text if
        given (journaled, so a resume and a debrief see the same words)."""
        self.sim.fire_inject(index, text)
        self._save()

    def _save(self) -> None:
        self.session.journal = [*self.sim.journal, *self.sim.unreplayed]
        self.session.clock_h = self.now
        self.session.save()

    def save(self) -> None:
        """Save the clock too (called periodically by the app)."""
        self._save()

    # ---- what the team sees ---------------------------------------------------------------
    def team_can_see(self, item: FeedItem) -> bool:
        """The monitoring view shows nothing before the brand detects the crisis."""
        detected = self.sim.detected_at
        if item.kind in TEAM_VISIBLE_ALWAYS:
            return True
        return detected is not None and item.t <= self.now

    def metrics(self) -> dict[str, Any]:
        """The drill screen's numbers."""
        snap: Snapshot = self.sim.snapshot(states=False)
        hourly = snap.hourly_negative
        last_hour = int(hourly[-1]) if len(hourly) else 0
        sim = self.sim

        def since(t: float | None) -> float | None:
            return None if t is None else self.now - t

        return {"t": self.now, "negative_last_hour": last_hour, "reach": snap.reach,
                "sharers": snap.sharers, "reputation": snap.reputation,
                "media_stories": snap.media_stories,
                "since_detection_h": since(sim.detected_at),
                "since_update_h": since(sim.last_spoken_at),
                "detected": sim.detected_at is not None,
                "hourly_negative": [int(x) for x in hourly],
                "reputation_series": [float(x) for x in
                                      self.sim.reputation_h[: self.sim.hours_done + 1]],
                "actions": [(e.at_h, e.action.kind if e.action else "inject")
                            for e in self.sim.journal]}
