"""Fuzz the command line with mutants of the shipped files (issue 13, item 8).

Run from the repository root (``tests`` is a namespace package there):

    python -m tests.fuzz --minutes 3 --seed 1
    python -m tests.fuzz --cases 200 --seed 1 --keep /tmp/fuzz-keep

Why a separate tool next to the Hypothesis tests: those call
`validate_file` in-process, so they cannot see a hang, a memory blow-up, an
exit code or a traceback printed by the real program. Here every mutant is
given to ``python -m tui.cli`` in a child process with a wall-clock timeout
and an address-space limit, exactly as a user would meet it, and the result
is one of five outcomes:

    clean   exit 2 and no traceback: the promised answer to bad input
    ok      exit 0 (the mutant is still a valid file, and it ran)
    traceback  a "Traceback" in the output, or an exit code other than 0/2
    hang    the wall-clock timeout ran out
    memory  MemoryError, an allocation failure, or killed by SIGKILL

Every case that is not clean or ok is copied to ``--keep`` (mutant, command
lines, output) to be reproduced with the command in its ``case.txt``.

Case ``i`` is a pure function of ``(--seed, i)``: the same seed and case
count give the same mutants and the same table, whatever ``--jobs`` is and
however long each case takes. ``--minutes`` only decides how many cases are
started when ``--cases`` is not given.

This is a developer tool; nothing in simulator/, scenarios/ or tui/ imports it.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUTCOMES = ("clean", "ok", "traceback", "hang", "memory")
BAD = ("traceback", "hang", "memory")
#: at most two children at once: the machine's two cores are shared
MAX_JOBS = 2
#: output kept per step; a traceback is at the end, so the tail is what matters
MAX_OUTPUT = 200_000


# ---------------------------------------------------------------- seeds and commands

@dataclass(frozen=True)
class Seed:
    """One shipped (or built) file that mutants are made from."""

    name: str  # file name, kept for the mutant so messages look as a user's would
    kind: str  # scenario | strategy | experiment | session
    text: str


def _session_seeds() -> list[Seed]:
    """Two sessions as the drill writes them (built with tui.session, so the format
    follows the code): one half-way with actions, an inject and a decision, one finished."""
    from simulator.actions import Action, JournalEntry
    from tui.session import Decision, Session

    mid = Session(scenario="cafe-allergen", seed=3, team="Blue", roles={"lead": "Ann"},
                  clock_h=6.0, created="2026-05-12T12:30:00",
                  journal=[JournalEntry(1.0, Action(kind="acknowledge", tone="empathetic",
                                                    text="We are so sorry.")),
                           JournalEntry(3.0, inject=0, text="The Evening Post asks.")],
                  decisions=[Decision(point=0, option=1, at_h=1.5)],
                  prompt_clock="freeze", auto_pause=["inject"],
                  scenario_fingerprint="0" * 16, version="0.1.0")
    done = Session(scenario="ordinary-complaint", seed=7, team="Red", clock_h=12.0,
                   created="2026-05-12T12:30:00", finished=True,
                   journal=[JournalEntry(2.0, Action(kind="reply", tone="neutral",
                                                     text="Sorry to hear it; DM us.")),
                            JournalEntry(5.0, Action(kind="solution", tone="empathetic",
                                                     text="Refunds for everyone."))],
                   prompt_clock="real", prompt_minutes=5.0)
    return [Seed(f"{n}.json", "session", json.dumps(s.to_dict(), indent=1))
            for n, s in (("mid-drill", mid), ("finished", done))]


def shipped_seeds(kinds: set[str], root: Path = ROOT) -> list[Seed]:
    """The files a user starts from: library, strategies, experiments, and sessions."""
    globs = {"scenario": ["scenarios/library/*.yaml"],
             "strategy": ["scenarios/strategies/*.yaml", "scenarios/strategies/cases/*.yaml"],
             "experiment": ["scenarios/experiments/*.yaml"]}
    seeds: list[Seed] = []
    for kind, patterns in globs.items():
        if kind in kinds:
            for pattern in patterns:
                seeds += [Seed(p.name, kind, p.read_text(encoding="utf-8"))
                          for p in sorted(root.glob(pattern))]
    if "session" in kinds:
        seeds += _session_seeds()
    return seeds


def commands(kind: str, file: str, quick: bool) -> list[list[str]]:
    """The CLI calls a mutant goes through; each later one only if the one before exits 0.

    Runs are cut short (--hours) so a case costs seconds, while still building the
    network and going through injects and strategy actions early in a run.
    """
    cli = [sys.executable, "-m", "tui.cli"]
    if kind == "session":
        return [[*cli, "report", file, "-o", "report.md", "--replicas", "2"]]
    steps = [[*cli, "validate", file]]
    if quick:
        return steps
    if kind == "scenario":
        steps.append([*cli, "run", file, "--hours", "3", "--json"])
    elif kind == "strategy":
        steps.append([*cli, "run", "cafe-allergen", "--strategy", file, "--hours", "4",
                      "--json"])
    return steps


# ---------------------------------------------------------------- mutations

Tree = Any
Path_ = tuple[Any, ...]


def _paths(tree: Tree, prefix: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every (path, node) of a parsed document, the root included."""
    yield prefix, tree
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _paths(v, (*prefix, i))


def _get(tree: Tree, path: Path_) -> Any:
    for p in path:
        tree = tree[p]
    return tree


def _set(tree: Tree, path: Path_, value: Any) -> Tree:
    if not path:
        return value
    _get(tree, path[:-1])[path[-1]] = value
    return tree


def _shown(path: Path_) -> str:
    return ".".join(str(p) for p in path) or "<root>"


def _pick(rng: random.Random, tree: Tree, want: Callable[[Any], bool],
          root: bool = False) -> Path_ | None:
    found = [p for p, node in _paths(tree) if (root or p) and want(node)]
    return rng.choice(found) if found else None


def _leaf(node: Any) -> bool:
    return not isinstance(node, (dict, list))


EXTREMES: list[Any] = [1e308, -1e308, 5e-324, -0.0, 0, -1, 2**31, 2**63, 2**64, -(2**63) - 1,
                       10**30, 10**400, 1.7976931348623157e308, 123456789.123456789]
NON_FINITE: list[float] = [math.nan, math.inf, -math.inf]
RETYPES: list[Any] = [None, True, False, 0, -1, 1.5, "text", "", [], {}, [1, 2], {"a": 1},
                      "2026-13-45T25:61", "yes", "0x1F", "1e3", ["x", None], [[]]]
SPECIAL_PATHS = ["/dev/zero", "/dev/urandom", "/dev/null", "/", ".", "..", "/etc/passwd",
                 "no/such/file.yaml", "x" * 5000, "con:", "a\u0000b", "~/x.yaml"]
ODD_TEXT = ["\u202eevil", "💥" * 1000, "é" * 50, "\ufeff", "x" * 1_000_000, "a\nb: c",
            "{{ not a template }}", "%s%s%n", "\t", "NaN", "-.inf", "null"]
DATES = ["9999-12-31T23:59", "0001-01-01T00:00", "1969-12-31T23:59", "2200-01-01T00:00",
         "2026-02-30T12:00", "2026-05-12T12:30+14:00", 1e10, -1]


def _pick_key(rng: random.Random, tree: Tree) -> tuple[Path_, dict[Any, Any], Any] | None:
    """A key of a non-empty mapping somewhere in the tree: (path to the mapping, it, key)."""
    path = _pick(rng, tree, lambda n: isinstance(n, dict) and bool(n), root=True)
    if path is None:
        return None
    node = _get(tree, path)
    return path, node, rng.choice(list(node))


def t_delete_key(rng: random.Random, tree: Tree) -> tuple[Tree, str]:
    found = _pick_key(rng, tree)
    if found is None:
        return tree, "delete-key (nothing)"
    path, node, key = found
    del node[key]
    return tree, f"delete-key {_shown((*path, key))}"


def t_retype(rng: random.Random, tree: Tree) -> tuple[Tree, str]:
    path = _pick(rng, tree, lambda n: True)
    if path is None:
        return tree, "retype (nothing)"
    old = _get(tree, path)
    new = rng.choice([v for v in RETYPES if type(v) is not type(old)])
    return _set(tree, path, copy.deepcopy(new)), f"retype {_shown(path)} -> {new!r}"


def t_extreme(rng: random.Random, tree: Tree) -> tuple[Tree, str]:
    path = (_pick(rng, tree, lambda n: isinstance(n, (int, float)) and not isinstance(n, bool))
            or _pick(rng, tree, _leaf))
    if path is None:
        return tree, "extreme (nothing)"
    value = rng.choice(EXTREMES)
    shown = f"{value!r}"[:40]
    return _set(tree, path, value), f"extreme {_shown(path)} -> {shown}"


def t_nonfinite(rng: random.Random, tree: Tree) -> tuple[Tree, str]:
    path = (_pick(rng, tree, lambda n: isinstance(n, (int, float)) and not isinstance(n, bool))
            or _pick(rng, tree, _leaf))
    if path is None:
        return tree, "non-finite (nothing)"
    value = rng.choice(NON_FINITE)
    return _set(tree, path, value), f"non-finite {_shown(path)} -> {value!r}"


def t_huge_list(rng: random.Random, tree: Tree) -> tuple[Tree, str]:
    size = rng.choice([1_000, 10_000, 100_000])
    path = _pick(rng, tree, lambda n: isinstance(n, list) and bool(n))
    if path is None or rng.random() < 0.3:
        path = _pick(rng, tree, lambda n: True)
        if path is None:
            return tree, "huge-list (nothing)"
        item: Any = rng.choice([0, 1.5, "x", None])
    else:
        item = rng.choice(_get(tree, path))
    return (_set(tree, path, [copy.deepcopy(item) for _ in range(size)]),
            f"huge-list {_shown(path)} x{size}")


def t_grow_list(rng: random.Random, tree: Tree) -> tuple[Tree, str]:
    """Many copies of one real element (injects, decision points, actions): still
    plausible, so it reaches the run, not just the parser."""
    path = _pick(rng, tree, lambda n: isinstance(n, list) and bool(n))
    if path is None:
        return tree, "grow-list (nothing)"
    items = _get(tree, path)
    times = rng.choice([10, 100, 1000])
    items.extend(copy.deepcopy(rng.choice(items)) for _ in range(times))
    return tree, f"grow-list {_shown(path)} +{times}"


def t_swap(rng: random.Random, tree: Tree) -> tuple[Tree, str]:
    paths = [p for p, _ in _paths(tree) if p]
    if len(paths) < 2:
        return tree, "swap (nothing)"
    a, b = rng.sample(paths, 2)
    if a[:len(b)] == b or b[:len(a)] == a:  # one inside the other: copy instead
        value = copy.deepcopy(_get(tree, b))
        return _set(tree, a, value), f"copy {_shown(b)} -> {_shown(a)}"
    va, vb = _get(tree, a), _get(tree, b)
    _set(tree, a, vb)
    _set(tree, b, va)
    return tree, f"swap {_shown(a)} <-> {_shown(b)}"


def t_rename_key(rng: random.Random, tree: Tree) -> tuple[Tree, str]:
    found = _pick_key(rng, tree)
    if found is None:
        return tree, "rename-key (nothing)"
    path, node, key = found
    new = rng.choice([f"{key}x", str(key)[:-1], str(key).upper(), "", "<<", 1, True, None,
                      f"{key}.{key}", "kind"])
    node[new] = node.pop(key)
    return tree, f"rename-key {_shown((*path, key))} -> {new!r}"


def t_odd_text(rng: random.Random, tree: Tree) -> tuple[Tree, str]:
    path = _pick(rng, tree, lambda n: isinstance(n, str)) or _pick(rng, tree, _leaf)
    if path is None:
        return tree, "odd-text (nothing)"
    value = rng.choice(ODD_TEXT)
    return _set(tree, path, value), f"odd-text {_shown(path)} -> {value[:20]!r}"


def t_special_path(rng: random.Random, tree: Tree) -> tuple[Tree, str]:
    wanted = ("path", "scenario", "scenarios", "strategy", "strategies", "file")
    path = (_pick(rng, tree, lambda n: True) if rng.random() < 0.3 else None)
    keyed = [p for p, _ in _paths(tree) if p and str(p[-1]) in wanted]
    if keyed and path is None:
        path = rng.choice(keyed)
    if path is None:
        path = _pick(rng, tree, _leaf)
    if path is None:
        return tree, "special-path (nothing)"
    value = rng.choice(SPECIAL_PATHS)
    return _set(tree, path, value), f"special-path {_shown(path)} -> {value[:30]!r}"


def t_date(rng: random.Random, tree: Tree) -> tuple[Tree, str]:
    keyed = [p for p, _ in _paths(tree) if p and str(p[-1]) in ("start", "created")]
    path = rng.choice(keyed) if keyed else _pick(rng, tree, _leaf)
    if path is None:
        return tree, "date (nothing)"
    value = rng.choice(DATES)
    return _set(tree, path, value), f"date {_shown(path)} -> {value!r}"


def t_add_key(rng: random.Random, tree: Tree) -> tuple[Tree, str]:
    path = _pick(rng, tree, lambda n: isinstance(n, dict), root=True)
    if path is None:
        return tree, "add-key (nothing)"
    key = rng.choice(["colour", "kind", "network", "injects", "seed_users", "users", "at_h",
                      "path", "extra", "format", "journal", "grid", "replications"])
    value = copy.deepcopy(rng.choice(RETYPES + EXTREMES[:4]))
    _get(tree, path)[key] = value
    return tree, f"add-key {_shown((*path, key))} = {value!r}"


_KEY_LINE = re.compile(r'^(\s*(?:- )?"?[\w.<-]+"?\s*:\s*)(\S.*?)(,?)\s*$')


def _key_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.split("\n")) if _KEY_LINE.match(line)]


def x_duplicate_line(rng: random.Random, text: str) -> tuple[str, str]:
    """A duplicate key (YAML and JSON loaders must not keep the last silently)."""
    lines = text.split("\n")
    keyed = _key_lines(text)
    if not keyed:
        return text, "duplicate-line (nothing)"
    i = rng.choice(keyed)
    lines.insert(i + 1, lines[i])
    return "\n".join(lines), f"duplicate-line {i + 1}"


def x_deep(rng: random.Random, text: str) -> tuple[str, str]:
    depth = rng.choice([100, 1_000, 10_000, 100_000])
    lines = text.split("\n")
    keyed = _key_lines(text)
    if not keyed:
        return text, "deep (nothing)"
    i = rng.choice(keyed)
    opener, closer = rng.choice([("[", "]"), ("{a: ", "}")]) if not text.lstrip().startswith(
        "{") else ("[", "]")
    match = _KEY_LINE.match(lines[i])
    assert match is not None
    lines[i] = f"{match.group(1)}{opener * depth}{closer * depth}{match.group(3)}"
    return "\n".join(lines), f"deep line {i + 1} depth {depth}"


def x_yaml_trick(rng: random.Random, text: str) -> tuple[str, str]:
    tricks = {
        "alias-bomb": "a: &a [x, x, x, x, x, x, x, x, x]\n"
                      + "".join(f"{chr(98 + i)}: &{chr(98 + i)} "
                                f"[*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
                                f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
                                for i in range(9)),
        "python-tag": "boom: !!python/object/apply:os.system ['echo fuzz-pwned']\n",
        "merge": "base: &b {users: 10}\nnetwork:\n  <<: *b\n",
        "multi-doc": "---\nkind: scenario\n---\n",
        "tab": "\tnetwork: {users: 10}\n",
        "set": "seed_users: !!set {1, 2}\n",
        "binary": "name: !!binary aGVsbG8=\n",
        "timestamp": "start: 2026-05-12 12:30:00\n",
    }
    name = rng.choice(sorted(tricks))
    return (text + "\n" + tricks[name] if rng.random() < 0.5 else tricks[name] + text,
            f"yaml-trick {name}")


def b_encoding(rng: random.Random, text: str) -> tuple[bytes, str]:
    choice = rng.choice(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig",
                         "latin-1", "cp1252", "nul", "bad-utf8", "cr"])
    if choice == "nul":
        return text.encode("utf-8").replace(b"\n", b"\n\x00", 1), "encoding nul"
    if choice == "bad-utf8":
        data = text.encode("utf-8")
        at = rng.randrange(len(data) + 1)
        return data[:at] + b"\xc3\x28\xff" + data[at:], "encoding bad-utf8"
    if choice == "cr":
        return text.replace("\n", "\r").encode("utf-8"), "encoding cr"
    if choice in ("latin-1", "cp1252"):
        text += "\n# café, naïve\n"  # same content, but bytes that are not UTF-8
        return text.encode(choice, errors="replace"), f"encoding {choice}"
    return text.encode(choice, errors="replace"), f"encoding {choice}"


def b_flip(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    if not data:
        return data, "flip (nothing)"
    buf = bytearray(data)
    count = rng.randint(1, 8)
    for _ in range(count):
        buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    return bytes(buf), f"flip {count} bits"


def b_truncate(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    at = rng.randrange(len(data) + 1)
    return data[:at], f"truncate at {at}/{len(data)}"


def b_splice(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    if len(data) < 2:
        return data, "splice (nothing)"
    a = rng.randrange(len(data))
    b = min(len(data), a + rng.randint(1, 200))
    at = rng.randrange(len(data))
    return data[:at] + data[a:b] + data[at:], f"splice {b - a} bytes to {at}"


def _schema() -> tuple[dict[str, list[tuple[float | None, float | None]]],
                      dict[str, list[str]]]:
    """Limits and allowed words of every key in the scenario and strategy dataclasses,
    so a mutant can sit exactly on (or just past) a documented limit: the values
    `validate` accepts must all run (issue 13, build item 2)."""
    import dataclasses
    import typing

    from simulator.config import Scenario
    from simulator.strategy import Strategy

    limits: dict[str, set[tuple[float | None, float | None]]] = {}
    words: dict[str, set[str]] = {}
    todo: list[Any] = [Scenario, Strategy]
    seen: set[Any] = set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
            if lo is not None or hi is not None:
                limits.setdefault(f.name, set()).add((lo, hi))
            for t in (hints[f.name], *typing.get_args(hints[f.name])):
                if typing.get_origin(t) is typing.Literal:
                    words.setdefault(f.name, set()).update(map(str, typing.get_args(t)))
                todo += [a for a in (t, *typing.get_args(t)) if dataclasses.is_dataclass(a)]
    return ({k: sorted(v, key=str) for k, v in limits.items()},
            {k: sorted(v) for k, v in words.items()})


LIMITS, WORDS = _schema()


def t_limit(rng: random.Random, tree: Tree) -> tuple[Tree, str]:
    keyed = [p for p, node in _paths(tree) if p and str(p[-1]) in LIMITS and _leaf(node)]
    if not keyed:
        return tree, "limit (nothing)"
    path = rng.choice(keyed)
    lo, hi = rng.choice(LIMITS[str(path[-1])])
    old = _get(tree, path)
    whole = isinstance(old, int) and not isinstance(old, bool)
    options: list[Any] = [v for v in (lo, hi) if v is not None]
    if hi is not None:
        options += [hi * 0.999, hi * 1.001 + 1] if not whole else [hi - 1, hi + 1]
    if lo is not None:
        options += [lo + 1e-9, lo - 1e-9] if not whole else [lo + 1, lo - 1]
    value = rng.choice(options)
    value = int(value) if whole and float(value).is_integer() else value
    return _set(tree, path, value), f"limit {_shown(path)} -> {value!r}"


def t_word(rng: random.Random, tree: Tree) -> tuple[Tree, str]:
    keyed = [p for p, node in _paths(tree) if p and str(p[-1]) in WORDS and _leaf(node)]
    if not keyed:
        return tree, "word (nothing)"
    path = rng.choice(keyed)
    value = rng.choice(WORDS[str(path[-1])])
    return _set(tree, path, value), f"word {_shown(path)} -> {value!r}"


TREE_OPS: dict[str, Callable[[random.Random, Tree], tuple[Tree, str]]] = {
    "limit": t_limit, "word": t_word,
    "delete-key": t_delete_key, "retype": t_retype, "extreme": t_extreme,
    "non-finite": t_nonfinite, "huge-list": t_huge_list, "grow-list": t_grow_list,
    "swap": t_swap, "rename-key": t_rename_key, "odd-text": t_odd_text,
    "special-path": t_special_path, "date": t_date, "add-key": t_add_key}
TEXT_OPS: dict[str, Callable[[random.Random, str], tuple[str, str]]] = {
    "duplicate-line": x_duplicate_line, "deep": x_deep, "yaml-trick": x_yaml_trick}
BYTE_OPS: dict[str, Callable[[random.Random, bytes], tuple[bytes, str]]] = {
    "flip": b_flip, "truncate": b_truncate, "splice": b_splice}
#: how often each family is drawn: the structure mutations reach past the parser
WEIGHTS = {**dict.fromkeys(TREE_OPS, 3), **dict.fromkeys(TEXT_OPS, 1), "encoding": 1,
           **dict.fromkeys(BYTE_OPS, 1)}


#: a kind is drawn before a file, so the 15 strategies do not crowd out the 2
#: experiments; scenarios reach the most code (validate, then a run)
KIND_WEIGHTS = {"scenario": 4, "strategy": 2, "experiment": 2, "session": 2}


def _parse(seed: Seed) -> Tree:
    return (json.loads(seed.text) if seed.kind == "session"
            else yaml.load(seed.text, Loader=_SAFE_LOADER))


_SAFE_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: lists longer than this are written by hand in flow style: emitting 100,000
#: nodes through PyYAML takes seconds per case, a join takes milliseconds
_LONG = 500


def _flow(item: Any) -> str:
    text: str = yaml.dump(item, Dumper=_SAFE_DUMPER, default_flow_style=True,
                          width=1 << 30, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _dump(tree: Tree, kind: str) -> str:
    if kind == "session":
        return json.dumps(tree, indent=1, default=str)
    long: dict[str, list[Any]] = {}

    def swap_long(node: Any) -> Any:
        if isinstance(node, list) and len(node) > _LONG:
            key = f"FUZZ-LONG-{len(long)}"
            long[key] = node
            return key
        if isinstance(node, dict):
            return {k: swap_long(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap_long(v) for v in node]
        return node

    text: str = yaml.dump(swap_long(tree), Dumper=_SAFE_DUMPER, sort_keys=False,
                          allow_unicode=True, width=100)
    for key, items in long.items():
        cache: dict[str, str] = {}
        rendered = []
        for item in items:
            shown = repr(item)
            if shown not in cache:
                cache[shown] = _flow(item)
            rendered.append(cache[shown])
        text = text.replace(key, "[" + ", ".join(rendered) + "]", 1)
    return text


@dataclass
class Case:
    """One mutant and what happened to it."""

    index: int
    seed: Seed
    data: bytes
    mutations: list[str]
    steps: list[dict[str, Any]] = field(default_factory=list)
    outcome: str = ""
    signature: str = ""


def make_case(run_seed: int, index: int, seeds: list[Seed]) -> Case:
    """Case `index` of a run: the same (seed, index) always gives the same mutant."""
    rng = random.Random(f"stormdrill-fuzz:{run_seed}:{index}")
    kinds = sorted({s.kind for s in seeds})
    kind = rng.choices(kinds, weights=[KIND_WEIGHTS.get(k, 1) for k in kinds])[0]
    seed = rng.choice([s for s in seeds if s.kind == kind])
    names = list(WEIGHTS)
    count = rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
    chosen = rng.choices(names, weights=[WEIGHTS[n] for n in names], k=count)
    if seed.kind == "session":
        chosen = [n for n in chosen if n != "yaml-trick"] or ["retype"]
    done: list[str] = []
    text = seed.text
    tree_ops = [n for n in chosen if n in TREE_OPS]
    if tree_ops:
        tree = _parse(seed)
        for name in tree_ops:
            tree, what = TREE_OPS[name](rng, tree)
            done.append(what)
        text = _dump(tree, seed.kind)
    for name in (n for n in chosen if n in TEXT_OPS):
        text, what = TEXT_OPS[name](rng, text)
        done.append(what)
    if "encoding" in chosen:
        data, what = b_encoding(rng, text)
        done.append(what)
    else:
        data = text.encode("utf-8")
    for name in (n for n in chosen if n in BYTE_OPS):
        data, what = BYTE_OPS[name](rng, data)
        done.append(what)
    return Case(index, seed, data, done)


# ---------------------------------------------------------------- running and judging

MEMORY_MARKS = ("MemoryError", "std::bad_alloc", "Cannot allocate memory",
                "LLVM ERROR: out of memory", "failed to allocate", "Unable to allocate")
_FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+), in (\S+)', re.M)
_EXC = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Iteration)"
                  r"\b.*)$", re.M)


def _signature(output: str, root: Path = ROOT) -> str:
    """Exception type and innermost project frame: what groups cases with one cause."""
    tb = output[output.rfind("Traceback (most recent call last)"):]
    frames = [(f, line, fn) for f, line, fn in _FRAME.findall(tb)
              if f.startswith(str(root)) and "/tests/" not in f]
    where = ""
    if frames:
        f, line, fn = frames[-1]
        where = f" at {Path(f).relative_to(root)}:{line} {fn}"
    errors = _EXC.findall(tb)
    what = errors[-1].split(":")[0] if errors else "?"
    return f"{what}{where}"


def judge(step: dict[str, Any], root: Path = ROOT) -> tuple[str, str]:
    """The outcome of one CLI call and, when not clean, a short signature."""
    out, rc = step["output"], step["returncode"]
    if step["timed_out"]:
        return "hang", f"timeout after {step['seconds']:.0f} s"
    if any(mark in out for mark in MEMORY_MARKS) or rc == -signal.SIGKILL:
        return "memory", _signature(out, root) if "Traceback" in out else f"exit {rc}"
    if "Traceback (most recent call last)" in out:
        return "traceback", _signature(out, root)
    if rc == 0:
        return "ok", ""
    if rc == 2:
        return "clean", ""
    name = f" ({signal.Signals(-rc).name})" if rc < 0 and -rc in signal.valid_signals() else ""
    return "traceback", f"exit {rc}{name}"


def _limits(memory_bytes: int) -> Callable[[], None]:
    """Runs in the child before exec: cap its address space and be nice to others.

    Only resource calls, nothing that takes a lock, so it is safe after fork;
    the runner has no threads anyway (it polls its children from one thread).
    """
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.nice(10)
    return apply


@dataclass
class _Slot:
    case: Case
    workdir: Path
    step: int
    proc: subprocess.Popen[bytes]
    log: Path
    started: float


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(root) + (os.pathsep + env["PYTHONPATH"]
                                     if env.get("PYTHONPATH") else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONFAULTHANDLER"] = "1"
    env.pop("STORMDRILL_NO_JIT", None)
    return env


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """End our child and whatever it started (its own session, made at spawn)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


class Runner:
    """Feeds cases to the CLI, at most `jobs` children at a time, from one thread."""

    def __init__(self, jobs: int, timeout: float, memory_mb: int, quick: bool,
                 scratch: Path, root: Path = ROOT) -> None:
        self.jobs, self.timeout, self.quick = jobs, timeout, quick
        self.memory = memory_mb * 1024 * 1024
        self.scratch = scratch
        self.root = root
        self.env = _env(root)

    def _start(self, case: Case, workdir: Path, step: int) -> _Slot:
        cmd = commands(case.seed.kind, case.seed.name, self.quick)[step]
        log = workdir / f"step{step}.log"
        with open(log, "wb") as fh:
            proc = subprocess.Popen(cmd, cwd=workdir, env=self.env, stdin=subprocess.DEVNULL,
                                    stdout=fh, stderr=subprocess.STDOUT,
                                    preexec_fn=_limits(self.memory), start_new_session=True)
        return _Slot(case, workdir, step, proc, log, time.monotonic())

    def _finish(self, slot: _Slot, timed_out: bool) -> bool:
        """Record a finished step; True when the case has another step to run."""
        raw = slot.log.read_bytes()
        output = raw[-MAX_OUTPUT:].decode("utf-8", errors="replace")
        cmd = commands(slot.case.seed.kind, slot.case.seed.name, self.quick)[slot.step]
        step = {"command": cmd[1:], "returncode": slot.proc.returncode,
                "timed_out": timed_out, "seconds": time.monotonic() - slot.started,
                "output": output}
        outcome, signature = judge(step, self.root)
        step["outcome"] = outcome
        slot.case.steps.append(step)
        slot.case.outcome, slot.case.signature = outcome, signature
        steps = commands(slot.case.seed.kind, slot.case.seed.name, self.quick)
        return outcome == "ok" and slot.step + 1 < len(steps)

    def run(self, cases: Iterator[Case], on_done: Callable[[Case, Path], None]) -> None:
        running: list[_Slot] = []
        try:
            self._loop(cases, on_done, running)
        finally:  # interrupted or failed: leave no child behind
            for slot in running:
                _kill(slot.proc)

    def _loop(self, cases: Iterator[Case], on_done: Callable[[Case, Path], None],
              running: list[_Slot]) -> None:
        pending = iter(cases)
        exhausted = False
        while running or not exhausted:
            while not exhausted and len(running) < self.jobs:
                case = next(pending, None)
                if case is None:
                    exhausted = True
                    break
                workdir = self.scratch / f"case-{case.index:05d}"
                workdir.mkdir(parents=True)
                (workdir / case.seed.name).write_bytes(case.data)
                running.append(self._start(case, workdir, 0))
            time.sleep(0.05)
            for slot in list(running):
                timed_out = False
                if slot.proc.poll() is None:
                    if time.monotonic() - slot.started < self.timeout:
                        continue
                    _kill(slot.proc)
                    timed_out = True
                else:
                    _kill(slot.proc)  # a grandchild left behind in its session, if any
                running.remove(slot)
                if self._finish(slot, timed_out):
                    running.append(self._start(slot.case, slot.workdir, slot.step + 1))
                else:
                    on_done(slot.case, slot.workdir)


# ---------------------------------------------------------------- the report

def keep_case(case: Case, workdir: Path, keep: Path, root: Path = ROOT) -> Path:
    """Copy a non-clean case where a developer can reproduce it: the mutant, and a
    case.txt with the mutations, each command (run from that folder) and its output."""
    dest = keep / f"case-{case.index:05d}-{case.outcome}"
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    (dest / case.seed.name).write_bytes(case.data)
    lines = [f"case {case.index}: {case.outcome}  {case.signature}",
             f"from {case.seed.kind} {case.seed.name}; mutations: {'; '.join(case.mutations)}",
             f"reproduce (from this folder): PYTHONPATH={root} python -m tui.cli ...", ""]
    for step in case.steps:
        lines += [f"$ python {' '.join(step['command'])}",
                  f"# exit {step['returncode']}, {step['seconds']:.1f} s, "
                  f"{step['outcome']}{' (timed out)' if step['timed_out'] else ''}",
                  step["output"][-20_000:], ""]
    (dest / "case.txt").write_text("\n".join(lines), encoding="utf-8")
    return dest


def report(cases: list[Case], header: str) -> str:
    """Counts by outcome, by target file, and the distinct causes of non-clean cases."""
    by_outcome = Counter(c.outcome for c in cases)
    lines = [header, "", f"{'outcome':<10}{'cases':>7}"]
    lines += [f"{o:<10}{by_outcome.get(o, 0):>7}" for o in OUTCOMES]
    lines += [f"{'total':<10}{len(cases):>7}", ""]
    names = sorted({(c.seed.kind, c.seed.name) for c in cases})
    width = max([len(n) for _, n in names] + [6]) + 2
    lines.append(f"{'target':<{width}}{'kind':<11}" + "".join(f"{o:>10}" for o in OUTCOMES))
    for kind, name in names:
        counts = Counter(c.outcome for c in cases
                         if (c.seed.kind, c.seed.name) == (kind, name))
        lines.append(f"{name:<{width}}{kind:<11}"
                     + "".join(f"{counts.get(o, 0):>10}" for o in OUTCOMES))
    bad = [c for c in cases if c.outcome in BAD]
    if bad:
        lines += ["", "not clean, by cause (count, outcome, signature, cases):"]
        groups: dict[tuple[str, str], list[int]] = {}
        for c in bad:
            groups.setdefault((c.outcome, c.signature), []).append(c.index)
        for (outcome, sig), idx in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])):
            shown = ", ".join(str(i) for i in idx[:6]) + (" ..." if len(idx) > 6 else "")
            lines.append(f"  {len(idx):>4}  {outcome:<9} {sig}  [{shown}]")
    return "\n".join(lines)


def warm_up(root: Path, memory_mb: int) -> None:
    """One unmutated run before the cases, not counted: it fills numba's cache for this
    tree, so the first cases do not pay the compilation (a minute on a busy machine)
    and time out as false hangs."""
    cmd = [sys.executable, "-m", "tui.cli", "run", "cafe-allergen", "--hours", "1", "--json"]
    with tempfile.TemporaryDirectory(prefix="stormdrill-fuzz-warm-") as tmp:
        try:
            subprocess.run(cmd, cwd=tmp, env=_env(root), stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=600,
                           preexec_fn=_limits(memory_mb * 1024 * 1024))
        except subprocess.TimeoutExpired:
            print("fuzz: the warm-up run took over 10 minutes; the first cases may time out",
                  file=sys.stderr)


def fuzz(seed: int, cases: int | None, minutes: float | None, keep: Path, jobs: int = MAX_JOBS,
         timeout: float = 30.0, memory_mb: int = 2048, kinds: set[str] | None = None,
         quick: bool = False, progress: bool = True, root: Path = ROOT,
         only: set[int] | None = None) -> list[Case]:
    """Run the fuzzer and return its cases in index order (the API the smoke test uses).

    `only` runs just those case indices (to re-check kept cases after a fix).
    """
    seeds = shipped_seeds(kinds or {"scenario", "strategy", "experiment", "session"}, root)
    if not seeds:
        raise SystemExit("fuzz: no seed files found")
    warm_up(root, memory_mb)
    deadline = None if minutes is None else time.monotonic() + 60 * minutes
    done: list[Case] = []
    scratch = Path(tempfile.mkdtemp(prefix="stormdrill-fuzz-run-"))

    def generate() -> Iterator[Case]:
        index = 0
        while cases is None or index < cases:
            if only is not None and index > max(only, default=-1):
                return
            if deadline is not None and time.monotonic() >= deadline:
                return
            if only is None or index in only:
                yield make_case(seed, index, seeds)
            index += 1

    def on_done(case: Case, workdir: Path) -> None:
        done.append(case)
        if case.outcome in BAD:
            keep_case(case, workdir, keep, root)
        shutil.rmtree(workdir, ignore_errors=True)
        if progress and sys.stderr.isatty():
            bad = sum(c.outcome in BAD for c in done)
            print(f"\r{len(done)} cases, {bad} not clean", end="", file=sys.stderr, flush=True)

    try:
        Runner(min(jobs, MAX_JOBS), timeout, memory_mb, quick, scratch, root).run(
            generate(), on_done)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if progress and sys.stderr.isatty():
            print(file=sys.stderr)
    return sorted(done, key=lambda c: c.index)


def main(argv: list[str] | None = None) -> int:
    """`python -m tests.fuzz`: exit 1 when any case was not clean (usable in CI)."""
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop starting cases after this long (default 2 without --cases)")
    parser.add_argument("--seed", type=int, default=1, help="run seed (default 1)")
    parser.add_argument("--cases", type=int, default=None,
                        help="number of cases (cases 0..K-1; default: as many as fit)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="folder for the non-clean cases (default: a new temporary one)")
    parser.add_argument("--jobs", type=int, default=MAX_JOBS, choices=range(1, MAX_JOBS + 1),
                        help=f"children at once (1 or {MAX_JOBS}; default {MAX_JOBS})")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="wall-clock seconds per CLI call before it counts as a hang")
    parser.add_argument("--memory-mb", type=int, default=2048,
                        help="address-space limit of each CLI call (default 2048 MiB)")
    parser.add_argument("--kinds", default="scenario,strategy,experiment,session",
                        help="which seed files to mutate (comma-separated)")
    parser.add_argument("--quick", action="store_true",
                        help="validate only: no `run` after a mutant validates")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the stormdrill tree to test (default: this repository); e.g. a "
                        "`git archive` snapshot, so edits in progress do not show up as "
                        "import errors, and before/after runs compare like with like")
    parser.add_argument("--only", default=None, metavar="I,J,...",
                        help="run only these case numbers (of this --seed): re-check kept "
                        "cases after a fix")
    parser.add_argument("--json", type=Path, default=None,
                        help="also write every case's outcome to this JSON file")
    args = parser.parse_args(argv)
    minutes = args.minutes if args.minutes is not None or args.cases or args.only else 2.0
    keep = args.keep or Path(tempfile.mkdtemp(prefix="stormdrill-fuzz-keep-"))
    keep.mkdir(parents=True, exist_ok=True)
    kinds = {k.strip() for k in args.kinds.split(",") if k.strip()}
    started = time.monotonic()
    done = fuzz(args.seed, args.cases, minutes, keep, args.jobs, args.timeout, args.memory_mb,
                kinds, args.quick, root=args.root.resolve(),
                only=None if args.only is None else {int(i) for i in args.only.split(",")})
    header = (f"stormdrill fuzz: seed {args.seed}, {len(done)} cases"
              f"{'' if args.cases is None else f' of {args.cases}'} in "
              f"{(time.monotonic() - started) / 60:.1f} min (jobs {args.jobs}, timeout "
              f"{args.timeout:g} s, memory {args.memory_mb} MiB, root {args.root}"
              f"{', validate only' if args.quick else ''})")
    print(report(done, header))
    bad = sum(c.outcome in BAD for c in done)
    print(f"\nnon-clean cases kept in: {keep}" if bad else f"\n(nothing kept; {keep} is empty)")
    if args.json:
        args.json.write_text(json.dumps(
            [{"case": c.index, "target": c.seed.name, "kind": c.seed.kind,
              "outcome": c.outcome, "signature": c.signature, "mutations": c.mutations}
             for c in done], indent=1), encoding="utf-8")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
