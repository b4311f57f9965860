"""Regenerate the generated files of the repository: the one developer entry point.

Why this module exists: several files are generated from the code and
committed, so that a reader (or a review diff) sees them and a test can fail
when they drift. Their generators used to be `main`s of runtime modules in
`scenarios/`, each writing into docs/ or tests/golden itself. Now the runtime
modules only return text (`scenarios.reference.render_doc`,
`scenarios.jsonschema.render`, `scenarios.goldens.golden_summary`,
`scenarios.calibration.render_doc` / `render_fitted`,
`scenarios.decisions.render_doc`, `scenarios.realism.render`), nothing under
simulator/, scenarios/ or tui/ writes a generated file or calls this module
(tests/test_layering.py checks it), and this module is the only place that
knows where the generated files live and writes them.

Run it from the repository root:

    python -m tests.regenerate                  # the cheap targets: reference, jsonschema, goldens
    python -m tests.regenerate reference jsonschema
    python -m tests.regenerate --check          # write nothing; exit 1 and list stale files (CI)
    python -m tests.regenerate decisions --print --only pizza-prank   # print, write nothing

Targets (slow ones take minutes and run only when named):

    reference    docs/file-formats.md (every key) and docs/model.md (parameter table)
    jsonschema   docs/schema/{scenario,strategy,experiment}.schema.json
    goldens      tests/golden/<scenario>.json: one pinned run per library scenario
    calibration  (slow) the calibration table in docs/scenarios.md, from simulator/fitted.py
    fit          (slow, about an hour) fit simulator/fitted.py anew, then the calibration table
    decisions    (slow) the decision-points table in docs/scenarios.md
    realism      (slow) the realism-targets table in docs/model.md

`--print` prints what a target generates and writes nothing; with it,
`--only` narrows a target to some library scenarios (goldens, calibration,
decisions: names or paths) or realism targets (R1 R9), and `--history
recommended` replays decision points after the earlier recommended options.
Without `--print`, `--only` narrows goldens only: the other tables cover the
whole library. Exit status: 0 done, 1 stale (`--check`) or a check failed
(a decision point's recommendation, a realism target), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SCHEMA_DIR = DOCS / "schema"
GOLDEN_DIR = ROOT / "tests" / "golden"
SCENARIOS_DOC = DOCS / "scenarios.md"
MODEL_DOC = DOCS / "model.md"
FITTED_FILE = ROOT / "simulator" / "fitted.py"

COMMAND = "python -m tests.regenerate"
#: what a stale golden's test failure tells you to run (add `--only NAME` for one)
REGENERATE_GOLDENS = f"{COMMAND} goldens"

CHEAP = ("reference", "jsonschema", "goldens")
SLOW = ("calibration", "fit", "decisions", "realism")
TARGETS = (*CHEAP, *SLOW)

#: a new file text from the current one (None when the file does not exist yet)
Transform = Callable[[str | None], str]


@dataclass
class Outcome:
    """What a target generated: per file, how to make its new text; and the target's status."""

    files: list[tuple[Path, Transform]] = field(default_factory=list)
    status: int = 0  # 1 when a check the target runs fails (not staleness)
    printed: list[str] | None = None  # what --print shows (None: the files' new text)


def _replace(text: str) -> Transform:
    return lambda _old: text


def _need(old: str | None, path: Path) -> str:
    if old is None:
        raise FileNotFoundError(f"{path} is missing: it holds hand-written text around its "
                                "generated block")
    return old


# ---- paths the tests use --------------------------------------------------------------------
def schema_path(kind: str) -> Path:
    """Where the committed JSON Schema of a format lives."""
    return SCHEMA_DIR / f"{kind}.schema.json"


def golden_path(name: str) -> Path:
    """Where the golden of a library scenario lives."""
    return GOLDEN_DIR / f"{name}.json"


def read_golden(name: str) -> dict[str, Any] | None:
    """The committed golden of a scenario, or None when there is none."""
    path = golden_path(name)
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


# ---- targets --------------------------------------------------------------------------------
def reference(args: argparse.Namespace) -> Outcome:
    from scenarios import reference as ref

    def block(doc: str) -> tuple[Path, Transform]:
        path = DOCS / doc
        return path, lambda old: ref.render_doc(doc, _need(old, path))

    return Outcome([block(doc) for doc in ref.BLOCKS])


def jsonschema(args: argparse.Namespace) -> Outcome:
    from scenarios import jsonschema as js

    return Outcome([(schema_path(kind), _replace(js.render(kind))) for kind in js.FORMATS])


def goldens(args: argparse.Namespace) -> Outcome:
    from scenarios import goldens as g

    names = args.only or g.scenario_names()
    return Outcome([(golden_path(n), _replace(g.render(g.golden_summary(n)))) for n in names])


def _calibration_files(rep: Any) -> list[tuple[Path, Transform]]:
    from scenarios import calibration as cal

    return [(SCENARIOS_DOC, lambda old: cal.render_doc(_need(old, SCENARIOS_DOC), rep))]


def calibration(args: argparse.Namespace) -> Outcome:
    from scenarios import calibration as cal

    cases = cal.load_cases(args.only or None)
    params = cal.shipped_params()
    rep = cal.report(cases, params, cal.shipped_loo(params))
    return Outcome(_calibration_files(rep), printed=[cal.table(rep)])


def fit(args: argparse.Namespace) -> Outcome:
    from scenarios import calibration as cal

    if args.only:
        raise SystemExit("fit uses every case; drop --only")
    cases = cal.load_cases()
    params, loo, joint, seconds = cal.fit_all(cases, cal.shipped_params(), args.budget,
                                              args.loo_budget)
    rep = cal.report(cases, params, loo)
    fitted = (FITTED_FILE, lambda old: cal.render_fitted(_need(old, FITTED_FILE), params, loo,
                                                         joint, seconds))
    return Outcome([fitted, *_calibration_files(rep)], printed=[cal.table(rep)])


def decisions(args: argparse.Namespace) -> Outcome:
    from scenarios import decisions as d
    from scenarios.errors import FileError
    from scenarios.library import library_scenarios

    if args.replicas < 2:
        raise SystemExit("--replicas must be at least 2 (an interval needs two)")
    names = args.only or [e.name for e in library_scenarios()]
    results: list[Any] = []
    for name in names:
        try:
            here = d.evaluate(name, args.replicas, args.seed, path=args.history)
        except FileError as exc:
            print(exc, file=sys.stderr)
            raise SystemExit(2) from exc
        print(d.format_table(here) + "\n", flush=True)
        results += here
    bad, known = d.problems(results), d.reported(results)
    print(f"{len(results)} decision points; "
          + (f"{len(bad)} check failures" if bad else "every recommendation passes the check")
          + (f" ({len(known)} reported model issues left out)" if known else ""))
    body = d.markdown(results, args.replicas, args.seed)
    return Outcome([(SCENARIOS_DOC, lambda old: d.render_doc(_need(old, SCENARIOS_DOC), body))],
                   status=1 if bad else 0, printed=[])  # its tables are printed above


def realism(args: argparse.Namespace) -> Outcome:
    from scenarios import realism as r

    only = [t.upper() for t in args.only]
    unknown = [t for t in only if t not in r.TARGETS]
    if unknown:
        raise SystemExit(f"unknown realism target(s): {', '.join(unknown)}")
    if args.runs < 2:
        raise SystemExit("--runs must be at least 2")
    scale = r.Scale.of(args.runs)
    command = f"{COMMAND} realism" + (f" --runs {args.runs}" if args.runs != r.DEFAULT_RUNS
                                       else "")
    results = r.measure_all(scale, only)
    body = r.table(results, scale, command)
    return Outcome([(MODEL_DOC, lambda old: r.render(_need(old, MODEL_DOC), body))],
                   status=0 if all(x.passed for x in results) else 1, printed=[body])


RUNNERS: dict[str, Callable[[argparse.Namespace], Outcome]] = {
    "reference": reference, "jsonschema": jsonschema, "goldens": goldens,
    "calibration": calibration, "fit": fit, "decisions": decisions, "realism": realism}


# ---- applying -------------------------------------------------------------------------------
def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def stale(*targets: str) -> list[Path]:
    """The files of `targets` whose committed text differs from what is generated now."""
    args = parser().parse_args(list(targets))
    out = []
    for target in args.targets:
        for path, make in RUNNERS[target](args).files:
            old = _read(path)
            if old != make(old):
                out.append(path)
    return out


def parser() -> argparse.ArgumentParser:
    from scenarios.realism.runs import DEFAULT_RUNS

    ap = argparse.ArgumentParser(
        prog=COMMAND, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Regenerate the generated docs, schemas, goldens and fitted parameters "
        "(run from the repository root).",
        epilog="targets (no target: the cheap ones, " + ", ".join(CHEAP) + "):\n"
        "  reference    docs/file-formats.md and docs/model.md (key and parameter tables)\n"
        "  jsonschema   docs/schema/*.schema.json\n"
        "  goldens      tests/golden/*.json (one pinned run per library scenario)\n"
        "  calibration  SLOW: calibration table of docs/scenarios.md from simulator/fitted.py\n"
        "  fit          VERY SLOW (about an hour): refit simulator/fitted.py, then the table\n"
        "  decisions    SLOW: decision-points table of docs/scenarios.md\n"
        "  realism      SLOW: realism-targets table of docs/model.md")
    ap.add_argument("targets", nargs="*", metavar="TARGET", default=list(CHEAP),
                    help="what to regenerate: " + ", ".join(TARGETS))
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 and list the files that are out of date")
    ap.add_argument("--print", action="store_true", dest="print_only",
                    help="print what is generated and write nothing")
    ap.add_argument("--only", nargs="+", default=[], metavar="NAME",
                    help="only these library scenarios (goldens; with --print also "
                    "calibration and decisions) or realism targets (with --print)")
    ap.add_argument("--runs", type=int, default=DEFAULT_RUNS,
                    help=f"realism: seeds per scenario and arm (default {DEFAULT_RUNS}); the "
                    "ordinary-complaint preset runs 25 times as many")
    ap.add_argument("--replicas", type=int, default=24, help="decisions: paired replicas")
    ap.add_argument("--seed", type=int, default=1, help="decisions: first run seed")
    ap.add_argument("--history", choices=("timeout", "recommended"), default="timeout",
                    help="decisions: how the team got to each point (recommended: only "
                    "with --print)")
    ap.add_argument("--budget", type=int, default=150,
                    help="fit: objective evaluations of the joint fit")
    ap.add_argument("--loo-budget", type=int, default=12,
                    help="fit: objective evaluations of each leave-one-case-out refit")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    ap = parser()
    args = ap.parse_args(argv)
    unknown = [t for t in args.targets if t not in RUNNERS]
    if unknown:
        ap.error(f"unknown target(s) {', '.join(unknown)}; choose from {', '.join(TARGETS)}")
    if not args.print_only:
        whole = [t for t in args.targets if t in ("calibration", "decisions", "realism")]
        if args.only and whole:
            ap.error(f"{', '.join(whole)} cover(s) the whole library; --only needs --print")
        if args.history != "timeout":
            ap.error("--history recommended is a robustness view; it needs --print")
    status, old_files = 0, []
    for target in dict.fromkeys(args.targets):
        try:
            outcome = RUNNERS[target](args)
        except SystemExit as exc:
            if isinstance(exc.code, str):
                ap.error(exc.code)
            raise
        status = max(status, outcome.status)
        if args.print_only:
            shown = outcome.printed
            for text in [make(_read(p)) for p, make in outcome.files] if shown is None else shown:
                print(text)
            continue
        for path, make in outcome.files:
            old = _read(path)  # read just before writing: others may edit the same doc
            new = make(old)
            rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            if old == new:
                print(f"ok       {rel}")
            elif args.check:
                old_files.append(rel)
                print(f"stale    {rel}")
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(new, encoding="utf-8")
                print(f"{'wrote' if old is None else 'updated':<8} {rel}")
    if old_files:
        print(f"{len(old_files)} generated file(s) out of date: "
              + ", ".join(str(p) for p in old_files)
              + f"\nregenerate with `{COMMAND} {' '.join(dict.fromkeys(args.targets))}`",
              file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
