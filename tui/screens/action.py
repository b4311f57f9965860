"""Choose an action kind and tone and type the post; dismisses with an `Action` or None.

The lever keys of the drill screen open this with the kind and tone filled
in and the cursor in the text, so a quick response is one key and Enter; an
empty text lets the feed show a standard statement for that action.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from simulator.actions import ACTION_KINDS, DESCRIPTIONS, TONES, Action
from tui.i18n import Strings

TONED = frozenset({"acknowledge", "reply"})  # tone matters for these (simulator.actions)


class ActionModal(ModalScreen[Action | None]):
    DEFAULT_CSS = """
    ActionModal { align: center middle; }
    ActionModal > Vertical {
        width: 90%;
        max-width: 80;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    ActionModal Horizontal { height: auto; }
    ActionModal Select { width: 1fr; }
    ActionModal #tone { width: 20; }
    ActionModal #describe { color: $text; height: auto; }
    ActionModal #buttons { margin-top: 1; align-horizontal: right; }
    ActionModal #buttons Button { margin-left: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, tr: Strings, kind: str = "acknowledge", tone: str = "empathetic",
                 text: str = "") -> None:
        super().__init__()
        self.tr = tr
        self.kind = kind
        self.tone = tone
        self.text = text

    def compose(self) -> ComposeResult:
        tr = self.tr
        with Vertical() as box:
            box.border_title = tr("action.title")
            with Horizontal():
                yield Select([(tr(f"kind.{k}"), k) for k in ACTION_KINDS], value=self.kind,
                             allow_blank=False, id="kind", compact=True)
                yield Select([(tr(f"tone.{t}"), t) for t in TONES], value=self.tone,
                             allow_blank=False, id="tone", compact=True)
            yield Static(DESCRIPTIONS.get(self.kind, ""), id="describe")
            yield Label(tr("action.text"))
            yield Input(value=self.text, id="text")
            with Horizontal(id="buttons"):
                yield Button(tr("action.cancel"), id="cancel")
                yield Button(tr("action.post"), id="post", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "kind" and isinstance(event.value, str):
            self.query_one("#describe", Static).update(DESCRIPTIONS.get(event.value, ""))

    def chosen(self) -> Action:
        kind = self.query_one("#kind", Select).value
        tone = self.query_one("#tone", Select).value
        text = self.query_one("#text", Input).value.strip()
        return Action(str(kind), str(tone), text)  # type: ignore[arg-type]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(self.chosen())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(self.chosen() if event.button.id == "post" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
