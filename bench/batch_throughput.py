"""Batch throughput: 1,000 replications of a 10,000-user library scenario.

Target (issue 5): at least 50 runs per second on this 2-core machine, and
near-linear scaling from 1 to 2 workers. Each configuration runs the real
path: experiment expansion, the executor, and the SQLite results store
(a fresh folder per configuration). The network build and the compiled
loop's load are part of the measured time: a batch pays for them once.

    python bench/batch_throughput.py [--replications N] [--scenario NAME]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time

from _common import NOISE_NOTE, verdict  # also puts the repository root on sys.path

from scenarios import load_scenario, load_strategy
from simulator.batch import Experiment
from simulator.runner import run_batch

TARGET_RUNS_PER_S = 50.0
SCALING_TARGET = 1.6  # 2 workers at least 1.6x one worker ("near-linear")


def measure(exp: Experiment, workers: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        out = tempfile.mkdtemp(prefix="stormdrill-bench-")
        try:
            t0 = time.perf_counter()
            rows = run_batch(exp, workers=workers, out=out)
            best = min(best, time.perf_counter() - t0)
            assert len(rows) == exp.replications and all(r["status"] == "ok" for r in rows)
        finally:
            shutil.rmtree(out, ignore_errors=True)
    return exp.replications / best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=1000)
    ap.add_argument("--scenario", default="cafe-allergen")
    ap.add_argument("--strategy", default="fast-empathetic")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    sc = load_scenario(args.scenario)
    exp = Experiment(name="bench", scenarios=((args.scenario, sc),),
                     strategies=((args.strategy, load_strategy(args.strategy)),),
                     replications=args.replications, seed=1)
    print(f"batch throughput: {args.replications} replications of {args.scenario} "
          f"({sc.network.users:,} users, {sc.duration_h:g} h), strategy {args.strategy}")
    print(NOISE_NOTE)
    one = measure(exp, 1, args.repeats)
    two = measure(exp, 2, args.repeats)
    print(f"  1 worker : {one:7.1f} runs/s")
    print(f"  2 workers: {two:7.1f} runs/s  (scaling {two / one:.2f}x)")
    ok = two >= TARGET_RUNS_PER_S and two / one >= SCALING_TARGET
    print(f"target: >= {TARGET_RUNS_PER_S:g} runs/s and >= {SCALING_TARGET}x from 1 to 2 "
          "workers")
    print(f"RESULT batch_throughput: {verdict(ok)} ({two:.1f} runs/s, "
          f"{two / one:.2f}x)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
