"""Kinds of posts, storylines and engine events, defined once.

The compiled loop reads the integer values (as plain module constants, which
numba freezes at compile time); the feed, the personas' texts and the UI read
the enums and their `name`s. The engine emits kinds, never English sentences:
whoever renders a feed picks the words from the kind.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Story(IntEnum):
    """Storylines: a user takes part at most once per storyline (a row of `posted`)."""

    COMPLAINT = 0  # the complaint and its negative reshares
    DELETION = 1  # "they deleted my comment"
    DEFENCE = 2  # advocates defending the brand
    SUPPORT = 3  # non-negative shares of a brand statement (an apology passed on)
    # candidate-only storylines: they never get a `posted` row of their own
    REIGNITE = 4  # a past sharer provoked into posting again (a COMPLAINT post)
    BACKLASH = 5  # a negative reaction to a brand statement (becomes a COMPLAINT post)


POSTED_ROWS = 4  # Story.COMPLAINT .. Story.SUPPORT


class PostKind(IntEnum):
    """What a post in the feed is."""

    COMPLAINT = 0  # a seed complaint (first post or a second victim)
    RESHARE = 1  # an angry reshare
    REIGNITED = 2  # a past sharer posting again after a provocation
    DELETION = 3  # "they deleted my comment" and its reshares
    DEFENCE = 4  # a fan defends the brand
    MEDIA = 5  # a news story (its readers are outside the follower graph)
    INFLUENCER = 6  # an influencer joins (inject)
    COMPETITOR = 7  # a competitor's jab (broadcast)
    STATEMENT = 8  # the brand's own statement, posted to its followers
    BACKLASH = 9  # a negative reaction to a brand statement (defensive tone, a claim)
    SUPPORT = 10  # a non-negative share of a brand statement


NEGATIVE_KINDS = frozenset(int(k) for k in (
    PostKind.COMPLAINT, PostKind.RESHARE, PostKind.REIGNITED, PostKind.DELETION,
    PostKind.INFLUENCER, PostKind.BACKLASH))

# the feed's names for post kinds (stable strings: sessions, reports and texts use them)
POST_KIND_NAMES: dict[int, str] = {
    PostKind.COMPLAINT: "complaint", PostKind.RESHARE: "reshare",
    PostKind.REIGNITED: "reignited", PostKind.DELETION: "deleted_my_comment",
    PostKind.DEFENCE: "defence", PostKind.MEDIA: "media", PostKind.INFLUENCER: "influencer",
    PostKind.COMPETITOR: "competitor", PostKind.STATEMENT: "brand_post",
    PostKind.BACKLASH: "backlash", PostKind.SUPPORT: "support",
}


class EventKind(StrEnum):
    """Things that happen that are not user posts (the feed words them)."""

    DETECTED = "detected"  # the team notices the crisis
    ACTION_TAKEN = "action"  # a team or strategy action is taken (before approval)
    BRAND_POST = "brand_statement"  # a statement goes out (after approval)
    MEDIA_STORY = "media_story"  # a news story is published
    INJECT = "inject"  # a scripted or facilitator inject fires
    STAFF_POST = "staff_offmessage"  # a staff member posts off-message
    DELETION_NOTICED = "deletion_noticed"  # a commenter notices the deletion (once)
    TRENDING = "trending"  # the storm crosses the trend threshold (once)
    LISTENING = "listening"  # a monitoring poll before detection: what the listening tool shows
