"""The shipped library: scenarios and strategies listed for `stormdrill scenarios`.

Listing loads (and so validates) every file: a broken library file should fail
loudly here and in the tests, not when a facilitator picks it mid-session.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scenarios.loader import load_scenario, load_strategy
from scenarios.refs import SCENARIO_DIR, STRATEGY_DIR, library_names


@dataclass(frozen=True)
class LibraryEntry:
    """One library file as a listing shows it (users/locale: None for strategies)."""

    name: str
    title: str
    locale: str | None
    users: int | None
    path: str
    description: str


def library_scenarios() -> list[LibraryEntry]:
    """Every shipped scenario, sorted by name."""
    out = []
    for name in library_names(SCENARIO_DIR):
        sc = load_scenario(name)
        out.append(LibraryEntry(name, sc.title, sc.locale, sc.network.users,
                                str(SCENARIO_DIR / f"{name}.yaml"), sc.description))
    return out


def _first_sentence(text: str) -> str:
    head = text.strip().split(". ")[0].rstrip(".")
    return head or text.strip()


def library_strategies() -> list[LibraryEntry]:
    """Every shipped strategy, sorted by name; the title is its description's first sentence."""
    out = []
    for name in library_names(STRATEGY_DIR):
        st = load_strategy(name)
        out.append(LibraryEntry(name, _first_sentence(st.description) or name, None, None,
                                str(STRATEGY_DIR / f"{name}.yaml"), st.description))
    return out


def library_path(name: str) -> Path:
    """The file of a library scenario (for copying it as a starting point)."""
    return SCENARIO_DIR / f"{name}.yaml"
