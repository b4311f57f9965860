"""A small text chart: the trust index, hourly negative volume, and the team's actions.

One column per simulated hour (the latest hours when the run is longer than
the widget is wide); a marker row shows the hours in which the team acted.
Both axes are labelled, because a chart without them gets asked about in
every debrief: each series' row ends with the lowest and highest value it
shows (its y range), and the bottom row is the x axis in simulated hours.
Labels come from `tui.i18n`; colours are full-strength for a projector.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from tui.i18n import Strings

BARS = " ▁▂▃▄▅▆▇█"


def bars(values: Sequence[float], lo: float | None = None, hi: float | None = None) -> str:
    """One bar character per value, scaled between lo and hi (default: the values' range)."""
    if not values:
        return ""
    lo = min(values) if lo is None else lo
    hi = max(values) if hi is None else hi
    span = hi - lo
    if span <= 0:
        return BARS[4 if hi else 0] * len(values)
    return "".join(BARS[max(0, min(8, round(8 * (v - lo) / span)))] for v in values)


def markers(action_hours: Sequence[float], first: int, width: int) -> str:
    """'▲' in the columns of hours with an action, from hour `first` on."""
    row = [" "] * width
    for at in action_hours:
        col = int(at) - first
        if 0 <= col < width:
            row[col] = "▲"
    return "".join(row)


def compact(value: float, tr: Strings | None = None) -> str:
    """A short number for an axis: 7, 42.5, 1.2k, 15k (1,2k in Dutch, with `tr`)."""
    num = tr.number if tr is not None else format
    if abs(value) >= 10_000:
        return num(value / 1000, ".0f") + "k"
    if abs(value) >= 1000:
        return num(value / 1000, ".1f") + "k"
    return num(value, ".0f" if abs(value) >= 10 or value == int(value) else ".1f")


def value_range(values: Sequence[float], lo: float | None = None,
                tr: Strings | None = None) -> str:
    """The y range a row shows, '42–71' ('' without values); `lo` fixes the bottom."""
    if not values:
        return ""
    low, high = (min(values) if lo is None else lo), max(values)
    num = tr.number if tr is not None else format
    if compact(low) == compact(high) and low != high and high < 1000:  # 19.7 to 20.0
        return f"{num(low, '.1f')}–{num(high, '.1f')}"
    return f"{compact(low, tr)}–{compact(high, tr)}"


def hour_axis(first: int, count: int, width: int) -> str:
    """The x axis under `count` columns from hour `first`: the first and last hour, and
    ticks in between where they fit ('0    6    12')."""
    row = [" "] * width
    if count <= 0:
        return ""
    step = 6 if first + count < 100 else 12  # three-digit hours need more room
    cols = [0, *range(-first % step or step, count - 1, step), count - 1]
    taken = -1
    for col in sorted(set(cols)):
        label = str(first + col)
        start = min(col, width - len(label))
        if start <= taken or start < 0:  # keep a space between labels
            continue
        row[start:start + len(label)] = label
        taken = start + len(label)
    return "".join(row).rstrip()


class Chart(Widget):
    """Trust and volume sparklines with the team's actions marked, with labelled axes."""

    DEFAULT_CSS = """
    Chart {
        border: round $primary;
        border-title-color: $foreground;
        padding: 0 1;
        height: 6;
    }
    """

    data: reactive[dict[str, Any]] = reactive(dict, always_update=True)

    def __init__(self, tr: Strings, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tr = tr

    def on_mount(self) -> None:
        self.border_title = self.tr("chart.title")

    def render(self) -> Content:
        d, tr = self.data, self.tr
        labels = [tr("chart.reputation"), tr("chart.volume"), tr("chart.actions"),
                  tr("chart.hours")]
        pad = max(len(x) for x in labels) + 1
        # volume is a monitoring number: nothing before the brand detects the crisis
        volume = list(d.get("hourly_negative", [])) if d.get("detected", True) else []
        reputation = list(d.get("reputation_series", []))
        hours = max(len(volume), len(reputation), 1)
        ranges_room = 2 + max(len(value_range(reputation, tr=tr)),
                              len(value_range(volume, lo=0, tr=tr)), 3)
        width = max(1, self.content_size.width - pad - ranges_room)
        first = max(0, hours - width)
        shown_rep, shown_vol = reputation[first:], volume[first:]
        rep, vol = bars(shown_rep), bars(shown_vol, lo=0)
        acts = markers([t for t, kind in d.get("actions", []) if kind != "inject"], first,
                       width).rstrip()
        columns = max(len(shown_rep), len(shown_vol), 1)
        rows = [(labels[0], rep, value_range(shown_rep, tr=tr), "$success"),  # trust first
                (labels[1], vol, value_range(shown_vol, lo=0, tr=tr), "$error"),
                (labels[2], acts, "", "$primary"),
                (labels[3], hour_axis(first, columns, width), "", "$foreground")]
        return Content("\n").join(
            Content.from_markup(f"[b $foreground]$label[/][{style}]$row[/] [$foreground]$rng[/]",
                                label=label.ljust(pad), row=row.ljust(width) if rng else row,
                                rng=rng)
            for label, row, rng, style in rows)
