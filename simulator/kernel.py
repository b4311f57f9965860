"""Reaction-time kernels: how long after a post a follower reacts.

`cdf(s)` is the share of all eventual reactions that come by delay `s`
(hours), so `cdf(horizon) < 1` for the heavy-tailed SEISMIC kernel: reactions
beyond the horizon are truncated, not moved earlier. A post that stays
visible until `cutoff` gets a reaction from a follower with probability
`p * cdf(cutoff)` and the delay is drawn by inverse transform, `ppf(u *
cdf(cutoff))` with u uniform: the delay conditioned on falling before the
cutoff, in one vectorised call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.config import SpreadConfig


@dataclass(frozen=True)
class SeismicKernel:
    """SEISMIC density (Zhao et al. 2015): flat to s0, then a power-law tail.

    phi(s) = c for s <= s0 and c (s/s0)^-(1+theta) beyond; times in hours.
    The tail has an infinite mean (theta < 1), hence the horizon.
    """

    c: float  # density per hour
    s0: float  # hours
    theta: float
    horizon: float

    def cdf(self, s: float) -> float:
        """Share of reactions that come by delay `s` hours (0 beyond the horizon)."""
        c, s0, th = self.c, self.s0, self.theta
        s = min(max(s, 0.0), self.horizon)
        if s <= s0:
            return c * s
        return c * s0 + c * s0 / th * (1.0 - (s / s0) ** (-th))

    def ppf(self, x: np.ndarray) -> np.ndarray:
        """Delays (hours) at raw CDF levels `x` (each below `cdf(horizon)`)."""
        c, s0, th = self.c, self.s0, self.theta
        x = np.asarray(x, dtype=float)
        flat = c * s0
        base = np.maximum(1.0 - np.maximum(x - flat, 0.0) * th / flat, 1e-300)
        return np.where(x <= flat, x / c, s0 * base ** (-1.0 / th))

    def ppf1(self, x: float) -> float:
        """Scalar `ppf`, for the per-follower path of small fan-outs."""
        flat = self.c * self.s0
        if x <= flat:
            return x / self.c
        return self.s0 * max(1.0 - (x - flat) * self.theta / flat, 1e-300) ** (-1.0 / self.theta)


@dataclass(frozen=True)
class ExponentialKernel:
    """Exponential delays with `rate` per hour (for Markovian SIR checks)."""

    rate: float
    horizon: float

    def cdf(self, s: float) -> float:
        s = min(max(s, 0.0), self.horizon)
        return -math.expm1(-self.rate * s)

    def ppf(self, x: np.ndarray) -> np.ndarray:
        return -np.log1p(-np.asarray(x, dtype=float)) / self.rate

    def ppf1(self, x: float) -> float:
        return -math.log1p(-x) / self.rate


Kernel = SeismicKernel | ExponentialKernel


def make_kernel(cfg: SpreadConfig) -> Kernel:
    """The kernel a scenario asks for."""
    if cfg.kernel == "exponential":
        return ExponentialKernel(rate=cfg.exponential_rate_per_h, horizon=cfg.horizon_h)
    return SeismicKernel(c=cfg.seismic_c_per_s * 3600.0, s0=cfg.seismic_s0_s / 3600.0,
                         theta=cfg.seismic_theta, horizon=cfg.horizon_h)
