"""The live feed: the team's view of the posts, newest first, colour-coded by kind.

The drill screen hands it feed items as the clock moves (`add`); items the team
cannot see yet (nothing is watched before detection) wait in a backlog and
appear once `can_see` says so. Texts come from a `PostSource`: the scenario
feed renderer (`scenarios.feedtext`) when it is there, a plain rendering
otherwise. Each item is rendered with its position in the whole feed, so the
same seed shows the same posts however the clock was driven.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from simulator.config import Scenario
from simulator.feed import FeedItem
from simulator.kinds import POST_KIND_NAMES, EventKind, PostKind
from tui.i18n import Strings

MAX_POSTS = 50  # posts kept on screen (a long feed makes every redraw slower)
MAX_BACKLOG = 2000  # hidden items kept for when the team starts watching

#: feed colour kinds (scenarios.feedtext.RenderedPost.colour_kind) -> theme variables
COLOURS = {"negative": "$error", "question": "$warning", "positive": "$success",
           "brand": "$primary", "media": "$accent", "staff": "$warning",
           "inject": "$secondary", "system": "$text-muted"}


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


#: the brand's own kinds: its statement (the event) and the post the spread counts
BRAND_KINDS = frozenset({EventKind.BRAND_POST.value, POST_KIND_NAMES[PostKind.STATEMENT]})


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
                    r.colour_kind)


def _colour(kind: str) -> str:
    """The feed renderer's colour of a kind (one table, in scenarios.feedtext)."""
    try:
        from scenarios.feedtext import colour_of
    except ImportError:  # pragma: no cover - the renderer ships with scenarios
        return "system"
    return colour_of(kind)


class PlainSource:
    """A fallback without personas: the item's kind, or the text someone typed."""

    def __init__(self, scenario: Scenario, tr: Strings) -> None:
        self.scenario, self.tr = scenario, tr

    def remember(self, items: Iterable[FeedItem]) -> None:
        """Nothing to pair: plain posts show each item as it is."""

    def post(self, item: FeedItem, index: int) -> Post:
        brand = item.kind in BRAND_KINDS
        who = (self.scenario.setting.brand_name if brand
               else f"user {item.actor}" if item.actor >= 0 else "stormdrill")
        handle = (self.scenario.setting.brand_handle if brand
                  else f"@u{item.actor}" if item.actor >= 0 else "")
        text = item.text or item.kind.replace("_", " ")
        return Post(item.t, self.tr.clock(self.scenario.start, item.t), who, handle, item.kind,
                    text, _colour(item.kind))


def post_source(scenario: Scenario, network: object, seed: int, tr: Strings) -> PostSource:
    """The feed renderer if it is installed and works for this scenario, else plain posts."""
    try:
        from scenarios.feedtext import FeedRenderer
    except ImportError:  # pragma: no cover - the renderer ships with scenarios
        return PlainSource(scenario, tr)
    try:
        return RendererSource(FeedRenderer(scenario, network, seed))  # type: ignore[arg-type]
    except Exception:  # a renderer bug must not stop a drill  # pragma: no cover
        return PlainSource(scenario, tr)


def post_content(post: Post) -> Content:
    """Two lines: a bar in the kind's colour, time, name and handle; then the text."""
    colour = COLOURS.get(post.colour, "$text-muted")
    head = Content.from_markup(
        f"[{colour}]▌[/] [$text-muted]$clock[/] [b]$name[/] [$text-muted]$handle[/]",
        name=post.name, handle=post.handle, clock=post.clock)
    body = Content.from_markup(f"[{colour}]▌[/] $text", text=post.text)
    return Content("\n").join([head, body])


class Feed(VerticalScroll):
    """Newest post first, at most MAX_POSTS."""

    DEFAULT_CSS = """
    Feed {
        border: round $primary-muted;
        border-title-color: $text;
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
        # each post's Content is built once: markup parsing is the costly part of a redraw
        self._contents: deque[Content] = deque(maxlen=MAX_POSTS)
        self.backlog: deque[tuple[int, FeedItem]] = deque(maxlen=MAX_BACKLOG)
        self.count = 0  # items seen, visible or not: the next item's feed index
        self.watching = False

    def compose(self) -> ComposeResult:
        yield Static(id="posts")

    def on_mount(self) -> None:
        self.border_title = self.tr("feed.title")
        self._show()

    def add(self, items: Iterable[FeedItem]) -> None:
        """New items from the clock (in time order)."""
        items = list(items)
        self.source.remember(items)
        for item in items:
            self.backlog.append((self.count, item))
            self.count += 1
        self.release()

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
            for index, item in shown[-MAX_POSTS:]:  # older ones would scroll off anyway
                post = self.source.post(item, index)
                self.posts.append(post)
                self._contents.append(post_content(post))
            self._show()

    def _show(self) -> None:
        if not self.is_mounted:
            return
        posts = self.query_one("#posts", Static)
        if not self.posts:
            posts.update(Content.from_markup("[$text-muted]$m[/]", m=self.tr(
                "feed.empty" if self.watching else "feed.unwatched")))
            return
        posts.update(Content("\n").join(reversed(self._contents)))
