"""The briefing before the drill: situation, brand, stakes, learning objectives.

Posts `BriefingScreen.Begin` when the team is ready.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from tui.i18n import Strings

if TYPE_CHECKING:
    from scenarios.scenario_file import ScenarioFile


class BriefingScreen(Screen[None]):
    DEFAULT_CSS = """
    BriefingScreen VerticalScroll { padding: 0 2; }
    BriefingScreen .heading { text-style: bold; color: $accent; margin-top: 1; }
    BriefingScreen #title { text-style: bold; margin-top: 1; }
    BriefingScreen #start { color: $text; }
    BriefingScreen Button { margin: 1 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "begin", "Begin"),
                                              Binding("q", "app.quit", "Quit")]

    class Begin(Message):
        pass

    def __init__(self, scenario: ScenarioFile, tr: Strings) -> None:
        super().__init__()
        self.scenario = scenario
        self.tr = tr

    def compose(self) -> ComposeResult:
        tr, sc = self.tr, self.scenario
        b = sc.briefing
        none = tr("briefing.none")
        with VerticalScroll():
            yield Static(sc.title, id="title")
            yield Static(tr("briefing.start_at", clock=tr.clock(sc.start, 0.0),
                            hours=f"{sc.duration_h:g}"), id="start")
            for key, text in (("briefing.situation", b.situation or sc.description),
                              ("briefing.brand", b.brand), ("briefing.stakes", b.stakes)):
                yield Static(tr(key), classes="heading")
                yield Static(text.strip() or none)
            yield Static(tr("briefing.objectives"), classes="heading")
            objectives = [Content.from_markup("• $o", o=o) for o in b.learning_objectives]
            yield Static(Content("\n").join(objectives) if objectives else none)
            yield Button(tr("briefing.begin"), id="begin", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#begin", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_begin()

    def action_begin(self) -> None:
        self.post_message(self.Begin())
