"""The end of a drill: the decisions and actions with their times, then what they did.

It shows the timeline (`debrief_lines`) at once; the analysis (each action
against doing nothing at that moment, replying at detection, the rank among
built-in strategies) runs paired replicas in a worker thread, and the screen
says so until it is ready. The analysis is a `tui.reports.after_action.Debrief`, the
same object `stormdrill report SESSION` renders, shown through
`after_action.screen_lines`: the screen and the report cannot disagree. Every
line is in one scrollable list, however many actions the team took.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, LoadingIndicator, Static

from tui.i18n import Strings
from tui.reports.after_action import Debrief, action_label, inject_label, screen_lines

if TYPE_CHECKING:
    from tui.controller import DrillController

#: what the drill screen's analysis returns: a Debrief (or, from older callers, lines)
Analysis = Debrief | list[str]


def debrief_lines(controller: DrillController, tr: Strings) -> list[tuple[str, str]]:
    """Decisions and journal entries (actions, fired injects) as (local time, text), in order."""
    sc = controller.scenario
    rows: list[tuple[float, int, str]] = []
    for d in controller.session.decisions:
        point = sc.decision_points[d.point]
        label = point.options[d.option].label if d.option >= 0 else tr("prompt.nothing")
        text = tr("debrief.decision", n=d.point + 1, label=label)
        rows.append((d.at_h, 0, tr("debrief.timed_out", text=text) if d.timed_out else text))
    for e in controller.sim.journal:
        if e.action is not None:
            rows.append((e.at_h, 1, action_label(e.action, tr)))
        elif e.inject is not None:
            rows.append((e.at_h, 1, inject_label(sc, e, tr)))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [(tr.clock(sc.start, t), text) for t, _, text in rows]


def _content(lines: list[tuple[str, str]]) -> Content:
    """(left, text) lines as one text: the left column bold and aligned."""
    width = max((len(left) for left, _ in lines), default=0)
    return Content("\n").join(Content.from_markup("[b]$t[/]  $x", t=left.ljust(width), x=text)
                              for left, text in lines)


class DebriefScreen(Screen[None]):
    DEFAULT_CSS = """
    DebriefScreen { padding: 0 1; }
    DebriefScreen #title { text-style: bold; color: $accent; margin-top: 1; }
    DebriefScreen #subtitle { color: $text; margin-bottom: 1; }
    DebriefScreen #status { height: auto; color: $warning; }
    DebriefScreen LoadingIndicator { height: 1; }
    DebriefScreen #lines { height: 1fr; border: round $primary-muted; padding: 0 1; }
    DebriefScreen #buttons { height: auto; align-horizontal: right; }
    DebriefScreen #buttons Button { margin-left: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back"),
                                              Binding("q", "app.quit", "Quit")]

    def __init__(self, title: str, subtitle: str, lines: list[tuple[str, str]],
                 tr: Strings, analyse: Callable[[], Analysis] | None = None) -> None:
        """`analyse` runs in a worker; it should return `after_action.debrief(...)`."""
        super().__init__()
        self.title_text = title
        self.subtitle = subtitle
        self.lines = lines
        self.tr = tr
        self.analyse = analyse
        self.debrief: Debrief | None = None
        self.analysis: list[str] = []  # the analysis as plain lines (what tests read)

    def on_mount(self) -> None:
        if self.analyse is not None:
            self.run_analysis()

    @work(thread=True, exclusive=True)
    def run_analysis(self) -> None:
        """Paired replicas take seconds: off the UI thread."""
        assert self.analyse is not None
        try:
            result: Analysis | Exception = self.analyse()
        except Exception as exc:  # the debrief must still show the timeline
            result = exc
        self.app.call_from_thread(self._show_analysis, result)

    def _show_analysis(self, result: Analysis | Exception) -> None:
        status = self.query_one("#status", Static)
        for spinner in self.query(LoadingIndicator):
            spinner.remove()
        if isinstance(result, Exception):
            status.update(self.tr("aar.failed", error=result))
            return
        status.update("")
        status.display = False
        if isinstance(result, Debrief):
            self.debrief = result
            lines = screen_lines(result)
        else:
            lines = [("", line) for line in result]
        self.analysis = [f"{left}  {text}" if left else text for left, text in lines]
        self.query_one("#body", Static).update(_content(lines))

    def compose(self) -> ComposeResult:
        yield Static(self.title_text, id="title")
        yield Static(self.subtitle, id="subtitle")
        yield Static(self.tr("aar.running") if self.analyse else "", id="status")
        if self.analyse is not None:
            yield LoadingIndicator()
        with VerticalScroll(id="lines"):
            yield Static(_content(self.lines) if self.lines else self.tr("debrief.empty"),
                         id="body")
        with Horizontal(id="buttons"):
            yield Button(self.tr("debrief.back"), id="back")
            yield Button(self.tr("debrief.quit"), id="quit", variant="primary")
        yield Footer()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "quit":
            await self.app.run_action("quit")
        else:
            self.dismiss(None)

    def action_back(self) -> None:
        self.dismiss(None)
