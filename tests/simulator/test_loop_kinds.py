"""The compiled loop's kind tests agree with `simulator.kinds`, compiled and uncompiled."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from simulator import loop as L
from simulator.kinds import NEGATIVE_KINDS, PostKind

KINDS = [int(k) for k in PostKind]


def _both(fn: Callable[[int], bool]) -> list[Callable[[int], bool]]:
    """The kernel as numba compiled it and its plain Python function (when compiled)."""
    return [fn, *([fn.py_func] if hasattr(fn, "py_func") else [])]


@pytest.mark.parametrize("kind", KINDS)
def test_is_negative_is_negative_kinds(kind: int) -> None:
    for is_negative in _both(L.is_negative):
        assert is_negative(kind) == (kind in NEGATIVE_KINDS), PostKind(kind).name


def test_the_loop_reads_the_negative_kinds_from_the_enum() -> None:
    assert set(L.K_NEGATIVE) == NEGATIVE_KINDS
    assert all(type(k) is int for k in L.K_NEGATIVE), "plain ints for the compiler"
