"""Every interface string exists in both languages, with the same placeholders.

A Dutch drill that falls back to an English string mid-screen (or crashes on
a placeholder one language forgot) is what facilitators report; this test
catches both as soon as a key is added to one table only.
"""

from __future__ import annotations

import string
import typing

import pytest
from drillapp import drill_app, drill_scenario, sync

from simulator.config import Inject
from tui.i18n import EN, LANGUAGES, NL, Strings

#: keys allowed in English only, each with its reason (keep this short)
EN_ONLY: dict[str, str] = {}

_FORMATTER = string.Formatter()


def placeholders(text: str) -> set[str]:
    """The `{name}` placeholders of a str.format template."""
    return {name for _, name, _, _ in _FORMATTER.parse(text) if name}


def test_every_english_key_has_a_dutch_one() -> None:
    missing = sorted(k for k in EN if k not in NL and k not in EN_ONLY)
    assert not missing, f"keys without a Dutch text: {missing}"
    assert not sorted(k for k in NL if k not in EN), "Dutch keys without an English text"
    assert all(k in EN for k in EN_ONLY), "stale EN_ONLY entries"


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_placeholders_match_english(locale: str) -> None:
    table = LANGUAGES[locale]
    wrong = {k: (sorted(placeholders(EN[k])), sorted(placeholders(v)))
             for k, v in table.items() if k in EN and placeholders(EN[k]) != placeholders(v)}
    assert not wrong, f"placeholders differ from English: {wrong}"


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_every_string_formats(locale: str) -> None:
    for key, text in LANGUAGES[locale].items():
        assert "key" not in placeholders(text), f"{key}: {{key}} clashes with tr(key, ...)"
        values = dict.fromkeys(placeholders(text), 1)
        assert "{" not in text.format(**values).replace("{{", ""), key
        assert text.strip(), f"{key} is empty"


def test_inject_kinds_are_translated() -> None:
    names = typing.get_args(typing.get_type_hints(Inject)["kind"])  # the engine's kinds
    assert len(names) >= 5
    nl, en = Strings("nl"), Strings("en")
    for kind in names:
        assert f"inject.{kind}" in EN and f"inject.{kind}" in NL, kind
        assert "_" not in nl.inject_kind(kind) and nl.inject_kind(kind) != en.inject_kind(kind)
    assert nl.inject_kind("new_kind") == "new kind"
    from tui.screens.facilitator import inject_label

    label = inject_label(Inject(at_h=6, kind="journalist_inquiry", text="Er belt iemand."), nl)
    assert label == "vraag van een journalist (t=6 u): Er belt iemand."


def test_dutch_chart_and_feed_labels_are_dutch() -> None:
    nl = Strings("nl")
    for key in ("chart.reputation", "chart.actions", "chart.hours", "feed.filter.brand",
                "feed.filter.questions", "quit.title", "quit.hint"):
        assert nl(key) != Strings("en")(key), key


def test_numbers_in_the_rooms_language() -> None:
    assert Strings("nl").number(1234.5, ",.1f") == "1.234,5"
    assert Strings("en").number(1234.5, ",.1f") == "1,234.5"
    assert Strings("nl").number(7) == "7"


@sync
async def test_ctrl_c_says_how_to_quit_in_dutch() -> None:
    """Textual's own notice is English ("Do you want to quit?"); a Dutch drill says it in Dutch."""
    app = drill_app(sc=drill_scenario(locale="nl"))
    async with app.run_test() as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
        notes = list(app._notifications)
        assert notes and notes[-1].title == "Wil je stoppen?"
        assert "om de oefening te stoppen" in notes[-1].message


def test_screen_footers_speak_the_drills_language() -> None:
    from tui.screens import BriefingScreen, DebriefScreen, TeamScreen
    from tui.screens.keys import localized

    nl = Strings("nl")
    for screen in (BriefingScreen, DebriefScreen, TeamScreen):
        assert localized(screen, Strings("en")) is screen
        described = [b.description for b in localized(screen, nl).BINDINGS]
        assert "Quit" not in described and "Back" not in described and "Begin" not in described
