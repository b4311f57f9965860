"""One-at-a-time sensitivity design over the model's assumptions.

Every parameter tagged [A] (a modelling assumption, MODEL.md) that has a
plausible range is moved to each end of its range while everything else stays
at the scenario's value. The analysis then asks which assumptions change the
ranking of the strategies (see `analysis`).
"""

from __future__ import annotations

import dataclasses
from typing import Any, get_type_hints

from simulator.config import Scenario, get_path


def assumed_parameters(scenario: Scenario) -> list[tuple[str, tuple[float, float]]]:
    """(dotted path, (low, high)) of every [A] parameter with a range."""
    out: list[tuple[str, tuple[float, float]]] = []
    hints = get_type_hints(Scenario)
    for section in dataclasses.fields(scenario):
        if not section.metadata.get("section"):
            continue
        for f in dataclasses.fields(hints[section.name]):
            rng = f.metadata.get("range")
            if f.metadata.get("tag") == "[A]" and rng:
                out.append((f"{section.name}.{f.name}", (rng[0], rng[1])))
    return out


def sensitivity_points(scenario: Scenario) -> list[tuple[str, Any]]:
    """The (path, value) settings of the sweep: both ends of each range."""
    points: list[tuple[str, Any]] = []
    for path, (low, high) in assumed_parameters(scenario):
        base = get_path(scenario, path)
        for value in (low, high):
            value = type(base)(value) if isinstance(base, (int, float)) else value
            if value != base:
                points.append((path, value))
    return points
