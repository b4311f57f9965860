"""After-action debriefs of drills, and a leaderboard of teams.

One computation, `debrief(session)`, replays the session (scenario, seed,
journal) and measures on paired replicas forked at the moment that matters:
what each action did against doing nothing at that moment, what replying at
detection would have changed, and where the team's outcome falls among the
built-in strategies. The TUI's debrief screen (`screen_lines`), the Markdown
and the HTML report (`blocks`) all render that one `Debrief`, through the same
formatting functions, so they cannot show different numbers.

Honesty rules, because a debrief that overstates teaches the wrong lesson:
an effect whose 95% interval spans zero reads "no clear effect"; a drill
stopped early is compared with strategies run for the same time, and one too
short (before detection, or under `MIN_SHARE` of the run) is not scored; a
facilitator's extra injects are faced by the strategies too. Every score is
trust first, then attention, by `simulator.analysis.rank_key`. Every label
comes from `tui.i18n` in the scenario's language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from scenarios import ScenarioFile, library_strategies, load_scenario, load_strategy
from simulator import Action, JournalEntry, Simulation, Strategy, __version__
from simulator.analysis import rank_key
from simulator.config import DecisionPoint, Scenario, fingerprint
from simulator.counterfactual import (
    Comparison,
    Mechanism,
    action_effects,
    percentile_among,
    reply_at_detection,
)
from simulator.outcomes import Unit, names
from tui.i18n import Strings, duration
from tui.reports.blocks import Block, render_html, render_md
from tui.session import Session, SessionError

#: unfinished drills shorter than this share of the run are too short to score
MIN_SHARE = 0.10
#: the attention outcomes an effect lists after trust
ATTENTION = ("negative_posts", "reach")


# ---- the computation -------------------------------------------------------------------
#: paired replicas per comparison: the drill's debrief screen and `stormdrill report` use the
#: same number, so they show the same figures (futures are forked, so 30 stay affordable)
DEBRIEF_REPLICAS = 30

@dataclass(frozen=True)
class Effect:
    """A change against doing nothing at that moment, on paired replicas."""

    comparisons: Mapping[str, Comparison]
    reasons: tuple[Mechanism, ...] = ()  # the mechanisms it clearly moved (explain)


@dataclass(frozen=True)
class Row:
    """One line of the timeline: a decision, an action (with its effect) or an inject."""

    at_h: float
    kind: Literal["decision", "action", "inject"]
    text: str
    effect: Effect | None = None


@dataclass(frozen=True)
class DecisionRecord:
    """A decision point of the scenario and what the team did with it."""

    index: int
    point: DecisionPoint
    chosen: int | None = None  # option index; -1: nothing; None: never answered
    at_h: float | None = None
    timed_out: bool = False


@dataclass
class Score:
    """Where the team stands among the built-in strategies, and on what terms."""

    status: Literal["scored", "too_short", "skipped"] = "skipped"
    percentile: float | None = None
    strategy_means: dict[str, dict[str, float]] = field(default_factory=dict)
    until: float | None = None  # the strategies' run length (None: the whole run)
    injects: int = 0  # the facilitator's extra injects the strategies faced too
    too_short_why: str = ""  # "before_detection" or "short"


@dataclass
class Debrief:
    """Everything the debrief screen and the after-action report show for one session."""

    session: Session
    scenario: ScenarioFile
    summary: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    decisions: list[DecisionRecord] = field(default_factory=list)
    at_detection: Effect | None = None
    score: Score = field(default_factory=Score)
    notes: list[tuple[float | None, str]] = field(default_factory=list)
    hourly: list[int] = field(default_factory=list)
    reputation: list[float] = field(default_factory=list)

    @property
    def tr(self) -> Strings:
        return Strings(self.scenario.locale)

    @property
    def finished(self) -> bool:
        return self.session.finished

    @property
    def extra_injects(self) -> list[JournalEntry]:
        return [e for e in self.session.journal if e.inject is not None]

    def clock(self, t: float) -> str:
        return self.tr.clock(self.scenario.start, t)


def action_label(action: Action, tr: Strings) -> str:
    """'Reply to complainants (defensive): "No."'; the tone only where it exists (statements)."""
    label = tr(f"kind.{action.kind}")
    if action.is_statement:
        label = f"{label} ({tr(f'tone.{action.tone}')})"
    return f'{label}: "{action.text}"' if action.text else label


def inject_kind(scenario: Scenario, index: int, tr: Strings) -> str:
    """'journalist inquiry': what kind of inject the facilitator fired."""
    if not 0 <= index < len(scenario.injects):
        return str(index)
    return tr(f"inject.{scenario.injects[index].kind}")


def inject_label(scenario: Scenario, entry: JournalEntry, tr: Strings) -> str:
    """'Inject: journalist inquiry', with the facilitator's own text when they typed one."""
    label = tr("debrief.inject", kind=inject_kind(scenario, entry.inject or 0, tr))
    return f'{label}: "{entry.text}"' if entry.text else label


def option_label(point: DecisionPoint, option: int | None, tr: Strings) -> str:
    if option is None:
        return tr("aar.not_answered")
    return point.options[option].label if 0 <= option < len(point.options) else \
        tr("prompt.nothing")


def facilitator_notes(session: Session) -> list[tuple[float | None, str]]:
    """The facilitator's notes (simulation hour or None, text) from the console's live store.

    The console keeps them next to the session (`tui.live`); a drill played
    without a console has none. A damaged store is a LiveError (a ValueError
    naming the file), not a report that silently lacks the notes.
    """
    if session.path is None:
        return []
    from tui.live import notes_of

    return [(n.clock_h, n.text) for n in notes_of(session.path)]


def _action_effects(scenario: Scenario, seed: int, journal: Sequence[JournalEntry],
                    replicas: int, until: float | None) -> list[Effect | None]:
    """Each journal entry's effect against doing nothing at that moment, in journal order.

    None for an entry at or after the end (it had no time to act).
    """
    found = {e.index: Effect(e.comparisons, tuple(e.mechanisms))
             for e in action_effects(scenario, seed, journal, replicas, until)}
    return [found.get(i) for i in range(len(journal))]


def debrief(session: Session, replicas: int = DEBRIEF_REPLICAS, with_percentile: bool = True,
            scenario: Scenario | None = None,
            strategies: Sequence[Strategy] | None = None) -> Debrief:
    """Replay a session and measure what its decisions cost or saved.

    `strategies`: what the team is ranked against (default: the library's).
    """
    sc = ScenarioFile.of(scenario) if scenario is not None else load_scenario(session.scenario)
    journal = list(session.journal)
    until = None if session.finished else session.clock_h
    sim = Simulation(sc, seed=session.seed, journal=journal)
    sim.run(until)
    summary = sim.summary()
    tr = Strings(sc.locale)
    d = Debrief(session, sc, summary, hourly=list(summary["hourly_negative"]),
                reputation=[float(x) for x in sim.reputation_h[: sim.hours_done + 1]],
                notes=facilitator_notes(session))
    answered = {dec.point: dec for dec in session.decisions}
    for i, point in enumerate(sc.decision_points):
        dec = answered.get(i)
        d.decisions.append(DecisionRecord(i, point) if dec is None else DecisionRecord(
            i, point, dec.option, dec.at_h, dec.timed_out))
        if dec is not None:
            text = tr("debrief.decision", n=i + 1, label=option_label(point, dec.option, tr))
            d.rows.append(Row(dec.at_h, "decision", tr("debrief.timed_out", text=text)
                              if dec.timed_out else text))
    effects = _action_effects(sc, session.seed, journal, replicas, until)
    for entry, effect in zip(journal, effects, strict=True):
        if entry.action is None:
            d.rows.append(Row(entry.at_h, "inject", inject_label(sc, entry, tr), effect))
        else:
            d.rows.append(Row(entry.at_h, "action", action_label(entry.action, tr), effect))
    d.rows.sort(key=lambda r: (r.at_h, r.kind != "decision"))
    res = reply_at_detection(sc, session.seed, journal, sim.detected_at, replicas,
                             until=until)
    d.at_detection = Effect(res) if res is not None else None
    d.score = _score(d, sim.detected_at, with_percentile, strategies,
                     max(2, replicas // 2))
    return d


def _score(d: Debrief, detected_at: float | None, with_percentile: bool,
           strategies: Sequence[Strategy] | None, replicas: int) -> Score:
    """Rank the team, or say why not: a drill stopped too early has no fair comparison."""
    s = d.session
    score = Score(until=None if s.finished else s.clock_h, injects=len(d.extra_injects))
    if not s.finished and (detected_at is None or detected_at > s.clock_h):
        score.status, score.too_short_why = "too_short", "before_detection"
    elif not s.finished and s.clock_h < MIN_SHARE * d.scenario.duration_h:
        score.status, score.too_short_why = "too_short", "short"
    elif with_percentile:
        if strategies is None:
            strategies = [load_strategy(e.name) for e in library_strategies()]
        score.percentile, score.strategy_means = percentile_among(
            d.scenario, s.seed, d.summary, strategies, replicas=replicas,
            journal_injects=d.extra_injects, until=score.until)
        score.status = "scored"
    return score


# ---- wording (shared by the screen and the report) ------------------------------------
def number(value: float, spec: str, tr: Strings) -> str:
    """`format(value, spec)` as the language writes it: 1,234.5 in English, 1.234,5 in Dutch."""
    return tr.number(value, spec)


def measure(c: Comparison, tr: Strings) -> str:
    """'trust at the end +1.2 points (95% interval +0.4 to +2.0)', or '...: no clear effect'."""
    if c.replicas == 0 or math.isnan(c.diff):
        return ""  # nothing to compare (e.g. no media story in any replica)
    label = tr(f"aar.metric.{c.metric}")
    if c.in_points:
        value, lo, hi = (number(x, "+.1f", tr) for x in (c.diff, c.ci_low, c.ci_high))
        value = tr("aar.points", value=value)
    elif c.base:
        value, lo, hi = (number(100.0 * x / c.base, "+.0f", tr) + "%"
                         for x in (c.diff, c.ci_low, c.ci_high))
    else:  # nothing to take a share of: absolute counts
        value, lo, hi = (number(x, "+,.0f", tr) for x in (c.diff, c.ci_low, c.ci_high))
    if not c.clear:
        return tr("aar.no_clear", label=label, lo=lo, hi=hi)
    return tr("aar.clear", label=label, value=value, lo=lo, hi=hi)


def _number(mechanism: str, value: float, tr: Strings) -> str:
    if mechanism.endswith("_h"):
        return duration(value)
    return number(value, ",.0f" if float(value).is_integer() else ",.1f", tr)


def reasons_text(reasons: Sequence[Mechanism], tr: Strings) -> str:
    """Why, from the explanation data: 'the reply was seen by 1,200 people (without it: 0)'."""
    parts = []
    for r in reasons:
        key = f"aar.why.{r.mechanism}"
        values = {"acted": _number(r.mechanism, r.acted, tr),
                  "without": _number(r.mechanism, r.without, tr)}
        parts.append(tr(key, **values) if tr.has(key) else
                     tr("aar.why.other", what=r.mechanism.replace("_", " "), **values))
    return "; ".join(parts)


def effect_parts(effect: Effect | None, tr: Strings) -> tuple[str, str, str]:
    """(trust, attention, why) of one effect: the cells of the report and the screen's lines."""
    if effect is None:
        return "", "", ""
    comp = effect.comparisons
    trust = measure(comp["reputation_end"], tr) if "reputation_end" in comp else ""
    attention = "; ".join(filter(None, (measure(comp[m], tr) for m in ATTENTION if m in comp)))
    return trust, attention, reasons_text(effect.reasons, tr)


def _value(v: Any, tr: Strings) -> str:
    if v is None:
        return tr("metrics.never")
    return number(v, ",.1f" if isinstance(v, float) else ",", tr)


#: the outcomes a debrief lists: trust first, then attention, then the response times
KEYS = ("reputation_end", "trust_dip", "reputation_min", "trust_30d", "negative_posts",
        "sharers", "reach", "peak_hourly_negative", "detected_at_h", "first_response_at_h",
        "first_media_at_h", "media_pickups")
CLOCK_KEYS = names(unit=Unit.CLOCK)


def outcome_rows(d: Debrief) -> list[tuple[str, str]]:
    """(label, value) of every outcome; moments as clock times (the summary is a fresh replay)."""
    tr = d.tr
    return [(tr(f"aar.out.{k}"), d.clock(d.summary[k]) if k in CLOCK_KEYS and d.summary.get(k)
             is not None else _value(d.summary.get(k), tr)) for k in KEYS]


def drift(d: Debrief) -> list[str]:
    """What changed since the team played: 'scenario' (the file's fingerprint differs from
    the one the session stored), 'version', both or neither."""
    return d.session.drift(fingerprint(d.scenario), __version__)


def board_team(d: Debrief) -> str:
    """A team's cell on the leaderboard: its name, marked unfinished or other scenario version."""
    tr = d.tr
    text = d.session.team if d.finished else tr("aar.team_unfinished", team=d.session.team,
                                                 clock=d.clock(d.session.clock_h))
    return tr("aar.team_changed", team=text) if "scenario" in drift(d) else text


def marks(d: Debrief) -> list[str]:
    """What makes this drill not a plain full run: stopped early, extra injects."""
    tr, out = d.tr, []
    if not d.finished:
        out.append(tr("aar.unfinished", clock=d.clock(d.session.clock_h),
                      share=100.0 * d.session.clock_h / d.scenario.duration_h))
    if d.extra_injects:
        kinds = ", ".join(f"{inject_kind(d.scenario, e.inject or 0, tr)} ({d.clock(e.at_h)})"
                          for e in d.extra_injects)
        out.append(tr("aar.with_injects", n=len(d.extra_injects), kinds=kinds))
    for what in drift(d):
        out.append(tr(f"aar.drift.{what}"))
    return out


def score_text(d: Debrief) -> str:
    """The percentile sentence, with its terms; or why there is none."""
    tr, sc = d.tr, d.score
    if sc.status == "too_short":
        why = (tr("aar.short.before_detection") if sc.too_short_why == "before_detection"
               else tr("aar.short.share", share=100.0 * MIN_SHARE))
        return tr("aar.too_short", clock=d.clock(d.session.clock_h), why=why)
    if sc.status != "scored" or sc.percentile is None:
        return ""
    terms = []
    if sc.until is not None:
        terms.append(tr("aar.terms.until", clock=d.clock(sc.until)))
    if sc.injects:
        terms.append(tr("aar.terms.injects", n=sc.injects))
    text = tr("aar.percentile", pct=sc.percentile)
    return f"{text} {' '.join(terms)}" if terms else text


def detection_text(d: Debrief) -> str:
    if d.at_detection is None:
        return ""
    trust, attention, why = effect_parts(d.at_detection, d.tr)
    return d.tr("aar.at_detection") + ": " + "; ".join(filter(None, (trust, attention, why)))


def screen_lines(d: Debrief) -> list[tuple[str, str]]:
    """The debrief for the drill's last screen as (left column, text): every row, no cut-off."""
    tr = d.tr
    lines = [("!", m) for m in marks(d)]
    if text := score_text(d):
        lines.append(("", text))
    if text := detection_text(d):
        lines.append(("", text))
    lines += [(label, value) for label, value in outcome_rows(d)]
    for row in d.rows:
        lines.append((d.clock(row.at_h), row.text))
        trust, attention, why = effect_parts(row.effect, tr)
        lines += [("", f"  {part}") for part in (trust, attention) if part]
        if why:
            lines.append(("", f"  {tr('aar.col.why')}: {why}"))
    return lines


def summary_lines(d: Debrief) -> list[str]:
    """`screen_lines` as plain strings (what the drill screen's analysis showed before)."""
    return [f"{left}  {text}" if left else text for left, text in screen_lines(d)]


# ---- the report ------------------------------------------------------------------------
def _chart_svg(d: Debrief) -> str:
    """Hourly negative posts and the trust index, the team's actions marked."""
    from simulator.plots import drill_chart_svg

    tr = d.tr
    return drill_chart_svg(d.hourly, d.reputation, [row.at_h for row in d.rows],
                           (tr("aar.chart.hour"), tr("aar.chart.negative"),
                            tr("aar.chart.trust")))


def _decision_blocks(d: Debrief) -> list[Block]:
    tr, out = d.tr, []
    for rec in d.decisions:
        out.append(("h", 4, tr("aar.decision_head", n=rec.index + 1,
                                clock=d.clock(rec.point.at_h), prompt=rec.point.prompt)))
        chosen = option_label(rec.point, rec.chosen, tr)
        if rec.at_h is not None:
            chosen = tr("aar.chosen_at", label=chosen, clock=d.clock(rec.at_h))
        if rec.timed_out:
            chosen = tr("debrief.timed_out", text=chosen)
        out += [("p", f"{tr('aar.chosen')}: **{chosen}**"),
                ("table", [tr("aar.col.option"), tr("aar.col.chosen"), tr("aar.col.note")],
                 [[o.label + (f" ({tr('aar.recommended')})" if o.recommended else ""),
                   "x" if rec.chosen == j else "", o.note]
                  for j, o in enumerate(rec.point.options)])]
    return out


def team_blocks(d: Debrief, charts: bool = False) -> list[Block]:
    """One team's part of the report."""
    tr = d.tr
    out: list[Block] = [("h", 2, tr("aar.team", team=d.session.team))]
    out += [("p", f"**{m}**") for m in marks(d)]
    roles = [[tr(f"role.{k}"), v] for k, v in d.session.roles.items() if v]
    if roles:
        out.append(("table", [tr("aar.col.role"), tr("aar.col.person")], roles))
    out += [("h", 3, tr("aar.outcomes")),
            ("table", [tr("aar.col.outcome"), tr("aar.col.value")],
             [list(r) for r in outcome_rows(d)])]
    if text := score_text(d):
        out.append(("p", text))
    if d.score.status == "scored":
        means = sorted(d.score.strategy_means.items(), key=lambda kv: rank_key(kv[1]))
        out.append(("table", [tr("aar.col.strategy"), tr("aar.col.mean_trust"),
                              tr("aar.col.mean_negative")],
                    [[k, number(v["reputation_end"], ".1f", tr),
                      number(v["negative_posts"], ",.0f", tr)]
                     for k, v in means]))
    if text := detection_text(d):
        out.append(("p", text + "."))
    out += [("h", 3, tr("aar.timeline")), ("p", tr("aar.timeline_help"))]
    rows = [[d.clock(r.at_h), r.text, *effect_parts(r.effect, tr)] for r in d.rows]
    out.append(("table", [tr("aar.col.time"), tr("aar.col.what"), tr("aar.col.trust"),
                          tr("aar.col.attention"), tr("aar.col.why")], rows)
               if rows else ("p", tr("debrief.empty")))
    if d.decisions:
        out += [("h", 3, tr("aar.decisions")), *_decision_blocks(d)]
    out.append(("h", 3, tr("aar.notes")))
    out.append(("table", [tr("aar.col.time"), tr("aar.col.note")],
                [[tr("aar.no_clock") if t is None else d.clock(t), text]
                 for t, text in d.notes]) if d.notes
               else ("p", tr("aar.no_notes")))
    if charts:
        out.append(("svg", _chart_svg(d), tr("aar.chart.caption", team=d.session.team)))
    return out


def blocks(debriefs: list[Debrief], charts: bool = False) -> list[Block]:
    """The report as blocks: the scenario and its objectives, a leaderboard, each team."""
    first = debriefs[0]
    tr, sc = first.tr, first.scenario
    out: list[Block] = [("p", tr("aar.scenario", title=sc.title, name=sc.name,
                                 seed=first.session.seed, clock=first.clock(0.0),
                                 hours=number(sc.duration_h, "g", tr)))]
    if sc.briefing.learning_objectives:
        out += [("h", 2, tr("briefing.objectives")), ("ul", list(sc.briefing.learning_objectives))]
    if len(debriefs) > 1:
        ranked = sorted(debriefs, key=lambda d: rank_key(d.summary))
        out += [("h", 2, tr("aar.leaderboard")), ("p", tr("aar.ranking")),
                ("table", [tr("aar.col.rank"), tr("aar.col.team"),
                           *(tr(f"aar.out.{k}") for k in ("reputation_end", "trust_dip",
                                                           "negative_posts", "sharers", "reach"))],
                 [[str(rank), board_team(d),
                   *(_value(d.summary[k], tr) for k in ("reputation_end", "trust_dip",
                                                         "negative_posts", "sharers", "reach"))]
                  for rank, d in enumerate(ranked, 1)])]
        if not all(d.finished for d in debriefs):
            out.append(("p", tr("aar.board_unfinished")))
        if any("scenario" in drift(d) for d in debriefs):
            out.append(("p", tr("aar.board_changed")))
    for i, d in enumerate(debriefs):
        if i or len(debriefs) > 1:
            out.append(("break",))
        out += team_blocks(d, charts)
    return out


def title(debriefs: list[Debrief]) -> str:
    return debriefs[0].tr("aar.title")


def markdown(debriefs: list[Debrief]) -> str:
    """The report as Markdown."""
    return f"# {title(debriefs)}\n\n" + render_md(blocks(debriefs), Path("."))


def html(debriefs: list[Debrief]) -> str:
    """The report as one self-contained, printable HTML page."""
    return render_html(blocks(debriefs, charts=True), title(debriefs),
                       lang=debriefs[0].scenario.locale)


def write_session_report(paths: list[Path], out_file: Path,
                         replicas: int = DEBRIEF_REPLICAS) -> Path:
    """Write the after-action report (or leaderboard) of one or more sessions.

    An existing `out_file` is replaced only if it is a previous report
    (ReportPathError), so a session or any other file of the user's is safe.
    """
    from tui.reports.batch import check_report_output, write_report_text

    check_report_output(out_file, paths)
    sessions = [Session.load(p) for p in paths]
    keys = {(s.scenario, s.seed) for s in sessions}
    if len(keys) > 1:
        raise SessionError("a leaderboard compares sessions of the same scenario and seed; got "
                         + ", ".join(f"{sc} seed {seed}" for sc, seed in sorted(keys)))
    debriefs = [debrief(s, replicas) for s in sessions]
    text = markdown(debriefs) if out_file.suffix.lower() == ".md" else html(debriefs)
    write_report_text(out_file, text)
    return out_file
