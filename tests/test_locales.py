"""One locale registry: the scenario schema, feed templates, personas and interface strings
all know exactly the registered languages."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

from simulator.config import Scenario
from simulator.locales import LOCALES, LocaleCode, hours_text, write_number
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
