"""Where files live: turning a library name or a path into a file to read.

Commands take either a library name (`supermarket-video`) or a path, so users
can start from a shipped file and later point at their own copy. A reference
that matches neither gets the closest library names as suggestions.

`resolve` is the one place that decides what such a reference means, for a
command-line argument (paths relative to the working directory) and for a
reference written inside a file, such as an experiment's `scenarios` and
`strategies` (paths relative to that file's folder, errors at its key and
line; pass a `Site`). The rule is the same in both: a path that is there wins
over a library name, and a reference that looks like a path (`.yaml`, a
slash, a leading dot) is never looked up in the library.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scenarios.errors import FileError, Problem, did_you_mean

HERE = Path(__file__).resolve().parent
SCENARIO_DIR = HERE / "library"
STRATEGY_DIR = HERE / "strategies"
EXPERIMENT_DIR = HERE / "experiments"
DEFAULT_SCENARIO = "supermarket-video"
SUFFIXES = (".yaml", ".yml")


def library_names(folder: Path) -> list[str]:
    """Names (file stems) of the YAML files in a library folder, sorted.

    An experiment checks every entry of its lists against the library, so a file
    with 100,000 entries listed the folder 100,000 times (minutes, found by
    tests/fuzz.py); the listing is kept until the folder changes (its mtime moves
    whenever a file is added, removed or renamed in it). As in git's "racy"
    check, a folder changed in the last two seconds is listed again every time:
    timestamps are coarse, so a change just after a listing may keep its mtime.
    """
    try:
        stamp = folder.stat().st_mtime_ns
    except OSError:
        stamp = -1
    cached = _NAMES.get(folder)
    racy = time.time_ns() - stamp < 2_000_000_000
    if cached is None or cached[0] != stamp or racy:
        cached = _NAMES[folder] = (stamp, tuple(sorted(p.stem for p in folder.glob("*.yaml"))))
    return list(cached[1])


_NAMES: dict[Path, tuple[int, tuple[str, ...]]] = {}


def _looks_like_path(ref: str) -> bool:
    return ref.endswith(SUFFIXES) or "/" in ref or "\\" in ref or ref.startswith(".")


@dataclass(frozen=True)
class Site:
    """Where a reference is written: a file's key and line, and the folder its paths are
    relative to (`relative_to` says what that folder is, for the message)."""

    file: str
    key: str
    line: int | None
    base: Path
    relative_to: str = "the file"
    #: per kind of library entry: what to do with one given in the wrong place
    #: (default: "pass it where a <kind> is expected")
    elsewhere: Mapping[str, str] = field(default_factory=dict)
    #: extra hints for particular references (e.g. a keyword that belongs elsewhere)
    hints: Mapping[str, str] = field(default_factory=dict)


def local_path(ref: str, base: Path | None = None) -> Path:
    """The path `ref` names: `~` expanded, relative to `base` (the working directory when None)."""
    path = Path(ref).expanduser()
    if base is None or path.is_absolute():
        return path
    return Path(os.path.normpath(base / path))


def is_path(ref: str, base: Path | None = None) -> bool:
    """Whether `ref` names a file rather than a library entry (a file that is there wins)."""
    return _looks_like_path(ref) or local_path(ref, base).is_file()


def pinned(ref: str) -> str:
    """`ref` as kept for later (a session or a room outlives the working directory): a path
    that is there becomes absolute, anything else (a library name) stays as written."""
    path = local_path(ref)
    return str(path.resolve()) if ref and path.exists() else ref


def resolve(ref: str, folders: tuple[Path, ...], what: str, site: Site | None = None, *,
            also: Sequence[str] = ()) -> tuple[Path, str]:
    """(file, name to show in messages) for a library name or a path.

    Without `site` (a command-line argument) a path that exists wins over a
    library name, and a directory or a device is returned too so the reader
    can say what it is. With `site` (a reference inside a file) paths are
    relative to `site.base` and only a regular file is returned. `also`: names
    the reference may take besides the library's (suggested in the hint).
    Otherwise raises FileError: where (the argument, or the site's file, key
    and line), what was expected, and a suggestion.
    """
    path = local_path(ref, site.base if site else None)
    if ref and (path.is_file() if site else path.exists()):
        return path, str(path) if site else ref
    if ref and not _looks_like_path(ref):
        for folder in folders:
            candidate = folder / f"{ref}.yaml"
            if candidate.is_file():
                return candidate, str(candidate)
    raise FileError([_problem(ref, path, folders, what, site, also)])


def _problem(ref: str, path: Path, folders: tuple[Path, ...], what: str, site: Site | None,
             also: Sequence[str]) -> Problem:
    """What is wrong with a reference that names nothing, and the closest names."""
    names = [n for folder in folders for n in library_names(folder)] + list(also)
    looks = _looks_like_path(ref)
    stem = Path(ref).stem if looks else ref
    hint = did_you_mean(stem, names)
    listing = ("run `stormdrill scenarios` to list the library"
               if SCENARIO_DIR in folders and site is None else "library: " + ", ".join(names))
    hint = f"{hint} ({listing})" if hint else listing
    for folder, label in ((SCENARIO_DIR, "scenario"), (STRATEGY_DIR, "strategy")):
        if folder not in folders and stem in library_names(folder):
            todo = (site.elsewhere if site else {}).get(
                label, f"pass it where a {label} is expected")
            hint = f"'{stem}' is a library {label}; {todo}"
    if site is not None and ref in site.hints:
        hint = site.hints[ref]
    if site is None:
        if looks:
            message = f"file not found; expected a path to a {what} .yaml file or a library name"
        else:
            message = f"no file and no library {what} with this name; expected a path or a name"
        return Problem(ref or "''", None, "", message, hint)
    if looks:
        found = "is a directory" if path.is_dir() else "file not found"
        message = (f"{found}: {path}; expected a path to a {what} .yaml file (relative to "
                   f"{site.relative_to}) or a library name")
    else:
        message = (f"'{ref}' is not a library {what}; expected a library name or a path to "
                   "a .yaml file")
    return Problem(site.file, site.line, site.key, message, hint)
