"""The feed's filters, the chart's axes and the numbers, in a Dutch drill."""

from __future__ import annotations

import dataclasses

import pytest
from drillapp import sync
from textual.app import App, ComposeResult

from scenarios import load_scenario
from simulator.feed import FeedItem
from simulator.kinds import POST_KIND_NAMES, EventKind, PostKind
from simulator.simulation import Simulation
from tui.i18n import Strings
from tui.widgets import Chart, Feed, post_source
from tui.widgets.chart import hour_axis, value_range
from tui.widgets.feed import FILTERS, MAX_POSTS, Post, matches

RESHARE, BRAND_POST = POST_KIND_NAMES[PostKind.RESHARE], POST_KIND_NAMES[PostKind.STATEMENT]


class FeedApp(App[None]):
    def __init__(self, feed: Feed, chart: Chart | None = None) -> None:
        super().__init__()
        self.feed, self.chart = feed, chart

    def compose(self) -> ComposeResult:
        yield self.feed
        if self.chart is not None:
            yield self.chart


@pytest.fixture(scope="module")
def dutch_run() -> tuple[Simulation, list[FeedItem]]:
    sc = load_scenario("telecom-storing")
    sc = dataclasses.replace(sc, network=dataclasses.replace(sc.network, users=3000))
    sim = Simulation(sc, seed=1)
    sim.run(30)
    return sim, sim.feed()[0]


def _post(kind: str, colour: str, **kw: object) -> Post:
    return Post(1.0, "ma 09:00", "x", "@x", kind, "tekst", colour, **kw)  # type: ignore[arg-type]


def test_filter_rules() -> None:
    brand = _post(BRAND_POST, "brand", account="brand")
    note = _post(EventKind.BRAND_POST, "system", account="system")
    outlet = _post("media", "media", account="media")
    journalist = _post(EventKind.INJECT, "inject", account="journalist", question=True)
    question = _post(RESHARE, "question", question=True)
    angry = _post(RESHARE, "negative")
    narrated = _post(EventKind.INJECT, "inject", account="system", press=True, question=True)
    assert matches(narrated, "media") and matches(narrated, "questions")
    assert not matches(narrated, "brand")
    assert [p for p in (brand, note, outlet, journalist, question, angry)
            if matches(p, "brand")] == [brand]
    assert [p for p in (brand, outlet, journalist, question, angry)
            if matches(p, "media")] == [outlet, journalist]
    assert [p for p in (brand, outlet, journalist, question, angry)
            if matches(p, "questions")] == [journalist, question]
    assert all(matches(p, "all") for p in (brand, angry))


@sync
async def test_filters_keep_their_posts_and_show_which_is_on(
        dutch_run: tuple[Simulation, list[FeedItem]]) -> None:
    sim, items = dutch_run
    tr = Strings("nl")
    net = sim.net
    # one big batch: the brand's post sits far behind the latest MAX_POSTS reshares
    reshares = [it for it in items if it.kind == RESHARE]
    assert len(reshares) > 3 * MAX_POSTS
    t0 = reshares[0].t
    batch = sorted([*reshares, FeedItem(t0, BRAND_POST, "Sorry, we zoeken het uit.",
                                        actor=net.brand)], key=lambda it: it.t)
    feed = Feed(post_source(sim.scenario, net, 1, tr), lambda _: True, tr)
    feed.watching = True
    async with FeedApp(feed).run_test() as pilot:
        feed.add(batch)
        await pilot.pause()
        assert feed.filter == "all" and len(feed.posts) == MAX_POSTS
        assert "alle berichten" in str(feed.border_subtitle)
        assert not any(p.kind == BRAND_POST for p in feed.posts)
        feed.set_filter("brand")
        assert "alleen merk" in str(feed.border_subtitle)
        shown = feed._shown["brand"]
        assert [p.text for p, _ in shown] == ["Sorry, we zoeken het uit."]
        feed.set_filter("questions")
        assert feed._shown["questions"] and all(p.question for p, _ in feed._shown["questions"])
        feed.set_filter("media")
        assert not feed._shown["media"]
        assert [feed.next_filter() for _ in FILTERS] == ["questions", "all", "brand", "media"]
        with pytest.raises(ValueError, match="unknown feed filter"):
            feed.set_filter("merk")


@sync
async def test_plain_posts_are_dutch_too(dutch_run: tuple[Simulation, list[FeedItem]]) -> None:
    from tui.widgets.feed import PlainSource

    sim, _ = dutch_run
    source = PlainSource(sim.scenario, Strings("nl"))
    assert source.post(FeedItem(1.0, RESHARE, actor=12), 0).name == "gebruiker 12"
    assert source.post(FeedItem(1.0, EventKind.DETECTED), 1).name == "Oefenleiding"


def test_axes() -> None:
    assert value_range([42.3, 71.8]) == "42–72"
    assert value_range([3, 1234], lo=0) == "0–1.2k"
    assert value_range([]) == ""
    assert value_range([19.7, 20.0], tr=Strings("nl")) == "19,7–20,0"
    assert value_range([3, 1234], lo=0, tr=Strings("nl")) == "0–1,2k"
    axis = hour_axis(0, 20, 20)
    assert axis.startswith("0") and " 6 " in axis and "12" in axis
    assert hour_axis(30, 10, 10).startswith("30")


@sync
async def test_chart_labels_its_axes_in_dutch() -> None:
    tr = Strings("nl")
    chart = Chart(tr)
    feed = Feed(post_source(load_scenario("telecom-storing"), None, 1, tr), lambda _: True, tr)
    async with FeedApp(feed, chart).run_test(size=(60, 30)) as pilot:
        chart.data = {"hourly_negative": [0, 5, 40, 120, 80], "detected": True,
                      "reputation_series": [70.0, 68.0, 60.5, 52.0, 55.0],
                      "actions": [(3.2, "acknowledge")]}
        await pilot.pause()
        lines = str(chart.render()).splitlines()
        assert lines[0].startswith("vertr.") and "52–70" in lines[0]
        assert lines[1].startswith("neg/u") and "0–120" in lines[1]
        assert lines[2].startswith("acties") and "▲" in lines[2]
        assert lines[3].startswith("uur") and "0" in lines[3] and "4" in lines[3]


def test_metrics_write_numbers_the_dutch_way() -> None:
    from tui.widgets import Metrics

    data = {"reputation": 19.72, "reputation_start": 20.0, "negative_last_hour": 1234,
            "reach": 1840, "media_stories": 1, "since_detection_h": 2.5, "since_update_h": None,
            "clock": "di 12:35", "speed_text": "x60", "detected": True}
    text = str(Metrics(Strings("nl")).content(data))
    assert "19,7 van 20" in text and "1.234" in text and "1.840" in text
    assert "sinds update" in text  # short: the side panel is 32 columns wide
    assert "1,840" in str(Metrics(Strings("en")).content(data))
