"""Scenario discovery: PRIM recovers a known box and reads it out as a rule."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulator import discovery


def _rows(effect: Any, n: int = 400, reps: int = 3, sd: float = 0.5,
          seed: int = 0) -> list[dict[str, Any]]:
    """LHS-like rows: 3 uncertainties on [0, 1]; policy - base = effect(x) + N(0, sd)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, 3))
    rows = []
    for i, point in enumerate(x):
        params = {"media.hazard_per_h": point[0], "spread.outside_reach": point[1],
                  "reputation.damage": point[2]}
        for r in range(reps):
            base = rng.normal(10, 3)
            value = base + effect(point) + rng.normal(0, sd)
            for strategy, v in (("silent", base), ("fast", value)):
                rows.append({"design": "grid", "scenario": "s", "point": f"#{i}",
                             "strategy": strategy, "replication": r, "seed": r,
                             "params": params, "status": "ok", "reputation_end": v,
                             "negative_posts": -v})
    return rows


def _in_box(p: np.ndarray) -> bool:
    return bool(p[0] > 0.6 and p[1] < 0.3)


@pytest.mark.slow  # scenario discovery on a full design: seconds
def test_prim_recovers_a_known_box() -> None:
    rows = _rows(lambda p: 5.0 if _in_box(p) else -1.0)
    found = discovery.discover(rows, "fast", "silent")
    limits = found.box.limits
    assert set(limits) == {"media.hazard_per_h", "spread.outside_reach"}  # not the noise x3
    assert abs(limits["media.hazard_per_h"][0] - 0.6) < 0.05
    assert limits["media.hazard_per_h"][1] == np.inf
    assert abs(limits["spread.outside_reach"][1] - 0.3) < 0.05
    assert found.box.density > 0.9 and found.box.coverage > 0.85
    assert found.criterion == "interval" and found.ci_low > 4
    assert found.rule.startswith("media.hazard_per_h > 0.")
    assert " and spread.outside_reach < 0." in found.rule
    assert "fast beats silent on reputation_end" in found.rule and "coverage" in found.rule
    assert isinstance(found.trajectory, pd.DataFrame)
    assert found.trajectory["n"].is_monotonic_decreasing


@pytest.mark.slow  # scenario discovery on a full design: seconds
def test_attention_wins_are_lower_counts_and_losers_never_win() -> None:
    rows = _rows(lambda p: 5.0 if _in_box(p) else -1.0)
    # negative_posts = -trust here: fewer posts for fast where trust is better
    found = discovery.discover(rows, "fast", "silent", outcome="negative_posts")
    assert set(found.box.limits) == {"media.hazard_per_h", "spread.outside_reach"}
    everywhere = discovery.discover(_rows(lambda p: 5.0), "silent", "fast")
    assert everywhere.base_rate == 0 and "never beats" in everywhere.rule


def test_one_replication_falls_back_to_the_sign_and_says_so() -> None:
    rows = _rows(lambda p: 5.0 if p[2] < 0.5 else -5.0, reps=1)
    found = discovery.discover(rows, "fast", "silent")
    assert found.criterion == "mean" and "1 replication" in found.rule
    assert set(found.box.limits) == {"reputation.damage"}
    assert abs(found.box.limits["reputation.damage"][1] - 0.5) < 0.05


@pytest.mark.slow  # scenario discovery on a full design: seconds
def test_discover_all_asks_both_directions_on_both_outcomes() -> None:
    rows = _rows(lambda p: 5.0 if _in_box(p) else -5.0, n=150)
    out = discovery.discover_all(rows, "silent")
    assert [(d.policy, d.versus, d.outcome) for d in out] == [
        ("fast", "silent", "reputation_end"), ("silent", "fast", "reputation_end"),
        ("fast", "silent", "negative_posts"), ("silent", "fast", "negative_posts")]
    assert out[0].box.density > 0.9 and len(out[0].box.limits) == 2
    assert out[1].base_rate > 0.8  # silent wins outside the box: almost everywhere


def test_sobol_designs_keep_only_their_independent_points() -> None:
    """Saltelli rows copy a base row but for one column: only A and B rows are used."""
    from SALib.sample import sobol as sobol_sample

    names = ["media.hazard_per_h", "spread.outside_reach", "reputation.damage"]
    x = sobol_sample.sample({"num_vars": 3, "names": names, "bounds": [[0.0, 1.0]] * 3}, 64,
                            calc_second_order=False, seed=2)
    rows = []
    for i, point in enumerate(x):
        params = dict(zip(names, map(float, point), strict=True))
        for r in range(3):
            effect = 5.0 if point[0] > 0.5 else -5.0
            for strategy, v in (("silent", 0.0), ("fast", effect + 0.1 * r)):
                rows.append({"design": "sobol", "scenario": "s", "point": f"#{i}",
                             "strategy": strategy, "replication": r, "seed": r,
                             "params": params, "status": "ok", "reputation_end": v})
    found = discovery.discover(rows, "fast", "silent")
    assert found.n_points == 2 * 64
    assert set(found.box.limits) == {"media.hazard_per_h"} and found.box.density == 1.0
