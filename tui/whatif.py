"""Forecasts and counterfactuals on paired replicas.

Both compare two journals of the same drill: the one the team played and one
with a single change. Each replica forks the run at the moment of the change
(`Simulation(fork=...)`): the past is exactly the drill's, the future is
replica k's in both arms, so the difference is the change's effect and not a
lucky draw. Results are a mean paired difference with a 95% interval, for
trust first (what the crisis costs the brand) and then attention.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator import Action, JournalEntry, Simulation, Strategy
from simulator.analysis import rank_key
from simulator.config import Scenario

#: outcomes compared, trust first (drills are scored on it), then attention
METRICS = ("reputation_end", "negative_posts", "sharers", "reach")
#: how sentences name them
LABELS = {"reputation_end": "trust at the end", "negative_posts": "negative posts",
          "sharers": "sharers", "reach": "reach"}
#: index outcomes: a change in points reads better than a % of an index that starts near 20
POINTS = frozenset({"reputation_end", "reputation_min", "trust_30d", "trust_dip"})


@dataclass(frozen=True)
class Comparison:
    """Alternative minus base for one metric, over paired replicas."""

    metric: str
    base: float
    alternative: float
    diff: float
    ci_low: float
    ci_high: float
    replicas: int

    @property
    def relative_pct(self) -> float:
        return 100.0 * self.diff / self.base if self.base else math.nan

    @property
    def label(self) -> str:
        return LABELS.get(self.metric, self.metric.replace("_", " "))

    @property
    def in_points(self) -> bool:
        """Whether the change is told in index points (trust) rather than in %."""
        return self.metric in POINTS

    def sentence(self, what: str) -> str:
        """'acting now would raise trust at the end by 1.2 points (95% interval ...)', or
        'acting now would cut reach by 31% (95% interval -40% to -22%)'."""
        if self.in_points:
            if not (self.diff or self.ci_low or self.ci_high):
                return f"{what}: no measurable effect on {self.label}"
            verb = "raise" if self.diff > 0 else "lower"
            return (f"{what} would {verb} {self.label} by {abs(self.diff):.1f} points "
                    f"(95% interval {self.ci_low:+.1f} to {self.ci_high:+.1f})")
        if not self.base:
            return f"{what}: no measurable effect on {self.label}"
        rel = self.relative_pct
        lo, hi = sorted((100.0 * self.ci_low / self.base, 100.0 * self.ci_high / self.base))
        verb = "cut" if rel < 0 else "raise"
        return (f"{what} would {verb} {self.label} by {abs(rel):.0f}% "
                f"(95% interval {lo:+.0f}% to {hi:+.0f}%)")

    def short(self) -> str:
        """'negative posts +12%' or 'trust at the end -0.8 points': for a list of effects."""
        if self.in_points:
            return f"{self.label} {self.diff:+.1f} points"
        return f"{self.label} {self.relative_pct:+.0f}%" if self.base else ""


def _interval(diffs: np.ndarray) -> tuple[float, float]:
    from scipy import stats

    if diffs.size < 2 or diffs.std(ddof=1) == 0:
        m = float(diffs.mean()) if diffs.size else 0.0
        return m, m
    half = stats.t.ppf(0.975, diffs.size - 1) * diffs.std(ddof=1) / math.sqrt(diffs.size)
    return float(diffs.mean() - half), float(diffs.mean() + half)


def _summaries(scenario: Scenario, seed: int, journal: Sequence[JournalEntry],
               fork_at: float, replicas: int, until: float | None,
               strategy: Strategy | None = None) -> list[dict[str, Any]]:
    out = []
    for k in range(replicas):
        sim = Simulation(scenario, seed=seed, journal=list(journal), fork=(fork_at, k),
                         strategy=strategy)
        sim.run(until)
        out.append(sim.summary())
    return out


def _outcomes(scenario: Scenario, seed: int, journal: Sequence[JournalEntry],
              fork_at: float, replicas: int, until: float | None,
              strategy: Strategy | None = None) -> np.ndarray:
    """Replicas x METRICS."""
    return np.asarray([[float(s[m]) for m in METRICS] for s in _summaries(
        scenario, seed, journal, fork_at, replicas, until, strategy)])


def compare(scenario: Scenario, seed: int, base: Sequence[JournalEntry],
            alternative: Sequence[JournalEntry], fork_at: float, replicas: int = 16,
            until: float | None = None) -> dict[str, Comparison]:
    """Alternative journal versus base journal, forked at `fork_at`, per metric."""
    a = _outcomes(scenario, seed, base, fork_at, replicas, until)
    b = _outcomes(scenario, seed, alternative, fork_at, replicas, until)
    result = {}
    for j, metric in enumerate(METRICS):
        diffs = b[:, j] - a[:, j]
        lo, hi = _interval(diffs)
        result[metric] = Comparison(metric, float(a[:, j].mean()), float(b[:, j].mean()),
                                    float(diffs.mean()), lo, hi, replicas)
    return result


def _sorted(entries: Sequence[JournalEntry]) -> list[JournalEntry]:
    return sorted(entries, key=lambda e: e.at_h)


def forecast(scenario: Scenario, seed: int, journal: Sequence[JournalEntry], now: float,
             action: Action | None = None, wait_h: float = 6.0,
             replicas: int = 16) -> dict[str, Comparison]:
    """'Act now' versus 'wait `wait_h` more hours' (then act), to the end of the run."""
    action = action or Action("acknowledge", "empathetic")
    later = _sorted([*journal, JournalEntry(now + wait_h, action)])
    sooner = _sorted([*journal, JournalEntry(now, action)])
    return compare(scenario, seed, later, sooner, fork_at=now, replicas=replicas)


def reply_at_detection(scenario: Scenario, seed: int, journal: Sequence[JournalEntry],
                       detected_at: float | None, replicas: int = 16
                       ) -> dict[str, Comparison] | None:
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
        moved = [*journal, JournalEntry(detected_at, Action("acknowledge", "empathetic"))]
    return compare(scenario, seed, journal, _sorted(moved), fork_at=detected_at,
                   replicas=replicas)


def without(scenario: Scenario, seed: int, journal: Sequence[JournalEntry], index: int,
            replicas: int = 12) -> dict[str, Comparison]:
    """The effect of one journal entry: the run without it versus the run with it."""
    entry = journal[index]
    rest = [e for i, e in enumerate(journal) if i != index]
    return compare(scenario, seed, rest, journal, fork_at=entry.at_h, replicas=replicas)


def percentile_among(scenario: Scenario, seed: int, team: Mapping[str, Any],
                     strategies: Sequence[Strategy], replicas: int = 6
                     ) -> tuple[float, dict[str, dict[str, float]]]:
    """Share (%) of built-in strategy runs the team's outcome beats, trust first.

    Runs are ordered by `simulator.analysis.rank_key` (higher trust at the
    end, then fewer negative posts); a tie counts half. Strategies play the
    drill's scenario and seed, forked at 0 into replicas. Returns the
    percentile and each strategy's mean outcomes (METRICS).
    """
    mine = rank_key(team)
    worse = ties = total = 0
    means: dict[str, dict[str, float]] = {}
    for st in strategies:
        runs = _summaries(scenario, seed, [], 0.0, replicas, None, strategy=st)
        for run in runs:
            key = rank_key(run)
            worse += key > mine
            ties += key == mine
        total += len(runs)
        means[st.name] = {m: float(np.mean([float(r[m]) for r in runs])) for m in METRICS}
    return (100.0 * (worse + 0.5 * ties) / total if total else math.nan), means
