"""Diurnal activity by time change.

People react less at night. Rather than multiplying the reaction intensity by
an activity profile a(t) (which would change the branching ratio), delays are
drawn in *operational time* L(t) = integral of a, and mapped back with the
inverse. Reactions move into waking hours; their number is unchanged.

The profile is piecewise constant on 15-minute bins, built from a smooth
trough-to-peak shape whose exponent is solved so the daily mean is exactly 1.
"""

from __future__ import annotations

import bisect
import math
from functools import lru_cache

import numpy as np

from simulator.config import SpreadConfig

BIN_H = 0.25
BINS_PER_DAY = int(24 / BIN_H)


def activity_profile(trough: float, trough_hour: float, peak: float,
                     peak_hour: float) -> np.ndarray:
    """Relative activity per 15-minute bin of a day (index 0 = 00:00-00:15), mean 1."""
    return _profile(trough, trough_hour, peak, peak_hour).copy()


@lru_cache(maxsize=16)
def _profile(trough: float, trough_hour: float, peak: float, peak_hour: float) -> np.ndarray:
    """The profile, solved once per parameter set (a batch reuses it every run)."""
    if not trough < 1.0 < peak:
        raise ValueError("diurnal profile needs trough < 1 < peak for a daily mean of 1")
    mids = (np.arange(BINS_PER_DAY) + 0.5) * BIN_H
    rise = (peak_hour - trough_hour) % 24.0 or 24.0
    since = (mids - trough_hour) % 24.0
    fall = max(24.0 - rise, 1e-9)  # 0 when trough and peak share an hour: no falling part
    frac = np.where(since <= rise, since / rise, 1.0 - (since - rise) / fall)
    shape = (1.0 - np.cos(math.pi * frac)) / 2.0  # 0 at the trough, 1 at the peak
    target = (1.0 - trough) / (peak - trough)
    lo, hi = 1e-4, 1e4
    for _ in range(200):  # mean(shape**g) falls as g grows: bisect on log g
        g = math.sqrt(lo * hi)
        if np.mean(shape**g) > target:
            lo = g
        else:
            hi = g
    prof = trough + (peak - trough) * shape ** math.sqrt(lo * hi)
    return prof / prof.mean()


class TimeChange:
    """Maps simulation time (hours since start) to operational time and back."""

    def __init__(self, profile: np.ndarray | None, start_hour: float) -> None:
        self.identity = profile is None
        if profile is None:
            return
        self._rate = [float(x) for x in profile]
        cum = np.concatenate(([0.0], np.cumsum(profile) * BIN_H))
        self._cum = [float(x) for x in cum]
        self._day_op = self._cum[-1]  # = 24 for a mean-1 profile
        self._offset = start_hour % 24.0
        self._op0 = self._clock_to_op(self._offset)

    def _clock_to_op(self, x: float) -> float:
        day, r = divmod(x, 24.0)
        i = min(int(r / BIN_H), BINS_PER_DAY - 1)
        return day * self._day_op + self._cum[i] + (r - i * BIN_H) * self._rate[i]

    def to_op(self, t: float) -> float:
        """Operational time at simulation time `t`."""
        if self.identity:
            return t
        return self._clock_to_op(t + self._offset) - self._op0

    def to_sim(self, op: float) -> float:
        """Simulation time at operational time `op` (inverse of `to_op`)."""
        if self.identity:
            return op
        x = op + self._op0
        day, r = divmod(x, self._day_op)
        i = min(max(bisect.bisect_right(self._cum, r) - 1, 0), BINS_PER_DAY - 1)
        return day * 24.0 + i * BIN_H + (r - self._cum[i]) / self._rate[i] - self._offset

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(clk, cum, rates) for the compiled loop's inverse map (see `loop.to_sim`)."""
        if self.identity:
            return (np.array([1.0, 0.0, 0.0, 24.0, BIN_H]), np.zeros(2), np.ones(1))
        clk = np.array([0.0, self._offset, self._op0, self._day_op, BIN_H])
        return clk, np.asarray(self._cum), np.asarray(self._rate)

    def activity(self, t: float) -> float:
        """Relative activity at simulation time `t`."""
        if self.identity:
            return 1.0
        r = (t + self._offset) % 24.0
        return self._rate[min(int(r / BIN_H), BINS_PER_DAY - 1)]


def make_time_change(cfg: SpreadConfig, start_hour: float) -> TimeChange:
    """The scenario's time change (identity when the diurnal layer is off)."""
    if not cfg.diurnal:
        return TimeChange(None, start_hour)
    prof = activity_profile(cfg.diurnal_trough, cfg.diurnal_trough_hour,
                            cfg.diurnal_peak, cfg.diurnal_peak_hour)
    return TimeChange(prof, start_hour)
