"""The team's own tools: the listening tool before detection and the approval queue.

Before the brand detects the crisis the team sees only what its monitoring
would show it: nothing outside coverage hours, and at each poll inside them
the listening tool's digest (negative mentions against the alert level).
Statements wait for approval before they go out; the queue says when.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from tui.controller import DrillController
from tui.i18n import Strings


@dataclass(frozen=True)
class DeskView:
    """What the desk panel shows, already worded."""

    listening: str = ""
    queue: tuple[str, ...] = ()
    waiting: str = ""  # shown when the queue is empty


def desk_view(controller: DrillController, tr: Strings) -> DeskView:
    """Word the listening digest and the approval queue for the panel."""
    c = controller
    start = c.scenario.start
    if c.sim.detected_at is not None:
        listening = tr("desk.detected", clock=tr.clock(start, c.sim.detected_at))
    elif c.listening is not None:
        extra = c.listening.extra
        listening = tr("desk.listening", clock=tr.clock(start, c.listening.t),
                       n=extra.get("mentions", 0), threshold=extra.get("threshold", 0))
    elif c.sim.coverage.covered(c.now):
        listening = tr("desk.quiet")
    else:
        listening = tr("desk.unwatched")
    queue = tuple(tr("desk.goes_out", clock=tr.clock(start, at),
                     what=action.text or tr(f"kind.{action.kind}"))
                  for at, action in c.outbox())
    delay = c.scenario.plan.approval_delay_h
    waiting = tr("desk.approval", minutes=round(60 * delay)) if delay > 0 else ""
    return DeskView(listening, queue, waiting)


class Desk(Static):
    """A few lines at the top of the side panel."""

    DEFAULT_CSS = """
    Desk {
        border: round $primary;
        border-title-color: $text;
        height: auto;
        max-height: 9;
        padding: 0 1;
        color: $text;
    }
    """

    view: reactive[DeskView] = reactive(DeskView)

    def __init__(self, tr: Strings, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tr = tr

    def on_mount(self) -> None:
        self.border_title = self.tr("desk.title")

    def watch_view(self, view: DeskView) -> None:
        lines = [Content(view.listening)]
        if view.queue:
            lines += [Content.from_markup("[b $warning]$q[/]", q=q) for q in view.queue]
        elif view.waiting:
            lines.append(Content(view.waiting))
        self.update(Content("\n").join(lines))
