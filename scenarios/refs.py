"""Where files live: turning a library name or a path into a file to read.

Commands take either a library name (`supermarket-video`) or a path, so users
can start from a shipped file and later point at their own copy. A reference
that matches neither gets the closest library names as suggestions.
"""

from __future__ import annotations

import time
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


def resolve(ref: str, folders: tuple[Path, ...], what: str) -> tuple[Path, str]:
    """(file, name to show in messages) for a library name or a path.

    A path that exists wins over a library name; a directory is returned too
    so the reader can say it is a directory. Otherwise raises FileError.
    """
    path = Path(ref).expanduser()
    if ref and path.exists():
        return path, ref
    if ref and not _looks_like_path(ref):
        for folder in folders:
            candidate = folder / f"{ref}.yaml"
            if candidate.is_file():
                return candidate, str(candidate)
    names = [n for folder in folders for n in library_names(folder)]
    stem = Path(ref).stem if _looks_like_path(ref) else ref
    hint = did_you_mean(stem, names)
    listing = ("run `stormdrill scenarios` to list the library" if SCENARIO_DIR in folders
               else "library: " + ", ".join(names))
    hint = f"{hint} ({listing})" if hint else listing
    for folder, label in ((SCENARIO_DIR, "scenario"), (STRATEGY_DIR, "strategy")):
        if folder not in folders and stem in library_names(folder):
            hint = f"'{stem}' is a library {label}; pass it where a {label} is expected"
    if _looks_like_path(ref):
        message = f"file not found; expected a path to a {what} .yaml file or a library name"
    else:
        message = f"no file and no library {what} with this name; expected a path or a name"
    raise FileError([Problem(ref or "''", None, "", message, hint)])
