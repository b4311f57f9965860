"""After-action reports of drills, and a leaderboard of teams.

The debrief replays the session (scenario, seed, journal) and asks, on paired
replicas forked at the moment that matters: what did each action do, what
would replying at detection have changed, and where does the team's outcome
fall among the built-in strategies. `stormdrill report SESSION... -o FILE`
writes it as HTML (self-contained, inline SVG) or Markdown.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios import library_strategies, load_scenario, load_strategy
from simulator import Simulation
from simulator.config import Scenario
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
    strategy_means: dict[str, float] = field(default_factory=dict)
    hourly: list[int] = field(default_factory=list)
    reputation: list[float] = field(default_factory=list)


def _effect(comp: dict[str, Comparison]) -> str:
    """'this action would cut sharers by 12% (...); reach -8%'."""
    reach = comp["reach"]
    tail = f"; reach {reach.relative_pct:+.0f}%" if reach.base else ""
    return comp["sharers"].sentence("this action") + tail


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
        d.at_detection = res["reach"].sentence("Replying at detection")
    if with_percentile:
        strategies = [load_strategy(e.name) for e in library_strategies()]
        d.percentile, d.strategy_means = percentile_among(
            sc, session.seed, float(summary["sharers"]), strategies, replicas=max(2, replicas // 2))
    return d


def _chart_svg(d: Debrief) -> str:
    """Hourly negative posts and reputation, the team's actions marked."""
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
    ax2.plot(range(len(d.reputation)), d.reputation, color="#2980b9", label="reputation")
    ax2.set_ylabel("reputation")
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


KEYS = (("sharers", "negative posters"), ("reach", "users reached"),
        ("peak_hourly_negative", "peak posts/hour"), ("detected_at_h", "detected at (h)"),
        ("first_response_at_h", "first response (h)"), ("media_pickups", "media stories"),
        ("reputation_end", "reputation at the end"))


def _value(v: Any) -> str:
    if v is None:
        return "never"
    return f"{v:,.1f}" if isinstance(v, float) else f"{v:,}"


def summary_lines(d: Debrief) -> list[str]:
    """The debrief in a few lines, for the drill's last screen."""
    s = d.summary
    lines = [f"{label}: {_value(s.get(key))}" for key, label in KEYS]
    if d.percentile is not None:
        lines.append(f"better than {d.percentile:.0f}% of the built-in strategies' runs")
    if d.at_detection:
        lines.append(d.at_detection)
    lines += [f"{t:6.2f} h  {what}: {effect}" for t, what, effect in d.timeline if effect]
    return lines


def markdown(debriefs: list[Debrief]) -> str:
    """The report as Markdown (a leaderboard first when there are several teams)."""
    out = ["# stormdrill after-action report", ""]
    first = debriefs[0]
    out += [f"Scenario: **{first.scenario.title}** ({first.scenario.name}), seed "
            f"{first.session.seed}.", ""]
    if len(debriefs) > 1:
        out += ["## Leaderboard (fewest negative posters first)", "",
                "| rank | team | negative posters | reach | reputation at the end |",
                "|---|---|---|---|---|"]
        ranked = sorted(debriefs, key=lambda d: (d.summary["sharers"], d.summary["reach"]))
        for rank, d in enumerate(ranked, 1):
            s = d.summary
            out.append(f"| {rank} | {d.session.team} | {s['sharers']:,} | {s['reach']:,} | "
                       f"{s['reputation_end']:.1f} |")
        out.append("")
    for d in debriefs:
        out += [f"## Team {d.session.team}", "", "| outcome | value |", "|---|---|"]
        out += [f"| {label} | {_value(d.summary.get(key))} |" for key, label in KEYS]
        out.append("")
        if d.percentile is not None:
            out += [f"The team did better than {d.percentile:.0f}% of the built-in strategies' "
                    "runs on this scenario and seed (fewer negative posters is better).", ""]
            out += ["| built-in strategy | mean negative posters |", "|---|---|"]
            out += [f"| {k} | {v:,.0f} |" for k, v in sorted(d.strategy_means.items(),
                                                              key=lambda kv: kv[1])]
            out.append("")
        if d.at_detection:
            out += [d.at_detection + ".", ""]
        out += ["### Timeline", "", "| time (h) | decision or action | effect (paired replicas) |",
                "|---|---|---|"]
        out += [f"| {t:.2f} | {what} | {effect} |" for t, what, effect in d.timeline]
        out.append("")
    return "\n".join(out)


def _md_to_html(md: str) -> str:
    """Enough Markdown for the report: headings, paragraphs and tables."""
    lines = md.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{html.escape(line[level:].strip())}</h{level}>")
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip("|").split("|")])
                i += 1
            head, body = rows[0], [r for r in rows[2:]]
            out.append("<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head)
                       + "</tr>" + "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>"
                                                             for c in r) + "</tr>" for r in body)
                       + "</table>")
            continue
        elif line.strip():
            text = html.escape(line).replace("**", "")
            out.append(f"<p>{text}</p>")
        i += 1
    return "\n".join(out)


STYLE = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
         "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;"
         "padding:.3rem .6rem;text-align:left}th{background:#f4f4f4}")


def write_session_report(paths: list[Path], out_file: Path, replicas: int = 8) -> Path:
    """Write the after-action report (or leaderboard) of one or more sessions."""
    sessions = [Session.load(p) for p in paths]
    keys = {(s.scenario, s.seed) for s in sessions}
    if len(keys) > 1:
        raise ValueError("a leaderboard compares sessions of the same scenario and seed; got "
                         + ", ".join(f"{sc} seed {seed}" for sc, seed in sorted(keys)))
    debriefs = [debrief(s, replicas) for s in sessions]
    md = markdown(debriefs)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    if out_file.suffix.lower() == ".md":
        out_file.write_text(md, encoding="utf-8")
        return out_file
    charts = "".join(f"<h3>Team {html.escape(d.session.team)}: volume and reputation</h3>"
                     + _chart_svg(d) for d in debriefs)
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>stormdrill after-action "
            f"report</title><style>{STYLE}</style></head><body>{_md_to_html(md)}{charts}"
            "</body></html>")
    out_file.write_text(page, encoding="utf-8")
    return out_file
