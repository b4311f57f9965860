"""Reaction-time kernels: how long after a post a follower reacts.

`cdf(s)` is the share of all eventual reactions that come by delay `s`
(hours), so `cdf(horizon) < 1` for the heavy-tailed SEISMIC kernel: reactions
beyond the horizon are truncated, not moved earlier. A post that stays
visible until `cutoff` gets a reaction from a follower with probability
`p * cdf(cutoff)` and the delay is drawn by inverse transform, `ppf(u *
cdf(cutoff))` with u uniform: the delay conditioned on falling before the
cutoff.

The formulas live once, in the compiled loop (`loop.kernel_cdf`,
`loop.kernel_ppf`); these classes name the parameters and pack them for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator import loop as L
from simulator.config import SpreadConfig


class _Packed:
    """cdf/ppf through the compiled loop's own functions."""

    horizon: float

    def params(self) -> np.ndarray:
        raise NotImplementedError

    def cdf(self, s: float) -> float:
        """Share of reactions that come by delay `s` hours (none beyond the horizon)."""
        return float(L.kernel_cdf(self.params(), float(s)))

    def ppf(self, x: np.ndarray) -> np.ndarray:
        """Delays (hours) at raw CDF levels `x` (each below `cdf(horizon)`)."""
        kp = self.params()
        flat = np.asarray(x, dtype=float)
        return np.array([L.kernel_ppf(kp, float(v)) for v in flat.ravel()]).reshape(flat.shape)


@dataclass(frozen=True)
class SeismicKernel(_Packed):
    """SEISMIC density (Zhao et al. 2015): flat to s0, then a power-law tail.

    phi(s) = c for s <= s0 and c (s/s0)^-(1+theta) beyond; times in hours.
    The tail has an infinite mean (theta < 1), hence the horizon.
    """

    c: float  # density per hour
    s0: float  # hours
    theta: float
    horizon: float

    def params(self) -> np.ndarray:
        kp = np.zeros(6)
        kp[L.K_C], kp[L.K_S0], kp[L.K_THETA], kp[L.K_HORIZON] = (
            self.c, self.s0, self.theta, self.horizon)
        return kp


@dataclass(frozen=True)
class ExponentialKernel(_Packed):
    """Exponential delays with `rate` per hour (for Markovian SIR checks)."""

    rate: float
    horizon: float

    def params(self) -> np.ndarray:
        kp = np.zeros(6)
        kp[L.K_KIND], kp[L.K_RATE], kp[L.K_HORIZON] = 1.0, self.rate, self.horizon
        return kp


Kernel = SeismicKernel | ExponentialKernel


def make_kernel(cfg: SpreadConfig) -> Kernel:
    """The kernel a scenario asks for."""
    if cfg.kernel == "exponential":
        return ExponentialKernel(rate=cfg.exponential_rate_per_h, horizon=cfg.horizon_h)
    return SeismicKernel(c=cfg.seismic_c_per_s * 3600.0, s0=cfg.seismic_s0_s / 3600.0,
                         theta=cfg.seismic_theta, horizon=cfg.horizon_h)
