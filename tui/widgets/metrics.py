"""The drill's numbers: trust first, then volume and reach, media, times since detection and
update (drills are scored on trust first, attention second).

Attributes down: the drill screen sets `data` (the controller's `metrics()`
dict with the clock and speed added) and the widget redraws. Labels are in the
full text colour, not muted: a projector washes out grey.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from tui.i18n import Strings, duration


class Metrics(Static):
    """A small table of the metrics that matter during a drill."""

    DEFAULT_CSS = """
    Metrics {
        border: round $primary;
        border-title-color: $foreground;
        padding: 0 1;
        height: auto;
    }
    """

    data: reactive[dict[str, Any]] = reactive(dict, always_update=True)

    def __init__(self, tr: Strings, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tr = tr

    def on_mount(self) -> None:
        self.border_title = self.tr("metrics.title")

    def watch_data(self, data: dict[str, Any]) -> None:
        self.update(self.content(data))

    def content(self, d: dict[str, Any]) -> Content:
        tr = self.tr
        if not d:
            return Content("")
        start = d.get("reputation_start")
        rep = tr.number(d["reputation"], ".1f")  # numbers the room's way: 1.840 in Dutch
        if start is not None:
            rep = tr("metrics.rep_start", value=rep, start=tr.number(start, "g"))
        never = tr("metrics.never")
        # monitoring numbers exist only once somebody watches (the crisis plan)
        seen = d.get("detected", True)
        hidden = "-"
        rows = [
            ("metrics.reputation", rep,
             "$success" if start is None or d["reputation"] >= start else "$error"),
            ("metrics.negative",
             tr.number(d["negative_last_hour"], ",") if seen else hidden, "$error"),
            ("metrics.reach", tr.number(d["reach"], ",") if seen else hidden, "$warning"),
            ("metrics.media", f"{d['media_stories']}" if seen else hidden, "$accent"),
            ("metrics.since_detection",
             duration(d["since_detection_h"], tr("metrics.not_yet")), "$text"),
            ("metrics.since_update", duration(d["since_update_h"], never), "$text"),
            ("metrics.clock", f"{d.get('clock', '')} {d.get('speed_text', '')}", "$text"),
        ]
        width = max(len(tr(k)) for k, _, _ in rows)
        lines = [Content.from_markup(f"[$foreground]$label[/] [b {style}]$value[/]",
                                     label=tr(key).ljust(width), value=value)
                 for key, value, style in rows]
        return Content("\n").join(lines)
