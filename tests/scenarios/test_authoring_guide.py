"""docs/scenarios-authoring.md teaches files that work.

Every YAML block of the guide must be a valid file on its own (the guide says
so, and readers paste them), and the final block, the complete example, must
be a full scenario that validates, matches the JSON Schema, finds its
reference strategy next to it and plays out as the guide says.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from scenarios import goldens, load_scenario, validate_file
from scenarios.jsonschema import schema
from simulator.simulation import Simulation

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "scenarios-authoring.md"
BLOCKS = re.findall(r"^```yaml\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), re.M | re.S)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_guide_has_a_complete_example() -> None:
    assert len(BLOCKS) >= 10
    final = yaml.safe_load(BLOCKS[-1])
    assert final["kind"] == "scenario"
    for key in ("setting", "network", "complaint", "plan", "injects", "briefing",
                "decision_points", "calibration"):
        assert final.get(key), f"the complete example has no {key}"


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_every_yaml_block_validates(index: int, tmp_path: Path) -> None:
    path = _write(tmp_path, f"block{index}.yaml", BLOCKS[index])
    kind = validate_file(str(path))
    doc = yaml.safe_load(BLOCKS[index])
    errors = [e.message for e in Draft202012Validator(schema(kind)).iter_errors(doc)]
    assert errors == [], f"block {index} of the guide fails the {kind} schema: {errors}"


def test_final_example_plays_with_its_reference_strategy(tmp_path: Path) -> None:
    final = _write(tmp_path, "parcel-fence.yaml", BLOCKS[-1])
    sc = load_scenario(str(final))
    strategy_blocks = [b for b in BLOCKS if yaml.safe_load(b).get("kind") == "strategy"]
    assert len(strategy_blocks) == 1
    _write(tmp_path, sc.calibration.reference_strategy, strategy_blocks[0])
    assert validate_file(str(final)) == "scenario"
    strategy = goldens.reference_strategy(sc, final)
    sim = Simulation(sc, seed=1, strategy=strategy)
    sim.run()
    latency = sim.summary()["first_response_at_h"]
    target = sc.calibration.response_latency_h
    assert latency is not None and target is not None
    assert abs(latency - target) <= sc.calibration.tolerance_h
