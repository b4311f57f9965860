"""The shared parameter set fitted jointly over the eight real cases (generated).

`python -m scenarios.calibration --fit --write` rewrites this file: one set
of the [A] parameters of MODEL.md sections 3-4, fitted within their ranges
to the shape of every case at once (docs/scenarios.md shows the fit and the
leave-one-case-out errors). `simulator.config` takes these values as its
defaults, so every scenario runs on the fitted set unless it says otherwise.
"""

FITTED: dict[str, float] = {
    "spread.outside_reach": 24.0,
    "spread.discovery_h": 4.0,
    "spread.trend_share_per_h": 0.0005,
    "spread.novelty_days": 2.0,
    "spread.fatigue_share": 0.1,
    "media.hazard_per_h": 0.05,
    "media.readership": 0.05,
    "reputation.damage": 5.0,
}
