"""A Dutch drill shows a Dutch crowd: names, handles, bios and outlets follow the locale.

From a facilitator's drill: English names in a Dutch crowd break the illusion
for a Dutch team. Every account, in the graph or outside it, is drawn from
Faker's nl_NL lists (minus the template file's exclusions) and the nl pieces.
"""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest

from scenarios import load_scenario
from scenarios.personas import Persona, _name_pools, personas_for, slug
from scenarios.scenario_file import Setting
from scenarios.textbank import text_bank
from simulator.config import Scenario
from simulator.locales import LOCALES
from simulator.network import Network
from simulator.population import build_network

EXTRA_KINDS = ("staff", "journalist", "ordinary", "complainant")


@cache
def _faker_names(locale: str) -> tuple[frozenset[str], frozenset[str]]:
    """Faker's own first and last names of a locale (before any exclusion)."""
    from faker import Faker

    gen = Faker(LOCALES[locale].faker).factories[0]
    provider = next(p for p in gen.get_providers() if hasattr(p, "first_names_female"))
    return (frozenset(provider.first_names_female) | frozenset(provider.first_names_male),
            frozenset(provider.last_names))


@pytest.fixture(scope="module")
def dutch() -> tuple[Scenario, Network]:
    """The Dutch library scenario without named people: the whole crowd is drawn."""
    sc = load_scenario("telecom-storing")
    sc = dataclasses.replace(sc, network=dataclasses.replace(sc.network, users=1500))
    return sc, build_network(sc)


def _crowd(sc: Scenario, net: Network, seed: int) -> list[Persona]:
    book = personas_for(net, sc.locale, seed, sc.setting)
    people = [book[u] for u in range(net.n) if book[u].kind not in ("media", "brand")]
    extras = [book.extra(kind, key) for kind in EXTRA_KINDS for key in range(40)]
    return people + extras


def _split(persona: Persona) -> tuple[str, str]:
    """First and last name as drawn, whatever display style the persona uses."""
    name = persona.name
    first, _, rest = name.partition(" ")
    return first, rest


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_dutch_persona_name_comes_from_the_nl_pools(dutch: tuple[Scenario, Network],
                                                          seed: int) -> None:
    sc, net = dutch
    pools = _name_pools("nl")
    firsts = set(pools["f"].names) | set(pools["m"].names)
    lasts = set(pools["last"].names)
    nl_first, nl_last = _faker_names("nl")
    assert firsts <= nl_first and lasts <= nl_last
    for persona in _crowd(sc, net, seed):
        first, last = _split(persona)
        assert first in firsts or first.capitalize() in firsts, persona
        if last and not last.endswith("."):  # "Anna B." shows an initial only
            assert last in lasts or any(last == n.lower() for n in lasts), persona


def test_names_a_dutch_audience_reads_as_english_are_left_out(
        dutch: tuple[Scenario, Network]) -> None:
    sc, net = dutch
    exclude = text_bank("nl")["persona"]["name_exclude"]
    pools = _name_pools("nl")
    names = set(pools["f"].names) | set(pools["m"].names) | set(pools["last"].names)
    assert not names & set(exclude["first"]) and not names & set(exclude["last"])
    assert not any("," in n for n in pools["last"].names)
    en_only = (_faker_names("en")[1] - _faker_names("nl")[1])
    crowd = _crowd(sc, net, 1)
    shown = {part.capitalize() for p in crowd for part in p.name.split()}
    assert not shown & ({w.capitalize() for w in exclude["first"]} | {"Wilson", "Smith"})
    surnames = {_split(p)[1] for p in crowd} - {""}
    assert not {n for n in surnames if not n.endswith(".")} & en_only


def test_handles_bios_and_outlets_are_dutch(dutch: tuple[Scenario, Network]) -> None:
    sc, net = dutch
    book = personas_for(net, "nl", 1, sc.setting)
    bank = text_bank("nl")["persona"]
    english = ("vlogs", "daily", "eats", "official", "life")
    influencers = [book[u] for u in range(net.n) if book[u].kind == "influencer"]
    influencers += [book.extra("ordinary", k) for k in range(5)]
    for persona in influencers + _crowd(sc, net, 1):
        assert not any(word in persona.handle for word in english), persona
        assert not persona.handle.startswith("@the"), persona
    for persona in [book.extra("complainant", k) for k in range(30)]:
        assert "NetHolland" not in persona.bio, "a complainant does not work at the brand"
    outlets = [book.outlet_name(i) for i in range(30)]
    parts = bank["outlet_parts"]
    composed = {f"{a} {b}" for a in parts["first"] for b in parts["second"]}
    assert set(outlets) <= set(bank["outlet_names"]) | composed
    journalists = [book.extra("journalist", k) for k in range(10)]
    assert all(any(o in j.bio for o in outlets) for j in journalists)
    assert book.competitor in bank["competitors"]
    assert all(slug(p.name.split()[0])[:3] in p.handle or p.handle for p in journalists)


def test_english_drills_keep_english_handles() -> None:
    sc = dataclasses.replace(load_scenario("supermarket-video"), locale="en",
                             setting=Setting(brand_name="FreshWay"))
    sc = dataclasses.replace(sc, network=dataclasses.replace(sc.network, users=800))
    net = build_network(sc)
    book = personas_for(net, "en", 1, sc.setting)
    nl_only = _faker_names("nl")[1] - _faker_names("en")[1]
    names = [book[u].name for u in range(net.n) if book[u].kind not in ("media", "brand")]
    assert sum(n.split()[-1] in nl_only for n in names) < 0.02 * len(names)
