"""JSON Schema (draft 2020-12) of the scenario, strategy and experiment formats.

Editors that speak JSON Schema (the YAML language server behind VS Code and
others) complete keys, show each key's meaning on hover and flag typos as you
type, when a file starts with

    # yaml-language-server: $schema=../../docs/schema/scenario.schema.json

The schemas are generated from the same dataclasses the loader walks
(`scenarios.scenario_file.ScenarioFile`, `simulator.strategy.Strategy`,
`scenarios.experiment.ExperimentFile`) and their `param(...)` metadata, so a
new engine parameter appears in the editor with no change here. This module
only returns the text; the committed copies in docs/schema/ are rewritten by
`python -m tests.regenerate jsonschema` (`--check` only compares) and a test
fails when they are stale.

The schema is a first line of defence, not the validator: it knows types,
enums, limits and keys, but not the cross-field rules (`scenarios.checks`),
whether a referenced file exists, or the experiment's grid-point checks; run
`stormdrill validate` for those. It is also a little stricter than the loader
about text: the loader reads any plain value as text where text is expected,
the schema asks for a string, so quote text that looks like a number or a date.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any, Literal, get_args, get_origin, get_type_hints

from scenarios.scenario_file import ScenarioFile, file_fields
from scenarios.schema import _is_section, _split_optional
from simulator.strategy import Strategy

DIALECT = "https://json-schema.org/draft/2020-12/schema"
FORMATS = ("scenario", "strategy", "experiment")
GENERATED = ("Generated from the stormdrill dataclasses by "
             "`python -m tests.regenerate jsonschema`; do not edit.")


def _num(x: float) -> str:
    return f"{x:g}"


def describe_field(meta: typing.Mapping[str, Any]) -> str:
    """The hover text of a key: its doc, evidence tag, plausible range and source.

    The evidence tag says how far to trust a default ([E] reported, [D]
    derived, [A] assumed), which is what a facilitator needs before changing it.
    """
    text = meta.get("doc", "")
    extras = []
    if meta.get("tag"):
        extras.append(f"evidence {meta['tag']}")
    if meta.get("range"):
        lo, hi = meta["range"]
        extras.append(f"plausible range {_num(lo)} to {_num(hi)}")
    if meta.get("source"):
        extras.append(f"source: {meta['source']}")
    if extras:
        text = f"{text} ({'; '.join(extras)})" if text else "; ".join(extras)
    return text


def _json_default(f: dataclasses.Field[Any]) -> tuple[bool, Any]:
    """(has a plain default, the default) of a field; sections have none worth showing."""
    if f.default is not dataclasses.MISSING:
        return True, f.default
    if f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
        if not dataclasses.is_dataclass(value):
            return True, value
    return False, None


def value_schema(tp: Any, meta: typing.Mapping[str, Any] | None = None,
                 *, section: bool = False) -> dict[str, Any]:
    """The schema of one value of type `tp` with `param` limits `meta`.

    A section (a nested dataclass written as a mapping) also accepts null,
    because the loader reads an empty section as all defaults; items of a list
    of mappings (injects, options, actions) must be mappings.
    """
    meta = meta or {}
    inner, optional = _split_optional(tp)
    out: dict[str, Any]
    if get_origin(inner) is Literal:
        allowed = list(get_args(inner))
        out = {"type": "string", "enum": allowed}
    elif get_origin(inner) is list:
        (item,) = get_args(inner)
        out = {"type": "array", "items": value_schema(item)}
    elif get_origin(inner) is dict:
        out = {"type": "object"}
    elif _is_section(inner):
        out = object_schema(inner)
        if section:
            out["type"] = ["object", "null"]
    elif inner is bool:
        out = {"type": "boolean"}
    elif inner in (int, float):
        out = {"type": "integer" if inner is int else "number"}
        if meta.get("lo") is not None:
            out["minimum"] = meta["lo"]
        if meta.get("hi") is not None:
            out["maximum"] = meta["hi"]
    else:
        out = {"type": "string"}
    if optional:
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def field_schema(f: dataclasses.Field[Any], tp: Any) -> dict[str, Any]:
    """The schema of one key: its value schema with description and default."""
    inner, _ = _split_optional(tp)
    is_section = dataclasses.is_dataclass(inner)
    value = value_schema(tp, f.metadata, section=is_section)
    text = describe_field(f.metadata) or value.pop("description", "")
    value.pop("description", None)
    out: dict[str, Any] = {"description": text} if text else {}
    out.update(value)
    has_default, default = _json_default(f)
    if has_default:
        out["default"] = default
    return out


def object_schema(cls: type) -> dict[str, Any]:
    """A closed mapping with one property per dataclass field.

    `additionalProperties: false` mirrors the loader, which rejects unknown
    keys rather than ignoring them, so a typo shows up in the editor at once.
    """
    hints = get_type_hints(cls)
    out: dict[str, Any] = {"type": "object"}
    if cls.__doc__:
        out["description"] = cls.__doc__.strip().splitlines()[0]
    out["properties"] = {f.name: field_schema(f, hints[f.name]) for f in file_fields(cls)}
    out["additionalProperties"] = False
    return out


def _document(kind: str, cls: type, title: str) -> dict[str, Any]:
    """A top-level schema: the dialect, a title, and the optional `kind` key first."""
    body = object_schema(cls)
    article = "an" if kind[0] in "aeiou" else "a"
    props = {"kind": {"description": f"optional: marks the file as {article} {kind} file",
                      "const": kind}}
    props.update(body["properties"])
    return {"$schema": DIALECT, "$comment": GENERATED, "title": title,
            "description": body.get("description", ""), "type": "object",
            "properties": props, "additionalProperties": False}


def scenario_schema() -> dict[str, Any]:
    """The schema of a scenario file."""
    return _document("scenario", ScenarioFile, "stormdrill scenario")


def strategy_schema() -> dict[str, Any]:
    """The schema of a strategy file."""
    return _document("strategy", Strategy, "stormdrill strategy")


def grid_schema(doc: str) -> dict[str, Any]:
    """The experiment's `grid`: each single-valued scenario parameter, by its dotted path.

    Listing every path as a property (rather than a key pattern) lets editors
    complete the paths and check each value against that parameter's own type
    and limits, as the loader does.
    """
    from scenarios.experiment import LEAVES

    props = {}
    for path, (tp, meta) in LEAVES.items():
        entry: dict[str, Any] = {}
        if describe_field(meta):
            entry["description"] = describe_field(meta)
        entry.update({"type": "array", "minItems": 1, "uniqueItems": True,
                      "items": value_schema(tp, meta)})
        props[path] = entry
    return {"description": doc, "type": ["object", "null"], "properties": props,
            "additionalProperties": False}


def experiment_schema() -> dict[str, Any]:
    """The schema of an experiment file (required keys, name pattern, grid paths)."""
    from scenarios.experiment import NAME, REQUIRED, ExperimentFile

    out = _document("experiment", ExperimentFile, "stormdrill experiment")
    props = out["properties"]
    meta = {f.name: f.metadata for f in dataclasses.fields(ExperimentFile)}
    props["grid"] = grid_schema(describe_field(meta["grid"]))
    props["name"]["pattern"] = f"^{NAME.pattern}$"
    for key in ("scenarios", "strategies"):
        props[key]["minItems"] = 1
    out["required"] = list(REQUIRED)
    # one of strategies or policies; `replications: auto` runs rounds (docs/experiments.md)
    out["oneOf"] = [{"required": ["strategies"]}, {"required": ["policies"]}]
    reps = props["replications"]
    props["replications"] = {"description": reps.pop("description"),
                             "default": reps.pop("default"), "anyOf": [reps, {"const": "auto"}]}
    return out


BUILDERS = {"scenario": scenario_schema, "strategy": strategy_schema,
            "experiment": experiment_schema}


def schema(kind: str = "scenario") -> dict[str, Any]:
    """The schema of one format: 'scenario', 'strategy' or 'experiment'."""
    if kind not in BUILDERS:
        raise ValueError(f"unknown format {kind!r}; expected one of {', '.join(FORMATS)}")
    return BUILDERS[kind]()


def render(kind: str = "scenario") -> str:
    """The schema as the JSON text that is committed (stable, so diffs stay small)."""
    return json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n"
