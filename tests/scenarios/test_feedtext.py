"""The living feed: templates, personas and rendering of a real simulated feed."""

from __future__ import annotations

import dataclasses
import itertools
import re
import time
from typing import Any

import numpy as np
import pytest

from scenarios import load_scenario
from scenarios.feedtext import BrandState, FeedRenderer, RenderedPost, lines_for, pieces_for
from scenarios.personas import _name_pools, personas_for
from scenarios.scenario_file import Setting
from scenarios.textbank import LOCALES, POST_FIELDS, fields_of, fill, iter_templates, text_bank
from simulator.actions import Action
from simulator.config import Scenario
from simulator.feed import FeedItem
from simulator.kinds import POST_KIND_NAMES, EventKind, PostKind
from simulator.network import UserType
from simulator.simulation import Simulation

SAMPLE = {name: f"<{name}>" for name in POST_FIELDS | {"job", "hobby", "city", "year"}}
SETTINGS = {
    "en": Setting(brand_name="FreshWay", brand_handle="@FreshWay", product="refund",
                  issue="a rude store manager", place="Leeds", people=["Maria Lopez"]),
    "nl": Setting(brand_name="FreshWay", brand_handle="@FreshWay", product="retour",
                  issue="een onbeschofte filiaalmanager", place="Zwolle",
                  people=["Sanne de Vries"]),
}
RESHARE, BRAND_POST = POST_KIND_NAMES[PostKind.RESHARE], POST_KIND_NAMES[PostKind.STATEMENT]
DUTCH_WORDS = ("de", "het", "een", "niet", "ik", "van", "dit", "nog", "je", "wat", "bij", "zijn")


def _scenario(locale: str) -> Scenario:
    sc = load_scenario("supermarket-video")
    return dataclasses.replace(sc, locale=locale, setting=SETTINGS[locale])


@pytest.fixture(scope="module")
def sim() -> Simulation:
    """A full supermarket run with a few brand statements (same network for both locales)."""
    s = Simulation(load_scenario("supermarket-video"), seed=1)
    s.run(20)
    s.act(Action("acknowledge", "defensive"))
    s.act(Action("reply", "empathetic", text="Maria, we are so sorry. Please DM us."))
    s.run(40)
    s.act(Action("update"))
    s.run()
    return s


@pytest.fixture(scope="module")
def items(sim: Simulation) -> list[FeedItem]:
    """Every event and the first 600 reshares: enough to judge, quick to render."""
    feed = sim.feed()[0]
    reshares = [it for it in feed if it.kind == RESHARE][:600]
    return sorted([it for it in feed if it.kind != RESHARE] + reshares, key=lambda it: it.t)


def _render(sim: Simulation, items: list[FeedItem], locale: str, seed: int,
            reverse: bool = False) -> list[RenderedPost]:
    renderer = FeedRenderer(_scenario(locale), sim.net, seed)
    renderer.remember(items)  # as the drill does: the batch's statements first
    order = range(len(items) - 1, -1, -1) if reverse else range(len(items))
    posts = {i: renderer.render(items[i], i) for i in order}
    return [posts[i] for i in range(len(items))]


# ---- templates ----------------------------------------------------------------------------
@pytest.mark.parametrize("locale", LOCALES)
def test_every_template_fills_with_known_placeholders(locale: str) -> None:
    count = 0
    for path, template, allowed in iter_templates(locale):
        used = fields_of(template)
        assert used <= allowed, f"{locale}:{path} uses unknown {sorted(used - allowed)}"
        text = fill(template, SAMPLE)
        assert "{" not in text and "}" not in text, f"{locale}:{path}: {text}"
        count += 1
    assert count > 300


def test_both_locales_have_the_same_kinds() -> None:
    def shape(node: object) -> object:
        if isinstance(node, dict):
            return {k: shape(v) for k, v in node.items()}
        return type(node).__name__

    en, nl = text_bank("en"), text_bank("nl")
    for section in ("posts", "system", "fallback"):
        assert shape(en[section]) == shape(nl[section]), section


@pytest.mark.parametrize("locale", LOCALES)
def test_enough_variety_per_kind(locale: str) -> None:
    posts = text_bank(locale)["posts"]
    reshare = posts[RESHARE]
    combos = len(reshare["openings"]) * len(reshare["bodies"]) * len(reshare["closings"])
    assert len(reshare["whole"]) >= 15 and len(reshare["bodies"]) >= 15 and combos > 5000
    for kind in ("complaint", "second_victim", "neutral_question", "journalist_inquiry",
                 "headline", "staff_offmessage", "influencer", "competitor", "backlash",
                 "support", "brand_post"):
        assert len(posts[kind]) >= 3 if kind == "brand_post" else 5, kind
    for kind in ("backlash", "support"):
        assert len(posts[kind]["bodies"]) >= 12 and len(posts[kind]["whole"]) >= 5, kind
    for tone in ("empathetic", "neutral", "defensive"):
        assert posts["brand"]["acknowledge"][tone] and posts["brand"]["reply"][tone]


# ---- rendering a real feed ----------------------------------------------------------------
@pytest.mark.parametrize("locale", LOCALES)
def test_feed_is_deterministic_and_order_independent(sim: Simulation, items: list[FeedItem],
                                                     locale: str) -> None:
    a = _render(sim, items, locale, seed=1)
    b = _render(sim, items, locale, seed=1, reverse=True)
    assert [(p.text, p.persona, p.clock) for p in a] == [(p.text, p.persona, p.clock) for p in b]
    other = _render(sim, items, locale, seed=2)
    same = sum(x.text == y.text for x, y in zip(a, other, strict=True))
    assert same < 0.3 * len(a)
    assert [p.persona.name for p in a] != [p.persona.name for p in other]


@pytest.mark.parametrize("locale", LOCALES)
def test_feed_reads_like_a_feed(sim: Simulation, items: list[FeedItem], locale: str) -> None:
    posts = _render(sim, items, locale, seed=1)
    for post in posts:
        assert post.text and "{" not in post.text and "}" not in post.text, post
        assert post.clock and post.colour_kind
    reshares = [p.text for p in posts if p.kind == RESHARE][:300]
    assert len(reshares) == 300
    assert len(set(reshares)) >= 0.8 * len(reshares)
    # neighbouring reshares hardly ever read the same
    assert sum(x == y for x, y in itertools.pairwise(reshares)) <= 3
    counts = sim.net.follower_counts()
    for item, post in zip(items, posts, strict=True):
        # a statement whose post shows its words is a note for the team (colour "system")
        if 0 <= item.actor < sim.net.n and post.colour_kind != "system" and \
                item.kind in (*POST_KIND_NAMES.values(), EventKind.BRAND_POST):
            assert post.persona.followers == counts[item.actor]
            assert post.persona.user == item.actor
    first = next(p for p in posts if p.kind == POST_KIND_NAMES[PostKind.COMPLAINT])
    assert first.persona.name == SETTINGS[locale].people[0]
    statements = [p for p in posts if p.kind in (EventKind.BRAND_POST, BRAND_POST)
                  and p.colour_kind == "brand"]
    assert statements and all(p.persona.handle == "@FreshWay" for p in statements)
    assert "Maria, we are so sorry. Please DM us." in [p.text for p in statements]


def test_dutch_feed_is_dutch(sim: Simulation, items: list[FeedItem]) -> None:
    nl = _render(sim, items, "nl", seed=1)
    en = _render(sim, items, "en", seed=1)

    def dutch_share(posts: list[RenderedPost]) -> float:
        words = " ".join(p.text for p in posts).lower().split()
        return sum(w in DUTCH_WORDS for w in words) / len(words)

    assert dutch_share(nl) > 0.06 > 0.01 > dutch_share(en)
    assert nl[0].clock.split()[0] in LOCALES["nl"].weekdays
    pool = set(_name_pools("nl")["f"].names) | set(_name_pools("nl")["m"].names)
    ordinary = [p.persona for p in nl if p.persona.kind == "ordinary"]
    first_names = [p.name.split()[0] for p in ordinary]
    assert sum(n.capitalize() in pool or n in pool for n in first_names) > 0.9 * len(ordinary)


def test_clock_is_local_time_with_weekday() -> None:
    sc = _scenario("nl")  # starts Friday 2026-03-06 18:00
    from simulator.population import build_network

    net = build_network(dataclasses.replace(sc, network=dataclasses.replace(sc.network,
                                                                            users=200)))
    assert FeedRenderer(sc, net, 1).clock(30.5) == "zo 00:30"
    assert FeedRenderer(dataclasses.replace(sc, locale="en"), net, 1).clock(0) == "Fri 18:00"


def test_every_kind_renders(sim: Simulation) -> None:
    """Synthetic items for every kind (a single run may not produce them all), and typed texts.

    Engine events carry no words (text ""): the words come from the kind.
    """
    net = sim.net
    user = int(np.flatnonzero(net.types == UserType.ORDINARY)[0])
    skip = {PostKind.COMPETITOR, PostKind.MEDIA, PostKind.STATEMENT}
    items = [FeedItem(1.0, POST_KIND_NAMES[k], actor=user) for k in PostKind if k not in skip]
    items += [FeedItem(2.0, POST_KIND_NAMES[PostKind.COMPETITOR], audience=500),
              FeedItem(2.0, POST_KIND_NAMES[PostKind.MEDIA], actor=net.media[0]),
              FeedItem(2.5, BRAND_POST, actor=net.brand)]  # a brand post on its own
    for detail in ("acknowledge", "reply", "solution", "compensation", "update", "contradict"):
        for tone in ("empathetic", "neutral", "defensive"):
            items.append(FeedItem(3.0, EventKind.BRAND_POST, actor=net.brand,
                                  extra={"detail": detail, "tone": tone}))
            items.append(FeedItem(3.0, EventKind.ACTION_TAKEN,
                                  extra={"detail": detail, "tone": tone}))
    for detail in ("journalist_inquiry", "influencer_joins", "staff_offmessage",
                   "competitor_jab", "second_victim"):
        items.append(FeedItem(4.0, EventKind.INJECT, extra={"detail": detail}))
    items += [FeedItem(5.0, kind) for kind in (EventKind.DETECTED, EventKind.STAFF_POST,
                                               EventKind.DELETION_NOTICED, EventKind.TRENDING)]
    items += [FeedItem(5.0, EventKind.MEDIA_STORY, actor=net.media[0]),
              FeedItem(6.0, EventKind.INJECT, "The CEO calls you.",
                       extra={"detail": "second_victim"}),
              FeedItem(6.0, EventKind.STAFF_POST, "Honestly the customer started it."),
              FeedItem(6.0, EventKind.STAFF_POST, "A cashier posts: 'We were told to lie.'")]
    colours = {POST_KIND_NAMES[PostKind.BACKLASH]: "negative",
               POST_KIND_NAMES[PostKind.SUPPORT]: "positive", BRAND_POST: "brand",
               EventKind.TRENDING: "system"}
    for locale in LOCALES:
        renderer = FeedRenderer(_scenario(locale), net, 3)
        posts = [renderer.render(item, i) for i, item in enumerate(items)]
        for post in posts:
            assert post.text and "{" not in post.text, post
            assert post.text != post.kind.replace("_", " "), f"no words for {post.kind}"
            if post.kind in colours:
                assert post.colour_kind == colours[post.kind], post
        assert posts[-3].text == "The CEO calls you."
        assert posts[-2].text == "Honestly the customer started it."
        assert posts[-1].text == "We were told to lie."  # the quote, not the narration
        assert next(p for p in posts if p.kind == "competitor").persona.followers == 500
        trending = next(p for p in posts if p.kind == EventKind.TRENDING)
        assert "#FreshWay" in trending.text
        brand_post = next(p for p in posts if p.kind == BRAND_POST)
        assert brand_post.persona.handle == "@FreshWay"
        assert brand_post.text in [fill(t, renderer.values)
                                   for t in text_bank(locale)["posts"]["brand_post"]]


@pytest.mark.parametrize("locale", LOCALES)
def test_a_statement_and_its_post_read_once(sim: Simulation, locale: str) -> None:
    """The statement event carries the team's words, the brand post shows them once."""
    net = sim.net
    typed = "Maria, we are so sorry. Please DM us."
    batch = [FeedItem(7.0, BRAND_POST, actor=net.brand),
             FeedItem(7.0, EventKind.BRAND_POST, typed, actor=net.brand,
                      extra={"detail": "reply", "tone": "empathetic"}),
             FeedItem(8.0, BRAND_POST, actor=net.brand),
             FeedItem(8.0, EventKind.BRAND_POST, actor=net.brand,
                      extra={"detail": "update", "tone": "neutral"})]
    forward = FeedRenderer(_scenario(locale), net, 1)
    forward.remember(batch)
    backward = FeedRenderer(_scenario(locale), net, 1)
    backward.remember(batch)
    a = [forward.render(item, i) for i, item in enumerate(batch)]
    b = [backward.render(batch[i], i) for i in range(len(batch) - 1, -1, -1)][::-1]
    assert [p.text for p in a] == [p.text for p in b]
    assert a[0].text == typed and a[0].persona.handle == "@FreshWay"
    assert a[1].colour_kind == "system" and typed not in a[1].text
    updates = [forward._fill(t, batch[2]) for t in text_bank(locale)["posts"]["brand"]["update"]]
    assert a[2].text in updates and a[3].colour_kind == "system"
    assert FeedRenderer(_scenario(locale), net, 1).render_all(batch)[0].text == typed


def test_fallbacks_when_setting_is_empty(sim: Simulation, items: list[FeedItem]) -> None:
    sc = dataclasses.replace(load_scenario("supermarket-video"), locale="nl", setting=Setting())
    posts = FeedRenderer(sc, sim.net, 1).render_all(items[:200])
    text = " ".join(p.text for p in posts)
    assert "the brand" not in text and "{" not in text
    assert text_bank("nl")["fallback"]["brand"] in text


#: the first locale in the fast loop, the others slow (for the tests that render a long feed)
ONE_FAST = [*list(LOCALES)[:1],
            *(pytest.param(loc, marks=pytest.mark.slow) for loc in list(LOCALES)[1:])]

# ---- personas -----------------------------------------------------------------------------
@pytest.mark.parametrize("locale", LOCALES)
def test_personas_are_fast_cached_and_order_independent(sim: Simulation, locale: str) -> None:
    book = personas_for(sim.net, locale, 7, SETTINGS[locale])
    book[0]  # load Faker and the name lists outside the timing
    start = time.process_time()  # CPU time: other jobs on a busy machine do not count
    forward = [book[u] for u in range(1, 1001)]
    assert time.process_time() - start < 1.0
    assert book[5] is book[5]
    other = personas_for(sim.net, locale, 7, SETTINGS[locale])
    assert [other[u] for u in range(1000, 0, -1)][::-1] == forward
    assert len({p.name for p in forward}) > 600 and len({p.handle for p in forward}) > 900
    assert all(p.handle.startswith("@") and len(p.handle) <= 16 for p in forward)
    assert len({p.bio for p in forward}) > 300


def test_special_accounts(sim: Simulation) -> None:
    net = sim.net
    book = personas_for(net, "en", 1, SETTINGS["en"])
    assert book.brand.name == "FreshWay" and book.brand.handle == "@FreshWay"
    assert book[net.complainant].name == "Maria Lopez"
    outlets = [book[m] for m in net.media]
    assert all(p.kind == "media" for p in outlets)
    assert len({p.name for p in outlets}) == len(outlets)
    influencer = int(np.flatnonzero(net.types == UserType.INFLUENCER)[0])
    assert book[influencer].kind == "influencer"
    assert book[influencer].followers == net.follower_counts()[influencer]
    nl = personas_for(net, "nl", 1, Setting())
    assert nl.brand.name == text_bank("nl")["fallback"]["brand"]
    assert nl.outlet_of(net.media[0]) in text_bank("nl")["persona"]["outlet_names"]


# ---- posts react to what the brand has said -----------------------------------------------
def _patterns(node: Any) -> list[re.Pattern[str]]:
    """Regexes matching a template list's lines anywhere in a post, any placeholder value."""
    out = []
    for template in node:
        parts = re.split(r"\{[a-z]+\}", template)
        out.append(re.compile(".+?".join(re.escape(p) for p in parts), re.IGNORECASE))
    return out


def _lines(locale: str, mood: str) -> list[re.Pattern[str]]:
    """Every post line of a mood: 'silent' or a tone of the answered lines."""
    posts = text_bank(locale)["posts"]
    lines: list[str] = []
    for node in posts.values():
        if not isinstance(node, dict):
            continue
        sub = node.get("silent") if mood == "silent" else node.get("answered", {}).get(mood)
        if isinstance(sub, list):
            lines += sub
        elif isinstance(sub, dict):
            lines += [*sub.get("whole", []), *sub.get("bodies", [])]
    return _patterns(lines)


def _mood_of(text: str, moods: dict[str, list[re.Pattern[str]]]) -> set[str]:
    return {mood for mood, patterns in moods.items() if any(p.search(text) for p in patterns)}


@pytest.mark.parametrize("locale", ONE_FAST)  # a long feed per locale: seconds
def test_no_silence_after_the_brand_spoke(sim: Simulation, locale: str) -> None:
    """The facilitator's complaint: "still nothing from them" after the brand replied."""
    feed = sim.feed()[0]
    first = min(it.t for it in feed if it.kind == EventKind.BRAND_POST)
    composed = {"reshare", "defence", "deleted_my_comment", "media"}
    before = [it for it in feed if it.t < first and it.kind in composed][-1500:]
    after = [it for it in feed if it.t > first and it.kind in composed][:3000]
    statements = [it for it in feed if it.kind in (EventKind.BRAND_POST, BRAND_POST)]
    renderer = FeedRenderer(_scenario(locale), sim.net, 1)
    renderer.remember(feed)
    moods = {m: _lines(locale, m) for m in ("silent", "empathetic", "neutral", "defensive")}
    seen_before = [_mood_of(renderer.render(it, i).text, moods) for i, it in enumerate(before)]
    seen_after = [_mood_of(renderer.render(it, 10_000 + i).text, moods)
                  for i, it in enumerate(after)]
    assert any("silent" in m for m in seen_before)
    assert not any(m - {"silent"} for m in seen_before), "a reaction before any statement"
    assert not any("silent" in m for m in seen_after), "silence claimed after a statement"
    assert any(m for m in seen_after), "nobody reacts to the statement"
    assert statements and renderer.brand_state(first).silent
    assert not renderer.brand_state(first + 0.01).silent


@pytest.mark.parametrize("locale", ONE_FAST)  # a long feed per locale: seconds
def test_reactions_follow_the_latest_statements_tone(sim: Simulation, locale: str) -> None:
    net = sim.net
    user = int(np.flatnonzero(net.types == UserType.ORDINARY)[0])
    brand = [FeedItem(5.0, EventKind.BRAND_POST, actor=net.brand,
                      extra={"detail": "acknowledge", "tone": "defensive"}),
             FeedItem(5.0, BRAND_POST, actor=net.brand),
             FeedItem(10.0, EventKind.BRAND_POST, actor=net.brand,
                      extra={"detail": "reply", "tone": "empathetic"}),
             FeedItem(15.0, EventKind.BRAND_POST, actor=net.brand,
                      extra={"detail": "contradict", "tone": "empathetic"})]
    posts = [FeedItem(t + k / 1000, RESHARE, actor=user + k % 50)
             for t in (1.0, 6.0, 11.0, 16.0) for k in range(400)]
    renderer = FeedRenderer(_scenario(locale), net, 4)
    renderer.remember(brand + posts)
    moods = {m: _lines(locale, m) for m in ("silent", "empathetic", "neutral", "defensive")}
    expected = {1: "silent", 6: "defensive", 11: "empathetic", 16: "defensive"}
    for i, item in enumerate(posts):
        found = _mood_of(renderer.render(item, i).text, moods)
        assert found <= {expected[int(item.t)]}, (item.t, found)
    assert renderer.brand_state(12.0) == BrandState(2, "empathetic", 5.0)
    assert renderer.brand_state(20.0).tone == "defensive"  # a contradiction reads defensive
    waited = [renderer.render(it, i).text for i, it in enumerate(posts) if 11 <= it.t < 12]
    hours = "5 uur" if locale == "nl" else "5 hours"  # complaint at 0, first statement at 5
    assert any(hours in text for text in waited)


def test_state_lines_cover_every_tone() -> None:
    for locale in LOCALES:
        posts = text_bank(locale)["posts"]
        for tone in ("empathetic", "neutral", "defensive"):
            state = BrandState(1, tone, 1.0)
            assert len(pieces_for(posts[RESHARE], state)["whole"]) > len(posts[RESHARE]["whole"])
            assert len(lines_for(posts["headline"], state)) > len(posts["headline"]["any"])
            assert len(lines_for(posts["neutral_question"], state)) >= 10
        silent = pieces_for(posts[RESHARE], BrandState())
        assert "silent" not in silent and "answered" not in silent
        assert any("{elapsed}" in line for line in silent["whole"])


@pytest.mark.parametrize("locale", LOCALES)
def test_batches_in_time_order_render_like_the_whole_run(sim: Simulation, items: list[FeedItem],
                                                         locale: str) -> None:
    """The drill feeds the renderer batch by batch: same words as knowing the run at once."""
    whole = _render(sim, items, locale, seed=5)
    renderer = FeedRenderer(_scenario(locale), sim.net, 5)
    batched: list[RenderedPost] = []
    for start in range(0, len(items), 97):
        batched += renderer.render_all(items[start:start + 97], start)
    assert [p.text for p in batched] == [p.text for p in whole]


def test_questions_are_what_the_team_could_answer(sim: Simulation) -> None:
    net = sim.net
    user = int(np.flatnonzero(net.types == UserType.ORDINARY)[0])
    renderer = FeedRenderer(_scenario("en"), net, 1)
    inquiry = renderer.render(FeedItem(3.0, EventKind.INJECT,
                                       extra={"detail": "journalist_inquiry"}), 0)
    assert inquiry.question and inquiry.press and inquiry.persona.kind == "journalist"
    narrated = renderer.render(FeedItem(3.0, EventKind.INJECT, "A reporter asks: comment?",
                                        extra={"detail": "journalist_inquiry"}), 0)
    assert narrated.question and narrated.press and narrated.colour_kind == "inject"
    story = renderer.render(FeedItem(3.0, EventKind.MEDIA_STORY, actor=net.media[0]), 0)
    assert story.press and not story.question
    brand = renderer.render(FeedItem(3.0, BRAND_POST, "Any questions? DM @FreshWay",
                                     actor=net.brand), 1)
    assert not brand.question
    posts = [renderer.render(FeedItem(1.0 + i / 100, RESHARE, actor=user), i)
             for i in range(400)]
    asked = [p for p in posts if p.question]
    assert any(p.colour_kind == "question" for p in asked)
    assert all(p.colour_kind == "question" or ("@freshway" in p.text.lower() and "?" in p.text)
               for p in asked)
    assert len(asked) < len(posts) / 3


@pytest.mark.parametrize("locale", LOCALES)
def test_two_statements_at_one_moment_both_show(sim: Simulation, locale: str) -> None:
    """A solution and compensation approved together go out at the same moment."""
    net = sim.net
    batch = [FeedItem(9.0, EventKind.BRAND_POST, "We fix the process.", actor=net.brand,
                      extra={"detail": "solution", "tone": "empathetic"}),
             FeedItem(9.0, EventKind.BRAND_POST, "Everyone gets a refund.", actor=net.brand,
                      extra={"detail": "compensation", "tone": "empathetic"}),
             FeedItem(9.0, BRAND_POST, actor=net.brand),
             FeedItem(9.0, BRAND_POST, actor=net.brand)]
    renderer = FeedRenderer(_scenario(locale), net, 1)
    renderer.remember(batch)
    renderer.remember(batch)  # remembering a batch twice changes nothing
    posts = [renderer.render(item, i) for i, item in enumerate(batch)]
    assert [p.text for p in posts[2:]] == ["We fix the process.", "Everyone gets a refund."]
    assert all(p.colour_kind == "system" for p in posts[:2])
    assert renderer.brand_state(9.5).statements == 1  # one moment
