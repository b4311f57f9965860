"""Shared helpers for tests of file errors (FileError and its problems)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scenarios import FileError, Problem


def file_error(load: Callable[[str], object], path: Path | str) -> FileError:
    """The FileError that loading `path` raises (the test fails if none)."""
    with pytest.raises(FileError) as info:
        load(str(path))
    return info.value


def find_problem(err: FileError, key: str) -> Problem:
    """The first problem reported for `key`."""
    matches = [p for p in err.problems if p.key == key]
    assert matches, f"no problem for {key!r} in:\n{err}"
    return matches[0]
