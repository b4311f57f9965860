"""Outcome metrics: hourly series and the summary of a run.

Series are computed from the spread arrays in one vectorised pass; the
summary keys are the `stormdrill run --json` contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.kinds import NEGATIVE_KINDS
from simulator.spread import SpreadState
from simulator.trust import HORIZON_DAYS

if TYPE_CHECKING:
    from simulator.simulation import Simulation

DURATION_SHARE = 0.9  # duration: time to this share of the cumulative negative volume
STILL_GOING_H = 12  # cut off: the run's last 12 hours carry more than ...
STILL_GOING_SHARE = 0.05  # ... 5% of its negative volume


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


def crisis_shape(hourly: np.ndarray, origin: float) -> tuple[int, float, float, bool]:
    """Peak hourly volume, time to peak, duration and whether the run cut the storm off.

    Duration is the time from `origin` to 90% of the cumulative negative
    volume (robust to a long thin tail, unlike "last hour above x% of the
    peak"). A storm is cut off when the run's last 12 hours still carry more
    than 5% of its volume: its duration is then a lower bound.
    """
    total = int(hourly.sum()) if hourly.size else 0
    if total == 0:
        return 0, 0.0, 0.0, False
    peak = int(hourly.max())
    at = int(np.argmax(hourly))
    cum = np.cumsum(hourly)
    end = int(np.searchsorted(cum, DURATION_SHARE * total))  # first hour reaching 90%
    before = float(cum[end - 1]) if end > 0 else 0.0
    within = (DURATION_SHARE * total - before) / float(hourly[end])  # linear inside the hour
    duration = max(0.0, end + within - origin)
    cut_off = float(hourly[-STILL_GOING_H:].sum()) > STILL_GOING_SHARE * total
    return peak, max(0.0, at + 0.5 - origin), duration, cut_off


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def run_summary(sim: Simulation) -> dict[str, Any]:
    """Summary of a run so far; all values plain JSON types (the `--json` contract)."""
    snap = sim.snapshot(states=False)
    hourly = snap.hourly_negative
    origin = sim.scenario.complaint.posted_at_h
    peak, to_peak, duration, cut_off = crisis_shape(hourly, origin)
    trust = sim.reputation_h[: sim.hours_done + 1]
    start = float(sim.scenario.reputation.start)
    participants = sim.spread.participants
    outside = sim.spread.outside_participants
    later = HORIZON_DAYS * 24.0 - (sim.now - origin)
    return {
        "scenario": sim.scenario.name,
        "strategy": sim.strategy.name if sim.strategy else None,
        "seed": sim.seed,
        "hours": _round(sim.now),
        "sharers": snap.sharers,
        "participants_outside": outside,
        "outside_share": _round(outside / participants if participants else 0.0),
        "reach": snap.reach,
        "negative_posts": int(hourly.sum()),
        "defences": snap.defences,
        "peak_hourly_negative": peak,
        "time_to_peak_h": _round(to_peak),
        "duration_h": _round(duration),
        "duration_cut_off": cut_off,
        "detected_at_h": _round(sim.brand.detected_at),
        "first_response_at_h": _round(sim.brand.first_response_at),
        "first_media_at_h": _round(sim.brand.first_media_at),
        "media_pickups": sim.media_stories,
        "trust_start": _round(start),
        "reputation_min": _round(float(trust.min())),
        "reputation_end": _round(float(trust[-1])),
        "trust_dip": _round(start - float(trust.min())),
        "trust_30d": _round(sim.trust.later(later)),
        "deletions": sim.brand.deletions,
        "deletions_noticed": sim.deletions_noticed,
        "users": sim.net.n,
        "hourly_negative": [int(x) for x in hourly],
        "hourly_trust": [round(float(x), 4) for x in trust],
    }
