"""Monitoring coverage: when somebody is actually watching the brand's channels.

Entries read like `24/7`, `mon-fri 08:00-18:00`, `sat,sun 10:00-14:00` or
`daily 22:00-06:00` (a window may pass midnight). A crisis that starts at
23:00 on a Friday waits for Monday morning under office-hours coverage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from simulator.errors import StormdrillError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class CoverageError(StormdrillError, ValueError):
    """A coverage entry that cannot be read."""


@dataclass(frozen=True)
class Window:
    days: frozenset[int]  # 0 = Monday
    start_min: int
    end_min: int  # may be <= start_min: the window passes midnight

    def contains(self, when: datetime) -> bool:
        minute = when.hour * 60 + when.minute + when.second / 60.0
        day = when.weekday()
        if self.start_min < self.end_min:
            return day in self.days and self.start_min <= minute < self.end_min
        # overnight: the evening part on a listed day, the morning part the day after
        return ((day in self.days and minute >= self.start_min)
                or ((day - 1) % 7 in self.days and minute < self.end_min))


def _days(text: str) -> frozenset[int]:
    if text in ("daily", "all", "every"):
        return frozenset(range(7))
    if text == "weekdays":
        return frozenset(range(5))
    if text == "weekends":
        return frozenset({5, 6})
    out: set[int] = set()
    for part in text.split(","):
        a, _, b = part.partition("-")
        if a not in DAYS or (b and b not in DAYS):
            raise CoverageError(f"unknown day in {text!r}; use mon..sun, 'daily', "
                                "'weekdays' or 'weekends'")
        i, j = DAYS.index(a), DAYS.index(b or a)
        out.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
    return frozenset(out)


def _minute(text: str) -> int:
    try:
        h, m = text.split(":")
        hh, mm = int(h), int(m)
    except ValueError:
        raise CoverageError(f"bad time {text!r}; expected HH:MM") from None
    if not (0 <= hh <= 24 and 0 <= mm < 60) or (hh == 24 and mm):
        raise CoverageError(f"bad time {text!r}; expected 00:00 to 24:00")
    return hh * 60 + mm


def parse_window(entry: str) -> Window:
    """One coverage entry; raises CoverageError with what was expected."""
    text = entry.strip().lower()
    if text in ("24/7", "always"):
        return Window(frozenset(range(7)), 0, 24 * 60)
    days, _, hours = text.partition(" ")
    if not hours or "-" not in hours:
        raise CoverageError(f"cannot read {entry!r}; expected '24/7' or 'DAYS HH:MM-HH:MM', "
                            "e.g. 'mon-fri 08:00-18:00'")
    start, _, end = hours.strip().partition("-")
    return Window(_days(days), _minute(start.strip()), _minute(end.strip()))


class Coverage:
    """All windows of a plan, evaluated at simulation times."""

    def __init__(self, entries: list[str], start: datetime) -> None:
        self.windows = [parse_window(e) for e in entries]
        self.start = start

    def covered(self, t_h: float) -> bool:
        when = self.start + timedelta(hours=t_h)
        return any(w.contains(when) for w in self.windows)
