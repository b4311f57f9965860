"""Shared helpers for the benchmark scripts (not a benchmark itself).

Every script in bench/ puts the repository root on sys.path itself, so they
run as `python bench/NAME.py` from anywhere.
"""

from __future__ import annotations

import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

NOISE_NOTE = ("wall times are the best (minimum) of repeated runs: the machine has 2 cores "
              "shared with other jobs, so single timings are noisy")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def run_child(script: str, args: list[str], timeout: float = 1800.0) -> dict:
    """Run `python script args` in a fresh interpreter; it prints one JSON line last."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.run([sys.executable, script, *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"child {script} {args} failed ({proc.returncode}):\n"
                           f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1])


def mean_se(xs: list[float]) -> tuple[float, float]:
    """Mean and standard error of the mean."""
    n = len(xs)
    if n == 0:
        return math.nan, math.nan
    m = statistics.fmean(xs)
    if n == 1:
        return m, math.nan
    return m, statistics.stdev(xs) / math.sqrt(n)


def best_of(fn, reps: int):
    """Run `fn()` `reps` times; return (best wall time, last result)."""
    best, out = math.inf, None
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def ba_edges(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Barabasi-Albert preferential attachment as edge arrays, vectorised.

    Same construction as networkx's `barabasi_albert_graph` (initial star on
    m + 1 nodes; each new node picks m targets from the list of edge endpoints
    so far, i.e. proportional to degree) but the m picks are independent, not
    forced distinct, and are resolved by pointer jumping over the endpoint
    list instead of a Python loop (Bollobas-Riordan style). Duplicate picks
    are dropped, so a few nodes get fewer than m edges (mean degree ~0.1%
    below 2m). Takes ~1-2 s and ~0.3 GB for n = 1M, m = 5 (networkx:
    ~30 s and 2+ GB).

    Returns (src, dst) with src > dst, each undirected edge once.
    """
    rng = np.random.default_rng(seed)
    m0 = m  # star edges: (0, i) for i = 1..m
    new = np.arange(m + 1, n, dtype=np.int64)
    e = m0 + new.size * m
    src = np.empty(e, dtype=np.int64)  # endpoint slot 2j is src[j], 2j+1 is dst[j]
    dst = np.empty(e, dtype=np.int64)
    src[:m0] = np.arange(1, m + 1)
    dst[:m0] = 0
    src[m0:] = np.repeat(new, m)
    # node t (t >= m+1) sees the endpoints of the 2 * (m + m*(t-m-1)) earlier slots
    before = 2 * (m0 + (src[m0:] - (m + 1)) * m)
    slot = (rng.random(before.size) * before).astype(np.int64)
    del before
    slot = np.minimum(slot, 2 * e - 1)
    # resolve: an even slot is a source (known); an odd slot beyond the star is a
    # target that was itself a pick: jump to the slot it copied
    ref = np.empty(e, dtype=np.int64)
    ref[:m0] = -1
    ref[m0:] = slot
    cur = slot
    todo = np.flatnonzero((cur & 1) & ((cur >> 1) >= m0))
    while todo.size:
        cur[todo] = ref[cur[todo] >> 1]
        todo = todo[(cur[todo] & 1).astype(bool) & ((cur[todo] >> 1) >= m0)]
    # now every slot is even (a source) or an odd star slot (node 0)
    val = np.where(cur & 1, 0, src[cur >> 1])
    dst[m0:] = val
    del ref, cur, val, slot
    key = src * n + dst  # src > dst always
    del src, dst
    key.sort()  # (np.unique's hash path is ~10x slower here)
    keep = np.empty(key.size, dtype=bool)
    keep[0] = True
    np.not_equal(key[1:], key[:-1], out=keep[1:])
    key = key[keep]  # drop duplicate picks
    return key // n, key % n
