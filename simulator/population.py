"""Build (and cache) the follower network a scenario describes.

By default the population is part of the scenario: replicas with different
run seeds share one graph (its own seed is `network.seed`), so a batch builds
it once. With `network.resample: true` every run draws its own graph from a
seed derived from the run's seed (network uncertainty,
docs/model.md, "9. Network uncertainty"):
fitting to one random graph is not enough.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from simulator import netio
from simulator.config import ComplaintConfig, NetworkConfig, Scenario
from simulator.network import Network, complete, erdos_renyi, synthetic, with_advocates
from simulator.rng import stream


@lru_cache(maxsize=4)
def _build(net_cfg: NetworkConfig, explicit_seeds: bool, complainant_followers: int,
           advocate_share: float) -> Network:
    complaint = ComplaintConfig(complainant_followers=complainant_followers,
                                seed_users=[0] if explicit_seeds else [])
    if net_cfg.kind == "synthetic":
        net = synthetic(net_cfg, complaint)
    elif net_cfg.kind == "complete":
        net = complete(net_cfg)
    elif net_cfg.kind == "erdos_renyi":
        net = erdos_renyi(net_cfg)
    else:
        net = netio.read_network(net_cfg)
    return with_advocates(net, advocate_share, net_cfg.seed)


def graph_seed(scenario: Scenario, run_seed: int) -> int:
    """The seed of the run's graph: `network.seed`, or one derived from the run's seed."""
    net = scenario.network
    if not net.resample:
        return net.seed
    return int(stream(run_seed, f"graph#{net.seed}").integers(0, 2**62))


def build_network(scenario: Scenario, run_seed: int = 0) -> Network:
    """The run's network, built once per distinct network description."""
    adv = scenario.advocates
    net_cfg = scenario.network
    if net_cfg.resample and net_cfg.kind != "file":
        net_cfg = dataclasses.replace(net_cfg, seed=graph_seed(scenario, run_seed))
    return _build(net_cfg, bool(scenario.complaint.seed_users),
                  scenario.complaint.complainant_followers,
                  adv.share if adv.enabled else 0.0)
