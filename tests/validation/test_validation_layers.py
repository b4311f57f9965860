"""The two rows of MODEL.md section 7 that switch one attention layer back on:
visibility (a follower sees a post with probability v) and outside reach (a negative
post reaches a Poisson number of random non-followers).

Every other layer of MODEL.md section 3 stays off (`vhelpers.LAYERS_OFF`).
Tolerance is 3 standard errors, the SE from the known variance of the target; each
docstring states the run count its tolerance assumes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from vhelpers import (
    check,
    edge_config,
    exp_spread,
    network_config,
    outbreaks,
    prop_se,
    reed_frost_sd,
    replicate_sizes,
    run_out,
    scenario,
    solve_z,
)

from simulator.network import from_edge_arrays
from simulator.population import build_network
from simulator.simulation import Simulation

pytestmark = pytest.mark.slow  # statistical validation against theory: many runs

# ---- visibility: K_N with every follower edge thinned by v -------------------------------

K_N = 2000
MAJOR = K_N // 10
VIS_V, VIS_R0 = 0.5, 4.0  # p = R0 / N per seen exposure; v p N = 2
VIS_RUNS = 500  # for P(major): 3 SE = 0.054
VIS_SIZE_RUNS = 12


@pytest.fixture(scope="module")
def complete_net():
    sc = scenario(network_config("complete", K_N), exp_spread(1.0 / K_N))
    return build_network(sc)  # cached: the final-size module builds the same graph


def test_visibility_complete_graph(complete_net, record_property):
    """Visibility thins every follower edge by v: the first row with p -> v p.

    Formula: a follower sees a post with probability v and then shares it with
    probability p (p0 is per seen exposure), independently per edge, so the cascade is
    the independent cascade with per-edge probability v p: z = 1 - exp(-v R0 z).
    Setting: complete graph N = 2000, exponential kernel (rate 1/h), p = 4/N per seen
    exposure, visibility 0.5 (no seen cap), every other section 3 layer off; so
    v R0 = 2: z = 0.7968 (without visibility R0 4 would give z = 0.9802). 500 runs
    for P(major) (stopped once major, > 10% of N), the first 12 major ones run to the
    end for the size (`vhelpers.outbreaks`).
    Expected: P(major) = 0.7968 and mean major size / N = 0.7968.
    Tolerance: as the first row at R0 2: P(major) within 3 binomial SE (0.054 at 500
    runs); size within 3 SE (Reed-Frost CLT, SD 0.015 per run, 0.013 at 12 runs) plus
    0.01 for finite N. Visibility applied twice (v^2 p) would give z = 0, applied
    as sqrt(v) z = 0.94: both far outside.
    """
    z = solve_z(VIS_V * VIS_R0)
    assert z == pytest.approx(0.7968, abs=5e-5)
    sc = scenario(network_config("complete", K_N),
                  exp_spread(VIS_R0 / K_N, visibility=VIS_V))
    major, sizes = outbreaks(sc, complete_net, VIS_RUNS, MAJOR, VIS_SIZE_RUNS,
                             layers_on=("visibility",))
    p_major = float(major.mean())
    record_property("p_major", (p_major, prop_se(major.size, z), z))
    check("P(major) with visibility 0.5", p_major, z, 3 * prop_se(major.size, z))

    assert sizes.size == VIS_SIZE_RUNS
    m = float(np.mean(sizes / K_N))
    se = reed_frost_sd(VIS_V * VIS_R0, K_N) / math.sqrt(sizes.size)
    record_property("size_fraction", (m, se, z))
    check("major size / N with visibility 0.5", m, z, 3 * se + 0.01)


# ---- outside reach: no follower edges at all ---------------------------------------------

OUT_N = 20_000
OUT_M, OUT_P = 6.0, 0.1  # outside viewers per negative post (T = 1), share probability
OUT_RUNS = 6000  # 3 SE = 0.12 on the mean, 0.019 on P(S=1)


@pytest.fixture(scope="module")
def no_edges():
    """OUT_N users and not one follower edge: every exposure comes from outside."""
    empty = np.zeros(0, dtype=np.int64)
    return from_edge_arrays(OUT_N, empty, empty, edge_config(undirected=False))


def test_outside_reach_mean_field(no_edges, record_property):
    """Outside reach alone is a branching process: E[S] = 1/(1 - m p).

    Formula: every negative post reaches Poisson(m T) random users who do not follow
    its author (T = 1 here) and each of them shares it with probability p, so a post
    has Poisson(m p) reactions (thinned Poisson) and the size is Borel(m p): E[S] =
    1/(1 - m p), Var[S] = m p / (1 - m p)^3, P(S = 1) = exp(-m p).
    Setting: 20,000 users with no follower edges, exponential kernel (rate 1/h),
    per-exposure probability 0.1, outside_reach m = 6, search_floor 1 (so T = 1
    whatever the volume), the default exponential discovery delay (4 h); every other
    section 3 layer off; one random seed per run seed, 6000 runs. Finite N: an outside
    viewer who already posted cannot react again (a loss of ~E[S^2]/N ~ 8e-4 on the
    mean) and the Poisson draw is capped 10 SD above its mean (mass < 1e-20).
    Expected: m p = 0.6: E[S] = 2.5, P(S = 1) = 0.5488.
    Tolerance: 3 SE from the known variance (9.375, SD 3.06): 0.12 on the mean at 6000
    runs (5%; a 3% error in m p moves the mean by 0.12, outside reach on the seed
    post only would give 1.6, outside reach at the search floor 0.05 would give 1.03);
    P(S = 1) within 3 binomial SE (0.019).
    """
    mp = OUT_M * OUT_P
    expected, var, p_single = 1.0 / (1.0 - mp), mp / (1.0 - mp) ** 3, math.exp(-mp)
    assert expected == pytest.approx(2.5)
    sc = scenario(network_config("file", OUT_N),
                  exp_spread(OUT_P, outside_reach=OUT_M, search_floor=1.0))
    probe = run_out(Simulation(sc, seed=0, network=no_edges))
    assert probe.spread.trend_level(probe.now) == 1.0
    assert probe.spread.params.outside_reach == OUT_M
    sizes = replicate_sizes(sc, no_edges, range(OUT_RUNS), step=24.0,
                            layers_on=("outside_reach",))
    m = float(sizes.mean())
    se = math.sqrt(var / sizes.size)
    frac1 = float(np.mean(sizes == 1))
    record_property("mean", (m, se, expected, float(sizes.std(ddof=1)), math.sqrt(var)))
    record_property("p_single", (frac1, prop_se(sizes.size, p_single), p_single))
    check("outside reach mean size", m, expected, 3 * se)
    check("outside reach P(S=1)", frac1, p_single, 3 * prop_se(sizes.size, p_single))
