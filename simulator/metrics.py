"""Outcome metrics: hourly series and the summary of a run.

Series are computed from the spread arrays in one vectorised pass; the
summary keys are the `stormdrill run --json` contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.spread import NEGATIVE_KINDS, SpreadState

if TYPE_CHECKING:
    from simulator.simulation import Simulation

DURATION_SHARE = 0.05  # a crisis is over when hourly volume stays below 5% of its peak


@dataclass(frozen=True)
class Snapshot:
    """What an observer can see at one moment."""

    t: float
    hourly_negative: np.ndarray
    sharers: int
    reach: int
    defences: int
    reputation: float
    media_stories: int
    detected_at: float | None
    first_response_at: float | None
    last_spoken_at: float | None
    brand_multiplier: float
    population: int
    states: dict[str, int] = field(default_factory=dict)


def hourly_negative(spread: SpreadState, hours: int) -> np.ndarray:
    """Negative posts per simulated hour, bins [h, h+1)."""
    if len(spread.post_time) == 0:
        return np.zeros(hours, dtype=np.int64)
    times = np.asarray(spread.post_time)
    kinds = np.asarray(spread.post_kind)
    neg = np.isin(kinds, [int(k) for k in NEGATIVE_KINDS])
    bins = np.minimum(times[neg].astype(np.int64), hours - 1)
    return np.bincount(bins, minlength=hours)[:hours]


def crisis_shape(hourly: np.ndarray, origin: float) -> tuple[int, float, float]:
    """Peak hourly volume, time to peak and duration (hours since `origin`)."""
    if hourly.size == 0 or hourly.max() == 0:
        return 0, 0.0, 0.0
    peak = int(hourly.max())
    at = int(np.argmax(hourly))
    above = np.flatnonzero(hourly >= DURATION_SHARE * peak)
    return peak, max(0.0, at + 0.5 - origin), max(0.0, float(above[-1] + 1) - origin)


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def summarise(sim: Simulation) -> dict[str, Any]:
    """Summary of a run so far; all values plain JSON types."""
    snap = sim.snapshot(states=False)
    hourly = snap.hourly_negative
    origin = sim.scenario.complaint.posted_at_h
    peak, to_peak, duration = crisis_shape(hourly, origin)
    rep = sim.reputation_h[: sim.hours_done + 1]
    return {
        "scenario": sim.scenario.name,
        "strategy": sim.strategy.name if sim.strategy else None,
        "seed": sim.seed,
        "hours": _round(sim.now),
        "sharers": snap.sharers,
        "reach": snap.reach,
        "negative_posts": int(hourly.sum()),
        "defences": snap.defences,
        "peak_hourly_negative": peak,
        "time_to_peak_h": _round(to_peak),
        "duration_h": _round(duration),
        "detected_at_h": _round(sim.brand.detected_at),
        "first_response_at_h": _round(sim.brand.first_response_at),
        "media_pickups": sim.media_stories,
        "reputation_min": _round(float(rep.min())),
        "reputation_end": _round(float(rep[-1])),
        "deletions": sim.brand.deletions,
        "users": sim.net.n,
        "hourly_negative": [int(x) for x in hourly],
    }
