"""Footer key descriptions in the drill's language.

Textual reads a screen's keys from its class attribute `BINDINGS`, so a
screen in another language is a subclass whose bindings carry translated
descriptions. A binding's description is looked up as `key.<action>`
(`app.quit` -> `key.quit`); bindings without such a string keep their own.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from textual.binding import Binding

from tui.i18n import Strings

T = TypeVar("T")


def translated(bindings: list[Any], tr: Strings) -> list[Any]:
    """The bindings with `key.<action>` descriptions where `tr` has them."""
    out = []
    for b in bindings:
        if isinstance(b, Binding):
            key = f"key.{b.action.split('.')[-1].split('(')[0]}"
            if tr.has(key):
                b = dataclasses.replace(b, description=tr(key))
        out.append(b)
    return out


def localized(cls: type[T], tr: Strings) -> type[T]:
    """`cls` with footer descriptions in `tr`'s language (itself for English)."""
    if tr.locale == "en":
        return cls
    bindings = translated(list(getattr(cls, "BINDINGS", [])), tr)
    return type(cls.__name__, (cls,), {"BINDINGS": bindings})  # type: ignore[return-value]
