"""Scripted injects: the crisis pushing back at a set time (or when the facilitator says).

Each inject is a SimPy process acting on the simulation: a journalist asks for
comment (and publishes at the deadline), an influencer joins, a staff member
posts off-message, a competitor jabs, a second victim posts. Random draws come
from the run's `injects` stream, read after every wait because a forked
replica swaps the streams.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.config import Inject
from simulator.kinds import EventKind, PostKind, Story
from simulator.network import UserType

if TYPE_CHECKING:
    from simulator.simulation import Simulation


def play_inject(sim: Simulation, inject: Inject,
                delay: float | None = None) -> Generator[Any, Any, None]:
    """The inject's process: wait until its time (or `delay`), then act."""
    yield sim.env.timeout(inject.at_h if delay is None else delay)
    rng = sim.stream("injects")
    sim.announce(EventKind.INJECT, inject.text, detail=inject.kind)
    if inject.kind in ("influencer_joins", "second_victim", "competitor_jab"):
        sim.spread.refresh_novelty(sim.env.now)  # a new development: the story is news again
    if inject.kind == "journalist_inquiry":
        sim.alert_team()
        yield sim.env.timeout(inject.deadline_h)
        answered = sim.brand.last_spoken_at is not None
        chance = min(1.0, inject.strength) * (0.5 if answered else 1.0)
        outlet = sim.next_outlet()
        if outlet >= 0 and sim.stream("injects").random() < chance:
            sim.broadcast_story(outlet)
    elif inject.kind == "influencer_joins":
        influencers = np.flatnonzero(sim.net.types == UserType.INFLUENCER)
        fresh = [int(u) for u in influencers if not sim.spread.posted[Story.COMPLAINT][u]]
        if fresh:
            counts = sim.net.follower_counts()
            top = max(fresh, key=lambda u: (counts[u], -u))
            sim.post_as(top, PostKind.INFLUENCER)
    elif inject.kind == "staff_offmessage":
        keep = sim.scenario.response.briefing_factor if sim.brand.briefed else 1.0
        if rng.random() < keep:
            sim.staff_post(inject.text)
    elif inject.kind == "competitor_jab":
        pool = np.flatnonzero(sim.net.types != UserType.BRAND)
        size = min(pool.size, int(sim.scenario.network.media_audience * inject.strength
                                  * pool.size))
        audience = np.sort(rng.choice(pool, size=size, replace=False)).astype(np.int32)
        sim.spread.post(sim.env.now, -1, PostKind.COMPETITOR, Story.COMPLAINT,
                        reader_factor=sim.scenario.media.reader_factor, audience=audience)
    elif inject.kind == "second_victim":
        victim = second_victim(sim, rng)
        if victim >= 0:
            sim.post_as(victim, PostKind.COMPLAINT)


def second_victim(sim: Simulation, rng: np.random.Generator) -> int:
    """An ordinary user who has not posted, with about the complainant's follower count.

    -1 when every ordinary user has already posted (nobody is left to be one).
    """
    counts = sim.net.follower_counts()
    users = np.flatnonzero(sim.net.types == UserType.ORDINARY)
    users = users[sim.spread.posted[Story.COMPLAINT][users] == 0]
    if not users.size:
        return -1
    target = sim.scenario.complaint.complainant_followers
    closest = users[np.argsort(np.abs(counts[users] - target), kind="stable")[:10]]
    return int(rng.choice(closest))
