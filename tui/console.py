"""`stormdrill console SESSION`: the facilitator's console, a second terminal; and
`stormdrill console --room ROOM`: the same for every team of a drill room.

A thin shell around `ConsoleScreen`: it opens nothing itself (the CLI and
the tests hand it the session, scenario and live store) and polls the store
on a timer. The drill runs in another process; the two meet only in the live
store (tui/live.py), so either may start, stop or crash without the other.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from simulator.config import Scenario
from tui.i18n import Strings
from tui.live import LiveStore
from tui.room import Room
from tui.screens.console import ConsoleScreen
from tui.screens.room import RoomScreen
from tui.session import Session

POLL_S = 0.25  # how often the console reads the drill's state (wall seconds)


class ConsoleApp(App[None]):
    """The facilitator's console for one drill session."""

    TITLE = "stormdrill console"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit", show=False)]

    def __init__(self, session: Session, scenario: Scenario, store: LiveStore, *,
                 poll: float | None = POLL_S, wall: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.session = session
        self.scenario = scenario
        self.store = store
        self.poll_s = poll
        self.tr = Strings(scenario.locale)
        screen_cls = ConsoleScreen.localized(self.tr)
        self.console_screen = screen_cls(store, scenario, self.tr,
                                         heading=f"{session.team} · {scenario.title}",
                                         session_clock_h=session.clock_h, wall=wall)

    def on_mount(self) -> None:
        self.push_screen(self.console_screen)
        if self.poll_s is not None:
            self.set_interval(self.poll_s, self.console_screen.poll)

    def on_unmount(self) -> None:
        self.store.close()


def build_console(session: Session, *, scenario: Scenario | None = None,
                  store: LiveStore | None = None, poll: float | None = POLL_S,
                  wall: Callable[[], float] = time.time) -> ConsoleApp:
    """The console app, for `stormdrill console` and the tests.

    - `scenario`: the session's scenario already loaded (tests); else loaded
      from `session.scenario` here, so a bad file raises `scenarios.FileError`.
    - `store`: an open live store; else the one next to `session.path`
      (raises `tui.live.LiveError` if it cannot be used).
    - `poll=None`: no timer; tests call `app.console_screen.poll()` themselves.
    - `wall`: the wall clock, to judge the drill's heartbeat (fixed in snapshots).
    """
    if scenario is None:
        import scenarios

        scenario = scenarios.load_scenario(session.scenario)
    if store is None:
        if session.path is None:
            raise ValueError("the session has no file, so there is no live store to attach to")
        store = LiveStore.open(session.path)
    return ConsoleApp(session, scenario, store, poll=poll, wall=wall)


class RoomConsoleApp(App[None]):
    """The facilitator's console for a whole drill room (`stormdrill console --room`)."""

    TITLE = "stormdrill room"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit", show=False)]

    def __init__(self, room: Room, scenario: Scenario, *, poll: float | None = POLL_S,
                 wall: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.room = room
        self.scenario = scenario
        self.poll_s = poll
        self.tr = Strings(scenario.locale)
        self.room_screen = RoomScreen.localized(self.tr)(room, scenario, self.tr, wall=wall)

    def on_mount(self) -> None:
        self.push_screen(self.room_screen)
        if self.poll_s is not None:
            self.set_interval(self.poll_s, self.room_screen.poll)

    def on_unmount(self) -> None:
        self.room.close()
