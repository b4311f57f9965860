"""A short seeded run of the command-line fuzzer (tests/fuzz.py, issue 13 item 8).

The long runs are on demand (`python -m tests.fuzz --minutes N`); this keeps
the tool itself working and the promise checked on every CI run: whatever a
user's file holds, the CLI answers ok or exit 2, never a traceback, a hang or
a blown memory limit. The cases are fixed by the seed, so a failure here is
reproducible with `python -m tests.fuzz --seed 37 --cases 16` and the case
folder it keeps. The seed gives all four kinds of file (about 30 s on one busy
core); seeds that reach problems still open in issue 13 (e.g. seed 13 case 22,
a session clock of 2**64) are left to the on-demand runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests import fuzz

ROOT = Path(__file__).resolve().parents[1]
SEED, CASES = 37, 16


def test_cases_are_a_function_of_seed_and_index() -> None:
    """Deterministic mutants: the property that makes a kept case reproducible."""
    seeds = fuzz.shipped_seeds({"scenario", "strategy", "experiment", "session"})
    first = [fuzz.make_case(SEED, i, seeds) for i in range(12)]
    again = [fuzz.make_case(SEED, i, seeds) for i in reversed(range(12))][::-1]
    assert [(c.seed.name, c.data, c.mutations) for c in first] == \
           [(c.seed.name, c.data, c.mutations) for c in again]
    assert len({c.data for c in first}) > 6


def test_judge_classifies_outcomes() -> None:
    def step(rc: int, out: str = "", timed_out: bool = False) -> dict[str, object]:
        return {"returncode": rc, "output": out, "timed_out": timed_out, "seconds": 1.0}

    tb = 'Traceback (most recent call last):\n  File "x.py", line 1, in f\nValueError: no\n'
    assert fuzz.judge(step(2, "file.yaml: line 3: bad"))[0] == "clean"
    assert fuzz.judge(step(0))[0] == "ok"
    assert fuzz.judge(step(1, tb)) == ("traceback", "ValueError")
    assert fuzz.judge(step(2, tb))[0] == "traceback"
    assert fuzz.judge(step(1))[0] == "traceback"
    assert fuzz.judge(step(-9, timed_out=True))[0] == "hang"
    assert fuzz.judge(step(1, tb.replace("ValueError", "MemoryError")))[0] == "memory"
    assert fuzz.judge(step(-9))[0] == "memory"


def test_runs_as_a_module_from_the_repository_root() -> None:
    """`tests` has no __init__.py: `python -m tests.fuzz` relies on it being a namespace
    package when run from the root."""
    out = subprocess.run([sys.executable, "-m", "tests.fuzz", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "--minutes" in out.stdout


@pytest.mark.slow
def test_short_seeded_run_is_clean(tmp_path: Path) -> None:
    cases = fuzz.fuzz(SEED, CASES, None, tmp_path, jobs=1, timeout=40, progress=False)
    assert len(cases) == CASES
    bad = [c for c in cases if c.outcome in fuzz.BAD]
    assert not bad, fuzz.report(cases, f"seed {SEED}: kept in {tmp_path}")
