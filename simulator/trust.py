"""The trust index: a BrandIndex-like score from the judgements of those who saw the storm.

The spread loop records one judgement per user, the first time they see the
storm, weighted by the crisis's severity and by what the brand had visibly
done by then (`loop.judgement`). This module turns the running sum of those
weights into an index (docs/model.md, "6.4 The index: points, recovery, residual"):

- index points lost = `damage` x judgement weight / users, so a storm seen by
  everyone with weight 1 costs `damage` points;
- repair: at each statement, a share `repair_reach` of those who judged
  earlier see it and, where it would make them judge more kindly, move their
  judgement to what it would be now (docs/model.md, "6.3 Repair"); a
  statement never makes an earlier judge think worse (newcomers bear that),
  and the response weight already counts a contradiction, so repair is not
  reduced a second time;
- recovery: damage fades with time constant `recovery_days` to a permanent
  residual (`permanent_share`): restoration leaves a net negative effect
  (Gijsenberg, van Heerde & Verhoef 2015).
"""

from __future__ import annotations

import math

import numpy as np

from simulator.config import ReputationConfig, ResponseEffects

HORIZON_DAYS = 30.0  # `trust_30d`: the index this long after the complaint


class TrustIndex:
    """Hourly trust index of one run."""

    def __init__(self, cfg: ReputationConfig, fx: ResponseEffects, population: int,
                 hours: int) -> None:
        self.cfg, self.fx = cfg, fx
        self.points_per_weight = cfg.damage / max(population, 1)
        self.hourly = np.full(hours + 1, cfg.start, dtype=float)
        self._hour = 0
        self._transient = 0.0  # index points that recover
        self._permanent = 0.0  # index points that never do
        self._booked = 0.0  # judgement weight already in the index
        self._repair = 0.0  # repair not yet in the index
        self._regimes: list[list[float]] = []  # [base weight, weight] judged under one response
        self._mark = (0.0, 0.0)  # (weight, base weight) when the current response began

    def response_changed(self, damage: float, base: float, weight: float) -> None:
        """Judgements formed now weigh `weight`: a share of earlier judges update to it."""
        d, b = damage - self._mark[0], base - self._mark[1]
        if b > 0:
            self._regimes.append([b, d])
        self._mark = (damage, base)
        share = self.fx.repair_reach
        for regime in self._regimes:
            delta = share * min(0.0, regime[0] * weight - regime[1])
            regime[1] += delta
            self._repair += delta

    def close_hour(self, damage: float) -> None:
        """Book the judgements and repairs of the hour just completed; recover a little."""
        new = (damage - self._booked) + self._repair
        self._booked, self._repair = damage, 0.0
        cfg = self.cfg
        points = new * self.points_per_weight
        self._transient = (self._transient * math.exp(-1.0 / (cfg.recovery_days * 24.0))
                           + (1.0 - cfg.permanent_share) * points)
        self._permanent += cfg.permanent_share * points
        self._hour += 1
        if self._hour < self.hourly.size:
            self.hourly[self._hour] = cfg.start - self._transient - self._permanent

    def later(self, hours_after_now: float) -> float:
        """The index `hours_after_now` after the last closed hour, with no new judgements."""
        fade = math.exp(-max(hours_after_now, 0.0) / (self.cfg.recovery_days * 24.0))
        return self.cfg.start - self._transient * fade - self._permanent
