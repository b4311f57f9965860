"""The facilitator's view of a drill room: every team side by side, live.

Like the single-drill console (`tui/screens/console.py`), nothing here touches a
simulation: each team's drill publishes its state to its own live store and the
room (`tui/room.py`) reads them all. Commands go to every team at once: pause,
pace, injects (at the room's clock: the furthest team's, so a team behind meets
the inject at the same moment of its crisis). Notes go to the highlighted team.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from simulator.analysis import rank_key
from simulator.config import Scenario
from tui.controller import SPEEDS
from tui.i18n import Strings, duration
from tui.live import STALE_AFTER_S, LiveError, Note
from tui.room import Room
from tui.screens.console import FacilitatorScreen
from tui.widgets.command_input import CommandInput

DEFAULT_SPEED_INDEX = 2  # the drill's own default (x60) until a team says otherwise


@dataclass(frozen=True)
class RoomView:
    """One poll of the room: each team's published state and notes."""

    states: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    notes: dict[str, list[Note]] = field(default_factory=dict)
    wall: float = 0.0
    error: str = ""

    def running(self, team: str) -> bool:
        state = self.states.get(team)
        return state is not None and self.wall - float(state.get("heartbeat", 0)) < STALE_AFTER_S

    @property
    def room_clock_h(self) -> float:
        """The furthest team's clock: where an inject fired now lands for every team."""
        return max((float(s["clock_h"]) for s in self.states.values() if s), default=0.0)

    def ranking(self) -> list[str]:
        """Teams best first by the drill's one rule (trust, then fewer negative posts);
        teams that never joined last."""
        def key(team: str) -> tuple[float, float]:
            s = self.states.get(team)
            return rank_key({} if s is None else {"reputation_end": s["trust"],
                                                  "negative_posts": s["negative_total"]})
        return sorted(self.states, key=key)


def room_bindings(tr: Strings) -> list[Binding]:
    return [Binding("space", "pause", tr("key.pause")),
            Binding("plus,equals_sign", "faster", tr("console.key.faster")),
            Binding("minus", "slower", tr("console.key.slower")),
            Binding("t", "focus_text", tr("console.key.text")),
            Binding("m", "focus_note", tr("console.key.note")),
            Binding("escape", "focus_injects", tr("console.key.injects"), show=False),
            Binding("q", "app.quit", tr("key.quit"))]


class RoomScreen(FacilitatorScreen):
    """Every team of a room side by side; commands for all, notes per team."""

    DEFAULT_CSS = """
    RoomScreen #room { height: 1; padding: 0 1; background: $boost; }
    RoomScreen #teams { height: auto; max-height: 16; border: round $primary; }
    RoomScreen #lower { height: 1fr; }
    RoomScreen #injects { width: 1fr; height: 1fr; border: round $warning; }
    RoomScreen #side { width: 1fr; }
    RoomScreen #notes { height: 1fr; border: round $primary-muted; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = room_bindings(Strings("en"))
    view: reactive[RoomView] = reactive(RoomView, always_update=True, repaint=False)

    def __init__(self, room: Room, scenario: Scenario, tr: Strings, *,
                 wall: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.room, self.scenario, self.tr, self.wall = room, scenario, tr, wall
        self.wished: dict[str, Any] = {}  # the last pause/speed asked, until a team shows it
        self._shown: dict[str, str] = {}  # widget id -> the text it shows (see `_show`)
        #: a broadcast some team has not got yet; the first poll checks every one, since
        #: a console killed halfway through one leaves the rest to its successor
        self.undelivered = True

    @classmethod
    def localized(cls, tr: Strings) -> type[RoomScreen]:
        if tr.locale == "en":
            return cls
        return type(cls.__name__, (cls,), {"BINDINGS": room_bindings(tr)})

    def compose(self) -> ComposeResult:
        tr = self.tr
        yield Static(id="room")
        table: DataTable[str] = DataTable(id="teams", cursor_type="row", zebra_stripes=True)
        yield table
        with Horizontal(id="lower"):
            if self.scenario.injects:
                yield OptionList(*[Option(self._inject_label(i), id=str(i))
                                   for i in range(len(self.scenario.injects))], id="injects")
            else:
                yield Static(tr("facilitator.none"), id="injects")
            with Vertical(id="side"):
                yield CommandInput(placeholder=tr("console.text_hint"), id="inject-text",
                                   return_to="#injects", typing=tr("console.typing_text"))
                yield Static(id="notes")
                yield CommandInput(placeholder=tr("room.note_hint"), id="note",
                                   return_to="#injects", typing=tr("console.typing_note"))
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        tr = self.tr
        table = self.query_one(DataTable)
        # fixed widths: the rows are filled after the columns, and a clock must never be cut
        for key, width in (("room.team", 12), ("room.rank", 4), ("room.clock", 9),
                           ("room.pace", 16), ("room.trust", 6), ("room.negative", 8),
                           ("room.reach", 7), ("room.actions", 22), ("room.prompts", 8)):
            table.add_column(tr(key), key=key, width=max(width, len(tr(key))))
        for team in self.room.teams:
            table.add_row(*[""] * 9, key=team)
        self.query_one("#injects").border_title = tr("room.injects")
        table.border_title = tr("room.teams", n=len(self.room.teams))
        self.poll()
        self.action_focus_injects()

    # ---- reading the room -----------------------------------------------------------------
    def poll(self) -> None:
        """Read every team's state once and redraw (the app calls this on a timer); send
        again what a team could not get before (see `Room.redeliver`)."""
        if self.undelivered:
            with contextlib.suppress(LiveError):  # the outbox is busy: next poll
                self.undelivered = bool(self.room.redeliver())
        try:
            self.view = RoomView(self.room.states(), self.room.notes(), self.wall())
        except LiveError as err:
            self.view = RoomView(self.view.states, self.view.notes, self.wall(), str(err))

    def watch_view(self, view: RoomView) -> None:
        """Redraw what changed only: the view is new on every poll (its wall clock moves),
        but most cells are not, and a served console sends every redrawn line over the
        network four times a second."""
        if not self.is_mounted:
            return
        tr, sc = self.tr, self.scenario
        ranking = view.ranking()
        table = self.query_one(DataTable)
        for team in self.room.teams:
            for column, value in zip(table.columns, self._row(team, view, ranking),
                                     strict=True):
                if table.get_cell(team, column) != value:
                    table.update_cell(team, column, value)
        finished = all(s and s.get("finished") for s in view.states.values())
        head = tr("room.final" if finished else "room.live", title=sc.title,
                  seed=self.room.seed, clock=tr.clock(sc.start, view.room_clock_h))
        self._show(self.query_one("#room", Static), view.error or head)
        self._show(self.query_one("#notes", Static), self._notes_text(view))
        if sc.injects:
            injects = self.query_one("#injects", OptionList)
            for i in range(len(sc.injects)):
                label = self._inject_label(i)
                if str(injects.get_option(str(i)).prompt) != label:
                    injects.replace_option_prompt(str(i), label)

    def _row(self, team: str, view: RoomView, ranking: list[str]) -> list[str]:
        tr, sc = self.tr, self.scenario
        s = view.states.get(team)
        if s is None:
            return [team, "-", "-", tr("room.not_joined"), *["-"] * 5]
        pace = (tr("status.finished") if s.get("finished")
                else tr("room.stale", seconds=max(0, round(view.wall - s["heartbeat"])))
                if not view.running(team)
                else tr("status.paused") if s.get("paused")
                else tr("status.speed", speed=s.get("speed", "")))
        last = s.get("last_actions") or []
        actions = ", ".join(f"{a['kind']} {tr.clock(sc.start, a['at_h'])}" for a in last[-2:])
        prompts = s.get("open_prompts") or []
        return [team, str(ranking.index(team) + 1), tr.clock(sc.start, float(s["clock_h"])),
                pace, f"{float(s['trust']):.1f}", f"{int(s['negative_total']):,}",
                f"{int(s['reach']):,}", f"{s.get('actions', 0)}: {actions}" if last else "0",
                duration(float(prompts[0]["deadline_h"]) - float(s["clock_h"]))
                if prompts else "-"]

    def _inject_label(self, index: int) -> str:
        inject = self.scenario.injects[index]
        fired = [t for t, s in self.view.states.items() if s and any(
            f["index"] == index for f in s.get("fired", []))]
        kind = self.tr.inject_kind(inject.kind)
        mark = self.tr("room.fired_for", teams=", ".join(fired)) if fired else ""
        return f"{kind}: {inject.text[:60]}{'  ' + mark if mark else ''}"

    def _notes_text(self, view: RoomView) -> str:
        team = self.highlighted_team()
        notes = view.notes.get(team, [])[-5:]
        box, title = self.query_one("#notes", Static), self.tr("room.notes_for", team=team)
        if box.border_title != title:  # setting a border title always redraws
            box.border_title = title
        start = self.scenario.start
        return "\n".join(("-" if n.clock_h is None else self.tr.clock(start, n.clock_h))
                         + f"  {n.text}" for n in notes) or self.tr("room.no_notes")

    def _show(self, widget: Static, text: str) -> None:
        """`widget.update(text)` unless it already shows `text` (an update always redraws)."""
        if self._shown.get(widget.id or "") != text:
            widget.update(text)
            self._shown[widget.id or ""] = text

    def highlighted_team(self) -> str:
        row = self.query_one(DataTable).cursor_row
        return self.room.teams[min(max(row, 0), len(self.room.teams) - 1)]

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show(self.query_one("#notes", Static), self._notes_text(self.view))

    # ---- commands, for every team ---------------------------------------------------------
    def _broadcast(self, kind: str, **args: Any) -> None:
        try:
            missed = self.room.broadcast(kind, **args)
        except LiveError as err:  # the outbox itself: nothing was sent
            self.notify(str(err), severity="error", timeout=8)
            return
        self.undelivered = bool(missed)
        if missed:
            self.notify(self.tr("room.missed", teams=", ".join(missed)), severity="error",
                        timeout=8)

    def action_pause(self) -> None:
        states = [s for s in self.view.states.values() if s]
        paused = self.wished.get("paused", all(s.get("paused", True) for s in states)
                                 if states else True)
        self.wished["paused"] = not paused
        self._broadcast("resume" if paused else "pause")
        self.notify(self.tr("room.sent_resume" if paused else "room.sent_pause"))

    def _set_speed(self, step: int) -> None:
        states = [s for s in self.view.states.values() if s]
        current = self.wished.get("speed", max((int(s.get("speed_index", DEFAULT_SPEED_INDEX))
                                                for s in states), default=DEFAULT_SPEED_INDEX))
        index = max(0, min(len(SPEEDS) - 1, current + step))
        self.wished["speed"] = index
        self._broadcast("speed", index=index)
        self.notify(self.tr("console.sent_speed", speed=SPEEDS[index]))

    def action_faster(self) -> None:
        self._set_speed(+1)

    def action_slower(self) -> None:
        self._set_speed(-1)

    def fire(self, index: int) -> None:
        """Inject `index` for every team, at the room's clock, with the text typed (if any)."""
        box = self.query_one("#inject-text", Input)
        self._broadcast("fire_inject", index=index, text=box.value.strip(),
                        at_h=self.view.room_clock_h)
        box.value = ""
        self.notify(self.tr("room.sent_inject",
                            kind=self.tr.inject_kind(self.scenario.injects[index].kind),
                            clock=self.tr.clock(self.scenario.start, self.view.room_clock_h)))

    def save_note(self, text: str) -> None:
        """A note for the highlighted team, at that team's clock."""
        if not text.strip():
            return
        team = self.highlighted_team()
        state = self.view.states.get(team)
        try:
            self.room.add_note(team, text, None if state is None else float(state["clock_h"]))
        except LiveError as err:
            self.notify(str(err), severity="error", timeout=8)
            return
        self.query_one("#note", Input).value = ""
        self.notify(self.tr("room.note_saved", team=team))
        self.poll()
        self.action_focus_injects()

    def resting_focus(self) -> Widget | None:
        return self.query_one(DataTable)

