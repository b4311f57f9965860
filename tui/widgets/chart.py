"""A small text chart: the trust index, hourly negative volume, and the team's actions.

One column per simulated hour (the latest hours when the run is longer than
the widget is wide); a marker row shows the hours in which the team acted.
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


class Chart(Widget):
    """Trust and volume sparklines with the team's actions marked."""

    DEFAULT_CSS = """
    Chart {
        border: round $primary-muted;
        border-title-color: $text;
        padding: 0 1;
        height: 5;
    }
    """

    data: reactive[dict[str, Any]] = reactive(dict, always_update=True)

    def __init__(self, tr: Strings, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tr = tr

    def on_mount(self) -> None:
        self.border_title = self.tr("chart.title")

    def render(self) -> Content:
        d = self.data
        labels = [self.tr("chart.reputation"), self.tr("chart.volume"), self.tr("chart.actions")]
        pad = max(len(x) for x in labels) + 1
        width = max(1, self.content_size.width - pad)
        # volume is a monitoring number: nothing before the brand detects the crisis
        volume = list(d.get("hourly_negative", [])) if d.get("detected", True) else []
        reputation = list(d.get("reputation_series", []))
        hours = max(len(volume), len(reputation), 1)
        first = max(0, hours - width)
        vol = bars(volume[first:], lo=0)
        rep = bars(reputation[first:])
        acts = markers([t for t, kind in d.get("actions", []) if kind != "inject"], first,
                       width).rstrip()
        rows = [(labels[0], rep, "$success"), (labels[1], vol, "$error"),  # trust first
                (labels[2], acts, "$primary")]
        return Content("\n").join(
            Content.from_markup(f"[$text-muted]$label[/][{style}]$row[/]",
                                label=label.ljust(pad), row=row)
            for label, row, style in rows)
