"""'Act now vs wait 6 h': a forecast computed off the UI thread.

`start(...)` copies what the forecast needs (scenario, seed, journal, now) and
runs `tui.whatif.forecast` in a thread worker, which posts `Forecast.Ready`
(or `Forecast.Failed`) back; the panel shows one sentence per metric, trust
first, then attention. The clock keeps running meanwhile: the result says
which moment it is about.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from simulator import Action, JournalEntry
from simulator.config import Scenario
from tui.i18n import Strings
from tui.whatif import Comparison, forecast

WAIT_H = 6.0


#: Dutch names of the compared outcomes (tui.whatif.METRICS, trust first)
NL_LABELS = {"reputation_end": "het vertrouwen aan het eind",
             "negative_posts": "het aantal negatieve berichten", "sharers": "het aantal klagers",
             "reach": "het bereik"}


def _nl(x: float) -> str:
    """A signed number with one decimal, Dutch style ('+1,2')."""
    return f"{x:+.1f}".replace(".", ",")


def sentence(tr: Strings, comparison: Comparison) -> str:
    """The comparison in words; the English sentence is the whatif module's own."""
    what = tr("forecast.what")
    if tr.locale == "en":
        return comparison.sentence(what)
    c = comparison
    metric = NL_LABELS.get(c.metric, c.metric.replace("_", " "))
    if c.in_points:  # trust: index points
        if not (c.diff or c.ci_low or c.ci_high):
            return f"{what}: geen meetbaar effect op {metric}"
        verb = "verhogen" if c.diff > 0 else "verlagen"
        return (f"{what} zou {metric} met {_nl(abs(c.diff))[1:]} punt {verb} "
                f"(95%-interval {_nl(c.ci_low)} tot {_nl(c.ci_high)})")
    if not c.base:
        return f"{what}: geen meetbaar effect op {metric}"
    rel = c.relative_pct
    lo, hi = sorted((100.0 * c.ci_low / c.base, 100.0 * c.ci_high / c.base))
    verb = "verlagen" if rel < 0 else "verhogen"
    return (f"{what} zou {metric} met {abs(rel):.0f}% {verb} "
            f"(95%-interval {lo:+.0f}% tot {hi:+.0f}%)")


class Forecast(VerticalScroll):
    """The forecast panel."""

    DEFAULT_CSS = """
    Forecast {
        border: round $primary-muted;
        border-title-color: $text;
        padding: 0 1;
        height: auto;
        min-height: 4;
    }
    Forecast > Static { width: 1fr; height: auto; }
    Forecast.-running { color: $text-muted; }
    """

    class Ready(Message):
        def __init__(self, results: dict[str, Comparison], at: float) -> None:
            super().__init__()
            self.results = results
            self.at = at

    class Failed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, tr: Strings, replicas: int = 12, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tr = tr
        self.replicas = replicas
        self.results: dict[str, Comparison] | None = None
        self.at: float | None = None
        self.start_iso = ""

    def compose(self) -> ComposeResult:
        yield Static(id="text")

    def update(self, content: Content | str) -> None:
        self.query_one("#text", Static).update(content)

    def on_mount(self) -> None:
        self.border_title = self.tr("forecast.title", hours=f"{WAIT_H:g}")
        self.update(self.tr("forecast.hint", hours=f"{WAIT_H:g}"))

    def start(self, scenario: Scenario, seed: int, journal: Sequence[JournalEntry],
              now: float) -> None:
        """Begin a forecast from this moment (a running one is superseded)."""
        self.start_iso = scenario.start
        self.border_subtitle = ""
        self.add_class("-running")
        self.update(self.tr("forecast.running", n=self.replicas))
        self._compute(scenario, seed, list(journal), now)

    @work(thread=True, exclusive=True, group="forecast")
    def _compute(self, scenario: Scenario, seed: int, journal: list[JournalEntry],
                 now: float) -> None:
        worker = get_current_worker()
        try:
            results = forecast(scenario, seed, journal, now,
                               action=Action("acknowledge", "empathetic"), wait_h=WAIT_H,
                               replicas=self.replicas)
        except Exception as exc:  # shown in the panel; the drill goes on
            if not worker.is_cancelled:
                self.post_message(self.Failed(f"{type(exc).__name__}: {exc}"))
            return
        if not worker.is_cancelled:
            self.post_message(self.Ready(results, now))

    def on_forecast_ready(self, message: Ready) -> None:
        self.results, self.at = message.results, message.at
        self.remove_class("-running")
        self.border_subtitle = self.tr("forecast.at",
                                       clock=self.tr.clock(self.start_iso, message.at))
        lines = [Content(f"• {sentence(self.tr, c)}") for c in message.results.values()]
        self.update(Content("\n").join(lines))

    def on_forecast_failed(self, message: Failed) -> None:
        self.remove_class("-running")
        self.update(Content.from_markup("[$error]$m[/]", m=self.tr("forecast.failed",
                                                                   error=message.error)))

    @property
    def sentences(self) -> list[str]:
        if not self.results:
            return []
        return [sentence(self.tr, c) for c in self.results.values()]
