"""The brand's communication state and what it does to the reshare probability.

Every effect is a multiplier on the per-exposure reshare probability (MODEL.md
section 4), combined by product. The brand state changes only at SimPy
events (an action going out, a silence timer), so the spread loop can read
one multiplier for each stretch between events: that is what makes the
thinning exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from simulator.config import ResponseEffects


def speed_decayed(m: float, latency_h: float, fx: ResponseEffects) -> float:
    """An accommodative multiplier m after a response latency L (MODEL.md 4).

    m(L) = 1 - (1 - m) (w + (1 - w) exp(-L / tau)): the earlier, the closer to m;
    however late, a share w of the benefit remains.
    """
    w, tau = fx.speed_floor, fx.speed_tau_h
    return 1.0 - (1.0 - m) * (w + (1.0 - w) * math.exp(-max(latency_h, 0.0) / tau))


@dataclass
class BrandState:
    """What the brand has said and done so far."""

    fx: ResponseEffects
    complaint_at: float = 0.0
    detected_at: float | None = None
    first_response_at: float | None = None
    last_spoken_at: float | None = None  # last statement or update (silence clock)
    first_media_at: float | None = None
    empathy: float = 1.0
    solution: float = 1.0
    compensation: float = 1.0
    defensive: bool = False
    contradicted_at: float | None = None
    updates: int = 0
    briefed: bool = False
    deletions: int = 0
    tones: set[str] = field(default_factory=set)

    @property
    def bound(self) -> float:
        """The largest multiplier the brand can ever reach (for thinning)."""
        fx = self.fx
        return max(fx.defensive, 1.0) * max(fx.silence, 1.0) * max(fx.compensation, 1.0)

    def silent(self, now: float) -> bool:
        """Acknowledged, then no update for `silence_after_h` hours."""
        return (self.last_spoken_at is not None
                and now - self.last_spoken_at >= self.fx.silence_after_h - 1e-9)

    def multiplier(self, now: float) -> float:
        """Product of every brand effect in force at `now`."""
        fx = self.fx
        m = self.empathy * self.solution * self.compensation
        if self.defensive:
            m *= fx.defensive
        m *= fx.update ** min(self.updates, fx.max_updates_counted)
        if self.silent(now):
            m *= fx.silence
        return m

    # ---- effects of statements that have gone out --------------------------------------
    def _spoke(self, now: float) -> None:
        if self.first_response_at is None:
            self.first_response_at = now
        self.last_spoken_at = now

    def _accommodative(self, m: float, now: float) -> float:
        eff = speed_decayed(m, now - self.complaint_at, self.fx)
        if self.contradicted_at is not None:
            eff = 1.0 - (1.0 - eff) * (1.0 - self.fx.contradiction_apology_loss)
        return eff

    def say(self, kind: str, tone: str, now: float) -> bool:
        """Apply a public statement; True when it provokes past sharers (re-ignition)."""
        fx = self.fx
        self._spoke(now)
        provoked = False
        if kind in ("acknowledge", "reply"):
            opposite = {"empathetic": "defensive", "defensive": "empathetic"}.get(tone)
            if opposite in self.tones:
                # mixing deny with rebuild is a contradiction (Coombs 2007)
                provoked = self.contradict(now)
            self.tones.add(tone)
            if tone == "empathetic":
                before_media = self.first_media_at is None or now < self.first_media_at
                base = fx.empathy_before_media if before_media else fx.empathy
                self.empathy = min(self.empathy, self._accommodative(base, now))
            elif tone == "defensive":
                self.defensive = True
                provoked = True
        elif kind == "solution":
            self.solution = min(self.solution, self._accommodative(fx.solution, now))
        elif kind == "compensation":
            self.compensation = fx.compensation
        elif kind == "update":
            self.updates += 1
        elif kind == "contradict":
            provoked = self.contradict(now)
        return provoked

    def contradict(self, now: float) -> bool:
        """An inconsistent message: later apologies lose part of their effect."""
        if self.contradicted_at is None:
            self.contradicted_at = now
        return True
