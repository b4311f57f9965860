"""Forecasts and debriefs on paired futures forked from the drill's state.

    python bench/forecast_debrief.py [--replicas 200] [--reps 3] [--skip-football]

(a) forecast: "empathetic acknowledgement now / in 6 h / never" (3 arms,
    `simulator.counterfactual.start_lever(...).result()`) with 200 paired replicas, forked
    at hour 12 of the 50,000-user library scenario `kitchen-gaffe`; target
    < 2 s. The same on `football-mock` at hour 12 (a big storm) is printed
    for information (no target). The time `start` holds the calling (UI)
    thread is printed too: it only forks.
(b) debrief: a typical drill journal (5 actions and a fired inject) on
    `kitchen-gaffe`: `action_effects` (200 replicas per entry),
    `reply_at_detection` (200) and `percentile_among` the library's
    strategies (100 replicas each, as the debrief halves them); target < 10 s.

Also printed: what one replay replica (the old way: construct + run from
hour 0) costs, for comparison. Timings are the best of `--reps` runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import _common  # noqa: F401  (puts the repository root on sys.path)
from _common import NOISE_NOTE, best_of, verdict

from scenarios import library_strategies, load_scenario, load_strategy
from simulator import Action, JournalEntry, Simulation, counterfactual
from simulator import futures as F

FORECAST_TARGET_S = 2.0
DEBRIEF_TARGET_S = 10.0
SEED = 1
AT = 12.0


def _at(name: str, at: float) -> Simulation:
    sim = Simulation(load_scenario(name), seed=SEED)
    sim.run(at)
    return sim


def forecast(name: str, replicas: int, reps: int) -> tuple[float, float]:
    """(best wall time of a 3-arm lever forecast, longest time `start` held the caller)."""
    sim = _at(name, AT)
    counterfactual.start_lever(sim, replicas=2).result()  # untimed: lazy imports, first calls
    held = []

    def once() -> counterfactual.LeverForecast:
        t = time.perf_counter()
        running = counterfactual.start_lever(sim, wait_h=6.0, replicas=replicas)
        held.append(time.perf_counter() - t)
        return running.result()

    best, res = best_of(once, reps)
    for arm in counterfactual.ARMS:
        print(f"  {name} {arm:>5}: trust at the end {res.mean(arm, 'reputation_end'):6.2f}, "
              f"negative posts {res.mean(arm, 'negative_posts'):9.1f}")
    now = res.effect("now")
    print(f"  {now['reputation_end'].sentence('acting now (vs never)')}")
    print(f"  {name}: {replicas} replicas x 3 arms in {best:.2f} s "
          f"({1000 * best / (3 * replicas):.1f} ms per future, {os.cpu_count()} cores); "
          f"start held the caller {1000 * max(held):.1f} ms at most")
    return best, max(held)


def replay_cost(name: str, n: int = 5) -> float:
    """Seconds per replica of the old way: build the simulation and replay from hour 0."""
    sc = load_scenario(name)
    t = time.perf_counter()
    for k in range(n):
        sim = Simulation(sc, seed=SEED, journal=[JournalEntry(AT, Action("acknowledge"))],
                         fork=(AT, k))
        sim.run()
    return (time.perf_counter() - t) / n


def journal(name: str) -> list[JournalEntry]:
    """What a team typically does: acknowledge soon after detection, brief staff, update,
    offer a solution, answer a critic; the facilitator fires one inject."""
    probe = _at(name, 72.0)
    det = probe.brand.detected_at or 2.0
    sc = probe.scenario
    out = [JournalEntry(det + 0.75, Action("acknowledge", "empathetic")),
           JournalEntry(det + 1.5, Action("brief_staff")),
           JournalEntry(det + 5.0, Action("update")),
           JournalEntry(det + 9.0, Action("solution")),
           JournalEntry(det + 14.0, Action("reply", "neutral"))]
    if sc.injects:
        out.append(JournalEntry(det + 3.0, inject=0))
    return sorted(out, key=lambda e: e.at_h)


def debrief(name: str, replicas: int, reps: int) -> float:
    sc = load_scenario(name)
    entries = journal(name)
    strategies = [load_strategy(e.name) for e in library_strategies()]
    team = Simulation(sc, seed=SEED, journal=entries)
    team.run()
    summary = team.summary()
    counterfactual.action_effects(sc, SEED, entries[:1], replicas=2)  # untimed warm-up
    parts: dict[str, float] = {}

    def once() -> None:
        t = time.perf_counter()
        effects = counterfactual.action_effects(sc, SEED, entries, replicas=replicas)
        parts["action_effects"] = time.perf_counter() - t
        t = time.perf_counter()
        counterfactual.reply_at_detection(sc, SEED, entries, team.brand.detected_at, replicas)
        parts["reply_at_detection"] = time.perf_counter() - t
        t = time.perf_counter()
        pct, _ = counterfactual.percentile_among(sc, SEED, summary, strategies,
                                         replicas=max(2, replicas // 2),
                                         journal_injects=entries)
        parts["percentile_among"] = time.perf_counter() - t
        for e in effects:
            what = e.entry.action.kind if e.entry.action else f"inject {e.entry.inject}"
            mech = ", ".join(m.mechanism for m in e.mechanisms) or "-"
            print(f"    {e.entry.at_h:5.2f} h {what:<12} "
                  f"{e.comparisons['reputation_end'].short():<40} moved: {mech}")
        print(f"    percentile among {len(strategies)} strategies: {pct:.0f}")

    best, _ = best_of(once, reps)
    print(f"  debrief of {len(entries)} entries on {name}, {replicas} replicas per comparison: "
          f"{best:.2f} s (" + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items())
          + ", last run)")
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--replicas", type=int, default=200)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--skip-football", action="store_true")
    args = ap.parse_args(argv)
    print(NOISE_NOTE)
    print(f"futures are {'forked' if F.can_fork() else 'replayed (no fork)'}")
    print(f"(a) forecast, 3 arms, {args.replicas} paired replicas, forked at hour {AT:g}")
    fc, held = forecast("kitchen-gaffe", args.replicas, args.reps)
    per = replay_cost("kitchen-gaffe")
    print(f"  the old replay: {1000 * per:.0f} ms per replica and arm, "
          f"{per * 3 * args.replicas:.1f} s for the same forecast on one core")
    if not args.skip_football:
        forecast("football-mock", args.replicas, 1)
    print(f"(b) debrief, {args.replicas} replicas per comparison")
    db = debrief("kitchen-gaffe", args.replicas, max(1, args.reps - 1))
    ok_fc, ok_db = fc < FORECAST_TARGET_S, db < DEBRIEF_TARGET_S
    print(f"forecast kitchen-gaffe {fc:.2f} s (target < {FORECAST_TARGET_S:g} s) "
          f"{verdict(ok_fc)}; debrief {db:.2f} s (target < {DEBRIEF_TARGET_S:g} s) "
          f"{verdict(ok_db)}; start holds the UI thread {1000 * held:.0f} ms")
    print(f"RESULT forecast_debrief: {verdict(ok_fc and ok_db)} (forecast {fc:.2f} s, "
          f"debrief {db:.2f} s)")
    return 0 if ok_fc and ok_db else 1


if __name__ == "__main__":
    sys.exit(main())
