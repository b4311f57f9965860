"""Experiment files: one bad file per failure mode, a good file, the shipped example."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from problems import file_error, find_problem

from scenarios import (
    FileError,
    load_experiment,
    load_scenario,
    load_strategy,
    validate_file,
)
from scenarios.experiment import MAX_RUNS, grid_parameters
from simulator.batch import Experiment, expand
from simulator.config import get_path, replace_path

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "fixtures" / "bad" / "experiments"
EXAMPLE = ROOT / "scenarios" / "experiments" / "strategy-comparison.yaml"
SCENARIO = ROOT / "scenarios" / "library" / "supermarket-video.yaml"

# fixture, line, key, words the message must contain, hint words ("" = no hint needed)
CASES = [
    ("unknown_strategy", 5, "strategies[1]", ["'fast-empathic'", "not a library strategy",
                                              "expected a library name or a path"],
     "did you mean 'fast-empathetic'?"),
    ("unknown_scenario", 2, "scenarios[0]", ["'supermarkt-video'", "not a library scenario",
                                             "expected a library name"],
     "did you mean 'supermarket-video'?"),
    ("bad_grid_path", 6, "grid.plan.aproval_delay_h", ["unknown scenario parameter",
                                                       "expected a dotted path"],
     "did you mean 'plan.approval_delay_h'?"),
    ("grid_out_of_range", 7, "grid.plan.approval_delay_h[0]",
     ["-1", "below the minimum 0", "expected a number from 0 to 168"], ""),
    ("grid_wrong_type", 6, "grid.network.users[1]",
     ["'many'", "not a number", "expected a whole number from 10"], ""),
    ("baseline_not_a_strategy", 5, "baseline",
     ["'fast-empatetic'", "not one of the strategies", "expected one of silent, "
      "fast-empathetic"], "did you mean 'fast-empathetic'?"),
    ("zero_replications", 4, "replications",
     ["0", "below the minimum 1", "expected a whole number from 1 to 100000"], ""),
    ("absurd_size", 5, "grid", ["absurd size", "12,000,000 runs", "40 grid points",
                                "3 strategies", "expected at most 10,000,000"],
     "fewer grid values"),
    ("duplicate_strategies", 6, "strategies[2]",
     ["duplicate strategy 'silent'", "first at strategies[0], line 4",
      "expected each strategy once"], "remove one"),
    ("empty_scenarios", 2, "scenarios", ["empty list", "expected at least one scenario"],
     "supermarket-video"),
    ("grid_breaks_rule", 7, "grid.spread.diurnal_peak[0]",
     ["spread.diurnal_peak=1", "scenario 'supermarket-video'", "not above 1",
      "expected diurnal_trough < 1 < diurnal_peak"], "drop this value"),
    ("unknown_key", 4, "replication", ["unknown key", "expected a key of the experiment"],
     "did you mean 'replications'?"),
]


def _error(path: Path | str) -> FileError:
    return file_error(load_experiment, path)


_find = find_problem


def test_every_fixture_has_a_case() -> None:
    assert {p.stem for p in BAD.glob("*.yaml")} == {c[0] for c in CASES}


@pytest.mark.parametrize(("name", "line", "key", "words", "hint"), CASES,
                         ids=[c[0] for c in CASES])
def test_bad_fixture(name: str, line: int, key: str, words: list[str], hint: str) -> None:
    path = BAD / f"{name}.yaml"
    err = _error(path)
    problem = _find(err, key)
    assert problem.path == str(path)
    assert problem.line == line
    text = str(err)
    assert f"{path}:{line}: {key}: " in text
    for word in words:
        assert word in problem.message, f"{word!r} not in {problem.message!r}"
    if hint:
        assert hint in problem.hint, problem.hint
        assert f"\n  {problem.hint}" in text
    # the CLI's `validate` sees the same problems
    with pytest.raises(FileError) as again:
        validate_file(str(path))
    assert str(again.value) == text


def test_unknown_key_also_reports_the_missing_required_key() -> None:
    err = _error(BAD / "unknown_key.yaml")
    missing = _find(err, "replications")
    assert missing.line is None and "missing key" in missing.message
    assert str(err).startswith(f"{BAD / 'unknown_key.yaml'}: replications: missing key")


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with an own scenario and strategy next to an experiment."""
    _write(tmp_path, "exp/my-scenario.yaml", SCENARIO.read_text().replace(
        "users: 20000", "users: 2000"))
    _write(tmp_path, "exp/strategies/quick.yaml", "kind: strategy\nname: quick-one\n"
           "respond_after_h: 0.5\n")
    return tmp_path


def test_good_file_loads(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(project, "exp/weekend.yaml", """\
description: own files next to the experiment, library files by name
scenarios: [supermarket-video, ./my-scenario.yaml]
strategies: [silent, strategies/quick.yaml, none]
replications: 3
seed: 7
hours: 24
grid:
  plan.approval_delay_h: [0, 1, 3]
  response.share_empathetic: [0.8, 0.9]
  network.users: [5000]
sensitivity:
  replications: 2
""")
    monkeypatch.chdir(project.parent)  # relative paths are from the file, not the cwd
    exp = load_experiment(str(path))
    own = load_scenario(str(project / "exp" / "my-scenario.yaml"))
    quick = load_strategy(str(project / "exp" / "strategies" / "quick.yaml"))
    assert exp == Experiment(
        name="weekend",
        scenarios=(("supermarket-video", load_scenario("supermarket-video")),
                   ("my-scenario", own)),
        strategies=(("silent", load_strategy("silent")),
                    ("quick", dataclasses.replace(quick, name="quick")), ("none", None)),
        replications=3, seed=7,
        grid=(("plan.approval_delay_h", (0.0, 1.0, 3.0)), ("response.share_empathetic", (0.8, 0.9)),
              ("network.users", (5000,))),
        baseline="silent", hours=24.0, sensitivity_replications=2)
    assert [type(v) for v in exp.grid[2][1]] == [int]
    assert validate_file(str(path)) == "experiment"
    tasks = expand(exp)
    assert len([t for t in tasks if t.design == "grid"]) == 2 * 3 * 6 * 3


def test_defaults_and_detection_without_kind(tmp_path: Path) -> None:
    path = _write(tmp_path, "plain.yaml", "scenarios: [supermarket-video]\n"
                  "strategies: [fast-empathetic, silent]\nreplications: 1\n")
    exp = load_experiment(str(path))
    assert (exp.name, exp.seed, exp.grid, exp.hours, exp.baseline,
            exp.sensitivity_replications) == ("plain", 0, (), None, "fast-empathetic", 0)
    assert validate_file(str(path)) == "experiment"
    # a typo in one of the two keys still gets experiment messages
    typo = _write(tmp_path, "typo.yaml", "scenarios: [supermarket-video]\n"
                  "stratgies: [silent]\nreplications: 1\n")
    with pytest.raises(FileError, match="did you mean 'strategies'"):
        validate_file(str(typo))


def test_empty_sensitivity_section_means_the_default_sweep(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.yaml", "scenarios: [supermarket-video]\nstrategies: [silent]\n"
                  "replications: 1\nsensitivity:\n")
    assert load_experiment(str(path)).sensitivity_replications == 50


def test_referenced_file_reports_its_own_problems(tmp_path: Path) -> None:
    _write(tmp_path, "broken.yaml", "name: broken\nnetwork:\n  users: 5\n")
    path = _write(tmp_path, "exp.yaml", "scenarios: [./broken.yaml, silent]\n"
                  "strategies: [./broken.yaml, supermarket-video]\nreplications: 1\n")
    err = _error(path)
    assert err.path == str(path)  # the experiment's own problems come first
    assert "is not a valid scenario (its problems are listed below)" in \
        _find(err, "scenarios[0]").message
    assert "list it under strategies" in _find(err, "scenarios[1]").hint
    assert "list it under scenarios" in _find(err, "strategies[1]").hint
    nested = [p for p in err.problems if p.path != str(path)]
    assert any(p.key == "network.users" and p.line == 3 and "below the minimum" in p.message
               for p in nested)
    assert any("this looks like a scenario file; expected a strategy" in str(p) for p in nested)
    paths = [p.path for p in err.problems]
    assert paths == sorted(paths, key=lambda p: p != str(path))


def test_missing_file_and_grid_shape_problems(tmp_path: Path) -> None:
    path = _write(tmp_path, "exp.yaml", """\
scenarios: [../nowhere/scen.yaml]
strategies: [silent]
replications: 1
grid:
  plan: [1]
  plan.coverage: ["24/7"]
  duration_h: 5
  spread.per_exposure_prob: [null, 0.1, 0.1]
  network.users: []
  approval_delay: [1]
""")
    err = _error(path)
    assert "file not found" in _find(err, "scenarios[0]").message
    assert "is a section" in _find(err, "grid.plan").message
    assert "holds a list" in _find(err, "grid.plan.coverage").message
    assert _find(err, "grid.duration_h").hint == "write it as a list: [5]"
    assert "listed twice" in _find(err, "grid.spread.per_exposure_prob[2]").message
    assert "empty list" in _find(err, "grid.network.users").message
    assert _find(err, "grid.approval_delay").hint == "did you mean 'plan.approval_delay_h'?"


def test_grid_point_rules_blame_the_right_value(tmp_path: Path) -> None:
    path = _write(tmp_path, "exp.yaml", """\
scenarios: [supermarket-video]
strategies: [silent]
replications: 1
grid:
  plan.approval_delay_h: [0, 1]
  duration_h: [100, 1]
  network.users: [5000, 500]
""")
    err = _error(path)
    assert {p.key for p in err.problems} == {"grid.duration_h[1]", "grid.network.users[1]"}
    short = _find(err, "grid.duration_h[1]")
    assert short.line == 6
    assert short.message.startswith("at grid point duration_h=1 of scenario "
                                    "'supermarket-video', injects[0].at_h: 20 is after the end")
    small = _find(err, "grid.network.users[1]")
    assert small.line == 7 and "network.users=500" in small.message
    assert "complaint.complainant_followers: 800 is more than network.users (500)" in \
        small.message


def test_wrong_kinds(tmp_path: Path) -> None:
    with pytest.raises(FileError, match="this file is an experiment; expected a scenario"):
        load_scenario(str(EXAMPLE))
    with pytest.raises(FileError, match="this file is a scenario; expected an experiment"):
        load_experiment(str(SCENARIO))
    with pytest.raises(FileError, match="library scenario"):
        load_experiment("supermarket-video")
    path = _write(tmp_path, "k.yaml", "kind: experment\nscenarios: [supermarket-video]\n"
                  "strategies: [silent]\nreplications: 1\n")
    with pytest.raises(FileError, match="did you mean 'experiment'"):
        validate_file(str(path))


def test_size_limit_counts_every_run(tmp_path: Path) -> None:
    values = ", ".join(str(i) for i in range(100))
    path = _write(tmp_path, "big.yaml", "scenarios: [supermarket-video]\n"
                  f"strategies: [silent, none]\nreplications: 100000\n"
                  f"grid:\n  plan.approval_delay_h: [{values}]\n")
    assert "absurd size" in _find(_error(path), "grid").message
    ok = _write(tmp_path, "ok.yaml", "scenarios: [supermarket-video]\n"
                f"strategies: [silent, none]\nreplications: {MAX_RUNS // 2}\n")
    with pytest.raises(FileError, match="100000"):  # replications has its own limit
        load_experiment(str(ok))


def test_every_grid_parameter_is_a_scenario_leaf() -> None:
    sc = load_scenario("supermarket-video")
    for path in grid_parameters():
        assert not path.startswith("injects")
        value = get_path(sc, path)
        assert not isinstance(value, list) and not dataclasses.is_dataclass(value)
        assert replace_path(sc, path, value) == sc
    assert "plan.approval_delay_h" in grid_parameters()
    assert "plan.coverage" not in grid_parameters()


def test_shipped_example_loads() -> None:
    exp = load_experiment(str(EXAMPLE))
    assert exp == load_experiment("strategy-comparison")
    assert exp.name == "strategy-comparison"
    assert [label for label, _ in exp.scenarios] == ["holiday-delivery"]
    assert [label for label, _ in exp.strategies] == [
        "silent", "fast-empathetic", "slow-empathetic", "defensive", "deleter",
        "contradictory", "typical-webcare"]
    assert all(st is not None and st.name == label for label, st in exp.strategies)
    assert (exp.replications, exp.seed, exp.baseline) == (100, 1, "silent")
    assert exp.grid == (("plan.approval_delay_h", (0.0, 2.0, 6.0)),)
    assert len(expand(exp)) == 7 * 3 * 100
    assert validate_file(str(EXAMPLE)) == "experiment"


def test_how_fast_example_loads() -> None:
    exp = load_experiment("how-fast")
    labels = [p.label for p in exp.all_policies()]
    assert labels == ["silent"] + [f"answer respond_after_h={h}"
                                   for h in ("0.5", "1", "2", "4", "8", "24")]
    assert [dict(p.params) for p in exp.policies][3] == {"respond_after_h": 2.0,
                                                         "solution_after_h": None}
    assert (exp.sampler, exp.samples, exp.design()) == ("lhs", 8, "grid")
    assert len(exp.points[0][1]) == 8
    assert exp.auto is not None and dict(exp.auto.targets)["reputation_end"] == 0.4
    assert exp.replications == 20  # the first round
    assert [t.strategy_label for t in expand(exp)][:2] == ["silent", "silent"]


# --- policies and uncertainties ------------------------------------------------------------

HEAD = "scenarios: [supermarket-video]\nreplications: 2\n"


def test_old_files_keep_their_run_ids(tmp_path: Path) -> None:
    """Ids computed with the batch code before policies existed: resumes still match."""
    import hashlib

    path = _write(tmp_path, "e.yaml", "scenarios: [kitchen-gaffe]\nstrategies: [silent, "
                  "defensive]\nreplications: 3\nseed: 4\nhours: 6\ngrid:\n  "
                  "response.share_defensive: [1.0, 1.2]\nsensitivity:\n  replications: 1\n")
    exp = load_experiment(str(path))
    ids = [t.run_id for t in expand(exp)]
    assert (len(ids), ids[0], ids[7], ids[-1]) == (220, "f73a21e25fd19664", "cae5933686be7ffe",
                                                  "52a1457094525698")
    assert hashlib.sha1(" ".join(ids).encode()).hexdigest() == \
        "c399eb81a15b31824d0bacd08d8bc70ed512a8ad"
    assert "policies" not in exp.describe() and "uncertainties" not in exp.describe()


def test_policies_combine_strategy_parameters_and_decision_options(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.yaml", """\
scenarios: [holiday-delivery]
replications: 2
policies:
  - strategy: silent
  - strategy: fast-empathetic
    tone: neutral
    respond_after_h: [0.5, 2]
    decisions: {0: [0, 2], 1: 0}
  - strategy: none
    label: options-only
    decisions: {0: 1}
baseline: silent
""")
    exp = load_experiment(str(path))
    labels = [p.label for p in exp.policies]
    assert labels == ["silent",
                      "fast-empathetic respond_after_h=0.5 decision0=0",
                      "fast-empathetic respond_after_h=0.5 decision0=2",
                      "fast-empathetic respond_after_h=2 decision0=0",
                      "fast-empathetic respond_after_h=2 decision0=2", "options-only"]
    second = exp.policies[1]
    assert dict(second.params) == {"tone": "neutral", "respond_after_h": 0.5, "decision0": 0,
                                   "decision1": 0}
    assert second.decisions == ((0, 0), (1, 0))
    assert second.strategy is not None and second.strategy.tone == "neutral"
    assert second.strategy.respond_after_h == 0.5 and second.strategy.name == labels[1]
    assert exp.policies[-1].strategy is None and exp.policies[-1].decisions == ((0, 1),)
    assert [label for label, _ in exp.strategies] == labels
    tasks = expand(exp)
    assert len(tasks) == 6 * 2
    assert {t.seed for t in tasks if t.replication == 1} == {tasks[1].seed}  # paired


def test_policy_problems(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.yaml", HEAD + """\
policies:
  - silent
  - strategy: fast-empathetic
    respond_afterh: [1, 2]
  - strategy: fast-empathetic
    plan.approval_delay_h: [1]
  - strategy: none
    respond_after_h: [1]
  - strategy: fast-empathetic
    decisions: {5: 0}
  - strategy: fast-empathetic
    update_every_h: 2
    respond_after_h: null
""")
    err = _error(path)
    assert _find(err, "policies[0]").hint == "write it as '- strategy: silent'"
    typo = _find(err, "policies[1].respond_afterh")
    assert typo.line == 6 and typo.hint == "did you mean 'respond_after_h'?"
    assert "vary scenario parameters under uncertainties" in \
        _find(err, "policies[2].plan.approval_delay_h").hint
    assert "strategy none has no parameters" in _find(err, "policies[3]").message
    assert "has no decision point 5" in _find(err, "policies[4].decisions.5").message
    rule = _find(err, "policies[5]")
    assert "update_every_h: has no effect without respond_after_h" in rule.message


def test_unknown_baseline_with_policies_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    """Found by tests/fuzz.py: labels come from the policies, so pairing them with the
    (empty) strategies list raised ValueError instead of naming the baseline."""
    path = _write(tmp_path, "p.yaml", HEAD + """\
policies:
  - strategy: silent
  - strategy: fast-empathetic
    respond_after_h: [1, 2]
baseline: fast-empathic
""")
    problem = _find(_error(path), "baseline")
    assert "'fast-empathic' is not one of the strategies" in problem.message
    path = _write(tmp_path, "q.yaml", HEAD + """\
policies:
  - label: no-strategy
  - strategy: fast-empathetic
baseline: silent
""")
    err = _error(path)
    assert "missing key" in _find(err, "policies[0].strategy").message
    assert "'silent' is not one of the strategies" in _find(err, "baseline").message


def test_policies_read_each_strategy_file_once(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by tests/fuzz.py: 10,000 policies of one strategy loaded its file 10,000
    times (over 30 s); a bad file is still reported for every entry that names it."""
    import scenarios.experiment_axes as axes

    calls: list[str] = []
    real = axes.load_strategy

    def counting(file: str) -> object:
        calls.append(file)
        return real(file)

    monkeypatch.setattr(axes, "load_strategy", counting)
    entries = "".join(f"  - {{strategy: fast-empathetic, label: p{i}}}\n" for i in range(50))
    exp = load_experiment(str(_write(tmp_path, "many.yaml", HEAD + "policies:\n" + entries)))
    assert len(exp.policies) == 50 and len(calls) == 1
    _write(tmp_path, "bad.yaml", "kind: strategy\nrespond_after_h: -1\n")
    err = _error(_write(tmp_path, "b.yaml", HEAD + "policies:\n"
                        "  - {strategy: bad.yaml, label: a}\n  - {strategy: bad.yaml, label: b}\n"))
    assert _find(err, "policies[0].strategy") and _find(err, "policies[1].strategy")


def test_grid_of_a_strategy_parameter_points_to_policies(tmp_path: Path) -> None:
    path = _write(tmp_path, "g.yaml", HEAD + "strategies: [silent]\ngrid:\n"
                  "  respond_after_h: [1, 2]\n")
    problem = _find(_error(path), "grid.respond_after_h")
    assert "is a strategy parameter" in problem.message
    assert "under policies" in problem.hint and "response." not in problem.hint


def test_strategies_and_policies_together_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "g.yaml", HEAD + "strategies: [silent]\npolicies:\n"
                  "  - strategy: silent\n")
    assert "expected one of them" in _find(_error(path), "strategies").message


def test_uncertainties_load_with_every_sampler(tmp_path: Path) -> None:
    for sampler, extra, size in (("factorial", "", 3 * 2), ("lhs", "samples: 7\n", 7),
                                 ("sobol", "samples: 4\n", 4 * 4),
                                 ("morris", "samples: 3\n", 3 * 3)):
        values = "{low: 0.01, high: 0.2, log: true, steps: 3}"
        body = (HEAD + f"strategies: [silent]\nsampler: {sampler}\n{extra}uncertainties:\n"
                f"  media.hazard_per_h: {values}\n  spread.outside_reach: "
                + ("[5, 40]\n" if sampler == "factorial" else "{low: 5, high: 40}\n"))
        exp = load_experiment(str(_write(tmp_path, f"{sampler}.yaml", body)))
        points = exp.points[0][1]
        assert len(points) == size, sampler
        assert exp.design() == {"sobol": "sobol", "morris": "morris"}.get(sampler, "grid")
        tasks = expand(exp)
        assert len(tasks) == size * 2
        assert len({t.run_id for t in tasks}) == len(tasks)  # repeated Morris points too
        if sampler == "factorial":
            assert [p.params[0][1] for p in points][::2] == pytest.approx([0.01, 0.0447, 0.2],
                                                                         rel=1e-3)
            assert tasks[0].point == "media.hazard_per_h=0.01, spread.outside_reach=5"
        else:
            assert tasks[0].point.startswith("#0 media.hazard_per_h=")


def test_uncertainty_problems(tmp_path: Path) -> None:
    path = _write(tmp_path, "u.yaml", HEAD + """\
strategies: [silent]
sampler: lhs
uncertainties:
  media.hazard_per_h: {low: 0, high: 0.2, log: true}
  spread.outside_reach: [5, 40]
  response.expected_reply_h: {low: 3, high: 1}
  respond_after_h: {low: 1, high: 2}
  complaint.crisis_type: {low: 1, high: 2}
  media.readership: {low: 0.1, high: 2}
  spread.visibility: {lo: 0.1}
""")
    err = _error(path)
    assert "log spacing needs low above 0" in _find(err, "uncertainties.media.hazard_per_h").message
    assert "cannot be sampled by lhs" in _find(err, "uncertainties.spread.outside_reach").message
    assert "is not below high" in _find(err, "uncertainties.response.expected_reply_h").message
    assert "under policies" in _find(err, "uncertainties.respond_after_h").hint
    assert "not a number" in _find(err, "uncertainties.complaint.crisis_type").message
    assert "above the maximum 1" in _find(err, "uncertainties.media.readership.high").message
    assert _find(err, "uncertainties.spread.visibility.lo").hint == "did you mean 'low'?"
    assert "missing key" in _find(err, "samples").message


def test_sobol_samples_must_be_a_power_of_two(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.yaml", HEAD + "strategies: [silent]\nsampler: sobol\n"
                  "samples: 48\nuncertainties:\n  spread.outside_reach: {}\n")
    problem = _find(_error(path), "samples")
    assert problem.line == 5 and "not a power of 2" in problem.message
    assert problem.hint == "use samples: 32 or 64"


def test_empty_range_means_the_plausible_range(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.yaml", HEAD + "strategies: [silent]\nuncertainties:\n"
                  "  spread.outside_reach: {steps: 2}\n  media.readership:\n")
    exp = load_experiment(str(path))
    assert [(u.low, u.high) for u in exp.uncertainties] == [(5.0, 40.0), (0.01, 0.2)]


RULE = HEAD + """\
strategies: [silent]
sampler: lhs
samples: 8
uncertainties:
  complaint.complainant_followers: {low: 1000, high: 60000%s}
"""


def test_a_point_breaking_a_scenario_rule_is_refused(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "x.yaml", RULE % ""))
    problem = _find(err, "uncertainties.complaint.complainant_followers")
    assert problem.line == 7
    assert problem.message.startswith("at design point #")
    assert "of scenario 'supermarket-video'" in problem.message
    assert "is more than network.users (20000)" in problem.message
    assert "invalid: clip" in problem.hint


def test_clip_moves_the_value_to_the_nearest_valid_one(tmp_path: Path) -> None:
    exp = load_experiment(str(_write(tmp_path, "x.yaml", RULE % ", invalid: clip")))
    points = exp.points[0][1]
    assert len(points) == 8
    clipped = [p for p in points if p.clipped]
    assert clipped and all(dict(p.params)["complaint.complainant_followers"] == 20000
                           for p in clipped)
    assert all(dict(p.sampled)["complaint.complainant_followers"] > 20000 for p in clipped)
    kept = [p for p in points if not p.clipped]
    assert kept and all(dict(p.params)["complaint.complainant_followers"] <= 20000
                        for p in kept)
    task = next(t for t in expand(exp) if t.sample == clipped[0].index)
    assert task.clipped == ("complaint.complainant_followers",)


def test_auto_replications_keys(tmp_path: Path) -> None:
    good = _write(tmp_path, "a.yaml", "scenarios: [supermarket-video]\nstrategies: [silent]\n"
                  "replications: auto\ntarget_half_width: {reputation_end: 0.2}\n"
                  "max_replications: 50\n")
    exp = load_experiment(str(good))
    assert exp.auto is not None and exp.auto.targets == (("reputation_end", 0.2),)
    assert (exp.replications, exp.auto.max_replications) == (20, 50)
    bad = _write(tmp_path, "b.yaml", "scenarios: [supermarket-video]\nstrategies: [silent]\n"
                 "replications: auto\ntarget_half_width: {reputaton_end: 0.2, sharers: 0}\n")
    err = _error(bad)
    assert _find(err, "target_half_width.reputaton_end").hint == \
        "did you mean 'reputation_end'?"
    assert "above 0" in _find(err, "target_half_width.sharers").message
    missing = _write(tmp_path, "c.yaml", "scenarios: [supermarket-video]\n"
                     "strategies: [silent]\nreplications: auto\n")
    assert "missing key" in _find(_error(missing), "target_half_width").message
    stray = _write(tmp_path, "d.yaml", "scenarios: [supermarket-video]\n"
                   "strategies: [silent]\nreplications: 5\nmax_replications: 9\n")
    assert "only used with replications: auto" in _find(_error(stray),
                                                         "max_replications").message


def test_hours_past_the_end_are_reported_as_capped(tmp_path: Path) -> None:
    path = _write(tmp_path, "h.yaml", "scenarios: [holiday-delivery, kitchen-gaffe]\n"
                  "strategies: [silent]\nreplications: 1\nhours: 90\n")
    assert load_experiment(str(path)).capped_hours() == [("kitchen-gaffe", 90.0, 72.0)]
