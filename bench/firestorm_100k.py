"""Benchmark 1: a 72-hour firestorm in a 100,000-user network in under 0.5 s.

Scenario (built in code from simulator.config): synthetic network of 100,000
users (mean 20 followers), a complaint with video evidence from a complainant
with 2,000 followers, spread.branching_ratio 0.7 (before the arousal x video
multipliers), every layer of model v2 on at its default (MODEL.md sections
3-4: visibility with its seen cap, outside reach through search and trends,
novelty decay and fatigue, media hand-off, brand statements as posts,
advocates, trust judgements; plus the brand plan, diurnal activity and the
SEISMIC kernel) and the strategy `fast` (respond at detection, update every
4 h, solution after 2 h). With 0.5-0.6 most seeds stay below the trend
threshold; at 0.7 enough of the first 60 seeds become firestorms to time five
(5 of the first 38 with the fitted parameter set of model v2's first fit).

Timed: `Simulation(...)` construction plus `run()` for the 72 h; the network
build is excluded (it is cached per scenario) and reported separately.

Seeds: seeds 0..scan-1 are run once (untimed) and the first `--seeds` of them
whose run has exposures_total >= 100,000 are timed, each the best of `--reps`
runs. Target: every timed seed < 0.5 s (and so the median and best too).

    python bench/firestorm_100k.py [--seeds 5] [--reps 5] [--scan 60] [--branching-ratio 0.7]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time

import _common  # noqa: F401  (puts the repository root on sys.path)
from _common import NOISE_NOTE, best_of, peak_rss_mb, verdict

from simulator.config import ComplaintConfig, NetworkConfig, Scenario, SpreadConfig
from simulator.population import build_network
from simulator.simulation import Simulation
from simulator.strategy import Strategy

TARGET_S = 0.5
MIN_EXPOSURES = 100_000
USERS = 100_000
STRATEGY = Strategy(name="fast", respond_after_h=0, update_every_h=4, solution_after_h=2)


def scenario(branching_ratio: float) -> Scenario:
    return Scenario(
        name="firestorm_100k", duration_h=72.0,
        network=NetworkConfig(kind="synthetic", users=USERS, mean_followers=20.0),
        complaint=ComplaintConfig(evidence="video", complainant_followers=2000),
        spread=SpreadConfig(branching_ratio=branching_ratio))


def run_once(sc: Scenario, seed: int, net) -> Simulation:  # type: ignore[no-untyped-def]
    sim = Simulation(sc, seed=seed, strategy=STRATEGY, network=net)
    sim.run()
    return sim


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5, help="firestorm seeds to time")
    ap.add_argument("--reps", type=int, default=5, help="repetitions per seed (best taken)")
    ap.add_argument("--scan", type=int, default=60, help="seeds scanned for firestorms")
    ap.add_argument("--branching-ratio", type=float, default=0.7)
    args = ap.parse_args(argv)

    sc = scenario(args.branching_ratio)
    print(f"== firestorm_100k: {USERS:,} users, 72 h, branching_ratio {args.branching_ratio}, "
          f"video, complainant 2000 followers, strategy '{STRATEGY.name}'")
    t = time.perf_counter()
    net = build_network(sc)
    build_s = time.perf_counter() - t
    print(f"network build (excluded from the timing, cached per scenario): {build_s:.3f} s, "
          f"{net.n:,} nodes, {net.edges:,} edges, n* {net.n_star():.1f}")

    # untimed scan for seeds whose cascade is a firestorm
    chosen: list[int] = []
    scanned = []
    for seed in range(args.scan):
        sim = run_once(sc, seed, net)
        scanned.append((seed, sim.spread.exposures_total))
        if sim.spread.exposures_total >= MIN_EXPOSURES:
            chosen.append(seed)
            if len(chosen) == args.seeds:
                break
    n_scanned = len(scanned)
    print(f"scanned seeds 0..{n_scanned - 1}: {len(chosen)} with exposures_total >= "
          f"{MIN_EXPOSURES:,}; timing seeds {chosen}")
    if not chosen:
        print(f"no firestorm in {n_scanned} seeds; raise --scan or --branching-ratio")
        print("RESULT firestorm_100k: MISS (no firestorm found)")
        return 1

    rows = []
    print(f"{'seed':>5} {'best s':>8} {'median s':>9} {'exposures':>10} {'sharers':>8} "
          f"{'reach':>7} {'posts':>6} {'media':>5} {'outside':>7} {'trust':>6}")
    for seed in chosen:
        times = []
        sim = None
        for _ in range(args.reps):
            sim = None
            gc.collect()  # runs hold reference cycles (SimPy processes); free them untimed
            best, sim = best_of(lambda s=seed: run_once(sc, s, net), 1)
            times.append(best)
        assert sim is not None
        t = time.perf_counter()
        s = sim.summary()
        summary_s = time.perf_counter() - t
        row = dict(seed=seed, best=min(times), median=statistics.median(times),
                   exposures=sim.spread.exposures_total, sharers=s["sharers"], reach=s["reach"],
                   posts=len(sim.spread.post_time), media=s["media_pickups"],
                   outside=s["outside_share"], trust=s["reputation_end"], summary=summary_s)
        rows.append(row)
        print(f"{seed:>5} {row['best']:>8.3f} {row['median']:>9.3f} {row['exposures']:>10,} "
              f"{row['sharers']:>8,} {row['reach']:>7,} {row['posts']:>6,} {row['media']:>5} "
              f"{row['outside']:>7.2f} {row['trust']:>6.2f}")

    bests = [r["best"] for r in rows]
    med, best, worst = statistics.median(bests), min(bests), max(bests)
    big = all(r["exposures"] >= MIN_EXPOSURES for r in rows)
    ok = big and worst < TARGET_S
    print(NOISE_NOTE)
    print(f"per-seed best times over {len(rows)} firestorm seeds: median {med:.3f} s, "
          f"best {best:.3f} s, worst {worst:.3f} s (construction + 72 h run)")
    print("not timed: summary() after a run took up to "
          f"{max(r['summary'] for r in rows):.3f} s")
    print(f"exposures_total: min {min(r['exposures'] for r in rows):,}, "
          f"max {max(r['exposures'] for r in rows):,}; peak RSS of this process "
          f"{peak_rss_mb():.0f} MB")
    print(f"target: every firestorm seed (exposures_total >= {MIN_EXPOSURES:,}) in < "
          f"{TARGET_S} s")
    print(f"RESULT firestorm_100k: {verdict(ok)} (worst per-seed best {worst:.3f} s, "
          f"median {med:.3f} s, target < {TARGET_S} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
