"""Benchmark 3: the engine's SIR against EoN's fast_SIR on the same graph.

Both engines run the same Markovian SIR on the same Barabasi-Albert graph
(m = 5): transmission rate tau = 0.085 per edge, recovery rate gamma = 1.0,
one initial infected user drawn uniformly at random (the same user for both
engines at a given seed). The engine is configured as a pure SIR: a file
network (undirected, no media outlets, brand with no audience), exponential
kernel at rate tau, per-exposure probability 1, post lifetime Exp(gamma),
no diurnal cycle, brand plan, media and advocates off, arousal 1, and every
attention layer of model v2 (MODEL.md section 3) off: visibility 1 with no
seen cap, no outside reach, no novelty decay, no fatigue (`LAYERS_OFF`, which
maps onto the `SpreadParams` defaults; checked at warm-up). A user who posts
is "infected"; the post vanishing is the recovery. Final size =
summary()["sharers"] (engine) and R[-1] (EoN).

Events: each run has one infection per infected user but the seed and one
recovery per infected user, i.e. 2 * final size - 1; we count 2 * final size
for both engines. Events per second only count runs that took off (final
size > 1% of N).

Graphs: at 100k users networkx's `barabasi_albert_graph` (seeded); at 1M a
vectorised array construction (`_common.ba_edges`: networkx takes ~30 s and
2+ GB there). EoN gets an nx.Graph built from the same edge list; the engine
gets CSR arrays through `simulator.network.from_edge_arrays`.

(a) accuracy: mean final size over the same seeds (all runs, taken off or
    not), both engines; pass if |z| < 3 for z = (mean_engine - mean_EoN) /
    sqrt(SE_engine^2 + SE_EoN^2). The two share the initial user per seed,
    which makes this z slightly conservative.
(b) speed: events per second over taken-off runs, each timed as the best of
    several repetitions; engine wall time = Simulation() construction + run()
    to duration_h (1000 h, so the epidemic surely ends; it ends by ~40 h),
    EoN wall time = the fast_SIR call; graph builds excluded for both.
    Targets (MODEL.md section 9, with the v2 layers off): engine / EoN >= 30x
    at 100k, >= 50x at 1M. The 1M runs are done in fresh subprocesses (one per
    engine) that also report peak RSS.

    python bench/eon_sir.py            # --quick: 60 seeds for (a), few at 1M (~2-3 min)
    python bench/eon_sir.py --full     # 200 seeds for (a), more at 1M (~5-7 min)
    python bench/eon_sir.py --profile  # also cProfile one taken-off engine run at 100k
    options: --accuracy-seeds N, --skip-1m, --skip-accuracy
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import io
import json
import math
import os
import pstats
import statistics
import sys
import tempfile
import time

import _common  # noqa: F401  (puts the repository root on sys.path)
import numpy as np
from _common import NOISE_NOTE, ba_edges, mean_se, peak_rss_mb, run_child, verdict

TAU, GAMMA, M = 0.085, 1.0, 5
DURATION_H = 1000.0
TAKEOFF_SHARE = 0.01
TARGET_100K, TARGET_1M = 30.0, 50.0  # MODEL.md section 9 (v1 measured 37.7x and 57x)
#: SpreadConfig values that switch the v2 attention layers off (MODEL.md section 3):
#: novelty decay is off at novelty_days 0 and fatigue at an infinite fatigue_share
LAYERS_OFF = dict(visibility=1.0, seen_cap=math.inf, outside_reach=0.0, novelty_days=0.0,
                  fatigue_share=math.inf)
GRAPH_SEED = 1


# ---- the two engines -----------------------------------------------------------------------
def initial_user(seed: int, n: int) -> int:
    return int(np.random.default_rng([7919, seed]).integers(n))


def eon_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng([104729, seed])


class EngineSIR:
    """The engine set up as a plain SIR on a graph given as edge arrays."""

    def __init__(self, n: int, src: np.ndarray, dst: np.ndarray) -> None:
        from simulator.config import (
            AdvocateConfig,
            ComplaintConfig,
            CrisisPlan,
            MediaConfig,
            NetworkConfig,
            Scenario,
            SpreadConfig,
        )
        from simulator.network import from_edge_arrays
        self.n = n
        netcfg = NetworkConfig(kind="file", users=n, undirected=True, media_outlets=0,
                               brand_audience=0.0)
        t = time.perf_counter()
        self.net = from_edge_arrays(n, src, dst, netcfg)
        self.build_s = time.perf_counter() - t
        self.summary_s = 0.0
        self.base = Scenario(
            name="sir", duration_h=DURATION_H, network=netcfg,
            spread=SpreadConfig(diurnal=False, kernel="exponential", exponential_rate_per_h=TAU,
                                per_exposure_prob=1.0, post_lifetime_rate_per_h=GAMMA,
                                horizon_h=5000.0, **LAYERS_OFF),
            plan=CrisisPlan(enabled=False), media=MediaConfig(enabled=False),
            advocates=AdvocateConfig(enabled=False), complaint=ComplaintConfig(arousal=1.0))

    def warmup(self) -> float:
        """Untimed warm-up (loads or compiles the numba kernel); returns its wall time.

        Also checks that the run's loop parameters have every v2 layer off.
        """
        from simulator.simulation import Simulation
        from simulator.spread import SpreadParams
        sc = dataclasses.replace(self.scenario(0), duration_h=2.0)
        t = time.perf_counter()
        sim = Simulation(sc, seed=0, network=self.net)
        sim.run()
        wall = time.perf_counter() - t
        off = SpreadParams(p0=0.0)
        for name in ("visibility", "seen_cap", "outside_reach", "novelty_h", "fatigue_n"):
            assert getattr(sim.spread.params, name) == getattr(off, name), name
        return wall

    def scenario(self, seed: int):  # type: ignore[no-untyped-def]
        b = self.base
        return dataclasses.replace(b, complaint=dataclasses.replace(
            b.complaint, seed_users=[initial_user(seed, self.n)]))

    def run(self, seed: int) -> tuple[int, float]:
        """(final size, wall seconds of construction + run)."""
        from simulator.simulation import Simulation
        sc = self.scenario(seed)
        gc.collect()  # earlier runs hold reference cycles; free them outside the timing
        t = time.perf_counter()
        sim = Simulation(sc, seed=seed, network=self.net)
        sim.run()
        wall = time.perf_counter() - t
        t = time.perf_counter()
        size = int(sim.summary()["sharers"])
        self.summary_s = max(self.summary_s, time.perf_counter() - t)  # reported, not timed
        del sim
        return size, wall


class EoNSIR:
    """EoN's fast_SIR on an nx.Graph built from the same edge list."""

    def __init__(self, n: int, src: np.ndarray, dst: np.ndarray) -> None:
        import networkx as nx
        self.n = n
        t = time.perf_counter()
        g = nx.Graph()
        g.add_nodes_from(range(n))
        g.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
        self.g = g
        self.build_s = time.perf_counter() - t

    def run(self, seed: int) -> tuple[int, float]:
        import EoN
        u = initial_user(seed, self.n)
        rng = eon_rng(seed)
        gc.collect()
        t = time.perf_counter()
        _, _, _, r = EoN.fast_SIR(self.g, TAU, GAMMA, initial_infecteds=[u], rng=rng)
        wall = time.perf_counter() - t
        return int(r[-1]), wall


# ---- measurements --------------------------------------------------------------------------
def speed(eng, seeds, want: int, reps: int, max_tries: int, known=None) -> dict:  # type: ignore[no-untyped-def]
    """Time `want` taken-off runs (best of `reps` each) from `seeds` in order.

    `known` maps seed -> (final size, wall) from an earlier single run, so
    seeds that did not take off are not run again.
    """
    runs, idle_walls, tried = [], [], 0
    for seed in seeds:
        if len(runs) >= want or tried >= max_tries:
            break
        tried += 1
        if known is not None and seed in known:
            size, wall = known[seed]
        else:
            size, wall = eng.run(seed)
        if size <= TAKEOFF_SHARE * eng.n:
            idle_walls.append(wall)
            continue
        walls = [wall]
        for _ in range(reps - 1):
            s2, w2 = eng.run(seed)
            assert s2 == size, f"seed {seed}: final size {s2} != {size} on repetition"
            walls.append(w2)
        runs.append(dict(seed=seed, size=size, wall=min(walls), events=2 * size))
    ev = sum(r["events"] for r in runs)
    wt = sum(r["wall"] for r in runs)
    return dict(runs=runs, tried=tried, took_off=len(runs),
                rate=ev / wt if wt > 0 else math.nan,
                median_rate=statistics.median([r["events"] / r["wall"] for r in runs])
                if runs else math.nan,
                mean_size=statistics.fmean([r["size"] for r in runs]) if runs else math.nan,
                mean_wall=wt / len(runs) if runs else math.nan,
                idle_wall=statistics.median(idle_walls) if idle_walls else math.nan)


def child(which: str, n: int, edges_path: str, want: int, reps: int, max_tries: int) -> None:
    """1M runs of one engine in a fresh process; prints a JSON line."""
    rss0 = peak_rss_mb()
    data = np.load(edges_path)
    src, dst = data["src"], data["dst"]
    eng = EngineSIR(n, src, dst) if which == "engine" else EoNSIR(n, src, dst)
    del src, dst, data
    gc.collect()
    rss_graph = peak_rss_mb()
    warm = eng.warmup() if which == "engine" else 0.0
    out = speed(eng, range(100_000), want, reps, max_tries)
    out.update(which=which, build_s=eng.build_s, warmup_s=warm,
               summary_s=getattr(eng, "summary_s", 0.0), rss_start_mb=rss0, rss_graph_mb=rss_graph,
               peak_rss_mb=peak_rss_mb())
    print(json.dumps(out))


def show_speed(name: str, r: dict) -> None:
    sizes = ", ".join(f"{x['seed']}:{x['size']}/{x['wall']:.2f}s" for x in r["runs"])
    print(f"  {name:<6} {r['took_off']} taken off of {r['tried']} tried; "
          f"{r['rate']:,.0f} events/s (total events / total best wall; median per run "
          f"{r['median_rate']:,.0f}); mean wall {r['mean_wall']:.3f} s per taken-off run; "
          f"median wall of runs that died out {r['idle_wall']:.3f} s")
    print(f"         seed:final size/best wall -> {sizes}")


def profile_engine(eng: EngineSIR, seeds) -> None:  # type: ignore[no-untyped-def]
    from simulator.simulation import Simulation
    for seed in seeds:
        size, _ = eng.run(seed)
        if size > TAKEOFF_SHARE * eng.n:
            break
    else:
        print("no taken-off seed to profile")
        return
    sc = eng.scenario(seed)
    pr = cProfile.Profile()
    pr.enable()
    sim = Simulation(sc, seed=seed, network=eng.net)
    sim.run()
    pr.disable()
    buf = io.StringIO()
    pstats.Stats(pr, stream=buf).sort_stats("tottime").print_stats(18)
    print(f"-- cProfile of one engine run at {eng.n:,} users, seed {seed}, final size {size} "
          f"(sorted by own time; profiling inflates Python-call-heavy code):")
    print("\n".join(ln for ln in buf.getvalue().splitlines() if ln.strip())[:6000])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="few seeds (default)")
    mode.add_argument("--full", action="store_true", help="200 seeds for (a), more at 1M")
    ap.add_argument("--accuracy-seeds", type=int, default=None)
    ap.add_argument("--skip-accuracy", action="store_true")
    ap.add_argument("--skip-1m", action="store_true")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--child-args", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        n, path, want, reps, tries = args.child_args.split(",")
        child(args.child, int(n), path, int(want), int(reps), int(tries))
        return 0

    full = args.full
    acc_seeds = args.accuracy_seeds or (200 if full else 60)
    # (want taken-off runs, repetitions, max seeds tried)
    sp100_eng, sp100_eon = ((20, 3, 400), (10, 2, 400)) if full else ((5, 3, 200), (3, 2, 200))
    sp1m_eng, sp1m_eon = ((5, 2, 60), (3, 1, 60)) if full else ((3, 2, 40), (1, 1, 40))
    results: dict[str, object] = {}
    print(f"== eon_sir ({'full' if full else 'quick'}): SIR on BA(m={M}), tau {TAU}, "
          f"gamma {GAMMA}, one random initial infected; engine vs EoN.fast_SIR")
    print(NOISE_NOTE)

    # ---- 100k -------------------------------------------------------------------------------
    import networkx as nx
    n = 100_000
    t = time.perf_counter()
    g = nx.barabasi_albert_graph(n, M, seed=GRAPH_SEED)
    e = np.asarray(list(g.edges()), dtype=np.int64)
    del g
    print(f"\n-- {n:,} users: networkx BA graph in {time.perf_counter() - t:.1f} s, "
          f"{len(e):,} undirected edges (mean degree {2 * len(e) / n:.2f})")
    eng, eon = EngineSIR(n, e[:, 0], e[:, 1]), EoNSIR(n, e[:, 0], e[:, 1])
    warm = eng.warmup()
    print(f"   engine CSR build {eng.build_s:.2f} s, nx.Graph for EoN {eon.build_s:.2f} s "
          f"(both excluded from timings); engine warm-up (numba kernel load) {warm:.2f} s, "
          f"untimed")
    known_eng: dict[int, tuple[int, float]] = {}
    known_eon: dict[int, tuple[int, float]] = {}
    ok_a = None
    if not args.skip_accuracy:
        t = time.perf_counter()
        for seed in range(acc_seeds):
            known_eng[seed] = eng.run(seed)
            known_eon[seed] = eon.run(seed)
        fe = [known_eng[s][0] for s in range(acc_seeds)]
        fo = [known_eon[s][0] for s in range(acc_seeds)]
        (me, se), (mo, so) = mean_se(fe), mean_se(fo)
        z = (me - mo) / math.sqrt(se**2 + so**2)
        big_e = [x for x in fe if x > TAKEOFF_SHARE * n]
        big_o = [x for x in fo if x > TAKEOFF_SHARE * n]
        ok_a = abs(z) < 3
        print(f"(a) mean final size over {acc_seeds} seeds each ({time.perf_counter() - t:.0f} s):")
        print(f"    engine {me:,.1f} +- {se:,.1f} (SE)   EoN {mo:,.1f} +- {so:,.1f} (SE)   "
              f"z = {z:+.2f}   target |z| < 3 -> {verdict(ok_a)}")
        ce, sce = mean_se(big_e)
        co, sco = mean_se(big_o)
        print(f"    taken off (> {TAKEOFF_SHARE:.0%} of N): engine {len(big_e)}/{acc_seeds}, "
              f"EoN {len(big_o)}/{acc_seeds}; mean size given take-off: engine "
              f"{ce:,.0f} +- {sce:,.0f}, EoN {co:,.0f} +- {sco:,.0f}")
        results["a"] = dict(seeds=acc_seeds, engine=(me, se), eon=(mo, so), z=z,
                            takeoff=(len(big_e), len(big_o)))
    print(f"(b) speed at {n:,} users (best of {sp100_eng[1]} reps engine, {sp100_eon[1]} EoN):")
    re_ = speed(eng, range(100_000), *sp100_eng, known=known_eng)
    ro = speed(eon, range(100_000), *sp100_eon, known=known_eon)
    show_speed("engine", re_)
    show_speed("EoN", ro)
    ratio100 = re_["rate"] / ro["rate"]
    ok100 = ratio100 >= TARGET_100K
    print(f"    engine/EoN events/s at 100k: {ratio100:.2f}x  target >= {TARGET_100K:.0f}x -> "
          f"{verdict(ok100)}")
    print(f"    (not timed: the engine's summary() took up to {eng.summary_s:.2f} s per run "
          f"at 100k)")
    if args.profile:
        profile_engine(eng, range(100_000))
    del eon, eng
    gc.collect()

    # ---- 1M ---------------------------------------------------------------------------------
    ok1m = None
    if not args.skip_1m:
        n = 1_000_000
        t = time.perf_counter()
        src, dst = ba_edges(n, M, GRAPH_SEED)
        print(f"\n-- {n:,} users: array BA graph in {time.perf_counter() - t:.1f} s, "
              f"{src.size:,} undirected edges (mean degree {2 * src.size / n:.2f}); "
              f"each engine runs in its own fresh process")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "edges.npz")
            np.savez(path, src=src.astype(np.int32), dst=dst.astype(np.int32))
            del src, dst
            gc.collect()
            outs = {}
            for which, (want, reps, tries) in (("engine", sp1m_eng), ("eon", sp1m_eon)):
                t = time.perf_counter()
                outs[which] = run_child(__file__, ["--child", which, "--child-args",
                                                   f"{n},{path},{want},{reps},{tries}"],
                                        timeout=3600)
                o = outs[which]
                print(f"   {which}: process {time.perf_counter() - t:.0f} s; graph build "
                      f"{o['build_s']:.1f} s (excluded); RSS with the graph "
                      f"{o['rss_graph_mb']:.0f} MB, peak RSS {o['peak_rss_mb']:.0f} MB")
        re_, ro = outs["engine"], outs["eon"]
        print(f"(b) speed at {n:,} users (best of {sp1m_eng[1]} reps engine, "
              f"{sp1m_eon[1]} EoN):")
        show_speed("engine", re_)
        show_speed("EoN", ro)
        ratio1m = re_["rate"] / ro["rate"] if ro["took_off"] else math.nan
        ok1m = ratio1m >= TARGET_1M
        print(f"    engine/EoN events/s at 1M: {ratio1m:.2f}x  target >= {TARGET_1M:.0f}x -> "
              f"{verdict(ok1m)}")
        print(f"    (not timed: engine warm-up {re_['warmup_s']:.2f} s; the engine's summary() "
              f"took up to {re_['summary_s']:.2f} s per run at 1M)")
        print(f"    peak RSS at 1M: engine {re_['peak_rss_mb']:.0f} MB, EoN "
              f"{ro['peak_rss_mb']:.0f} MB (whole process incl. graph, edge list load and "
              f"interpreter)")

    # ---- verdict ----------------------------------------------------------------------------
    parts = []
    if ok_a is not None:
        parts.append(f"(a) |z|<3 {verdict(ok_a)}")
    parts.append(f"100k {ratio100:.2f}x>={TARGET_100K:.0f}x {verdict(ok100)}")
    if ok1m is not None:
        parts.append(f"1M {ratio1m:.2f}x>={TARGET_1M:.0f}x {verdict(ok1m)}")
    oks = [x for x in (ok_a, ok100, ok1m) if x is not None]
    print(f"\nRESULT eon_sir: {verdict(all(oks))} ({'; '.join(parts)})")
    return 0 if all(oks) else 1


if __name__ == "__main__":
    sys.exit(main())
