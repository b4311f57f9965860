"""The spread loop: candidate reactions on a heap, accepted by thinning.

When a user posts, every follower gets a candidate reaction with the upper
bound probability `p_sched` of that post, at a delay drawn from the kernel
(in operational time, see `diurnal`). Only accepted candidates are pushed.
When a candidate fires, it is accepted with probability `p_eff / p_sched`
from the state at that moment (post deleted? brand replied? already posted?
seen a defence?): exact Lewis-Shedler thinning, and no event is ever
cancelled. The loop is one function over flat arrays and lists so that it can
be compiled later; everything it reads per event is indexed by integers.

Heap entries are `(op_time, target, post_id, story)`; ties (measure zero)
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
    heap: list[tuple[float, int, int, int]] = field(default_factory=list)
    brand_mult: float = 1.0  # current product of brand multipliers
    deleted_below: int = 0  # posts with a smaller id were deleted (if deletable)
    # per post
    post_time: list[float] = field(default_factory=list)  # simulation hours
    post_author: list[int] = field(default_factory=list)
    post_kind: list[int] = field(default_factory=list)
    post_base: list[float] = field(default_factory=list)  # p_eff / p_sched before
    # the time-varying factors: thinning accepts with post_base * multipliers
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
        self.silent = bytearray(((types == UserType.BRAND) | (types == UserType.MEDIA))
                                .astype(np.uint8).tobytes())
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
        mass = self._full_mass
        delays = self.kernel.ppf(self.rand.take(users.size) * mass)
        for d, v in zip(delays.tolist(), users.tolist(), strict=True):
            heapq.heappush(self.heap, (op + d, v, -1, Story.REIGNITE))
        self.candidates += users.size

    def _record(self, t: float, author: int, kind: int, ratio: float) -> int:
        pid = len(self.post_time)
        self.post_time.append(t)
        self.post_author.append(author)
        self.post_kind.append(kind)
        self.post_base.append(ratio)
        if kind in NEGATIVE_KINDS:
            self.negatives += 1
        return pid

    def _post(self, op: float, t: float, author: int, kind: int, story: int,
              reader_factor: float, audience: np.ndarray | None = None) -> int:
        """Record a post, expose its followers and push their accepted candidates.

        Small fan-outs (most posts) take a per-follower Python path, large
        ones (influencers, media) one vectorised numpy path; both draw the
        same uniforms in the same order.
        """
        prm = self.params
        if audience is None:
            a, b = self._ptr[author], self._ptr[author + 1]
        else:
            a, b = 0, audience.size
        k = b - a
        if story == _DEFENCE:
            pid = self._record(t, author, kind, 1.0)
            followers = self._indices[a:b] if audience is None else audience
            self.saw_defence[followers] = True
            self.defence_exposures += k
            return pid
        base = prm.p0 * prm.content * prm.story_factor[story] * reader_factor
        sched = min(1.0, base * prm.bound)
        pid = self._record(t, author, kind, base / sched if sched > 0 else 0.0)
        if audience is not None:
            self.audience_of[pid] = k
        self.exposures_total += k
        if k == 0:
            return pid
        mass = self._full_mass
        if prm.lifetime_rate is not None:
            cut = -math.log(1.0 - self.rand.one()) / prm.lifetime_rate
            if cut < self.kernel.horizon:
                mass = self.kernel.cdf(cut)
        thr = sched * mass
        fans = prm.advocates and story == 0
        rand = self.rand
        if k <= SMALL_FANOUT and audience is None:
            flw = self._indices[a:b].tolist()
            expo = self._expo
            for v in flw:
                expo[v] += 1
            hits = [v for v, u in zip(flw, rand.take(k).tolist(), strict=True) if u < thr]
            if fans:
                adv = self.advocate
                champions = [v for v in flw if adv[v]]
                if champions:
                    fthr = prm.defend_prob * mass
                    champions = [v for v, u in zip(champions, rand.take(len(champions)).tolist(),
                                                   strict=True) if u < fthr]
                    self._push(op, champions, pid, _DEFENCE, mass)
            if hits:
                push, heap, ppf1 = heapq.heappush, self.heap, self.kernel.ppf1
                for v, u in zip(hits, rand.take(len(hits)).tolist(), strict=True):
                    push(heap, (op + ppf1(u * mass), v, pid, story))
                self.candidates += len(hits)
            return pid
        followers = self._indices[a:b] if audience is None else audience
        self.exposures[followers] += 1
        hit = followers[rand.take(k) < thr]
        if fans:
            champions = followers[self._advocate_np[followers]]
            if champions.size:
                champions = champions[rand.take(champions.size) < prm.defend_prob * mass]
                self._push(op, champions.tolist(), pid, _DEFENCE, mass)
        self._push(op, hit.tolist(), pid, story, mass)
        return pid

    def _push(self, op: float, targets: list[int], pid: int, story: int, mass: float) -> None:
        m = len(targets)
        if not m:
            return
        heap = self.heap
        push = heapq.heappush
        if m <= SMALL_FANOUT:
            ppf1 = self.kernel.ppf1
            for v, u in zip(targets, self.rand.take(m).tolist(), strict=True):
                push(heap, (op + ppf1(u * mass), v, pid, story))
        else:
            delays = self.kernel.ppf(self.rand.take(m) * mass).tolist()
            for v, d in zip(targets, delays, strict=True):
                push(heap, (op + d, v, pid, story))
        self.candidates += m

    # ---- the loop ------------------------------------------------------------------------
    def advance(self, until: float) -> None:
        """Process every candidate firing strictly before simulation time `until`."""
        heap = self.heap
        if not heap:
            return
        limit = self.clock.to_op(until)
        prm = self.params
        posted = self.posted
        advocate, silent = self.advocate, self.silent
        expo, saw = self._expo, self._saw
        ratio, kinds = self.post_base, self.post_kind
        rand = self.rand
        to_sim = self.clock.to_sim
        scale = self.brand_mult
        rep, dfe = prm.repeat_exposure, prm.defence_effect
        deleted_below = self.deleted_below
        post = self._post
        pop = heapq.heappop
        while heap and heap[0][0] < limit:
            op, v, pid, story = pop(heap)
            if story >= _DEFENCE:
                if story == _REIGNITE:
                    post(op, to_sim(op), v, _K_REIGNITED, 0, 1.0)
                elif not posted[2][v]:
                    posted[2][v] = 1
                    post(op, to_sim(op), v, _K_DEFENCE, _DEFENCE, 1.0)
                continue
            if posted[story][v] or advocate[v] or silent[v]:
                continue
            if pid < deleted_below and kinds[pid] in NEGATIVE_KINDS:
                self.rejected += 1
                continue
            q = ratio[pid] * scale
            if expo[v] >= 2:
                q *= rep
            if saw[v]:
                q *= dfe
            if q < 1.0 and rand.one() >= q:
                self.rejected += 1
                continue
            posted[story][v] = 1
            post(op, to_sim(op), v,
                 _K_DELETION if story == _DELETION else _K_RESHARE,
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
