"""Spread state: candidate reactions on a heap, accepted by thinning.

When a user posts, every follower gets a candidate reaction with the upper
bound probability `p_sched` of that post, at a delay drawn from the kernel
(in operational time, see `diurnal`). Only accepted candidates are pushed.
When a candidate fires, it is accepted with probability `p_eff / p_sched`
from the state at that moment (post deleted? brand replied? already posted?
seen a defence?): exact Lewis-Shedler thinning, and no event is ever
cancelled. The loop itself is the compiled kernel in `loop`; this module owns
its arrays, grows them, and gives the rest of the engine a readable view.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from simulator import loop as L
from simulator.diurnal import TimeChange
from simulator.kernel import Kernel
from simulator.network import Network, UserType


class Story(IntEnum):
    """Storylines: a user posts at most once per storyline unless re-ignited."""

    COMPLAINT = 0
    DELETION = 1  # "they deleted my comment"
    DEFENCE = 2  # advocates defending the brand
    REIGNITE = 3  # a past sharer provoked into posting again (a COMPLAINT post)


class PostKind(IntEnum):
    """What a post in the feed is."""

    COMPLAINT = 0  # a seed complaint (first post or a second victim)
    RESHARE = 1  # an angry reshare
    REIGNITED = 2  # a past sharer posting again after a provocation
    DELETION = 3  # "they deleted my comment" and its reshares
    DEFENCE = 4  # a fan defends the brand
    MEDIA = 5  # a news story (broadcast)
    INFLUENCER = 6  # an influencer joins (inject)
    COMPETITOR = 7  # a competitor's jab (broadcast)


NEGATIVE_KINDS = frozenset(int(k) for k in (PostKind.COMPLAINT, PostKind.RESHARE,
                                             PostKind.REIGNITED, PostKind.DELETION,
                                             PostKind.INFLUENCER))


@dataclass
class SpreadParams:
    """Numbers the loop needs, fixed for a run."""

    p0: float  # per-exposure reshare probability of an ordinary post
    content: float  # arousal x evidence
    story_factor: tuple[float, float, float]  # per storyline reshare multiplier
    bound: float  # upper bound of every time-varying multiplier (brand x repeat x ...)
    repeat_exposure: float
    defence_effect: float
    defend_prob: float
    advocates: bool
    lifetime_rate: float | None  # posts vanish after Exp(rate) hours (SIR), else horizon


class SpreadState:
    """All spread state as flat arrays, advanced by the compiled kernel in `loop`.

    The brand sets `brand_mult` between steps and `deleted_below` when it
    deletes; everything else changes only inside the kernel or `post`.
    """

    def __init__(self, net: Network, kernel: Kernel, clock: TimeChange, params: SpreadParams,
                 rng: np.random.Generator, edge_key: int) -> None:
        self.net, self.kernel, self.clock, self.params = net, kernel, clock, params
        n = net.n
        self._gen = rng
        self._rand = rng.random(RAND_BLOCK)
        self.edge_key = np.uint64(edge_key)  # per-edge uniforms: loop.edge_uniform
        self.cnt = np.zeros(L.N_COUNTERS, dtype=np.int64)
        self.fp = np.zeros(L.N_FLOATS, dtype=np.float64)
        fp = self.fp
        fp[L.P_CONTENT] = params.p0 * params.content
        fp[L.P_BOUND] = params.bound
        fp[L.P_REPEAT] = params.repeat_exposure
        fp[L.P_DEFENCE] = params.defence_effect
        fp[L.P_DEFEND] = params.defend_prob if params.advocates else 0.0
        fp[L.P_LIFETIME] = params.lifetime_rate or 0.0
        fp[L.P_BRAND] = 1.0
        fp[L.P_MASS] = kernel.cdf(kernel.horizon)
        fp[L.P_STORY0:L.P_STORY0 + 3] = params.story_factor
        self.kp = kernel.params()
        self.clk, self.cum, self.rates = clock.arrays()
        self.posted = np.zeros((3, n), dtype=np.uint8)  # by Story
        self.exposures = np.zeros(n, dtype=np.int32)
        self._saw = np.zeros(n, dtype=np.uint8)
        self.saw_defence = self._saw.view(np.bool_)
        types = net.types
        self._adv = (types == UserType.ADVOCATE).astype(np.uint8)
        # accounts that never post a complaint: advocates, the brand, media outlets
        self._mute = ((types == UserType.BRAND) | (types == UserType.MEDIA)
                      | (types == UserType.ADVOCATE)).astype(np.uint8)
        self._max_fanout = int(np.diff(net.indptr).max()) if n else 0
        self._posts = _columns(1024, (np.float64, np.int32, np.int8, np.float64))
        self._heap = _columns(max(1024, 2 * self._max_fanout + 8),
                              (np.float64, np.int32, np.int32, np.int8, np.float64))
        self.audience_of: dict[int, int] = {}
        self._no_audience = np.zeros(0, dtype=np.int32)

    # ---- counters and views ----------------------------------------------------------------
    @property
    def brand_mult(self) -> float:
        return float(self.fp[L.P_BRAND])

    @brand_mult.setter
    def brand_mult(self, value: float) -> None:
        self.fp[L.P_BRAND] = value

    @property
    def deleted_below(self) -> int:
        return int(self.cnt[L.DELETED_BELOW])

    @deleted_below.setter
    def deleted_below(self, value: int) -> None:
        self.cnt[L.DELETED_BELOW] = value

    negatives = property(lambda self: int(self.cnt[L.NEGATIVES]),
                         doc="negative posts so far")
    exposures_total = property(lambda self: int(self.cnt[L.EXPOSURES]),
                               doc="follower views of negative posts (with repeats)")
    defence_exposures = property(lambda self: int(self.cnt[L.DEF_EXPOSURES]))
    candidates = property(lambda self: int(self.cnt[L.CANDIDATES]),
                          doc="candidate reactions pushed")
    rejected = property(lambda self: int(self.cnt[L.REJECTED]),
                        doc="candidates rejected by thinning or deletion")
    pending = property(lambda self: int(self.cnt[L.HEAP]), doc="candidates not yet fired")

    @property
    def heap(self) -> range:
        """Pending candidates (only its length and truth value are meaningful)."""
        return range(self.pending)

    @property
    def post_time(self) -> np.ndarray:
        return self._posts[0][: self.cnt[L.N_POSTS]]

    @property
    def post_author(self) -> np.ndarray:
        return self._posts[1][: self.cnt[L.N_POSTS]]

    @property
    def post_kind(self) -> np.ndarray:
        return self._posts[2][: self.cnt[L.N_POSTS]]

    def audience(self, pid: int) -> int:
        """How many followers saw post `pid`."""
        if pid in self.audience_of:
            return self.audience_of[pid]
        u = int(self.post_author[pid])
        return int(self.net.indptr[u + 1] - self.net.indptr[u]) if u >= 0 else 0

    def next_time(self) -> float:
        """Simulation time of the next candidate, or infinity."""
        if not self.pending:
            return math.inf
        return self.clock.to_sim(float(self._heap[0][0]))

    def reseed(self, rng: np.random.Generator, edge_key: int) -> None:
        """Draw every later uniform from `rng` and new per-edge values (a forked replica)."""
        self._gen = rng
        self._rand = rng.random(RAND_BLOCK)
        self.cnt[L.RAND] = 0
        self.edge_key = np.uint64(edge_key)

    # ---- room ------------------------------------------------------------------------------
    def _make_room(self, fanout: int) -> None:
        """Grow arrays and refill uniforms so one more post of `fanout` fits."""
        cnt = self.cnt
        if cnt[L.N_POSTS] + 2 >= self._posts[0].size:
            self._posts = _grown(self._posts, 2 * self._posts[0].size)
        need = int(cnt[L.HEAP]) + fanout + 2
        if need >= self._heap[0].size:
            self._heap = _grown(self._heap, max(2 * self._heap[0].size, need + 1))
        pos = int(cnt[L.RAND])
        if pos + fanout + 3 >= self._rand.size:
            fresh = self._gen.random(max(RAND_BLOCK, fanout + 4))
            self._rand = np.concatenate((self._rand[pos:], fresh))
            cnt[L.RAND] = 0

    # ---- posting and advancing ---------------------------------------------------------------
    def post(self, t: float, author: int, kind: PostKind, story: Story,
             reader_factor: float = 1.0, audience: np.ndarray | None = None) -> int:
        """Publish a post at simulation time `t` and schedule its followers' reactions.

        `audience` replaces the author's followers for accounts outside the
        graph (a competitor's jab reaches a sampled audience).
        """
        if audience is None:
            aud = self._no_audience
            fanout = int(self.net.indptr[author + 1] - self.net.indptr[author])
        else:
            aud = np.ascontiguousarray(audience, dtype=np.int32)
            fanout = aud.size
        self._make_room(fanout)
        pt, pa, pk, pthr = self._posts
        ht, hv, hp, hs, hu = self._heap
        pid = int(L.post(self.cnt, self.fp, self.kp, self.net.indptr, self.net.indices,
                         self.edge_key, aud, self.posted, self._mute, self._adv, self.exposures,
                         self._saw, pt, pa, pk, pthr, ht, hv, hp, hs, hu, self._rand,
                         self.clock.to_op(t), float(t), int(author), int(kind), int(story),
                         float(reader_factor)))
        if audience is not None:
            self.audience_of[pid] = fanout
        return pid

    def reignite(self, t: float, users: np.ndarray) -> None:
        """Give past sharers a provoked second post after a kernel delay."""
        op = self.clock.to_op(t)
        mass = float(self.fp[L.P_MASS])
        for v in users.tolist():
            self._make_room(1)
            r = int(self.cnt[L.RAND])
            self.cnt[L.RAND] = r + 1
            delay = L.kernel_ppf(self.kp, float(self._rand[r]) * mass)
            L.heap_push(self.cnt, *self._heap, op + delay, v, -1, L.S_REIGNITE, 0.0)
            self.cnt[L.CANDIDATES] += 1

    def advance(self, until: float) -> None:
        """Process every candidate firing strictly before simulation time `until`."""
        if not self.cnt[L.HEAP]:
            return
        limit = self.clock.to_op(until)
        if self._heap[0][0] >= limit:  # nothing fires before `until`: skip the kernel call
            return
        while self.pending:
            self._make_room(self._max_fanout)
            pt, pa, pk, pthr = self._posts
            ht, hv, hp, hs, hu = self._heap
            status = L.advance(self.cnt, self.fp, self.kp, self.clk, self.cum, self.rates,
                               self.net.indptr, self.net.indices, self.edge_key, self.posted,
                               self._mute, self._adv, self.exposures, self._saw,
                               pt, pa, pk, pthr, ht, hv, hp, hs, hu, self._rand,
                               limit, self._max_fanout)
            if status == L.DONE:
                return


RAND_BLOCK = 1 << 16


def _columns(size: int, dtypes: tuple[type, ...]) -> list[np.ndarray]:
    return [np.zeros(size, dtype=d) for d in dtypes]


def _grown(cols: list[np.ndarray], size: int) -> list[np.ndarray]:
    out = []
    for c in cols:
        bigger = np.zeros(size, dtype=c.dtype)
        bigger[: c.size] = c
        out.append(bigger)
    return out


def warm_up() -> None:
    """Load the compiled loop now (about a second from numba's cache) instead of mid-drill.

    Runs a three-user cascade through `post` and `advance`, the two entry
    points, so a drill's first tick is not the one that pays for loading.
    """
    from simulator.config import NetworkConfig, SpreadConfig
    from simulator.diurnal import make_time_change
    from simulator.kernel import make_kernel
    from simulator.network import complete

    net = complete(NetworkConfig(kind="complete", users=3, media_outlets=0, brand_audience=0))
    cfg = SpreadConfig(diurnal=False)
    params = SpreadParams(p0=0.5, content=1.0, story_factor=(1.0, 1.0, 1.0), bound=1.0,
                          repeat_exposure=1.0, defence_effect=1.0, defend_prob=0.0,
                          advocates=False, lifetime_rate=None)
    state = SpreadState(net, make_kernel(cfg), make_time_change(cfg, 0.0), params,
                        np.random.default_rng(0), 1)
    state.post(0.0, 0, PostKind.COMPLAINT, Story.COMPLAINT)
    state.advance(1000.0)
