"""The JSON Schemas for editors accept every shipped file and reject typos.

The committed schemas in docs/schema/ are regenerated with
`python -m tests.regenerate jsonschema`; `test_committed_schemas_are_current` fails
until that is done after a change to the dataclasses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from scenarios import jsonschema as js
from scenarios import validate_file
from scenarios.errors import FileError
from scenarios.loader import file_kind
from tests import regenerate
from tui.cli import main

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = {
    "scenario": sorted((ROOT / "scenarios" / "library").glob("*.yaml")),
    "strategy": sorted((ROOT / "scenarios" / "strategies").rglob("*.yaml")),  # with cases/
    "experiment": sorted((ROOT / "scenarios" / "experiments").glob("*.yaml")),
}
BAD = ROOT / "tests" / "fixtures" / "bad"
# fixtures the schema alone must reject: unknown keys, bad enums, wrong types, limits
BAD_FOR_SCHEMA = [
    "unknown_key.yaml", "typo_in_section.yaml", "section_typo.yaml", "misplaced_key.yaml",
    "bad_literal.yaml", "bad_inject.yaml", "wrong_type.yaml", "wrong_bool.yaml",
    "negative_duration.yaml", "section_not_mapping.yaml", "coverage_not_list.yaml",
    "strategy_unknown_field.yaml", "strategy_detected_typo.yaml", "strategy_bad_values.yaml",
    "experiments/unknown_key.yaml", "experiments/bad_grid_path.yaml",
    "experiments/grid_out_of_range.yaml", "experiments/grid_wrong_type.yaml",
    "experiments/zero_replications.yaml", "experiments/empty_scenarios.yaml",
    *sorted(f"schema/{p.name}" for p in (BAD / "schema").glob("*.yaml")),
]


def _validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(js.schema(kind))


def _errors(kind: str, doc: Any) -> list[str]:
    return [e.message for e in _validator(kind).iter_errors(doc)]


@pytest.mark.parametrize("kind", js.FORMATS)
def test_schema_is_valid_draft_2020_12(kind: str) -> None:
    schema = js.schema(kind)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == js.DIALECT
    assert schema["additionalProperties"] is False


def test_committed_schemas_are_current() -> None:
    stale = regenerate.stale("jsonschema")
    assert not stale, ("docs/schema is out of date: run `python -m tests.regenerate jsonschema` "
                       f"({', '.join(p.name for p in stale)})")


@pytest.mark.parametrize("path", [p for paths in LIBRARY.values() for p in paths],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_library_file_validates_against_its_schema(path: Path) -> None:
    kind = next(k for k, paths in LIBRARY.items() if path in paths)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert _errors(kind, doc) == []


def test_every_library_format_has_files() -> None:
    assert all(LIBRARY.values())


@pytest.mark.parametrize("name", BAD_FOR_SCHEMA)
def test_bad_fixture_fails_the_schema_and_the_loader(name: str) -> None:
    path = BAD / name
    kind = file_kind(str(path))
    assert _errors(kind, yaml.safe_load(path.read_text(encoding="utf-8"))), (
        f"the {kind} schema accepts {name}")
    with pytest.raises(FileError):
        validate_file(str(path))


def test_schema_follows_the_dataclass_metadata() -> None:
    props = js.schema("scenario")["properties"]
    users = props["network"]["properties"]["users"]
    assert (users["type"], users["minimum"], users["maximum"], users["default"]) == (
        "integer", 10, 5_000_000, 10_000)
    assert props["network"]["type"] == ["object", "null"]  # an empty section is all defaults
    tail = props["network"]["properties"]["follower_tail"]["description"]
    assert "[A]" in tail and "1.8 to 3" in tail and "Kwak" in tail
    action = (props["decision_points"]["items"]["properties"]["options"]["items"]
              ["properties"]["actions"]["items"])
    assert action["additionalProperties"] is False and "contradict" in (
        action["properties"]["kind"]["enum"])
    respond = js.schema("strategy")["properties"]["respond_after_h"]
    assert respond["type"] == ["number", "null"]
    later = js.schema("strategy")["properties"]["later_tone"]
    assert None in later["enum"]


def test_experiment_grid_keys_are_scenario_leaf_paths() -> None:
    from scenarios.experiment import grid_parameters

    exp = js.schema("experiment")
    grid = exp["properties"]["grid"]
    assert list(grid["properties"]) == grid_parameters()
    assert set(exp["required"]) == {"scenarios", "replications"}
    assert exp["oneOf"] == [{"required": ["strategies"]}, {"required": ["policies"]}]
    base = {"scenarios": ["supermarket-video"], "strategies": ["silent"], "replications": 5}
    assert _errors("experiment", {**base, "grid": {"spread.per_exposure_prob": [None, 0.1]}}) \
        == []
    assert _errors("experiment", {**base, "grid": {"plan": [1]}})
    assert _errors("experiment", {**base, "grid": {"complaint.evidence": ["vidoe"]}})
    assert _errors("experiment", {**base, "grid": {"network.users": []}})


@pytest.mark.parametrize("kind", js.FORMATS)
def test_cli_prints_the_schema(kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--schema", kind]) == 0
    assert json.loads(capsys.readouterr().out) == js.schema(kind)


def test_cli_schema_defaults_to_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "stormdrill scenario"


@pytest.mark.parametrize("argv", [["validate"], ["validate", "--schema", "strategy", "x.yaml"],
                                  ["validate", "--schema", "bogus"]])
def test_cli_schema_misuse_exits_2(argv: list[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse rejects a bad choice itself
        code = int(exc.code or 0)
    assert code == 2


def test_generator_writes_and_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regenerate, "SCHEMA_DIR", tmp_path)
    assert regenerate.main(["jsonschema"]) == 0
    assert regenerate.main(["jsonschema", "--check"]) == 0
    (tmp_path / "strategy.schema.json").write_text("{}", encoding="utf-8")
    assert regenerate.main(["jsonschema", "--check"]) == 1
    assert (tmp_path / "strategy.schema.json").read_text(encoding="utf-8") == "{}"
