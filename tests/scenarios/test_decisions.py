"""Decision points agree with the model: recommended options are not worse on trust.

`python -m tests.regenerate decisions` plays every option of every decision
point on paired replicas (trust first, then volume) and writes the full table
to docs/scenarios.md; these tests run the same check with fewer replicas on a
few representative scenarios, show that the check can fail, and keep the
docs table in step with the library.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from scenarios import library_scenarios, load_scenario
from scenarios.decisions import (
    BLOCK,
    METRICS,
    REPORTED,
    OptionResult,
    PointResult,
    evaluate,
    history,
    render_doc,
)
from simulator.config import Scenario
from tests import regenerate

# Cheap to run and between them every kind of option: apology, holding line, silence,
# defensive reply, update, solution, compensation before and after other statements,
# briefing, deletion, contradiction.
REPRESENTATIVE = ["cafe-allergen", "telecom-storing", "supermarket-video",
                  "ordinary-complaint", "data-breach-rumour", "pizza-prank"]
REPLICAS = 8


@pytest.mark.parametrize("name", [n if n == "telecom-storing" else pytest.param(
    n, marks=pytest.mark.slow) for n in REPRESENTATIVE])  # paired replicas: seconds each
def test_recommended_options_pass_the_check(name: str) -> None:
    results = evaluate(name, replicas=REPLICAS)
    assert results, f"{name} has no decision points"
    bad = [p for r in results for p in r.problems()]
    assert not bad, "\n".join(bad)


def _recommend_only(sc: Scenario, point: int, option: int) -> Scenario:
    p = sc.decision_points[point]
    options = [dataclasses.replace(o, recommended=(j == option))
               for j, o in enumerate(p.options)]
    points = list(sc.decision_points)
    points[point] = dataclasses.replace(p, options=options)
    return dataclasses.replace(sc, decision_points=points)


@pytest.mark.slow  # paired replicas: seconds
def test_a_defensive_recommendation_fails_the_check() -> None:
    """Blaming the supplier in a utilitarian scenario: the model has it worse on trust."""
    sc = load_scenario("cafe-allergen")
    point = next(i for i, p in enumerate(sc.decision_points)
                 if any(a.tone == "defensive" for o in p.options for a in o.actions))
    defensive = next(j for j, o in enumerate(sc.decision_points[point].options)
                     if any(a.tone == "defensive" for a in o.actions))
    wrong = _recommend_only(sc, point, defensive)
    (result,) = evaluate(wrong, replicas=8, points=[point], name="cafe-allergen")
    problems = result.problems()
    assert problems and all("significantly worse on trust" in p for p in problems)


def _point(trust: list[list[float]], recommended: list[int]) -> PointResult:
    """A hand-made point: options x replicas of reputation_end (volume all 0)."""
    arr = np.zeros((len(trust), len(trust[0]), len(METRICS)))
    arr[:, :, 0] = trust
    opts = [OptionResult(i, f"option {i}", i in recommended, float(np.mean(t)), 0.0,
                         None, None)  # type: ignore[arg-type]
            for i, t in enumerate(trust)]
    return PointResult("hand-made", 0, 1.0, "?", len(trust[0]), 0, opts, arr)


def test_the_check_reads_paired_intervals() -> None:
    best = [15.0, 16.0, 14.0, 15.5, 16.5]
    worse = [b - 0.3 + 0.01 * i for i, b in enumerate(best)]  # worse on every replica
    noisy = [b + d for b, d in zip(best, [0.4, -0.5, 0.3, -0.2, -0.1], strict=True)]
    assert _point([best, worse], [0]).problems() == []
    assert _point([best, worse], [1]).problems()  # significantly worse: fails
    assert _point([best, worse], [0, 1]).problems()  # one bad recommendation is enough
    assert _point([best, noisy], [1]).problems() == []  # not significantly worse: passes
    assert "no option is recommended" in _point([best, worse], []).problems()[0]
    assert _point([best, worse, noisy], [0]).supported() == [0, 2]


def test_history_applies_earlier_timeouts_at_their_prompt() -> None:
    sc = load_scenario("cafe-allergen")
    points = sc.decision_points
    last = len(points) - 1
    entries = history(sc, last)
    expected = [(p.at_h, a.kind) for p in points[:last] if p.on_timeout >= 0
                for a in p.options[p.on_timeout].actions]
    assert [(e.at_h, e.action.kind) for e in entries] == expected  # type: ignore[union-attr]
    assert history(sc, 0) == []
    path = history(sc, last, path="recommended")
    chosen = [next(o for o in p.options if o.recommended) for p in points[:last]]
    assert [e.action.kind for e in path] == [  # type: ignore[union-attr]
        a.kind for o in chosen for a in o.actions]


def test_every_decision_point_recommends_an_option() -> None:
    missing = [f"{e.name} point {i}" for e in library_scenarios()
               for i, p in enumerate(load_scenario(e.name).decision_points)
               if not any(o.recommended for o in p.options)]
    assert not missing, f"no recommended option: {', '.join(missing)}"


def test_reported_model_issues_name_real_points() -> None:
    """Each reported point exists (a renumbered point must not hide behind a stale entry)."""
    names = {e.name for e in library_scenarios()}
    for (name, point), reason in REPORTED.items():
        assert name in names, f"REPORTED names an unknown scenario {name!r}"
        assert 0 <= point < len(load_scenario(name).decision_points), (name, point)
        assert reason


def _doc_block() -> str:
    text = regenerate.SCENARIOS_DOC.read_text(encoding="utf-8")
    m = re.search(rf"<!-- BEGIN GENERATED {BLOCK} -->\n(.*?)<!-- END GENERATED {BLOCK} -->",
                  text, re.S)
    assert m, f"docs/scenarios.md has no generated {BLOCK} block: run " \
              "`python -m tests.regenerate decisions`"
    return m.group(1)


def test_docs_table_covers_every_scenario_and_matches_the_files() -> None:
    """Every option of every library scenario is in the table, marked as its file marks it."""
    sections = re.split(r"^### ", _doc_block(), flags=re.M)[1:]
    by_name = {s.split("\n", 1)[0].strip(): s for s in sections}
    stale = "run `python -m tests.regenerate decisions`"
    for entry in library_scenarios():
        assert entry.name in by_name, f"{entry.name} missing from the table: {stale}"
        rows = re.findall(r"^\| (\d+) \([^)]*\) \| (\d+): (.*?) \| (✓?) \|",
                          by_name[entry.name], re.M)
        table = {(int(p), int(o)): (label, mark == "✓") for p, o, label, mark in rows}
        sc = load_scenario(entry.name)
        expected = {(i, j): (o.label.replace("|", "\\|"), o.recommended)
                    for i, p in enumerate(sc.decision_points)
                    for j, o in enumerate(p.options)}
        assert table == expected, f"{entry.name}: the table is out of date: {stale}"


def test_render_appends_the_section_once() -> None:
    text = "# Doc\n\n<!-- BEGIN GENERATED OTHER -->\nx\n<!-- END GENERATED OTHER -->\n"
    once = render_doc(text, "table one\n")
    assert once.count("## Decision points against the model") == 1
    assert "<!-- BEGIN GENERATED OTHER -->\nx\n<!-- END GENERATED OTHER -->" in once
    twice = render_doc(once, "table two\n")
    assert "table two" in twice and "table one" not in twice
    assert twice.count(f"<!-- BEGIN GENERATED {BLOCK} -->") == 1
