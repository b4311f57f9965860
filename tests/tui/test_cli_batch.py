"""`stormdrill batch` and `stormdrill report` from the real program."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow  # end-to-end: batch, resume and report in subprocesses
def test_batch_then_report(tmp_path: Path) -> None:
    exp = tmp_path / "exp.yaml"
    exp.write_text("kind: experiment\nname: tiny\nscenarios: [kitchen-gaffe]\n"
                   "strategies: [silent, fast-empathetic]\nreplications: 6\nseed: 2\n"
                   "hours: 12\ngrid:\n  plan.approval_delay_h: [0, 2]\n")
    out = tmp_path / "out"
    res = _cli("batch", str(exp), "--out", str(out), "--workers", "2", "--quiet")
    assert res.returncode == 0, res.stderr
    assert "paired difference vs silent" in res.stdout
    assert "index points" in res.stdout and "never responded" in res.stdout
    assert res.stdout.index("plan.approval_delay_h=0") < res.stdout.index(
        "plan.approval_delay_h=2")
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 24 and set(runs["strategy"]) == {"silent", "fast-empathetic"}
    assert "plan.approval_delay_h" in runs.columns
    assert (out / "summary.csv").is_file() and any((out / "plots").glob("*.svg"))
    assert (out / "paired.csv").is_file() and (out / "hourly.parquet").is_file()
    assert runs["scenario_fingerprint"].nunique() == 2  # one scenario as run per grid point
    again = _cli("batch", str(exp), "--out", str(out), "--quiet")
    assert again.returncode == 2 and "--resume" in again.stderr
    resumed = _cli("batch", str(exp), "--out", str(out), "--quiet", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    report = _cli("report", str(out), "-o", str(tmp_path / "r.html"))
    assert report.returncode == 0, report.stderr
    html = (tmp_path / "r.html").read_text()
    assert "fast-empathetic" in html and "<svg" in html


@pytest.mark.slow  # the real program four times
def test_batch_bad_input_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenarios: [kitchen-gaffe]\nstrategies: [silnet]\nreplications: 3\n")
    res = _cli("batch", str(bad), "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and "did you mean 'silent'" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists(), "nothing ran, nothing written"
    missing = _cli("report", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    workers = _cli("batch", "strategy-comparison", "--workers", "0")
    assert workers.returncode == 2
