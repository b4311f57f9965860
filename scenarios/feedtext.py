"""The living feed: engine feed items rendered as posts people would write.

The engine says who posted what kind of post and when; this module says what
the post reads like, in the scenario's language, from whom. A drill lasts
hours, so a feed that cycles through five sentences gives the game away:
high-volume kinds are composed from pieces (thousands of combinations) and
walk their lists with the feed index so neighbours differ. Every choice is a
stable hash of (seed, index, actor): the same seed renders the same feed in
any process, whatever order items are rendered in.

Texts the team or the scenario author typed (a statement, an inject) are shown
as typed: the drill must never put words in the team's mouth. The engine
itself writes no words: its events arrive with an empty text and the words
are picked here from the kind (`simulator.kinds`) and the item's `detail`.

A brand statement reaches the feed twice: as the event that carries the
team's text (`brand_statement`) and as the post the spread counts
(`brand_post`). When both are in a batch the renderer was given
(`remember`), the post shows the statement and the event becomes a short
note, so the statement is read once.

Posts react to what the brand has said by their time (`BrandState`): before
the brand's first statement the crowd may say "still nothing from them";
afterwards it reacts to the statement (by the tone of the latest one) and
never claims silence. The renderer learns the statements from the items given
to `remember`; the drill gives it every batch, in time order, before rendering
it, so a post only depends on statements earlier than itself and the same run
shows the same words.

`colour_kind` is what a UI colours by: negative, question, positive, brand,
media, staff, inject or system. `question` says whether a post asks something
the team could answer (see `RenderedPost`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from scenarios.personas import Persona, PersonaBook
from scenarios.scenario_file import ScenarioFile
from scenarios.textbank import compose, fill, mix, pick, text_bank
from simulator.config import Scenario
from simulator.feed import FeedItem
from simulator.kinds import NEGATIVE_KINDS, POST_KIND_NAMES, EventKind, PostKind
from simulator.locales import hours_text, locale
from simulator.network import Network, UserType

NEUTRAL_QUESTION_SHARE = 0.08  # share of reshares that ask rather than rage
# narration that quotes a post: 'A staff member posts: "the quote"' -> the quote
_QUOTE = re.compile(r":\s*['‘“\"](.+)['’”\"]\s*$")
_SAME_TIME_H = 1e-6  # a statement's event and its post happen at the same moment

# post kind names, so the branches below read as kinds, not as loose strings
COMPLAINT, RESHARE, REIGNITED, DELETION, DEFENCE, MEDIA, INFLUENCER, COMPETITOR, BRAND_POST, \
    BACKLASH, SUPPORT = (POST_KIND_NAMES[k] for k in (
        PostKind.COMPLAINT, PostKind.RESHARE, PostKind.REIGNITED, PostKind.DELETION,
        PostKind.DEFENCE, PostKind.MEDIA, PostKind.INFLUENCER, PostKind.COMPETITOR,
        PostKind.STATEMENT, PostKind.BACKLASH, PostKind.SUPPORT))
#: high-volume kinds whose posts are composed from pieces (openings, bodies, closings)
_COMPOSED = frozenset({RESHARE, REIGNITED, DEFENCE, DELETION, BACKLASH, SUPPORT})

#: what a UI colours each kind by (one table for the renderer and the plain fallback)
COLOURS: dict[str, str] = {
    **{POST_KIND_NAMES[k]: "negative" for k in NEGATIVE_KINDS},
    COMPETITOR: "negative", DEFENCE: "positive", SUPPORT: "positive", MEDIA: "media",
    BRAND_POST: "brand", EventKind.BRAND_POST: "brand", EventKind.MEDIA_STORY: "media",
    EventKind.STAFF_POST: "staff", EventKind.INJECT: "inject", EventKind.DETECTED: "system",
    EventKind.ACTION_TAKEN: "system", EventKind.DELETION_NOTICED: "system",
    EventKind.TRENDING: "system",
}


def colour_of(kind: str) -> str:
    """The colour kind of a feed item kind ('system' for anything unknown)."""
    return COLOURS.get(kind, "system")


#: a brand statement's tone as the crowd hears it (a contradiction is defensive)
_TONES = ("empathetic", "neutral", "defensive")


@dataclass(frozen=True)
class BrandState:
    """What the brand had said publicly by a moment: what the crowd's posts can react to."""

    statements: int = 0  # statements out before the moment
    tone: str = ""  # the latest one's tone (empathetic, neutral, defensive); "" when silent
    first_t: float | None = None  # when the first statement went out

    @property
    def silent(self) -> bool:
        """No statement yet: the only moment lines about the brand's silence are true."""
        return self.statements == 0


def statement_tone(item: FeedItem) -> str:
    """The tone a statement reads with: its own, except that contradicting is defensive."""
    if item.extra.get("detail") == "contradict":
        return "defensive"
    tone = str(item.extra.get("tone", "neutral"))
    return tone if tone in _TONES else "neutral"


def lines_for(node: list[str] | dict[str, Any], state: BrandState) -> list[str]:
    """The lines of a template list that fit the brand's state (see the YAML's header).

    A plain list fits any moment; a mapping has `any`, `silent` and `answered`
    (by tone) lines.
    """
    if isinstance(node, list):
        return node
    extra = (node.get("silent", []) if state.silent
             else node.get("answered", {}).get(state.tone, []))
    return [*node.get("any", []), *extra]


def pieces_for(pieces: dict[str, Any], state: BrandState) -> dict[str, list[str]]:
    """A composed kind's pieces with the `whole` and `bodies` that fit the brand's state."""
    extra = (pieces.get("silent", {}) if state.silent
             else pieces.get("answered", {}).get(state.tone, {}))
    out = {k: v for k, v in pieces.items() if k not in ("silent", "answered")}
    for part in ("whole", "bodies"):
        if extra.get(part):
            out[part] = [*pieces.get(part, []), *extra[part]]
    return out


@dataclass(frozen=True)
class RenderedPost:
    """One feed item as the drill shows it.

    `question`: the post asks something the team could answer: an open
    question from the crowd (the `neutral_question` lines), a journalist's
    request for comment (also as the author's narration of the inject), or
    any post that addresses the brand's account (its handle) with a question
    mark. The brand's own posts and other notes for the team never are.

    `press`: from or about the press: an outlet's post, a published story, a
    journalist's request for comment.
    """

    t: float  # simulation hours
    clock: str  # local time, e.g. "Fri 18:42" / "vr 18:42"
    persona: Persona
    kind: str  # the feed item's kind
    text: str
    colour_kind: str
    question: bool = False
    press: bool = False


class FeedRenderer:
    """Turns a simulation's feed items into posts for one scenario, network and seed."""

    def __init__(self, scenario: Scenario, network: Network, seed: int) -> None:
        self.scenario = scenario
        self.network = network
        self.seed = int(seed)
        self.locale = scenario.locale
        self.bank: dict[str, Any] = text_bank(self.locale)
        self.personas = PersonaBook(network, self.locale, self.seed,
                                    ScenarioFile.of(scenario).setting)
        self.start = datetime.fromisoformat(scenario.start)
        self.values = self._values()
        # brand statements and brand posts seen in batches given to `remember`, by moment,
        # in feed order: two statements at one moment (a solution and compensation sent
        # together) pair with the two posts in order, so neither text is lost
        self._statements: dict[float, list[FeedItem]] = {}
        self._brand_posts: dict[float, list[FeedItem]] = {}
        self._said: list[float] = []  # moments of statements and brand posts, sorted
        self._state_lines: dict[tuple[str, bool, str], Any] = {}

    def _values(self) -> dict[str, str]:
        """Placeholder values that hold for the whole drill."""
        book, names = self.personas, self.personas.names
        person, first = names.complainant, names.complainant_first
        if not person:
            persona = (book[self.network.complainant] if self.network.complainant >= 0
                       else book.extra("complainant", 0))
            person, first = persona.name, persona.name.split()[0]
        outlet = (book.outlet_of(self.network.media[0]) if self.network.media
                  else book.outlet_name(0))
        return {"brand": names.brand, "handle": names.handle, "brandtag": names.brandtag,
                "product": names.product, "issue": names.issue,
                "place": names.place or book.city("place"), "person": person,
                "first": first,
                "outlet": outlet, "competitor": book.competitor, "hours": "1",
                "elapsed": "1", "action": "", "waited": "1"}

    # ---- public ---------------------------------------------------------------------------
    def clock(self, t: float) -> str:
        """Local wall-clock time of simulation hour `t`, with the weekday."""
        at = self.start + timedelta(hours=t)
        return f"{locale(self.locale).weekdays[at.weekday()]} {at:%H:%M}"

    def remember(self, items: Iterable[FeedItem]) -> None:
        """Note brand statements and brand posts, so each pair is rendered as one statement.

        Call it with a batch before rendering the batch's items: the result
        then does not depend on the order the items are rendered in.
        """
        for item in items:
            if item.kind == EventKind.BRAND_POST:
                seen = self._statements.setdefault(_moment(item.t), [])
            elif item.kind == BRAND_POST:
                seen = self._brand_posts.setdefault(_moment(item.t), [])
            else:
                continue
            if not any(x is item for x in seen):  # a batch may be remembered twice
                seen.append(item)
            moment = _moment(item.t)
            at = bisect.bisect_left(self._said, moment)
            if at == len(self._said) or self._said[at] != moment:
                self._said.insert(at, moment)

    def brand_state(self, t: float) -> BrandState:
        """What the brand had said before simulation hour `t` (of the items remembered).

        A statement's own moment is not before it: the brand's post does not
        react to itself.
        """
        n = bisect.bisect_left(self._said, _moment(t))
        if n == 0:
            return BrandState()
        last = self._statements.get(self._said[n - 1], [None])[-1]
        return BrandState(statements=n, tone=statement_tone(last) if last else "neutral",
                          first_t=self._said[0])

    def render(self, item: FeedItem, index: int) -> RenderedPost:
        """The post for a feed item at position `index` of the feed."""
        persona, text, colour = self._render(item, index)
        return RenderedPost(t=item.t, clock=self.clock(item.t), persona=persona, kind=item.kind,
                            text=text, colour_kind=colour,
                            question=self._asks(item, persona, text, colour),
                            press=self._press(item, persona, colour))

    @staticmethod
    def _inquiry(item: FeedItem) -> bool:
        return item.kind == EventKind.INJECT and item.extra.get("detail") == "journalist_inquiry"

    def _press(self, item: FeedItem, persona: Persona, colour: str) -> bool:
        """Whether a post is from or about the press (see `RenderedPost`)."""
        return colour == "media" or persona.kind == "journalist" or self._inquiry(item)

    def _asks(self, item: FeedItem, persona: Persona, text: str, colour: str) -> bool:
        """Whether a post asks something the team could answer (see `RenderedPost`)."""
        if colour == "question" or persona.kind == "journalist" or self._inquiry(item):
            return True
        if persona.kind in ("brand", "system") or "?" not in text:
            return False
        return self.values["handle"].lower() in text.lower()

    def render_all(self, items: list[FeedItem], start: int = 0) -> list[RenderedPost]:
        """Render consecutive feed items whose first sits at position `start`."""
        self.remember(items)
        return [self.render(item, start + i) for i, item in enumerate(items)]

    # ---- choosing texts -------------------------------------------------------------------
    def _typed(self, item: FeedItem) -> bool:
        """Whether the item carries a text someone wrote (shown unchanged).

        The engine sends no words ("" text); a kind or action name standing in
        for a missing text (older journals, hand-made items) is not a text either.
        """
        text = item.text.strip()
        detail = str(item.extra.get("detail", ""))
        return bool(text) and text not in {item.kind, detail, detail.replace("_", " ")}

    def _fill(self, template: str, item: FeedItem, **extra: str) -> str:
        posted = self.scenario.complaint.posted_at_h
        hours = max(1, round(item.t - posted))
        first = self.brand_state(item.t).first_t
        waited = self._hours_text(max(1, round(first - posted)) if first is not None else 1)
        return fill(template, {**self.values, "hours": str(hours),
                               "elapsed": self._hours_text(hours), "waited": waited, **extra})

    def _hours_text(self, hours: int) -> str:
        """'an hour' / '5 hours' ('een uur' / '5 uur')."""
        return hours_text(hours, self.locale)

    def _one(self, templates: list[str], item: FeedItem, index: int, salt: str,
             **extra: str) -> str:
        return self._fill(pick(templates, self.seed, salt, index, item.actor), item, **extra)

    def _user(self, item: FeedItem) -> Persona:
        if 0 <= item.actor < self.network.n:
            return self.personas[item.actor]
        return self.personas.extra("ordinary", mix(self.seed, item.t.hex()) % 100_000)

    def _render(self, item: FeedItem, index: int) -> tuple[Persona, str, str]:
        posts, kind = self.bank["posts"], item.kind
        colour = colour_of(kind)
        if kind in _COMPOSED:
            persona = self._user(item)
            state = self.brand_state(item.t)
            if kind == RESHARE and (mix(self.seed, "question", index, item.actor) % 1000
                                    < NEUTRAL_QUESTION_SHARE * 1000):
                # walked like bodies: no neighbours alike
                questions = self._for_state("neutral_question", state)
                template = questions[(index + mix(self.seed, "question")) % len(questions)]
                return persona, self._fill(template, item), "question"
            template = compose(self._for_state(kind, state), seed=self.seed, kind=kind,
                               index=index, actor=item.actor)
            return persona, self._fill(template, item), colour
        if kind == COMPLAINT:
            first = (item.actor == self.network.complainant
                     or abs(item.t - self.scenario.complaint.posted_at_h) < 1e-9)
            key = "complaint" if first else "second_victim"
            return self._user(item), self._one(posts[key], item, index, key), colour
        if kind == INFLUENCER:
            return self._user(item), self._one(posts[kind], item, index, kind), colour
        if kind == COMPETITOR:
            persona = self.personas.extra("competitor", 0, followers=item.audience)
            return persona, self._one(posts["competitor"], item, index, kind), colour
        if kind == MEDIA:  # one headline per outlet, so two stories never match
            persona = self._outlet(item)
            slot = self.network.media.index(item.actor) if item.actor in self.network.media \
                else index
            headlines = self._for_state("headline", self.brand_state(item.t))
            template = headlines[(slot + mix(self.seed, "headline")) % len(headlines)]
            return persona, self._fill(template, item, outlet=persona.name), colour
        if kind == BRAND_POST:
            return self.personas.brand, self._brand_post(item, index), colour
        if kind == EventKind.BRAND_POST:
            if self._brand_posts.get(_moment(item.t)):  # its post shows the words: a note
                return self._published(item, index)
            return self.personas.brand, self._statement(item, index), colour
        if kind == EventKind.STAFF_POST:
            persona = self.personas.extra("staff", index)
            if self._typed(item):  # an inject's narration: the staff member posts the quote
                quote = _QUOTE.search(item.text)
                return persona, quote.group(1) if quote else item.text, colour
            return persona, self._one(posts["staff_offmessage"], item, index, kind), colour
        if kind == EventKind.INJECT:
            return self._inject(item, index)
        return self._system(item, index)

    def _for_state(self, kind: str, state: BrandState) -> Any:
        """A kind's lines (a list) or pieces (a mapping) that fit the brand's state, cached:
        reshares come by the thousand and merge the same lists."""
        key = (kind, state.silent, state.tone)
        found = self._state_lines.get(key)
        if found is None:
            node = self.bank["posts"][kind]
            found = self._state_lines[key] = (
                pieces_for(node, state) if kind in _COMPOSED else lines_for(node, state))
        return found

    def _outlet(self, item: FeedItem) -> Persona:
        if 0 <= item.actor < self.network.n and \
                self.network.types[item.actor] == UserType.MEDIA:
            return self.personas[item.actor]
        return self.personas.extra("journalist", mix(self.seed, "outlet", item.t.hex()) % 100)

    def _statement(self, item: FeedItem, index: int) -> str:
        if self._typed(item):
            return item.text
        brand = self.bank["posts"]["brand"]
        detail = str(item.extra.get("detail", "acknowledge"))
        tone = str(item.extra.get("tone", "empathetic"))
        options = brand.get(detail, brand["acknowledge"])
        if isinstance(options, dict):
            options = options.get(tone, options["neutral"])
        return self._one(options, item, index, f"brand.{detail}.{tone}")

    def _brand_post(self, item: FeedItem, index: int) -> str:
        """The brand's statement as a post: its own text, its statement's, or a plain line."""
        if self._typed(item):
            return item.text
        moment = _moment(item.t)
        posts, statements = self._brand_posts.get(moment, []), self._statements.get(moment, [])
        # the i-th brand post of a moment shows the i-th statement of that moment
        nth = next((i for i, x in enumerate(posts) if x is item), 0)
        statement = statements[min(nth, len(statements) - 1)] if statements else None
        if statement is not None:
            return self._statement(statement, index)
        return self._one(self.bank["posts"]["brand_post"], item, index, BRAND_POST)

    def _published(self, item: FeedItem, index: int) -> tuple[Persona, str, str]:
        """A statement whose words the brand post shows: a note for the team."""
        return (self.personas.extra("system", 0),
                self._one(self.bank["system"]["published"], item, index, "published",
                          action=self._action_label(item)), "system")

    def _inject(self, item: FeedItem, index: int) -> tuple[Persona, str, str]:
        detail = str(item.extra.get("detail", ""))
        system = self.personas.extra("system", 0)
        if self._typed(item):  # the scenario author's narration, read by the facilitator
            return system, item.text, "inject"
        if detail == "journalist_inquiry":
            journalist = self.personas.extra("journalist", index)
            outlet = self.personas.outlet_name(index)  # the one in the journalist's bio
            return journalist, self._one(self.bank["posts"]["journalist_inquiry"], item, index,
                                         detail, outlet=outlet), "inject"
        lines = self.bank["system"]["inject"].get(detail) or [detail.replace("_", " ")
                                                              or item.kind]
        return system, self._one(lines, item, index, f"inject.{detail}"), "inject"

    def _system(self, item: FeedItem, index: int) -> tuple[Persona, str, str]:
        kind, system = item.kind, self.bank["system"]
        colour = colour_of(kind)
        persona = self.personas.extra("system", 0)
        if kind == EventKind.MEDIA_STORY:  # a notice for the team; the outlet's post is `media`
            return persona, self._one(system["media_story"], item, index, kind,
                                      outlet=self._outlet(item).name), colour
        if kind == EventKind.ACTION_TAKEN:
            if self._typed(item) and item.extra.get("detail") in ("delete", "brief_staff"):
                return persona, item.text, colour  # a note; statements show the text in the post
            return persona, self._one(system["action"], item, index, kind,
                                      action=self._action_label(item)), colour
        # detected, deletion_noticed, trending: nobody types these, the kind says it all
        lines = system.get(kind) or [kind.replace("_", " ")]
        return persona, self._one(lines, item, index, kind), colour

    def _action_label(self, item: FeedItem) -> str:
        detail = str(item.extra.get("detail", ""))
        label = self.bank["system"]["actions"].get(detail, detail.replace("_", " "))
        tone = item.extra.get("tone")
        if detail in ("acknowledge", "reply") and tone:
            label = f"{label} ({self.bank['system']['tones'].get(tone, tone)})"
        return label


def _moment(t: float) -> float:
    """A statement's moment as a dict key: its event and its post match to _SAME_TIME_H."""
    return round(t / _SAME_TIME_H) * _SAME_TIME_H
