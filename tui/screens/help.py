"""The key reference."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.i18n import Strings

KEYS: tuple[tuple[str, str], ...] = (
    ("space", "key.pause"), ("+", "key.faster"), ("-", "key.slower"), ("n", "key.skip"),
    ("N", "key.detection"), ("a", "key.act"),
    ("e", "key.acknowledge"), ("r", "key.reply"), ("s", "key.solution"),
    ("c", "key.compensation"), ("u", "key.update"), ("d", "key.delete"),
    ("b", "key.brief_staff"), ("p", "key.prompt"), ("v", "key.filter"),
    ("w", "key.forecast"), ("W", "key.forecast_lever"), ("?", "key.help"),
    ("ctrl+p", "Command palette"),
    ("q", "key.quit"),
)


class HelpModal(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpModal { align: center middle; }
    HelpModal > Vertical {
        width: auto;
        min-width: 40;
        height: auto;
        max-height: 95%;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    HelpModal VerticalScroll { height: auto; max-height: 18; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark", "close", "Close")]

    def __init__(self, tr: Strings) -> None:
        super().__init__()
        self.tr = tr

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.tr("help.title")
            lines = [Content.from_markup("[b $accent]$k[/] $d", k=key.ljust(8), d=self.tr(desc))
                     for key, desc in KEYS]
            with VerticalScroll():
                yield Static(Content("\n").join(lines))
            yield Button(self.tr("help.close"), id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
