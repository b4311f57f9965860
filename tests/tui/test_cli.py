"""The command line: the --json contract, listings, and exit code 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import main

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "fixtures" / "bad"
REQUIRED = {"sharers", "reach", "peak_hourly_negative", "time_to_peak_h", "detected_at_h",
            "first_response_at_h", "media_pickups", "reputation_min", "reputation_end",
            "duration_h", "duration_cut_off", "participants_outside", "outside_share",
            "first_media_at_h", "trust_start", "trust_dip", "trust_30d", "deletions_noticed",
            "hourly_trust", "negative_posts"}


def first_fast(cases: list) -> list:
    """The first case stays in the fast loop; the others are marked slow (each case runs
    the real program in a subprocess, about a second)."""
    return [cases[0], *(pytest.param(*(c if isinstance(c, tuple) else (c,)),
                                     marks=pytest.mark.slow) for c in cases[1:])]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_run_json_has_the_contract_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "supermarket-video", "--strategy", "fast-empathetic", "--seed", "3",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out.keys() >= REQUIRED
    assert out["strategy"] == "fast-empathetic" and out["seed"] == 3
    assert out["sharers"] >= 1 and out["reach"] >= out["sharers"]


def test_run_default_scenario_prints_a_readable_summary(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--hours", "12"]) == 0
    text = capsys.readouterr().out
    assert "participants (negative posters)" in text and "after 30 days" in text
    assert text.index("Trust") < text.index("Attention"), "trust first"


def test_summary_shows_trust_then_attention() -> None:
    from tui.cli import format_summary

    s = {"scenario": "s", "strategy": None, "seed": 1, "trust_start": 20.0,
         "reputation_min": 13.6, "reputation_end": 15.0, "trust_dip": 6.4, "trust_30d": 18.2,
         "negative_posts": 1200, "sharers": 800, "participants_outside": 240,
         "outside_share": 0.3, "reach": 9000, "peak_hourly_negative": 90, "time_to_peak_h": 5.5,
         "duration_h": 72.0, "duration_cut_off": True, "first_media_at_h": None,
         "detected_at_h": 1.0, "first_response_at_h": None, "media_pickups": 0, "defences": 3,
         "deletions": 1, "deletions_noticed": 1, "hourly_negative": [1, 5, 3]}
    text = format_summary(s, "A storm")
    assert text.index("Trust") < text.index("Attention") < text.index("Response")
    assert "still going at the end" in text and "240 (30%)" in text
    assert "13.6" in text and "18.2" in text and "no response" in text


@pytest.mark.slow  # the real program in a subprocess
def test_same_seed_same_json_from_the_real_program() -> None:
    a = _cli("run", "telecom-storing", "--seed", "4", "--json")
    b = _cli("run", "telecom-storing", "--seed", "4", "--json")
    c = _cli("run", "telecom-storing", "--seed", "5", "--json")
    assert a.returncode == b.returncode == 0, a.stderr
    assert a.stdout == b.stdout
    assert json.loads(a.stdout) != json.loads(c.stdout)


def test_scenarios_listing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) >= 3 and all({"name", "path"} <= r.keys() for r in rows)
    assert main(["scenarios"]) == 0
    assert "supermarket-video" in capsys.readouterr().out


def test_validate_good_files(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for d in ("library", "strategies", "experiments")
                   for p in (ROOT / "scenarios" / d).glob("*.yaml"))
    assert main(["validate", *files]) == 0
    assert capsys.readouterr().out.count(": ok") == len(files)


@pytest.mark.parametrize("args", first_fast([
    ["run", "no-such-scenario"],
    ["run", str(BAD / "not_yaml.yaml")],
    ["run", "supermarket-video", "--strategy", "panic"],
    ["run", "supermarket-video", "--hours", "-3"],
    ["run", "supermarket-video", "--seed", "x"],
    ["validate", str(BAD / "multiple_problems.yaml")],
    ["validate", str(ROOT / "tests")],
    ["frobnicate"],
    ["play", "kitchen-gaffe", "--prompts", "slow"],
    ["play", "kitchen-gaffe", "--prompts", "real:0"],
    ["play", "kitchen-gaffe", "--auto-pause", "inject,lunch"],
]))
def test_bad_input_exits_2_without_traceback(args: list[str]) -> None:
    res = _cli(*args)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and res.stderr.strip()


def test_binary_garbage_exits_2(tmp_path: Path) -> None:
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(bytes(range(256)) * 8)
    res = _cli("run", str(junk))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "junk.yaml" in res.stderr


@pytest.mark.slow  # the real program in a subprocess
def test_bad_network_file_exits_2(tmp_path: Path) -> None:
    (tmp_path / "net.txt").write_text("a b\nc\n")
    (tmp_path / "s.yaml").write_text("network:\n  kind: file\n  path: net.txt\n")
    res = _cli("run", str(tmp_path / "s.yaml"))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "net.txt:2" in res.stderr


@pytest.mark.parametrize(("change", "message"), first_fast([
    ({"clock_h": float("nan")}, "not a number"),
    ({"clock_h": 0.5}, "after the saved clock"),
    ({"journal": [{"at_h": 1.0, "inject": 99}]}, "fires inject 99"),
    ({"journal": [{"at_h": 1000.0, "kind": "update"}], "clock_h": 1000.0}, "after the end"),
    ({"clock_h": 1e8}, "a time from 0 to 1440 hours"),  # found by tests/fuzz.py
    ({"journal": [{"at_h": 1.0, "kind": "update"}] * 2001}, "expected at most 2000"),
    ({"seed": -4}, "negative"),
]))
def test_resume_refuses_a_damaged_session_and_leaves_it_alone(
        tmp_path: Path, change: dict[str, object], message: str) -> None:
    data = {"format": "stormdrill-session/1", "scenario": "kitchen-gaffe", "seed": 1,
            "clock_h": 2.0, "journal": [{"at_h": 1.0, "kind": "update"}], "decisions": []}
    data.update(change)
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(data))
    before = path.read_bytes()
    res = _cli("resume", str(path))
    assert res.returncode == 2 and message in res.stderr, res.stderr
    assert "Traceback" not in res.stderr
    assert path.read_bytes() == before, "nothing already saved is lost"


def test_a_drill_that_stopped_on_an_error_is_not_reported_as_saved(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from types import SimpleNamespace

    from tui.cli import _after_drill

    session = tmp_path / "s.json"
    session.write_text("{}")
    assert _after_drill(SimpleNamespace(return_code=1), session) == 1
    err = capsys.readouterr().err
    assert "stopped on an error" in err and "session kept" in err
    assert _after_drill(SimpleNamespace(return_code=0), session) == 0
    assert "session saved" in capsys.readouterr().out


@pytest.mark.slow  # the real program in a subprocess
def test_hours_beyond_the_scenario_say_they_were_capped() -> None:
    res = _cli("run", "kitchen-gaffe", "--hours", "500", "--json")
    assert res.returncode == 0
    assert "longer than the scenario (72 h)" in res.stderr
    assert json.loads(res.stdout)["duration_h"] <= 72


@pytest.mark.slow  # the real program in a subprocess
def test_a_headless_run_says_it_takes_no_decision_point() -> None:
    res = _cli("run", "kitchen-gaffe", "--hours", "2")
    assert res.returncode == 0 and "decision points are drill prompts" in res.stderr


_GOOD_SESSION = {"format": "stormdrill-session/1", "scenario": "kitchen-gaffe", "seed": 1,
                 "clock_h": 2.0, "journal": [{"at_h": 1.0, "kind": "update"}],
                 "decisions": []}


@pytest.mark.parametrize(("text", "key"), first_fast([
    ('"roles": ["lead", "Ann"]', "roles"),
    ('"roles": "lead"', "roles"),
    ('"seed": 1e309', "seed"),
    ('"seed": ' + "7" * 5000, "seed"),
    ('"team": {"a": 1}', "team"),
    ('"journal": [{"at_h": 1, "kind": "update", "colour": "red"}]', "journal[0]"),
    ('"roles": ' + "[" * 100_000 + "]" * 100_000, "nested too deeply"),
]), ids=["roles-list", "roles-string", "seed-1e309", "seed-5000-digits", "team-mapping",
        "journal-extra-key", "nested-100k"])
@pytest.mark.parametrize("command", first_fast(["resume", "report"]))
def test_a_session_with_a_bad_key_exits_2_naming_file_and_key(
        tmp_path: Path, text: str, key: str, command: str) -> None:
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(_GOOD_SESSION)[:-1] + ", " + text + "}")
    before = path.read_bytes()
    extra = ["-o", str(tmp_path / "r.html")] if command == "report" else []
    res = _cli(command, str(path), *extra)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert f"{path}: {key}" in res.stderr, res.stderr
    assert path.read_bytes() == before and not (tmp_path / "r.html").exists()
    assert not (tmp_path / "damaged.json.bak").exists()


@pytest.mark.slow  # the real program in a subprocess
def test_report_on_a_negative_seed_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "neg.json"
    path.write_text(json.dumps({**_GOOD_SESSION, "seed": -4}))
    res = _cli("report", str(path), "-o", str(tmp_path / "r.html"))
    assert res.returncode == 2 and f"{path}: seed: -4" in res.stderr, res.stderr


@pytest.mark.slow  # the real program several times
@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no named pipes here")
def test_fifos_are_refused_at_once_and_never_opened(tmp_path: Path) -> None:
    import os

    for name in ("pipe.yaml", "pipe.json", "net.txt"):
        os.mkfifo(tmp_path / name)
    (tmp_path / "s.yaml").write_text("network:\n  kind: file\n  path: net.txt\n")
    for args in (["run", str(tmp_path / "pipe.yaml")], ["resume", str(tmp_path / "pipe.json")],
                 ["validate", str(tmp_path / "s.yaml")]):
        res = subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)  # a hang fails
        assert res.returncode == 2 and "named pipe (FIFO)" in res.stderr, res.stderr
        assert "Traceback" not in res.stderr


def test_validate_reads_the_network_file_as_run_would(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad line in a network file is found by `validate`, not first by `run` (issue 13)."""
    (tmp_path / "net.txt").write_text("a b\nc\n")
    (tmp_path / "s.yaml").write_text("network:\n  kind: file\n  path: net.txt\n")
    assert main(["validate", str(tmp_path / "s.yaml")]) == 2
    err = capsys.readouterr().err
    assert "network.path" in err and "net.txt:2" in err and "Traceback" not in err
    (tmp_path / "net.txt").write_text("a b\nb c\n")
    assert main(["validate", str(tmp_path / "s.yaml")]) == 0
