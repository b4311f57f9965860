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

import numpy as np

from simulator import loop as L
from simulator.diurnal import TimeChange
from simulator.kernel import Kernel
from simulator.kinds import NEGATIVE_KINDS, POSTED_ROWS, PostKind, Story
from simulator.network import Network, UserType

__all__ = ["NEGATIVE_KINDS", "PostKind", "SpreadParams", "SpreadState", "Story"]


@dataclass
class SpreadParams:
    """Numbers the loop needs, fixed for a run.

    The defaults switch every attention layer off (docs/model.md, "4. Attention":
    every follower sees every post, nothing from outside the graph, no novelty
    decay or fatigue), which is the setting of the analytic checks
    (docs/model.md, "11. Analytic checks").
    """

    p0: float  # per-seen-exposure share probability of an ordinary post
    content: float = 1.0  # arousal x evidence
    deletion_factor: float = 1.0  # share multiplier of the deletion storyline
    bound: float = 1.0  # upper bound of every time-varying multiplier (brand x repeat)
    repeat_exposure: float = 1.0
    defence_effect: float = 1.0
    defend_prob: float = 0.0
    advocates: bool = False
    lifetime_rate: float | None = None  # posts vanish after Exp(rate) hours (SIR)
    visibility: float = 1.0
    outside_reach: float = 0.0  # mean outside viewers per negative post while trending
    discovery_h: float = 0.0  # mean delay until an outside viewer finds a post
    seen_cap: float = math.inf  # most followers who see one post, on average
    search_floor: float = 0.0
    trend_volume: float = 1.0  # negative posts per hour at which T is halfway
    trend_steepness: float = 3.0
    volume_window_h: float = 1.0
    complaint_at: float = 0.0
    novelty_h: float = 0.0  # 0: no novelty decay
    novelty_shape: float = 1.0
    novelty_refresh: float = 0.0  # interest a new development restores (share of a new story's)
    fatigue_n: float = math.inf  # participants at which willingness has halved
    judgement_base: float = 1.0
    no_reply_after_h: float = 0.0
    no_reply_ramp_h: float = 1.0
    no_reply_penalty: float = 1.0
    defence_trust: float = 1.0
    on_channel: float = 0.0


class SpreadState:
    """All spread state as flat arrays, advanced by the compiled kernel in `loop`.

    The brand changes the state only between steps, through the setters
    below (share multiplier, visible response, deletions); everything else
    changes only inside the kernel or `post`.
    """

    def __init__(self, net: Network, kernel: Kernel, clock: TimeChange, params: SpreadParams,
                 rng: np.random.Generator, edge_key: int) -> None:
        self.net, self.kernel, self.clock, self.params = net, kernel, clock, params
        n = net.n
        self._gen = rng
        self._rand = rng.random(RAND_BLOCK)
        self.edge_key = np.uint64(edge_key)  # per-edge uniforms: loop.edge_uniform
        self.cnt = np.zeros(L.N_COUNTERS, dtype=np.int64)
        self.cnt[L.OUT_CAP] = L.outside_cap(params.outside_reach)
        self.fp = fp = np.zeros(L.N_FLOATS, dtype=np.float64)
        fp[L.P_CONTENT] = params.p0 * params.content
        fp[L.P_BOUND] = params.bound
        fp[L.P_REPEAT] = params.repeat_exposure
        fp[L.P_DEFENCE] = params.defence_effect
        fp[L.P_DEFEND] = params.defend_prob if params.advocates else 0.0
        fp[L.P_LIFETIME] = params.lifetime_rate or 0.0
        fp[L.P_BRAND] = 1.0
        fp[L.P_MASS] = kernel.cdf(kernel.horizon)
        fp[L.P_VIS] = params.visibility
        fp[L.P_OUT] = params.outside_reach
        fp[L.P_DISCOVERY] = params.discovery_h
        fp[L.P_SEEN_CAP] = params.seen_cap
        fp[L.P_FLOOR] = params.search_floor
        fp[L.P_TREND_V] = params.trend_volume
        fp[L.P_TREND_K] = params.trend_steepness
        fp[L.P_BOOST_UNTIL] = -math.inf
        fp[L.P_VOL_T] = params.complaint_at
        fp[L.P_VOL_TAU] = params.volume_window_h
        fp[L.P_T0] = params.complaint_at
        fp[L.P_T0_DEL] = params.complaint_at
        fp[L.P_NOV_TAU] = params.novelty_h
        fp[L.P_NOV_BETA] = params.novelty_shape
        fp[L.P_REFRESH] = params.novelty_refresh
        fp[L.P_T_NEWS] = -math.inf
        fp[L.P_FATIGUE_N] = params.fatigue_n
        fp[L.P_W_BASE] = params.judgement_base
        fp[L.P_W_RESP] = 1.0
        fp[L.P_NR_AFTER] = params.no_reply_after_h
        fp[L.P_NR_RAMP] = params.no_reply_ramp_h
        fp[L.P_NR_PEN] = params.no_reply_penalty
        fp[L.P_W_EXTRA] = 1.0
        fp[L.P_DEF_TRUST] = params.defence_trust
        fp[L.P_CHAN] = params.on_channel
        fp[L.P_POOL] = net.brand if net.brand >= 0 else n
        fp[L.P_TREND_AT] = -1.0
        fp[L.P_STORY0:L.P_STORY0 + L.N_STORIES] = 1.0
        fp[L.P_STORY0 + Story.DELETION] = params.deletion_factor
        self.kp = kernel.params()
        self.clk, self.cum, self.rates = clock.arrays()
        self.posted = np.zeros((POSTED_ROWS, n), dtype=np.uint8)  # by Story
        self.exposures = np.zeros(n, dtype=np.int32)  # storm posts seen
        self._joined = np.zeros(n, dtype=np.uint8)
        self._saw = np.zeros(n, dtype=np.uint8)
        self.saw_defence = self._saw.view(np.bool_)
        types = net.types
        self._adv = (types == UserType.ADVOCATE).astype(np.uint8)
        # accounts that never post a complaint: advocates, the brand, media outlets
        self._mute = ((types == UserType.BRAND) | (types == UserType.MEDIA)
                      | (types == UserType.ADVOCATE)).astype(np.uint8)
        self._fan = np.zeros(n, dtype=np.uint8)
        if net.brand >= 0:
            self._fan[net.followers(net.brand)] = 1
        self._max_fanout = int(np.diff(net.indptr).max()) if n else 0
        self._room = self._max_fanout + 2 * int(self.cnt[L.OUT_CAP]) + 8
        self._posts = _columns(1024, (np.float64, np.int32, np.int8, np.float64, np.int8,
                                      np.int32))
        self._heap = _columns(max(1024, 2 * self._room + 8),
                              (np.float64, np.int32, np.int32, np.int8, np.float64))
        self.audience_of: dict[int, int] = {}
        self._no_audience = np.zeros(0, dtype=np.int32)

    # ---- what the brand sets between steps -------------------------------------------------
    @property
    def brand_mult(self) -> float:
        """Share multiplier of the brand's statements so far (at most `params.bound`)."""
        return float(self.fp[L.P_BRAND])

    @brand_mult.setter
    def brand_mult(self, value: float) -> None:
        self.fp[L.P_BRAND] = value

    def set_response(self, weight: float) -> None:
        """The brand has spoken: judgements from now on carry this response weight."""
        self.fp[L.P_SPOKEN] = 1.0
        self.fp[L.P_W_RESP] = weight

    def set_judgement_extra(self, weight: float) -> None:
        """A weight on every later judgement whatever the reply (a noticed deletion)."""
        self.fp[L.P_W_EXTRA] = weight

    @property
    def judgement_extra(self) -> float:
        return float(self.fp[L.P_W_EXTRA])

    def boost_trend(self, until: float) -> None:
        """A news story keeps the storm trending until `until` (sim hours)."""
        self.fp[L.P_BOOST_UNTIL] = max(self.fp[L.P_BOOST_UNTIL], until)

    def refresh_novelty(self, t: float) -> None:
        """A new development at `t`: the story is partly new again (see loop.novelty)."""
        self.fp[L.P_T_NEWS] = max(self.fp[L.P_T_NEWS], t)

    def start_deletion_story(self, t: float) -> None:
        """The deletion storyline is new at `t`: its novelty counts from then."""
        self.fp[L.P_T0_DEL] = t

    def delete_on_channel(self) -> np.ndarray:
        """Delete every negative post on the brand's channel not deleted yet; their ids.

        Deleted posts stop spreading (their pending reactions are rejected when
        they fire); posts on people's own timelines are out of the brand's reach.
        """
        n = int(self.cnt[L.N_POSTS])
        flags = self._posts[4][:n]
        neg = np.isin(self._posts[2][:n], _NEGATIVE)
        hit = neg & ((flags & L.ON_CHANNEL) != 0) & ((flags & L.DELETED) == 0)
        flags[hit] |= L.DELETED
        return np.flatnonzero(hit)

    # ---- counters and views ----------------------------------------------------------------
    negatives = property(lambda self: int(self.cnt[L.NEGATIVES]),
                         doc="negative posts so far")
    exposures_total = property(lambda self: int(self.cnt[L.SEEN]),
                               doc="views of storm posts (with repeats)")
    reach = property(lambda self: int(self.cnt[L.REACHED]),
                     doc="distinct users who saw the storm: a negative post, a news "
                     "story or a competitor's jab")
    participants = property(lambda self: int(self.cnt[L.PARTICIPANTS]),
                            doc="distinct users who posted something negative")
    outside_participants = property(lambda self: int(self.cnt[L.OUT_PARTICIPANTS]),
                                    doc="participants who joined from an exposure outside "
                                    "the follower graph")
    outside_views = property(lambda self: int(self.cnt[L.OUT_SEEN]),
                             doc="views from outside the follower graph (search, trends)")
    defence_exposures = property(lambda self: int(self.cnt[L.DEF_SEEN]))
    candidates = property(lambda self: int(self.cnt[L.CANDIDATES]),
                          doc="candidate reactions pushed")
    rejected = property(lambda self: int(self.cnt[L.REJECTED]),
                        doc="candidates rejected by thinning or deletion")
    pending = property(lambda self: int(self.cnt[L.HEAP]), doc="candidates not yet fired")
    damage = property(lambda self: float(self.fp[L.P_DMG]),
                      doc="sum of the judgements formed so far")
    damage_base = property(lambda self: float(self.fp[L.P_DMG_BASE]),
                           doc="the same judgements without their response weights")

    @property
    def trending_at(self) -> float | None:
        """When the storm first reached half of the trend level (None: not yet)."""
        t = float(self.fp[L.P_TREND_AT])
        return None if t < 0 else t

    def recent_volume(self, t: float) -> float:
        """Negative posts per hour lately (the trend and media hazard read this)."""
        return float(L.recent_volume(self.fp, float(t)))

    def trend_level(self, t: float) -> float:
        return float(L.trend(self.fp, float(t)))

    def novelty(self, t: float) -> float:
        return float(L.novelty(self.fp, float(t), L.S_COMPLAINT))

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

    @property
    def post_parent(self) -> np.ndarray:
        """The post each post reacted to (-1: a seed, a story, a statement, a re-ignition)."""
        return self._posts[5][: self.cnt[L.N_POSTS]]

    @property
    def post_deleted(self) -> np.ndarray:
        return (self._posts[4][: self.cnt[L.N_POSTS]] & L.DELETED) != 0

    def audience(self, pid: int) -> int:
        """How many accounts the post was shown to (followers, or a story's readers)."""
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
        """Publish a post at simulation time `t` and schedule its viewers' reactions.

        `audience` replaces the author's followers for readers outside the
        graph (a news story's readers, a competitor's sampled audience); they
        all see it.
        """
        if audience is None:
            aud = self._no_audience
            fanout = int(self.net.indptr[author + 1] - self.net.indptr[author])
        else:
            aud = np.ascontiguousarray(audience, dtype=np.int32)
            fanout = aud.size
        self._make_room(fanout + self._room)
        if author >= 0 and int(kind) in NEGATIVE_KINDS and not self._joined[author]:
            self._joined[author] = 1
            self.cnt[L.PARTICIPANTS] += 1
        pid = int(L.post(self.cnt, self.fp, self.kp, self.net.indptr, self.net.indices,
                         self.edge_key, aud, self.posted, self._mute, self._adv, self._fan,
                         self.exposures, self._saw, *self._posts, *self._heap, self._rand,
                         self.clock.to_op(t), float(t), int(author), int(kind), int(story),
                         float(reader_factor), -1))
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
            self._make_room(self._room)
            status = L.advance(self.cnt, self.fp, self.kp, self.clk, self.cum, self.rates,
                               self.net.indptr, self.net.indices, self.edge_key, self.posted,
                               self._mute, self._adv, self._fan, self._joined, self.exposures,
                               self._saw, *self._posts, *self._heap, self._rand, limit,
                               self._room)
            if status == L.DONE:
                return


_NEGATIVE = np.asarray(sorted(NEGATIVE_KINDS), dtype=np.int8)
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


def load_compiled_loop() -> None:
    """Load the compiled loop now (about a second from numba's cache) instead of mid-drill.

    Runs a three-user cascade with every layer on through `post` and
    `advance`, the two entry points, so a drill's first tick is not the one
    that pays for loading.
    """
    from simulator.config import NetworkConfig, SpreadConfig
    from simulator.diurnal import make_time_change
    from simulator.kernel import make_kernel
    from simulator.network import complete

    net = complete(NetworkConfig(kind="complete", users=3, media_outlets=0, brand_audience=0))
    cfg = SpreadConfig(diurnal=False)
    params = SpreadParams(p0=0.5, visibility=0.5, outside_reach=1.0, novelty_h=24.0,
                          fatigue_n=10.0)
    state = SpreadState(net, make_kernel(cfg), make_time_change(cfg, 0.0), params,
                        np.random.default_rng(0), 1)
    state.post(0.0, 0, PostKind.COMPLAINT, Story.COMPLAINT)
    state.advance(1000.0)
