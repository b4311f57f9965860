"""The facilitator panel: fire any of the scenario's injects now. Dismisses with its index."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from simulator.config import Inject
from tui.i18n import Strings


def inject_label(inject: Inject, tr: Strings) -> str:
    """'vraag van een journalist (t=6 u): ...': the kind in the drill's language, not its id."""
    return tr("facilitator.inject_at", kind=tr.inject_kind(inject.kind),
              hours=f"{inject.at_h:g}", text=inject.text.strip() or "-")


class FacilitatorModal(ModalScreen[int | None]):
    DEFAULT_CSS = """
    FacilitatorModal { align: center middle; }
    FacilitatorModal > Vertical {
        width: 90%;
        max-width: 90;
        height: auto;
        max-height: 90%;
        border: thick $secondary;
        background: $surface;
        padding: 0 1;
    }
    FacilitatorModal OptionList { height: auto; max-height: 14; }
    FacilitatorModal Button { margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    def __init__(self, injects: list[Inject], tr: Strings) -> None:
        super().__init__()
        self.injects = injects
        self.tr = tr

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.tr("facilitator.title")
            if self.injects:
                yield OptionList(*[Option(inject_label(inj, self.tr), id=str(i))
                                   for i, inj in enumerate(self.injects)], id="injects")
            else:
                yield Static(self.tr("facilitator.none"))
            yield Button(self.tr("facilitator.close"), id="close")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 0))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
