"""What an experiment varies: scenario parameters, policies, uncertainties, rounds.

The part of the experiment-file check (`scenarios.experiment`) that reads the
axes of an experiment: which scenario parameters a grid or an uncertainty may
name, the `policies` list (strategy parameters and decision options), the
`uncertainties` and their sampled points (every scenario rule checked at every
point, rejected or clipped), and `replications: auto`. `AxesCheck` is a mixin
of the experiment check, which owns the walker, the problem list and the file
lookups these methods use.
"""


from __future__ import annotations

import dataclasses
import functools
import itertools
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_origin, get_type_hints

import yaml

from scenarios.checks import check_scenario, check_strategy
from scenarios.errors import FileError, Problem, did_you_mean
from scenarios.loader import load_strategy
from scenarios.scenario_file import ScenarioFile
from scenarios.schema import BAD, Walker, _is_section, _shown, _split_optional, describe, is_null
from simulator import designs
from simulator.batch import DesignPoint, Policy
from simulator.config import Scenario, get_path, param, replace_path
from simulator.store import METRIC_NAMES
from simulator.strategy import Strategy

if typing.TYPE_CHECKING:
    from scenarios.experiment import ExperimentFile

NO_STRATEGY = "none"  # in `strategies`: the brand does not respond at all
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
#: strategy fields a policy may set (not its name or description)
STRATEGY_FIELDS = {f.name: f for f in dataclasses.fields(Strategy)
                   if f.name not in ("name", "description")}
POLICY_KEYS = ("strategy", "label", "decisions")


# --- the scenario parameters a grid may vary -------------------------------------------

def _scenario_paths() -> tuple[dict[str, tuple[Any, typing.Mapping[str, Any]]],
                               dict[str, list[str]], set[str]]:
    """(leaf path -> (type, metadata), section path -> its leaves, list-valued paths)."""
    leaves: dict[str, tuple[Any, typing.Mapping[str, Any]]] = {}
    sections: dict[str, list[str]] = {}
    lists: set[str] = set()

    def walk(cls: type, prefix: str) -> None:
        hints = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            path = prefix + f.name
            inner, _ = _split_optional(hints[f.name])
            if _is_section(inner):
                sections[path] = [f"{path}.{g.name}" for g in dataclasses.fields(inner)]
                walk(inner, path + ".")
            elif get_origin(inner) is list:
                lists.add(path)
            else:
                leaves[path] = (hints[f.name], f.metadata)

    walk(ScenarioFile, "")  # the drill's sections too: a grid may vary any key of the file
    return leaves, sections, lists


LEAVES, SECTIONS, LIST_PATHS = _scenario_paths()


def grid_parameters() -> list[str]:
    """Every dotted scenario path a grid may vary (single-valued parameters)."""
    return list(LEAVES)


@dataclass
class _Ref:
    """One entry of `scenarios` or `strategies` after resolution."""

    index: int
    label: str
    value: Any = None  # Scenario, Strategy, or None for `none`
    ok: bool = False


@dataclass(frozen=True)
class _RangeFlags:
    """The optional keys of an uncertainty's range (low and high are read by hand)."""

    log: bool = param(False, doc="space and sample the range on a log scale")
    steps: int = param(3, lo=1, hi=1000, doc="values of the range in a factorial design")
    invalid: Literal["reject", "clip"] = param(
        "reject", doc="a sampled point that breaks a scenario rule: refuse the file, or clip "
        "the value to the nearest valid one")


@dataclass
class _Spec:
    """An uncertainty's node (for messages) and what to do with invalid points."""

    node: yaml.Node
    invalid: str


@dataclass
class _Axis:
    """One grid parameter: its path and checked values with their nodes and indices."""

    path: str
    values: list[tuple[Any, yaml.Node, int]]


@functools.cache
def _strategy_hints() -> dict[str, Any]:
    """The Strategy fields' types, resolved once (typing.get_type_hints per policy
    entry was a third of the time of a long policies list)."""
    return get_type_hints(Strategy)


class AxesCheck:
    """Policies, uncertainties and auto replications of an experiment file (a mixin)."""

    # provided by the experiment check
    w: Walker
    shown: str
    nested: list[Problem]
    grid_sizes: dict[str, int]
    policy_count: int
    _find: typing.Callable[[str, str, str, int | None], str | None]
    _is_path: typing.Callable[[str], bool]
    _path_problem: typing.Callable[[str, str, yaml.Node], bool]
    _axis: typing.Callable[[str, str, yaml.Node, yaml.Node], _Axis | None]

    def _load_strategy(self, file: str) -> Strategy:
        """`load_strategy`, once per file per experiment: 10,000 policies of one strategy
        read and checked its file 10,000 times (minutes, found by tests/fuzz.py). A
        Strategy is frozen, so the entries can share it; a FileError is raised again."""
        cache: dict[str, Strategy | FileError] = self.__dict__.setdefault("_strategies", {})
        if file not in cache:
            try:
                cache[file] = load_strategy(file)
            except FileError as err:
                cache[file] = err
        found = cache[file]
        if isinstance(found, FileError):
            raise found
        return found

    # -- policies ------------------------------------------------------------------------
    def _policies(self, node: yaml.Node, scenarios: list[_Ref] | None) -> list[Policy] | None:
        """Every policy of the `policies` list (each entry's lists combined); None if unusable."""
        w = self.w
        example = "- strategy: fast-empathetic  (then respond_after_h: [1, 2, 4] below it)"
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            found = "an empty list" if isinstance(node, yaml.SequenceNode) else _shown(node)
            w.add(node, "policies", f"found {found}; expected a list of policies, each a "
                  "mapping with a `strategy` key", example)
            return None
        out: list[Policy] = []
        first: dict[str, str] = {}
        for i, item in enumerate(node.value):
            key = f"policies[{i}]"
            w.lines[key] = item.start_mark.line + 1
            if isinstance(item, yaml.ScalarNode):
                w.add(item, key, f"found {_shown(item)}; expected a mapping with a `strategy` "
                      "key", f"write it as '- strategy: {item.value}'")
                continue
            if not isinstance(item, yaml.MappingNode):
                w.add(item, key, f"found {_shown(item)}; expected a mapping with a `strategy` "
                      "key", example)
                continue
            for policy in self._policy(item, key, scenarios):
                if policy.label in first:
                    w.add(item, key, f"duplicate policy '{policy.label}' (also from "
                          f"{first[policy.label]}); expected each policy once",
                          "give one of the entries its own `label`")
                    continue
                first[policy.label] = key
                out.append(policy)
        self.policy_count = len(out)
        return out

    def _policy(self, item: yaml.MappingNode, key: str,
                scenarios: list[_Ref] | None) -> list[Policy]:
        w = self.w
        hints = _strategy_hints()
        entry: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        axes: list[tuple[str, list[Any], bool]] = []  # name, values, written as a list
        ok = True
        for k, v in item.value:
            if not isinstance(k, yaml.ScalarNode):
                w.add(k, key, "a key must be a plain name; expected 'name: value'")
                ok = False
                continue
            name, ik = k.value, f"{key}.{k.value}"
            w.lines[ik] = k.start_mark.line + 1
            if name in POLICY_KEYS:
                entry[name] = (k, v)
            elif name in STRATEGY_FIELDS:
                values = self._policy_values(name, hints[name], v, ik)
                ok = ok and values is not None
                if values is not None:
                    axes.append((name, values, isinstance(v, yaml.SequenceNode)))
            elif name in LEAVES or "." in name:
                w.add(k, ik, "a scenario parameter, not a strategy parameter; expected a "
                      "strategy parameter (" + ", ".join(STRATEGY_FIELDS) + ")",
                      "vary scenario parameters under uncertainties (or grid)")
                ok = False
            else:
                hint = did_you_mean(name, [*POLICY_KEYS, *STRATEGY_FIELDS])
                w.add(k, ik, "unknown key; expected strategy, label, decisions or a strategy "
                      "parameter", hint or "strategy parameters: " + ", ".join(STRATEGY_FIELDS))
                ok = False
        if "strategy" not in entry:
            w.add(item, f"{key}.strategy", "missing key; expected the strategy this policy "
                  "plays (a library name, a path, or none)", "add 'strategy: silent'")
            return []
        knode, vnode = entry["strategy"]
        if not isinstance(vnode, yaml.ScalarNode) or is_null(vnode):
            w.add(vnode, f"{key}.strategy", f"found {_shown(vnode)}; expected a library "
                  "strategy name, a path, or none")
            return []
        ref = vnode.value
        line = knode.start_mark.line + 1
        strategy: Strategy | None = None
        if ref != NO_STRATEGY:
            file = self._find(ref, "strategy", f"{key}.strategy", line)
            if file is None:
                return []
            try:
                strategy = self._load_strategy(file)
            except FileError as err:
                w.add(line, f"{key}.strategy", f"'{ref}' is not a valid strategy (its "
                      "problems are listed below); expected a valid strategy file")
                self.nested.extend(err.problems)
                return []
        base = ref if ref == NO_STRATEGY or not self._is_path(ref) else Path(ref).stem
        if "label" in entry:
            lnode = entry["label"][1]
            if isinstance(lnode, yaml.ScalarNode) and NAME.fullmatch(lnode.value):
                base = lnode.value
            else:
                w.add(lnode, f"{key}.label", f"found {_shown(lnode)}; expected a short name "
                      "(letters, digits, '-', '_' and '.')")
                ok = False
        if strategy is None and axes:
            w.add(item, key, "strategy none has no parameters to set; expected a strategy "
                  f"for {', '.join(a for a, _, _ in axes)}",
                  "use a strategy such as fast-empathetic, or remove the parameters")
            ok = False
        decisions = self._decisions(entry.get("decisions"), f"{key}.decisions", scenarios)
        if not ok or decisions is None:
            return []
        names = [a for a, _, _ in axes]
        out = []
        for combo in itertools.product(*(vals for _, vals, _ in axes),
                                       *(opts for _, opts in decisions)):
            params = list(zip(names, combo[:len(axes)], strict=True))
            chosen = [(j, k) for (j, _), k in zip(decisions, combo[len(axes):], strict=True)]
            label = base + "".join(f" {a}={_fmt(v)}" for (a, _, many), (_, v) in
                                   zip(axes, params, strict=True) if many)
            label += "".join(f" decision{j}={k}" for (j, opts), (_, k) in
                             zip(decisions, chosen, strict=True) if len(opts) > 1)
            played = None
            if strategy is not None:
                played = dataclasses.replace(strategy, name=label, **dict(params))
                checker = Walker(self.shown, Strategy, "strategy")
                check_strategy(played, checker)
                for problem in checker.problems:
                    w.add(item, key, f"policy '{label}': {problem.key}: {problem.message}",
                          problem.hint)
                if checker.problems:
                    continue
            values = params + [(f"decision{j}", k) for j, k in chosen]
            out.append(Policy(label, played, tuple(values), tuple(chosen)))
        return out

    def _policy_values(self, name: str, tp: Any, node: yaml.Node, key: str) -> list[Any] | None:
        """The checked values of one strategy parameter (a list is an axis)."""
        w = self.w
        meta = STRATEGY_FIELDS[name].metadata
        if isinstance(node, yaml.SequenceNode):
            if not node.value:
                w.add(node, key, f"empty list; expected at least one value "
                      f"({describe(tp, meta)})")
                return None
            items = [(item, f"{key}[{j}]") for j, item in enumerate(node.value)]
        else:
            items = [(node, key)]
        values: list[Any] = []
        for item, item_key in items:
            w.lines[item_key] = item.start_mark.line + 1
            value = w.value(tp, meta, item, item_key)
            if value is BAD:
                return None
            if any(v == value and type(v) is type(value) for v in values):
                w.add(item, item_key, f"{_shown(item)} is listed twice; expected each value "
                      "once", "remove the repeat")
                return None
            values.append(value)
        return values

    def _decisions(self, pair: tuple[yaml.Node, yaml.Node] | None, key: str,
                   scenarios: list[_Ref] | None) -> list[tuple[int, list[int]]] | None:
        """(decision point index, option indices) chosen by a policy entry; None if bad."""
        w = self.w
        if pair is None:
            return []
        node = pair[1]
        example = "decisions: {0: [0, 1]}  (decision point 0: its options 0 and 1)"
        if not isinstance(node, yaml.MappingNode):
            w.add(node, key, f"found {_shown(node)}; expected a mapping of decision point "
                  "index to option index (or a list of them)", example)
            return None
        loaded = [r.value for r in scenarios or [] if r.ok]
        out: list[tuple[int, list[int]]] = []
        for k, v in node.value:
            index = self._index(k, key)
            if index is None:
                return None
            dk = f"{key}.{index}"
            w.lines[dk] = k.start_mark.line + 1
            short = [sc.name for sc in loaded if index >= len(sc.decision_points)]
            if short:
                counts = ", ".join(f"{sc.name}: {len(sc.decision_points)}" for sc in loaded)
                w.add(k, dk, f"scenario '{short[0]}' has no decision point {index}; expected "
                      "an index from 0 (decision points per scenario: " + counts + ")",
                      "`stormdrill validate SCENARIO` shows a scenario's decision points")
                return None
            items = v.value if isinstance(v, yaml.SequenceNode) else [v]
            options: list[int] = []
            for item in items:
                option = self._index(item, dk)
                if option is None:
                    return None
                few = [sc for sc in loaded if option >= len(sc.decision_points[index].options)]
                if few:
                    n = len(few[0].decision_points[index].options)
                    w.add(item, dk, f"decision point {index} of scenario '{few[0].name}' has "
                          f"{n} options; expected an option index from 0 to {n - 1}")
                    return None
                if option not in options:
                    options.append(option)
            if not options:
                w.add(v, dk, "empty list; expected at least one option index", example)
                return None
            out.append((index, options))
        return out

    def _index(self, node: yaml.Node, key: str) -> int | None:
        """A whole number >= 0 from a node (decision point or option index)."""
        if isinstance(node, yaml.ScalarNode) and re.fullmatch(r"\d{1,3}", node.value):
            return int(node.value)
        self.w.add(node, key, f"found {_shown(node)}; expected an index (0 is the first)")
        return None

    # -- uncertainties -----------------------------------------------------------------------
    def _uncertainties(self, node: yaml.Node,
                       ef: ExperimentFile) -> list[tuple[designs.Uncertainty, _Spec]]:
        """The checked uncertainties with their nodes and `invalid` choices."""
        w = self.w
        if is_null(node) or not isinstance(node, yaml.MappingNode) or not node.value:
            w.add(node, "uncertainties", f"found {_shown(node)}; expected a mapping of dotted "
                  "scenario parameters to ranges or lists of values",
                  "for example:  media.hazard_per_h: {low: 0.01, high: 0.2, log: true}")
            return []
        out: list[tuple[designs.Uncertainty, _Spec]] = []
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                w.add(k, "uncertainties", "a key must be a dotted parameter name")
                continue
            path, key = k.value, f"uncertainties.{k.value}"
            w.lines.setdefault(key, k.start_mark.line + 1)
            if self._path_problem(path, key, k):
                continue
            found = self._uncertainty(path, key, v, ef)
            if found is not None:
                out.append((found[0], _Spec(v, found[1])))
        if out and ef.sampler != "factorial" and "sampler" not in w.bad:
            for u, spec in out:
                if u.values:
                    w.add(spec.node, f"uncertainties.{u.name}", f"a list of values cannot be "
                          f"sampled by {ef.sampler}; expected a range {{low, high}}",
                          "give a range, or use sampler: factorial")
            n = ef.samples or 0
            if ef.sampler == "sobol" and n and n & (n - 1):
                below = 1 << (n.bit_length() - 1)
                w.add(w.lines.get("samples"), "samples", f"{n} is not a power of 2; sampler "
                      "sobol expected a power of 2 (the Sobol' sequence is balanced only then)",
                      f"use samples: {below} or {below * 2}")
            if "samples" not in w.lines and "samples" not in w.bad:
                w.add(w.lines.get("sampler"), "samples", f"missing key; sampler {ef.sampler} "
                      "expected a number of samples",
                      "add a line like 'samples: 64' (docs/experiments.md)")
        return out

    def _uncertainty(self, path: str, key: str, node: yaml.Node,
                     ef: ExperimentFile) -> tuple[designs.Uncertainty, str] | None:
        w = self.w
        tp, meta = LEAVES[path]
        inner, _ = _split_optional(tp)
        numeric = inner in (int, float)
        if isinstance(node, yaml.SequenceNode):
            axis = self._axis(path, key, node, node)
            if axis is None:
                return None
            self.grid_sizes.pop(path, None)
            return designs.Uncertainty(path, values=tuple(v for v, _, _ in axis.values)), \
                "reject"
        if not (is_null(node) or isinstance(node, yaml.MappingNode)):
            w.add(node, key, f"found {_shown(node)}; expected a range {{low: ..., high: ...}} "
                  "or a list of values", f"write it as a list: [{getattr(node, 'value', '')}]")
            return None
        if not numeric:
            w.add(node, key, f"'{path}' is not a number, so it has no range; expected a list "
                  f"of values ({describe(tp, meta)})")
            return None
        given = {k.value: v for k, v in (node.value if isinstance(node, yaml.MappingNode)
                                         else []) if isinstance(k, yaml.ScalarNode)}
        known = ("low", "high", "log", "steps", "invalid")
        for name, v in given.items():
            if name not in known:
                w.add(v, f"{key}.{name}", "unknown key; expected one of " + ", ".join(known),
                      did_you_mean(name, list(known)))
                return None
        bounds: list[float] = []
        for i, end in enumerate(("low", "high")):
            if end in given:
                value = w.value(tp, meta, given[end], f"{key}.{end}")
                if value is BAD:
                    return None
                bounds.append(value)
            elif meta.get("range") and len(given.keys() & {"low", "high"}) == 0:
                bounds.append(meta["range"][i])
            else:
                w.add(node, key, f"missing {end}; expected a range {{low, high}}"
                      + ("" if meta.get("range") else " (this parameter has no plausible "
                         "range to default to)"), "for example: {low: 1, high: 10}")
                return None
        low, high = bounds
        if not low < high:
            w.add(node, key, f"low {_fmt(low)} is not below high {_fmt(high)}; expected "
                  "low < high", "for a single value, set it in the scenario instead")
            return None
        flags = Walker(self.shown, _RangeFlags, "range")
        spec = flags.build(_RangeFlags, yaml.MappingNode(
            "tag:yaml.org,2002:map", [(k, v) for k, v in node.value
                                      if k.value in ("log", "steps", "invalid")]
            if isinstance(node, yaml.MappingNode) else []), key)
        for problem in flags.problems:
            w.problems.append(problem)
            w.bad.add(problem.key)
        if flags.problems:
            return None
        if spec.log and low <= 0:
            w.add(node, key, f"log spacing needs low above 0; found low {_fmt(low)}",
                  "raise low, or remove log: true")
            return None
        u = designs.Uncertainty(path, float(low), float(high), log=spec.log, steps=spec.steps,
                                integer=inner is int)
        return u, spec.invalid

    def _design_points(self, ref: _Ref, raw: list[dict[str, Any]],
                       uncertainties: list[tuple[designs.Uncertainty, _Spec]]
                       ) -> tuple[DesignPoint, ...]:
        """The design's points for one scenario, every cross-field rule holding at each.

        A point that breaks a rule is clipped (uncertainties with `invalid: clip`:
        the value moves to the nearest valid one between the sample and the
        scenario's own value) or, if that is not allowed or does not help, the
        file is refused with the first such point and the rule it breaks.
        """
        clip = [u for u, spec in uncertainties if spec.invalid == "clip"]
        out = []
        for index, point in enumerate(raw):
            values = dict(point)
            problems = self._rules(ref.value, values)
            clipped: list[str] = []
            if problems:
                named = [u for u in clip if any(p.key.startswith(u.name) for p in problems)]
                for u in named + [u for u in clip if u not in named]:
                    fixed = self._clip(ref.value, values, u)
                    if fixed is not None and fixed != values[u.name]:
                        values[u.name] = fixed
                        clipped.append(u.name)
                        problems = self._rules(ref.value, values)
                        if not problems:
                            break
            if problems:
                self._point_problem(ref, index, values, uncertainties, problems[0])
                return ()
            out.append(DesignPoint(index, tuple(values.items()), tuple(clipped),
                                   tuple(point.items()) if clipped else ()))
        return tuple(out)

    def _rules(self, scenario: Scenario, values: dict[str, Any]) -> list[Problem]:
        point = scenario
        for path, value in values.items():
            point = replace_path(point, path, value)
        checker = Walker(self.shown, Scenario, "scenario")
        check_scenario(point, checker)
        return checker.problems

    def _clip(self, scenario: Scenario, values: dict[str, Any],
              u: designs.Uncertainty) -> Any:
        """The valid value nearest to the sampled one, between it and the scenario's own."""
        good = get_path(scenario, u.name)
        if self._rules(scenario, {**values, u.name: good}):
            return None  # another parameter breaks the rule: clipping this one cannot help
        bad = values[u.name]
        for _ in range(60):
            if (u.integer and abs(bad - good) <= 1) or abs(bad - good) <= 1e-9 * max(
                    1.0, abs(good)):
                break
            mid = (good + bad) // 2 if u.integer else (good + bad) / 2
            if self._rules(scenario, {**values, u.name: mid}):
                bad = mid
            else:
                good = mid
        return good

    def _point_problem(self, ref: _Ref, index: int, values: dict[str, Any],
                       uncertainties: list[tuple[designs.Uncertainty, _Spec]],
                       problem: Problem) -> None:
        specs = {u.name: spec for u, spec in uncertainties}
        rule_path = re.sub(r"\[\d+\].*$", "", problem.key)
        target = next((p for p in (problem.key, rule_path) if p in specs), next(iter(specs)))
        point = ", ".join(f"{p}={_fmt(v) if not isinstance(v, float) else f'{v:.4g}'}"
                          for p, v in values.items())
        about = "" if problem.key == target else f"{problem.key}: "
        hint = ("narrow the range" + ("" if specs[target].invalid == "clip" else
                                      ", or add 'invalid: clip' to clip such values to the "
                                      "nearest valid one"))
        self.w.add(specs[target].node, f"uncertainties.{target}",
                   f"at design point #{index} ({point}) of scenario '{ref.label}', "
                   f"{about}{problem.message}", hint)

    # -- auto replications ------------------------------------------------------------------
    def _auto(self, ef: ExperimentFile, auto: bool,
              pair: tuple[yaml.Node, yaml.Node] | None) -> tuple[tuple[str, float], ...]:
        w = self.w
        if not auto:
            for key in ("target_half_width", "max_replications"):
                if key in w.lines:
                    w.add(w.lines[key], key, "only used with replications: auto; expected "
                          "replications: auto", f"set replications: auto, or remove {key}")
            return ()
        example = "target_half_width: {reputation_end: 0.2, negative_posts: 50}"
        if pair is None:
            w.add(w.lines.get("replications"), "target_half_width", "missing key; "
                  "replications: auto expected a target half-width per metric",
                  f"add a line like '{example}'")
            return ()
        node = pair[1]
        if not isinstance(node, yaml.MappingNode) or not node.value:
            w.add(node, "target_half_width", f"found {_shown(node)}; expected a mapping of "
                  "metric to half-width", example)
            return ()
        out = []
        for k, v in node.value:
            name = getattr(k, "value", "")
            key = f"target_half_width.{name}"
            if name not in METRIC_NAMES:
                w.add(k, key, "unknown metric; expected a metric of the results such as "
                      "reputation_end or negative_posts",
                      did_you_mean(name, list(METRIC_NAMES)) or "metrics: "
                      + ", ".join(METRIC_NAMES))
                continue
            value = w.value(float, {"lo": 0.0}, v, key)
            if value is BAD:
                continue
            if value <= 0:
                w.add(v, key, "0 can never be reached; expected a half-width above 0")
                continue
            out.append((name, float(value)))
        return tuple(out)


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
