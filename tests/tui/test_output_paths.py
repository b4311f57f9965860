"""Where `stormdrill batch --out` and `stormdrill report` read and write (issue 13, 8 and 9).

Every refusal exits 2 with the path in the message and no traceback, and
leaves everything as it was: no file created, none changed (bytes and
mtimes compared), no SQLite side files next to a file that was only read.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tui.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENT = ("kind: experiment\nname: tiny-paths\nscenarios: [kitchen-gaffe]\n"
              "strategies: [silent]\nreplications: 2\nseed: 3\nhours: 6\n")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder` with its bytes and mtime: what 'nothing changed' compares."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _refused(capsys: pytest.CaptureFixture[str], argv: list[str], path: Path) -> str:
    """Run the CLI in-process; it must exit 2, name `path` and print no traceback."""
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert str(path) in err, err
    assert "Traceback" not in err
    return err


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished tiny batch whose --out has a dot in its name: `results/v1.2`."""
    base = tmp_path_factory.mktemp("batch")
    exp = base / "exp.yaml"
    exp.write_text(EXPERIMENT)
    out = base / "results" / "v1.2"
    res = _cli("batch", str(exp), "--out", str(out), "--workers", "1", "--quiet")
    assert res.returncode == 0, res.stderr
    return out


@pytest.fixture
def experiment(tmp_path: Path) -> Path:
    exp = tmp_path / "exp.yaml"
    exp.write_text(EXPERIMENT)
    return exp


# ---- --out is always a folder ------------------------------------------------------------
@pytest.mark.slow  # uses the module's batch, run by the real program (seconds)
def test_dotted_out_is_a_folder_and_resumes(batch: Path, tmp_path: Path) -> None:
    assert batch.is_dir() and (batch / "results.sqlite").is_file()
    assert (batch / "summary.csv").is_file() and (batch / "runs.parquet").is_file()
    again = _cli("batch", str(batch.parent.parent / "exp.yaml"), "--out", str(batch),
                 "--workers", "1", "--quiet", "--resume")
    assert again.returncode == 0, again.stderr
    report = _cli("report", str(batch), "-o", str(tmp_path / "r.html"))
    assert report.returncode == 0, report.stderr
    # a rerun may replace its own previous report, and a Markdown one
    assert _cli("report", str(batch), "-o", str(tmp_path / "r.html")).returncode == 0
    assert _cli("report", str(batch), "-o", str(tmp_path / "r.md")).returncode == 0
    assert _cli("report", str(batch), "-o", str(tmp_path / "r.md")).returncode == 0


def test_out_that_is_a_file_is_refused(capsys: pytest.CaptureFixture[str], experiment: Path,
                                       tmp_path: Path) -> None:
    user = tmp_path / "v1.2"
    user.write_text("my notes\n")
    before = _snapshot(tmp_path)
    err = _refused(capsys, ["batch", str(experiment), "--out", str(user), "--quiet"], user)
    assert "not a folder" in err and "--out" in err
    assert _snapshot(tmp_path) == before


def test_out_under_a_file_is_refused(capsys: pytest.CaptureFixture[str], experiment: Path,
                                     tmp_path: Path) -> None:
    parent = tmp_path / "notes.txt"
    parent.write_text("x\n")
    before = _snapshot(tmp_path)
    err = _refused(capsys, ["batch", str(experiment), "--out", str(parent / "sub" / "v1"),
                            "--quiet"], parent)
    assert "is a file" in err
    assert _snapshot(tmp_path) == before


def test_out_folder_of_other_files_is_refused(capsys: pytest.CaptureFixture[str],
                                              experiment: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "summary.csv").write_text("my,own\n1,2\n")
    before = _snapshot(tmp_path)
    err = _refused(capsys, ["batch", str(experiment), "--out", str(folder), "--quiet"], folder)
    assert "not a results folder" in err
    assert _snapshot(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_out_without_permission_is_refused(capsys: pytest.CaptureFixture[str],
                                           experiment: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        err = _refused(capsys, ["batch", str(experiment), "--out", str(locked / "v1"),
                                "--quiet"], locked)
        assert "permission" in err
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


def test_read_only_location_is_refused(capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch, experiment: Path,
                                       tmp_path: Path) -> None:
    """As root (where chmod cannot lock a folder) a read-only mount is what os.access says."""
    locked = tmp_path / "mount"
    locked.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != locked and real(p, mode))
    err = _refused(capsys, ["batch", str(experiment), "--out", str(locked / "v1.2"),
                            "--quiet"], locked)
    assert "permission" in err
    err = _refused(capsys, ["report", str(experiment), "-o", str(locked / "r.html")], locked)
    assert list(locked.iterdir()) == []


# ---- report never turns a user's file into something else ------------------------------
@pytest.mark.parametrize("content", [b"", b"# my notes\n", b"\x00\x01binary"])
def test_report_refuses_a_file_that_is_no_results(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path, content: bytes) -> None:
    user = tmp_path / "empty.md"
    user.write_bytes(content)
    before = _snapshot(tmp_path)
    err = _refused(capsys, ["report", str(user), "-o", str(tmp_path / "r.html")], user)
    assert "expected session files" in err
    assert _snapshot(tmp_path) == before and sorted(os.listdir(tmp_path)) == ["empty.md"]


def test_report_refuses_a_folder_without_results(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    _refused(capsys, ["report", str(folder), "-o", str(tmp_path / "r.html")], folder)
    assert list(folder.iterdir()) == [] and not (tmp_path / "r.html").exists()


@pytest.mark.slow  # uses the module's batch, run by the real program (seconds)
def test_report_never_overwrites_a_user_file(capsys: pytest.CaptureFixture[str], batch: Path,
                                             tmp_path: Path) -> None:
    mine = tmp_path / "notes.html"
    mine.write_text("<p>my own page</p>\n")
    before = _snapshot(tmp_path)
    err = _refused(capsys, ["report", str(batch), "-o", str(mine)], mine)
    assert "not a report written by stormdrill" in err
    target = batch / "results.sqlite"
    stored = _snapshot(batch)
    _refused(capsys, ["report", str(target), "-o", str(target)], target)
    _refused(capsys, ["report", str(batch), "-o", str(batch)], batch)
    assert _snapshot(tmp_path) == before and _snapshot(batch) == stored


# ---- a corrupted or foreign results.sqlite ----------------------------------------------
def _damage_page(db: Path) -> None:
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    assert len(data) >= 3 * page, "the tiny batch fills several pages"
    data[2 * page: 3 * page] = b"\xa5" * page  # the third page: a table or index b-tree
    db.write_bytes(bytes(data))


def _foreign(db: Path) -> None:
    db.unlink()
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        con.execute("INSERT INTO users VALUES (1, 'ann')")
    con.close()


def _sql(statement: str) -> Callable[[Path], None]:
    """A corruption that runs one SQL statement on the store."""

    def corrupt(db: Path) -> None:
        with sqlite3.connect(db) as con:
            con.execute(statement)
        con.close()
    return corrupt


CORRUPTIONS = {
    "damaged page": (_damage_page, ""),
    "foreign schema": (_foreign, "tables users"),
    "bad params": (_sql("UPDATE runs SET params = '{not json'"), "params"),
    "params not an object": (_sql("UPDATE runs SET params = '[1, 2]'"), "params"),
    "bad meta": (_sql("UPDATE meta SET value = '{oops' WHERE key = 'experiment'"), "meta"),
    "non-numeric metric": (_sql("UPDATE runs SET sharers = 'lots'"), "sharers"),
    "non-numeric hourly": (_sql("UPDATE hourly SET reach = 'x'"), "hourly"),
}


@pytest.mark.slow  # uses the module's batch, run by the real program (seconds)
@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_corrupted_store_is_refused_unchanged(capsys: pytest.CaptureFixture[str], batch: Path,
                                              experiment: Path, tmp_path: Path,
                                              case: str) -> None:
    corrupt, words = CORRUPTIONS[case]
    out = tmp_path / "out"
    shutil.copytree(batch, out)
    db = out / "results.sqlite"
    corrupt(db)
    before = _snapshot(out)
    for argv in (["batch", str(experiment), "--out", str(out), "--quiet", "--resume"],
                 ["report", str(out), "-o", str(tmp_path / "r.html")],
                 ["report", str(db), "-o", str(tmp_path / "r.md")]):
        err = _refused(capsys, argv, db)
        assert words in err and "not a usable stormdrill results file" in err, err
        assert _snapshot(out) == before, f"{case}: {argv[0]} changed the store"
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "r.md").exists()


@pytest.mark.slow  # uses the module's batch, run by the real program (seconds)
def test_read_only_open_creates_nothing(batch: Path, tmp_path: Path) -> None:
    from simulator.results import Results

    out = tmp_path / "copy"
    shutil.copytree(batch, out)
    before = _snapshot(out)
    assert len(Results.open(out).runs) == 2
    assert _snapshot(out) == before  # no -wal / -shm files, no change to the file


@pytest.mark.slow  # waits for a Dask connection to time out
def test_an_unreachable_scheduler_creates_no_out_folder(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The address is checked before anything is written (issue 13 item 5)."""
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exp = tmp_path / "exp.yaml"
    exp.write_text("kind: experiment\nname: tiny\nscenarios: [kitchen-gaffe]\n"
                   "strategies: [silent]\nreplications: 2\nhours: 6\n")
    out = tmp_path / "never"
    code = main(["batch", str(exp), "--scheduler", f"tcp://127.0.0.1:{port}", "--out",
                 str(out), "--quiet"])
    assert code == 2 and "could not connect" in capsys.readouterr().err
    assert not out.exists(), "nothing created on disk before the scheduler answered"
