"""Pick a scenario from the library: title list, details of the highlighted one.

Posts `PickerScreen.Chosen(name)`; the app loads the scenario and moves on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tui.i18n import Strings


@dataclass(frozen=True)
class Choice:
    """One library scenario as the picker lists it."""

    name: str
    title: str
    locale: str
    users: int
    description: str
    difficulty: str
    minutes: int


def library_choices() -> list[Choice]:
    """The shipped scenarios with their briefing's difficulty and recommended length."""
    import scenarios

    out = []
    for entry in scenarios.library_scenarios():
        sc = scenarios.load_scenario(entry.name)
        out.append(Choice(entry.name, entry.title, entry.locale or sc.locale,
                          entry.users or sc.network.users, entry.description,
                          sc.briefing.difficulty, sc.briefing.recommended_minutes))
    return out


class PickerScreen(Screen[None]):
    DEFAULT_CSS = """
    PickerScreen #heading { text-style: bold; color: $accent; padding: 0 1; }
    PickerScreen Horizontal { height: 1fr; }
    PickerScreen OptionList { width: 2fr; height: 1fr; }
    PickerScreen #details {
        width: 3fr; height: 1fr; border: round $primary-muted; padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "app.quit", "Quit")]

    class Chosen(Message):
        def __init__(self, scenario: str) -> None:
            super().__init__()
            self.scenario = scenario

    def __init__(self, choices: list[Choice], tr: Strings) -> None:
        super().__init__()
        self.choices = choices
        self.tr = tr

    def compose(self) -> ComposeResult:
        yield Static(self.tr("picker.title"), id="heading")
        with Horizontal():
            yield OptionList(*[Option(f"{c.title}", id=c.name) for c in self.choices],
                             id="scenarios")
            with VerticalScroll(id="details"):
                yield Static(self.tr("picker.empty") if not self.choices else "", id="detail")
        yield Footer()

    def on_mount(self) -> None:
        if self.choices:
            from scenarios import DEFAULT_SCENARIO

            options = self.query_one(OptionList)
            names = [c.name for c in self.choices]
            start = names.index(DEFAULT_SCENARIO) if DEFAULT_SCENARIO in names else 0
            options.highlighted = start
            options.focus()
            self._describe(self.choices[start])

    def _describe(self, c: Choice) -> None:
        tr = self.tr
        rows = [(tr("picker.difficulty"), tr(f"difficulty.{c.difficulty}")),
                (tr("picker.language"), tr(f"language.{c.locale}")),
                (tr("picker.length"), tr("picker.minutes", minutes=c.minutes)),
                (tr("picker.users"), f"{c.users:,}")]
        width = max(len(k) for k, _ in rows)
        parts = [Content.from_markup("[b $accent]$t[/]\n[$text]$n[/]\n", t=c.title,
                                     n=c.name)]
        parts += [Content.from_markup("$k  [b]$v[/]", k=k.ljust(width), v=v) for k, v in rows]
        parts.append(Content("\n" + c.description))
        self.query_one("#detail", Static).update(Content("\n").join(parts))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        for c in self.choices:
            if c.name == event.option.id:
                self._describe(c)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Chosen(str(event.option.id)))
