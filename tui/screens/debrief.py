"""The end of a drill: the decisions and actions with their times.

It shows the (time, text) lines at once; the analysis (what each action did,
replying at detection, the percentile among built-in strategies) runs paired
replicas in a worker thread and appears when ready. `stormdrill report
SESSION` writes the same as an HTML or Markdown after-action report.
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
from textual.widgets import Button, Footer, Static

from tui.i18n import Strings

if TYPE_CHECKING:
    from tui.controller import DrillController


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
            a = e.action
            text = f"{tr(f'kind.{a.kind}')} ({tr(f'tone.{a.tone}')})"
            rows.append((e.at_h, 1, f"{text}: {a.text}" if a.text else text))
        elif e.inject is not None:
            kind = sc.injects[e.inject].kind.replace("_", " ")
            rows.append((e.at_h, 1, tr("debrief.inject", kind=kind)))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [(tr.clock(sc.start, t), text) for t, _, text in rows]


class DebriefScreen(Screen[None]):
    DEFAULT_CSS = """
    DebriefScreen { padding: 0 1; }
    DebriefScreen #title { text-style: bold; color: $accent; margin-top: 1; }
    DebriefScreen #subtitle { color: $text-muted; margin-bottom: 1; }
    DebriefScreen #lines { height: 1fr; border: round $primary-muted; padding: 0 1; }
    DebriefScreen #analysis { height: auto; max-height: 50%; margin-bottom: 1; }
    DebriefScreen #buttons { height: auto; align-horizontal: right; }
    DebriefScreen #buttons Button { margin-left: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back"),
                                              Binding("q", "app.quit", "Quit")]

    def __init__(self, title: str, subtitle: str, lines: list[tuple[str, str]],
                 tr: Strings, analyse: Callable[[], list[str]] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.subtitle = subtitle
        self.lines = lines
        self.tr = tr
        self.analyse = analyse
        self.analysis: list[str] = []

    def on_mount(self) -> None:
        if self.analyse is not None:
            self.run_analysis()

    @work(thread=True, exclusive=True)
    def run_analysis(self) -> None:
        """Paired replicas take seconds: off the UI thread."""
        assert self.analyse is not None
        try:
            lines = self.analyse()
        except Exception as exc:  # the debrief must still show the timeline
            lines = [f"analysis failed: {exc}"]
        self.app.call_from_thread(self._show_analysis, lines)

    def _show_analysis(self, lines: list[str]) -> None:
        self.analysis = lines
        self.query_one("#analysis", Static).update(Content("\n").join(
            Content(line) for line in lines))

    def compose(self) -> ComposeResult:
        yield Static(self.title_text, id="title")
        yield Static(self.subtitle, id="subtitle")
        yield Static(self.tr("debrief.analysing") if self.analyse else "", id="analysis")
        with VerticalScroll(id="lines"):
            if self.lines:
                width = max(len(t) for t, _ in self.lines)
                yield Static(Content("\n").join(
                    Content.from_markup("[b]$t[/]  $x", t=t.ljust(width), x=x)
                    for t, x in self.lines))
            else:
                yield Static(self.tr("debrief.empty"))
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
