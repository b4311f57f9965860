"""Only regular files of bounded size are read, and a damaged session is refused by key.

Issue 13, problems 6, 10 and 13: a FIFO blocked for ever, a link to /dev/zero
ended in MemoryError, session values gave tracebacks. Anything that could
block or fill memory if it regressed runs in a subprocess with a short
ceiling, so a regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scenarios import FileError, load_scenario
from simulator.netio import (
    MAX_FILE_BYTES,
    NetworkFileError,
    UnreadableFile,
    read_bounded,
    read_edgelist,
    wide_encoding,
)
from tui.session import MAX_BYTES as SESSION_MAX_BYTES
from tui.session import Session, SessionError

ROOT = Path(__file__).resolve().parents[2]
CEILING_S = 120  # far above the few seconds a refusal takes, even on a very busy machine;
# only a hang reaches it
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
GOOD_SESSION = {"format": "stormdrill-session/1", "scenario": "kitchen-gaffe", "seed": 1,
                "clock_h": 2.0, "journal": [{"at_h": 1.0, "kind": "update"}],
                "decisions": []}


def _cli(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    res = subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=ROOT,
                         capture_output=True, text=True, timeout=CEILING_S)
    return res, time.monotonic() - start


def _refused(res: subprocess.CompletedProcess[str], *words: str) -> None:
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    for word in words:
        assert word in res.stderr, res.stderr


def _file_network(folder: Path, target: str) -> Path:
    scenario = folder / "s.yaml"
    scenario.write_text(f"network:\n  kind: file\n  path: {target}\n")
    return scenario


@needs_fifo
@pytest.mark.parametrize("command", [pytest.param("run", marks=pytest.mark.slow),
                                     "validate"])  # each a real-program subprocess
def test_a_fifo_as_scenario_is_refused_at_once(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    res, took = _cli(command, str(fifo))
    _refused(res, "pipe.yaml", "named pipe (FIFO)", "not a regular file")
    assert took < CEILING_S / 2


@pytest.mark.slow  # the real program several times
@needs_fifo
def test_a_fifo_as_session_and_as_its_scenario_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    res, _ = _cli("resume", str(fifo))
    _refused(res, "pipe.json", "named pipe (FIFO)")
    res, _ = _cli("report", str(fifo), "-o", str(tmp_path / "r.html"))
    _refused(res, "pipe.json", "named pipe (FIFO)")
    scenario = tmp_path / "pipe.yaml"
    os.mkfifo(scenario)
    session = tmp_path / "s.json"
    session.write_text(json.dumps({**GOOD_SESSION, "scenario": str(scenario)}))
    before = session.read_bytes()
    res, _ = _cli("resume", str(session))
    _refused(res, "pipe.yaml", "named pipe (FIFO)")
    assert session.read_bytes() == before


@needs_fifo
@pytest.mark.parametrize("command", [pytest.param("run", marks=pytest.mark.slow),
                                     "validate"])  # each a real-program subprocess
def test_a_fifo_as_network_path_is_named_as_such(tmp_path: Path, command: str) -> None:
    os.mkfifo(tmp_path / "net.txt")
    res, _ = _cli(command, str(_file_network(tmp_path, "net.txt")))
    _refused(res, "network.path", "net.txt", "named pipe (FIFO)")
    assert "file not found" not in res.stderr


@pytest.mark.slow  # the real program several times
@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_link_to_dev_zero_is_refused_everywhere(tmp_path: Path) -> None:
    for name in ("zero.yaml", "zero.json", "net.txt"):
        (tmp_path / name).symlink_to("/dev/zero")
    res, _ = _cli("run", str(tmp_path / "zero.yaml"))
    _refused(res, "zero.yaml", "a link to /dev/zero, a character device")
    res, _ = _cli("resume", str(tmp_path / "zero.json"))
    _refused(res, "zero.json", "character device")
    res, _ = _cli("run", str(_file_network(tmp_path, "net.txt")))
    _refused(res, "network.path", "character device")


def test_read_bounded_refuses_what_is_over_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 101)
    assert read_bounded(path, 101) == b"x" * 101
    with pytest.raises(UnreadableFile, match="expected at most"):
        read_bounded(path, 100)
    with pytest.raises(UnreadableFile, match="is a directory"):
        read_bounded(tmp_path, 100)


def test_an_oversized_scenario_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as fh:
        fh.truncate(6 * 1024 * 1024)  # sparse: no disk or memory is used
    with pytest.raises(FileError, match="expected at most 5 MB"):
        load_scenario(str(path))


def test_an_oversized_session_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as fh:
        fh.truncate(SESSION_MAX_BYTES + 1)
    with pytest.raises(SessionError, match=r"big\.json: file is .*expected at most 20 MB"):
        Session.load(path)


def test_an_oversized_network_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "net.txt"
    with path.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(NetworkFileError, match="expected at most 2 GiB"):
        read_edgelist(str(path))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_are_named_not_called_binary(tmp_path: Path, encoding: str) -> None:
    name = "UTF-32" if "32" in encoding else "UTF-16"
    yaml_file = tmp_path / "s.yaml"
    yaml_file.write_bytes("name: my-scenario\n".encode(encoding))
    with pytest.raises(FileError, match=f"{name} text; save it as UTF-8") as info:
        load_scenario(str(yaml_file))
    assert "binary" not in str(info.value)
    session = tmp_path / "s.json"
    session.write_bytes(json.dumps(GOOD_SESSION).encode(encoding))
    with pytest.raises(SessionError, match=f"{name} text; save it as UTF-8"):
        Session.load(session)
    edges = tmp_path / "net.txt"
    edges.write_bytes("a b\nb c\n".encode(encoding))
    with pytest.raises(NetworkFileError, match=f"{name} text; save it as UTF-8"):
        read_edgelist(str(edges))


def test_wide_encoding_leaves_utf8_and_binary_alone() -> None:
    assert wide_encoding(b"name: x\n") is None
    assert wide_encoding("naïve: ü\n".encode()) is None
    assert wide_encoding(bytes(range(256))) is None


@pytest.mark.parametrize(("change", "key"), [
    ({"roles": ["lead", "Ann"]}, "roles"),
    ({"roles": "lead"}, "roles"),
    ({"roles": {"lead": 3}}, "roles.lead"),
    ({"team": ["A"]}, "team"),
    ({"team": "x" * 201}, "team"),
    ({"seed": 2**63}, "seed"),
    ({"seed": 1.5}, "seed"),
    ({"seed": True}, "seed"),
    ({"seed": -4}, "seed"),
    ({"scenario": 7}, "scenario"),
    ({"finished": "yes"}, "finished"),
    ({"journal": {"at_h": 1}}, "journal"),
    ({"journal": [[1.0, "update"]]}, "journal[0]"),
    ({"journal": [{"at_h": "1", "kind": "update"}]}, "journal[0].at_h"),
    ({"journal": [{"at_h": 1, "kind": "fly"}]}, "journal[0]"),
    ({"journal": [{"at_h": 1, "inject": 0.5}]}, "journal[0].inject"),
    ({"journal": [{"at_h": 1, "inject": -1}]}, "journal[0].inject"),
    ({"decisions": [{"point": 0, "option": 1}]}, "decisions[0]"),
    ({"decisions": [{"point": 0, "option": -2, "at_h": 1}]}, "decisions[0].option"),
    ({"prompt_minutes": -1}, "prompt_minutes"),
    ({"auto_pause": "inject"}, "auto_pause"),
])
def test_a_session_with_a_bad_value_names_file_and_key(
        tmp_path: Path, change: dict[str, object], key: str) -> None:
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps({**GOOD_SESSION, **change}))
    with pytest.raises(SessionError) as info:
        Session.load(path)
    assert str(info.value).startswith(f"{path}: {key}: "), info.value
    assert "expected" in str(info.value)


@pytest.mark.parametrize(("text", "words"), [
    ('"seed": 1e309', "seed: Infinity"),
    ('"seed": ' + "9" * 5000, "seed: a 5000-digit number"),
    ('"clock_h": -' + "9" * 5000, "clock_h: a 5000-digit number"),
    ('"clock_h": NaN', "clock_h: NaN"),
    ('"roles": ' + "[" * 100_000 + "]" * 100_000, "nested too deeply"),
], ids=["seed-1e309", "seed-5000-digits", "clock-5000-digits", "clock-nan", "nested-100k"])
def test_session_numbers_and_nesting_that_broke_the_json_reader(
        tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(GOOD_SESSION)[:-1] + ", " + text + "}")
    with pytest.raises(SessionError, match=words) as info:
        Session.load(path)
    assert str(info.value).startswith(str(path))


def test_a_good_session_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "good.json"
    data = {**GOOD_SESSION, "roles": {"lead": "Ann"}, "prompt_minutes": 5, "auto_pause": [],
            "journal": [{"at_h": 0.5, "inject": 0, "text": "hi"},
                        {"at_h": 1.0, "kind": "reply", "tone": "neutral", "text": "sorry"}],
            "decisions": [{"point": 0, "option": -1, "at_h": 1.5, "timed_out": True}]}
    path.write_text(json.dumps(data))
    session = Session.load(path)
    assert session.roles == {"lead": "Ann"} and session.prompt_minutes == 5.0
    assert session.to_dict()["journal"] == data["journal"]
    assert session.decisions[0].timed_out


def test_each_save_keeps_the_previous_state_as_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "drill.json"
    session = Session(scenario="kitchen-gaffe", seed=1, path=path)
    session.save()
    backup = tmp_path / "drill.json.bak"
    assert not backup.exists(), "nothing to keep before the first save"
    session.clock_h = 1.0
    session.save()
    assert Session.load(backup).clock_h == 0.0 and Session.load(path).clock_h == 1.0
    session.clock_h = 2.0
    session.save()
    assert Session.load(backup).clock_h == 1.0 and Session.load(path).clock_h == 2.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drill.json", "drill.json.bak"]


def test_a_failed_save_leaves_the_session_and_its_backup_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "drill.json"
    session = Session(scenario="kitchen-gaffe", seed=1, path=path)
    session.save()
    session.clock_h = 1.0
    session.save()
    before = path.read_bytes(), (tmp_path / "drill.json.bak").read_bytes()

    def half_written(data: object, fh: object, **_: object) -> None:
        fh.write('{"format": "stormdrill-ses')  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tui.session.json.dump", half_written)
    session.clock_h = 2.0
    with pytest.raises(OSError):
        session.save()
    assert (path.read_bytes(), (tmp_path / "drill.json.bak").read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drill.json", "drill.json.bak"]
