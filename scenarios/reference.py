"""Reference tables generated from the schema, so the docs cannot drift.

This module only returns text: the generated blocks of docs/file-formats.md
(every key of the scenario, inject, strategy and experiment formats) and
docs/model.md (every model parameter with its default, range, evidence tag and
source). `python -m tests.regenerate reference` writes them into the docs and a
test fails when a committed doc differs from what this module generates. (The
three JSON Schemas in docs/schema come from `scenarios.jsonschema`, written by
`python -m tests.regenerate jsonschema`.)
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Literal, get_args, get_origin, get_type_hints

from scenarios.scenario_file import ScenarioFile
from scenarios.schema import describe
from simulator.config import Scenario
from simulator.fitted import FIT_PARAMS
from simulator.strategy import Strategy

# sections whose fields are model parameters (the rest are structure and plan)
MODEL_SECTIONS = ("complaint", "spread", "response", "advocates", "media", "reputation", "plan")


def _default(f: dataclasses.Field[Any]) -> str:
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
        if dataclasses.is_dataclass(value):
            return "(section)"
    else:
        return ""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_MAPPED = {int: "whole numbers", float: "numbers", str: "texts", bool: "true or false"}


def _expected(tp: Any, meta: dict[str, Any]) -> str:
    """`describe` in words, with the mappings it leaves as "text" said as mappings."""
    origin, args = get_origin(tp), get_args(tp)
    if origin is dict:
        value = args[1] if len(args) == 2 else Any
        if get_origin(value) is list:
            (item,) = get_args(value) or (Any,)
            inner = {int: "whole numbers", float: "numbers", str: "texts"}.get(item, "values")
            return f"a mapping from text to lists of {inner}"
        return ("a mapping from text to " + _MAPPED[value]) if value in _MAPPED else "a mapping"
    if origin is list and args and get_origin(args[0]) is dict:
        return "a list of mappings"
    return describe(tp, meta)


def key_table(cls: type, prefix: str = "") -> list[str]:
    """Markdown rows for every key of a dataclass format, sections flattened."""
    hints = get_type_hints(cls)
    rows: list[str] = []
    nested: list[tuple[str, type]] = []
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if f.metadata.get("section"):
            nested.append((f.name, tp))
            continue
        meta = dict(f.metadata)
        rows.append(f"| `{prefix}{f.name}` | {_cell(_expected(tp, meta))} | `{_default(f)}` | "
                    f"{_cell(meta.get('doc', ''))} |")
    for name, tp in nested:
        doc = " ".join((tp.__doc__ or "").split())  # one line, without the docstring's indent
        rows.append(f"| **`{prefix}{name}`** | section | | {_cell(doc)} |")
        rows.extend(key_table(tp, f"{prefix}{name}."))
    return rows


def formats_reference() -> str:
    """The generated part of docs/file-formats.md."""
    head = "| key | expected | default | meaning |\n|---|---|---|---|"
    from scenarios.experiment import ExperimentFile
    from simulator.config import Inject

    return "\n".join([
        "### Scenario keys", "", head, *key_table(ScenarioFile), "",
        "### Inject keys (each item of `injects`)", "", head, *key_table(Inject), "",
        "### Strategy keys", "", head, *key_table(Strategy), "",
        "### Experiment keys", "", head, *key_table(ExperimentFile), ""])


def _range(meta: dict[str, Any], tp: Any) -> str:
    """The plausible range; failing that, the choices or the limits the loader accepts."""
    rng = meta.get("range")
    if rng:
        return f"{rng[0]:g} - {rng[1]:g}"
    if get_origin(tp) is Literal:
        return " / ".join(str(a) for a in get_args(tp))
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is not None and hi is not None:
        return f"none stated (accepts {lo:g} - {hi:g})"
    return "none stated"


def _source(name: str, meta: dict[str, Any]) -> str:
    """The evidence cell: the source, marked when the default is the jointly fitted value."""
    source = meta.get("source", "") or (
        "none: a modelling assumption" if meta.get("tag") == "[A]" else "none given")
    if name in FIT_PARAMS:
        return f"fitted (simulator/fitted.py); {source}"
    return source


def parameter_table() -> str:
    """Every model parameter: default, plausible range, evidence tag, source.

    A parameter whose default comes from the jointly fitted set is marked
    "fitted (simulator/fitted.py)"; where the code states no plausible range,
    the range cell says so and gives the limits a scenario file may use.
    """
    rows = ["| parameter | default | range | tag | source | meaning |",
            "|---|---|---|---|---|---|"]
    hints = get_type_hints(Scenario)
    for section in (*MODEL_SECTIONS, "network"):
        cls = hints[section]
        types = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            meta = dict(f.metadata)
            if not meta.get("tag"):
                continue
            name = f"{section}.{f.name}"
            rows.append(f"| `{name}` | `{_default(f)}` | {_cell(_range(meta, types[f.name]))} | "
                        f"{meta['tag']} | {_cell(_source(name, meta))} | "
                        f"{_cell(meta.get('doc', ''))} |")
    return "\n".join(rows) + "\n"


BLOCKS = {"file-formats.md": ("KEYS", formats_reference),
          "model.md": ("PARAMETERS", parameter_table)}


def render(text: str, name: str, body: str) -> str:
    """`text` with the generated block `name` replaced by `body`."""
    pattern = re.compile(rf"(<!-- BEGIN GENERATED {name} -->\n).*?(<!-- END GENERATED {name} -->)",
                         re.S)
    if not pattern.search(text):
        raise ValueError(f"no generated block {name} in the document")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def render_doc(doc: str, text: str) -> str:
    """`text`, the current content of docs/`doc`, with its generated block made current."""
    block, make = BLOCKS[doc]
    return render(text, block, make())
