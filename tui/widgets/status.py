"""The one-line status bar above the drill: title, clock, speed, who is watching.

Full-strength colours only (no muted grey): the bar is read on a projector.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from tui.i18n import Strings


@dataclass(frozen=True)
class Status:
    title: str = ""
    clock: str = ""
    speed: int = 1
    paused: bool = True
    finished: bool = False
    watching_since: str | None = None  # local time of detection, None: not detected yet
    listening: bool = False  # before detection: inside the monitoring hours
    open_prompts: int = 0


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    status: reactive[Status] = reactive(Status)

    def __init__(self, tr: Strings, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tr = tr

    def watch_status(self, s: Status) -> None:
        tr = self.tr
        state = ("status.finished" if s.finished else "status.paused" if s.paused
                 else "status.running")
        state_style = "$warning" if s.paused or s.finished else "$success"
        watch = (tr("status.watching", clock=s.watching_since) if s.watching_since
                 else tr("status.listening") if s.listening else tr("status.unwatched"))
        watch_style = "$foreground" if s.watching_since else "b $error"
        parts = [
            Content.from_markup("[b]$clock[/]", clock=s.clock),
            Content.from_markup(f"[{state_style}]$state[/] $speed", state=tr(state),
                                speed=tr("status.speed", speed=s.speed)),
            Content.from_markup(f"[{watch_style}]$w[/]", w=watch),
        ]
        if s.open_prompts:
            parts.append(Content.from_markup("[b $warning]$p[/]",
                                             p=tr("status.open_prompts", n=s.open_prompts)))
        parts.append(Content.from_markup("[$foreground]$t[/]", t=s.title))
        self.update(Content(" │ ").join(parts))
