"""Scripted response strategies: a team's plan played without a human.

A strategy says what the brand does relative to the moment it detects the
crisis. The actions still go through the crisis plan (approval delay), so a
fast strategy under a slow plan is slow.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from simulator.actions import Action
from simulator.config import param


@dataclass(frozen=True)
class Strategy:
    """When and how the brand responds after detection (all times in hours)."""

    name: str = param("custom", doc="short identifier")
    description: str = param("", doc="what the strategy does")
    respond_after_h: float | None = param(None, lo=0.0, hi=10_000.0,
                                          doc="first statement this long after detection; "
                                          "null: never")
    first_action: Literal["acknowledge", "reply"] = param(
        "acknowledge", doc="public acknowledgement, or replies to the complainants")
    tone: Literal["empathetic", "neutral", "defensive"] = param(
        "empathetic", doc="tone of the first statement")
    update_every_h: float | None = param(None, lo=0.1, hi=10_000.0,
                                         doc="post an update this often after the first "
                                         "statement; null: never")
    max_updates: int = param(10, lo=0, hi=1000, doc="stop updating after this many")
    solution_after_h: float | None = param(None, lo=0.0, hi=10_000.0,
                                           doc="offer a concrete solution (after detection)")
    compensation_after_h: float | None = param(None, lo=0.0, hi=10_000.0,
                                               doc="offer compensation publicly")
    delete_after_h: float | None = param(None, lo=0.0, hi=10_000.0,
                                         doc="delete negative comments")
    delete_every_h: float | None = param(None, lo=0.1, hi=10_000.0,
                                         doc="and keep deleting this often")
    max_deletes: int | None = param(None, lo=1, hi=1000,
                                    doc="stop after this many deletions (the first "
                                    "included); null: no limit")
    contradict_after_h: float | None = param(None, lo=0.0, hi=10_000.0,
                                             doc="issue a contradicting statement")
    later_tone: Literal["empathetic", "neutral", "defensive"] | None = param(
        None, doc="tone of a second statement at `later_after_h`")
    later_after_h: float | None = param(None, lo=0.0, hi=10_000.0,
                                        doc="when the second statement goes out")
    brief_staff: bool = param(False, doc="brief staff at detection")
    typical_webcare: bool = param(
        False, doc="draw the first statement's delay like a typical brand's webcare "
        "(lognormal latency; sometimes never), from the scenario's response.webcare_* "
        "parameters, instead of respond_after_h")

    def timeline(self, horizon_h: float) -> Iterator[tuple[float, Action]]:
        """(hours after detection, action), in time order, up to `horizon_h`."""
        plan: list[tuple[float, int, Action]] = []

        def add(at: float | None, action: Action) -> None:
            if at is not None and at <= horizon_h:
                plan.append((at, len(plan), action))

        if self.brief_staff:
            add(0.0, Action("brief_staff"))
        add(self.delete_after_h, Action("delete"))
        if self.delete_after_h is not None and self.delete_every_h:
            at = self.delete_after_h + self.delete_every_h
            done = 1
            while at <= horizon_h and (self.max_deletes is None or done < self.max_deletes):
                add(at, Action("delete"))
                at += self.delete_every_h
                done += 1
        add(self.respond_after_h, Action(self.first_action, self.tone))
        if self.respond_after_h is not None and self.update_every_h:
            at = self.respond_after_h + self.update_every_h
            for _ in range(self.max_updates):
                if at > horizon_h:
                    break
                add(at, Action("update"))
                at += self.update_every_h
        add(self.solution_after_h, Action("solution"))
        add(self.compensation_after_h, Action("compensation"))
        add(self.contradict_after_h, Action("contradict"))
        if self.later_tone is not None:
            add(self.later_after_h, Action("reply", self.later_tone))
        plan.sort(key=lambda item: (item[0], item[1]))
        for at, _, action in plan:
            yield at, action
