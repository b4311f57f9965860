"""Bugs found once, kept found."""

from factory import scenario

from simulator import Simulation
from simulator.config import Inject


def test_journalist_taking_the_last_outlet_does_not_crash_the_media_check() -> None:
    sc = scenario(network={"media_outlets": 1}, media={"reference_share_per_h": 1e-5},
                  injects=[Inject(at_h=0.0, kind="journalist_inquiry", deadline_h=0.1)])
    for seed in range(5):
        sim = Simulation(sc, seed=seed)
        sim.run(6.0)
        assert sim.media_stories <= 1
