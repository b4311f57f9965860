"""One generic validator: walk a dataclass type and a YAML node tree together.

The dataclasses in `simulator.config` and `simulator.strategy` are the schema:
their type annotations give the types and their `param(...)` metadata the hard
limits. Walking them (instead of keeping a second, hand-written schema) means a
new engine parameter is accepted, checked and documented with no change here.
Every problem is recorded and the walk goes on, so one run lists them all.
Fields with a problem keep their default, so the result can still be built
and cross-checked; the key goes into `bad` so cross-checks can skip it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import sys
import types
import typing
from typing import Any, Literal, TypeGuard, Union, get_args, get_origin, get_type_hints

import yaml

from scenarios.errors import Problem, did_you_mean

BAD = object()  # marks a value that failed its check
_NONE = type(None)
_STD_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_STD_TAG + t for t in ("null", "bool", "int", "float", "str", "timestamp")}


def is_null(node: yaml.Node) -> bool:
    """Whether a node is YAML null (`null`, `~` or nothing after the colon)."""
    return isinstance(node, yaml.ScalarNode) and node.tag == _STD_TAG + "null"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def _limits(meta: typing.Mapping[str, Any]) -> str:
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is not None and hi is not None:
        return f" from {_num(lo)} to {_num(hi)}"
    if lo is not None:
        return f" of at least {_num(lo)}"
    return f" of at most {_num(hi)}" if hi is not None else ""


def _is_section(tp: Any) -> TypeGuard[type]:
    """Whether a type hint is a dataclass (a section or item mapping), the class itself."""
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _split_optional(tp: Any) -> tuple[Any, bool]:
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not _NONE]
        if len(args) == 1:
            return args[0], len(args) < len(get_args(tp))
    return tp, False


def describe(tp: Any, meta: typing.Mapping[str, Any] | None = None) -> str:
    """What a value of this type looks like, in words, for 'expected ...'."""
    meta = meta or {}
    tp, optional = _split_optional(tp)
    origin = get_origin(tp)
    if origin is Literal:
        text = "one of " + ", ".join(f"'{a}'" for a in get_args(tp))
    elif origin is list:
        (item,) = get_args(tp)
        if dataclasses.is_dataclass(item):
            keys = ", ".join(f.name for f in dataclasses.fields(item))
            text = f"a list of mappings with keys {keys}"
        else:
            text = "a list of " + {int: "whole numbers", float: "numbers"}.get(item, "texts")
    elif dataclasses.is_dataclass(tp):
        text = "a mapping with keys " + ", ".join(f.name for f in dataclasses.fields(tp))
    elif tp is bool:
        text = "true or false"
    elif tp is int:
        text = "a whole number" + _limits(meta)
    elif tp is float:
        text = "a number" + _limits(meta)
    else:
        text = "text"
    return text + (", or null" if optional else "")


def _shown(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    return f"'{text}'" if node.tag == _STD_TAG + "str" else text


class Walker:
    """Validates node trees against dataclass types, collecting problems."""

    def __init__(self, shown: str, root: type, label: str) -> None:
        self.shown, self.root, self.label = shown, root, label
        self.problems: list[Problem] = []
        self.lines: dict[str, int] = {}
        self.bad: set[str] = set()
        self._loader = yaml.SafeLoader("")

    def add(self, node: yaml.Node | int | None, key: str, message: str, hint: str = "") -> None:
        """Record a problem at a node (or a line) and mark the key as bad."""
        line = node.start_mark.line + 1 if isinstance(node, yaml.Node) else node
        self.problems.append(Problem(self.shown, line, key, message, hint))
        self.bad.add(key)

    def build(self, cls: type, node: yaml.MappingNode, prefix: str = "") -> Any:
        """An instance of `cls` from a mapping node; bad or missing fields keep defaults."""
        hints = get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.add(key_node, prefix or self.label, "a key must be a plain name; "
                         "expected 'name: value'")
                continue
            name = key_node.value
            path = f"{prefix}.{name}" if prefix else name
            if name not in fields:
                self._unknown(cls, name, path, key_node, prefix)
                continue
            self.lines[path] = key_node.start_mark.line + 1
            value = self.value(hints[name], fields[name].metadata, value_node, path)
            if value is not BAD:
                values[name] = value
        return cls(**values)

    def _unknown(self, cls: type, name: str, path: str, node: yaml.Node, prefix: str) -> None:
        valid = [f.name for f in dataclasses.fields(cls)]
        where = f"'{prefix}'" if prefix else f"the {self.label} top level"
        hint = did_you_mean(name, valid) or self._elsewhere(name, prefix)
        if not hint:
            hint = "valid keys: " + ", ".join(valid)
        self.add(node, path, f"unknown key; expected a key of {where}", hint)

    def _elsewhere(self, name: str, prefix: str) -> str:
        """A hint when the key exists in another section (e.g. `users` at the top)."""
        hints = get_type_hints(self.root)
        for f in dataclasses.fields(self.root):
            tp = hints[f.name]
            if get_origin(tp) is list:
                tp = get_args(tp)[0]
            if (dataclasses.is_dataclass(tp) and f.name != prefix.split("[")[0]
                    and name in {g.name for g in dataclasses.fields(tp)}):
                return f"did you mean '{f.name}.{name}'? ('{name}' belongs in '{f.name}')"
        return ""

    def value(self, tp: Any, meta: typing.Mapping[str, Any], node: yaml.Node, key: str) -> Any:
        """The checked Python value of one node, or BAD after recording a problem."""
        inner, optional = _split_optional(tp)
        if is_null(node):
            if optional:
                return None
            if _is_section(inner):
                return inner()  # an empty section means all defaults
            self.add(node, key, f"missing value; expected {describe(tp, meta)}")
            return BAD
        if _is_section(inner):
            if not isinstance(node, yaml.MappingNode):
                if key.endswith("]"):  # an item of a list of mappings, e.g. an inject
                    self.add(node, key, f"found {_shown(node)}; expected a mapping with keys "
                             + ", ".join(f.name for f in dataclasses.fields(inner)))
                else:
                    self.add(node, key, f"found {_shown(node)}; expected a mapping of "
                             f"'{key}' settings", "indent the settings under the section name")
                return BAD
            return self.build(inner, node, key)
        if get_origin(inner) is list:
            return self._list(inner, tp, node, key)
        if not isinstance(node, yaml.ScalarNode):
            self.add(node, key, f"found {_shown(node)}; expected {describe(tp, meta)}")
            return BAD
        if node.tag not in _PLAIN_TAGS:
            self.add(node, key, f"unsupported YAML tag '{node.tag}'; expected a plain value")
            return BAD
        return self._scalar(inner, tp, meta, node, key)

    def _list(self, inner: Any, tp: Any, node: yaml.Node, key: str) -> Any:
        if not isinstance(node, yaml.SequenceNode):
            hint = f"write it as a list: [{node.value}]" if isinstance(
                node, yaml.ScalarNode) else ""
            self.add(node, key, f"found {_shown(node)}; expected {describe(tp)}", hint)
            return BAD
        (item_tp,) = get_args(inner)
        items, ok = [], True
        for i, item in enumerate(node.value):
            path = f"{key}[{i}]"
            self.lines[path] = item.start_mark.line + 1
            value = self.value(item_tp, {}, item, path)
            ok = ok and value is not BAD
            items.append(value)
        return items if ok else BAD

    def _scalar(self, inner: Any, tp: Any, meta: typing.Mapping[str, Any],
                node: yaml.ScalarNode, key: str) -> Any:
        expected = f"expected {describe(tp, meta)}"
        if inner is str:
            return node.value  # what was written, even if YAML reads `yes` or `2026` as such
        if get_origin(inner) is Literal:
            allowed = [str(a) for a in get_args(inner)]
            if node.value in allowed:
                return node.value
            self.add(node, key, f"{_shown(node)} is not allowed; {expected}",
                     did_you_mean(node.value, allowed))
            return BAD
        try:
            value = self._loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            self.add(node, key, f"cannot read {_shown(node)} ({exc}); {expected}")
            return BAD
        if isinstance(value, str) and node.style is None and inner is not bool:
            # YAML 1.1 reads 1e-6 or 2e4 (no dot) as text; they are numbers to anyone else.
            with contextlib.suppress(ValueError):
                value = float(value)
        if inner is bool:
            if isinstance(value, bool):
                return value
            self.add(node, key, f"{_shown(node)} is not true or false; {expected}")
            return BAD
        return self._number(inner, meta, value, node, key, expected)

    def _number(self, inner: Any, meta: typing.Mapping[str, Any], value: Any,
                node: yaml.ScalarNode, key: str, expected: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "true/false" if isinstance(value, bool) else "text"
            self.add(node, key, f"{_shown(node)} is {kind}, not a number; {expected}")
            return BAD
        if isinstance(value, float) and not math.isfinite(value):
            self.add(node, key, f"{_shown(node)} is not a finite number; {expected}")
            return BAD
        if inner is int and isinstance(value, float):
            if not value.is_integer():
                self.add(node, key, f"{_shown(node)} is not a whole number; {expected}")
                return BAD
            value = int(value)
        lo, hi = meta.get("lo"), meta.get("hi")
        if lo is not None and value < lo:
            self.add(node, key, f"{_shown(node)} is below the minimum {_num(lo)}; {expected}")
            return BAD
        if hi is not None and value > hi:
            self.add(node, key, f"{_shown(node)} is above the maximum {_num(hi)}; {expected}")
            return BAD
        if inner is float:
            try:
                value = float(value)
            except OverflowError:
                self.add(node, key, f"{_shown(node)} is too large; {expected}")
                return BAD
            if value and abs(value) < sys.float_info.min:
                # A subnormal number: rates and times this close to zero underflow to 0
                # inside the engine (5e-324 / 24 == 0.0), then divide by zero. Nobody
                # means 1e-320 rather than 0, so say so instead of running into it.
                self.add(node, key, f"{_shown(node)} is too close to zero to compute with; "
                         f"{expected}", f"write 0, or a number of at least "
                         f"{sys.float_info.min:.3g}")
                return BAD
        return value
