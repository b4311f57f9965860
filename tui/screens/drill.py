"""The drill: the team's feed, the numbers, the chart, the forecast, and every lever.

Attributes down: on each clock tick the screen calls `controller.advance` and
hands the result to its widgets (feed items, metrics dict, status). Modals
answer with their dismiss value; the screen turns answers into controller
calls (each saves the session). With `clock=False` nothing moves by itself:
tests drive `step()` or the controller directly, so screens are deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer

from simulator import Action
from simulator.feed import FeedItem
from simulator.kinds import EventKind
from tui.commands import DrillCommands
from tui.controller import DrillController, Prompt, Update
from tui.i18n import Strings, duration
from tui.live import LiveError, LiveStore, drill_state, is_due
from tui.screens.action import ActionModal
from tui.screens.confirm import ConfirmModal
from tui.screens.debrief import DebriefScreen, debrief_lines
from tui.screens.help import HelpModal
from tui.screens.keys import localized
from tui.screens.prompt import PromptModal
from tui.widgets import Chart, Feed, Forecast, Metrics, StatusLine, post_source
from tui.widgets.desk import Desk, desk_view
from tui.widgets.status import Status

if TYPE_CHECKING:
    from tui.reports.after_action import Debrief

#: lever keys: key -> (kind, tone, footer description key, shown in the footer)
LEVERS: tuple[tuple[str, str, str, bool], ...] = (
    ("e", "acknowledge", "empathetic", True),
    ("r", "reply", "neutral", False),
    ("s", "solution", "neutral", False),
    ("c", "compensation", "neutral", False),
    ("u", "update", "neutral", False),
    ("d", "delete", "neutral", False),
    ("b", "brief_staff", "neutral", False),
)


def drill_bindings(tr: Strings) -> list[Binding]:
    """The drill screen's keys with footer descriptions in the scenario's language.

    No digit keys: digits pick options in a decision prompt, and a digit
    pressed just after a prompt closes must not change anything here.
    """
    out = [Binding("space", "pause", tr("key.pause"), priority=True),
           Binding("plus,equals_sign", "faster", tr("key.faster"), key_display="+"),
           Binding("minus", "slower", tr("key.slower"), key_display="-"),
           Binding("n", "skip", tr("key.skip")),
           Binding("N", "to_detection", tr("key.detection"), show=False),
           Binding("a", "act", tr("key.act"))]
    out += [Binding(key, f"lever({kind!r}, {tone!r})", tr(f"key.{kind}"), show=show)
            for key, kind, tone, show in LEVERS]
    out += [Binding("p", "prompt", tr("key.prompt"), show=False),
            Binding("v", "filter", tr("key.filter"), show=False),
            Binding("w", "forecast", tr("key.forecast")),
            Binding("W", "forecast_lever", tr("key.forecast_lever"), show=False),
            Binding("question_mark", "help", tr("key.help")),
            Binding("q", "app.quit", tr("key.quit"))]
    return out


class DrillScreen(Screen[None]):
    DEFAULT_CSS = """
    DrillScreen #main { height: 1fr; }
    DrillScreen #side { width: 36; height: 1fr; }
    DrillScreen #feed { width: 1fr; }
    DrillScreen Forecast { height: 1fr; }
    """

    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {DrillCommands}
    BINDINGS: ClassVar[list[BindingType]] = drill_bindings(Strings("en"))

    def __init__(self, controller: DrillController, tr: Strings, *, clock: bool = True,
                 tick: float = 0.25, save_every: float = 5.0,
                 forecast_replicas: int = 60, debrief_replicas: int | None = None,
                 live: LiveStore | None = None, room: bool = False) -> None:
        super().__init__()
        self.live = live  # the store the facilitator's console talks through (None: alone)
        self.room = room  # a team of a drill room: its clock runs when the room's runs
        self.controller = controller
        self.tr = tr
        self.clock = clock
        self.tick_s = tick
        self.save_every = save_every
        self.forecast_replicas = forecast_replicas
        if debrief_replicas is None:
            from tui.reports.after_action import DEBRIEF_REPLICAS

            debrief_replicas = DEBRIEF_REPLICAS
        self.debrief_replicas = debrief_replicas
        self.prompt_modal: PromptModal | None = None
        self.debriefed = False
        self.timer: Timer | None = None

    @classmethod
    def localized(cls, tr: Strings) -> type[DrillScreen]:
        """This screen with footer key descriptions in `tr`'s language."""
        if tr.locale == "en":
            return cls
        return type(f"{cls.__name__}", (cls,), {"BINDINGS": drill_bindings(tr)})

    # ---- layout -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        c, tr = self.controller, self.tr
        yield StatusLine(tr, id="status")
        with Horizontal(id="main"):
            yield Feed(post_source(c.scenario, c.sim.net, c.session.seed, tr),
                       c.team_can_see, tr, id="feed")
            with Vertical(id="side"):
                yield Desk(tr, id="desk")
                yield Metrics(tr, id="metrics")
                yield Chart(tr, id="chart")
                yield Forecast(tr, self.forecast_replicas, id="forecast")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        if self.live is not None:
            self._live_call(lambda store: store.settle(len(self.controller.session.journal)))
            self._take_up_facilitator_clock()
        items, _ = self.controller.sim.feed((0, 0))  # a resumed drill shows its past
        self.query_one(Feed).add([i for i in items if i.kind != EventKind.LISTENING])
        self.refresh_view()
        if self.clock:
            self.timer = self.set_interval(self.tick_s, self.tick)
            self.set_interval(self.save_every, self.controller.save)
        self.call_after_refresh(self.show_next_prompt)

    # ---- the clock ----------------------------------------------------------------------
    def tick(self) -> None:
        self.step(self.tick_s)
        self.sync_live()

    # ---- the facilitator's console ------------------------------------------------------
    def sync_live(self) -> None:
        """Apply the console's commands, then publish the state it shows (also when paused).

        Each command is claimed with the journal's length before it is applied
        and marked consumed after, so a crash in between neither loses nor
        repeats a journaled inject (`LiveStore.settle` on the next start).
        """
        store = self.live
        if store is None:
            return
        c = self.controller
        for command in self._live_call(lambda s: s.pending()) or []:
            if not is_due(command, c.now):
                continue  # a room's inject, for when this team's clock gets there
            self._live_call(lambda s, cid=command.id: s.claim(cid, len(c.sim.journal)))
            self.run_command(command.kind, command.args)
            self._live_call(lambda s, cid=command.id: s.consumed(cid))
        self._live_call(lambda s: s.publish(drill_state(c)))

    def _take_up_facilitator_clock(self) -> None:
        """After a restart, the pace the facilitator set (and in a room, whether the room's
        clock runs): otherwise a team that rejoins runs at the default pace, or stands
        still, while the others go on. A drill alone resumes paused, as it always did."""
        speed, paused = self._live_call(lambda store: store.facilitator_clock()) or (None, None)
        if speed is not None:
            self.controller.set_speed(speed)
        if paused is not None and self.room:
            self.controller.paused = paused

    def run_command(self, kind: str, args: dict[str, Any]) -> None:
        """One console command on this drill."""
        c = self.controller
        if kind in ("pause", "resume"):
            c.paused = kind == "pause"
            self.refresh_view()
        elif kind == "speed":
            self.action_speed(int(args.get("index", c.speed_index)))
        elif kind == "fire_inject":
            self.action_fire_inject(int(args["index"]), str(args.get("text", "")))
        elif kind == "skip_to_next_event":
            self.action_skip()
        elif kind == "skip_to_detection":
            self.action_to_detection()

    def _live_call(self, call: Callable[[LiveStore], Any]) -> Any:
        """A store call that never stops the drill: on a store error, say so once and go
        on without the console (the session file still has everything)."""
        if self.live is None:
            return None
        try:
            return call(self.live)
        except LiveError as err:
            self.live = None
            self.notify(self.tr("live.lost", error=str(err)), severity="error", timeout=15)
            return None

    def step(self, wall_seconds: float) -> Update:
        """Move the clock by `wall_seconds` at the current speed and show the result."""
        update = self.controller.advance(wall_seconds)
        self.apply(update)
        return update

    def flush(self) -> None:
        """Show what an action just added to the feed, even while paused."""
        c = self.controller
        if c.sim.finished:
            return
        paused, c.paused = c.paused, False
        try:
            update = c.advance(0.0)
        finally:
            c.paused = paused
        self.apply(update)

    def apply(self, update: Update) -> None:
        """Hand one step's result to the widgets and open or close prompts."""
        feed = self.query_one(Feed)
        feed.add(update.items)
        for decision in update.closed:
            if decision.timed_out:
                point = self.controller.scenario.decision_points[decision.point]
                label = (point.options[decision.option].label if decision.option >= 0
                         else self.tr("prompt.nothing"))
                self.notify(self.tr("prompt.timeout", label=label), severity="warning")
                self._close_prompt_modal(decision.point)
        if update.paused_by is not None and update.paused_by != "decision":
            what = self._moment(update.notable[-1]) if update.notable else ""
            self.notify(self.tr("autopause.paused", what=what), severity="warning")
        self.refresh_view()
        self.show_next_prompt()  # also those that opened while another modal was up
        if update.finished and not self.debriefed:
            self.debriefed = True
            self.controller.save()
            self.show_debrief()

    def _moment(self, item: FeedItem) -> str:
        """'14:05 a news story is out': what a jump or an auto-pause stopped at."""
        tr = self.tr
        return tr("moment.at", clock=tr.clock(self.controller.scenario.start, item.t),
                  what=tr(f"moment.{item.kind}"))

    def refresh_view(self) -> None:
        c, tr = self.controller, self.tr
        start = c.scenario.start
        m = c.metrics()
        m["clock"] = tr.clock(start, c.now)
        m["speed_text"] = tr("status.speed", speed=c.speed)
        m["reputation_start"] = c.scenario.reputation.start
        self.query_one(Metrics).data = m
        self.query_one(Chart).data = m
        detected = c.sim.detected_at
        self.query_one(StatusLine).status = Status(
            title=c.scenario.title, clock=m["clock"], speed=c.speed, paused=c.paused,
            finished=c.sim.finished,
            watching_since=None if detected is None else tr.clock(start, detected),
            listening=detected is None and c.sim.coverage.covered(c.now),
            open_prompts=len(c.open))
        self.query_one(Desk).view = desk_view(c, tr)
        feed = self.query_one(Feed)
        feed.set_watching(bool(m["detected"]))
        if self.prompt_modal is not None:
            self.prompt_modal.show_clock(self._countdown(self.prompt_modal.prompt))

    def _countdown(self, prompt: Prompt) -> str:
        """The prompt's clock line: frozen, real minutes left, or simulated time left."""
        c, tr = self.controller, self.tr
        if c.prompt_clock == "freeze":
            text = tr("prompt.frozen")
        elif c.prompt_clock == "real":
            left = round(c.seconds_left(prompt) or 0.0)
            text = tr("prompt.real_left", left=f"{left // 60}:{left % 60:02d}")
        else:
            text = tr("prompt.left", left=duration(max(0.0, prompt.deadline - c.now)))
        return f"{text} ({tr('status.paused')})" if c.paused else text

    # ---- prompts ------------------------------------------------------------------------
    def on_screen_resume(self) -> None:
        self.call_after_refresh(self.show_next_prompt)

    def show_next_prompt(self) -> None:
        if self.prompt_modal is not None or self.app.screen is not self:
            return
        waiting = self.controller.showing()
        if waiting:
            self.show_prompt(waiting[0])

    def show_prompt(self, prompt: Prompt) -> None:
        c = self.controller
        later = self.tr("prompt.later_until", clock=self.tr.clock(c.scenario.start,
                                                                  prompt.deadline))
        modal = PromptModal(prompt, self.tr, c.scenario.start, self._countdown(prompt), later)
        self.prompt_modal = modal
        self.app.push_screen(modal, lambda option: self._answered(prompt.index, option))

    def _answered(self, point: int, option: int | None) -> None:
        self.prompt_modal = None
        c = self.controller
        if point in c.open:
            if option is None:
                c.defer(point)
            else:
                decision = c.decide(point, option)
                label = c.scenario.decision_points[point].options[decision.option].label
                self.notify(self.tr("prompt.decided", label=label))
                self.flush()
        self.refresh_view()
        self.call_after_refresh(self.show_next_prompt)

    def _close_prompt_modal(self, point: int) -> None:
        modal = self.prompt_modal
        if modal is not None and modal.prompt.index == point and self.app.screen is modal:
            modal.dismiss(None)

    # ---- actions (keys, palette, buttons) -------------------------------------------------
    def action_pause(self) -> None:
        self.controller.paused = not self.controller.paused
        self.refresh_view()

    def action_speed(self, index: int) -> None:
        self.controller.set_speed(index)
        self.refresh_view()

    def action_faster(self) -> None:
        self.action_speed(self.controller.speed_index + 1)

    def action_slower(self) -> None:
        self.action_speed(self.controller.speed_index - 1)

    def action_skip(self) -> None:
        self._jumped(self.controller.skip_to_next_event())

    def action_to_detection(self) -> None:
        self._jumped(self.controller.skip_to_detection())

    def _jumped(self, update: Update) -> None:
        """Show where a jump stopped: the moment, or the end of the run."""
        c = self.controller
        if update.notable:
            self.notify(self.tr("jump.arrived", what=self._moment(update.notable[-1])))
        elif update.opened:
            self.notify(self.tr("jump.arrived", what=self.tr(
                "moment.at", clock=self.tr.clock(c.scenario.start, c.now),
                what=self.tr("moment.decision"))))
        elif c.frozen:
            self.notify(self.tr("jump.frozen"), severity="warning")
        update.paused_by = None  # a jump pauses by itself; no second notice
        self.apply(update)

    def action_filter(self) -> None:
        """Cycle the feed's view: all, brand, media, questions to the brand."""
        self.query_one(Feed).next_filter()

    def action_act(self) -> None:
        self.action_lever("acknowledge", "empathetic")

    def action_lever(self, kind: str, tone: str) -> None:
        self.app.push_screen(ActionModal(self.tr, kind, tone), self._chosen)

    def _chosen(self, action: Action | None) -> None:
        """Deleting comments is the one lever that cannot be taken back: confirm it first."""
        if action is None:
            return
        if action.kind == "delete":
            tr = self.tr
            self.app.push_screen(
                ConfirmModal(tr("confirm.delete.title"), tr("confirm.delete.body"),
                             tr("confirm.delete.yes"), tr("confirm.no")),
                lambda yes: self._acted(action) if yes else None)
            return
        self._acted(action)

    def _acted(self, action: Action) -> None:
        self.controller.act(action)
        tr = self.tr
        c = self.controller
        clock = tr.clock(c.scenario.start, c.now)
        if action.is_statement and c.scenario.plan.approval_delay_h > 0:
            out = tr.clock(c.scenario.start, c.now + c.scenario.plan.approval_delay_h)
            self.notify(tr("action.queued", kind=tr(f"kind.{action.kind}"), clock=out))
        else:
            self.notify(tr("action.done_at", kind=tr(f"kind.{action.kind}"), clock=clock))
        self.flush()

    def action_prompt(self) -> None:
        if not self.controller.open:
            self.notify(self.tr("prompt.none_open"))
            return
        self.controller.reopen()
        self.show_next_prompt()

    def action_fire_inject(self, index: int, text: str = "") -> None:
        """Fire a scenario inject now: called for the facilitator's console."""
        self.controller.fire_inject(index, text)
        kind = self.tr.inject_kind(self.controller.scenario.injects[index].kind)
        self.notify(self.tr("facilitator.fired", kind=kind))
        self.flush()

    def action_forecast(self) -> None:
        """Forecast the last lever asked about (first: an empathetic acknowledgement): now,
        in a few hours, or never, forked from the drill's own state."""
        c = self.controller
        self.query_one(Forecast).start(c.scenario, c.session.seed, c.sim.journal, c.now,
                                       sim=c.sim)

    def action_forecast_lever(self) -> None:
        """Choose any lever (kind and tone) and forecast it."""
        c = self.controller
        self.query_one(Forecast).choose_lever(c.scenario, c.session.seed, c.sim.journal,
                                              c.now, sim=c.sim)

    def action_help(self) -> None:
        self.app.push_screen(HelpModal(self.tr))

    # ---- the end ------------------------------------------------------------------------
    def show_debrief(self) -> None:
        c, tr = self.controller, self.tr
        self.app.push_screen(localized(DebriefScreen, tr)(
            tr("debrief.title", title=c.scenario.title),
            tr("debrief.subtitle", team=c.session.team, seed=c.session.seed),
            debrief_lines(c, tr), tr, analyse=self._analyse))

    def _analyse(self) -> Debrief:
        """The one debrief computation the screen and the reports share (a worker calls it)."""
        from tui.reports.after_action import debrief

        c = self.controller
        return debrief(c.session, replicas=self.debrief_replicas, scenario=c.scenario)
