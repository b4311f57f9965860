"""Feed items: the event stream the drill renders and reports read.

Posts come from the spread arrays; brand actions, detection, injects and
media stories are recorded as they happen. The engine says who posted what
kind of post, when, to how many followers and about which storyline; the
words are the drill layer's (`scenarios.feedtext`), picked from the kind.
Kinds are defined once, in `simulator.kinds`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.kinds import POST_KIND_NAMES, PostKind

if TYPE_CHECKING:
    from simulator.spread import SpreadState

__all__ = ["FeedItem", "post_items"]


@dataclass(frozen=True)
class FeedItem:
    """One thing that happened: a post or an event."""

    t: float  # simulation hours
    kind: str  # a POST_KIND_NAMES value or an EventKind value
    text: str = ""  # only what a person typed (the team, the scenario author); "" otherwise
    actor: int = -1  # user id (-1: an account outside the graph)
    audience: int = 0  # followers who saw it
    story: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"t": self.t, "kind": self.kind, "text": self.text, "actor": self.actor,
                "audience": self.audience, "story": self.story, **self.extra}


def post_items(spread: SpreadState, since: int) -> tuple[list[FeedItem], int]:
    """Feed items for posts with index >= `since`, and the new cursor."""
    out = []
    end = len(spread.post_time)
    for i in range(since, end):
        kind = int(spread.post_kind[i])
        out.append(FeedItem(t=spread.post_time[i], kind=POST_KIND_NAMES[kind],
                            actor=spread.post_author[i], audience=spread.audience(i),
                            story="deletion" if kind == PostKind.DELETION else "complaint"))
    return out, end
