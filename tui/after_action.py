"""After-action reports of drills, and a leaderboard of teams.

The debrief replays the session (scenario, seed, journal) and asks, on paired
replicas forked at the moment that matters: what did each action do, what
would replying at detection have changed, and where does the team's outcome
fall among the built-in strategies. Every score is trust first (the
reputation index the crisis leaves), then attention (negative posts, reach),
by the one rule in `simulator.analysis.rank_key`. `stormdrill report
SESSION... -o FILE` writes it as HTML (self-contained, inline SVG) or Markdown.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios import library_strategies, load_scenario, load_strategy
from simulator import Simulation
from simulator.analysis import rank_key
from simulator.config import Scenario
from tui.blocks import Block, render_html, render_md
from tui.session import Session
from tui.whatif import Comparison, percentile_among, reply_at_detection, without


@dataclass
class Debrief:
    """Everything an after-action report shows for one session."""

    session: Session
    scenario: Scenario
    summary: dict[str, Any]
    timeline: list[tuple[float, str, str]] = field(default_factory=list)  # (t, what, effect)
    at_detection: str = ""
    percentile: float | None = None
    strategy_means: dict[str, dict[str, float]] = field(default_factory=dict)
    hourly: list[int] = field(default_factory=list)
    reputation: list[float] = field(default_factory=list)


def _effect(comp: dict[str, Comparison], what: str = "this action") -> str:
    """Trust, then attention: 'this action would lower trust at the end by 0.8 points
    (...); negative posts +12%, reach +5%'."""
    tail = ", ".join(filter(None, (comp[m].short() for m in ("negative_posts", "reach"))))
    trust = comp["reputation_end"].sentence(what)
    return f"{trust}; {tail}" if tail else trust


def debrief(session: Session, replicas: int = 8, with_percentile: bool = True,
            scenario: Scenario | None = None) -> Debrief:
    """Replay a session and measure what its decisions cost or saved."""
    sc = scenario if scenario is not None else load_scenario(session.scenario)
    sim = Simulation(sc, seed=session.seed, journal=list(session.journal))
    sim.run(session.clock_h if not session.finished else None)
    summary = sim.summary()
    d = Debrief(session, sc, summary, hourly=list(summary["hourly_negative"]),
                reputation=[float(x) for x in sim.reputation_h[: sim.hours_done + 1]])
    journal = list(session.journal)
    points = sc.decision_points
    for dec in session.decisions:
        point = points[dec.point] if dec.point < len(points) else None
        if point is None:
            continue
        chosen = (point.options[dec.option].label if 0 <= dec.option < len(point.options)
                  else "nothing")
        how = "deadline missed: " if dec.timed_out else ""
        d.timeline.append((dec.at_h, f"{point.prompt} -> {how}{chosen}", ""))
    for i, entry in enumerate(journal):
        if entry.action is None:
            d.timeline.append((entry.at_h, f"facilitator fired inject {entry.inject}", ""))
            continue
        act = entry.action
        what = f"{act.kind} ({act.tone})" if act.kind in ("acknowledge", "reply") else act.kind
        if act.text:
            what += f': "{act.text}"'
        d.timeline.append((entry.at_h, what, _effect(without(sc, session.seed, journal, i,
                                                              replicas))))
    d.timeline.sort(key=lambda row: row[0])
    res = reply_at_detection(sc, session.seed, journal, sim.brand.detected_at, replicas)
    if res is not None:
        d.at_detection = _effect(res, "Replying at detection")
    if with_percentile:
        strategies = [load_strategy(e.name) for e in library_strategies()]
        d.percentile, d.strategy_means = percentile_among(
            sc, session.seed, summary, strategies, replicas=max(2, replicas // 2))
    return d


def _chart_svg(d: Debrief) -> str:
    """Hourly negative posts and the trust index, the team's actions marked."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.2))
    FigureCanvasSVG(fig)
    ax = fig.add_subplot(111)
    ax.bar(range(len(d.hourly)), d.hourly, color="#c0392b", alpha=0.7, label="negative posts/h")
    ax.set_xlabel("hour")
    ax.set_ylabel("negative posts per hour")
    for t, _, _ in d.timeline:
        ax.axvline(t, color="#2c3e50", linestyle=":", linewidth=1)
    ax2 = ax.twinx()
    ax2.plot(range(len(d.reputation)), d.reputation, color="#2980b9", label="trust")
    ax2.set_ylabel("trust (reputation index)")
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


#: the outcomes a debrief lists: trust first, then attention, then the response
KEYS = (("reputation_end", "trust at the end"), ("trust_dip", "trust dip"),
        ("reputation_min", "lowest trust"), ("trust_30d", "trust after 30 days"),
        ("negative_posts", "negative posts"), ("sharers", "negative posters"),
        ("reach", "users reached"), ("peak_hourly_negative", "peak posts/hour"),
        ("detected_at_h", "detected at (h)"), ("first_response_at_h", "first response (h)"),
        ("first_media_at_h", "first media story (h)"), ("media_pickups", "media stories"))
RANKING = "highest trust at the end first, then fewest negative posts"


def _rows(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of every KEY (the summary is a fresh replay, never an old file)."""
    return [(label, _value(summary[key])) for key, label in KEYS]


def _value(v: Any) -> str:
    if v is None:
        return "never"
    return f"{v:,.1f}" if isinstance(v, float) else f"{v:,}"


def summary_lines(d: Debrief) -> list[str]:
    """The debrief in a few lines, for the drill's last screen."""
    lines = [f"{label}: {value}" for label, value in _rows(d.summary)]
    if d.percentile is not None:
        lines.append(f"better than {d.percentile:.0f}% of the built-in strategies' runs "
                     f"({RANKING})")
    if d.at_detection:
        lines.append(d.at_detection)
    lines += [f"{t:6.2f} h  {what}: {effect}" for t, what, effect in d.timeline if effect]
    return lines


TITLE = "stormdrill after-action report"


def blocks(debriefs: list[Debrief], charts: bool = False) -> list[Block]:
    """The report as blocks (a leaderboard first when there are several teams)."""
    first = debriefs[0]
    out: list[Block] = [("p", f"Scenario: **{first.scenario.title}** ({first.scenario.name}), "
                              f"seed {first.session.seed}.")]
    if len(debriefs) > 1:
        ranked = sorted(debriefs, key=lambda d: rank_key(d.summary))
        out += [("h", 2, f"Leaderboard ({RANKING})"),
                ("table", ["rank", "team", "trust at the end", "trust dip", "negative posts",
                           "negative posters", "reach"],
                 [[str(rank), d.session.team,
                   *(_value(d.summary[k]) for k in ("reputation_end", "trust_dip",
                                                     "negative_posts", "sharers", "reach"))]
                  for rank, d in enumerate(ranked, 1)])]
    for d in debriefs:
        out += [("h", 2, f"Team {d.session.team}"),
                ("table", ["outcome", "value"], [list(row) for row in _rows(d.summary)])]
        if d.percentile is not None:
            means = sorted(d.strategy_means.items(), key=lambda kv: rank_key(kv[1]))
            out += [("p", f"The team did better than {d.percentile:.0f}% of the built-in "
                          "strategies' runs on this scenario and seed, ranked on trust first "
                          f"({RANKING})."),
                    ("table", ["built-in strategy", "mean trust at the end",
                               "mean negative posts"],
                     [[k, f"{v['reputation_end']:.1f}", f"{v['negative_posts']:,.0f}"]
                      for k, v in means])]
        if d.at_detection:
            out.append(("p", d.at_detection + "."))
        out += [("h", 3, "Timeline"),
                ("table", ["time (h)", "decision or action", "effect (paired replicas)"],
                 [[f"{t:.2f}", what, effect] for t, what, effect in d.timeline])]
        if charts:
            out.append(("svg", _chart_svg(d), f"Team {d.session.team}: negative posts per "
                                              "hour and trust, actions marked"))
    return out


def markdown(debriefs: list[Debrief]) -> str:
    """The report as Markdown."""
    return f"# {TITLE}\n\n" + render_md(blocks(debriefs), Path("."))


def write_session_report(paths: list[Path], out_file: Path, replicas: int = 8) -> Path:
    """Write the after-action report (or leaderboard) of one or more sessions."""
    sessions = [Session.load(p) for p in paths]
    keys = {(s.scenario, s.seed) for s in sessions}
    if len(keys) > 1:
        raise ValueError("a leaderboard compares sessions of the same scenario and seed; got "
                         + ", ".join(f"{sc} seed {seed}" for sc, seed in sorted(keys)))
    debriefs = [debrief(s, replicas) for s in sessions]
    out_file.parent.mkdir(parents=True, exist_ok=True)
    if out_file.suffix.lower() == ".md":
        out_file.write_text(markdown(debriefs), encoding="utf-8")
    else:
        out_file.write_text(render_html(blocks(debriefs, charts=True), TITLE), encoding="utf-8")
    return out_file
