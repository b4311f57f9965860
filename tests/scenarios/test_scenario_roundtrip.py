"""Valid files become exactly the dataclasses they describe, and dump back."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from scenarios import ScenarioFile, dump_yaml, load_scenario, load_strategy, to_dict, validate_file
from scenarios.loader import load_any
from simulator.config import Inject, NetworkConfig, Scenario
from simulator.strategy import Strategy

FULL = """\
kind: scenario
name: full
title: Every section
description: A file that sets something in every section.
locale: nl
start: 2026-03-06T18:00
duration_h: 48
network:
  kind: file
  path: edges.txt
  users: 50
  undirected: true
  seed: 7
complaint:
  arousal: 1
  brand_at_fault: no
  evidence: photo
  complainant_followers: 40
  seed_users: [0, 3]
  posted_at_h: 1.5
spread:
  branching_ratio: 0.6
  per_exposure_prob: null
  kernel: exponential
  diurnal_trough: 0.3
  diurnal_peak: 1.8
response:
  share_empathetic: 0.9
  max_updates_counted: 3
advocates:
  enabled: false
media:
  hazard_per_h: 0.1
reputation:
  start: 10
plan:
  coverage: ["mon-fri 09:00-17:00", "sat,sun 10:00-14:00"]
  poll_interval_min: 30
  approval_delay_h: 2
injects:
  - at_h: 5
    kind: competitor_jab
    text: "Rival: we never go down"
    strength: 0.5
  - at_h: 48
    kind: second_victim
"""


def test_full_scenario_builds_expected_values(tmp_path: Path) -> None:
    (tmp_path / "edges.txt").write_text("0 1\n1 2\n2 3\n")  # 4 nodes: seed user 3 is one
    (tmp_path / "full.yaml").write_text(FULL)
    sc = load_scenario(str(tmp_path / "full.yaml"))
    assert isinstance(sc, Scenario)
    assert (sc.name, sc.locale, sc.start, sc.duration_h) == ("full", "nl", "2026-03-06T18:00",
                                                             48.0)
    assert isinstance(sc.duration_h, float)
    assert sc.network == NetworkConfig(kind="file", path=str(tmp_path / "edges.txt"),
                                       users=50, undirected=True, seed=7)
    assert sc.complaint.arousal == 1.0 and isinstance(sc.complaint.arousal, float)
    assert sc.complaint.brand_at_fault is False
    assert sc.complaint.seed_users == [0, 3]
    assert sc.spread.kernel == "exponential" and sc.spread.per_exposure_prob is None
    assert sc.response.max_updates_counted == 3 and sc.response.share_empathetic == 0.9
    assert sc.advocates.enabled is False and sc.media.hazard_per_h == 0.1
    assert sc.reputation.start == 10.0
    assert sc.plan.coverage == ["mon-fri 09:00-17:00", "sat,sun 10:00-14:00"]
    assert sc.injects == [Inject(at_h=5.0, kind="competitor_jab",
                                 text="Rival: we never go down", strength=0.5),
                          Inject(at_h=48.0, kind="second_victim")]
    assert all(isinstance(i, Inject) for i in sc.injects)
    # untouched fields keep their defaults
    assert sc.media.kappa == Scenario().media.kappa


def test_relative_network_path_is_resolved_from_the_scenario_folder(tmp_path: Path,
                                                                    monkeypatch) -> None:
    sub = tmp_path / "drills"
    sub.mkdir()
    (sub / "edges.txt").write_text("a b\n")
    (sub / "s.yaml").write_text("network:\n  kind: file\n  path: edges.txt\n")
    monkeypatch.chdir(tmp_path)
    sc = load_scenario("drills/s.yaml")
    assert sc.network.path == str(sub / "edges.txt")


def test_dump_round_trips(tmp_path: Path) -> None:
    for name in ("supermarket-video", "telecom-storing"):
        sc = load_scenario(name)
        path = tmp_path / f"{name}.yaml"
        path.write_text(dump_yaml(sc))
        assert load_scenario(str(path)) == sc
        assert to_dict(sc, only_changed=True)["network"] == {"users": 20000}
    st = load_strategy("contradictory")
    path = tmp_path / "st.yaml"
    path.write_text(dump_yaml(st, only_changed=True))
    assert load_strategy(str(path)) == st


def test_defaults_only_files(tmp_path: Path) -> None:
    path = tmp_path / "defaults.yaml"
    path.write_text("name: scenario\nnetwork:\n")
    assert load_scenario(str(path)) == dataclasses.replace(ScenarioFile())


def test_kind_detection(tmp_path: Path) -> None:
    cases = {
        "respond_after_h: 2\ntone: neutral\n": "strategy",
        "name: x\ndescription: only shared keys\n": "strategy",
        "kind: scenario\nname: x\n": "scenario",
        "name: x\nduration_h: 10\n": "scenario",
        "kind: strategy\nname: x\n": "strategy",
    }
    for i, (text, kind) in enumerate(cases.items()):
        path = tmp_path / f"k{i}.yaml"
        path.write_text(text)
        assert validate_file(str(path)) == kind, text
    path = tmp_path / "st.yaml"
    path.write_text("respond_after_h: 2\n")
    assert load_any(str(path)) == Strategy(respond_after_h=2.0)
    assert load_strategy(str(path)) == Strategy(respond_after_h=2.0)


def test_yaml_quirks_are_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("name: yes\ntitle: 2026\nstart: 2026-03-06 18:00:00\n"
                    "network:\n  users: 2e4\n")
    sc = load_scenario(str(path))
    assert (sc.name, sc.title, sc.start) == ("yes", "2026", "2026-03-06 18:00:00")
    assert sc.network.users == 20000 and isinstance(sc.network.users, int)
