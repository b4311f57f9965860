"""Whatever is in a file, validate_file answers with a kind or a FileError, never a crash."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios import FileError, validate_file
from simulator.config import Inject, Scenario
from simulator.strategy import Strategy

WORK = Path(tempfile.mkdtemp(prefix="stormdrill-fuzz-"))
LIBRARY = Path(__file__).resolve().parents[2] / "scenarios" / "library"
SAMPLE = (LIBRARY / "supermarket-video.yaml").read_text()


def _all_keys() -> list[str]:
    keys = {"kind", "colour", "<<"}
    todo: list[type] = [Scenario, Strategy, Inject]
    while todo:
        cls = todo.pop()
        for f in dataclasses.fields(cls):
            keys.add(f.name)
            default = getattr(cls(), f.name)
            if dataclasses.is_dataclass(default):
                todo.append(type(default))
    return sorted(keys)


KEYS = st.sampled_from(_all_keys())
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats()
           | st.text(max_size=20) | st.sampled_from(["file", "video", "24/7", "mon 25:00-1"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(KEYS, inner, max_size=4), max_leaves=12)
DOCS = st.dictionaries(KEYS, VALUES, max_size=8)
FAST = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def _check(data: bytes) -> None:
    path = WORK / "fuzz.yaml"
    path.write_bytes(data)
    try:
        assert validate_file(str(path)) in ("scenario", "strategy")
    except FileError as err:
        assert err.problems and str(err)
        assert all(p.path == str(path) for p in err.problems)


@FAST
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    _check(data)


@FAST
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    _check(text.encode("utf-8", "surrogatepass"))


@pytest.mark.slow  # property-based: many generated files
@settings(FAST, max_examples=60)
@given(DOCS)
def test_yaml_shaped_documents(doc: dict) -> None:
    _check(yaml.safe_dump(doc, allow_unicode=True).encode("utf-8", "surrogatepass"))


@pytest.mark.slow  # property-based: many generated files
@FAST
@given(st.integers(0, len(SAMPLE)), st.integers(0, 20), st.text(max_size=12))
def test_library_file_with_a_splice(at: int, cut: int, insert: str) -> None:
    text = SAMPLE[:at] + insert + SAMPLE[at + cut:]
    _check(text.encode("utf-8", "surrogatepass"))


def test_deep_nesting_and_recursive_aliases() -> None:
    _check(b"name: " + b"[" * 600 + b"]" * 600 + b"\n")
    _check(b"network: &a\n  users: *a\ninjects: &b [*b]\n")
