"""Forecasts for any lever: do X now, in 6 hours, or never, computed off the UI thread.

`start(..., sim=..., action=...)` forks the paired futures from the drill's
live simulation in the calling (UI) thread, which takes milliseconds and
copies the simulation at one consistent moment; a thread worker then waits
for them and posts `Forecast.Ready` (or `Forecast.Failed`). Without `sim`
the drill's state is replayed to `now` in the worker thread instead. The
panel shows, for each arm, the absolute trust at the end and negative
posts with their paired difference against "never" ("no clear effect" when
the 95% interval spans zero), a sparkline of negative posts per hour, and
the sentences. `LeverModal` lets the team choose the lever (kind and tone).
The clock keeps running meanwhile: the result says which moment it is about.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Select, Static
from textual.worker import get_current_worker

from simulator import Action, JournalEntry, Simulation
from simulator.actions import ACTION_KINDS, TONES
from simulator.config import Scenario
from simulator.counterfactual import (
    ARMS,
    DEFAULT_ACTION,
    Comparison,
    DrillState,
    LeverForecast,
    LeverRun,
    forecast_lever,
    start_lever,
)
from tui.i18n import Strings

WAIT_H = 6.0
#: the outcomes the panel shows, trust first
SHOWN = ("reputation_end", "negative_posts")
SPARKS = "▁▂▃▄▅▆▇█"
CHART_WIDTH = 20  # fits the side panel (and its scrollbar) next to the arm's name


def lever_label(tr: Strings, action: Action) -> str:
    """'Acknowledge and apologise (empathetic)'; the tone only where it matters."""
    label = tr(f"kind.{action.kind}")
    return f"{label} ({tr(f'tone.{action.tone}')})" if action.is_statement else label


def sparkline(values: Sequence[float], top: float, width: int = CHART_WIDTH) -> str:
    """Values as block characters on a shared scale `top`, at most `width` wide (means of
    neighbouring hours when there are more)."""
    if not values:
        return ""
    step = max(1, math.ceil(len(values) / width))
    cols = [sum(values[i:i + step]) / len(values[i:i + step])
            for i in range(0, len(values), step)]
    top = top if top > 0 else 1.0
    return "".join(SPARKS[min(len(SPARKS) - 1, int(v / top * (len(SPARKS) - 1) + 0.5))]
                   for v in cols)


def _fmt(tr: Strings, metric: str, x: float, signed: bool = False) -> str:
    spec = ("+" if signed else "") + (".1f" if metric == "reputation_end" else ",.0f")
    return tr.number(x, spec)


def sentence(tr: Strings, what: str, c: Comparison) -> str:
    """One comparison against "never" in the drill's language; no direction unless clear."""
    label = tr(f"lever.metric.{c.metric}")
    values = {"what": what, "label": label, "base": _fmt(tr, c.metric, c.base),
              "alt": _fmt(tr, c.metric, c.alternative)}
    if c.in_points or not c.base:
        values["lo"], values["hi"] = (_fmt(tr, c.metric, x, True) for x in (c.ci_low, c.ci_high))
        size = _fmt(tr, c.metric, abs(c.diff))
        values["size"] = tr("lever.points", value=size) if c.in_points else size
    else:
        lo, hi = sorted(100.0 * x / c.base for x in (c.ci_low, c.ci_high))
        values["lo"], values["hi"] = tr.number(lo, "+.0f") + "%", tr.number(hi, "+.0f") + "%"
        values["size"] = tr.number(abs(c.relative_pct), ".0f") + "%"
    if not c.clear:
        return tr("lever.unclear", **values)
    return tr("lever.up" if c.diff > 0 else "lever.down", **values)


class LeverModal(ModalScreen[Action | None]):
    """Choose the lever to forecast (kind and tone); dismisses with an `Action` or None."""

    DEFAULT_CSS = """
    LeverModal { align: center middle; }
    LeverModal > Vertical {
        width: 90%;
        max-width: 70;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    LeverModal Horizontal { height: auto; }
    LeverModal Select { width: 1fr; }
    LeverModal #tone { width: 20; }
    LeverModal #buttons { margin-top: 1; align-horizontal: right; }
    LeverModal #buttons Button { margin-left: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, tr: Strings, action: Action = DEFAULT_ACTION) -> None:
        super().__init__()
        self.tr = tr
        self.action = action

    def compose(self) -> ComposeResult:
        tr = self.tr
        with Vertical() as box:
            box.border_title = tr("lever.choose")
            with Horizontal():
                yield Select([(tr(f"kind.{k}"), k) for k in ACTION_KINDS],
                             value=self.action.kind, allow_blank=False, id="kind",
                             compact=True)
                yield Select([(tr(f"tone.{t}"), t) for t in TONES], value=self.action.tone,
                             allow_blank=False, id="tone", compact=True)
            with Horizontal(id="buttons"):
                yield Button(tr("action.cancel"), id="cancel")
                yield Button(tr("lever.go"), id="go", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#go", Button).focus()

    def chosen(self) -> Action:
        kind = self.query_one("#kind", Select).value
        tone = self.query_one("#tone", Select).value
        return Action(str(kind), str(tone))  # type: ignore[arg-type]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(self.chosen() if event.button.id == "go" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Forecast(VerticalScroll):
    """The forecast panel: one lever, three arms, trust and attention."""

    DEFAULT_CSS = """
    Forecast {
        border: round $primary-muted;
        border-title-color: $text;
        padding: 0 1;
        height: auto;
        min-height: 4;
    }
    Forecast > Static { width: 1fr; height: auto; }
    Forecast.-running { color: $text; }
    """

    class Ready(Message):
        def __init__(self, result: LeverForecast) -> None:
            super().__init__()
            self.result = result
            self.at = result.at

    class Failed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, tr: Strings, replicas: int = 12, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tr = tr
        self.replicas = replicas
        self.action = DEFAULT_ACTION  # the lever `w` forecasts; `choose_lever` changes it
        self.result: LeverForecast | None = None
        self.at: float | None = None
        self.start_iso = ""
        self._lever_run: LeverRun | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="text")

    def update(self, content: Content | str) -> None:
        self.query_one("#text", Static).update(content)

    def _title(self) -> None:
        self.border_title = self.tr("lever.title", lever=lever_label(self.tr, self.action))

    def on_mount(self) -> None:
        self._title()
        self.update(self.tr("lever.hint", lever=lever_label(self.tr, self.action),
                            hours=f"{WAIT_H:g}"))

    def on_unmount(self) -> None:
        """Leaving the drill stops a running forecast: its thread would hold up the exit."""
        if self._lever_run is not None:
            self._lever_run.cancel()

    def start(self, scenario: Scenario, seed: int, journal: Sequence[JournalEntry],
              now: float, *, sim: Simulation | None = None,
              action: Action | None = None) -> None:
        """Begin a forecast from this moment (a running one is cancelled).

        With `sim` (the drill's live simulation; call from the thread that
        advances it) the futures are forked here and now, in milliseconds;
        without it the worker thread replays (scenario, seed, journal) to `now`.
        """
        if action is not None:
            self.action = action
        if self._lever_run is not None:
            self._lever_run.cancel()
            self._lever_run = None
        self.start_iso = scenario.start
        self.border_subtitle = ""
        self._title()
        self.add_class("-running")
        self.update(self.tr("lever.running", lever=lever_label(self.tr, self.action),
                            n=self.replicas))
        try:
            if sim is not None:
                self._lever_run = start_lever(sim, self.action, WAIT_H, self.replicas)
        except Exception as exc:  # shown in the panel; the drill goes on
            self.post_message(self.Failed(f"{type(exc).__name__}: {exc}"))
            return
        self._compute(self._lever_run, DrillState(scenario, seed, list(journal), now),
                      self.action)

    def choose_lever(self, scenario: Scenario, seed: int, journal: Sequence[JournalEntry],
                     now: float, *, sim: Simulation | None = None) -> None:
        """Ask which lever to forecast (`LeverModal`), then forecast it from this moment."""

        def chosen(action: Action | None) -> None:
            if action is not None:
                self.start(scenario, seed, journal, now, sim=sim, action=action)

        self.app.push_screen(LeverModal(self.tr, self.action), chosen)

    @work(thread=True, exclusive=True, group="forecast")
    def _compute(self, running: LeverRun | None, state: DrillState, action: Action) -> None:
        worker = get_current_worker()
        try:
            result = (running.result() if running is not None else
                      forecast_lever(state, action, WAIT_H, self.replicas))
        except Exception as exc:  # shown in the panel; the drill goes on
            if not worker.is_cancelled and (running is None or running is self._lever_run):
                self.post_message(self.Failed(f"{type(exc).__name__}: {exc}"))
            return
        if not worker.is_cancelled:
            self.post_message(self.Ready(result))

    def on_forecast_ready(self, message: Ready) -> None:
        self._lever_run = None
        self.result, self.at = message.result, message.at
        self.remove_class("-running")
        self.border_subtitle = self.tr("forecast.at",
                                       clock=self.tr.clock(self.start_iso, message.at))
        self.update(Content("\n").join(Content(line) for line in self.lines()))

    def on_forecast_failed(self, message: Failed) -> None:
        self._lever_run = None
        self.remove_class("-running")
        self.update(Content.from_markup("[$error]$m[/]", m=self.tr("forecast.failed",
                                                                   error=message.error)))

    def _arm(self, arm: str) -> str:
        return self.tr(f"lever.arm.{arm}", hours=f"{WAIT_H:g}")

    def lines(self) -> list[str]:
        """Per outcome: each arm's absolute mean and its difference against never ("≈" when
        the 95% interval spans zero); then a chart per arm and the sentences. Narrow
        enough for the side panel."""
        res, tr = self.result, self.tr
        if res is None:
            return []
        effects = {arm: res.effect(arm) for arm in ("now", "later")}
        width = max(len(self._arm(a)) for a in ARMS)
        out: list[str] = []
        for metric, col in zip(SHOWN, ("lever.col.trust", "lever.col.negative"), strict=True):
            out.append(f"{tr(col)} ({tr('lever.vs_never')})")
            values = {arm: _fmt(tr, metric, res.mean(arm, metric)) for arm in ARMS}
            vwidth = max(len(v) for v in values.values())
            for arm in ARMS:
                diff = ""
                if arm in effects:
                    c = effects[arm][metric]
                    diff = _fmt(tr, metric, c.diff, True) if c.clear else "≈"
                out.append(f" {self._arm(arm).ljust(width)} {values[arm].rjust(vwidth)}  {diff}")
        out.append(tr("lever.unclear_mark"))
        start = math.floor(res.at)
        series = {arm: res.series(arm)[start:] for arm in ARMS}
        top = max((max(s) for s in series.values() if s), default=0.0)
        out.append(tr("lever.chart"))
        out += [f" {self._arm(arm).ljust(width)} {sparkline(series[arm], top)}" for arm in ARMS]
        return out + [f"• {s}" for s in self.sentences]

    @property
    def sentences(self) -> list[str]:
        """Acting now, then in N hours, each against never: trust first, then attention."""
        if self.result is None:
            return []
        whats = {"now": self.tr("lever.what.now"),
                 "later": self.tr("lever.what.later", hours=f"{WAIT_H:g}")}
        return [sentence(self.tr, whats[arm], self.result.effect(arm)[metric])
                for arm in ("now", "later") for metric in SHOWN]
