"""Writing configs back out as YAML (e.g. to save a tweaked scenario).

The output uses the same keys the loader reads, so `load(dump(x)) == x`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import yaml

from scenarios.scenario_file import file_fields


def to_dict(obj: Any, *, only_changed: bool = False) -> dict[str, Any]:
    """A plain dict of a scenario or strategy; `only_changed` drops default values."""
    out: dict[str, Any] = {}
    for f in file_fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            inner = to_dict(value, only_changed=only_changed)
            if inner or not only_changed:
                out[f.name] = inner
            continue
        if isinstance(value, list):
            value = [to_dict(v) if dataclasses.is_dataclass(v) else v for v in value]
        if only_changed:
            default = (f.default_factory() if f.default_factory is not dataclasses.MISSING
                       else f.default)
            if dataclasses.is_dataclass(default):
                default = to_dict(default)
            if isinstance(default, list):
                default = [to_dict(v) if dataclasses.is_dataclass(v) else v for v in default]
            if value == default:
                continue
        out[f.name] = value
    return out


scenario_to_dict = to_dict


def dump_yaml(obj: Any, *, only_changed: bool = False) -> str:
    """YAML text of a scenario or strategy, in field order."""
    return yaml.safe_dump(to_dict(obj, only_changed=only_changed), sort_keys=False,
                          allow_unicode=True, width=100)
