"""The `stormdrill` command line.

Headless subcommands (run, validate, scenarios) never import textual. Any
problem with what the user gave us ends in a clear message on stderr and exit
code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from simulator.errors import EXIT_BAD_INPUT, StormdrillError
from simulator.outcomes import STORED, Group, Outcome, Unit
from tui.room_commands import (
    add_room_parser,
    console_for_room,
    create_room,
    play_in_room,
    report_room,
)


class CliError(StormdrillError):
    """A user error that is not about a file's contents (an argument, a combination)."""


class _Parser(argparse.ArgumentParser):
    """argparse that exits with code 2 and a hint, as every other bad input does."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"stormdrill: error: {message}\n"
                         f"  try: {self.prog} --help\n")
        raise SystemExit(EXIT_BAD_INPUT)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="stormdrill", description="Rehearse social-media crises: a validated "
                     "complaint-spread simulator, drills and batch experiments.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    play = sub.add_parser("play", help="play a drill in the terminal")
    play.add_argument("scenario", nargs="?", default=None,
                      help="library name or path (default: pick from the library)")
    play.add_argument("--seed", type=int, default=1, help="run seed (default 1)")
    play.add_argument("--team", default=None, help="team name (default: asked on screen; in a "
                      "room, one of the room's teams)")
    play.add_argument("--room", default=None, help="join a drill room as --team (the room "
                      "sets the scenario, seed and session)")
    play.add_argument("--session", default=None,
                      help="session file, saved after every action (default: "
                      "stormdrill-sessions/SCENARIO-TIME.json)")
    play.add_argument("--prompts", default=None, metavar="freeze|run|real:MINUTES",
                      help="what an open decision prompt does to the clock: freeze it until "
                      "the team answers, let it run (deadline in simulated hours), or freeze "
                      "it and give the team MINUTES real minutes (default: the scenario's "
                      "facilitation.prompt_clock, usually freeze)")
    play.add_argument("--auto-pause", default=None, metavar="MOMENTS",
                      help="comma-separated moments that pause the clock: inject, decision, "
                      "detection, media, trending; or none (default: the scenario's "
                      "facilitation.auto_pause)")

    res = sub.add_parser("resume", help="continue a saved drill exactly where it was")
    res.add_argument("session", help="session file written by `stormdrill play`")

    con = sub.add_parser("console", help="the facilitator's console for a running drill "
                         "(a second terminal)")
    con.add_argument("session", nargs="?", default=None,
                     help="session file of the drill (`stormdrill play --session`)")
    con.add_argument("--room", default=None, help="the console of a whole drill room")

    srv = sub.add_parser("serve", help="serve a drill room's team screens and console as "
                         "web pages (each team opens its own link)")
    srv.add_argument("--room", required=True, help="the room's folder (`stormdrill room "
                     "create`)")
    srv.add_argument("--port", type=int, default=8000, help="the port (default 8000; 0: any "
                     "free port)")
    srv.add_argument("--host", default="127.0.0.1", help="the address to bind (default "
                     "127.0.0.1, this machine only; 0.0.0.0 serves the network, protected "
                     "by the links' tokens only)")
    srv.add_argument("--public-url", default=None, help="the address teams reach the server "
                     "at, for the printed links (e.g. https://drill.example.org behind a TLS "
                     "proxy; default: this machine's name or the bound address)")

    run = sub.add_parser("run", help="run a scenario headless and print its summary")
    run.add_argument("scenario", nargs="?", default=None,
                     help="library name or path to a scenario file (default: the default "
                     "library scenario)")
    run.add_argument("--strategy", "-s", default=None,
                     help="built-in strategy name or path (default: no response at all)")
    run.add_argument("--seed", type=int, default=1, help="run seed (default 1)")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.add_argument("--hours", type=float, default=None,
                     help="stop after this many simulated hours (default: the scenario's)")

    val = sub.add_parser("validate", help="check scenario, strategy and experiment files")
    val.add_argument("files", nargs="*", metavar="FILE")
    val.add_argument("--schema", nargs="?", const="scenario", default=None,
                     choices=("scenario", "strategy", "experiment"),
                     help="print the JSON Schema of a format (default scenario) for editor "
                     "completion, instead of checking files")

    bat = sub.add_parser("batch", help="run an experiment: strategies x parameters x "
                         "replications, stored in SQLite")
    bat.add_argument("experiment", help="experiment file (or library experiment name)")
    bat.add_argument("--workers", "-w", type=int, default=None,
                     help="local worker processes (default: all cores)")
    bat.add_argument("--scheduler", default=None,
                     help="address of a Dask scheduler, e.g. tcp://10.0.0.5:8786")
    bat.add_argument("--out", "-o", default=None,
                     help="results folder, always a folder even with a dot in its name "
                     "(default: stormdrill-results/NAME)")
    bat.add_argument("--resume", action="store_true",
                     help="continue an interrupted batch in --out")
    bat.add_argument("--quiet", "-q", action="store_true", help="no progress line")

    rep = sub.add_parser("report", help="after-action report of drills, or a batch report")
    rep.add_argument("results", nargs="*", metavar="SESSION|RESULTS",
                     help="session file(s) of `stormdrill play` (several: a leaderboard), "
                     "or a batch results folder")
    rep.add_argument("-o", "--output", default="report.html",
                     help="report file: .html (default report.html) or .md; an existing "
                     "file is replaced only if it is a previous stormdrill report")
    rep.add_argument("--room", default=None, help="report on a drill room: the teams "
                     "compared, and each team's after-action report")
    rep.add_argument("--replicas", type=int, default=None,
                     help="paired replicas per comparison in a drill's debrief (default: the "
                     "number the drill's own debrief screen uses, so both agree)")

    add_room_parser(sub)

    lib = sub.add_parser("scenarios", help="list the scenario library")
    lib.add_argument("--json", action="store_true", help="print a JSON list")
    lib.add_argument("--strategies", action="store_true", help="list built-in strategies too")
    return parser


def _run(args: argparse.Namespace) -> int:
    import scenarios
    from simulator import Simulation

    scenario = scenarios.load_scenario(args.scenario or scenarios.DEFAULT_SCENARIO)
    strategy = scenarios.load_strategy(args.strategy) if args.strategy else None
    if args.hours is not None and not args.hours > 0:
        raise CliError(f"--hours must be a positive number of hours, got {args.hours}")
    if args.seed < 0:
        raise CliError(f"--seed must be zero or positive, got {args.seed}")
    if args.hours is not None and args.hours > scenario.duration_h:
        print(f"stormdrill: --hours {args.hours:g} is longer than the scenario "
              f"({scenario.duration_h:g} h); the run stops at {scenario.duration_h:g} h "
              "(set duration_h in the scenario to run longer)", file=sys.stderr)
    if scenario.decision_points:
        print(f"stormdrill: the scenario's {len(scenario.decision_points)} decision points are "
              "drill prompts; a headless run takes none of them (an experiment's policies "
              "can choose options: docs/experiments.md)", file=sys.stderr)
    sim = Simulation(scenario, seed=args.seed, strategy=strategy)
    sim.run(args.hours)
    summary = sim.summary()
    if args.json:
        print(json.dumps(summary, sort_keys=False))
    else:
        print(format_summary(summary, scenario.title))
    return 0


def _fmt_hours(value: Any) -> str:
    return "never" if value is None else f"{value:.1f} h"


def sparkline(values: Sequence[int], width: int = 72) -> str:
    """Hourly volume as a one-line bar chart."""
    if not values:
        return ""
    bars = " ▁▂▃▄▅▆▇█"
    step = max(1, -(-len(values) // width))
    cells = [max(values[i:i + step]) for i in range(0, len(values), step)]
    top = max(cells) or 1
    return "".join(bars[min(8, round(8 * c / top))] if c else bars[0] for c in cells)


def _fmt_outcome(o: Outcome, s: dict[str, Any]) -> str:
    """One outcome's value as the summary prints it, by its unit."""
    value = s.get(o.name)
    if o.name == "duration_h" and s.get("duration_cut_off"):
        return "still going at the end"
    if value is None:
        return o.never or "never"
    if o.unit is Unit.INDEX:
        return f"{value:.1f}"
    if o.unit is Unit.SHARE:
        return f"{100 * value:.0f}%"
    if o.unit in (Unit.HOURS, Unit.CLOCK):
        return _fmt_hours(value)
    return f"{value:,}"


#: the summary's blocks: trust first (what the crisis costs), then attention, then response
SUMMARY_BLOCKS = ((Group.TRUST, "Trust (reputation index, higher is better)"),
                  (Group.ATTENTION, "Attention (lower is better)"),
                  (Group.RESPONSE, "Response"))


def format_summary(s: dict[str, Any], title: str) -> str:
    """The readable summary of one run, one block per outcome group of the schema."""
    strategy = s.get("strategy") or "no response"
    blocks: list[tuple[str, list[tuple[str, str]]]] = []
    for group, head in SUMMARY_BLOCKS:
        rows: list[tuple[str, str]] = []
        for o in (o for o in STORED if o.group is group and o.unit is not Unit.FLAG):
            if o.unit is Unit.SHARE and rows:  # a share reads best beside the count it is of
                label, value = rows[-1]
                rows[-1] = (label, f"{value} ({_fmt_outcome(o, s)})")
            else:
                rows.append((f"{o.label} at" if o.unit is Unit.CLOCK else o.label,
                             _fmt_outcome(o, s)))
        blocks.append((head, rows))
    width = max(len(label) for _, rows in blocks for label, _ in rows) + 2
    right = max(len(value) for _, rows in blocks for _, value in rows)
    lines = [f"{title}  (scenario {s['scenario']}, strategy {strategy}, seed {s['seed']})"]
    for head, rows in blocks:
        lines += ["", f"  {head}",
                  *(f"    {label:<{width}}{value:>{right}}" for label, value in rows)]
    lines += ["", f"  negative posts per hour, {len(s['hourly_negative'])} h:",
              f"  {sparkline(s['hourly_negative'])}"]
    return "\n".join(lines)


def _play(args: argparse.Namespace) -> int:
    from datetime import datetime
    from pathlib import Path

    import scenarios

    prompt_clock, prompt_minutes = _prompt_clock(args.prompts)
    if args.room is not None:
        app, room_session = play_in_room(args, prompt_clock, prompt_minutes,
                                         _auto_pause(args.auto_pause))
        app.run()
        return _after_drill(app, room_session)
    if args.seed < 0:
        raise CliError(f"--seed must be zero or positive, got {args.seed}")
    if args.scenario is not None:
        scenarios.load_scenario(args.scenario)  # a bad file fails here, before the UI starts
    stem = Path(args.scenario).stem if args.scenario else "drill"
    session = Path(args.session) if args.session else (
        Path("stormdrill-sessions") / f"{stem}-{datetime.now():%Y%m%d-%H%M%S}.json")
    from tui.app import build_app

    app = build_app(args.scenario, seed=args.seed, team=args.team, session_path=session,
                    prompt_clock=prompt_clock, prompt_minutes=prompt_minutes,
                    auto_pause=_auto_pause(args.auto_pause))
    app.run()
    return _after_drill(app, session)


def _after_drill(app: Any, session: Any) -> int:
    """Say where the drill is saved; a drill that stopped on an error is not a success.

    The session file is saved after every action, so even then it holds
    everything up to the last one; the error itself was printed by Textual.
    """
    failed = app.return_code not in (0, None)
    if failed:
        print("stormdrill: the drill stopped on an error (shown above); please report it",
              file=sys.stderr)
    if session.exists():
        print(f"session {'kept' if failed else 'saved'}: {session}  (continue with: "
              f"stormdrill resume {session})", file=sys.stderr if failed else sys.stdout)
    return 1 if failed else 0


AUTO_PAUSE_MOMENTS = ("inject", "decision", "detection", "media", "trending")


def _prompt_clock(value: str | None) -> tuple[str | None, float | None]:
    """`--prompts freeze`, `run` or `real:5` as (prompt clock, real minutes)."""
    if value is None:
        return None, None
    name, _, minutes = value.partition(":")
    if name in ("freeze", "run") and not minutes:
        return name, None
    if name == "real":
        try:
            number = float(minutes or "3")
        except ValueError:
            number = math.nan
        if 0.25 <= number <= 120:
            return "real", number
        raise CliError(f"--prompts {value}: expected real:MINUTES with 0.25 to 120 minutes, "
                       "e.g. --prompts real:5")
    raise CliError(f"--prompts {value}: expected freeze, run or real:MINUTES "
                   "(e.g. --prompts real:5)")


def _auto_pause(value: str | None) -> list[str] | None:
    """`--auto-pause inject,media` or `none` as a list of moments."""
    if value is None:
        return None
    if value.strip() == "none":
        return []
    moments = [m.strip() for m in value.split(",") if m.strip()]
    unknown = [m for m in moments if m not in AUTO_PAUSE_MOMENTS]
    if unknown:
        raise CliError(f"--auto-pause: unknown moment {unknown[0]!r}; expected some of "
                       f"{', '.join(AUTO_PAUSE_MOMENTS)} (comma-separated), or none")
    return moments


def _resume(args: argparse.Namespace) -> int:
    from pathlib import Path

    import scenarios
    from tui.session import Session

    session = Session.load(Path(args.session))
    scenario = scenarios.load_scenario(session.scenario)
    session.check_against(len(scenario.injects), scenario.duration_h)
    from tui.app import build_app

    app = build_app(resume=session, session_path=Path(args.session), scenario=scenario)
    app.run()
    return _after_drill(app, Path(args.session))


def _console(args: argparse.Namespace) -> int:
    """Attach the facilitator's console to a drill session through its live store."""
    from pathlib import Path

    from tui.live import LiveStore
    from tui.session import Session

    if args.room is not None:
        if args.session is not None:
            raise CliError("give a session file or --room, not both")
        return console_for_room(args.room)
    if args.session is None:
        raise CliError("expected a session file (`stormdrill play --session`), or --room ROOM")
    session = Session.load(Path(args.session))
    import scenarios

    scenario = scenarios.load_scenario(session.scenario)
    store = LiveStore.open(Path(args.session))
    from tui.console import build_console

    build_console(session, scenario=scenario, store=store).run()
    return 0


def _serve(args: argparse.Namespace) -> int:
    from tui.serve import serve_room

    return serve_room(args.room, args.host, args.port, args.public_url)


def _batch(args: argparse.Namespace) -> int:
    """Run an experiment, then print, export and plot its `Results` (what a notebook gets)."""
    from pathlib import Path

    import scenarios
    from simulator.results import Results

    if args.workers is not None and args.workers < 1:
        raise CliError(f"--workers must be at least 1, got {args.workers}")
    experiment = scenarios.load_experiment(args.experiment)
    out = Path(args.out) if args.out else Path("stormdrill-results") / experiment.name
    _check_out(out)
    results = Results.run(experiment, workers=args.workers, scheduler=args.scheduler, out=out,
                          resume=args.resume, progress=not args.quiet)
    print(results.table())
    note = results.sensitivity_note()
    if note:
        print(f"\n{note}")
    results.export(out)
    results.plot(out / "plots")
    failed = len(results.failures())
    if failed:
        print(f"{failed} runs failed; their errors are in {out / 'results.sqlite'}",
              file=sys.stderr)
    print(f"results: {out}/ (results.sqlite, summary.csv, paired.csv, runs.parquet, "
          f"hourly.parquet, plots/); report: stormdrill report {out} -o report.html")
    return 0


#: what `stormdrill batch` writes into its --out folder besides results.sqlite
BATCH_EXPORTS = ("summary.csv", "paired.csv", "runs.parquet", "hourly.parquet")


def _check_out(out: Any) -> None:
    """Refuse an --out folder that cannot be created or written, before any run starts.

    --out is always a folder, even with a dot in its name (`results/v1.2`).
    An existing folder is accepted when it is a results folder (it holds
    results.sqlite: --resume, or a new batch the store then refuses or takes)
    or empty; a folder holding other files is refused, so the exports never
    overwrite a user's file.
    """
    import os
    from pathlib import Path

    from simulator.store import ResultsStore

    out = Path(out)
    hint = "choose another --out folder (a new or empty one, or a results folder to --resume)"
    if out.exists() and not out.is_dir():
        raise CliError(f"{out}: exists and is not a folder; --out is the results folder "
                       f"(even with a dot in its name); {hint}")
    if out.is_dir():
        names = {p.name for p in out.iterdir()}
        if names and ResultsStore.FILENAME not in names:
            raise CliError(f"{out}: a folder that holds other files but no "
                           f"{ResultsStore.FILENAME}, so it is not a results folder and the "
                           f"batch's exports could overwrite them; {hint}")
        clash = [out / n for n in (*BATCH_EXPORTS, "plots") if n in names and
                 (out / n).is_dir() != (n == "plots")]
        if clash:
            raise CliError(f"{clash[0]}: the batch writes its "
                           f"{'plots folder' if clash[0].name == 'plots' else 'export'} here, "
                           f"but this is a {'file' if clash[0].is_file() else 'folder'}; "
                           f"move it away or {hint}")
    base = out
    while not base.exists() and base != base.parent:  # the nearest existing ancestor
        base = base.parent
    if not base.is_dir():
        raise CliError(f"{base}: is a file, so the --out folder {out} cannot be created "
                       f"inside it; {hint}")
    if not os.access(base, os.W_OK | os.X_OK):
        raise CliError(f"{base}: no permission to write here, so the --out folder {out} "
                       f"cannot be {'written' if base == out else 'created'}; {hint}")


def _report(args: argparse.Namespace) -> int:
    """A batch report (results folder) or an after-action report (session files)."""
    from pathlib import Path

    if args.replicas is not None and not 2 <= args.replicas <= 1000:
        raise CliError(f"--replicas {args.replicas}: expected 2 to 1000")
    if args.room is not None:
        if args.results:
            raise CliError("give session files, a results folder or --room, not several")
        print(f"wrote {report_room(args.room, Path(args.output), args.replicas)}")
        return 0
    if not args.results:
        raise CliError("expected session file(s), a batch results folder, or --room ROOM")
    sources = [Path(p) for p in args.results]
    missing = [p for p in sources if not p.exists()]
    if missing:
        raise CliError(f"{missing[0]}: no such file or folder; expected session files of "
                       "`stormdrill play` or the --out folder of `stormdrill batch`")
    if all(p.suffix == ".json" for p in sources):
        from tui.reports.after_action import write_session_report

        path = write_session_report(sources, Path(args.output),
                                    **({} if args.replicas is None
                                       else {"replicas": args.replicas}))
    elif len(sources) == 1:
        from simulator.store import StoreError
        from tui.reports.batch import write_batch_report

        # anything else is read as a results file, read-only: a user's file is refused
        # unchanged (simulator.store), never turned into a database
        try:
            path = write_batch_report(sources[0], Path(args.output))
        except StoreError as err:
            if sources[0].is_dir() or sources[0].suffix in (".sqlite", ".db"):
                raise
            raise CliError(f"{err}\n  expected session files (.json) of `stormdrill play`, "
                           "or the --out folder of `stormdrill batch`") from None
    else:
        raise CliError("give one batch results folder, or one or more session files")
    print(f"wrote {path}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    import scenarios

    if args.schema is not None:
        if args.files:
            raise CliError("--schema prints a schema and checks no files; expected either "
                           "--schema [scenario|strategy|experiment] or FILE...")
        from scenarios.jsonschema import render

        sys.stdout.write(render(args.schema))
        return 0
    if not args.files:
        raise CliError("no files given; expected FILE... to check, or --schema to print "
                       "a JSON Schema")
    failed = 0
    for path in args.files:
        try:
            kind = scenarios.validate_file(path)
        except scenarios.FileError as err:
            failed += 1
            print(str(err), file=sys.stderr)
        else:
            print(f"{path}: ok ({kind})")
    return EXIT_BAD_INPUT if failed else 0


def _list(args: argparse.Namespace) -> int:
    import scenarios

    entries = scenarios.library_scenarios()
    strategies = scenarios.library_strategies() if args.strategies else []
    if args.json:
        rows = [{"name": e.name, "title": e.title, "locale": e.locale, "users": e.users,
                 "path": str(e.path), "description": e.description} for e in entries]
        rows += [{"name": e.name, "kind": "strategy", "path": str(e.path),
                  "description": e.description} for e in strategies]
        print(json.dumps(rows))
        return 0
    width = max((len(e.name) for e in entries), default=4)
    print(f"{'name':<{width}}  lang  users    title")
    for e in entries:
        users = f"{e.users:,}" if e.users is not None else "-"
        print(f"{e.name:<{width}}  {e.locale or '-':<4}  {users:<7}  {e.title}")
    if strategies:
        print("\nstrategies:")
        for e in strategies:
            print(f"  {e.name:<18} {e.description}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `stormdrill` console script."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from simulator import __version__

        print(f"stormdrill {__version__}")
        return 0
    if not args.command:
        parser.print_help()
        return 0
    handlers = {"run": _run, "validate": _validate, "scenarios": _list, "batch": _batch,
                "report": _report, "play": _play, "resume": _resume, "console": _console,
                "room": create_room, "serve": _serve}
    try:
        return handlers[args.command](args)
    except StormdrillError as err:  # the one family of errors a user can cause
        print(err.user_message(), file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("stormdrill: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
