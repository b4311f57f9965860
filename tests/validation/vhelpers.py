"""Shared helpers for the statistical validation of the engine (MODEL.md section 5).

Every check runs the real `Simulation` with the brand, media, advocate and (unless a
test says otherwise) diurnal layers off, so the spread loop alone is compared with an
analytic result. Replicas share one network (built once per module) and differ only in
the run seed.
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

# Long enough for every cascade in these checks to finish; runs stop as soon as the
# candidate heap is empty, so the length costs nothing.
LONG_H = 1440.0


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
    """Exponential reaction kernel, diurnal layer off, per-exposure probability `p`."""
    return SpreadConfig(diurnal=False, kernel="exponential", per_exposure_prob=p,
                        exponential_rate_per_h=rate, post_lifetime_rate_per_h=lifetime,
                        **kw)  # type: ignore[arg-type]


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
                    step: float = 24.0) -> np.ndarray:
    """Final sizes of replicas of `sc` with the given run seeds on one shared network.

    The size is the summary's `sharers`; it is read through `quick_size`, checked
    against the summary on the first replica of every batch.
    """
    out = []
    for i, s in enumerate(seeds):
        sim = run_out(Simulation(sc, seed=s, network=net), step, stop)
        size = quick_size(sim)
        if i == 0:
            assert size == final_size(sim)
        out.append(size)
    return np.array(out, dtype=float)


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
