"""Sampling designs: deterministic in the seed, inside the ranges, of the documented sizes."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from simulator import designs
from simulator.designs import Uncertainty

HAZARD = Uncertainty("media.hazard_per_h", 0.01, 0.2, log=True)
REACH = Uncertainty("spread.outside_reach", 5.0, 40.0)
FOLLOWERS = Uncertainty("complaint.complainant_followers", 100, 3000, integer=True)
ALL = [HAZARD, REACH, FOLLOWERS]


@pytest.mark.parametrize(("sampler", "n"), [("factorial", 0), ("lhs", 10), ("sobol", 8),
                                            ("morris", 4)])
def test_deterministic_in_range_and_of_the_documented_size(sampler: str, n: int) -> None:
    points = designs.sample(ALL, sampler, n, seed=5)
    assert points == designs.sample(ALL, sampler, n, seed=5)
    assert len(points) == designs.size(ALL, sampler, n)
    for p in points:
        assert 0.01 <= p["media.hazard_per_h"] <= 0.2
        assert 5.0 <= p["spread.outside_reach"] <= 40.0
        assert isinstance(p["complaint.complainant_followers"], int)
        assert 100 <= p["complaint.complainant_followers"] <= 3000
    if sampler != "factorial":
        assert points != designs.sample(ALL, sampler, n, seed=6)


def test_sizes() -> None:
    assert designs.size(ALL, "factorial", 0) == 27
    assert designs.size(ALL, "lhs", 10) == 10
    assert designs.size(ALL, "sobol", 8) == 8 * (3 + 2)
    assert designs.size(ALL, "morris", 4) == 4 * (3 + 1)
    assert designs.sample([], "lhs", 5, 0) == [{}]


def test_factorial_steps_are_evenly_or_log_spaced() -> None:
    assert Uncertainty("a", 0.0, 10.0, steps=3).levels() == [0.0, 5.0, 10.0]
    log = Uncertainty("b", 0.5, 24.0, log=True, steps=4).levels()
    ratios = [b / a for a, b in itertools.pairwise(log)]
    assert log[0] == pytest.approx(0.5) and log[-1] == pytest.approx(24.0)
    assert ratios == pytest.approx([ratios[0]] * 3)
    assert Uncertainty("c", values=(1, 5, 9)).levels() == [1, 5, 9]
    points = designs.sample([Uncertainty("c", values=("x", "y")), REACH], "factorial", 0, 0)
    assert [p["c"] for p in points] == ["x", "x", "x", "y", "y", "y"]


def test_lhs_puts_one_point_in_each_stratum() -> None:
    n = 20
    points = designs.sample([HAZARD, REACH], "lhs", n, seed=1)
    reach = sorted(p["spread.outside_reach"] for p in points)
    strata = [int((r - 5.0) / 35.0 * n) for r in reach]
    assert strata == list(range(n))
    # a log range is stratified in log space
    logs = sorted(math.log10(p["media.hazard_per_h"]) for p in points)
    lo, hi = math.log10(0.01), math.log10(0.2)
    assert [min(int((x - lo) / (hi - lo) * n), n - 1) for x in logs] == list(range(n))


def test_salib_problem_and_matrix_round_trip() -> None:
    problem = designs.problem([HAZARD, REACH])
    assert problem["names"] == ["media.hazard_per_h", "spread.outside_reach"]
    assert problem["bounds"][0] == pytest.approx([math.log10(0.01), math.log10(0.2)])
    assert problem["bounds"][1] == [5.0, 40.0]
    matrix = designs.unit_matrix([HAZARD, REACH], "sobol", 8, seed=2)
    points = designs.sample([HAZARD, REACH], "sobol", 8, seed=2)
    assert np.allclose(designs.to_problem_space([HAZARD, REACH], points), matrix)
    with pytest.raises(ValueError, match="no range"):
        designs.problem([Uncertainty("x", values=(1, 2))])


def test_morris_trajectories_move_one_parameter_per_step() -> None:
    points = designs.sample([HAZARD, REACH], "morris", 3, seed=0)
    for t in range(3):
        steps = points[t * 3:(t + 1) * 3]
        for a, b in itertools.pairwise(steps):
            assert sum(a[k] != b[k] for k in a) == 1


def test_design_names_and_unknown_sampler() -> None:
    assert [designs.design_name(s) for s in designs.SAMPLERS] == ["grid", "grid", "sobol",
                                                                  "morris"]
    with pytest.raises(ValueError, match="unknown sampler"):
        designs.sample(ALL, "halton", 4, 0)
