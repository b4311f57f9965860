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
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from simulator.diurnal import TimeChange
from simulator.kernel import Kernel
from simulator.network import Network, UserType
from simulator.rng import UniformBuffer


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


NEGATIVE_KINDS = frozenset({PostKind.COMPLAINT, PostKind.RESHARE, PostKind.REIGNITED,
                            PostKind.DELETION, PostKind.INFLUENCER})


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
    post_base: list[float] = field(default_factory=list)  # p_eff before time-varying factors
    post_sched: list[float] = field(default_factory=list)  # bound used when scheduling
    post_deletable: bytearray = field(default_factory=bytearray)
    post_audience: list[int] = field(default_factory=list)
    negative_cum: list[int] = field(default_factory=list)  # negative posts up to each post
    exposures_total: int = 0
    defence_exposures: int = 0
    candidates: int = 0
    rejected: int = 0

    def __post_init__(self) -> None:
        n = self.net.n
        self.posted = [bytearray(n), bytearray(n), bytearray(n)]  # by Story
        self.exposures = np.zeros(n, dtype=np.int32)
        self.saw_defence = np.zeros(n, dtype=bool)
        types = self.net.types
        self._advocate_np = types == UserType.ADVOCATE
        self.advocate = bytearray(self._advocate_np.astype(np.uint8).tobytes())
        self.silent = bytearray(((types == UserType.BRAND) | (types == UserType.MEDIA))
                                .astype(np.uint8).tobytes())
        self._indptr = self.net.indptr
        self._indices = self.net.indices

    # ---- posting -------------------------------------------------------------------------
    def post(self, t: float, author: int, kind: PostKind, story: Story,
             reader_factor: float = 1.0, deletable: bool = True,
             audience: np.ndarray | None = None) -> int:
        """Publish a post at simulation time `t` and schedule its followers' reactions.

        `audience` replaces the author's followers for accounts outside the
        graph (a competitor's jab reaches a sampled audience).
        """
        return self._post(self.clock.to_op(t), t, author, int(kind), int(story),
                          reader_factor, deletable, audience)

    def reignite(self, t: float, users: np.ndarray) -> None:
        """Give past sharers a provoked second post after a kernel delay."""
        self._schedule(self.clock.to_op(t), users.astype(np.int32), -1, Story.REIGNITE,
                       self.kernel.cdf(self.kernel.horizon))

    def _post(self, op: float, t: float, author: int, kind: int, story: int,
              reader_factor: float, deletable: bool,
              audience: np.ndarray | None = None) -> int:
        prm = self.params
        pid = len(self.post_time)
        if audience is None:
            followers = self._indices[self._indptr[author]:self._indptr[author + 1]]
        else:
            followers = audience
        k = followers.size
        last = self.negative_cum[-1] if self.negative_cum else 0
        self.negative_cum.append(last + (kind in NEGATIVE_KINDS))
        self.post_time.append(t)
        self.post_author.append(author)
        self.post_kind.append(kind)
        self.post_deletable.append(1 if deletable else 0)
        self.post_audience.append(k)
        if story == Story.DEFENCE:
            base = prm.defend_prob
            sched = 1.0  # defences are not thinned by brand factors
        else:
            base = prm.p0 * prm.content * prm.story_factor[story] * reader_factor
            sched = min(1.0, base * prm.bound)
        self.post_base.append(base)
        self.post_sched.append(sched)
        if story == Story.DEFENCE:
            self.saw_defence[followers] = True
            self.defence_exposures += k
            return pid
        self.exposures[followers] += 1
        self.exposures_total += k
        if k == 0:
            return pid
        cut = self.kernel.horizon
        if prm.lifetime_rate is not None:
            cut = min(cut, -math.log(1.0 - self.rand.one()) / prm.lifetime_rate)
        mass = self.kernel.cdf(cut)
        hit = followers[self.rand.take(k) < sched * mass]
        if prm.advocates and story == Story.COMPLAINT:
            fans = followers[self._advocate_np[followers]]
            if fans.size:
                fans = fans[self.rand.take(fans.size) < prm.defend_prob * mass]
                self._schedule(op, fans, pid, Story.DEFENCE, mass)
        self._schedule(op, hit, pid, story, mass)
        return pid

    def _schedule(self, op: float, targets: np.ndarray, pid: int, story: int,
                  mass: float) -> None:
        m = targets.size
        if not m:
            return
        times = (op + self.kernel.ppf(self.rand.take(m) * mass)).tolist()
        push = heapq.heappush
        heap = self.heap
        for when, v in zip(times, targets.tolist(), strict=True):
            push(heap, (when, v, pid, story))
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
        advocate = self.advocate
        silent = self.silent
        exposures = self.exposures
        saw_defence = self.saw_defence
        post_base, post_sched = self.post_base, self.post_sched
        deletable = self.post_deletable
        rand = self.rand
        to_sim = self.clock.to_sim
        scale = self.brand_mult
        rep, dfe = prm.repeat_exposure, prm.defence_effect
        deleted_below = self.deleted_below
        pop = heapq.heappop
        while heap and heap[0][0] < limit:
            op, v, pid, story = pop(heap)
            if story >= Story.DEFENCE:
                if story == Story.REIGNITE:
                    self._post(op, to_sim(op), v, PostKind.REIGNITED, Story.COMPLAINT, 1.0, True)
                elif not posted[2][v]:
                    posted[2][v] = 1
                    self._post(op, to_sim(op), v, PostKind.DEFENCE, Story.DEFENCE, 1.0, False)
                continue
            if posted[story][v] or advocate[v] or silent[v]:
                continue
            if pid < deleted_below and deletable[pid]:
                self.rejected += 1
                continue
            q = post_base[pid] * scale / post_sched[pid]
            if exposures[v] >= 2:
                q *= rep
            if saw_defence[v]:
                q *= dfe
            if q < 1.0 and rand.one() >= q:
                self.rejected += 1
                continue
            posted[story][v] = 1
            kind = PostKind.DELETION if story == Story.DELETION else PostKind.RESHARE
            self._post(op, to_sim(op), v, kind, story, 1.0, True)

    def next_time(self) -> float:
        """Simulation time of the next candidate, or infinity."""
        return self.clock.to_sim(self.heap[0][0]) if self.heap else math.inf
