"""Decision points against the model: every option of a drill prompt on paired replicas.

A drill scenario's decision points offer options with a debrief `note`, and
some options are marked `recommended`. Both must agree with what the model
does. For each decision point this module plays every option on the same
replicas and compares them, trust first (`reputation_end`, higher is better,
the drill's first ranking key) and attention second (`negative_posts`, lower
is better):

- **history**: the team before the prompt let every earlier prompt time out,
  so each earlier point's `on_timeout` option (nothing when it is -1) is
  applied *at that point's `at_h`*, as if decided promptly. The drill applies
  an option the moment it is chosen, so prompt time is the natural baseline
  and keeps the history strictly before the point being evaluated;
- **options**: each option's actions are journaled at the point's `at_h`;
- **replicas**: replica k plays run seed `seed + k`, forked into future k
  (`Simulation(fork=...)`) just before the prompt, so every option of the
  point shares replica k's past and its future draws, and the options'
  differences are paired. Forking a hair before `at_h` (rather than at it)
  lets the option's own random draws (whether a deletion is noticed, who
  re-ignites after a defensive reply) come from replica k too, instead of
  being one draw shared by every replica. Replicas differ in both past and
  future, so the notes are about the scenario, not about one lucky run.

An option's result is its mean `reputation_end` and `negative_posts` and the
paired difference against the point's best option (by `rank_key`: trust,
then volume) with a 95% t interval (`simulator.analysis.mean_ci`).

The check (`PointResult.problems`): every point has at least one
recommended option, and no recommended option is significantly worse on
trust than any other option of its point (the paired 95% interval of
recommended minus other lies entirely below 0). The reverse condition, a
non-recommended option significantly better than a recommended one, is the
same interval read the other way, so it is covered. Points in `REPORTED`
are where the model, not the note, looks wrong against the evidence: their
recommendation follows the evidence, the check's failure is shown and
reported, and it does not count as a failure of the library.

Recommendations hold for this history. Some depend on it: a public offer
counts like an apology in the model, so it is the best trust move where
nothing accommodative has been said yet and adds only volume after an
apology. `--history recommended` replays each point after the earlier
points' recommended options instead, to show which recommendations depend
on the path (the notes say so in words where they do).

This module only returns results and text (`evaluate`, `format_table`,
`markdown`, `render_doc`). `python -m tests.regenerate decisions` rewrites the
generated block of docs/scenarios.md (every library scenario, timeout
history); `python -m tests.regenerate decisions --print [--only NAME ...]
[--history recommended]` prints the table and writes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios.loader import load_scenario
from simulator.actions import Action, JournalEntry
from simulator.analysis import ci_cell, fmt, mean_ci, rank_key
from simulator.config import DecisionOption, DecisionPoint, Scenario
from simulator.outcomes import HEADLINE
from simulator.simulation import Simulation

BLOCK = "DECISIONS"
SECTION = "## Decision points against the model"
#: fork this long (hours) before the prompt, so the option's own draws are the replica's
FORK_LEAD_H = 1e-6
#: outcomes compared: trust first (the drill's primary key), then attention
METRICS = HEADLINE
DEFAULT_REPLICAS = 24
DEFAULT_SEED = 1

#: points where the check fails because the model, not the note, looks wrong: the option
#: the evidence backs (docs/model.md, "1. Overview"; docs/model.md, "6. Trust") stays
#: recommended and its note is not bent to the model. Remove an entry once the engine
#: changes and the point passes again.
REPORTED: dict[tuple[str, int], str] = {}  # none open: the last three were fixed in the engine


@dataclass(frozen=True)
class Diff:
    """Mean paired difference with its 95% t interval."""

    mean: float
    low: float
    high: float

    @classmethod
    def of(cls, values: np.ndarray) -> Diff:
        st = mean_ci([float(v) for v in values])
        return cls(st["mean"], st["ci_low"], st["ci_high"])

    @property
    def below_zero(self) -> bool:
        """The whole interval lies below 0 (significantly negative)."""
        return not math.isnan(self.high) and self.high < 0

    @property
    def above_zero(self) -> bool:
        return not math.isnan(self.low) and self.low > 0

    def cell(self) -> str:
        return ci_cell(self.mean, self.low, self.high, signed=True)


@dataclass(frozen=True)
class OptionResult:
    """One option of a decision point over the replicas."""

    index: int
    label: str
    recommended: bool
    trust: float  # mean reputation_end
    negative: float  # mean negative_posts
    trust_vs_best: Diff  # this option minus the point's best, reputation_end
    negative_vs_best: Diff  # the same for negative_posts


@dataclass(frozen=True)
class PointResult:
    """Every option of one decision point, compared on paired replicas."""

    scenario: str
    index: int
    at_h: float
    prompt: str
    replicas: int
    best: int
    options: list[OptionResult]
    outcomes: np.ndarray  # options x replicas x METRICS

    def diff(self, a: int, b: int, metric: str = "reputation_end") -> Diff:
        """Option a minus option b, paired by replica."""
        j = METRICS.index(metric)
        return Diff.of(self.outcomes[a, :, j] - self.outcomes[b, :, j])

    def significantly_worse(self, a: int) -> list[int]:
        """Options that option a is significantly worse than on trust."""
        return [b for b in range(len(self.options))
                if b != a and self.diff(a, b).below_zero]

    def supported(self) -> list[int]:
        """Options the check accepts as recommended: not significantly worse on trust
        than any other option of the point."""
        return [a for a in range(len(self.options)) if not self.significantly_worse(a)]

    def problems(self, recommended: Sequence[int] | None = None) -> list[str]:
        """Why the recommendation fails the check ([] when it passes).

        `recommended` defaults to the options the scenario marks; pass another
        set to test a different recommendation on the same replicas.
        """
        rec = ([o.index for o in self.options if o.recommended] if recommended is None
               else list(recommended))
        where = f"{self.scenario} point {self.index} (at {self.at_h:g} h)"
        if not rec:
            return [f"{where}: no option is recommended"]
        out = []
        for a in rec:
            for b in self.significantly_worse(a):
                d = self.diff(a, b)
                out.append(f"{where}: recommended option {a} ({self.options[a].label!r}) is "
                           f"significantly worse on trust than option {b} "
                           f"({self.options[b].label!r}): {d.cell()}")
        return out


# ---- running --------------------------------------------------------------------------------
def option_entries(option: DecisionOption | None, at_h: float) -> list[JournalEntry]:
    """The journal entries of choosing `option` at `at_h` (none for None or a wait)."""
    if option is None:
        return []
    return [JournalEntry(at_h, Action(spec.kind, spec.tone, spec.text))
            for spec in option.actions]


def _timeout_option(point: DecisionPoint) -> DecisionOption | None:
    i = point.on_timeout
    return point.options[i] if 0 <= i < len(point.options) else None


def _recommended_option(point: DecisionPoint) -> DecisionOption | None:
    chosen = [o for o in point.options if o.recommended]
    return chosen[0] if chosen else _timeout_option(point)


#: how the team got to a decision point (see `history`)
HISTORIES = ("timeout", "recommended")


def history(scenario: Scenario, index: int, path: str = "timeout") -> list[JournalEntry]:
    """What the team has done before point `index`.

    Earlier points (an earlier `at_h`, or the same `at_h` and a lower index)
    contribute one option each, applied at their own `at_h`: with
    `path="timeout"` (the check's baseline) the `on_timeout` option (nothing
    when it is -1); with `path="recommended"` (a robustness view) the first
    recommended option, or the timeout one where none is marked.
    """
    if path not in HISTORIES:
        raise ValueError(f"unknown history {path!r}; expected one of {', '.join(HISTORIES)}")
    pick = _timeout_option if path == "timeout" else _recommended_option
    here = scenario.decision_points[index]
    entries: list[JournalEntry] = []
    for i, point in enumerate(scenario.decision_points):
        if (point.at_h, i) < (here.at_h, index):
            entries += option_entries(pick(point), point.at_h)
    return sorted(entries, key=lambda e: e.at_h)


def run_option(scenario: Scenario, index: int, option: int, replica: int,
               seed: int = DEFAULT_SEED, path: str = "timeout") -> dict[str, Any]:
    """The summary of one replica of one option of decision point `index`."""
    point = scenario.decision_points[index]
    journal = (history(scenario, index, path)
               + option_entries(point.options[option], point.at_h))
    fork_at = max(0.0, point.at_h - FORK_LEAD_H)
    sim = Simulation(scenario, seed=seed + replica, journal=journal, fork=(fork_at, replica))
    sim.run()
    return sim.summary()


def evaluate_point(scenario: Scenario, index: int, replicas: int = DEFAULT_REPLICAS,
                   seed: int = DEFAULT_SEED, name: str = "", path: str = "timeout"
                   ) -> PointResult:
    """Every option of decision point `index` on the same `replicas` paired replicas."""
    point = scenario.decision_points[index]
    n = len(point.options)
    out = np.empty((n, replicas, len(METRICS)))
    for o in range(n):
        for k in range(replicas):
            s = run_option(scenario, index, o, k, seed, path)
            out[o, k] = [float(s[m]) for m in METRICS]
    means = out.mean(axis=1)
    best = min(range(n), key=lambda o: rank_key(dict(zip(METRICS, means[o], strict=True))))
    options = []
    for o, opt in enumerate(point.options):
        options.append(OptionResult(
            o, opt.label, opt.recommended, float(means[o, 0]), float(means[o, 1]),
            Diff.of(out[o, :, 0] - out[best, :, 0]), Diff.of(out[o, :, 1] - out[best, :, 1])))
    return PointResult(name or scenario.name, index, point.at_h, point.prompt, replicas, best,
                       options, out)


def evaluate(scenario: Scenario | str, replicas: int = DEFAULT_REPLICAS,
             seed: int = DEFAULT_SEED, points: Sequence[int] | None = None,
             name: str = "", path: str = "timeout") -> list[PointResult]:
    """Every decision point of a scenario (a library name, a path or a loaded `Scenario`)."""
    if isinstance(scenario, str):
        scenario = load_scenario(scenario)
    which = range(len(scenario.decision_points)) if points is None else points
    return [evaluate_point(scenario, i, replicas, seed, name, path) for i in which]


def problems(results: Sequence[PointResult]) -> list[str]:
    """Check failures, except at points listed in `REPORTED`."""
    return [p for r in results if (r.scenario, r.index) not in REPORTED for p in r.problems()]


def reported(results: Sequence[PointResult]) -> list[tuple[PointResult, str]]:
    """Points listed in `REPORTED` among `results`, with the reason."""
    return [(r, REPORTED[(r.scenario, r.index)]) for r in results
            if (r.scenario, r.index) in REPORTED]


def _failure_lines(r: PointResult) -> list[str]:
    bad = r.problems()
    if not bad:
        return [f"{r.scenario} point {r.index}: the reported model issue no longer "
                "reproduces: remove it from REPORTED"] if (r.scenario, r.index) in REPORTED else []
    if (r.scenario, r.index) in REPORTED:
        return [f"{r.scenario} point {r.index}: check fails, reported as a possible model "
                f"issue: {REPORTED[(r.scenario, r.index)]}", *bad]
    return [f"CHECK FAILS: {p}" for p in bad]


# ---- output ---------------------------------------------------------------------------------
def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def format_table(results: Sequence[PointResult]) -> str:
    """Plain-text table per decision point: rec = recommended in the file, ok = the check
    would accept the option as recommended (not significantly worse on trust)."""
    blocks = []
    for r in results:
        supported = set(r.supported())
        head = [f"{r.scenario}  point {r.index} at {r.at_h:g} h  ({r.replicas} paired "
                f"replicas, best: option {r.best})", f"  {_short(r.prompt, 96)}"]
        rows = [["opt", "rec", "ok", "trust end", "neg. posts", "trust vs best [95% CI]",
                 "neg. posts vs best [95% CI]", "label"]]
        for o in r.options:
            rows.append([str(o.index), "*" if o.recommended else "",
                         "yes" if o.index in supported else "no", fmt(o.trust),
                         fmt(o.negative), "best" if o.index == r.best else o.trust_vs_best.cell(),
                         "" if o.index == r.best else o.negative_vs_best.cell(),
                         _short(o.label, 48)])
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                 for row in rows]
        blocks.append("\n".join(head + lines + [f"  {p}" for p in _failure_lines(r)]))
    return "\n\n".join(blocks)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(results: Sequence[PointResult], replicas: int, seed: int) -> str:
    """The generated block of docs/scenarios.md: every scenario, point and option."""
    lines = [
        f"Each option played on the same {replicas} paired replicas (run seeds {seed} to "
        f"{seed + replicas - 1}, each forked at the prompt); earlier prompts take their "
        "timeout option at their own time. *Best* is the option with the highest mean trust "
        "at the end (then fewest negative posts); differences are option minus best, mean "
        "[95% interval]. Recommended options (✓) must not be significantly worse on trust "
        "than any other option; where the model rather than the note looks wrong, the "
        "evidence's option stays recommended and the point is reported.", ""]
    for scenario in dict.fromkeys(r.scenario for r in results):
        lines += [f"### {scenario}", "",
                  "| point | option | recommended | trust end | negative posts | "
                  "trust vs best | negative posts vs best |",
                  "|---|---|---|---|---|---|---|"]
        for r in (r for r in results if r.scenario == scenario):
            for o in r.options:
                best = o.index == r.best
                lines.append(
                    f"| {r.index} ({r.at_h:g} h) | {o.index}: {_md(o.label)} | "
                    f"{'✓' if o.recommended else ''} | {fmt(o.trust)} | {fmt(o.negative)} | "
                    f"{'best' if best else o.trust_vs_best.cell()} | "
                    f"{'' if best else o.negative_vs_best.cell()} |")
        notes = [_md(line) for r in results if r.scenario == scenario
                 for line in _failure_lines(r)]
        lines += [""] + [f"- {line}" for line in notes] + ([""] if notes else [])
    return "\n".join(lines).rstrip("\n") + "\n"


def render_doc(text: str, body: str) -> str:
    """`text` with the generated decisions block replaced (appended with its section if absent)."""
    from scenarios.reference import render

    if f"<!-- BEGIN GENERATED {BLOCK} -->" not in text:
        text = (text.rstrip("\n") + f"\n\n{SECTION}\n\n"
                "Every decision point's options played against the model on paired replicas "
                "(`scenarios/decisions.py`); regenerate with "
                "`python -m tests.regenerate decisions`. The option notes in the scenario "
                "files say what this table shows, trust first and volume second; "
                "`tests/scenarios/test_decisions.py` checks the recommended options with "
                f"fewer replicas.\n\n<!-- BEGIN GENERATED {BLOCK} -->\n"
                f"<!-- END GENERATED {BLOCK} -->\n")
    return render(text, BLOCK, body)
