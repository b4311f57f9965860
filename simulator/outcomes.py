"""The outcomes of a run, described once: name, label, storage type, direction and unit.

Every place that stores, ranks, compares or prints an outcome derives what it
needs from `OUTCOMES`: the results store's columns, the analysis layer's "higher
is better" and "% of baseline" rules, the forecasts' labels, the debrief's
clock times, the command line's summary. A new outcome is added here and in
`simulator.metrics.run_summary` (which computes it), nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    """What a number of an outcome is, which decides how differences read."""

    INDEX = "index points"  # the trust index: crosses zero, differences in points
    COUNT = "count"  # people or posts: a ratio scale, differences also as % of baseline
    HOURS = "hours"  # a length of time: a ratio scale
    CLOCK = "clock"  # a moment (hours since the start): empty when it never came
    SHARE = "share"  # a fraction 0..1: differences in points
    FLAG = "flag"  # yes/no


class Group(StrEnum):
    """The block an outcome belongs to: trust, attention, or the brand's response."""

    TRUST = "trust"
    ATTENTION = "attention"
    RESPONSE = "response"
    MECHANISM = "mechanism"  # explains an effect in a debrief; not a per-run result column


@dataclass(frozen=True)
class Outcome:
    """One outcome of a run and how to read it."""

    name: str  # the key in a run's summary and the results store's column
    label: str  # how a sentence or a table names it (a noun: "would delay {label} by 2 h")
    short: str  # a narrow table header
    unit: Unit
    group: Group
    higher_is_better: bool | None  # None: neither direction is better (a fact, not a score)
    never: str = ""  # for CLOCK outcomes: what an empty value means

    @property
    def sql_type(self) -> str:
        return "REAL" if self.unit in (Unit.INDEX, Unit.HOURS, Unit.CLOCK, Unit.SHARE) \
            else "INTEGER"

    @property
    def ratio_scale(self) -> bool:
        """Zero means none, so "% of the baseline" is meaningful (not for an index)."""
        return self.unit in (Unit.COUNT, Unit.HOURS)

    @property
    def stored(self) -> bool:
        """A per-run column of the results store (mechanisms are computed on demand)."""
        return self.group is not Group.MECHANISM


def _o(name: str, label: str, short: str, unit: Unit, group: Group,
       higher_is_better: bool | None, never: str = "") -> Outcome:
    return Outcome(name, label, short, unit, group, higher_is_better, never)


T, A, R, M = Group.TRUST, Group.ATTENTION, Group.RESPONSE, Group.MECHANISM
#: trust first (drills are scored on it), then attention, then the response
OUTCOMES: tuple[Outcome, ...] = (
    _o("reputation_end", "trust at the end", "trust end", Unit.INDEX, T, True),
    _o("reputation_min", "lowest trust", "trust min", Unit.INDEX, T, True),
    _o("trust_start", "trust at the start", "trust start", Unit.INDEX, T, True),
    _o("trust_dip", "trust dip", "trust dip", Unit.INDEX, T, False),
    _o("trust_30d", "trust after 30 days", "trust 30d", Unit.INDEX, T, True),
    _o("negative_posts", "negative posts", "neg. posts", Unit.COUNT, A, False),
    _o("sharers", "participants (negative posters)", "sharers", Unit.COUNT, A, False),
    _o("participants_outside", "participants from outside the followers", "outside",
       Unit.COUNT, A, False),
    _o("outside_share", "share of participants from outside", "outside %", Unit.SHARE, A,
       None),
    _o("reach", "reach (users who saw it)", "reach", Unit.COUNT, A, False),
    _o("peak_hourly_negative", "peak negative posts / hour", "peak/h", Unit.COUNT, A, False),
    _o("time_to_peak_h", "time to peak", "to peak", Unit.HOURS, A, None),
    _o("duration_h", "duration (90% of the volume)", "duration", Unit.HOURS, A, False),
    _o("duration_cut_off", "storm still going at the end", "cut off", Unit.FLAG, A, False),
    _o("first_media_at_h", "the first media story", "1st media", Unit.CLOCK, A, None,
       "no media story"),
    _o("media_pickups", "media stories", "media", Unit.COUNT, A, False),
    _o("defences", "fan defences", "defences", Unit.COUNT, R, None),
    _o("detected_at_h", "detection by the brand", "detected", Unit.CLOCK, R, None,
       "never detected"),
    _o("first_response_at_h", "the first response", "1st reply", Unit.CLOCK, R, None,
       "never responded"),
    _o("deletions", "deletions", "deletions", Unit.COUNT, R, None),
    _o("deletions_noticed", "noticed deletions", "noticed", Unit.COUNT, R, False),
    _o("reply_seen", "people who saw the reply", "reply seen", Unit.COUNT, M, True),
    _o("silence_h", "silence before the reply", "silence", Unit.HOURS, M, False),
)
del T, A, R, M

BY_NAME: dict[str, Outcome] = {o.name: o for o in OUTCOMES}
#: the results store's per-run outcome columns, in order
STORED: tuple[Outcome, ...] = tuple(o for o in OUTCOMES if o.stored)
#: the two outcomes every table leads with, and the drill's ranking keys (trust, then attention)
HEADLINE: tuple[str, ...] = ("reputation_end", "negative_posts")


def outcome(name: str) -> Outcome:
    """The description of outcome `name` (KeyError names the known ones)."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown outcome {name!r}; known: {', '.join(BY_NAME)}") from None


def names(*, unit: Unit | None = None, group: Group | None = None,
          higher_is_better: bool | None = None) -> frozenset[str]:
    """Names of the outcomes with the given unit, group and/or direction."""
    return frozenset(o.name for o in OUTCOMES
                     if (unit is None or o.unit is unit)
                     and (group is None or o.group is group)
                     and (higher_is_better is None or o.higher_is_better is higher_is_better))


def label_of(name: str) -> str:
    """How a sentence names outcome `name`; a metric outside the schema reads as its name."""
    known = BY_NAME.get(name)
    return known.label if known else name.replace("_", " ")
