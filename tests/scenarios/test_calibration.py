"""Case-based library scenarios reproduce the shape of their real case.

The tolerances are the ones stated in each scenario file; the full table
(more replicas) is docs/scenarios.md, regenerated with
`python -m scenarios.calibration --write`.
"""

from __future__ import annotations

import pytest

from scenarios import library_scenarios, load_scenario
from scenarios.calibration import calibrate

CASES = [e.name for e in library_scenarios() if load_scenario(e.name).calibration.case]


@pytest.mark.parametrize("name", CASES)
def test_case_shape_within_tolerance(name: str) -> None:
    checks = calibrate(name, replicas=16)
    assert checks, f"{name} names a case but no calibrated quantity"
    bad = [c for c in checks if not c.ok]
    assert not bad, "; ".join(f"{c.quantity}: median {c.median:.1f} vs target {c.target:g} "
                              f"+- {c.tolerance:g}" for c in bad)


def test_the_library_has_case_based_scenarios() -> None:
    assert len(CASES) >= 1
