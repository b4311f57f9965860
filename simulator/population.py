"""Build (and cache) the follower network a scenario describes.

The population is part of the scenario: replicas with different run seeds
share one graph (its own seed is `network.seed`), so a batch builds it once.
"""

from __future__ import annotations

from functools import lru_cache

from simulator import netio
from simulator.config import ComplaintConfig, NetworkConfig, Scenario
from simulator.network import Network, complete, erdos_renyi, synthetic, with_advocates


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


def build_network(scenario: Scenario) -> Network:
    """The scenario's network, built once per distinct network description."""
    adv = scenario.advocates
    return _build(scenario.network, bool(scenario.complaint.seed_users),
                  scenario.complaint.complainant_followers,
                  adv.share if adv.enabled else 0.0)
