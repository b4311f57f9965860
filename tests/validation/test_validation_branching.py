"""Branching-process rows of MODEL.md section 7: Hawkes (exponential kernel) and
SEISMIC expected totals.

Every attention layer of MODEL.md section 3 is off (`vhelpers.LAYERS_OFF`).
Tolerance is 3 standard errors of the replica mean, the SE from the known variance
of the target, unless a docstring states otherwise; each docstring states the run
count its tolerance assumes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import gammaln
from vhelpers import (
    check,
    edge_config,
    exp_spread,
    network_config,
    prop_se,
    replicate_sizes,
    scenario,
)

from simulator.network import from_edge_arrays
from simulator.population import build_network

pytestmark = pytest.mark.slow  # statistical validation against theory: many runs

# ---- 5. Hawkes branching, exponential kernel ---------------------------------------------

HAWKES_N, HAWKES_K, HAWKES_P = 20_000, 20.0, 0.04
HAWKES_RUNS = 6000


def borel_moments(n: float, smax: int = 20_000) -> tuple[float, float, float]:
    """Mean, variance and 4th central moment of the Borel(n) total progeny.

    P(S = s) = exp(-n s) (n s)^(s-1) / s!: total size of a Galton-Watson tree with
    Poisson(n) offspring, the Hawkes cluster size with branching ratio n.
    """
    s = np.arange(1, smax + 1, dtype=float)
    logp = -n * s + (s - 1) * np.log(n * s) - gammaln(s + 1)
    p = np.exp(logp)
    mean = float((s * p).sum())
    var = float(((s - mean) ** 2 * p).sum())
    mu4 = float(((s - mean) ** 4 * p).sum())
    return mean, var, mu4


@pytest.fixture(scope="module")
def hawkes_net():
    sc = scenario(network_config("erdos_renyi", HAWKES_N, mean_followers=HAWKES_K),
                  exp_spread(HAWKES_P))
    return build_network(sc)


def test_hawkes_branching(hawkes_net, record_property):
    """Cluster size of a Hawkes process with branching ratio n = 0.8.

    Formula: E[S] = 1/(1-n), Var[S] = n/(1-n)^3, P(S=1) = exp(-n) (Borel law: each
    post has Poisson(n) direct reactions).
    Setting: ER graph, 2e4 users, mean degree 20 (both directions stored),
    exponential kernel, per-exposure probability 0.04, so n = 0.04 x 20 = 0.8;
    every section 3 layer off; one random seed per run seed, 6000 runs.
    Binomial vs Poisson: a post by a user of degree k gets Bin(k', p) reactions
    (k' = k for the seed, the k-1 others for a resharer). The ER degree (and the
    excess degree of a reached user) is Bin(N-1 or N-2, 20/(N-1)), so the mixture
    is Bin(N-1 or N-2, 0.8/(N-1)): Poisson(0.8) up to O(1/N) whatever the mean
    degree, which is why a moderate degree (20, not 100) suffices and keeps the
    per-run set-up cheap. Finite size: a follower who already posted cannot react
    again, a loss of (size / N) per exposure, < 1% even for the largest clusters
    (~150 posts); ER is locally tree-like (few short loops at <k> = 20, N = 2e4).
    Both trim the extreme tail, which matters for the variance, not the mean.
    Expected: 5, 100, 0.4493 (the test uses n from the realised graph, p <k(k-1)>/<k>,
    and P(S=1) = G0(1-p) exactly; both within 0.01 of the nominal values).
    Tolerance: mean within 3 SE from the known variance, n_root / (1-n)^3 (the seed
    has Poisson(n_root) reactions, every later post Poisson(n): 1 + a Poisson sum of
    Borel clusters); SD 10, so 3 SE = 0.39 at 6000 runs (8% of the mean; a 2% error
    in p moves it by 0.43). P(S=1) within 3 binomial SE from the expected value
    (0.019). The sample variance of a Borel law is heavily skewed (4th moment ~7e5),
    so the variance check is within 4 of its theoretical SEs, sqrt((mu4 - sigma^4) /
    runs) (~11 at 6000 runs, so a band of about +-44 around 100).
    """
    k = hawkes_net.follower_counts()[:HAWKES_N].astype(float)
    n_root = HAWKES_P * k.mean()
    n = HAWKES_P * (k * (k - 1)).mean() / k.mean()
    assert n == pytest.approx(0.8, abs=0.01)
    expected_mean = 1.0 + n_root / (1.0 - n)
    p_single = float(np.mean((1.0 - HAWKES_P) ** k))  # G0(1-p): the seed gets no reaction
    assert p_single == pytest.approx(math.exp(-0.8), abs=0.01)
    b_mean, b_var, b_mu4 = borel_moments(n)
    assert b_mean == pytest.approx(1.0 / (1.0 - n), rel=1e-6)
    assert b_var == pytest.approx(n / (1.0 - n) ** 3, rel=1e-4)

    sc = scenario(network_config("erdos_renyi", HAWKES_N, mean_followers=HAWKES_K),
                  exp_spread(HAWKES_P, rate=4.0))
    sizes = replicate_sizes(sc, hawkes_net, range(HAWKES_RUNS), step=2.0)
    m = float(sizes.mean())
    se = math.sqrt(n_root / (1.0 - n) ** 3 / sizes.size)
    frac1 = float(np.mean(sizes == 1))
    var = float(sizes.var(ddof=1))
    var_se = math.sqrt((b_mu4 - b_var**2) / sizes.size)
    record_property("mean", (m, se, expected_mean))
    record_property("p_single", (frac1, prop_se(sizes.size, p_single), p_single))
    record_property("variance", (var, var_se, b_var))
    check("Hawkes mean size", m, expected_mean, 3 * se)
    check("Hawkes P(S=1)", frac1, p_single, 3 * prop_se(sizes.size, p_single))
    check("Hawkes variance", var, b_var, 4 * var_se)


# ---- 6. SEISMIC branching ----------------------------------------------------------------

SEISMIC_USERS, SEISMIC_NSTAR, SEISMIC_N0, SEISMIC_P = 5_000, 100, 1000, 0.005
SEISMIC_RUNS = 3000


@pytest.fixture(scope="module")
def seismic_net():
    """Every user has exactly 100 distinct random followers; the seed (id 5000) has 1000.

    Edge u -> v means v follows u, so each reached user has n* = 100 followers and
    the seed n0 = 1000, with no spread in follower counts at all.
    """
    rng = np.random.default_rng(11)
    n = SEISMIC_USERS
    src = np.repeat(np.arange(n, dtype=np.int64), SEISMIC_NSTAR)
    dst = np.concatenate([(u + 1 + rng.choice(n - 1, SEISMIC_NSTAR, replace=False)) % n
                          for u in range(n)])
    seed = n
    src = np.concatenate((src, np.full(SEISMIC_N0, seed, dtype=np.int64)))
    dst = np.concatenate((dst, rng.choice(n, SEISMIC_N0, replace=False)))
    net = from_edge_arrays(n + 1, src, dst, edge_config(undirected=False))
    counts = net.follower_counts()
    assert (counts[:n] == SEISMIC_NSTAR).all() and counts[seed] == SEISMIC_N0
    return net


def test_seismic_branching(seismic_net, record_property):
    """Expected total of a SEISMIC-style cascade (Zhao et al. 2015).

    Formula: E[total] = 1 + p n0 / (1 - p n*): the seed's n0 followers each reshare
    with probability p, every reshare reaches n* new followers.
    Setting: 5000 users with exactly 100 random followers each, a seed with 1000
    followers (n0 = 1000, n* = 100), p = 0.005 as the per-exposure probability;
    exponential kernel so that every reaction falls inside the kernel's mass (the
    SEISMIC kernel is truncated at its horizon without renormalising, which would
    scale p by F(horizon)); a follower who already posted cannot react again (a loss
    of ~total/N = 0.2%, i.e. ~0.03 on the mean); every section 3 layer off. 3000
    runs from the same seed.
    Expected: 11.0.
    Tolerance: 3 SE of the mean, the SE from the known variance: the seed's K ~
    Bin(n0, p) reshares each start a cluster whose offspring is Bin(n*, p) (mean
    m = 0.5, variance s2 = 0.4975), of size mean 1/(1-m) and variance s2/(1-m)^3, so
    Var = E[K] s2/(1-m)^3 + Var[K]/(1-m)^2 = 39.8 (SD 6.3); 3 SE = 0.35 at 3000 runs
    (3%; a 5% error in p moves the mean by 0.58).
    """
    p, n0, nstar = SEISMIC_P, SEISMIC_N0, SEISMIC_NSTAR
    expected = 1.0 + p * n0 / (1.0 - p * nstar)
    assert expected == pytest.approx(11.0)
    sc = scenario(network_config("file", SEISMIC_USERS + 1), exp_spread(p, rate=4.0),
                  seed_users=[SEISMIC_USERS])
    sizes = replicate_sizes(sc, seismic_net, range(SEISMIC_RUNS), step=2.0)
    m = float(sizes.mean())
    mean_k, var_k = p * n0, n0 * p * (1.0 - p)
    m_child, s2_child = p * nstar, nstar * p * (1.0 - p)
    var = mean_k * s2_child / (1.0 - m_child) ** 3 + var_k / (1.0 - m_child) ** 2
    assert math.sqrt(var) == pytest.approx(6.31, abs=0.01)
    se = math.sqrt(var / sizes.size)
    record_property("mean", (m, se, expected))
    check("SEISMIC expected total", m, expected, 3 * se)
