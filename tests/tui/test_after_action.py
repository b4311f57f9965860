"""After-action debriefs of drill sessions, and the leaderboard of teams."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scenarios import load_scenario, load_strategy
from simulator import Action, JournalEntry, Simulation
from simulator.counterfactual import Comparison, Mechanism
from tui.i18n import Strings
from tui.reports import after_action
from tui.reports.after_action import (
    Debrief,
    Effect,
    action_label,
    blocks,
    debrief,
    effect_parts,
    markdown,
    measure,
    screen_lines,
    summary_lines,
)
from tui.session import Decision, Session

ROOT = Path(__file__).resolve().parents[2]
EN, NL = Strings("en"), Strings("nl")


def _session(tmp_path: Path, team: str, journal: list[JournalEntry], **kw: object) -> Path:
    values: dict[str, object] = {
        "scenario": "kitchen-gaffe", "seed": 3, "team": team, "journal": journal,
        "clock_h": 72.0, "finished": True, "path": tmp_path / f"{team}.json",
        "decisions": [Decision(point=0, option=-1, at_h=1.0, timed_out=True)], **kw}
    s = Session(**values)  # type: ignore[arg-type]
    s.save()
    return s.path  # type: ignore[return-value]


@pytest.fixture(scope="module")
def blue(tmp_path_factory: pytest.TempPathFactory) -> Debrief:
    """One finished drill: a defensive reply, a deletion, a missed decision; small replicas."""
    tmp = tmp_path_factory.mktemp("blue")
    path = _session(tmp, "Blue", [JournalEntry(0.5, Action("reply", "defensive", "No.")),
                                  JournalEntry(0.7, Action("delete"))],
                    roles={"lead": "Ann de Vries", "monitor": "Bo"})
    return debrief(Session.load(path), replicas=3, with_percentile=False)


@pytest.mark.slow  # uses the module's debrief fixture (paired replicas: seconds)
def test_debrief_measures_each_action_against_doing_nothing(blue: Debrief) -> None:
    actions = [r for r in blue.rows if r.kind == "action"]
    assert [r.text for r in actions] == ['Reply to complainants (defensive): "No."',
                                         "Delete negative comments"]
    for row in actions:
        assert row.effect is not None
        trust, attention, _ = effect_parts(row.effect, EN)
        assert trust.startswith("trust at the end") and "95% interval" in trust
        assert attention.index("negative posts") < attention.index("reach")
    assert any(r.kind == "decision" and "deadline passed" in r.text for r in blue.rows)
    reply = actions[0].effect
    assert reply is not None and [m.mechanism for m in reply.reasons][:1] == ["silence_h"]
    assert "  what moved: silence before the first reply: 0h45 (without it: 72h00)" in \
        summary_lines(blue), "the why, worded from the explanation data"


@pytest.mark.slow  # uses the module's debrief fixture (paired replicas: seconds)
def test_screen_markdown_and_html_show_the_same_numbers(blue: Debrief) -> None:
    """One Debrief, three views: every effect and the outcomes read the same in each."""
    screen = "\n".join(summary_lines(blue))
    md = markdown([blue])
    page = after_action.html([blue])
    cells = [part for r in blue.rows for part in effect_parts(r.effect, EN) if part]
    cells += [value for _, value in after_action.outcome_rows(blue)]
    assert len(cells) > 10
    for cell in cells:
        assert cell in screen and cell in md and html.escape(cell) in page, cell
    numbers = re.compile(r"[+-]?\d+\.\d%?|[+-]\d+%")
    assert numbers.findall(" ".join(cells)), "the effects carry numbers"


def test_an_interval_that_spans_zero_is_no_clear_effect() -> None:
    unclear = Comparison("reputation_end", 15.0, 15.3, 0.3, -0.2, 0.8, 8)
    assert measure(unclear, EN) == ("trust at the end: no clear effect "
                                    "(95% interval -0.2 to +0.8)")
    assert "raise" not in measure(unclear, EN)
    assert measure(unclear, NL) == ("vertrouwen aan het eind: geen duidelijk effect "
                                    "(95%-interval -0,2 tot +0,8)")
    clear = Comparison("reputation_end", 15.0, 16.2, 1.2, 0.4, 2.0, 8)
    assert measure(clear, EN) == "trust at the end +1.2 points (95% interval +0.4 to +2.0)"
    posts = Comparison("negative_posts", 200.0, 150.0, -50.0, -80.0, -20.0, 8)
    assert measure(posts, EN) == "negative posts -25% (95% interval -40% to -10%)"
    spans = Comparison("negative_posts", 200.0, 210.0, 10.0, -30.0, 50.0, 8)
    assert "no clear effect" in measure(spans, EN)


def test_the_why_is_worded_from_the_explanation_data() -> None:
    comp = {"reputation_end": Comparison("reputation_end", 15.0, 16.0, 1.0, 0.5, 1.5, 8)}
    effect = Effect(comp, (Mechanism("reply_seen", 0.0, 1200.0),
                           Mechanism("silence_h", 3.0, 0.5),
                           Mechanism("deletions_noticed", 0.0, 1.0),
                           Mechanism("media_stories", 2.0, 1.0)))
    _, _, why = effect_parts(effect, EN)
    assert why == ("the reply was seen by 1,200 people (without it: 0); silence before the "
                   "first reply: 0h30 (without it: 3h00); noticed deletions: 1 (without it: 0); "
                   "media stories: 1 (without it: 2)")
    assert effect_parts(effect, NL)[2].startswith("1.200 mensen zagen de reactie (zonder: 0)")


def test_action_labels_carry_a_tone_only_for_statements() -> None:
    assert action_label(Action("delete"), EN) == "Delete negative comments"
    assert action_label(Action("brief_staff", text="Say nothing"), EN) == \
        'Brief staff: "Say nothing"'
    assert action_label(Action("reply", "defensive", "No."), EN) == \
        'Reply to complainants (defensive): "No."'
    assert action_label(Action("acknowledge"), NL) == "Erkennen en excuses aanbieden (empathisch)"


def test_a_drill_quit_early_is_too_short_to_score(tmp_path: Path) -> None:
    path = _session(tmp_path, "Quit", [], clock_h=0.1, finished=False, decisions=[])
    d = debrief(Session.load(path), replicas=2)  # no strategy runs: nothing to rank
    assert d.score.status == "too_short" and d.score.percentile is None
    views = ["\n".join(summary_lines(d)), markdown([d])]
    for text in views:
        assert "Too short to score" in text and "Better than" not in text
        assert "Unfinished drill: stopped at Wed 21:36" in text


@pytest.mark.slow  # paired replicas of every strategy: seconds
def test_extra_injects_and_early_stop_are_ranked_on_the_same_terms(tmp_path: Path) -> None:
    """The strategies face the facilitator's inject and stop when the drill stopped."""
    inject = JournalEntry(2.0, inject=0)
    path = _session(tmp_path, "Red", [JournalEntry(0.3, Action("acknowledge")), inject],
                    clock_h=20.0, finished=False, decisions=[])
    silent = load_strategy("silent")
    d = debrief(Session.load(path), replicas=4, strategies=[silent])
    assert d.score.status == "scored" and d.score.until == 20.0 and d.score.injects == 1
    sc = load_scenario("kitchen-gaffe")
    expected = []
    for k in range(2):  # the strategies' replicas: max(2, replicas // 2)
        sim = Simulation(sc, seed=3, journal=[inject], fork=(0.0, k), strategy=silent)
        sim.run(20.0)
        expected.append(sim.summary()["negative_posts"])
    assert d.score.strategy_means["silent"]["negative_posts"] == pytest.approx(np.mean(expected))
    for text in ("\n".join(summary_lines(d)), markdown([d])):
        assert "Unfinished drill" in text and "1 extra inject(s): journalist inquiry" in text
        assert "The strategies ran until Thu 17:30, as the drill did." in text


def test_facilitator_notes_come_from_the_live_store(tmp_path: Path) -> None:
    from tui.live import LiveStore

    path = _session(tmp_path, "Green", [])
    assert after_action.facilitator_notes(Session.load(path)) == [], "no console, no notes"
    with LiveStore.open(path) as store:
        store.add_note("Team argued about who approves", 1.25)
        store.add_note("Set-up done", None)
    assert after_action.facilitator_notes(Session.load(path)) == [
        (1.25, "Team argued about who approves"), (None, "Set-up done")]


@pytest.mark.slow  # uses the module's debrief fixture (paired replicas: seconds)
def test_report_carries_team_roles_objectives_decisions_notes_and_clock_times(
        blue: Debrief) -> None:
    blue.notes = [(1.25, "Team argued about who approves"), (None, "Set-up done")]
    md = markdown([blue])
    assert "## Team Blue" in md and "| Lead | Ann de Vries |" in md
    assert "## Learning objectives" in md and "Minutes matter" in md
    assert "#### Decision 1 (Wed 21:36)" in md and "Chosen: **nothing was done at Wed 22:30" in md
    assert "| Apologise now, from the brand account (recommended) |  | What the real brand" in md
    assert "| Wed 22:45 | Team argued about who approves |" in md
    assert "| before the drill started | Set-up done |" in md
    assert "| Wed 22:00 | Reply to complainants (defensive)" in md
    assert not re.search(r"\| 0\.50 \|", md), "times are clock times, not decimal hours"
    page = after_action.html([blue])
    assert "@media print" in page and "page-break" in page and '<html lang="en">' in page


@pytest.mark.slow  # a full debrief: seconds
def test_dutch_report_has_dutch_labels(tmp_path: Path) -> None:
    s = Session(scenario="telecom-storing", seed=2, team="Oranje", clock_h=72.0, finished=True,
                roles={"responder": "Sanne"},
                journal=[JournalEntry(1.2, Action("acknowledge", text="Excuses."))],
                decisions=[Decision(point=0, option=0, at_h=1.2)])
    d = debrief(s, replicas=2, with_percentile=False)
    md = markdown([d])
    for label in ("# stormdrill-nabespreking", "## Leerdoelen", "### Tijdlijn",
                  "### Beslismomenten", "| Webcare | Sanne |", "vertrouwen aan het eind",
                  "Gekozen: **Erkennen en excuses: de melding klopte niet om ma 08:42**",
                  "Erkennen en excuses aanbieden (empathisch)", "Er zijn geen notities"):
        assert label in md, label
    for english in ("Timeline", "Decision points", "trust at the end", "Outcomes"):
        assert english not in md, english
    lines = screen_lines(d)
    assert any("vertrouwen aan het eind" in text for _, text in lines)
    assert '<html lang="nl">' in after_action.html([d])


@pytest.mark.slow  # end-to-end: the real program, report and leaderboard
def test_report_and_leaderboard_from_the_real_program(tmp_path: Path) -> None:
    a = _session(tmp_path, "Blue", [JournalEntry(0.2, Action("acknowledge"))])
    b = _session(tmp_path, "Red", [JournalEntry(0.3, Action("reply", "defensive"))])
    out = tmp_path / "board.html"
    res = subprocess.run([sys.executable, "-m", "tui.cli", "report", str(a), str(b), "-o",
                          str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    page = out.read_text()
    assert "Leaderboard" in page and "Blue" in page and "Red" in page and "<svg" in page
    assert "highest trust at the end" in page and "Better than" in page
    bad = tmp_path / "junk.json"
    bad.write_text("{}")
    res = subprocess.run([sys.executable, "-m", "tui.cli", "report", str(bad)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "Traceback" not in res.stderr


def test_leaderboard_ranks_trust_first_and_marks_unfinished_teams() -> None:
    """More negative posts but more trust left wins; equal trust goes to fewer posts."""
    from scenarios import ScenarioFile

    def team(name: str, trust: float, posts: int, finished: bool = True) -> Debrief:
        summary = {**dict.fromkeys(after_action.KEYS, 0), "reputation_end": trust,
                   "trust_dip": 20.0 - trust, "negative_posts": posts, "sharers": posts,
                   "reach": 10 * posts}
        return Debrief(Session(scenario="s", seed=1, team=name, finished=finished,
                               clock_h=30.0), ScenarioFile(), summary)

    out = blocks([team("A", 12.0, 100), team("B", 16.0, 900), team("C", 16.0, 300, False)])
    board = next(b for b in out if b[0] == "table")
    assert [r[1] for r in board[2]] == ["C (unfinished, stopped Tue 15:00)", "B", "A"]
    assert board[1][2:5] == ["trust at the end", "trust dip", "negative posts"]
    assert any(b[0] == "p" and "do not compare fairly" in b[1] for b in out)


@pytest.mark.slow  # uses the module's debrief fixture (paired replicas: seconds)
def test_the_screen_shows_the_same_debrief_in_one_scrollable_list(blue: Debrief) -> None:
    """Every row is in the scrolling list (none cut off); the analysis runs in a worker."""
    import asyncio
    import threading

    from textual.app import App
    from textual.containers import VerticalScroll

    from tui.screens.debrief import DebriefScreen

    many = Debrief(blue.session, blue.scenario, blue.summary, rows=blue.rows * 12)
    ready = threading.Event()  # the analysis "runs" until the test has seen the status

    def analyse() -> Debrief:
        ready.wait(120)  # a ceiling for a very busy machine (the test sets it), not a wait
        return many

    async def run() -> None:
        app: App[None] = App()
        async with app.run_test(size=(80, 24)) as pilot:
            screen = DebriefScreen("Debrief", "Team Blue", [("Wed 22:00", "Reply")], EN,
                                   analyse=analyse)
            await app.push_screen(screen)
            await pilot.pause()
            assert "paired replicas" in str(screen.query_one("#status").render())
            ready.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert screen.debrief is many
            assert screen.analysis == summary_lines(many)
            scroll = screen.query_one("#lines", VerticalScroll)
            assert scroll.max_scroll_y > 50, "the long list scrolls instead of being cut off"
            scroll.scroll_end(animate=False)
            await pilot.pause()
            assert scroll.scroll_y == scroll.max_scroll_y

    asyncio.run(run())
