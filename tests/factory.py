"""Small, fast scenarios for engine tests, built in code."""

from __future__ import annotations

import dataclasses
from typing import Any

from simulator.config import (
    AdvocateConfig,
    ComplaintConfig,
    CrisisPlan,
    MediaConfig,
    NetworkConfig,
    Scenario,
    SpreadConfig,
)


def scenario(users: int = 3000, **sections: Any) -> Scenario:
    """A near-critical crisis on a small synthetic graph, watched around the clock.

    `sections` maps a section name to a dict of field overrides, e.g.
    `plan={"approval_delay_h": 2}`; top-level fields may be given directly.
    """
    base = Scenario(
        name="test", duration_h=72.0, start="2026-03-03T10:00",
        network=NetworkConfig(users=users, mean_followers=15),
        complaint=ComplaintConfig(complainant_followers=400, evidence="video"),
        spread=SpreadConfig(branching_ratio=0.55),
        plan=CrisisPlan(coverage=["24/7"], poll_interval_min=10, detection_threshold=3,
                        approval_delay_h=0.0),
        media=MediaConfig(), advocates=AdvocateConfig())
    for key, value in sections.items():
        if isinstance(value, dict):
            value = dataclasses.replace(getattr(base, key), **value)
        base = dataclasses.replace(base, **{key: value})
    return base
