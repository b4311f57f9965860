"""Forecasts and counterfactuals on paired futures.

Every question here is "from this moment, what if?": the drill's past is
kept exactly and the future is forked from it (`simulator.futures`: a copy
of the running simulation, not a replay from hour 0) into paired replicas,
so the difference between two arms is the change's effect and not a lucky
draw. Results are mean paired differences with a 95% interval, for trust
first (what the crisis costs the brand) and then attention, with the
absolute means of both arms; an interval that spans zero is "no clear
effect", never a direction.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from simulator import Action, JournalEntry, Simulation, Strategy
from simulator import futures as F
from simulator.analysis import rank_key
from simulator.config import Scenario
from simulator.intervals import t_half_width
from simulator.outcomes import Unit, label_of, names
from simulator.population import build_network

#: outcomes compared, trust first (drills are scored on it), then attention, then the
#: mechanisms a debrief explains an effect with
METRICS = ("reputation_end", "trust_30d", "negative_posts", "sharers", "reach",
           "reply_seen", "silence_h", "media_pickups", "first_media_at_h",
           "deletions_noticed")
#: index outcomes: a change in points reads better than a % of an index that starts near 20
POINTS = names(unit=Unit.INDEX)
#: moments and lengths: a change in hours
HOURS = names(unit=Unit.HOURS) | names(unit=Unit.CLOCK)
#: the lever a forecast tries when none is given
DEFAULT_ACTION = Action("acknowledge", "empathetic")


@dataclass(frozen=True)
class Comparison:
    """Alternative minus base for one metric, over paired replicas (means of both arms)."""

    metric: str
    base: float
    alternative: float
    diff: float
    ci_low: float
    ci_high: float
    replicas: int  # the pairs compared (a moment that never came is not a pair)

    @property
    def clear(self) -> bool:
        """Whether the 95% interval excludes zero: the replicas agree on a direction."""
        return self.ci_low > 0 or self.ci_high < 0

    @property
    def relative_pct(self) -> float:
        return 100.0 * self.diff / self.base if self.base else math.nan

    @property
    def label(self) -> str:
        return label_of(self.metric)

    @property
    def in_points(self) -> bool:
        """Whether the change is told in index points (trust) rather than in %."""
        return self.metric in POINTS

    @property
    def in_hours(self) -> bool:
        return self.metric in HOURS

    @property
    def known(self) -> bool:
        """Whether there was anything to compare (e.g. no media story in any replica)."""
        return self.replicas > 0 and not math.isnan(self.diff)

    def _number(self, x: float) -> str:
        if self.in_points:
            return f"{x:.1f}"
        return f"{x:.1f} h" if self.in_hours else f"{x:,.0f}"

    def sentence(self, what: str) -> str:
        """'acting now would raise trust at the end by 1.2 points, from 15.0 to 16.2 (95%
        interval +0.4 to +2.0)'; 'acting now: no clear effect on reach (...)'."""
        if not self.known:
            return f"{what}: nothing to compare on {self.label}"
        span = f"from {self._number(self.base)} to {self._number(self.alternative)}"
        if self.in_points or self.in_hours or not self.base:
            unit = " h" if self.in_hours else ""
            interval = f"95% interval {self.ci_low:+.1f} to {self.ci_high:+.1f}{unit}"
        else:
            lo, hi = sorted((100.0 * self.ci_low / self.base, 100.0 * self.ci_high / self.base))
            interval = f"95% interval {lo:+.0f}% to {hi:+.0f}%"
        if not self.clear:
            return f"{what}: no clear effect on {self.label} ({span}; {interval})"
        if self.in_points:
            verb = "raise" if self.diff > 0 else "lower"
            return (f"{what} would {verb} {self.label} by {abs(self.diff):.1f} points, "
                    f"{span} ({interval})")
        if self.in_hours:
            verb = "lengthen" if self.diff > 0 else "shorten"
            if self.metric == "first_media_at_h":
                verb = "delay" if self.diff > 0 else "bring forward"
            return f"{what} would {verb} {self.label} by {abs(self.diff):.1f} h ({interval})"
        verb = "raise" if self.diff > 0 else "cut"
        size = f"{abs(self.relative_pct):.0f}%" if self.base else f"{abs(self.diff):,.0f}"
        return f"{what} would {verb} {self.label} by {size}, {span} ({interval})"

    def short(self) -> str:
        """'negative posts -25%', 'trust at the end +1.2 points' or 'reach: no clear effect'."""
        if not self.known:
            return ""
        if not self.clear:
            return f"{self.label}: no clear effect"
        if self.in_points:
            return f"{self.label} {self.diff:+.1f} points"
        if self.in_hours:
            return f"{self.label} {self.diff:+.1f} h"
        return (f"{self.label} {self.relative_pct:+.0f}%" if self.base
                else f"{self.label} {self.diff:+,.0f}")


def _interval(diffs: np.ndarray) -> tuple[float, float]:

    if diffs.size < 2 or diffs.std(ddof=1) == 0:
        m = float(diffs.mean()) if diffs.size else math.nan
        return m, m
    half = t_half_width(diffs.std(ddof=1), diffs.size)
    return float(diffs.mean() - half), float(diffs.mean() + half)


def _value(run: Mapping[str, Any], metric: str) -> float | None:
    value = run.get(metric)
    return None if value is None else float(value)


def compare_runs(base: Sequence[Mapping[str, Any]], alternative: Sequence[Mapping[str, Any]],
                 metrics: Sequence[str] = METRICS) -> dict[str, Comparison]:
    """Alternative minus base per metric, replica k against replica k.

    A replica where either arm lacks the value (a first media story that
    never came) is left out of that metric's pairs; with no pair at all the
    comparison is NaN and not `known`.
    """
    out = {}
    for metric in metrics:
        pairs = [(a, b) for a, b in ((_value(x, metric), _value(y, metric))
                                     for x, y in zip(base, alternative, strict=True))
                 if a is not None and b is not None]
        if not pairs:
            nan = math.nan  # the one NaN object: equal results compare equal
            out[metric] = Comparison(metric, nan, nan, nan, nan, nan, 0)
            continue
        a, b = np.asarray(pairs).T
        lo, hi = _interval(b - a)
        out[metric] = Comparison(metric, float(a.mean()), float(b.mean()),
                                 float((b - a).mean()), lo, hi, len(pairs))
    return out


# ---- the drill's past, and two journals forked from it ------------------------------------
def _sorted(entries: Sequence[JournalEntry]) -> list[JournalEntry]:
    return sorted(entries, key=lambda e: e.at_h)


def past(scenario: Scenario, seed: int, journal: Sequence[JournalEntry], at: float,
         strategy: Strategy | None = None) -> Simulation:
    """The run with the journal's entries before `at`, stopped at `at` (a fork's start)."""
    sim = Simulation(scenario, seed=seed, strategy=strategy,
                     journal=[e for e in journal if e.at_h < at])
    sim.run(at)
    return sim


def compare(scenario: Scenario, seed: int, base: Sequence[JournalEntry],
            alternative: Sequence[JournalEntry], fork_at: float, replicas: int = 16,
            until: float | None = None) -> dict[str, Comparison]:
    """Alternative journal versus base journal, forked at `fork_at`, per metric.

    Both journals must agree before `fork_at` (that is the shared past);
    their entries from `fork_at` on are the two arms.
    """
    before = [e for e in base if e.at_h < fork_at]
    if before != [e for e in alternative if e.at_h < fork_at]:
        raise ValueError(f"the journals differ before the fork at {fork_at:g} h")
    sim = past(scenario, seed, before, fork_at)
    runs = F.run(sim, [F.Arm("base", tuple(e for e in base if e.at_h >= fork_at)),
                       F.Arm("alternative", tuple(e for e in alternative
                                                  if e.at_h >= fork_at))],
                 replicas, until)
    return compare_runs(runs["base"], runs["alternative"])


def forecast(scenario: Scenario, seed: int, journal: Sequence[JournalEntry], now: float,
             action: Action | None = None, wait_h: float = 6.0,
             replicas: int = 16) -> dict[str, Comparison]:
    """'Act now' versus 'wait `wait_h` more hours' (then act), to the end of the run."""
    action = action or DEFAULT_ACTION
    later = _sorted([*journal, JournalEntry(now + wait_h, action)])
    sooner = _sorted([*journal, JournalEntry(now, action)])
    return compare(scenario, seed, later, sooner, fork_at=now, replicas=replicas)


def reply_at_detection(scenario: Scenario, seed: int, journal: Sequence[JournalEntry],
                       detected_at: float | None, replicas: int = 16,
                       until: float | None = None) -> dict[str, Comparison] | None:
    """What replying at detection would have changed (None if not detected)."""
    if detected_at is None:
        return None
    statements = [e for e in journal if e.action is not None and e.action.is_statement]
    if statements and statements[0].at_h <= detected_at + 1e-9:
        return None  # the team already replied at detection
    if statements:
        first = statements[0]
        moved = [JournalEntry(detected_at, first.action) if e is first else e for e in journal]
    else:
        moved = [*journal, JournalEntry(detected_at, DEFAULT_ACTION)]
    return compare(scenario, seed, journal, _sorted(moved), fork_at=detected_at,
                   replicas=replicas, until=until)


def without(scenario: Scenario, seed: int, journal: Sequence[JournalEntry], index: int,
            replicas: int = 12, until: float | None = None) -> dict[str, Comparison]:
    """The effect of one journal entry: the run without it versus the run with it."""
    entry = journal[index]
    rest = [e for i, e in enumerate(journal) if i != index]
    return compare(scenario, seed, rest, journal, fork_at=entry.at_h, replicas=replicas,
                   until=until)


# ---- what each entry did: one progressive run -----------------------------------------------
#: mechanism -> the metric that measures it, in the order an explanation lists them
MECHANISMS = (("silence_h", "silence_h"), ("reply_seen", "reply_seen"),
              ("deletions_noticed", "deletions_noticed"), ("media_stories", "media_pickups"))


@dataclass(frozen=True)
class Mechanism:
    """One thing an entry clearly moved, as means over replicas without and with it."""

    mechanism: str  # silence_h, reply_seen, deletions_noticed, media_stories
    without: float
    acted: float

    @property
    def direction(self) -> str:
        return "more" if self.acted > self.without else "less"


def explain(comparisons: Mapping[str, Comparison]) -> list[Mechanism]:
    """Which mechanisms an entry moved (alternative = with it, base = without it).

    Only clear changes count (the 95% interval excludes zero); listed in a
    fixed order: the silence before the reply, who saw the reply, noticed
    deletions, media stories. Pure: words are the debrief's business.
    """
    out = []
    for mechanism, metric in MECHANISMS:
        c = comparisons.get(metric)
        if c is not None and c.known and c.clear:
            out.append(Mechanism(mechanism, c.base, c.alternative))
    return out


@dataclass(frozen=True)
class EntryEffect:
    """One journal entry against doing nothing at that moment (the rest of the journal kept)."""

    index: int
    entry: JournalEntry
    comparisons: dict[str, Comparison]  # alternative: with the entry, base: without it
    mechanisms: list[Mechanism] = field(default_factory=list)


def action_effects(scenario: Scenario, seed: int, journal: Sequence[JournalEntry],
                   replicas: int = 16, until: float | None = None) -> list[EntryEffect]:
    """Every journal entry's effect, on paired futures forked at its time, in one run.

    One base run goes through the journal in time order: at each entry it
    forks "with this entry and everything after" against "without it,
    everything else after", then applies the entry and goes on. Entries at
    or after `until` (or the end) had no time to act and are left out.
    Returned in journal order.
    """
    sim = Simulation(scenario, seed=seed)
    end = sim.duration if until is None else min(float(until), sim.duration)
    order = sorted(range(len(journal)), key=lambda i: (journal[i].at_h, i))
    forked: list[int] = []  # the journal index of each set of futures started

    def starts() -> Iterator[F.Futures]:
        for pos, i in enumerate(order):
            entry = journal[i]
            if entry.at_h >= end:
                return
            sim.run(entry.at_h)
            after = tuple(journal[j] for j in order[pos + 1:])
            forked.append(i)
            yield F.start(sim, [F.Arm("with", (entry, *after)), F.Arm("without", after)],
                          replicas, until)
            sim.apply(entry)

    out = []
    for n, runs in enumerate(F.overlapped(starts())):
        comps = compare_runs(runs["without"], runs["with"])
        i = forked[n]
        out.append(EntryEffect(i, journal[i], comps, explain(comps)))
    return sorted(out, key=lambda e: e.index)


# ---- a forecast for any lever ----------------------------------------------------------------
class DrillState(NamedTuple):
    """What a forecast needs when there is no live simulation to fork."""

    scenario: Scenario
    seed: int
    journal: Sequence[JournalEntry]
    now: float


#: the three arms of a lever forecast
ARMS = ("now", "later", "never")


@dataclass
class LeverForecast:
    """'Do X now, in N hours, or never': per-replica outcomes of the three arms."""

    at: float
    action: Action
    wait_h: float
    outcomes: dict[str, list[dict[str, Any]]]  # arm -> outcome of each replica

    @property
    def replicas(self) -> int:
        return len(self.outcomes["now"])

    def mean(self, arm: str, metric: str) -> float:
        """The mean over replicas (NaN when no replica has the value)."""
        values = [float(o[metric]) for o in self.outcomes[arm] if o.get(metric) is not None]
        return float(np.mean(values)) if values else math.nan

    def series(self, arm: str, key: str = "hourly_negative") -> list[float]:
        """The mean hourly series of an arm (`hourly_negative`, `hourly_trust`, `hourly_reach`)."""
        return F.mean_series(self.outcomes[arm], key)

    def effect(self, arm: str, against: str = "never") -> dict[str, Comparison]:
        """Arm minus `against`, paired by replica."""
        return compare_runs(self.outcomes[against], self.outcomes[arm])


@dataclass
class LeverRun:
    """A lever forecast under way: forked already, `result()` waits (in any thread)."""

    futures: F.Futures
    at: float
    action: Action
    wait_h: float

    def result(self) -> LeverForecast:
        return LeverForecast(self.at, self.action, self.wait_h, self.futures.results())

    def cancel(self) -> None:
        """Stop it from any thread (a newer forecast supersedes it); `result()` then raises."""
        self.futures.cancel()


def start_lever(sim: Simulation, action: Action | None = None, wait_h: float = 6.0,
                replicas: int = 16, until: float | None = None) -> LeverRun:
    """Fork 'now / in `wait_h` h / never' for `action` from `sim` as it is (in its thread)."""
    action = action or DEFAULT_ACTION
    now = sim.now
    arms = [F.Arm("now", (JournalEntry(now, action),)),
            F.Arm("later", (JournalEntry(now + wait_h, action),)), F.Arm("never")]
    return LeverRun(F.start(sim, arms, replicas, until), now, action, wait_h)


def forecast_lever(sim_or_state: Simulation | DrillState, action: Action | None = None,
                   wait_h: float = 6.0, replicas: int = 16,
                   until: float | None = None) -> LeverForecast:
    """What if we do `action` now, in `wait_h` hours, or never: three arms from one fork.

    Any action kind and tone. From a live simulation (forked as it is now)
    or from a drill's state (its journal replayed up to `now`, the entries
    at `now` included, as the drill has applied them).
    """
    if isinstance(sim_or_state, Simulation):
        sim = sim_or_state
    else:
        st = sim_or_state
        sim = Simulation(st.scenario, seed=st.seed,
                         journal=[e for e in st.journal if e.at_h <= st.now])
        sim.run(st.now)
    return start_lever(sim, action, wait_h, replicas, until).result()


# ---- the team among the built-in strategies ---------------------------------------------------
def percentile_among(scenario: Scenario, seed: int, team: Mapping[str, Any],
                     strategies: Sequence[Strategy], replicas: int = 6,
                     journal_injects: Sequence[JournalEntry] = (),
                     until: float | None = None
                     ) -> tuple[float, dict[str, dict[str, float]]]:
    """Share (%) of built-in strategy runs the team's outcome beats, trust first.

    Runs are ordered by `simulator.analysis.rank_key` (higher trust at the
    end, then fewer negative posts); a tie counts half. Strategies play the
    drill's scenario and seed, forked at 0 into replicas; they face the same
    facilitator-fired injects as the team (`journal_injects`: the inject
    entries of its journal; other entries are ignored) and stop at the same
    hour (`until`: where a quit drill stopped). Returns the percentile and
    each strategy's mean outcomes (METRICS, NaN where no replica has one).
    """
    injects = tuple(e for e in journal_injects if e.inject is not None)
    net = build_network(scenario, int(seed))  # once: every strategy plays the same graph
    mine = rank_key(team)
    worse = ties = total = 0
    means: dict[str, dict[str, float]] = {}
    starts = (F.start(Simulation(scenario, seed=seed, strategy=st, network=net),
                      [F.Arm(st.name, injects)], replicas, until) for st in strategies)
    for st, got in zip(strategies, F.overlapped(starts), strict=True):
        runs = got[st.name]
        for run in runs:
            key = rank_key(run)
            worse += key > mine
            ties += key == mine
        total += len(runs)
        means[st.name] = {}
        for m in METRICS:
            values = [float(r[m]) for r in runs if r.get(m) is not None]
            means[st.name][m] = float(np.mean(values)) if values else math.nan
    return (100.0 * (worse + 0.5 * ties) / total if total else math.nan), means
