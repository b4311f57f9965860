"""The languages a scenario can be played in, registered once.

A scenario's `locale` picks the feed's templates, the personas' names (Faker), the
interface strings, weekday names and how numbers are written. Adding a language
means an entry here, a template file in `scenarios/templates/`, a string table in
`tui/i18n.py`, and its code in `LocaleCode` (a test checks that the four agree).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

#: the codes a scenario file may name (a Literal, so the schema can list and check them)
LocaleCode = Literal["en", "nl"]
DEFAULT_LOCALE = "en"


@dataclass(frozen=True)
class Locale:
    """How one language names things and writes numbers."""

    code: str
    name: str  # the language's own name
    faker: str  # the Faker locale the personas' names come from
    decimal_comma: bool  # 1.234,5 (a Dutch room reads "1,840" as one point eight four)
    weekdays: tuple[str, ...]  # Monday first, short
    hour_one: str  # "an hour"
    hours: str  # "{n} hours"


LOCALES: dict[str, Locale] = {
    "en": Locale("en", "English", "en_US", False,
                 ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), "an hour", "{n} hours"),
    "nl": Locale("nl", "Nederlands", "nl_NL", True,
                 ("ma", "di", "wo", "do", "vr", "za", "zo"), "een uur", "{n} uur"),
}
assert tuple(LOCALES) == get_args(LocaleCode), "LocaleCode and LOCALES list the same codes"

_SWAP_SEPARATORS = str.maketrans(".,", ",.")


def locale(code: str | None) -> Locale:
    """The registered locale `code`, or the default for an unknown or missing one."""
    return LOCALES.get(code or DEFAULT_LOCALE, LOCALES[DEFAULT_LOCALE])


def write_number(value: float, spec: str, code: str | None) -> str:
    """`format(value, spec)` as the language writes it: 1,234.5 in English, 1.234,5 in Dutch."""
    text = format(value, spec)
    return text.translate(_SWAP_SEPARATORS) if locale(code).decimal_comma else text


def hours_text(hours: int, code: str | None) -> str:
    """'an hour' / '5 hours' ('een uur' / '5 uur')."""
    loc = locale(code)
    return loc.hour_one if hours == 1 else loc.hours.format(n=hours)
