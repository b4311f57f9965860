"""The one t interval: the textbook values, NaN below two values, exact on agreement."""

from __future__ import annotations

import math

import numpy as np

from simulator.intervals import t_half_width, t_interval, t_intervals


def test_textbook_interval() -> None:
    # n = 4, mean 2.5, sd 1.2910: t(0.975, 3) = 3.1824 -> half-width 2.0543
    mean, sd, low, high, p = t_interval([1, 2, 3, 4])
    assert mean == 2.5 and math.isclose(sd, 1.2909944, rel_tol=1e-6)
    assert math.isclose(high - mean, 2.0543, rel_tol=1e-4) and math.isclose(mean - low,
                                                                            high - mean)
    assert 0.0 < p < 0.05


def test_undefined_below_two_values_and_exact_on_agreement() -> None:
    assert all(math.isnan(x) for x in t_interval([3.0])[1:])
    assert t_interval([2.0, 2.0, 2.0])[2:] == (2.0, 2.0, 0.0)
    assert t_interval([0.0, 0.0])[4] == 1.0
    assert math.isnan(t_half_width(1.0, 1))


def test_vectorised_matches_scalar() -> None:
    rng = np.random.default_rng(0)
    samples = [rng.normal(size=k) for k in (2, 5, 30)]
    n = np.array([s.size for s in samples])
    mean = np.array([s.mean() for s in samples])
    sd = np.array([s.std(ddof=1) for s in samples])
    low, high, p = t_intervals(n, mean, sd)
    for i, s in enumerate(samples):
        _, _, lo, hi, pv = t_interval(s)
        assert math.isclose(low[i], lo) and math.isclose(high[i], hi) and math.isclose(p[i], pv)
    assert np.allclose(t_half_width(sd, n), high - mean)
