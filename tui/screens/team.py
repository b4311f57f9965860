"""Name the team and who holds which role. Posts `TeamScreen.Ready(team, roles)`."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from tui.i18n import Strings

ROLES: tuple[str, ...] = ("monitor", "responder", "approver", "lead")


class TeamScreen(Screen[None]):
    DEFAULT_CSS = """
    TeamScreen VerticalScroll { padding: 0 2; }
    TeamScreen #heading { text-style: bold; color: $accent; margin: 1 0; }
    TeamScreen #hint { color: $text; margin-top: 1; }
    TeamScreen Grid {
        grid-size: 2; grid-columns: 16 1fr; grid-rows: 1; grid-gutter: 1 0; height: auto;
    }
    TeamScreen Button { margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.quit", "Quit")]

    class Ready(Message):
        def __init__(self, team: str, roles: dict[str, str]) -> None:
            super().__init__()
            self.team = team
            self.roles = roles

    def __init__(self, tr: Strings, team: str = "") -> None:
        super().__init__()
        self.tr = tr
        self.team = team

    def compose(self) -> ComposeResult:
        tr = self.tr
        with VerticalScroll():
            yield Static(tr("team.title"), id="heading")
            with Grid():
                yield Label(tr("team.name"))
                yield Input(value=self.team, placeholder=tr("team.default"), id="team",
                            compact=True)
            yield Static(tr("team.hint"), id="hint")
            with Grid():
                for role in ROLES:
                    yield Label(tr(f"role.{role}"))
                    yield Input(id=f"role-{role}", compact=True)
            yield Button(tr("team.continue"), id="continue", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#team", Input).focus()

    def _ready(self) -> None:
        team = self.query_one("#team", Input).value.strip() or self.tr("team.default")
        roles = {role: v for role in ROLES
                 if (v := self.query_one(f"#role-{role}", Input).value.strip())}
        self.post_message(self.Ready(team, roles))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._ready()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._ready()
