"""Loading scenarios and strategies: read, detect the kind, validate, build.

The public functions all end the same way: every problem found anywhere in
the file (duplicate keys, per-field checks, cross-field checks) is raised at
once as a `FileError`, or a fully built, frozen dataclass is returned.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import yaml

from scenarios.checks import check_scenario, check_strategy
from scenarios.errors import FileError, Problem, did_you_mean
from scenarios.refs import SCENARIO_DIR, STRATEGY_DIR, resolve
from scenarios.scenario_file import ScenarioFile
from scenarios.schema import Walker
from scenarios.source import load_tree
from simulator.strategy import Strategy

KINDS = ("scenario", "strategy", "experiment")
_SCENARIO_KEYS = {f.name for f in dataclasses.fields(ScenarioFile)}
_STRATEGY_KEYS = {f.name for f in dataclasses.fields(Strategy)}
# an experiment file is recognised by these top-level keys (see scenarios.experiment)
EXPERIMENT_KEYS = frozenset({"scenarios", "strategies"})


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


_EXPERIMENT_ONLY = frozenset({"replications", "grid", "baseline", "sensitivity"})


def looks_like_experiment(root: yaml.MappingNode) -> bool:
    """Whether a mapping has the keys of an experiment file.

    Both `scenarios` and `strategies`; or, so that a typo in one of them still
    gets experiment messages, one of them with another experiment-only key.
    """
    keys = {k.value for k, _ in root.value if isinstance(k, yaml.ScalarNode)}
    return keys >= EXPERIMENT_KEYS or bool(keys & EXPERIMENT_KEYS and keys & _EXPERIMENT_ONLY)


def _split_kind(root: yaml.MappingNode, shown: str,
                problems: list[Problem]) -> tuple[str | None, yaml.MappingNode]:
    """The declared `kind` (None if absent or unreadable) and the mapping without it."""
    kind: str | None = None
    rest = []
    for key, value in root.value:
        if not (isinstance(key, yaml.ScalarNode) and key.value == "kind"):
            rest.append((key, value))
            continue
        text = value.value if isinstance(value, yaml.ScalarNode) else ""
        if text in KINDS:
            kind = text
        else:
            hint = did_you_mean(text, KINDS) if text else ""
            problems.append(Problem(shown, value.start_mark.line + 1, "kind",
                                    f"'{text}' is not a file kind; expected 'scenario' or "
                                    "'strategy' or 'experiment' (or no kind key)", hint))
    return kind, yaml.MappingNode(root.tag, rest, root.start_mark, root.end_mark)


def detect_kind(root: yaml.MappingNode) -> str:
    """'strategy' if the keys are strategy keys, else 'scenario'.

    Typos should not flip the kind: keys that only strategies have, with no key
    that only scenarios have, also make a strategy, so a misspelt strategy key
    gets a strategy did-you-mean rather than a list of scenario sections.
    """
    keys = {k.value for k, _ in root.value if isinstance(k, yaml.ScalarNode)}
    if keys <= _STRATEGY_KEYS or _only_keys_of(root) == "strategy":
        return "strategy"
    return "scenario"


def _absolute_network_path(sc: ScenarioFile, base: Path, walker: Walker) -> ScenarioFile:
    """Resolve a relative `network.path` against the scenario file's folder."""
    if sc.network.path is None or "network.path" in walker.bad:
        return sc
    path = os.path.expanduser(sc.network.path)
    if not os.path.isabs(path):
        path = os.path.join(base, path)
    network = dataclasses.replace(sc.network, path=os.path.normpath(os.path.abspath(path)))
    return dataclasses.replace(sc, network=network)


def _finish(walker: Walker, problems: list[Problem], value: Any) -> Any:
    problems = problems + walker.problems
    if problems:
        raise FileError(problems)
    return value


def _scenario(path: Path, shown: str, root: yaml.MappingNode,
              problems: list[Problem]) -> ScenarioFile:
    walker = Walker(shown, ScenarioFile, "scenario")
    sc = walker.build(ScenarioFile, root)
    sc = _absolute_network_path(sc, path.parent, walker)
    check_scenario(sc, walker)
    return _finish(walker, problems, sc)


def _strategy(root: yaml.MappingNode, shown: str, problems: list[Problem]) -> Strategy:
    walker = Walker(shown, Strategy, "strategy")
    st = walker.build(Strategy, root)
    check_strategy(st, walker)
    return _finish(walker, problems, st)


def _wrong_kind(shown: str, root: yaml.MappingNode, found: str, wanted: str) -> FileError:
    line = next((k.start_mark.line + 1 for k, _ in root.value
                 if isinstance(k, yaml.ScalarNode) and k.value == "kind"), None)
    return FileError([Problem(shown, line, "kind", f"this file is {_a(found)}; expected "
                              f"{_a(wanted)}", f"pass it where {_a(found)} is expected")])


def _only_keys_of(root: yaml.MappingNode) -> str | None:
    """The kind whose own keys (and none of the other's) the file uses, if any."""
    keys = {k.value for k, _ in root.value if isinstance(k, yaml.ScalarNode)}
    strategy = bool(keys & (_STRATEGY_KEYS - _SCENARIO_KEYS))
    scenario = bool(keys & (_SCENARIO_KEYS - _STRATEGY_KEYS))
    if strategy != scenario:
        return "strategy" if strategy else "scenario"
    return None


def _looks_wrong(shown: str, root: yaml.MappingNode, found: str, wanted: str) -> FileError:
    own = {"strategy": _STRATEGY_KEYS - _SCENARIO_KEYS, "experiment": EXPERIMENT_KEYS
           }.get(found, _SCENARIO_KEYS - _STRATEGY_KEYS)
    key = next(k for k, _ in root.value if isinstance(k, yaml.ScalarNode) and k.value in own)
    return FileError([Problem(shown, key.start_mark.line + 1, key.value,
                              f"this looks like {_a(found)} file; expected {_a(wanted)}",
                              f"pass it where {_a(found)} is expected, or add 'kind: {wanted}' "
                              "to see what does not fit")])


def open_file(ref: str, folders: tuple[Path, ...], what: str
              ) -> tuple[Path, str, str | None, yaml.MappingNode, list[Problem]]:
    """(file, shown name, declared kind, mapping without `kind`, problems so far).

    Raises FileError for a file that cannot be read or is plainly another kind.
    """
    path, shown = resolve(ref, folders, what)
    root, problems = load_tree(path, shown)
    kind, body = _split_kind(root, shown, problems)
    if kind is not None and kind != what:
        raise _wrong_kind(shown, root, kind, what)
    if kind is None:
        if what != "experiment" and looks_like_experiment(body):
            raise _looks_wrong(shown, body, "experiment", what)
        if what == "experiment" and looks_like_experiment(body):
            return path, shown, kind, body, problems
        if _only_keys_of(body) not in (None, what):
            raise _looks_wrong(shown, body, _only_keys_of(body) or "", what)
    return path, shown, kind, body, problems



def load_scenario(ref: str) -> ScenarioFile:
    """A validated scenario from a library name or a path; raises FileError."""
    path, shown, _, body, problems = open_file(ref, (SCENARIO_DIR,), "scenario")
    return _scenario(Path(os.path.abspath(path)), shown, body, problems)


def load_strategy(ref: str) -> Strategy:
    """A validated strategy from a library name or a path; raises FileError."""
    _, shown, _, body, problems = open_file(ref, (STRATEGY_DIR,), "strategy")
    return _strategy(body, shown, problems)


def load_any(ref: str) -> ScenarioFile | Strategy:
    """A scenario or a strategy, whichever the file is; raises FileError."""
    path, shown = resolve(ref, (SCENARIO_DIR, STRATEGY_DIR), "scenario or strategy")
    root, problems = load_tree(path, shown)
    kind, body = _split_kind(root, shown, problems)
    if kind == "experiment":
        raise _wrong_kind(shown, root, kind, "scenario or strategy")
    if kind is None and looks_like_experiment(body):
        raise _looks_wrong(shown, body, "experiment", "scenario or strategy")
    if (kind or detect_kind(body)) == "strategy":
        return _strategy(body, shown, problems)
    return _scenario(Path(os.path.abspath(path)), shown, body, problems)


def file_kind(ref: str) -> str:
    """What a file is: 'experiment', 'strategy' or 'scenario' (by `kind`, else by its keys).

    Raises FileError only for a file that cannot be read at all.
    """
    path, shown = resolve(ref, (SCENARIO_DIR, STRATEGY_DIR), "scenario or strategy")
    root, _ = load_tree(path, shown)
    kind, body = _split_kind(root, shown, [])
    if kind is not None:
        return kind
    return "experiment" if looks_like_experiment(body) else detect_kind(body)


def validate_file(path: str) -> str:
    """Validate any stormdrill file; its kind ('scenario', 'strategy' or 'experiment').

    Raises FileError listing every problem. An experiment is checked in full,
    including every scenario and strategy it refers to and every grid point.
    """
    if file_kind(path) == "experiment":
        from scenarios.experiment import load_experiment  # it imports this module

        load_experiment(path)
        return "experiment"
    return "strategy" if isinstance(load_any(path), Strategy) else "scenario"
