"""The shared parameter set fitted jointly over the eight real cases (generated).

`python -m tests.regenerate fit` rewrites this file: one set
of [A] parameters of the attention, media and trust layers, fitted within
their ranges to the shape of every case at once
(docs/model.md, "10. Calibration"; docs/scenarios.md shows the fit and the
leave-one-case-out errors). `simulator.config` takes these values as its
defaults, so every scenario runs on the fitted set unless it says otherwise.
"""

#: the parameters the fit moves (each within its `range_` in simulator/config.py);
#: the other keys of FITTED are held at their values (config.py reads them here)
FIT_PARAMS: tuple[str, ...] = (
    "spread.outside_reach",
    "spread.discovery_h",
    "spread.novelty_days",
    "spread.fatigue_share",
    "media.hazard_per_h",
    "media.readership",
    "reputation.damage",
)

#: joint fit: loss 11.422 after 150 evaluations on seeds 0-9 (10.4 min;
#: with the leave-one-case-out refits 16.8 min)
FITTED: dict[str, float] = {
    "spread.outside_reach": 21.09,
    "spread.discovery_h": 10.57,
    "spread.trend_share_per_h": 0.0005,
    "spread.novelty_days": 3.319,
    "spread.fatigue_share": 0.2008,
    "media.hazard_per_h": 0.02046,
    "media.readership": 0.01403,
    "reputation.damage": 4.493,
}

#: leave-one-case-out: the set refitted without each case (docs/scenarios.md)
LOO_FITTED: dict[str, dict[str, float]] = {
    "airline-luggage": {
        "spread.outside_reach": 21.09,
        "spread.discovery_h": 10.57,
        "spread.novelty_days": 3.319,
        "spread.fatigue_share": 0.2008,
        "media.hazard_per_h": 0.02046,
        "media.readership": 0.01403,
        "reputation.damage": 4.493,
    },
    "critics-attacked": {
        "spread.outside_reach": 21.09,
        "spread.discovery_h": 10.57,
        "spread.novelty_days": 3.319,
        "spread.fatigue_share": 0.2008,
        "media.hazard_per_h": 0.026,
        "media.readership": 0.01403,
        "reputation.damage": 4.493,
    },
    "football-mock": {
        "spread.outside_reach": 21.09,
        "spread.discovery_h": 10.57,
        "spread.novelty_days": 3.319,
        "spread.fatigue_share": 0.2255,
        "media.hazard_per_h": 0.02046,
        "media.readership": 0.01403,
        "reputation.damage": 4.493,
    },
    "kitchen-gaffe": {
        "spread.outside_reach": 21.09,
        "spread.discovery_h": 10.57,
        "spread.novelty_days": 3.319,
        "spread.fatigue_share": 0.2008,
        "media.hazard_per_h": 0.02046,
        "media.readership": 0.01403,
        "reputation.damage": 4.493,
    },
    "ngo-deletions": {
        "spread.outside_reach": 21.09,
        "spread.discovery_h": 10.57,
        "spread.novelty_days": 3.319,
        "spread.fatigue_share": 0.2008,
        "media.hazard_per_h": 0.02046,
        "media.readership": 0.01403,
        "reputation.damage": 4.493,
    },
    "overnight-replies": {
        "spread.outside_reach": 21.09,
        "spread.discovery_h": 10.57,
        "spread.novelty_days": 3.319,
        "spread.fatigue_share": 0.2008,
        "media.hazard_per_h": 0.02046,
        "media.readership": 0.01403,
        "reputation.damage": 4.493,
    },
    "passenger-removed": {
        "spread.outside_reach": 21.09,
        "spread.discovery_h": 10.57,
        "spread.novelty_days": 3.319,
        "spread.fatigue_share": 0.2008,
        "media.hazard_per_h": 0.02046,
        "media.readership": 0.01403,
        "reputation.damage": 4.493,
    },
    "pizza-prank": {
        "spread.outside_reach": 21.09,
        "spread.discovery_h": 10.57,
        "spread.novelty_days": 3.319,
        "spread.fatigue_share": 0.2008,
        "media.hazard_per_h": 0.02046,
        "media.readership": 0.01403,
        "reputation.damage": 6.325,
    },
}
