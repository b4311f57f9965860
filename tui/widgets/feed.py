"""The live feed: the team's view of the posts, newest first, colour-coded by kind.

The drill screen hands it feed items as the clock moves (`add`); items the team
cannot see yet (nothing is watched before detection) wait in a backlog and
appear once `can_see` says so. Texts come from a `PostSource`: the scenario
feed renderer (`scenarios.feedtext`) when it is there, a plain rendering
otherwise. Each item is rendered with its position in the whole feed, so the
same seed shows the same posts however the clock was driven.

Filters (`set_filter`): all posts, only the brand's, only media (outlets,
their stories, journalists' requests), or only questions the team could
answer (see `scenarios.feedtext.RenderedPost.question`). Each filter keeps its
own latest MAX_POSTS, so switching to "brand" still shows the brand's posts of
an hour ago when thousands of reshares came since. The active filter shows in
the border's subtitle.

Colours are for a projector: full-strength text and theme colours, never
`dim` or `$text-muted` for something people must read.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from simulator.feed import FeedItem
from simulator.kinds import POST_KIND_NAMES, EventKind, PostKind
from tui.i18n import Strings

if TYPE_CHECKING:
    from scenarios.scenario_file import ScenarioFile

MAX_POSTS = 50  # posts kept on screen (a long feed makes every redraw slower)
MAX_BACKLOG = 2000  # hidden items kept for when the team starts watching

#: feed colour kinds (scenarios.feedtext.RenderedPost.colour_kind) -> theme variables;
#: full-strength on purpose: a projector washes out muted greys
COLOURS = {"negative": "$error", "question": "$warning", "positive": "$success",
           "brand": "$primary", "media": "$accent", "staff": "$warning",
           "inject": "$secondary", "system": "$foreground"}

#: the feed's filters, in the order a key would cycle through them
FILTERS = ("all", "brand", "media", "questions")


@dataclass(frozen=True)
class Post:
    """One post as the feed widget shows it."""

    t: float
    clock: str
    name: str
    handle: str
    kind: str
    text: str
    colour: str  # a key of COLOURS
    question: bool = False  # asks something the team could answer
    press: bool = False  # from or about the press (outlets, stories, journalists)
    account: str = ""  # the persona's kind: ordinary, brand, media, journalist, system, ...


#: the brand's own kinds: its statement (the event) and the post the spread counts
BRAND_KINDS = frozenset({EventKind.BRAND_POST.value, POST_KIND_NAMES[PostKind.STATEMENT]})
#: the crowd's kinds that come by the thousand (never brand or media posts)
_HIGH_VOLUME = frozenset(POST_KIND_NAMES[k] for k in (
    PostKind.RESHARE, PostKind.REIGNITED, PostKind.DELETION, PostKind.DEFENCE,
    PostKind.BACKLASH, PostKind.SUPPORT))


class PostSource(Protocol):
    def remember(self, items: Iterable[FeedItem]) -> None: ...

    def post(self, item: FeedItem, index: int) -> Post: ...


class RendererSource:
    """Adapter over `scenarios.feedtext.FeedRenderer` (personas, localised texts)."""

    def __init__(self, renderer: object) -> None:
        self.renderer = renderer

    def remember(self, items: Iterable[FeedItem]) -> None:
        """Let the renderer pair each brand statement with its post before rendering."""
        self.renderer.remember(items)  # type: ignore[attr-defined]

    def post(self, item: FeedItem, index: int) -> Post:
        r = self.renderer.render(item, index)  # type: ignore[attr-defined]
        return Post(r.t, r.clock, r.persona.name, r.persona.handle, r.kind, r.text,
                    r.colour_kind, question=r.question, press=r.press,
                    account=r.persona.kind)


def _colour(kind: str) -> str:
    """The feed renderer's colour of a kind (one table, in scenarios.feedtext)."""
    try:
        from scenarios.feedtext import colour_of
    except ImportError:  # pragma: no cover - the renderer ships with scenarios
        return "system"
    return colour_of(kind)


class PlainSource:
    """A fallback without personas: the item's kind, or the text someone typed."""

    def __init__(self, scenario: ScenarioFile, tr: Strings) -> None:
        self.scenario, self.tr = scenario, tr

    def remember(self, items: Iterable[FeedItem]) -> None:
        """Nothing to pair: plain posts show each item as it is."""

    def post(self, item: FeedItem, index: int) -> Post:
        brand = item.kind in BRAND_KINDS
        tr = self.tr
        who = (self.scenario.setting.brand_name if brand
               else tr("feed.user", n=item.actor) if item.actor >= 0 else tr("feed.system"))
        handle = (self.scenario.setting.brand_handle if brand
                  else f"@u{item.actor}" if item.actor >= 0 else "")
        text = item.text or item.kind.replace("_", " ")
        colour = _colour(item.kind)
        return Post(item.t, tr.clock(self.scenario.start, item.t), who, handle, item.kind,
                    text, colour, question=not brand and "?" in text and colour != "system",
                    account="brand" if brand else "system" if item.actor < 0 else "ordinary")


def post_source(scenario: ScenarioFile, network: object, seed: int, tr: Strings
                ) -> PostSource:
    """The feed renderer if it is installed and works for this scenario, else plain posts."""
    try:
        from scenarios.feedtext import FeedRenderer
    except ImportError:  # pragma: no cover - the renderer ships with scenarios
        return PlainSource(scenario, tr)
    try:
        return RendererSource(FeedRenderer(scenario, network, seed))  # type: ignore[arg-type]
    except Exception:  # a renderer bug must not stop a drill  # pragma: no cover
        return PlainSource(scenario, tr)


def matches(post: Post, name: str) -> bool:
    """Whether a post belongs in filter `name` (one of FILTERS).

    brand: what the brand's account posted (not the team's notes that a
    statement went out). media: outlets' posts, their stories and journalists'
    requests for comment. questions: what the team could answer (`Post.question`).
    """
    if name == "brand":
        return post.kind in BRAND_KINDS and post.colour == "brand"
    if name == "media":
        return post.press or post.colour == "media" or post.account == "journalist"
    if name == "questions":
        return post.question
    return True


def post_content(post: Post) -> Content:
    """Two lines: a bar in the kind's colour, time, name and handle; then the text.

    Time and handle are in the normal text colour, not muted: the feed is read
    from the back of a room.
    """
    colour = COLOURS.get(post.colour, "$foreground")
    head = Content.from_markup(
        f"[{colour}]▌[/] [$foreground]$clock[/] [b]$name[/] [{colour}]$handle[/]",
        name=post.name, handle=post.handle, clock=post.clock)
    body = Content.from_markup(f"[{colour}]▌[/] [$foreground]$text[/]", text=post.text)
    return Content("\n").join([head, body])


class Feed(VerticalScroll):
    """Newest post first, at most MAX_POSTS."""

    DEFAULT_CSS = """
    Feed {
        border: round $primary;
        border-title-color: $foreground;
        border-subtitle-color: $warning;
        border-subtitle-style: bold;
        padding: 0 1;
        height: 1fr;
    }
    Feed > #posts { width: 1fr; height: auto; }
    """

    def __init__(self, source: PostSource, can_see: Callable[[FeedItem], bool], tr: Strings,
                 *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = source
        self.can_see = can_see
        self.tr = tr
        self.posts: deque[Post] = deque(maxlen=MAX_POSTS)  # oldest first
        # per filter, the latest MAX_POSTS posts with their Content, built once each:
        # markup parsing is the costly part of a redraw
        self._shown: dict[str, deque[tuple[Post, Content]]] = {
            name: deque(maxlen=MAX_POSTS) for name in FILTERS}
        self.backlog: deque[tuple[int, FeedItem]] = deque(maxlen=MAX_BACKLOG)
        self.count = 0  # items seen, visible or not: the next item's feed index
        self.watching = False
        self.filter = "all"

    def compose(self) -> ComposeResult:
        yield Static(id="posts")

    def on_mount(self) -> None:
        self.border_title = self.tr("feed.title")
        self._show_filter()
        self.call_after_refresh(self._show)  # `is_mounted` is only true once mounting is done

    def _show_filter(self) -> None:
        """The active filter in the bottom border: the room sees why posts are missing."""
        self.border_subtitle = self.tr("feed.showing",
                                       filter=self.tr(f"feed.filter.{self.filter}"))

    def set_filter(self, name: str) -> None:
        """Show only one kind of post: one of FILTERS ("all", "brand", "media", "questions").

        Raises ValueError for another name, so a mistyped key binding fails loudly.
        """
        if name not in FILTERS:
            raise ValueError(f"unknown feed filter {name!r}; expected one of {', '.join(FILTERS)}")
        self.filter = name
        self._show_filter()
        self._show()

    def next_filter(self) -> str:
        """Move to the next filter (all -> brand -> media -> questions -> all); returns it."""
        self.set_filter(FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)])
        return self.filter

    def add(self, items: Iterable[FeedItem]) -> None:
        """New items from the clock (in time order)."""
        items = list(items)
        self.source.remember(items)
        for item in items:
            self.backlog.append((self.count, item))
            self.count += 1
        self.release()

    def set_watching(self, watching: bool) -> None:
        """The team starts (or stops) watching: show what it can now see, and redraw."""
        if watching == self.watching:
            return
        self.watching = watching
        self.release()
        self._show()

    def release(self) -> None:
        """Move the items the team can now see from the backlog to the screen."""
        if not self.backlog:
            return
        keep: deque[tuple[int, FeedItem]] = deque(maxlen=MAX_BACKLOG)
        shown: list[tuple[int, FeedItem]] = []
        for index, item in self.backlog:
            (shown if self.can_see(item) else keep).append((index, item))
        self.backlog = keep
        if shown:
            latest = len(shown) - MAX_POSTS
            for i, (index, item) in enumerate(shown):
                # older reshares would scroll off every view; the rarer kinds are kept for
                # the filters (a reshare's text decides whether it is a question, so older
                # ones are skipped: rendering thousands per tick would stall the clock)
                if i < latest and item.kind in _HIGH_VOLUME:
                    continue
                post = self.source.post(item, index)
                entry = (post, post_content(post))
                if i >= latest:
                    self.posts.append(post)
                    self._shown["all"].append(entry)
                for name in FILTERS[1:]:
                    if matches(post, name):
                        self._shown[name].append(entry)
            self._show()

    def _show(self) -> None:
        if not self.is_mounted:
            return
        posts = self.query_one("#posts", Static)
        shown = self._shown[self.filter]
        if not shown:
            key = ("feed.unwatched" if not self.watching
                   else "feed.empty" if self.filter == "all" else "feed.filter_empty")
            posts.update(Content.from_markup("[$foreground]$m[/]", m=self.tr(key)))
            return
        posts.update(Content("\n").join(content for _, content in reversed(shown)))
