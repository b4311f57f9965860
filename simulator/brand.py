"""The brand's communication state: what it does to attention and to trust.

Two effects, from two tables:

- on attention (docs/model.md, "4.6 Lever effects on attention"; the
  reactions to a statement: docs/model.md, "4.5 Brand statements are posts"),
  each lever in force multiplies the share probability of
  whoever reacts after the statement (small: within about 25%, Herhausen
  2019); the thinning bound is the product of every lever's largest value,
  derived from the same table, so no multiplier can ever exceed it;
- on trust (docs/model.md, "6.2 The response weight R(t)"), the visible
  response weighs the judgement of everyone who sees
  the storm from then on (`response_weight`).

The state changes only when a statement goes out, so the spread loop reads
one value per stretch between SimPy events and the thinning stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.config import ResponseEffects
from simulator.kinds import Story

#: brand lever -> the ResponseEffects field holding its share multiplier
SHARE_LEVERS: dict[str, str] = {
    "empathetic": "share_empathetic",
    "neutral": "share_neutral",
    "defensive": "share_defensive",
    "solution": "share_solution",
    "compensation": "share_compensation",
}

#: statement -> (storyline of the reactions to it, ResponseEffects field of their strength)
STATEMENT_REACTIONS: dict[tuple[str, str], tuple[Story, str]] = {
    ("acknowledge", "defensive"): (Story.BACKLASH, "backlash_defensive"),
    ("reply", "defensive"): (Story.BACKLASH, "backlash_defensive"),
    ("acknowledge", "empathetic"): (Story.SUPPORT, "support_empathetic"),
    ("reply", "empathetic"): (Story.SUPPORT, "support_empathetic"),
    ("compensation", ""): (Story.BACKLASH, "backlash_compensation"),
}


#: levers that rebuild (Coombs 2007: apology, compensation, corrective action)
REBUILD = frozenset({"empathetic", "compensation", "solution"})


def _posture(kind: str, tone: str) -> str | None:
    """'rebuild', 'deny' or None (neutral lines and updates show no posture)."""
    if kind in ("solution", "compensation"):
        return "rebuild"
    if kind in ("acknowledge", "reply"):
        return {"empathetic": "rebuild", "defensive": "deny"}.get(tone)
    return None


def share_bound(fx: ResponseEffects) -> float:
    """The largest share multiplier the brand can ever reach (the thinning bound)."""
    bound = max(1.0, fx.share_update) ** fx.max_updates_counted
    for name in SHARE_LEVERS.values():
        bound *= max(1.0, getattr(fx, name))
    return bound


@dataclass(frozen=True)
class Reaction:
    """What a statement that has just gone out sets off."""

    provoked: bool  # past sharers may post again (defensive or contradictory)
    story: Story | None  # storyline of reactions to the statement post, if any
    strength: float  # their share probability as a multiple of p0


@dataclass
class BrandState:
    """What the brand has said and done so far."""

    fx: ResponseEffects
    hedonic: bool = False
    complaint_at: float = 0.0
    detected_at: float | None = None
    first_response_at: float | None = None
    last_spoken_at: float | None = None
    first_media_at: float | None = None
    levers: set[str] = field(default_factory=set)  # keys of SHARE_LEVERS in force
    stance: str | None = None  # the latest posture shown: "rebuild" or "deny" (Coombs 2007)
    updates: int = 0
    contradicted_at: float | None = None
    stole_thunder: bool = False
    briefed: bool = False
    deletions: int = 0

    @property
    def bound(self) -> float:
        return share_bound(self.fx)

    @property
    def spoken(self) -> bool:
        return self.first_response_at is not None

    def multiplier(self, now: float | None = None) -> float:
        """Share multiplier of every statement in force (`now` kept for callers' clarity)."""
        fx = self.fx
        m = fx.share_update ** min(self.updates, fx.max_updates_counted)
        for lever, name in SHARE_LEVERS.items():  # table order, as share_bound: same rounding
            if lever in self.levers:
                m *= getattr(fx, name)
        return m

    def response_weight(self) -> float:
        """Weight of a judgement formed now, once the brand has spoken (1: no effect).

        Accommodative statements (apology, sympathy, compensation, corrective
        action) repair about equally (Coombs & Holladay 2008; Langaro et al.
        2024), and an apology with corrective action more; the latest posture
        shown is what a newcomer judges (a retracted denial stops weighing,
        an apology followed by a denial stops helping); after a contradiction
        every repair counts only in part and the contradiction itself costs
        credibility.
        """
        fx = self.fx
        benefits: list[float] = []
        w = 1.0
        rebuilt = self.levers & REBUILD
        if rebuilt and self.stance != "deny":
            benefits.append(fx.trust_accommodative)
            if "solution" in rebuilt and rebuilt - {"solution"}:
                benefits.append(fx.trust_solution)
        elif "neutral" in self.levers:
            benefits.append(fx.trust_neutral)
        benefits.append(fx.trust_update ** min(self.updates, fx.max_updates_counted))
        if self.stole_thunder and self.stance != "deny":
            benefits.append(fx.trust_stealing_thunder)
        if self.stance == "deny":
            w *= fx.trust_defensive_hedonic if self.hedonic else fx.trust_defensive
        keep = 1.0 - fx.contradiction_repair_loss if self.contradicted_at is not None else 1.0
        for b in benefits:
            w *= 1.0 - (1.0 - b) * keep if b < 1.0 else b
        if self.contradicted_at is not None:
            w *= fx.trust_contradiction
        return w

    # ---- statements that have gone out ---------------------------------------------------
    def say(self, kind: str, tone: str, now: float) -> Reaction:
        """Apply a public statement and say what it sets off."""
        if self.first_response_at is None:
            self.first_response_at = now
            self.stole_thunder = self.first_media_at is None or now < self.first_media_at
        self.last_spoken_at = now
        provoked = False
        posture = _posture(kind, tone)
        if posture is not None:
            if self.stance is not None and posture != self.stance:
                provoked = self.contradict(now)  # mixing deny with rebuild (Coombs 2007)
            self.stance = posture
        if kind in ("acknowledge", "reply"):
            self.levers.add(tone)
            provoked = provoked or tone == "defensive"
        elif kind in ("solution", "compensation"):
            self.levers.add(kind)
        elif kind == "update":
            self.updates += 1
        elif kind == "contradict":
            provoked = self.contradict(now)
        story, name = STATEMENT_REACTIONS.get(
            (kind, tone if kind in ("acknowledge", "reply") else ""), (None, ""))
        return Reaction(provoked, story, getattr(self.fx, name) if name else 0.0)

    def contradict(self, now: float) -> bool:
        """An inconsistent message: credibility lost, later repairs count in part."""
        if self.contradicted_at is None:
            self.contradicted_at = now
        return True
