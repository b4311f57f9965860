"""The spread loop: candidate reactions on a heap, accepted by thinning.

When a user posts, every follower gets a candidate reaction with the upper
bound probability `p_sched` of that post, at a delay drawn from the kernel
(in operational time, see `diurnal`). Only accepted candidates are pushed.
When a candidate fires, it is accepted with probability `p_eff / p_sched`
from the state at that moment (post deleted? brand replied? already posted?
seen a defence?): exact Lewis-Shedler thinning, and no event is ever
cancelled. The loop is one function over flat arrays and lists so that it can
be compiled later; everything it reads per event is indexed by integers.

Heap entries are `(op_time, target, post_id, story, u)`; ties (measure zero)
break by target then post id, never by insertion order.
"""

from __future__ import annotations

import heapq
import math
from array import array
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from simulator.diurnal import TimeChange
from simulator.kernel import Kernel
from simulator.network import Network, UserType
from simulator.rng import UniformBuffer


SMALL_FANOUT = 32  # fan-outs up to this size take the per-follower Python path
DIGITS = float(2**24)  # a candidate's delay uniform is frac(u * 2**24): u's low-order digits


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


# plain ints for the hot loop (enum attribute lookups cost more than the work)
_DELETION, _DEFENCE, _REIGNITE = 1, 2, 3
_K_RESHARE, _K_REIGNITED, _K_DELETION, _K_DEFENCE = 1, 2, 3, 4

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


@dataclass
class SpreadState:
    """All spread state as flat arrays; the brand changes `brand_mult` between steps."""

    net: Network
    kernel: Kernel
    clock: TimeChange
    params: SpreadParams
    rand: UniformBuffer
    edge_u: np.ndarray  # one fixed uniform per edge for this run (common random numbers)
    heap: list[tuple[float, int, int, int]] = field(default_factory=list)
    brand_mult: float = 1.0  # current product of brand multipliers
    deleted_below: int = 0  # posts with a smaller id were deleted (if deletable)
    # per post
    post_time: list[float] = field(default_factory=list)  # simulation hours
    post_author: list[int] = field(default_factory=list)
    post_kind: list[int] = field(default_factory=list)
    post_thr: list[float] = field(default_factory=list)  # p_eff x kernel mass before the
    # time-varying factors: a candidate with uniform u is accepted if u < post_thr x factors
    audience_of: dict[int, int] = field(default_factory=dict)  # posts to a sampled audience
    negatives: int = 0  # negative posts so far
    exposures_total: int = 0
    defence_exposures: int = 0
    candidates: int = 0
    rejected: int = 0

    def __post_init__(self) -> None:
        n = self.net.n
        self.posted = [bytearray(n), bytearray(n), bytearray(n)]  # by Story
        # Python-indexable storage with zero-copy numpy views for bulk reads
        self._expo = array("i", bytes(4 * n))
        self.exposures = np.frombuffer(self._expo, dtype=np.int32)
        self._saw = bytearray(n)
        self.saw_defence = np.frombuffer(self._saw, dtype=np.bool_)
        types = self.net.types
        self._advocate_np = types == UserType.ADVOCATE
        self.advocate = bytearray(self._advocate_np.astype(np.uint8).tobytes())
        # accounts that never post a complaint: advocates, the brand, media outlets
        self._mute = bytearray(((types == UserType.BRAND) | (types == UserType.MEDIA)
                                | self._advocate_np).astype(np.uint8).tobytes())
        self._ptr = self.net.indptr.tolist()
        self._indices = self.net.indices
        self._full_mass = self.kernel.cdf(self.kernel.horizon)

    # ---- posting -------------------------------------------------------------------------
    def post(self, t: float, author: int, kind: PostKind, story: Story,
             reader_factor: float = 1.0, audience: np.ndarray | None = None) -> int:
        """Publish a post at simulation time `t` and schedule its followers' reactions.

        `audience` replaces the author's followers for accounts outside the
        graph (a competitor's jab reaches a sampled audience).
        """
        return self._post(self.clock.to_op(t), t, author, int(kind), int(story),
                          reader_factor, audience)

    def reignite(self, t: float, users: np.ndarray) -> None:
        """Give past sharers a provoked second post after a kernel delay."""
        op = self.clock.to_op(t)
        delays = self.kernel.ppf(self.rand.take(users.size) * self._full_mass)
        for d, v in zip(delays.tolist(), users.tolist(), strict=True):
            heapq.heappush(self.heap, (op + d, v, -1, _REIGNITE, 0.0))
        self.candidates += users.size

    def _record(self, t: float, author: int, kind: int, thr: float) -> int:
        pid = len(self.post_time)
        self.post_time.append(t)
        self.post_author.append(author)
        self.post_kind.append(kind)
        self.post_thr.append(thr)
        if kind in NEGATIVE_KINDS:
            self.negatives += 1
        return pid

    def _uniforms(self, a: int, b: int, story: int, kind: int, own_edges: bool) -> np.ndarray:
        """The reaction uniforms of a post's followers.

        A first complaint-storyline post by a graph user uses the run's fixed
        per-edge uniforms, so paired runs (same seed, other brand actions) make
        the same follower decisions wherever their multipliers agree: strong
        common random numbers. Repeat posts, other storylines and sampled
        audiences draw fresh uniforms.
        """
        if own_edges and story == 0 and kind != _K_REIGNITED:
            return self.edge_u[a:b]
        return self.rand.take(b - a)

    def _post(self, op: float, t: float, author: int, kind: int, story: int,
              reader_factor: float, audience: np.ndarray | None = None) -> int:
        """Record a post, expose its followers and push their accepted candidates.

        A follower with uniform u gets a candidate if u < p_sched * mass (the
        upper bound), fires after the kernel delay drawn from u's low-order
        digits, and is accepted then if u < p_eff * mass (thinning with the
        same uniform keeps paired runs coupled). Small fan-outs (most posts)
        take a per-follower Python path, large ones one numpy path; both give
        the same result.
        """
        prm = self.params
        own = audience is None
        if own:
            a, b = self._ptr[author], self._ptr[author + 1]
        else:
            a, b = 0, audience.size  # type: ignore[union-attr]
        k = b - a
        if story == _DEFENCE:
            pid = self._record(t, author, kind, 0.0)
            self.saw_defence[self._indices[a:b] if own else audience] = True
            self.defence_exposures += k
            return pid
        base = prm.p0 * prm.content * prm.story_factor[story] * reader_factor
        mass = self._full_mass
        if prm.lifetime_rate is not None:
            cut = -math.log(1.0 - self.rand.one()) / prm.lifetime_rate
            if cut < self.kernel.horizon:
                mass = self.kernel.cdf(cut)
        thr = min(1.0, base * prm.bound) * mass
        pid = self._record(t, author, kind, base * mass)
        if not own:
            self.audience_of[pid] = k
        self.exposures_total += k
        if k == 0:
            return pid
        uni = self._uniforms(a, b, story, kind, own)
        fthr = prm.defend_prob * mass if prm.advocates and story == 0 else -1.0
        posted, mute = self.posted[story], self._mute
        if k <= SMALL_FANOUT and own:
            flw = self._indices[a:b].tolist()
            expo = self._expo
            for v in flw:
                expo[v] += 1
            hits = [(v, u) for v, u in zip(flw, uni.tolist(), strict=True)
                    if u < thr and not posted[v] and not mute[v]]
            if fthr > 0:
                adv = self.advocate
                hits += [(v, u) for v, u in zip(flw, uni.tolist(), strict=True)
                         if adv[v] and u < fthr]
        else:
            followers = self._indices[a:b] if own else audience
            self.exposures[followers] += 1
            keep = uni < thr
            if fthr > 0:
                keep |= self._advocate_np[followers] & (uni < fthr)
            hits = list(zip(followers[keep].tolist(), uni[keep].tolist(), strict=True))
        if hits:
            self._push(op, hits, pid, story, mass)
        return pid

    def _push(self, op: float, hits: list[tuple[int, float]], pid: int, story: int,
              mass: float) -> None:
        """Schedule candidates; an advocate's candidate is a defence, not a reshare."""
        heap, push, ppf1 = self.heap, heapq.heappush, self.kernel.ppf1
        adv = self.advocate
        for v, u in hits:
            delay = ppf1(((u * DIGITS) % 1.0) * mass)
            push(heap, (op + delay, v, pid, _DEFENCE if adv[v] else story, u))
        self.candidates += len(hits)

    # ---- the loop ------------------------------------------------------------------------
    def advance(self, until: float) -> None:
        """Process every candidate firing strictly before simulation time `until`."""
        heap = self.heap
        if not heap:
            return
        limit = self.clock.to_op(until)
        prm = self.params
        posted = self.posted
        expo, saw = self._expo, self._saw
        thr, kinds = self.post_thr, self.post_kind
        to_sim = self.clock.to_sim
        scale = self.brand_mult
        rep, dfe = prm.repeat_exposure, prm.defence_effect
        deleted_below = self.deleted_below
        post = self._post
        pop = heapq.heappop
        while heap and heap[0][0] < limit:
            op, v, pid, story, u = pop(heap)
            if story >= _DEFENCE:
                if story == _REIGNITE:
                    post(op, to_sim(op), v, _K_REIGNITED, 0, 1.0)
                elif not posted[2][v]:
                    posted[2][v] = 1
                    post(op, to_sim(op), v, _K_DEFENCE, _DEFENCE, 1.0)
                continue
            if posted[story][v]:
                continue
            if pid < deleted_below and kinds[pid] in NEGATIVE_KINDS:
                self.rejected += 1
                continue
            q = thr[pid] * scale
            if expo[v] >= 2:
                q *= rep
            if saw[v]:
                q *= dfe
            if u >= q:
                self.rejected += 1
                continue
            posted[story][v] = 1
            post(op, to_sim(op), v, _K_DELETION if story == _DELETION else _K_RESHARE,
                 story, 1.0)

    def audience(self, pid: int) -> int:
        """How many followers saw post `pid`."""
        if pid in self.audience_of:
            return self.audience_of[pid]
        u = self.post_author[pid]
        return self._ptr[u + 1] - self._ptr[u] if u >= 0 else 0

    def next_time(self) -> float:
        """Simulation time of the next candidate, or infinity."""
        return self.clock.to_sim(self.heap[0][0]) if self.heap else math.inf
