"""Run every benchmark in bench/ one after another and print a PASS/MISS table.

    python bench/run_all.py           # eon_sir in --quick mode
    python bench/run_all.py --full    # eon_sir in --full mode (200 seeds for the accuracy check)

Each benchmark runs in its own Python process (sequentially: the machine has
2 cores, running them side by side would distort the timings); its output is
streamed through, and the line starting with "RESULT" is collected.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--full", action="store_true", help="run eon_sir with --full")
    args = ap.parse_args(argv)
    benches = [
        ("firestorm_100k", []),
        ("million_users", []),
        ("eon_sir", ["--full" if args.full else "--quick"]),
        ("batch_throughput", [] if args.full else ["--replications", "500"]),
        ("forecast_debrief", [] if args.full else ["--skip-football", "--reps", "2"]),
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    summary = []
    for name, extra in benches:
        print(f"\n######## {name} {' '.join(extra)}", flush=True)
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, os.path.join(HERE, f"{name}.py"), *extra],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                cwd=ROOT, env=env)
        result = f"RESULT {name}: MISS (no RESULT line)"
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            if line.startswith("RESULT"):
                result = line.strip()
        rc = proc.wait()
        if rc not in (0, 1):
            result = f"RESULT {name}: ERROR (exit code {rc})"
        summary.append((result, time.perf_counter() - t))
    print("\n######## summary")
    for result, secs in summary:
        print(f"{result}   [{secs:.0f} s]")
    return 0 if all(": PASS" in r for r, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
