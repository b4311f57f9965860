"""The uncertainties of a scenario, and the one-at-a-time sweep over them.

An uncertainty is something nobody in the room controls and the model has to
assume: a parameter tagged [A] (a modelling assumption; docs/model.md, "Parameters")
that has a plausible range. What a team chooses (how often it looks, how many mentions
it waits for, how long legal takes: the `plan` section) is a decision, a
policy to compare, never an uncertainty to average over; sweeping it as an
assumption mixes "what could be true" with "what we could do".

Every range is fitted to the scenario's own cross-field rules, the ones
`scenarios.checks.check_scenario` enforces (the simulator must not import
`scenarios`, so the bound is computed here from the scenario's values): a
sampled point is always a scenario `validate` would accept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_type_hints

from simulator.config import Scenario, get_path, replace_path

#: sections whose fields a team decides (monitoring, thresholds, approval delay): policies
DECISION_SECTIONS = frozenset({"plan"})


@dataclass(frozen=True)
class Uncertainty:
    """One assumption to vary: its dotted path, range, type and the scenario's own value."""

    path: str
    low: float
    high: float
    integer: bool
    base: Any
    note: str = ""  # why the range is narrower than the documented one, if it is

    def value(self, x: float) -> int | float:
        """A sampled number as the parameter's type (counts are rounded, then kept in range)."""
        if self.integer:
            return int(min(max(round(x), self.low), self.high))
        return float(x)


def assumed_parameters(scenario: Scenario) -> list[tuple[str, tuple[float, float]]]:
    """(dotted path, (low, high)) of every [A] parameter with a documented range.

    The documented ranges, unfitted and including decisions: `assumptions`
    is what an experiment should vary.
    """
    out: list[tuple[str, tuple[float, float]]] = []
    hints = get_type_hints(Scenario)
    for section in dataclasses.fields(Scenario):  # the engine's sections (a file adds none)
        if not section.metadata.get("section"):
            continue
        for f in dataclasses.fields(hints[section.name]):
            rng = f.metadata.get("range")
            if f.metadata.get("tag") == "[A]" and rng:
                out.append((f"{section.name}.{f.name}", (rng[0], rng[1])))
    return out


def _field_meta(path: str) -> Mapping[str, Any]:
    section, name = path.split(".")
    cls = get_type_hints(Scenario)[section]
    return next(f.metadata for f in dataclasses.fields(cls) if f.name == name)


def _cross_field_bounds(scenario: Scenario, path: str) -> tuple[float | None, float | None, str]:
    """(lowest, highest, reason) that other fields of this scenario allow for `path`.

    Mirrors scenarios/checks.py: a complainant cannot have more followers than
    the network has users; daily activity must dip below 1 and peak above it.
    """
    if path == "complaint.complainant_followers" and scenario.network.kind != "file":
        users = scenario.network.users
        return None, float(users), f"at most network.users ({users})"
    if path == "spread.diurnal_trough":
        return None, 0.99, "diurnal_trough < 1"
    if path == "spread.diurnal_peak":
        return 1.01, None, "diurnal_peak > 1"
    return None, None, ""


def assumptions(scenario: Scenario, *,
                decisions: frozenset[str] = DECISION_SECTIONS) -> list[Uncertainty]:
    """The scenario's uncertainties: [A] parameters with a range, minus decisions.

    Each range is the documented one, narrowed to the field's hard limits and
    to what the scenario's other fields allow (`note` says so). A parameter
    whose fitted range is empty is left out rather than swept over values the
    scenario rejects.
    """
    out: list[Uncertainty] = []
    for path, (low, high) in assumed_parameters(scenario):
        if path.split(".")[0] in decisions:
            continue
        meta = _field_meta(path)
        base = get_path(scenario, path)
        notes = []
        lo_rule, hi_rule, reason = _cross_field_bounds(scenario, path)
        for bound in (meta.get("lo"), lo_rule):
            if bound is not None and low < bound:
                low = bound
                notes.append(reason if bound == lo_rule else f"hard limit {bound:g}")
        for bound in (meta.get("hi"), hi_rule):
            if bound is not None and high > bound:
                high = bound
                notes.append(reason if bound == hi_rule else f"hard limit {bound:g}")
        if not low < high:
            continue
        out.append(Uncertainty(path, float(low), float(high), isinstance(base, int)
                               and not isinstance(base, bool), base, "; ".join(notes)))
    return out


def apply(scenario: Scenario, params: dict[str, Any]) -> Scenario:
    """The scenario with `params` (dotted path -> value) set."""
    for path, value in params.items():
        scenario = replace_path(scenario, path, value)
    return scenario


def sensitivity_points(scenario: Scenario) -> list[tuple[str, Any]]:
    """The (path, value) settings of the one-at-a-time sweep: both ends of each uncertainty.

    Only uncertainties are swept (not decisions) and only over ranges the
    scenario accepts; an end equal to the scenario's value is the base point.
    """
    points: list[tuple[str, Any]] = []
    for u in assumptions(scenario):
        for x in (u.low, u.high):
            value = u.value(x) if u.integer else type(u.base)(x)
            if value != u.base:
                points.append((u.path, value))
    return points
