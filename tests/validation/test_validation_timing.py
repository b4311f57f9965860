"""Timing rows of MODEL.md section 7: the SEISMIC kernel, thinning and the diurnal
time change (time-rescaling theorem; totals with and without the diurnal profile).

Most checks use a star: user 0 posts the complaint to N followers who follow nobody
and have no followers, so every reshare is a direct reaction to the seed post and
nothing spreads further. Every attention layer of MODEL.md section 3 is off
(`vhelpers.LAYERS_OFF`).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import integrate, stats
from vhelpers import (
    assert_layers_off,
    check,
    edge_config,
    network_config,
    scenario,
    spread_off,
)

from simulator.actions import Action
from simulator.brand import share_bound
from simulator.config import CrisisPlan, ResponseEffects, SpreadConfig
from simulator.kernel import make_kernel
from simulator.network import from_edge_arrays
from simulator.simulation import Simulation
from simulator.spread import PostKind

STAR_N = 20_000  # followers of the seed


@pytest.fixture(scope="module")
def star():
    """User 0 with STAR_N followers (ids 1..STAR_N), nobody else follows anyone."""
    dst = np.arange(1, STAR_N + 1, dtype=np.int64)
    return from_edge_arrays(STAR_N + 1, np.zeros(STAR_N, dtype=np.int64), dst,
                            edge_config(undirected=False))


def star_scenario(spread: SpreadConfig, duration_h: float, **kw):
    return scenario(network_config("file", STAR_N + 1), spread, duration_h=duration_h,
                    seed_users=[0], **kw)


def reaction_times(sim: Simulation) -> np.ndarray:
    """Times of the direct reactions to the seed post (seed excluded), sorted.

    Besides the seed post and its reshares the run may hold only the brand's own
    statements (posts to the brand account's followers, of whom there are none here).
    """
    sp = sim.spread
    kinds = np.asarray(sp.post_kind)
    authors = np.asarray(sp.post_author)
    times = np.asarray(sp.post_time, dtype=float)
    direct = (kinds == int(PostKind.RESHARE)) & (authors != 0)
    statements = (kinds == int(PostKind.STATEMENT)) & (authors == sim.net.brand)
    assert np.count_nonzero(kinds == int(PostKind.COMPLAINT)) == 1
    assert np.count_nonzero(~direct & ~statements) == 1  # the seed post and nothing else
    return np.sort(times[direct])


# ---- 7. the SEISMIC kernel -----------------------------------------------------------------

KERNEL_POINTS = {5.0 / 60.0: 0.188, 1.0: 0.543, 24.0: 0.781}
KERNEL_RUNS = 3


def test_seismic_kernel_cdf():
    """SEISMIC reaction-time CDF at 5 min / 1 h / 1 day (MODEL.md section 3).

    Formula: phi(s) = c for s <= s0, c (s/s0)^-(1+theta) beyond, c = 6.2657e-4/s,
    s0 = 300 s, theta = 0.2315; F(s) = c s0 + c s0/theta (1 - (s/s0)^-theta) past s0.
    Setting: `make_kernel(SpreadConfig(horizon_h=1e12)).cdf` (horizon far away).
    Expected: 0.188 / 0.543 / 0.781 (median 41 min, 78% by a day).
    Tolerance: 0.0005 (the table's 3-digit rounding).
    """
    kernel = make_kernel(SpreadConfig(horizon_h=1e12))
    for s, expected in KERNEL_POINTS.items():
        check(f"F({s:.4g} h)", kernel.cdf(s), expected, 0.0005)
    assert kernel.cdf(41.0 / 60.0) == pytest.approx(0.5, abs=0.005)


def test_seismic_kernel_sampled_delays(star, record_property):
    """Delays of real direct reactions follow the SEISMIC CDF.

    Setting: star with 20000 followers, per-exposure probability 1, SEISMIC kernel
    with horizon 1e12 h (so nothing is truncated in the range measured), diurnal
    off, run for 24.5 h; 3 run seeds (60000 follower trials). Each follower reacts
    once, so the share of followers who reacted by delay s estimates F(s) (the
    unconditional kernel CDF; F(horizon) = 0.9992).
    Expected: F(s) from the kernel = 0.188 / 0.543 / 0.781.
    Tolerance: 3 binomial SE, sqrt(F(1-F)/60000) (about 0.002-0.006 at 3 SE).
    """
    kernel = make_kernel(SpreadConfig(horizon_h=1e12))
    sc = star_scenario(spread_off(diurnal=False, per_exposure_prob=1.0, horizon_h=1e12),
                       duration_h=24.5)
    delays = []
    for seed in range(KERNEL_RUNS):
        sim = Simulation(sc, seed=seed, network=star)
        sim.run()
        assert_layers_off(sim)
        t0 = float(np.asarray(sim.spread.post_time)[0])
        delays.append(reaction_times(sim) - t0)
    d = np.concatenate(delays)
    trials = KERNEL_RUNS * STAR_N
    for s, nominal in KERNEL_POINTS.items():
        f = kernel.cdf(s)
        share = np.count_nonzero(d <= s) / trials
        se = math.sqrt(f * (1 - f) / trials)
        record_property(f"F({s:.4g}h)", (share, se, f, nominal))
        check(f"sampled share by {s:.4g} h", share, f, 3 * se)


# ---- 8a. time rescaling with diurnal activity and brand multipliers ----------------------

RESCALE_P, RESCALE_T = 0.1, 72.0
RESCALE_RUNS = 2


def rescaled_times(sim: Simulation, p: float, n: int,
                   mult: list[tuple[float, float, float]]) -> tuple[np.ndarray, float, float]:
    """Reaction times mapped through the exact compensator of the reaction count.

    Each of the n followers reacts by time t with probability q(t) = p G(t), where
    G(t) = sum over pieces [a, b) of constant brand multiplier m of
    m (F(L(min(t,b)) - L0) - F(L(min(t,a)) - L0)), F the kernel CDF in operational
    time and L the time change. A follower's cumulative hazard is H(t) = -log(1-q(t))
    until it reacts, so the compensator at the i-th reaction time is
    (n - i + 1) H(t_i) + sum_{j<i} H(t_j) (to first order in p simply p n G(t_i)).
    By the time-rescaling theorem these values form a unit-rate Poisson process.
    Returns (rescaled times, q(T), compensator at T).
    """
    kernel = make_kernel(sim.scenario.spread)
    to_op = sim.spread.clock.to_op
    sp = sim.spread
    t0 = float(np.asarray(sp.post_time)[0])
    l0 = to_op(t0)

    def g(t: float) -> float:
        total = 0.0
        for a, b, m in mult:
            if t <= a:
                break
            hi = min(t, b)
            total += m * (kernel.cdf(to_op(hi) - l0) - kernel.cdf(to_op(a) - l0))
        return total

    times = reaction_times(sim)
    h = np.array([-math.log1p(-p * g(t)) for t in times])
    before = np.concatenate(([0.0], np.cumsum(h)[:-1]))
    comp = (n - np.arange(times.size)) * h + before
    q_end = p * g(sim.now)
    comp_end = (n - times.size) * -math.log1p(-q_end) + h.sum()
    return comp, q_end, comp_end


def check_rescaling(sims, mults, record_property, label):
    """Gaps ~ Exp(1) (KS), rescaled times uniform on [0, Lambda(T)] (KS), and the count.

    The uniformity test is the same theorem read on the times rather than the gaps
    (given their number, the rescaled times are i.i.d. uniform); it is far more
    sensitive to a compensator that is wrong over hours (e.g. a missing time change),
    which the gap test hardly sees.
    """
    gaps, unif, reactions, expected, var = [], [], 0, 0.0, 0.0
    for sim, mult in zip(sims, mults, strict=True):
        comp, q_end, comp_end = rescaled_times(sim, RESCALE_P, STAR_N, mult)
        assert np.all(np.diff(comp) > 0)
        gaps.append(np.diff(np.concatenate(([0.0], comp))))
        unif.append(comp / comp_end)
        reactions += comp.size
        expected += STAR_N * q_end
        var += STAR_N * q_end * (1 - q_end)
        assert comp[-1] <= comp_end
    g = np.concatenate(gaps)
    ks = stats.kstest(g, "expon")
    ku = stats.kstest(np.concatenate(unif), "uniform")
    record_property(f"{label}_ks_gaps", (float(ks.statistic), float(ks.pvalue), int(g.size)))
    record_property(f"{label}_ks_uniform", (float(ku.statistic), float(ku.pvalue)))
    record_property(f"{label}_count", (reactions, math.sqrt(var), expected))
    assert ks.pvalue > 0.01, f"{label}: rescaled gaps are not Exp(1): {ks}"
    assert ku.pvalue > 0.01, f"{label}: rescaled times are not uniform: {ku}"
    check(f"{label}: reactions by T", reactions, expected, 3 * math.sqrt(var))


def diurnal_plan_scenario():
    """Star, SEISMIC kernel, diurnal ON; brand layer ON (candidates are scheduled at the
    bound `share_bound` = 1.12 x 1.08 = 1.21 and thinned) with no strategy, so only test
    actions speak."""
    spread = spread_off(diurnal=True, per_exposure_prob=RESCALE_P)
    return star_scenario(spread, duration_h=RESCALE_T, plan=CrisisPlan(enabled=True))


def test_time_rescaling_diurnal(star, record_property):
    """Time-rescaling theorem with the diurnal time change and thinning (Ogata 1988).

    Formula: the compensator Lambda(t) ~= p N F(L(t) - L(t0)) of the reactions to one
    post (exact form in `rescaled_times`) maps the reaction times to a unit-rate
    Poisson process: gaps ~ Exp(1).
    Setting: star, N = 20000 followers, p = 0.1, SEISMIC kernel (horizon 336 h),
    diurnal profile on (start Monday 09:00), brand layer on with no action (so the
    multiplier is 1 but candidates are scheduled at the bound 1.08 and thinned),
    72 h, 2 run seeds (~3200 reactions: the KS tests' power comes from the number of
    reactions, not of runs; the count's SD is binomial, ~53).
    Expected: KS p-value > 0.01 for the gaps against Exp(1) and for the rescaled
    times against uniform; reaction count within 3 SD of N q(T) (binomial). (A
    compensator without the time change fails the uniformity test at p ~ 1e-25.)
    """
    sc = diurnal_plan_scenario()
    sims = []
    for seed in range(RESCALE_RUNS):
        sim = Simulation(sc, seed=seed, network=star)
        sim.run()
        assert sim.brand.multiplier(sim.now) == 1.0
        assert sim.spread.params.bound == pytest.approx(share_bound(sc.response))
        assert sim.spread.params.bound > 1.05  # so candidates really are thinned (~7%)
        assert_layers_off(sim)
        sims.append(sim)
    check_rescaling(sims, [[(0.0, math.inf, 1.0)]] * len(sims), record_property, "flat")


def test_time_rescaling_brand_change(star, record_property):
    """Time rescaling when the brand multiplier changes mid-run (v2: the share table).

    Setting as `test_time_rescaling_diurnal`; the team offers compensation at 1 h,
    acknowledges (empathetic) at 4 h and offers a solution at 12 h; each goes out after
    the 0.5 h approval delay (1.5 h, 4.5 h, 12.5 h). The multipliers are set to the
    ends of their allowed ranges so that a wrong compensator is caught:
    share_compensation 1.5, share_empathetic 0.5, share_solution 0.5, so the multiplier
    is 1, 1.5, 0.75, 0.375 over the four pieces (1.5 > 1: the bound, 1.05 x 1.5 = 1.575,
    must cover it). The compensator integrates the multiplier piecewise in operational
    time. 2 run seeds (~3300 reactions).
    Expected: KS p > 0.01 for the gaps (Exp(1)) and the times (uniform); count within
    3 binomial SD. On these runs a compensator that ignores the brand fails the
    uniformity test at p ~ 1e-16, one that caps the compensation piece at 1 (a
    thinning bound of 1) at p ~ 4e-10 (and the count at 5 SD), one that misses the
    solution step at p ~ 0.001.
    """
    sc = diurnal_plan_scenario()
    sc = dataclasses.replace(sc, response=ResponseEffects(
        share_compensation=1.5, share_empathetic=0.5, share_solution=0.5))
    fx = sc.response
    delay = sc.plan.approval_delay_h
    acts = [(1.0, Action("compensation")), (4.0, Action("acknowledge")),
            (12.0, Action("solution"))]
    levels = [1.0, fx.share_compensation, fx.share_compensation * fx.share_empathetic,
              fx.share_compensation * fx.share_empathetic * fx.share_solution]
    edges = [0.0] + [at + delay for at, _ in acts] + [math.inf]
    mult = [(edges[i], edges[i + 1], levels[i]) for i in range(len(levels))]
    sims = []
    for seed in range(RESCALE_RUNS):
        sim = Simulation(sc, seed=100 + seed, network=star)
        for at, action in acts:
            sim.run(until=at)
            sim.act(action)
        sim.run()
        assert sim.brand.first_response_at == pytest.approx(1.0 + delay)
        assert sim.brand.multiplier() == pytest.approx(levels[-1])
        assert max(levels) <= sim.spread.params.bound
        assert_layers_off(sim)
        sims.append(sim)
    check_rescaling(sims, [mult] * len(sims), record_property, "brand")


@pytest.mark.slow  # statistical: many runs
def test_brand_multiplier_above_one_without_plan(star, record_property):
    """A brand multiplier above 1 must act in full, also when the plan layer is off.

    Setting: star, N = 20000, p = 0.1, exponential kernel (rate 1/h), diurnal off,
    plan disabled with no approval delay, share_compensation 1.5 (its upper limit);
    the team offers compensation at t = 0 (before the complaint goes out), so the
    multiplier is 1.5 for the whole run: each follower reacts with probability
    0.15 (1 - e^-48). One run.
    Expected: 3000 reactions; tolerance 3 binomial SD (3 x 50.5). (A regression test:
    the thinning bound once dropped to 1 with the plan layer off, capping this at
    ~2000, 20 SD away.)
    """
    sc = star_scenario(spread_off(diurnal=False, kernel="exponential", per_exposure_prob=0.1),
                       duration_h=48.0, plan=CrisisPlan(enabled=False, approval_delay_h=0.0))
    sc = dataclasses.replace(sc, response=ResponseEffects(share_compensation=1.5))
    sim = Simulation(sc, seed=1, network=star)
    sim.act(Action("compensation"))
    sim.run()
    assert sim.brand.multiplier() == pytest.approx(1.5)
    assert_layers_off(sim)
    q = 0.1 * 1.5 * -math.expm1(-48.0)
    n = reaction_times(sim).size
    record_property("reactions", (n, STAR_N * q, math.sqrt(STAR_N * q * (1 - q))))
    check("reactions with multiplier 1.5", n, STAR_N * q, 3 * math.sqrt(STAR_N * q * (1 - q)))


# ---- 8b. totals with and without the diurnal profile --------------------------------------

TREE_CHILDREN, TREE_GRAND = 2000, 10  # the seed's followers; each of theirs
TREE_RATE = 1.0 / 24.0  # exponential kernel: mean delay a day, so 72 h cuts the cascade
TREE_M = 0.8  # brand multiplier in force for the whole run (share_empathetic)
TREE_RUNS = 30  # per arm
TREE_T = 72.0  # whole days: operational time equals clock time
TREE_EARLY = 12.0  # 09:00 to 21:00 on day 1: not a whole number of days


@pytest.fixture(scope="module")
def tree():
    """Two-level tree: 0 -> children 1..C, child i -> its own G grandchildren."""
    c, g = TREE_CHILDREN, TREE_GRAND
    kids = np.arange(1, c + 1, dtype=np.int64)
    grand = c + 1 + np.arange(c * g, dtype=np.int64)
    src = np.concatenate((np.zeros(c, dtype=np.int64), np.repeat(kids, g)))
    dst = np.concatenate((kids, grand))
    return from_edge_arrays(1 + c + c * g, src, dst, edge_config(undirected=False))


def tree_moments(q: float, op_t: float) -> tuple[float, float]:
    """Mean and variance of the posts by operational time `op_t` on the tree (seed included).

    Each child reacts with probability q (per-exposure probability 1 x multiplier) at
    an Exp(r) delay D; given that, each of its G followers reacts with probability q
    at a further Exp(r) delay, so by time T: X = I (1{D <= T} + Y), Y | D ~
    Bin(G, q F(T - D)) (0 if D > T). With g(D) = F(T - D) 1{D <= T}:
    E[X] = q (F(T) + G q E[g]), E[X^2] = q (F(T) + 3 G q E[g] + G (G-1) q^2 E[g^2]),
    and the total is 1 + the sum of C independent X.
    """
    r, g_n = TREE_RATE, TREE_GRAND

    def f_cdf(s: float) -> float:
        return -math.expm1(-r * s)

    e_g = integrate.quad(lambda d: r * math.exp(-r * d) * f_cdf(op_t - d), 0, op_t)[0]
    e_g2 = integrate.quad(lambda d: r * math.exp(-r * d) * f_cdf(op_t - d) ** 2, 0, op_t)[0]
    ex = q * (f_cdf(op_t) + g_n * q * e_g)
    ex2 = q * (f_cdf(op_t) + 3 * g_n * q * e_g + g_n * (g_n - 1) * q**2 * e_g2)
    return 1.0 + TREE_CHILDREN * ex, TREE_CHILDREN * (ex2 - ex**2)


@pytest.mark.slow  # statistical: many runs
def test_totals_unchanged_by_diurnal_profile(tree, record_property):
    """The diurnal time change moves reactions within the day but keeps their number.

    Formula: delays are drawn in operational time L(t), whose daily mean rate is 1, so
    L(t0 + 24 d) - L(t0) = 24 d: the posts by a whole number of days after the
    complaint have the law of the flat (no profile) cascade at that time, through
    every generation. On the two-level tree that law is known (`tree_moments`):
    E = 1 + C q (F(T) + G q E[F(T - D)]), with its exact variance.
    Setting: the tree (the seed, its 2000 followers, 10 followers each of theirs:
    22,001 users), per-exposure probability 1, exponential kernel with rate 1/24 h (so
    the cut at 72 h removes ~20% of the second generation, which carries ~85% of the
    posts, and the totals depend on the clock), brand layer on with an empathetic
    acknowledgement before the complaint (multiplier 0.8; candidates scheduled at the
    bound 1.21 and thinned). Two arms on independent seeds: diurnal profile on (run
    seeds 0-29, start Monday 09:00) and off (run seeds 1000-1029); 30 runs each, 72 h.
    (With paired seeds the two arms give identical posts, so only independent seeds
    make this a test.)
    Expected: mean posts by 72 h = 11,772 in both arms; SD per run 166 (exact, from
    `tree_moments`), so 3 SE = 91 (0.8%; one hour more or less of operational time
    shifts the mean by ~85); and a Welch two-sample test of diurnal against flat,
    p > 0.01.
    Power check, same runs: the posts by 12 h (not a whole day; 09:00-21:00 is the
    busy part of the day, L(12) = 14.93 h) must match the flat law at the operational
    time L(12) in the diurnal arm (2397, 3 SE = 45), and be far from the flat law at
    12 h (1785, > 10 SE away): a test blind to the time change could not tell these
    apart.
    """
    sc = scenario(network_config("file", tree.n - 1), spread_off(
        diurnal=False, kernel="exponential", per_exposure_prob=1.0,
        exponential_rate_per_h=TREE_RATE), duration_h=TREE_T, seed_users=[0],
        plan=CrisisPlan(enabled=True, approval_delay_h=0.0))
    sc = dataclasses.replace(sc, response=ResponseEffects(share_empathetic=TREE_M))
    day = dataclasses.replace(sc, spread=dataclasses.replace(sc.spread, diurnal=True))
    mean, var = tree_moments(TREE_M, TREE_T)
    se = math.sqrt(var / TREE_RUNS)
    totals: dict[bool, list[float]] = {False: [], True: []}
    early: list[float] = []
    op_early = 0.0
    for diurnal, arm, first in ((False, sc, 1000), (True, day, 0)):
        for seed in range(first, first + TREE_RUNS):
            sim = Simulation(arm, seed=seed, network=tree)
            sim.act(Action("acknowledge"))
            sim.run()
            assert sim.brand.multiplier() == pytest.approx(TREE_M)
            times = np.asarray(sim.spread.post_time)
            users = np.asarray(sim.spread.post_author) != sim.net.brand
            totals[diurnal].append(float(np.count_nonzero(users)))
            if diurnal:
                early.append(float(np.count_nonzero(users & (times <= TREE_EARLY))))
                op_early = sim.spread.clock.to_op(TREE_EARLY) - sim.spread.clock.to_op(0.0)
        assert_layers_off(sim)
    flat, curve = np.asarray(totals[False]), np.asarray(totals[True])
    welch = stats.ttest_ind(curve, flat, equal_var=False)
    record_property("totals", (float(flat.mean()), float(curve.mean()), mean, se))
    record_property("welch_p", float(welch.pvalue))
    check("flat posts by 72 h", float(flat.mean()), mean, 3 * se)
    check("diurnal posts by 72 h", float(curve.mean()), mean, 3 * se)
    assert welch.pvalue > 0.01, f"diurnal and flat totals differ: {welch}"

    assert op_early > TREE_EARLY + 2.0  # the busy half of the day
    e_op, v_op = tree_moments(TREE_M, op_early)
    e_12, _ = tree_moments(TREE_M, TREE_EARLY)
    se_op = math.sqrt(v_op / TREE_RUNS)
    m_early = float(np.mean(early))
    record_property("early", (m_early, e_op, e_12, se_op))
    check("diurnal posts by 12 h vs the flat law at L(12)", m_early, e_op, 3 * se_op)
    assert abs(m_early - e_12) > 10 * se_op, "the 12 h check cannot see the time change"
