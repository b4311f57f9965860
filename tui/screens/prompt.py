"""A decision point: the question, its options as buttons, and a countdown in simulated time.

Dismisses with the chosen option index, or None to decide later (the prompt
stays open and its simulated deadline runs). The drill screen words the
clock line (frozen, real minutes left, simulated time left) and updates it
with `show_clock`; it closes the modal itself when the deadline passes.
Digits pick options here and nowhere else in the drill.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from tui.controller import Prompt
from tui.i18n import Strings


class PromptModal(ModalScreen[int | None]):
    DEFAULT_CSS = """
    PromptModal { align: center middle; }
    PromptModal > Vertical {
        width: 90%;
        max-width: 90;
        height: auto;
        max-height: 95%;
        border: thick $warning;
        background: $surface;
        padding: 0 1;
    }
    PromptModal #question { margin-bottom: 1; }
    PromptModal #countdown { color: $warning; text-style: bold; }
    PromptModal #options { height: auto; max-height: 14; }
    PromptModal Button { width: 1fr; margin: 0 0 1 0; }
    PromptModal #later { margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "later", "Later")]

    def __init__(self, prompt: Prompt, tr: Strings, start: str, clock_line: str,
                 later: str) -> None:
        super().__init__()
        self.prompt = prompt
        self.tr = tr
        self.start = start
        self.clock_line = clock_line
        self.later = later

    def compose(self) -> ComposeResult:
        tr, point = self.tr, self.prompt.point
        with Vertical() as box:
            box.border_title = tr("prompt.title", clock=tr.clock(self.start,
                                                                 self.prompt.opened_at))
            yield Static(point.prompt, id="question")
            yield Label(self.clock_line, id="countdown")
            with VerticalScroll(id="options"):
                for i, option in enumerate(point.options):
                    yield Button(f"{i + 1}. {option.label}", id=f"option-{i}",
                                 variant="primary" if i == 0 else "default", compact=True)
            yield Button(self.later, id="later", variant="default", compact=True)

    def on_mount(self) -> None:
        for button in self.query("#option-0").results(Button):  # none if closed already
            button.focus()

    def show_clock(self, line: str) -> None:
        """The drill screen's clock line for this prompt, as the clock moves or pauses."""
        if line != self.clock_line and self.is_mounted:
            self.clock_line = line
            self.query_one("#countdown", Label).update(line)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        bid = event.button.id or ""
        if bid.startswith("option-"):
            self.dismiss(int(bid.removeprefix("option-")))
        else:
            self.dismiss(None)

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.character and event.character.isdigit():
            n = int(event.character) - 1
            if 0 <= n < len(self.prompt.point.options):
                event.stop()
                self.dismiss(n)

    def action_later(self) -> None:
        self.dismiss(None)
