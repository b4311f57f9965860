"""Feed items: the event stream the drill renders and reports read.

Posts come from the spread arrays; brand actions, detection, injects and
media stories are recorded as they happen. Texts for personas are written by
the drill layer; the engine says who posted what kind of post, when, to how
many followers and about which storyline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.spread import SpreadState


class EventKind(StrEnum):
    """Feed item kinds that are not user posts."""

    DETECTED = "detected"
    ACTION_TAKEN = "action"
    BRAND_POST = "brand_statement"
    MEDIA_STORY = "media_story"
    INJECT = "inject"
    STAFF_POST = "staff_offmessage"
    DELETION_NOTICED = "deletion_noticed"


POST_KIND_NAMES = ("complaint", "reshare", "reignited", "deleted_my_comment", "defence",
                   "media", "influencer", "competitor")


@dataclass(frozen=True)
class FeedItem:
    """One thing that happened: a post or an event."""

    t: float  # simulation hours
    kind: str
    text: str = ""
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
        kind = POST_KIND_NAMES[spread.post_kind[i]]
        out.append(FeedItem(t=spread.post_time[i], kind=kind, actor=spread.post_author[i],
                            audience=spread.audience(i),
                            story="deletion" if kind == "deleted_my_comment" else "complaint"))
    return out, end
