"""One error family: every error a user can cause is a StormdrillError with an exit code,
and the command line catches the family, not a hand-kept list."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

from simulator.errors import EXIT_BAD_INPUT, StormdrillError

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("simulator", "scenarios", "tui")


def _error_classes() -> list[type[BaseException]]:
    found = []
    for package in PACKAGES:
        for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            if info.name.endswith("__main__"):
                continue  # running it is the command line, not a definition
            module = importlib.import_module(info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if (issubclass(cls, BaseException) and cls.__module__ == info.name):
                    found.append(cls)
    return found


def test_every_error_the_code_defines_is_in_the_family() -> None:
    """An exception class defined in the packages is a user-facing error of the family, or
    an internal signal named here with the reason it is not one."""
    internal = {"UnreadableFile": "a reader's reason, turned into its caller's error",
                "WorkerDied": "an executor's internal signal, retried or turned into RunsLost"}
    outside = [c.__name__ for c in _error_classes()
               if not issubclass(c, StormdrillError) and c.__name__ not in internal]
    assert not outside, f"not in the StormdrillError family: {outside}"


def test_the_command_line_catches_the_family_once() -> None:
    tree = ast.parse((ROOT / "tui" / "cli.py").read_text())
    caught = [ast.unparse(h.type) for h in ast.walk(tree)
              if isinstance(h, ast.ExceptHandler) and h.type is not None]
    assert "StormdrillError" in caught
    assert not any(t.startswith("(") and "Error" in t for t in caught), \
        f"a hand-kept tuple of error types: {caught}"


@pytest.mark.parametrize("cls", [c for c in _error_classes() if issubclass(c, StormdrillError)],
                         ids=lambda c: c.__name__)
def test_each_error_has_an_exit_code(cls: type[StormdrillError]) -> None:
    assert cls.exit_code in (EXIT_BAD_INPUT, 1, 130)
