"""The Textual app: a thin shell that walks picker -> team -> briefing -> drill.

`build_app(...)` is the one way to make it, for the CLI and the tests alike.
Screens post messages up (`PickerScreen.Chosen`, `TeamScreen.Ready`,
`BriefingScreen.Begin`); the app loads the scenario, makes the session and the
controller, and hands them down to the drill screen, which does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from simulator.config import Scenario, fingerprint
from tui.controller import DrillController
from tui.i18n import Strings
from tui.live import LiveError, LiveStore
from tui.screens.briefing import BriefingScreen
from tui.screens.drill import DrillScreen
from tui.screens.keys import localized
from tui.screens.picker import PickerScreen, library_choices
from tui.screens.team import TeamScreen
from tui.session import Session

if TYPE_CHECKING:
    from scenarios.scenario_file import ScenarioFile


@dataclass
class DrillOptions:
    """What `build_app` was given (scenario already loaded, if named)."""

    scenario_ref: str | None
    scenario: ScenarioFile | None
    seed: int
    team: str | None
    session_path: Path | None
    resume: Session | None
    clock: bool = True  # False: no timers (tests drive the clock)
    forecast_replicas: int = 60
    debrief_replicas: int | None = None  # None: the reports' number (after_action)
    save_every: float = 5.0
    tick: float = 0.25
    prompt_clock: str | None = None  # None: the scenario's facilitation settings
    prompt_minutes: float | None = None
    auto_pause: list[str] | None = None
    room: bool = False  # a team of a drill room (`stormdrill play --room`)


class DrillApp(App[None]):
    """stormdrill's drill UI."""

    TITLE = "stormdrill"
    #: space pauses from any screen (the drill screen binds it itself; modals fall through
    #: to here unless a text field takes the space)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit", show=False),
                                             Binding("space", "pause", "Pause", show=False)]

    def __init__(self, options: DrillOptions) -> None:
        super().__init__()
        self.options = options
        self.scenario = options.scenario
        self.scenario_ref = options.scenario_ref
        self.tr = Strings(self.scenario.locale if self.scenario else "en")
        self.team = options.team
        self.roles: dict[str, str] = {}
        self.controller: DrillController | None = None
        self.drill: DrillScreen | None = None

    def on_mount(self) -> None:
        if self.options.resume is not None:
            self.push_screen(self._drill_screen(self.options.resume))
            self._say_drift(self.options.resume)
        elif self.scenario is None:
            self.push_screen(PickerScreen(library_choices(), self.tr))
        elif self.team is None:
            self.push_screen(localized(TeamScreen, self.tr)(self.tr))
        else:
            self.push_screen(localized(BriefingScreen, self.tr)(self.scenario, self.tr))

    def _say_drift(self, session: Session) -> None:
        """A resumed drill whose scenario or program changed since: say so, keep going."""
        from simulator import __version__

        assert self.scenario is not None
        changed = session.drift(fingerprint(self.scenario), __version__)
        if changed:
            what = ", ".join(self.tr(f"drift.{c}") for c in changed)
            self.notify(self.tr("drift.resume", what=what), severity="warning", timeout=20)

    # ---- the flow: messages up from the screens -------------------------------------------
    def on_picker_screen_chosen(self, message: PickerScreen.Chosen) -> None:
        import scenarios

        try:
            self.scenario = scenarios.load_scenario(message.scenario)
        except scenarios.FileError as err:
            self.notify(str(err), severity="error", timeout=10)
            return
        self.scenario_ref = message.scenario
        self.tr = Strings(self.scenario.locale)
        self.switch_screen(localized(TeamScreen, self.tr)(self.tr) if self.team is None
                           else localized(BriefingScreen, self.tr)(self.scenario, self.tr))

    def on_team_screen_ready(self, message: TeamScreen.Ready) -> None:
        self.team, self.roles = message.team, message.roles
        assert self.scenario is not None
        self.switch_screen(localized(BriefingScreen, self.tr)(self.scenario, self.tr))

    def on_briefing_screen_begin(self, _message: BriefingScreen.Begin) -> None:
        assert self.scenario is not None
        from simulator import __version__

        session = Session(scenario=self.scenario_ref or self.scenario.name,
                          scenario_fingerprint=fingerprint(self.scenario), version=__version__,
                          seed=self.options.seed, team=self.team or self.tr("team.default"),
                          roles=dict(self.roles), path=self.options.session_path,
                          prompt_clock=self.options.prompt_clock,
                          prompt_minutes=self.options.prompt_minutes,
                          auto_pause=self.options.auto_pause)
        session.save()
        self.switch_screen(self._drill_screen(session))

    def _drill_screen(self, session: Session) -> DrillScreen:
        assert self.scenario is not None
        self.controller = DrillController(self.scenario, session)
        o = self.options
        screen_cls = DrillScreen.localized(self.tr)
        self.drill = screen_cls(self.controller, self.tr, clock=o.clock, tick=o.tick,
                                save_every=o.save_every,
                                forecast_replicas=o.forecast_replicas,
                                debrief_replicas=o.debrief_replicas,
                                live=self._live_store(session), room=o.room)
        return self.drill

    def _live_store(self, session: Session) -> LiveStore | None:
        """The store next to the session that `stormdrill console` talks through; a drill
        without a session file, or whose store cannot be opened, runs without one."""
        if session.path is None:
            return None
        try:
            return LiveStore.open(session.path)
        except LiveError as err:
            self.notify(self.tr("live.lost", error=str(err)), severity="error", timeout=15)
            return None

    def action_pause(self) -> None:
        if self.drill is not None:
            self.drill.action_pause()

    # ---- quitting saves ------------------------------------------------------------------
    def action_help_quit(self) -> None:
        """Ctrl+C does not quit: say which key does, in the drill's language.

        Textual's own notice is English only ("Do you want to quit?").
        """
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(self.tr("quit.hint", shortcut=f"[b]{key}[/b]"),
                            title=self.tr("quit.title"))
                return

    async def action_quit(self) -> None:
        if self.controller is not None:
            self.controller.save()
        self.exit()


def _session_ref(ref: str) -> str:
    """A library name stays a name; a path becomes absolute (a session outlives the cwd)."""
    from scenarios.refs import pinned

    return pinned(ref)


def build_app(scenario_ref: str | None = None, seed: int = 1, team: str | None = None,
              session_path: Path | None = None, resume: Session | None = None, *,
              scenario: Scenario | None = None, clock: bool = True,
              forecast_replicas: int = 60, debrief_replicas: int | None = None,
              save_every: float = 5.0,
              prompt_clock: str | None = None, prompt_minutes: float | None = None,
              auto_pause: list[str] | None = None, room: bool = False) -> DrillApp:
    """The drill app, for `stormdrill play/resume` and the tests.

    - `scenario_ref`: library name or path (None: the picker is shown first). It is
      loaded here, so a bad file raises `scenarios.FileError` before the UI starts.
    - `team`: None shows the team screen; a name skips it.
    - `session_path`: where the session is saved (None: not saved).
    - `resume`: a loaded `Session`: straight into the drill at its clock, paused;
      saved back to `session_path` or else to the file it came from.
    - `scenario`: an already built Scenario (tests); overrides loading `scenario_ref`.
    - `clock=False`: no timers; the clock moves only when driven (tests, snapshots).
    - `prompt_clock`, `prompt_minutes`, `auto_pause`: the facilitator's clock choices for a
      new session (None: the scenario's `facilitation`); a resumed session keeps its own.
    - `room`: a team of a drill room; after a restart its clock runs if the room's does.
    """
    if resume is not None:
        scenario_ref = resume.scenario
        if session_path is not None:
            resume.path = Path(session_path)
    import scenarios

    if scenario is None and scenario_ref is not None:
        scenario = scenarios.load_scenario(scenario_ref)
    if scenario is not None:
        scenario = scenarios.ScenarioFile.of(scenario)  # its briefing and names, or defaults
    if scenario_ref is not None and resume is None:
        scenario_ref = _session_ref(scenario_ref)
    options = DrillOptions(scenario_ref=scenario_ref, scenario=scenario, seed=seed, team=team,
                           session_path=Path(session_path) if session_path else None,
                           resume=resume, clock=clock, forecast_replicas=forecast_replicas,
                           debrief_replicas=debrief_replicas,
                           save_every=save_every, prompt_clock=prompt_clock,
                           prompt_minutes=prompt_minutes, auto_pause=auto_pause, room=room)
    return DrillApp(options)
