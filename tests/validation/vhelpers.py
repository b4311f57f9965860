"""Shared helpers for the statistical validation of the engine (MODEL.md section 7).

Every check runs the real `Simulation` with the brand, media, advocate and (unless a
test says otherwise) diurnal layers off, and with every attention layer of MODEL.md
section 3 off (`LAYERS_OFF`: every follower sees every post, no seen cap, nothing from
outside the follower graph, no novelty decay, no fatigue), so the spread loop alone is
compared with an analytic result. The two rows that test a layer (visibility, outside
reach) switch exactly that layer back on. Replicas share one network (built once per
module) and differ only in the run seed.

Run counts: each check's docstring states its tolerance and the number of runs that
tolerance assumes; unless MODEL.md says otherwise the tolerance is 3 standard errors,
with the SE computed from the known variance of the target where there is one.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable

import numpy as np

from simulator.config import (
    AdvocateConfig,
    ComplaintConfig,
    CrisisPlan,
    MediaConfig,
    NetworkConfig,
    Scenario,
    SpreadConfig,
)
from simulator.network import Network
from simulator.simulation import Simulation
from simulator.spread import SpreadParams

# Long enough for every cascade in these checks to finish; runs stop as soon as the
# candidate heap is empty, so the length costs nothing.
LONG_H = 1440.0


#: SpreadConfig values that switch the attention layers of MODEL.md section 3 off: they
#: map (through `Simulation._spread_params`) onto the `SpreadParams` defaults. Novelty
#: decay is off at `novelty_days` 0 (below the range a scenario file may set, which is
#: why only code can switch it off) and fatigue at an infinite `fatigue_share`.
LAYERS_OFF: dict[str, object] = dict(visibility=1.0, seen_cap=math.inf, outside_reach=0.0,
                                     novelty_days=0.0, fatigue_share=math.inf)
_OFF = SpreadParams(p0=0.0)
_LAYER_FIELDS = ("visibility", "seen_cap", "outside_reach", "novelty_h", "fatigue_n")


def spread_off(**kw: object) -> SpreadConfig:
    """A SpreadConfig with the section 3 layers off (`kw` may switch one back on)."""
    return SpreadConfig(**{**LAYERS_OFF, **kw})  # type: ignore[arg-type]


def assert_layers_off(sim: Simulation, *, but: tuple[str, ...] = ()) -> None:
    """The run's loop parameters are the `SpreadParams` defaults on every layer (but `but`)."""
    got = sim.spread.params
    for name in _LAYER_FIELDS:
        if name not in but:
            assert getattr(got, name) == getattr(_OFF, name), (
                f"layer {name} is on: {getattr(got, name)}")


def network_config(kind: str, users: int, **kw: object) -> NetworkConfig:
    """A bare graph: no media outlets, no brand audience, nobody typed an influencer.

    `influencer_share=0` keeps every user ORDINARY, so the run seed picks the seed user
    uniformly from all of them (influencers are never drawn as seeds).
    """
    return NetworkConfig(kind=kind, users=users, media_outlets=0, brand_audience=0.0,
                         influencer_share=0.0, **kw)  # type: ignore[arg-type]


def edge_config(undirected: bool) -> NetworkConfig:
    """Config for `simulator.network.from_edge_arrays` (imported graphs)."""
    return NetworkConfig(kind="file", undirected=undirected, media_outlets=0,
                         brand_audience=0.0, influencer_share=0.0)


def exp_spread(p: float, rate: float = 1.0, lifetime: float | None = None,
               **kw: object) -> SpreadConfig:
    """Exponential reaction kernel, diurnal and section 3 layers off, per-exposure
    probability `p` (per seen exposure; with `visibility` 1 per follower)."""
    return spread_off(diurnal=False, kernel="exponential", per_exposure_prob=p,
                      exponential_rate_per_h=rate, post_lifetime_rate_per_h=lifetime, **kw)


def scenario(network: NetworkConfig, spread: SpreadConfig, *, duration_h: float = LONG_H,
             plan: CrisisPlan | None = None, **complaint: object) -> Scenario:
    """A validation scenario: brand, media and advocate layers off, plain content."""
    return Scenario(
        name="validation", duration_h=duration_h, network=network,
        complaint=ComplaintConfig(arousal=1.0, evidence="none", **complaint),  # type: ignore[arg-type]
        spread=spread, plan=plan if plan is not None else CrisisPlan(enabled=False),
        media=MediaConfig(enabled=False), advocates=AdvocateConfig(enabled=False))


def with_seeds(sc: Scenario, seeds: Iterable[int]) -> Scenario:
    """The scenario with explicit seed users."""
    return dataclasses.replace(
        sc, complaint=dataclasses.replace(sc.complaint, seed_users=[int(u) for u in seeds]))


def run_out(sim: Simulation, step: float = 24.0,
            stop: Callable[[Simulation], bool] | None = None) -> Simulation:
    """Run until no candidate reaction is pending (the cascade is over) or `stop` holds."""
    sim.run(until=min(step, sim.duration))
    while sim.spread.heap and not sim.finished:
        if stop is not None and stop(sim):
            break
        sim.run(until=sim.now + step)
    return sim


def final_size(sim: Simulation) -> int:
    """Users who posted the complaint (the `sharers` of the summary)."""
    return int(sim.summary()["sharers"])


def quick_size(sim: Simulation) -> int:
    """`final_size` without building the whole summary (no media, defences or brand here)."""
    return int(np.unique(np.asarray(sim.spread.post_author)).size)


def replicate_sizes(sc: Scenario, net: Network, seeds: Iterable[int],
                    stop: Callable[[Simulation], bool] | None = None,
                    step: float = 24.0, layers_on: tuple[str, ...] = ()) -> np.ndarray:
    """Final sizes of replicas of `sc` with the given run seeds on one shared network.

    The size is the summary's `sharers`; it is read through `quick_size`, checked
    against the summary on the first replica of every batch, where the section 3
    layers are also checked to be off (except the `SpreadParams` fields `layers_on`).
    """
    out = []
    for i, s in enumerate(seeds):
        sim = run_out(Simulation(sc, seed=s, network=net), step, stop)
        size = quick_size(sim)
        if i == 0:
            assert size == final_size(sim)
            assert_layers_off(sim, but=layers_on)
        out.append(size)
    return np.array(out, dtype=float)


def solve_z(r0: float) -> float:
    """Largest root of z = 1 - exp(-R0 z) (fixed-point iteration from 1)."""
    z = 1.0
    for _ in range(10_000):
        z = -math.expm1(-r0 * z)
    return z


def reed_frost_sd(r0: float, n: int) -> float:
    """SD of the final size fraction of a major Reed-Frost outbreak on K_n (CLT).

    sqrt(n) (Z/n - z) -> Normal(0, z (1-z) (1 + c^2 R0^2 (1-z)) / (1 - R0 (1-z))^2),
    c the coefficient of variation of the infectious period (Andersson & Britton 2000,
    Stochastic Epidemic Models and Their Statistical Analysis, ch. 4); c = 0 here, as
    each edge gets one independent chance (the independent cascade is Reed-Frost).
    """
    z = solve_z(r0)
    return math.sqrt(z * (1.0 - z) / n) / (1.0 - r0 * (1.0 - z))


def outbreaks(sc: Scenario, net: Network, runs: int, major: int, size_runs: int,
              layers_on: tuple[str, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """(major?, final sizes of the first `size_runs` major runs) over run seeds 0..runs-1.

    A run stops as soon as it has more than `major` posts (it is major: the size is
    all that matters for the probability, and a major run's full length costs 10x);
    the first `size_runs` major seeds are then run again to the end for their size.
    """
    early = replicate_sizes(sc, net, range(runs), step=0.25, layers_on=layers_on,
                            stop=lambda sim: len(sim.spread.post_time) > major)
    is_major = early > major
    seeds = np.flatnonzero(is_major)[:size_runs]
    sizes = replicate_sizes(sc, net, seeds.tolist(), layers_on=layers_on)
    return is_major, sizes


def mean_se(x: np.ndarray) -> tuple[float, float]:
    """Sample mean and its standard error."""
    x = np.asarray(x, dtype=float)
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def prop_se(n: int, p: float) -> float:
    """Standard error of a proportion of `n` Bernoulli(p) trials (p: the expected value)."""
    return math.sqrt(p * (1.0 - p) / n)


def check(name: str, measured: float, expected: float, tol: float) -> None:
    """Assert |measured - expected| <= tol with a message that states all three."""
    assert abs(measured - expected) <= tol, (
        f"{name}: measured {measured:.5g}, expected {expected:.5g}, "
        f"|diff| {abs(measured - expected):.3g} > tolerance {tol:.3g}")
