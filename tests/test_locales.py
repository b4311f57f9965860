"""One locale registry: the scenario schema, feed templates, personas and interface strings
all know exactly the registered languages."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import get_args

import pytest

import scenarios.personas
from scenarios.feedtext import FeedRenderer
from scenarios.personas import _faker, personas_for
from scenarios.textbank import text_bank
from simulator.config import Scenario
from simulator.locales import LOCALES, LocaleCode, hours_text, write_number
from simulator.population import build_network
from tui.i18n import LANGUAGES, Strings

ROOT = Path(__file__).resolve().parents[1]


def test_every_layer_knows_the_registered_languages() -> None:
    codes = set(LOCALES)
    assert set(get_args(LocaleCode)) == codes
    assert set(LANGUAGES) == codes, "an interface string table per language"
    templates = {p.stem for p in (ROOT / "scenarios" / "templates").glob("*.yaml")}
    assert codes <= templates, "feed templates per language"
    assert Scenario().locale in codes


def test_numbers_and_hours_as_each_language_writes_them() -> None:
    assert write_number(1234.5, ",.1f", "en") == "1,234.5"
    assert write_number(1234.5, ",.1f", "nl") == "1.234,5"
    assert Strings("nl").number(1840, ",") == "1.840"
    assert hours_text(1, "nl") == "een uur" and hours_text(5, "en") == "5 hours"
    assert Strings("nl").clock("2026-03-02T09:00", 0.0) == "ma 09:00"


@pytest.mark.parametrize("code", LOCALES)
def test_personas_take_their_faker_locale_from_the_registry(code: str) -> None:
    from faker.config import AVAILABLE_LOCALES

    faker_code = LOCALES[code].faker
    assert faker_code in AVAILABLE_LOCALES
    assert not hasattr(scenarios.personas, "FAKER_LOCALES"), "one list of Faker locales"
    person = [p for p in _faker(code).get_providers()
              if type(p).__module__.startswith("faker.providers.person.")]
    assert [type(p).__module__ for p in person] == [f"faker.providers.person.{faker_code}"]


def test_personas_exist_for_exactly_the_registered_languages() -> None:
    net = build_network(_small_scenario())
    for code in LOCALES:
        assert personas_for(net, code, 1).locale == code
    with pytest.raises(ValueError):
        personas_for(net, "de", 1)


def _small_scenario() -> Scenario:
    sc = Scenario()
    return dataclasses.replace(sc, network=dataclasses.replace(sc.network, users=200))


@pytest.mark.parametrize("code", LOCALES)
def test_weekday_names_come_from_the_registry_only(code: str) -> None:
    assert "weekdays" not in text_bank(code), "weekday names live in simulator/locales.py"
    sc = dataclasses.replace(_small_scenario(), locale=code)
    renderer = FeedRenderer(sc, build_network(sc), 1)
    for day in range(7):  # the feed's clock and the interface's clock name every day alike
        t = 24.0 * day + 0.5
        assert renderer.clock(t) == Strings(code).clock(sc.start, t)
        assert renderer.clock(t).split()[0] in LOCALES[code].weekdays
