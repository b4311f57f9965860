"""Kernel, diurnal time change and monitoring coverage."""

from __future__ import annotations

import itertools
from datetime import datetime

import numpy as np
import pytest

from simulator.config import SpreadConfig
from simulator.coverage import Coverage, CoverageError, parse_window
from simulator.diurnal import activity_profile, make_time_change
from simulator.kernel import make_kernel


def test_seismic_kernel_matches_published_cdf() -> None:
    k = make_kernel(SpreadConfig(horizon_h=1e12))
    for s, expected in [(5 / 60, 0.188), (1, 0.543), (6, 0.70), (24, 0.781), (168, 0.86)]:
        assert k.cdf(s) == pytest.approx(expected, abs=0.003)
    x = np.linspace(0.001, 0.98, 50) * k.cdf(1e12)
    assert np.allclose([k.cdf(d) for d in k.ppf(x)], x, rtol=1e-9)


def test_truncation_at_horizon() -> None:
    k = make_kernel(SpreadConfig())
    assert k.cdf(336) == pytest.approx(0.881, abs=0.001)
    assert k.cdf(10_000) == k.cdf(336)


def test_exponential_kernel() -> None:
    k = make_kernel(SpreadConfig(kernel="exponential", exponential_rate_per_h=2.0))
    assert k.cdf(0.5) == pytest.approx(1 - np.exp(-1.0))
    assert k.ppf(np.array([k.cdf(0.5)]))[0] == pytest.approx(0.5)


def test_diurnal_profile_shape() -> None:
    p = activity_profile(0.25, 4.0, 1.6, 21.0)
    assert p.mean() == pytest.approx(1.0)
    assert p.min() == pytest.approx(0.25, abs=0.01)
    assert p.max() == pytest.approx(1.6, abs=0.01)
    assert 3.5 <= np.argmin(p) / 4 <= 4.5 and 20.5 <= np.argmax(p) / 4 <= 21.5
    with pytest.raises(ValueError):
        activity_profile(1.2, 4.0, 1.6, 21.0)


def test_time_change_is_monotone_and_inverts() -> None:
    tc = make_time_change(SpreadConfig(), start_hour=23.0)
    ts = np.linspace(0, 200, 2001)
    ops = [tc.to_op(t) for t in ts]
    assert all(a < b for a, b in itertools.pairwise(ops))
    assert all(tc.to_sim(o) == pytest.approx(t, abs=1e-9) for o, t in zip(ops, ts, strict=True))
    assert tc.to_op(24.0) == pytest.approx(24.0)  # a whole day has mean activity 1
    assert tc.activity(5.0) < 0.3 < 1.5 < tc.activity(22.0)  # 04:00 vs 21:00


@pytest.mark.parametrize(("entry", "when", "covered"), [
    ("24/7", "2026-03-08T03:00", True),
    ("mon-fri 08:00-18:00", "2026-03-06T17:59", True),  # Friday
    ("mon-fri 08:00-18:00", "2026-03-06T18:00", False),
    ("mon-fri 08:00-18:00", "2026-03-07T10:00", False),  # Saturday
    ("daily 22:00-06:00", "2026-03-07T23:30", True),
    ("daily 22:00-06:00", "2026-03-08T05:00", True),
    ("sat,sun 10:00-14:00", "2026-03-08T11:00", True),
    ("fri 22:00-02:00", "2026-03-07T01:00", True),  # Saturday 01:00, Friday's night shift
])
def test_coverage_windows(entry: str, when: str, covered: bool) -> None:
    start = datetime.fromisoformat(when)
    assert Coverage([entry], start).covered(0.0) is covered


@pytest.mark.parametrize("entry", ["mon-fry 08:00-18:00", "weekdays 8-18", "mon 25:00-26:00",
                                   "whenever"])
def test_bad_coverage_says_what_was_expected(entry: str) -> None:
    with pytest.raises(CoverageError, match=r"expected|unknown day"):
        parse_window(entry)
