"""The facilitator's console: both outcomes live, the injects, pace and notes.

Attributes down: the console app polls the live store and sets `view` (a
`ConsoleView`: the drill's published state, the commands still waiting and
the notes); the screen redraws from it. Key presses become commands posted
to the store (the drill applies them) or notes written to it. Nothing here
reaches into a simulation: the drill runs in another process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from simulator.config import Scenario
from tui.controller import SPEEDS
from tui.i18n import Strings
from tui.live import STALE_AFTER_S, Command, LiveError, LiveStore, Note
from tui.widgets.command_input import CommandInput

DEFAULT_SPEED_INDEX = 2  # the drill's own default (x60) until it says otherwise


@dataclass(frozen=True)
class ConsoleView:
    """One poll of the live store: what the screen draws."""

    state: dict[str, Any] | None = None
    waiting: list[Command] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    wall: float = 0.0  # when it was read (seconds since the epoch)
    error: str = ""  # the store could not be read: why


def console_bindings(tr: Strings) -> list[Binding]:
    """The console's keys with footer descriptions in the scenario's language."""
    return [Binding("space", "pause", tr("key.pause")),
            Binding("plus,equals_sign", "faster", tr("console.key.faster")),
            Binding("minus", "slower", tr("console.key.slower")),
            Binding("n", "skip", tr("key.skip")),
            Binding("d", "detection", tr("console.key.detection")),
            Binding("t", "focus_text", tr("console.key.text")),
            Binding("m", "focus_note", tr("console.key.note")),
            Binding("escape", "focus_injects", tr("console.key.injects"), show=False),
            Binding("q", "app.quit", tr("key.quit"))]


def _running(view: ConsoleView) -> bool:
    state = view.state
    return state is not None and view.wall - float(state.get("heartbeat", 0.0)) < STALE_AFTER_S


def drill_line(view: ConsoleView, scenario: Scenario, tr: Strings, heading: str = "") -> Content:
    """The top line: who, clock, pace, and whether a drill is there at all."""
    state = view.state
    # the status first: a long scenario title may run off the line, the clock may not
    tail = Content.from_markup("  [$accent]$text[/]", text=heading) if heading else Content()
    if view.error:
        return Content.from_markup("[b $error]$text[/]", text=view.error) + tail
    if state is None:
        return Content.from_markup("[b $warning]$text[/]", text=tr("console.no_drill")) + tail
    clock = tr.clock(scenario.start, float(state["clock_h"]))
    pace = (tr("status.finished") if state.get("finished")
            else tr("status.paused") if state.get("paused") else tr("status.running"))
    speed = tr("status.speed", speed=state.get("speed", SPEEDS[DEFAULT_SPEED_INDEX]))
    if _running(view):
        alive = Content.from_markup("[$success]$text[/]", text=tr("console.running"))
    else:
        age = max(0, round(view.wall - float(state.get("heartbeat", 0.0))))
        alive = Content.from_markup("[b $warning]$text[/]",
                                    text=tr("console.stale", seconds=age))
    head = Content.from_markup("[b]$clock[/]  $speed  $pace  ", clock=clock, speed=speed,
                               pace=pace)
    return head + alive + tail


def outcome_lines(view: ConsoleView, scenario: Scenario, tr: Strings) -> Content:
    """Trust first, then attention, then where the drill stands (the team does not see it)."""
    state = view.state
    if state is None:
        return Content(tr("console.waiting_state"))
    trust, start = float(state["trust"]), float(state["trust_start"])
    colour = "$success" if trust >= start else "$error"
    rows: list[tuple[str, str, str]] = [
        ("console.trust", tr("console.trust_value", value=f"{trust:.1f}", start=f"{start:g}",
                             dip=f"{trust - start:+.1f}"), colour),
        ("console.negative_hour", f"{int(state['negative_last_hour']):,}", "$error"),
        ("console.negative_total", f"{int(state['negative_total']):,}", "$error"),
        ("console.participants", f"{int(state['participants']):,}", "$warning"),
        ("console.reach", f"{int(state['reach']):,}", "$warning"),
        ("console.media", f"{int(state['media_stories'])}", "$accent"),
    ]
    detected = state.get("detected_at_h")
    rows.append(("console.detected", tr("metrics.not_yet") if detected is None
                 else tr.clock(scenario.start, float(detected)), "$text"))
    for key, name in (("next_decision_h", "console.next_decision"),
                      ("next_inject_h", "console.next_inject")):
        at = state.get(key)
        rows.append((name, "-" if at is None else tr.clock(scenario.start, float(at)), "$text"))
    width = max(len(tr(k)) for k, _, _ in rows)
    lines = [Content.from_markup(f"[$text-muted]$label[/] [b {style}]$value[/]",
                                 label=tr(key).ljust(width), value=value)
             for key, value, style in rows]
    for at in (7, 1):  # trust | attention | where the drill stands
        lines.insert(at, Content(""))
    for prompt in state.get("open_prompts", []):
        lines.append(Content.from_markup(
            "[b $warning]$text[/]", text=tr("console.open_prompt", prompt=prompt["prompt"],
                                            deadline=tr.clock(scenario.start,
                                                              float(prompt["deadline_h"])))))
    if view.waiting:
        lines.append(Content.from_markup("[$text-muted]$text[/]",
                                         text=tr("console.commands_waiting",
                                                 n=len(view.waiting))))
    return Content("\n").join(lines)


def inject_label(index: int, view: ConsoleView, scenario: Scenario, tr: Strings) -> Content:
    """One inject: fired (when), queued, or upcoming (when it is due), with its text."""
    inject = scenario.injects[index]
    state = view.state or {}
    now = float(state.get("clock_h", 0.0))
    times = [float(f["at_h"]) for f in state.get("fired", []) if f["index"] == index]
    if view.state is not None and inject.at_h <= now + 1e-9:
        times.append(inject.at_h)  # the scenario's own schedule fired it
    queued = any(c.kind == "fire_inject" and c.args.get("index") == index
                 for c in view.waiting)
    kind = inject.kind.replace("_", " ")
    if times:
        when = ", ".join(tr.clock(scenario.start, t) for t in sorted(times))
        mark = Content.from_markup("[$success]✓ $text[/]", text=tr("console.fired", at=when))
    elif queued:
        mark = Content.from_markup("[$warning]… $text[/]", text=tr("console.queued"))
    else:
        mark = Content.from_markup("[$text-muted]· $text[/]",
                                   text=tr("console.due", at=tr.clock(scenario.start,
                                                                      inject.at_h)))
    if queued and times:
        mark += Content.from_markup(" [$warning]$text[/]", text=tr("console.queued"))
    text = inject.text.strip() or "-"
    label = Content.from_markup("[b]$kind[/]  ", kind=kind) + mark + Content("\n  " + text)
    for own in (f["text"] for f in state.get("fired", []) if f["index"] == index and f["text"]):
        label += Content.from_markup("\n  [$success]↳ $text[/]", text=own)  # the words used
    return label


def notes_lines(notes: list[Note], scenario: Scenario, tr: Strings, last: int = 5) -> Content:
    """The latest notes, newest last, at their simulated time."""
    if not notes:
        return Content.from_markup("[$text-muted]$text[/]", text=tr("console.no_notes"))
    lines = [Content.from_markup("[$text-muted]$clock[/] $text", text=n.text,
                                 clock="--" if n.clock_h is None
                                 else tr.clock(scenario.start, n.clock_h))
             for n in notes[-last:]]
    return Content("\n").join(lines)


class FacilitatorScreen(Screen[None]):
    """What both consoles share: an inject list Enter fires, a text box for the inject's
    own words, a note box, and the keys that move between them. Subclasses say what
    firing and saving a note mean (`fire`, `save_note`)."""

    def fire(self, index: int) -> None:
        raise NotImplementedError

    def save_note(self, text: str) -> None:
        raise NotImplementedError

    def resting_focus(self) -> Widget | None:
        """Where the keys go when there is no inject list to focus."""
        return None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.fire(int(event.option.id or 0))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "note":
            self.save_note(event.value)
        elif event.input.id == "inject-text":
            injects = self.query("#injects").first()
            highlighted = injects.highlighted if isinstance(injects, OptionList) else None
            if highlighted is None:
                self.notify(self.tr("console.choose_inject"), severity="warning")
                return
            self.fire(highlighted)
            self.action_focus_injects()

    # ---- focus ---------------------------------------------------------------------------
    def action_focus_text(self) -> None:
        self.set_focus(self.query_one("#inject-text", Input))  # at once: see CommandInput

    def action_focus_note(self) -> None:
        self.set_focus(self.query_one("#note", Input))

    def action_focus_injects(self) -> None:
        injects = self.query("#injects").first()
        self.set_focus(injects if isinstance(injects, OptionList) else self.resting_focus())


class ConsoleScreen(FacilitatorScreen):
    """The facilitator's single screen."""

    DEFAULT_CSS = """
    ConsoleScreen #drill { height: 1; padding: 0 1; background: $panel; }
    ConsoleScreen #main { height: 1fr; }
    ConsoleScreen #left { width: 1fr; height: 1fr; }
    ConsoleScreen #outcomes {
        width: 46; height: 1fr; border: round $primary-muted; padding: 0 1;
    }
    ConsoleScreen #injects { height: 1fr; border: round $primary-muted; }
    ConsoleScreen #inject-text, ConsoleScreen #note { margin: 0 0; }
    ConsoleScreen #notes {
        height: auto; max-height: 7; border: round $primary-muted; padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = console_bindings(Strings("en"))

    view: reactive[ConsoleView] = reactive(ConsoleView, always_update=True, repaint=False)

    def __init__(self, store: LiveStore, scenario: Scenario, tr: Strings, *,
                 heading: str = "", session_clock_h: float | None = None,
                 wall: Callable[[], float] = time.time) -> None:
        """`heading`: team and scenario; `session_clock_h`: the saved clock, for notes
        while no drill has published; `wall`: the wall clock that judges the heartbeat."""
        super().__init__()
        self.heading = heading
        self.store = store
        self.scenario = scenario
        self.tr = tr
        self.session_clock_h = session_clock_h
        self.wall = wall

    @classmethod
    def localized(cls, tr: Strings) -> type[ConsoleScreen]:
        """This screen with footer key descriptions in `tr`'s language."""
        if tr.locale == "en":
            return cls
        return type(cls.__name__, (cls,), {"BINDINGS": console_bindings(tr)})

    # ---- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        tr = self.tr
        yield Static(id="drill")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                if self.scenario.injects:
                    yield OptionList(*[Option(inject_label(i, self.view, self.scenario, tr),
                                              id=str(i))
                                       for i in range(len(self.scenario.injects))],
                                     id="injects")
                else:
                    yield Static(tr("facilitator.none"), id="injects")
                yield CommandInput(placeholder=tr("console.text_hint"), id="inject-text",
                                   return_to="#injects", typing=tr("console.typing_text"))
                yield Static(id="notes")
                yield CommandInput(placeholder=tr("console.note_hint"), id="note",
                                   return_to="#injects", typing=tr("console.typing_note"))
            yield Static(id="outcomes")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        tr = self.tr
        self.query_one("#injects").border_title = tr("console.injects")
        self.query_one("#outcomes", Static).border_title = tr("console.outcomes")
        self.query_one("#notes", Static).border_title = tr("console.notes")
        self.poll()
        self.action_focus_injects()

    # ---- reading the store ---------------------------------------------------------------
    def poll(self) -> None:
        """Read the live store once and redraw (the app calls this on a timer)."""
        try:
            view = ConsoleView(self.store.read_state(), self.store.pending(),
                               self.store.notes(), self.wall())
        except LiveError as err:
            view = ConsoleView(self.view.state, self.view.waiting, self.view.notes,
                               self.wall(), error=str(err))
        self.view = view

    def watch_view(self, view: ConsoleView) -> None:
        if not self.is_mounted:
            return
        sc, tr = self.scenario, self.tr
        self.query_one("#drill", Static).update(drill_line(view, sc, tr, self.heading))
        self.query_one("#outcomes", Static).update(outcome_lines(view, sc, tr))
        self.query_one("#notes", Static).update(notes_lines(view.notes, sc, tr))
        if sc.injects:
            injects = self.query_one("#injects", OptionList)
            for i in range(len(sc.injects)):
                injects.replace_option_prompt(str(i), inject_label(i, view, sc, tr))

    # ---- commands ------------------------------------------------------------------------
    def _post(self, kind: str, **args: Any) -> int | None:
        try:
            command = self.store.post(kind, **args)
        except LiveError as err:
            self.notify(str(err), severity="error", timeout=8)
            return None
        self.poll()
        return command

    def _last_wish(self, kinds: tuple[str, ...]) -> Command | None:
        """The newest command of these kinds the drill has not applied yet."""
        wishes = [c for c in self.view.waiting if c.kind in kinds]
        return wishes[-1] if wishes else None

    def action_pause(self) -> None:
        wish = self._last_wish(("pause", "resume"))
        state = self.view.state
        paused = (wish.kind == "pause" if wish is not None
                  else state is None or bool(state.get("paused", True)))
        self._post("resume" if paused else "pause")
        self.notify(self.tr("console.sent_resume" if paused else "console.sent_pause"))

    def _speed_index(self) -> int:
        wish = self._last_wish(("speed",))
        if wish is not None:
            return int(wish.args["index"])
        state = self.view.state
        return int(state.get("speed_index", DEFAULT_SPEED_INDEX)) if state else \
            DEFAULT_SPEED_INDEX

    def _set_speed(self, step: int) -> None:
        index = max(0, min(len(SPEEDS) - 1, self._speed_index() + step))
        self._post("speed", index=index)
        self.notify(self.tr("console.sent_speed", speed=SPEEDS[index]))

    def action_faster(self) -> None:
        self._set_speed(+1)

    def action_slower(self) -> None:
        self._set_speed(-1)

    def action_skip(self) -> None:
        self._post("skip_to_next_event")
        self.notify(self.tr("console.sent_skip"))

    def action_detection(self) -> None:
        state = self.view.state
        if state is not None and state.get("detected"):
            self.notify(self.tr("console.already_detected"))
            return
        self._post("skip_to_detection")
        self.notify(self.tr("console.sent_detection"))

    def fire(self, index: int) -> None:
        """Queue inject `index` with the custom text typed (if any), then clear the text."""
        box = self.query_one("#inject-text", Input)
        text = box.value.strip()
        if self._post("fire_inject", index=index, text=text) is None:
            return
        box.value = ""
        kind = self.scenario.injects[index].kind.replace("_", " ")
        self.notify(self.tr("console.sent_inject", kind=kind))

    def save_note(self, text: str) -> None:
        """Write a note at the drill's clock (the session's, if no drill ever published)."""
        if not text.strip():
            return
        state = self.view.state
        clock = self.session_clock_h if state is None else float(state["clock_h"])
        try:
            self.store.add_note(text, clock)
        except LiveError as err:
            self.notify(str(err), severity="error", timeout=8)
            return
        self.query_one("#note", Input).value = ""
        self.notify(self.tr("console.note_saved"))
        self.poll()
        self.action_focus_injects()  # keys are commands again, not text
