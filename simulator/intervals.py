"""The t interval of a mean, defined once: every confidence interval the tool reports.

Batch tables, paired differences, global sensitivity, forecasts, debriefs and the
"run until the interval is this narrow" rule all use Student's t on the sample's own
standard deviation. Functions take numpy arrays or plain numbers; an interval is
undefined (NaN) below two values and exact (zero width) when every value agrees.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

LEVEL = 0.95  # the confidence level every report states


def t_quantile(n: Any, level: float = LEVEL) -> Any:
    """The two-sided t quantile for samples of size `n`; NaN where n < 2."""
    from scipy import stats  # scipy is heavy; drills that never need an interval skip it

    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        dof = np.where(n > 1, n - 1, np.nan)
        q = stats.t.ppf(0.5 + level / 2, dof)
    return q if q.ndim else float(q)


def t_half_width(sd: Any, n: Any, level: float = LEVEL) -> Any:
    """Half-width of the t interval of a mean with standard deviation `sd` over `n` values."""
    n_arr = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = t_quantile(n_arr, level) * np.asarray(sd, dtype=float) / np.sqrt(n_arr)
    return half if np.ndim(half) else float(half)


def t_intervals(n: np.ndarray, mean: np.ndarray, sd: np.ndarray,
                level: float = LEVEL) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised (ci_low, ci_high, two-sided p of mean 0); NaN where n < 2, exact where
    sd = 0 (p is 1 when the mean is 0 too, else 0)."""
    from scipy import stats

    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        dof = np.where(n > 1, n - 1, np.nan)
        se = sd / np.sqrt(n)
        half = stats.t.ppf(0.5 + level / 2, dof) * se
        p = 2 * stats.t.sf(np.abs(mean) / se, dof)
    p = np.where((se == 0) & (n > 1), np.where(mean == 0, 1.0, 0.0), p)
    return mean - half, mean + half, p


def t_interval(values: Sequence[float] | np.ndarray,
               level: float = LEVEL) -> tuple[float, float, float, float, float]:
    """(mean, sd, ci_low, ci_high, two-sided p of mean 0) of one sample; NaN where n < 2."""
    xs = np.asarray(values, dtype=float)
    n = xs.size
    mean = float(xs.mean()) if n else math.nan
    if n < 2:
        return mean, math.nan, math.nan, math.nan, math.nan
    sd = float(xs.std(ddof=1))
    low, high, p = t_intervals(np.array([n]), np.array([mean]), np.array([sd]), level)
    return mean, sd, float(low[0]), float(high[0]), float(p[0])
