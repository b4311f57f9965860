"""Admission before work (issue 13, problems 7, 11 and 14).

What `validate` accepts must run on this machine: a graph whose build would not
fit the memory budget, a start whose clock overflows, or seed users outside a
file network are refused with the keys to change and exit 2, before anything
is built. Large lists validate in linear time. The memory estimate is tested
against a small measured build, never by allocating gigabytes.
"""

from __future__ import annotations

import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from problems import file_error, find_problem

from scenarios import load_experiment, load_scenario
from scenarios.checks import MEMORY_BUDGET, graph_edges, peak_bytes
from simulator import network, population
from simulator.config import ComplaintConfig, NetworkConfig
from tui.cli import main

ROOT = Path(__file__).resolve().parents[2]

# name, network/start YAML, key of the problem, words its message must contain
REFUSED = [
    ("synthetic_5m_x_500", "network: {users: 5000000, mean_followers: 500}", "network.users",
     ["GiB", "network.users", "network.mean_followers", "expected at most 8.0 GiB"]),
    ("complete_100k", "network: {kind: complete, users: 100000}", "network.users",
     ["GiB", "network.users", "expected at most"]),
    ("erdos_renyi_5m_x_500", "network: {kind: erdos_renyi, users: 5000000, "
     "mean_followers: 500}", "network.users",
     ["GiB", "network.users", "network.mean_followers", "expected at most"]),
    ("media_audiences", "network: {users: 5000000, media_outlets: 100, media_audience: 1.0}",
     "network.users", ["GiB", "expected at most"]),
    ("start_9999", "start: '9999-12-30T09:00'", "start", ["9999", "expected a start from 1970"]),
    ("start_1900", "start: '1900-01-01T09:00'", "start", ["1900", "expected a start from 1970"]),
]


def _write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\n{body}\n")
    return path


@pytest.fixture
def no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything starts building a graph."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a graph was built for a scenario that should be refused")
    for name in ("synthetic", "complete", "erdos_renyi"):
        monkeypatch.setattr(population, name, refuse)


@pytest.mark.parametrize(("name", "body", "key", "words"), REFUSED, ids=[c[0] for c in REFUSED])
def test_validate_refuses(tmp_path: Path, name: str, body: str, key: str,
                          words: list[str]) -> None:
    problem = find_problem(file_error(load_scenario, _write(tmp_path, name, body)), key)
    for word in words:
        assert word in problem.message, problem.message
    assert problem.line == 2


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize(("name", "body", "key", "words"), REFUSED, ids=[c[0] for c in REFUSED])
def test_cli_exits_2_before_building(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     no_build: None, command: str, name: str, body: str,
                                     key: str, words: list[str]) -> None:
    assert main([command, str(_write(tmp_path, name, body))]) == 2
    err = capsys.readouterr().err
    assert f"{key}:" in err and "Traceback" not in err


@pytest.mark.slow  # the real program; test_cli_exits_2_before_building is its fast twin
def test_validate_subprocess_exit_2(tmp_path: Path) -> None:
    path = _write(tmp_path, "big", REFUSED[0][1])
    done = subprocess.run([sys.executable, "-m", "tui.cli", "validate", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "network.users" in done.stderr and "network.mean_followers" in done.stderr
    assert "Traceback" not in done.stderr


def test_complete_hint_names_a_size_that_fits(tmp_path: Path) -> None:
    problem = find_problem(file_error(load_scenario, _write(tmp_path, "c", REFUSED[1][1])),
                           "network.users")
    fit = int(problem.hint.split("at most ")[1].split()[0].replace(",", ""))
    assert peak_bytes(NetworkConfig(kind="complete", users=fit), None) <= MEMORY_BUDGET
    assert peak_bytes(NetworkConfig(kind="complete", users=fit + 1), None) > MEMORY_BUDGET


@pytest.mark.parametrize("body", [
    "network: {users: 5000000, mean_followers: 20}",  # 100M edges: 2.8 GiB
    "network: {kind: complete, users: 10000}",
    "network: {kind: erdos_renyi, users: 1000000, mean_followers: 50}",
    "start: '2200-12-01T00:00'\nduration_h: 1440",
    "start: '1970-01-01T00:00'",
])
def test_sizes_within_the_budget_validate(tmp_path: Path, body: str) -> None:
    load_scenario(str(_write(tmp_path, "ok", body)))


SLOW = pytest.mark.slow  # builds a 100k-user graph under tracemalloc: seconds


@pytest.mark.parametrize(("kind", "users", "mean"), [
    pytest.param("synthetic", 100_000, 20.0, marks=SLOW),
    pytest.param("synthetic", 100_000, 100.0, marks=SLOW),
    ("complete", 1_500, 20.0), pytest.param("erdos_renyi", 100_000, 20.0, marks=SLOW),
])
def test_estimate_covers_a_measured_build(kind: str, users: int, mean: float) -> None:
    """The bytes-per-edge constants hold for the graphs network.py builds today."""
    cfg = NetworkConfig(kind=kind, users=users, mean_followers=mean)
    complaint = ComplaintConfig()
    build = {"synthetic": lambda: network.synthetic(cfg, complaint),
             "complete": lambda: network.complete(cfg),
             "erdos_renyi": lambda: network.erdos_renyi(cfg)}[kind]
    tracemalloc.start()
    try:
        net = build()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    followers = complaint.complainant_followers if kind == "synthetic" else None
    assert abs(net.edges - graph_edges(cfg, followers)) < 0.05 * net.edges
    estimate = peak_bytes(cfg, followers)
    assert peak <= estimate, f"measured {peak:,} bytes, estimated {estimate:,}"
    assert estimate < 1.5 * peak, "the estimate has drifted far above the real build"


def test_experiment_grid_point_over_budget_refused(tmp_path: Path) -> None:
    path = tmp_path / "grid.yaml"
    path.write_text("scenarios: [holiday-delivery]\nstrategies: [silent]\nreplications: 1\n"
                    "grid:\n  network.users: [10000, 5000000]\n"
                    "  network.mean_followers: [20, 500]\n")
    problem = find_problem(file_error(load_experiment, path), "grid.network.users[1]")
    assert "network.users=5000000" in problem.message and "GiB" in problem.message


# -- seed users on file networks (problem 11) ------------------------------------------------
@pytest.fixture
def three_nodes(tmp_path: Path) -> Path:
    (tmp_path / "three.txt").write_text("alice bob\nbob carol\n")
    return tmp_path


@pytest.mark.parametrize("user", [3, 100])
def test_file_seed_users_out_of_range(three_nodes: Path, user: int) -> None:
    path = _write(three_nodes, "s", "network: {kind: file, path: three.txt}\n"
                  f"complaint: {{seed_users: [0, {user}]}}")
    problem = find_problem(file_error(load_scenario, path), "complaint.seed_users[1]")
    assert f"{user} is not a user" in problem.message
    assert "3 nodes" in problem.message and "expected a node position from 0 to 2" \
        in problem.message
    assert "'alice'" in problem.hint and "not ids" in problem.hint


def test_file_seed_users_in_range_validate_and_cli_exits_2(
        three_nodes: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(three_nodes, "g", "network: {kind: file, path: three.txt}\n"
                  "complaint: {seed_users: [0, 2]}")
    assert load_scenario(str(good)).complaint.seed_users == [0, 2]
    bad = _write(three_nodes, "b", "network: {kind: file, path: three.txt}\n"
                 "complaint: {seed_users: [100]}")
    assert main(["run", str(bad)]) == 2
    assert "complaint.seed_users[0]" in capsys.readouterr().err


def test_synthetic_seed_users_out_of_range(tmp_path: Path) -> None:
    path = _write(tmp_path, "s", "network: {users: 10}\ncomplaint: {seed_users: [10]}")
    problem = find_problem(file_error(load_scenario, path), "complaint.seed_users[0]")
    assert "expected 0 to 9" in problem.message


# -- linear-time validation (problem 14) -----------------------------------------------------
@pytest.mark.slow  # validates 100k grid values
def test_large_grid_validates(tmp_path: Path) -> None:
    """100k grid values validate (275 s before; a few seconds now). 60 s only fails a hang."""
    values = ", ".join(f"{0.5 + i * 1e-5:.5f}" for i in range(100_000))
    path = tmp_path / "grid.yaml"
    path.write_text("scenarios: [holiday-delivery]\nstrategies: [silent]\nreplications: 1\n"
                    f"grid:\n  plan.approval_delay_h: [{values}]\n")
    began = time.process_time()  # CPU time: other jobs on a busy machine do not count
    experiment = load_experiment(str(path))
    assert time.process_time() - began < 60
    assert len(experiment.grid[0][1]) == 100_000


@pytest.mark.slow  # validates a 50k-value grid
def test_large_grid_repeat_still_found(tmp_path: Path) -> None:
    values = [f"{i}" for i in range(50_000)] + ["7", "7.0"]
    path = tmp_path / "grid.yaml"
    path.write_text("scenarios: [holiday-delivery]\nstrategies: [silent]\nreplications: 1\n"
                    f"grid:\n  plan.approval_delay_h: [{', '.join(values)}]\n")
    err = file_error(load_experiment, path)
    repeats = [p for p in err.problems if "listed twice" in p.message]
    assert [p.key for p in repeats] == ["grid.plan.approval_delay_h[50000]",
                                        "grid.plan.approval_delay_h[50001]"]
    assert "also grid.plan.approval_delay_h[7]" in repeats[0].message
