"""Experiment files: a batch of simulation runs described in YAML.

    kind: experiment                     # optional
    name: weekend-response               # default: the file stem
    scenarios: [supermarket-video, ./my-scenario.yaml]
    strategies: [silent, fast-empathetic, none]   # `none`: no response at all
    replications: 200
    seed: 7
    baseline: silent                     # default: the first strategy
    hours: 72                            # optional: stop each run early
    grid:                                # every combination is run
      plan.approval_delay_h: [0, 1, 3, 6]
    sensitivity:                         # optional sweep of every [A] assumption
      replications: 50

or, separating what the team chooses from what nobody controls (policies and
uncertainties, as exploratory modelling does; docs/experiments.md):

    scenarios: [kitchen-gaffe]
    policies:                            # instead of `strategies`
      - strategy: silent
      - strategy: fast-empathetic        # every combination of the lists is a policy
        respond_after_h: [0.5, 1, 2, 4]  # any strategy parameter
        decisions: {0: [0, 1]}           # decision point 0: option 0, then option 1
    uncertainties:                       # instead of `grid`
      media.hazard_per_h: {low: 0.01, high: 0.2, log: true}
      complaint.complainant_followers: {low: 100, high: 3000, invalid: clip}
    sampler: lhs                         # factorial | lhs | sobol | morris
    samples: 20
    replications: auto                   # rounds until the CIs are narrow enough
    target_half_width: {reputation_end: 0.2}
    max_replications: 400

`load_experiment` returns the `simulator.batch.Experiment` the engine runs, or
raises one `FileError` listing every problem: the experiment's own (file, line,
key, what was expected, did-you-mean), then those of each scenario or strategy
file it refers to, including grid values that are out of a parameter's limits
or break a scenario's cross-field rules at some grid point.

Scenarios and strategies are labelled by library name, or by file stem for a
path; the labels name them in the results and `baseline` refers to them.
Relative paths are resolved from the experiment file's folder. Policies,
uncertainties and `replications: auto` are read by `scenarios.experiment_axes`.
"""

# ruff: noqa: RUF009  (`param(...)` returns a dataclasses.field carrying limits and docs)
from __future__ import annotations

import dataclasses
import itertools
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from scenarios.checks import check_scenario
from scenarios.errors import FileError, Problem, did_you_mean
from scenarios.experiment_axes import (
    LEAVES,
    LIST_PATHS,
    NAME,
    NO_STRATEGY,
    SECTIONS,
    STRATEGY_FIELDS,
    AxesCheck,
    _Axis,
    _fmt,
    _Ref,
    grid_parameters,
)
from scenarios.loader import load_scenario, load_strategy, open_file
from scenarios.refs import (
    EXPERIMENT_DIR,
    SCENARIO_DIR,
    STRATEGY_DIR,
    Site,
    is_path,
    library_names,
    local_path,
    resolve,
)
from scenarios.schema import BAD, Walker, _shown, describe, is_null
from simulator import designs
from simulator.batch import (
    AutoReplications,
    DesignPoint,
    Experiment,
    replace_strategy_name,
)
from simulator.config import Scenario, param, replace_path, section
from simulator.sensitivity import sensitivity_points

MAX_RUNS = 10_000_000
# replication_seed() multiplies the seed by about 1e6 and the results store
# keeps it in a 64-bit SQLite integer, so seeds stay far below 2**63 / 1e6.
MAX_SEED = 10**12
# Grid points checked against the scenario cross-field rules at most (each
# check takes ~20 us); see `_check_points` for how larger grids are covered.
MAX_POINT_CHECKS = 100_000
REQUIRED = ("scenarios", "replications")  # and one of strategies or policies
#: keys the generic walker cannot read (mappings of dotted paths, lists of mappings, `auto`)
BY_HAND = ("grid", "policies", "uncertainties", "target_half_width")
AUTO = "auto"
AUTO_FIRST_ROUND = 20  # replications of the first round of `replications: auto`


@dataclass(frozen=True)
class SensitivityFile:
    """One-at-a-time sweep: each [A] assumption moved to both ends of its range."""

    replications: int = param(50, lo=1, hi=100_000, doc="replications per sweep point")


@dataclass(frozen=True)
class ExperimentFile:
    """The keys of an experiment file (the `grid` mapping is checked by hand)."""

    name: str | None = param(None, doc="short identifier; default: the file stem")
    description: str = param("", doc="what the experiment asks")
    scenarios: list[str] = param([], doc="library names or paths (relative to the experiment "
                                 "file); required")
    strategies: list[str] = param([], doc="library names or paths, or `none` for no response; "
                                  "this or `policies` is required")
    policies: list[dict[str, Any]] = param(
        [], doc="instead of strategies: entries `{strategy: NAME, label: ..., PARAMETER: "
        "[values], decisions: {POINT: [options]}}`; every combination of an entry's lists "
        "is a policy, labelled like `NAME respond_after_h=2`")
    replications: int = param(100, lo=1, hi=100_000,
                              doc="runs per scenario, policy and point, or `auto` (rounds "
                              "until target_half_width is met); required")
    target_half_width: dict[str, float] = param(
        {}, doc="with `replications: auto`: metric -> largest acceptable 95% CI half-width "
        "of the baseline mean and of every paired difference")
    max_replications: int = param(1000, lo=2, hi=100_000,
                                  doc="with `replications: auto`: stop here even if a target "
                                  "is not met")
    seed: int = param(0, lo=0, hi=MAX_SEED, doc="experiment seed; replication i uses the same "
                      "run seed for every strategy and grid point (paired comparisons)")
    baseline: str | None = param(None, doc="strategy that differences are taken against; "
                                 "default: the first strategy")
    hours: float | None = param(None, lo=0.5, hi=24 * 60,
                                doc="stop each run after this many hours; default: the "
                                "scenario's duration_h")
    grid: dict[str, list[Any]] = param({}, doc="dotted scenario parameter -> list of values; "
                                       "every combination is run")
    uncertainties: dict[str, Any] = param(
        {}, doc="instead of grid: dotted scenario parameter -> `{low, high}` (optional `log: "
        "true`, `steps`, `invalid: reject|clip`), a list of values, or `{}` for its plausible "
        "range")
    sampler: Literal["factorial", "lhs", "sobol", "morris"] = param(
        "factorial", doc="how uncertainties are sampled: factorial (every combination), lhs "
        "(Latin hypercube), sobol or morris (SALib designs for global sensitivity)")
    samples: int | None = param(None, lo=1, hi=1_000_000,
                         doc="lhs: points; sobol: base sample N (N x (D + 2) points); morris: "
                         "trajectories (r x (D + 1) points)")
    sensitivity: SensitivityFile = section(
        SensitivityFile, doc="if given, also sweep every [A] assumption of the first scenario "
        "one at a time")


# --- loading ------------------------------------------------------------------------------

class _ExperimentCheck(AxesCheck):
    def __init__(self, path: Path, shown: str, problems: list[Problem]) -> None:
        self.path, self.shown = path, shown
        self.folder = os.path.dirname(str(path))
        self.w = Walker(shown, ExperimentFile, "experiment")
        self.early = problems  # duplicate keys and `kind` problems
        self.nested: list[Problem] = []  # problems inside referenced files
        self.labels: dict[str, list[str]] = {}  # every label written, even of unknown files
        self.grid_sizes: dict[str, int] = {}  # values written per grid parameter
        self.policy_count = 0  # policies declared (0: the file lists strategies)

    # -- entry point -----------------------------------------------------------------
    def run(self, body: yaml.MappingNode) -> Experiment:
        w = self.w
        hand: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        rest = []
        for k, v in body.value:
            name = k.value if isinstance(k, yaml.ScalarNode) else None
            if name in BY_HAND or (name == "replications" and isinstance(v, yaml.ScalarNode)
                                   and v.value == AUTO):
                hand.setdefault(str(name), (k, v))
            else:
                rest.append((k, v))
        ef: ExperimentFile = w.build(
            ExperimentFile, yaml.MappingNode(body.tag, rest, body.start_mark, body.end_mark))
        for name, (k, _) in hand.items():
            w.lines[name] = k.start_mark.line + 1
        auto = "replications" in hand
        self._required(ef, "policies" in hand)
        if ef.name is not None and "name" not in w.bad and not NAME.fullmatch(ef.name):
            w.add(w.lines.get("name"), "name", f"'{ef.name}' is not a short identifier; "
                  "expected letters, digits, '-', '_' and '.' (it names the results folder)",
                  "remove the key to use the file name")
        scenarios = self._refs(ef, "scenarios")
        if "policies" in hand:
            policies = self._policies(hand["policies"][1], scenarios)
            strategies = ([_Ref(i, p.label, p.strategy, True) for i, p in enumerate(policies)]
                          if policies is not None else None)
            self.labels["strategies"] = [p.label for p in policies or []]
        else:
            policies = None
            strategies = self._refs(ef, "strategies")
        baseline = self._baseline(ef, strategies)
        if "grid" in hand and "uncertainties" in hand:
            w.add(w.lines["uncertainties"], "uncertainties", "given together with grid; "
                  "expected one of them", "move the grid's lists under uncertainties (a list "
                  "of values is a factorial axis there too)")
        axes = self._grid(hand["grid"][1] if "grid" in hand else None)
        uncertainties = (self._uncertainties(hand["uncertainties"][1], ef)
                         if "uncertainties" in hand else [])
        targets = self._auto(ef, auto, hand.get("target_half_width"))
        sens = ef.sensitivity.replications if "sensitivity" in w.lines else 0
        reps = (min(AUTO_FIRST_ROUND, ef.max_replications) if auto else ef.replications)
        cap = ef.max_replications if auto else ef.replications
        n_points = (designs.size([u for u, _ in uncertainties], ef.sampler, ef.samples or 0)
                    if uncertainties else None)
        too_big = self._size(ef, scenarios, strategies, sens, cap, n_points)
        points: list[tuple[str, tuple[DesignPoint, ...]]] = []
        if not too_big:
            for ref in scenarios or []:
                if ref.ok:
                    self._check_points(ref, axes)
            if uncertainties and not any(k.startswith(("uncertainties", "sampler", "samples"))
                                         for k in w.bad):
                raw = designs.sample([u for u, _ in uncertainties], ef.sampler,
                                     ef.samples or 0, ef.seed)
                for ref in scenarios or []:
                    if ref.ok:
                        points.append((ref.label, self._design_points(ref, raw, uncertainties)))
        problems = self.early + w.problems + self.nested
        if problems:
            raise FileError(problems)
        assert scenarios is not None and strategies is not None
        return Experiment(
            name=ef.name or Path(self.path).stem,
            scenarios=tuple((r.label, r.value) for r in scenarios),
            strategies=tuple((r.label, r.value) for r in strategies),
            replications=reps, seed=ef.seed,
            grid=tuple((a.path, tuple(v for v, _, _ in a.values)) for a in axes),
            baseline=baseline, hours=ef.hours, sensitivity_replications=sens,
            policies=tuple(policies or ()),
            uncertainties=tuple(u for u, _ in uncertainties),
            sampler=ef.sampler if uncertainties else "factorial",
            samples=(ef.samples or 0) if uncertainties else 0, points=tuple(points),
            auto=AutoReplications(targets, ef.max_replications) if auto else None)

    # -- plain keys ----------------------------------------------------------------------
    def _required(self, ef: ExperimentFile, has_policies: bool) -> None:
        meta = {f.name: f.metadata for f in dataclasses.fields(ExperimentFile)}
        if has_policies and "strategies" in self.w.lines:
            self.w.add(self.w.lines["strategies"], "strategies", "given together with "
                       "policies; expected one of them", "list each strategy under policies "
                       "as '- strategy: NAME'")
        required = REQUIRED if has_policies else (*REQUIRED, "strategies")
        expected = {"scenarios": ("a list of library scenario names or paths",
                                  "scenarios: [supermarket-video]"),
                    "strategies": ("a list of library strategy names or paths (or none), "
                                   "or policies", "strategies: [silent, fast-empathetic]"),
                    "replications": (describe(int, meta["replications"]),
                                     "replications: 100")}
        for key in required:
            if key not in self.w.lines and key not in self.w.bad:
                what, example = expected[key]
                self.w.add(None, key, f"missing key; expected {what}",
                           f"add a line like '{example}'")

    # -- scenarios and strategies ------------------------------------------------------
    def _refs(self, ef: ExperimentFile, key: str) -> list[_Ref] | None:
        """The resolved entries of `scenarios` or `strategies`; None if the list is unusable."""
        w = self.w
        if key in w.bad or key not in w.lines:
            return None
        kind = "scenario" if key == "scenarios" else "strategy"
        items: list[str] = getattr(ef, key)
        if not items:
            example = "supermarket-video" if kind == "scenario" else "silent, fast-empathetic"
            w.add(w.lines[key], key, f"empty list; expected at least one {kind}",
                  f"for example: {key}: [{example}]")
            return None
        out: list[_Ref] = []
        first: dict[str, int] = {}
        self.labels[key] = [ref if ref == NO_STRATEGY or not self._is_path(ref)
                            else Path(ref).stem for ref in items]
        for i, (ref, label) in enumerate(zip(items, self.labels[key], strict=True)):
            item_key = f"{key}[{i}]"
            line = w.lines.get(item_key)
            if kind == "strategy" and ref == NO_STRATEGY:
                file = None
            else:
                file = self._find(ref, kind, item_key, line)
                if file is None:
                    continue
            if label in first:
                j = first[label]
                w.add(line, item_key, f"duplicate {kind} '{label}' (first at {key}[{j}], line "
                      f"{w.lines.get(f'{key}[{j}]')}); expected each {kind} once",
                      "remove one; files are labelled by their name without .yaml, so rename "
                      "one of two files with the same name")
                continue
            first[label] = i
            entry = _Ref(i, label)
            out.append(entry)
            if file is None:  # `none`
                entry.ok = True
                continue
            try:
                if kind == "scenario":
                    entry.value = load_scenario(file)
                else:
                    entry.value = replace_strategy_name(load_strategy(file), label)
                entry.ok = True
            except FileError as err:
                w.add(line, item_key, f"'{ref}' is not a valid {kind} (its problems are "
                      f"listed below); expected a valid {kind} file")
                self.nested.extend(err.problems)
        return out

    def _is_path(self, ref: str) -> bool:
        """Whether `ref` names a file rather than a library entry (a file there wins)."""
        return is_path(ref, Path(self.folder))

    def _local(self, ref: str) -> str:
        return str(local_path(ref, Path(self.folder)))

    def _find(self, ref: str, kind: str, key: str, line: int | None) -> str | None:
        """The file of a library name or a path, or None after recording a problem."""
        folder = SCENARIO_DIR if kind == "scenario" else STRATEGY_DIR
        site = Site(self.shown, key, line, Path(self.folder), "the experiment file",
                    elsewhere={"scenario": "list it under scenarios",
                               "strategy": "list it under strategies"},
                    hints={NO_STRATEGY: "'none' means no response; list it under strategies"}
                    if kind == "scenario" else {})
        try:
            file, _ = resolve(ref, (folder,), kind, site,
                              also=[NO_STRATEGY] if kind == "strategy" else [])
        except FileError as err:
            for p in err.problems:
                self.w.add(p.line, p.key, p.message, p.hint)
            return None
        return str(file)

    def _baseline(self, ef: ExperimentFile, strategies: list[_Ref] | None) -> str | None:
        w = self.w
        if strategies is None:
            return None
        labels = self.labels["strategies"]
        if ef.baseline is None or "baseline" in w.bad:
            return labels[0] if labels else None
        if ef.baseline in labels:
            return ef.baseline
        # labels pair with `strategies` one to one only in a strategies file: with policies
        # (labels from the policies) or after an entry failed its checks, they differ
        by_ref = (dict(zip(ef.strategies, labels, strict=True))
                  if len(ef.strategies) == len(labels) else {})
        if ef.baseline in by_ref:
            hint = (f"did you mean '{by_ref[ef.baseline]}'? (strategies are named by library "
                    "name, or file name without .yaml)")
        else:
            hint = did_you_mean(ef.baseline, labels) or "add it to strategies, or pick another"
        w.add(w.lines.get("baseline"), "baseline", f"'{ef.baseline}' is not one of the "
              f"strategies; expected one of {', '.join(labels) or 'the strategies'}", hint)
        return None

    # -- the grid ------------------------------------------------------------------------
    def _grid(self, node: yaml.Node | None) -> list[_Axis]:
        w = self.w
        if node is None or is_null(node):
            return []
        if not isinstance(node, yaml.MappingNode):
            w.add(node, "grid", f"found {_shown(node)}; expected a mapping of dotted scenario "
                  "parameters to lists of values", "for example:  plan.approval_delay_h: [0, 1, 3]"
                  " (indented under grid)")
            return []
        axes: list[_Axis] = []
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                w.add(key_node, "grid", "a key must be a dotted parameter name; expected "
                      "'section.parameter: [values]'")
                continue
            path = key_node.value
            key = f"grid.{path}"
            w.lines.setdefault(key, key_node.start_mark.line + 1)
            if path in seen:  # reported as a duplicate key already
                continue
            seen.add(path)
            axis = self._axis(path, key, key_node, value_node)
            if axis is not None:
                axes.append(axis)
        return axes

    def _path_problem(self, path: str, key: str, node: yaml.Node) -> bool:
        """Record a problem if `path` is not a single-valued scenario parameter."""
        if path in LEAVES:
            return False
        w = self.w
        if path in SECTIONS:
            params = SECTIONS[path]
            example = next((p for p in params if LEAVES.get(p, (0, {}))[1].get("hi")),
                           next((p for p in params if p in LEAVES), params[0]))
            w.add(node, key, f"'{path}' is a section, not a parameter; expected a dotted path "
                  f"to one parameter such as '{example}'",
                  f"parameters of '{path}': " + ", ".join(p.rpartition(".")[2] for p in params))
        elif path in LIST_PATHS:
            w.add(node, key, f"'{path}' holds a list, not a single value; expected a "
                  "single-valued parameter such as 'plan.approval_delay_h'",
                  "a grid varies plain values; use one scenario file per variant instead")
        elif path in STRATEGY_FIELDS:
            section_name = key.partition(".")[0]
            w.add(node, key, f"'{path}' is a strategy parameter, not a scenario parameter; "
                  f"expected a dotted scenario path under {section_name}",
                  f"vary it under policies: '- strategy: fast-empathetic' with "
                  f"'{path}: [...]' indented below it")
        else:
            hint = did_you_mean(path, list(LEAVES))
            if not hint:  # e.g. `approval_delay` for `plan.approval_delay_h`
                by_name = {p.rpartition(".")[2]: p for p in reversed(LEAVES)}
                close = did_you_mean(path.rpartition(".")[2], list(by_name))
                if close:
                    hint = f"did you mean '{by_name[close.split(chr(39))[1]]}'?"
            w.add(node, key, "unknown scenario parameter; expected a dotted path to a "
                  "parameter such as 'plan.approval_delay_h'",
                  hint or "every parameter is listed in docs/model.md and docs/file-formats.md")
        return True

    def _axis(self, path: str, key: str, key_node: yaml.Node,
              value_node: yaml.Node) -> _Axis | None:
        w = self.w
        bad_path = self._path_problem(path, key, key_node)
        tp, meta = LEAVES.get(path, (Any, {}))
        expected = describe(tp, meta) if not bad_path else "values"
        if is_null(value_node):
            w.add(value_node, key, f"missing values; expected a list of {expected}")
            return None
        if isinstance(value_node, yaml.ScalarNode):
            w.add(value_node, key, f"found {_shown(value_node)}; expected a list of values "
                  f"({expected})", f"write it as a list: [{value_node.value}]")
            return None
        if not isinstance(value_node, yaml.SequenceNode):
            w.add(value_node, key, f"found {_shown(value_node)}; expected a list of values "
                  f"({expected})")
            return None
        self.grid_sizes[path] = len(value_node.value)
        if not value_node.value:
            w.add(value_node, key, f"empty list; expected at least one value ({expected})",
                  "remove the key to keep the scenario's value")
            return None
        if bad_path:
            return None
        values: list[tuple[Any, yaml.Node, int]] = []
        # First index of each value, keyed by (type, value) so 1 and 1.0 stay distinct: a
        # dict keeps the repeat check linear (a scan of `values` took 275 s for 100k values).
        first: dict[tuple[type, Any], int] = {}
        ok = True
        for i, item in enumerate(value_node.value):
            item_key = f"{key}[{i}]"
            w.lines[item_key] = item.start_mark.line + 1
            value = w.value(tp, meta, item, item_key)
            if value is BAD:
                ok = False
                continue
            if path == "network.path" and value is not None:
                value = os.path.abspath(self._local(value))
            earlier = first.setdefault((type(value), value), i)
            if earlier != i:
                w.add(item, item_key, f"{_shown(item)} is listed twice (also {key}[{earlier}]); "
                      "expected each value once", "remove the repeat")
                ok = False
                continue
            values.append((value, item, i))
        return _Axis(path, values) if ok else None

    # -- size and grid points -------------------------------------------------------------
    def _size(self, ef: ExperimentFile, scenarios: list[_Ref] | None,
              strategies: list[_Ref] | None, sens: int, reps: int,
              n_points: int | None) -> bool:
        """Whether the experiment has more than MAX_RUNS runs (recorded as a problem).

        `reps` is the replications (the cap, for auto); `n_points` the size of
        the uncertainty design, if there is one.
        """
        w = self.w
        if scenarios is None or strategies is None or "replications" in w.bad:
            return False
        grid = self.grid_sizes
        points = math.prod(grid.values()) if n_points is None else n_points
        n_sc = len(ef.scenarios)
        n_st = len(strategies) if self.policy_count else len(ef.strategies)
        runs = points * n_sc * n_st * reps
        sweep = 0
        if sens and scenarios and scenarios[0].ok and "sensitivity" not in w.bad:
            sweep = (1 + len(sensitivity_points(scenarios[0].value))) * n_sc * n_st * sens
        if runs + sweep <= MAX_RUNS and points <= MAX_POINT_CHECKS:
            return False
        kind = "grid" if n_points is None else "design"
        parts = [f"{points:,} {kind} points"] if grid or n_points is not None else []
        what = "polic" if self.policy_count else "strateg"
        parts += [f"{n_sc} scenario{'s' * (n_sc != 1)}", f"{n_st} {what}"
                  f"{'ies' if n_st != 1 else 'y'}", f"{reps:,} replications"]
        extra = f" plus {sweep:,} sensitivity runs" if sweep else ""
        key = ("uncertainties" if n_points is not None else "grid" if grid
               else "replications")
        expected = f"at most {MAX_RUNS:,}"
        if points > MAX_POINT_CHECKS:
            expected += f" runs and {MAX_POINT_CHECKS:,} design points"
        w.add(w.lines.get(key), key, f"absurd size: {runs + sweep:,} runs ("
              + " x ".join(parts) + f"{extra}); expected {expected}",
              "use fewer grid values, samples, policies or replications, or split the "
              "experiment")
        return True

    def _check_points(self, ref: _Ref, axes: list[_Axis]) -> None:
        """Run the scenario's cross-field checks at the grid points.

        Every rule in `checks.py` reads at most three parameters, so checking every
        combination of values of every three grid parameters (the others at the
        scenario's own values, which are valid) finds every violation. Smaller
        combinations are checked first and a problem is reported once, for the
        smallest combination that causes it, so it names the grid value to blame.
        Grids of up to three parameters are thus checked point by point; if a grid
        would need more than MAX_POINT_CHECKS checks, pairs (or single parameters)
        are covered instead.
        """
        if not axes:
            return
        size = min(len(axes), 3)

        def cost(t: int) -> int:
            return sum(math.prod(len(axes[i].values) for i in combo)
                       for s in range(1, t + 1)
                       for combo in itertools.combinations(range(len(axes)), s))

        while size > 1 and cost(size) > MAX_POINT_CHECKS:
            size -= 1
        causes: dict[tuple[str, str], list[frozenset[tuple[str, int]]]] = {}
        for n in range(1, size + 1):
            for combo in itertools.combinations(axes, n):
                for choice in itertools.product(*(a.values for a in combo)):
                    point = ref.value
                    for axis, (value, _, _) in zip(combo, choice, strict=True):
                        point = replace_path(point, axis.path, value)
                    checker = Walker(self.shown, Scenario, "scenario")
                    check_scenario(point, checker)
                    if not checker.problems:
                        continue
                    chosen = {a.path: c for a, c in zip(combo, choice, strict=True)}
                    here = frozenset((p, c[2]) for p, c in chosen.items())
                    for problem in checker.problems:
                        seen = causes.setdefault((problem.key, problem.message), [])
                        if any(cause <= here for cause in seen):
                            continue  # explained by fewer grid values
                        seen.append(here)
                        self._grid_problem(ref, chosen, problem)

    def _grid_problem(self, ref: _Ref, chosen: dict[str, tuple[Any, yaml.Node, int]],
                      problem: Problem) -> None:
        rule_key = problem.key
        rule_path = re.sub(r"\[\d+\].*$", "", rule_key)
        target = next((p for p in (rule_key, rule_path) if p in chosen), next(iter(chosen)))
        _, node, index = chosen[target]
        point = ", ".join(f"{p}={_fmt(v)}" for p, (v, _, _) in chosen.items())
        about = "" if rule_key == target else f"{rule_key}: "
        self.w.add(node, f"grid.{target}[{index}]",
                   f"at grid point {point} of scenario '{ref.label}', {about}{problem.message}",
                   problem.hint or "drop this value from the grid, or change the scenario")


def load_experiment(ref: str) -> Experiment:
    """A validated experiment from a path (or a name in scenarios/experiments); FileError.

    Every scenario and strategy it names is loaded (and so validated); every
    grid value is checked against its parameter's type and limits, and the
    scenarios' cross-field rules are checked at the grid points.
    """
    path, shown, _, body, problems = open_file(ref, (EXPERIMENT_DIR,), "experiment")
    return _ExperimentCheck(path, shown, problems).run(body)


def library_experiments() -> list[str]:
    """Names of the shipped example experiments."""
    return library_names(EXPERIMENT_DIR)


__all__ = ["MAX_RUNS", "ExperimentFile", "SensitivityFile", "grid_parameters",
           "library_experiments", "load_experiment"]
