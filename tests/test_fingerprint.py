"""One scenario fingerprint (`simulator.config.fingerprint`) for sessions, batches and reports.

A drill session stores the fingerprint of the scenario it was played with and
every batch run stores the fingerprint of the scenario as run, so the same file
gives the same fingerprint in both; editing the file changes it; the
leaderboard marks teams that played another version; a results file written
before runs kept it still reads (fingerprint unknown) and can be resumed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from scenarios import ScenarioFile, load_experiment, load_scenario
from simulator import __version__
from simulator.config import fingerprint
from simulator.results import Results
from simulator.runner import run_batch
from simulator.store import ResultsStore
from tui.app import build_app
from tui.reports import after_action
from tui.session import Session

SCENARIO = """\
name: tiny
duration_h: 3
network:
  users: 300
  mean_followers: 8
complaint:
  complainant_followers: 40
briefing:
  situation: A customer filmed a rude driver.
"""


def _files(tmp_path: Path, briefing: str = "A customer filmed a rude driver.") -> tuple[Path, Path]:
    sc = tmp_path / "tiny.yaml"
    sc.write_text(SCENARIO.replace("A customer filmed a rude driver.", briefing))
    exp = tmp_path / "exp.yaml"
    exp.write_text("name: fp\nscenarios: [tiny.yaml]\nstrategies: [silent]\nreplications: 2\n"
                   "hours: 2\n")
    return sc, exp


def _batch_prints(exp: Path, out: Path | None = None) -> set[str | None]:
    rows = run_batch(load_experiment(str(exp)), workers=1, out=out)
    return {r["scenario_fingerprint"] for r in rows}


def test_a_session_and_a_batch_of_the_same_scenario_carry_the_same_fingerprint(
        tmp_path: Path) -> None:
    sc_path, exp = _files(tmp_path)
    app = build_app(str(sc_path), seed=1, team="Blue", clock=False)  # what a drill stores
    assert app.options.scenario is not None
    session_print = fingerprint(app.options.scenario)
    assert session_print == fingerprint(load_scenario(str(sc_path)))
    assert _batch_prints(exp) == {session_print}
    assert _batch_prints(exp, tmp_path / "out") == {session_print}  # through the store too
    assert set(Results.open(tmp_path / "out").runs["scenario_fingerprint"]) == {session_print}


def test_editing_the_scenario_file_changes_the_fingerprint(tmp_path: Path) -> None:
    sc_path, exp = _files(tmp_path)
    before = fingerprint(load_scenario(str(sc_path)))
    session = Session(scenario=str(sc_path), seed=1, scenario_fingerprint=before,
                      version=__version__)
    _files(tmp_path, briefing="A customer filmed a driver throwing parcels.")  # drill-only text
    after = fingerprint(load_scenario(str(sc_path)))
    assert after != before
    assert session.drift(after, __version__) == ["scenario"]
    assert _batch_prints(exp) == {after}


def test_a_results_file_without_fingerprints_reads_them_as_unknown_and_resumes(
        tmp_path: Path) -> None:
    sc_path, exp = _files(tmp_path)
    out = tmp_path / "out"
    run_batch(load_experiment(str(exp)), workers=1, out=out)
    db = sqlite3.connect(out / "results.sqlite")  # as a file of an older stormdrill
    with db:
        db.execute("ALTER TABLE runs DROP COLUMN scenario_fingerprint")
        first = db.execute("SELECT run_id FROM runs ORDER BY run_id").fetchone()[0]
        db.execute("DELETE FROM runs WHERE run_id = ?", (first,))
    db.close()
    data = (out / "results.sqlite").read_bytes()
    assert set(Results.open(out).runs["scenario_fingerprint"]) == {None}
    assert (out / "results.sqlite").read_bytes() == data  # reading changes nothing

    rows = run_batch(load_experiment(str(exp)), workers=1, out=out, resume=True)
    prints = {r["run_id"]: r["scenario_fingerprint"] for r in rows}
    assert prints.pop(first) == fingerprint(load_scenario(str(sc_path)))  # the rerun knows
    assert set(prints.values()) == {None}  # the older run does not
    with ResultsStore(out, readonly=True) as store:
        assert len(list(store.rows())) == 2


def test_the_leaderboard_marks_teams_that_played_another_version_of_the_scenario() -> None:
    sc = ScenarioFile()
    now = fingerprint(sc)

    def team(name: str, trust: float, played: str) -> after_action.Debrief:
        summary = {**dict.fromkeys(after_action.KEYS, 0), "reputation_end": trust}
        session = Session(scenario="s", seed=1, team=name, finished=True, clock_h=72.0,
                          scenario_fingerprint=played, version=__version__)
        return after_action.Debrief(session, sc, summary)

    same = [team("A", 12.0, now), team("B", 16.0, "")]  # "": from before fingerprints
    out = after_action.blocks(same)
    board = next(b for b in out if b[0] == "table")
    assert [r[1] for r in board[2]] == ["B", "A"]
    assert not any(b[0] == "p" and "other scenario version" in b[1] for b in out)

    out = after_action.blocks([*same, team("C", 14.0, "0123456789abcdef")])
    board = next(b for b in out if b[0] == "table")
    assert [r[1] for r in board[2]] == ["B", "C (other scenario version)", "A"]
    assert any(b[0] == "p" and "fingerprint differs" in b[1] for b in out)


def test_an_experiment_keeps_its_fingerprint_across_the_split_of_the_file_sections() -> None:
    """`Experiment.describe` hashes each scenario's repr: it still reads as the engine's
    `Scenario` did before the drill's sections moved out, keys in file order, so a results
    folder of an earlier stormdrill still resumes."""
    sc = load_scenario("supermarket-video")
    text = repr(sc)
    assert text.startswith("Scenario(name='supermarket-video', title=")
    at = [text.index(f", {k}=") for k in ScenarioFile.KEY_ORDER[1:]]  # first: top level
    assert at == sorted(at)
    assert text.index(", setting=Setting(") < text.index(", decision_points=[")
