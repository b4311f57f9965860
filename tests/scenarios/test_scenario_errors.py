"""One bad file per failure mode: each gives a FileError that says where and why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from problems import file_error, find_problem

from scenarios import FileError, load_scenario, load_strategy, validate_file

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad"

# fixture, line, key, words the message must contain, hint words ("" = no hint needed)
CASES = [
    ("unknown_key", 3, "colour", ["unknown key", "expected"], "valid keys: name"),
    ("typo_in_section", 4, "network.mean_folowers", ["unknown key", "expected"],
     "did you mean 'mean_followers'?"),
    ("misplaced_key", 2, "users", ["unknown key"], "did you mean 'network.users'?"),
    ("section_typo", 2, "netwrok", ["unknown key"], "did you mean 'network'?"),
    ("wrong_type", 3, "network.users", ["'many'", "expected a whole number from 10"], ""),
    ("wrong_bool", 3, "complaint.brand_at_fault", ["expected true or false"], ""),
    ("section_not_mapping", 2, "network", ["expected a mapping"], "indent"),
    ("negative_duration", 2, "duration_h", ["-5", "below the minimum", "expected a number"],
     ""),
    ("absurd_size", 3, "network.users", ["above the maximum", "expected a whole number"], ""),
    ("nan_value", 3, "complaint.arousal", ["not a finite number", "expected"], ""),
    ("bad_literal", 3, "complaint.evidence", ["'vidoe'", "expected one of 'none', 'photo'"],
     "did you mean 'video'?"),
    ("bad_coverage", 5, "plan.coverage[1]", ["unknown day", "expected"], ""),
    ("coverage_not_list", 3, "plan.coverage", ["expected a list"], "write it as a list"),
    ("bad_start", 2, "start", ["not a date and time", "expected ISO 8601"], ""),
    ("bad_diurnal", 3, "spread.diurnal_trough", ["not below 1", "expected"], ""),
    ("duplicate_key", 4, "network.users", ["duplicate key", "first at line 3", "expected"],
     ""),
    ("not_yaml", 4, "", ["YAML syntax error", "column", "expected"], "line 3"),
    ("tabs", 3, "", ["YAML syntax error"], "spaces, not tabs"),
    ("top_level_list", 1, "", ["top level is a list", "expected a YAML mapping"], ""),
    ("empty", None, "", ["file is empty", "expected"], ""),
    ("only_comments", None, "", ["only comments", "expected"], ""),
    ("missing_network_file", 4, "network.path", ["file not found", "no_such_edges.txt",
                                                 "expected"], "scenario file's folder"),
    ("file_without_path", 2, "network.path", ["missing", "expected"], ""),
    ("seed_out_of_range", 6, "complaint.seed_users[1]", ["100", "expected 0 to 99"], ""),
    ("inject_after_end", 6, "injects[1].at_h", ["30", "after the end", "expected at most"],
     ""),
    ("bad_inject", 4, "injects[0].kind", ["'journalist'", "expected one of"],
     "did you mean 'journalist_inquiry'?"),
    ("posted_after_end", 4, "complaint.posted_at_h", ["expected less than duration_h"], ""),
    ("too_many_followers", 5, "complaint.complainant_followers", ["expected at most 100"], ""),
    ("wrong_kind", 1, "kind", ["'senario'", "expected 'scenario' or 'strategy'"],
     "did you mean 'scenario'?"),
    ("missing_value", 2, "duration_h", ["missing value", "expected a number"], ""),
    ("strategy_unknown_field", 3, "respond_afer_h", ["unknown key", "strategy"],
     "did you mean 'respond_after_h'?"),
    ("strategy_detected_typo", 3, "tone", ["'empathic'", "expected one of"],
     "did you mean 'empathetic'?"),
    ("strategy_bad_values", 3, "respond_after_h", ["below the minimum", "or null"], ""),
    ("strategy_later_tone_only", 4, "later_tone", ["later_after_h", "expected both"],
     "add later_after_h"),
    ("strategy_every_without_start", 3, "delete_every_h", ["delete_after_h", "expected"], ""),
]


def _error(path: Path | str) -> FileError:
    return file_error(validate_file, path)


_find = find_problem


def test_every_fixture_has_a_case() -> None:
    fixtures = {p.stem for p in BAD.glob("*.yaml")} - {"multiple_problems"}
    assert fixtures == {c[0] for c in CASES}


@pytest.mark.parametrize(("name", "line", "key", "words", "hint"), CASES,
                         ids=[c[0] for c in CASES])
def test_bad_fixture(name: str, line: int | None, key: str, words: list[str],
                     hint: str) -> None:
    path = BAD / f"{name}.yaml"
    err = _error(path)
    problem = _find(err, key)
    assert problem.line == line
    assert problem.path == str(path)
    text = str(err)
    where = f"{path}:{line}: " if line else f"{path}: "
    assert where + (f"{key}: " if key else "") in text
    for word in words:
        assert word in problem.message, f"{word!r} not in {problem.message!r}"
    if hint:
        assert hint in problem.hint
        assert f"\n  {problem.hint}" in text


def test_multiple_problems_are_all_listed() -> None:
    err = _error(BAD / "multiple_problems.yaml")
    keys = [p.key for p in err.problems]
    assert keys == ["duration_h", "colour", "network.users", "network.mean_folowers",
                    "complaint.evidence", "plan.coverage[0]", "start", "injects[0].kind"]
    text = str(err)
    assert text.count("multiple_problems.yaml:") == len(keys)
    assert "did you mean 'mean_followers'?" in text
    assert "did you mean 'video'?" in text
    assert [p.line for p in err.problems] == sorted(p.line or 0 for p in err.problems)


def test_strategy_with_several_bad_values() -> None:
    err = _error(BAD / "strategy_bad_values.yaml")
    assert [p.key for p in err.problems] == ["respond_after_h", "max_updates",
                                             "first_action", "brief_staff"]
    assert "not a whole number" in _find(err, "max_updates").message


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"name: x\n" + os.urandom(64) + b"\x00\x01\xff")
    err = _error(path)
    assert "binary file" in str(err) and "expected YAML text" in str(err)
    assert str(path) in str(err)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: x\ntitle: café\n".encode("latin-1"))
    err = _error(path)
    assert err.problems[0].line == 2
    assert "not UTF-8" in str(err) and "UTF-8" in err.problems[0].hint


def test_control_character(tmp_path: Path) -> None:
    path = tmp_path / "ctrl.yaml"
    path.write_text("name: x\ntitle: a\x07b\n")
    err = _error(path)
    assert err.problems[0].line == 2 and "control character" in str(err)


def test_too_big(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * (5 * 1024 * 1024) + b"\n")
    assert "expected at most 5 MB" in str(_error(path))


def test_directory(tmp_path: Path) -> None:
    assert "is a directory" in str(_error(tmp_path))


def test_missing_file_suggests_library_names(tmp_path: Path) -> None:
    err = _error(tmp_path / "supermarket-vidoe.yaml")
    assert "file not found" in str(err)
    assert "did you mean 'supermarket-video'?" in str(err)
    assert "stormdrill scenarios" in str(err)
    with pytest.raises(FileError, match="did you mean 'supermarket-video'"):
        load_scenario("supermarkt-video")
    with pytest.raises(FileError, match="did you mean 'defensive'"):
        load_strategy("defensiv")


def test_library_listing_is_cached_until_the_folder_changes(tmp_path: Path) -> None:
    """Kept per folder (an experiment of 100,000 entries listed it 100,000 times), but a
    file added or removed is seen at once, and callers get their own list."""
    from scenarios.refs import library_names

    (tmp_path / "a.yaml").write_text("x: 1\n")
    names = library_names(tmp_path)
    assert names == ["a"]
    names.append("mutated")
    assert library_names(tmp_path) == ["a"]
    (tmp_path / "b.yaml").write_text("x: 1\n")
    assert library_names(tmp_path) == ["a", "b"]
    (tmp_path / "a.yaml").unlink()
    assert library_names(tmp_path) == ["b"]
    assert library_names(tmp_path / "missing") == []


def test_wrong_kind_for_the_loader() -> None:
    with pytest.raises(FileError, match="library strategy"):
        load_scenario("silent")
    with pytest.raises(FileError, match="this file is a strategy; expected a scenario"):
        load_scenario(str(BAD.parent.parent.parent / "scenarios" / "strategies"
                          / "silent.yaml"))


def test_unsupported_tag_and_non_scalar_key(tmp_path: Path) -> None:
    path = tmp_path / "tags.yaml"
    path.write_text("name: !!python/name:os.system x\n? [a, b]\n: 1\nduration_h: !foo 3\n")
    err = _error(path)
    assert {p.key for p in err.problems} == {"name", "scenario", "duration_h"}
    assert "unsupported YAML tag" in str(err) and "plain name" in str(err)


def test_file_of_the_other_kind_without_a_kind_key(tmp_path: Path) -> None:
    strategy = tmp_path / "st.yaml"
    strategy.write_text("name: x\nrespond_after_h: 1\n")
    with pytest.raises(FileError, match=r"st.yaml:2: respond_after_h: this looks like a "
                       "strategy file; expected a scenario"):
        load_scenario(str(strategy))
    scenario = tmp_path / "sc.yaml"
    scenario.write_text("name: x\nnetwork:\n  users: 100\n")
    with pytest.raises(FileError, match="this looks like a scenario file; expected a strategy"):
        load_strategy(str(scenario))
