"""The pure-Python fallback of the compiled loop gives the same run.

`simulator.loop` reads `STORMDRILL_NO_JIT` at import: set, every kernel function runs
in the interpreter (slow, but correct, and what runs where numba is missing). A
tiny cascade with every layer and the brand on must give the same summary both ways.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from factory import scenario

from simulator import Simulation, Strategy
from simulator import loop as L

ROOT = Path(__file__).resolve().parents[2]
USERS, HOURS, SEED = 600, 48.0, 3
STRATEGY = Strategy(name="mixed", respond_after_h=0.5, update_every_h=3, solution_after_h=2,
                    delete_after_h=1, contradict_after_h=5)
CHILD = f"""
import json, sys
sys.path.insert(0, 'tests')
from factory import scenario
from simulator import Simulation, Strategy
from simulator import loop
st = Strategy(name='mixed', respond_after_h=0.5, update_every_h=3, solution_after_h=2,
              delete_after_h=1, contradict_after_h=5)
sim = Simulation(scenario(users={USERS}, duration_h={HOURS}), seed={SEED}, strategy=st)
sim.run()
print(json.dumps({{'compiled': hasattr(loop.advance, 'py_func'), 'summary': sim.summary()}}))
"""


def test_pure_python_loop_gives_the_compiled_summary() -> None:
    sim = Simulation(scenario(users=USERS, duration_h=HOURS), seed=SEED, strategy=STRATEGY)
    sim.run()
    compiled = json.loads(json.dumps(sim.summary()))
    assert compiled["sharers"] > 20  # a real cascade, not just the seed
    assert hasattr(L.advance, "py_func"), "this process should run the compiled loop"

    env = {**os.environ, "STORMDRILL_NO_JIT": "1"}
    proc = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    child = json.loads(proc.stdout.strip().splitlines()[-1])
    assert child["compiled"] is False, "STORMDRILL_NO_JIT=1 did not switch numba off"
    assert child["summary"] == compiled
