"""A drill session on disk: what it takes to restore a drill exactly.

A run is a pure function of (scenario, seed, journal), so a session file
holds just those, the team, the decisions taken and the clock reached. It is
rewritten atomically (write a temporary file, then rename) after every
action, so killing the terminal at any moment leaves the last complete state.

Before each rewrite the file being replaced is kept as `SESSION.bak` (e.g.
`drill.json.bak`), by a hard link (or a copy) renamed into place, so at every
moment both names hold a complete file: should a save ever write a bad
state, the one before it is still there: copy `drill.json.bak` over
`drill.json` to go back one save.

Loading trusts nothing in the file: only a regular file of at most
`MAX_BYTES` is read (never a FIFO or a device), nesting and numbers are
bounded, and every key is checked for type and range; anything else is a
`SessionError` naming the file and the key, and the file is left as it is.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator.actions import ActionError, JournalEntry
from simulator.config import Scenario
from simulator.errors import StormdrillError
from simulator.netio import UnreadableFile, read_bounded, wide_encoding

FORMAT = "stormdrill-session/1"
#: a session of a long drill is well under 1 MB; this only stops absurd files
MAX_BYTES = 20 * 1024 * 1024
MAX_SEED = 2**63 - 1
#: no clock or journal time can be later than the longest run (`Scenario.duration_h`)
MAX_HOURS = float(Scenario.__dataclass_fields__["duration_h"].metadata["hi"])
#: a drill's journal holds the team's actions and the facilitator's injects: hundreds at
#: most; every entry costs a debrief paired replicas, so an absurd journal is refused
MAX_JOURNAL = 2000
#: team and role names are typed into a form; the scenario is a name or a path
MAX_NAME = 200
MAX_PATH = 4096


class SessionError(StormdrillError, ValueError):
    """A session file that cannot be used, with where and what was expected."""


@dataclass(frozen=True)
class Decision:
    """What the team chose at a decision point (option -1: nothing)."""

    point: int
    option: int
    at_h: float
    timed_out: bool = False


@dataclass
class Session:
    """Everything needed to resume a drill."""

    scenario: str  # library name or absolute path
    seed: int
    team: str = "Team"
    roles: dict[str, str] = field(default_factory=dict)
    clock_h: float = 0.0
    journal: list[JournalEntry] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    created: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))
    finished: bool = False
    #: the facilitator's clock choices for this drill (None: the scenario's `facilitation`)
    prompt_clock: str | None = None
    prompt_minutes: float | None = None
    auto_pause: list[str] | None = None
    #: the scenario as it was when the drill began (`simulator.config.fingerprint`) and the
    #: stormdrill version: a resume or a report says so when either has changed since
    scenario_fingerprint: str = ""
    version: str = ""
    path: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "scenario": self.scenario, "seed": self.seed,
                "team": self.team, "roles": self.roles, "clock_h": self.clock_h,
                "journal": [e.to_dict() for e in self.journal],
                "decisions": [asdict(d) for d in self.decisions],
                "created": self.created, "finished": self.finished,
                "prompt_clock": self.prompt_clock, "prompt_minutes": self.prompt_minutes,
                "auto_pause": self.auto_pause,
                "scenario_fingerprint": self.scenario_fingerprint, "version": self.version}

    def save(self) -> None:
        """Write atomically: the old file stays whole until the new one is complete."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".session-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.to_dict(), fh, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            _keep_backup(self.path)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path) -> Session:
        """Read a session file; every problem is a SessionError naming the file and key."""
        p = Path(path)
        data = _read_json(p)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise SessionError(f"{p}: not a stormdrill session; expected \"format\": "
                               f"\"{FORMAT}\"")
        check = _Checker(p, data)
        try:
            entries = check.items("journal")
            if len(entries) > MAX_JOURNAL:
                raise SessionError(f"{p}: journal: {len(entries)} entries; expected at most "
                                   f"{MAX_JOURNAL} (a drill's actions and injects)")
            journal = [check.entry(i, e) for i, e in enumerate(entries)]
            decisions = [check.decision(i, d) for i, d in enumerate(check.items("decisions"))]
            session = cls(scenario=check.text("scenario", MAX_PATH, required=True),
                          seed=check.seed(),
                          team=check.text("team", MAX_NAME, default="Team"),
                          roles=check.roles(),
                          clock_h=check.hours("clock_h", data.get("clock_h", 0.0)),
                          journal=journal, decisions=decisions,
                          created=check.text("created", MAX_NAME),
                          finished=check.flag("finished"),
                          prompt_clock=check.text("prompt_clock", MAX_NAME, optional=True),
                          prompt_minutes=check.minutes(),
                          auto_pause=check.names("auto_pause"),
                          scenario_fingerprint=check.text("scenario_fingerprint", MAX_NAME,
                                                          optional=True) or "",
                          version=check.text("version", MAX_NAME, optional=True) or "",
                          path=p)
        except (TypeError, ValueError, ActionError) as exc:
            if isinstance(exc, SessionError):
                raise
            raise SessionError(f"{p}: a value has the wrong form ({exc})") from None
        late = [e.at_h for e in journal if e.at_h > session.clock_h + 1e-9]
        if late:
            raise SessionError(f"{p}: a journal entry at {late[0]:g} h is after the saved "
                               f"clock ({session.clock_h:g} h); the file was edited or "
                               "damaged. Restore a copy, or set clock_h to at least "
                               f"{max(late):g}")
        return session

    def drift(self, scenario_fingerprint: str, version: str) -> list[str]:
        """What changed since the drill began: the scenario, the program, both or nothing
        (a session from before fingerprints were kept cannot tell, and says nothing)."""
        changed = []
        if self.scenario_fingerprint and self.scenario_fingerprint != scenario_fingerprint:
            changed.append("scenario")
        if self.version and self.version != version:
            changed.append("version")
        return changed

    def check_against(self, scenario_injects: int, duration_h: float) -> None:
        """What only the scenario can tell: inject indices and times within the run."""
        where = self.path or "session"
        for e in self.journal:
            if e.inject is not None and not 0 <= e.inject < scenario_injects:
                raise SessionError(f"{where}: journal entry at {e.at_h:g} h fires inject "
                                   f"{e.inject}, but the scenario has {scenario_injects} "
                                   f"(0 to {scenario_injects - 1}); the session belongs to "
                                   "another version of the scenario, or was edited")
            if e.at_h > duration_h + 1e-9:
                raise SessionError(f"{where}: journal entry at {e.at_h:g} h is after the "
                                   f"end of the run ({duration_h:g} h)")


def _keep_backup(path: Path) -> None:
    """Keep the file about to be replaced as `<name>.bak`, atomically.

    A hard link renamed over the old backup costs nothing and is never
    half-written; where links are not allowed, a copy renamed into place.
    """
    try:
        if not path.is_file():
            return
    except OSError:
        return
    backup = path.with_name(path.name + ".bak")
    tmp = path.with_name(f".{path.name}.bak-{os.getpid()}")
    try:
        tmp.unlink(missing_ok=True)
        try:
            os.link(path, tmp)
        except OSError:
            shutil.copy2(path, tmp)
        os.replace(tmp, backup)
    except OSError:
        tmp.unlink(missing_ok=True)  # no backup is better than no save


class _TooLong:
    """A JSON number with more digits than any valid value (kept out of int())."""

    def __init__(self, digits: str) -> None:
        self.digits = digits


def _parse_int(text: str) -> int | _TooLong:
    # int() of 4,300+ digits raises inside json.loads with no key to name; a seed
    # has at most 19 digits, so anything past 30 is reported by the key's check
    return _TooLong(text) if len(text) > 30 else int(text)


def _read_json(p: Path) -> Any:
    """The parsed JSON of a session file; a SessionError for anything unreadable."""
    try:
        raw = read_bounded(p, MAX_BYTES)
    except UnreadableFile as exc:
        if exc.message == "file not found":
            raise SessionError(f"{p}: no such session file; expected the file written by "
                               "`stormdrill play` (see --session)") from None
        hint = f"\n  {exc.hint}" if exc.hint else ""
        raise SessionError(f"{p}: {exc.message}{hint}") from None
    wide = wide_encoding(raw)
    if wide:
        raise SessionError(f"{p}: {wide} text; save it as UTF-8")
    try:
        return json.loads(raw.decode("utf-8"), parse_int=_parse_int)
    except UnicodeDecodeError as exc:
        raise SessionError(f"{p}: not a stormdrill session (not UTF-8 text at byte "
                           f"{exc.start}); expected the JSON file written by `stormdrill "
                           "play`") from None
    except json.JSONDecodeError as exc:
        raise SessionError(f"{p}: not a stormdrill session (not JSON: {exc})") from None
    except RecursionError:
        raise SessionError(f"{p}: nested too deeply to read; expected the JSON file "
                           "written by `stormdrill play`") from None
    except ValueError as exc:  # e.g. a float literal that cannot be converted
        raise SessionError(f"{p}: not a stormdrill session ({exc})") from None


def _shown(value: Any) -> str:
    """A value as a message shows it: short, whatever its size."""
    if isinstance(value, _TooLong):
        return f"a {len(value.digits.lstrip('-'))}-digit number"
    if isinstance(value, (dict, list)):
        return "a list" if isinstance(value, list) else "a mapping"
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Checker:
    """Type and range checks of one session file's keys, each failing with file and key."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path, self.data = path, data

    def fail(self, key: str, value: Any, expected: str, hint: str = "") -> SessionError:
        tail = f"\n  {hint}" if hint else ""
        return SessionError(f"{self.path}: {key}: {_shown(value)}; expected {expected}; "
                            f"the file was edited or damaged{tail}")

    def number(self, key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, value, "a number of hours")
        return float(value)

    def hours(self, key: str, value: Any) -> float:
        number = self.number(key, value)
        if not math.isfinite(number) or not 0 <= number <= MAX_HOURS:
            raise self.fail(key, value, f"a time from 0 to {MAX_HOURS:g} hours (the longest "
                            "run a scenario may have); a negative time or one that is not a "
                            "number cannot be replayed")
        return number

    def whole(self, key: str, value: Any, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(key, value, f"a whole number from {low} to {high}")
        return value

    def seed(self) -> int:
        if "seed" not in self.data:
            raise SessionError(f"{self.path}: missing key 'seed'; the file is incomplete")
        value = self.data["seed"]
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            raise self.fail("seed", value, f"0 or more (seed {value} is negative)")
        return self.whole("seed", value, 0, MAX_SEED)

    def text(self, key: str, limit: int, default: str = "", required: bool = False,
             optional: bool = False) -> Any:
        if key not in self.data and required:
            raise SessionError(f"{self.path}: missing key '{key}'; the file is incomplete")
        value = self.data.get(key, default)
        if value is None and (optional or not required):
            return None if optional else default
        if not isinstance(value, str) or len(value) > limit or (required and not value):
            raise self.fail(key, value, f"a text of 1 to {limit} characters" if required
                            else f"a text of at most {limit} characters")
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(key, value, "true or false")
        return value

    def roles(self) -> dict[str, str]:
        value = self.data.get("roles", {})
        if value is None:
            return {}
        if not isinstance(value, dict) or len(value) > 50:
            raise self.fail("roles", value, "a mapping of role to name, such as "
                            "{\"lead\": \"Ann\"}")
        for role, name in value.items():
            if len(role) > MAX_NAME or not isinstance(name, str) or len(name) > MAX_NAME:
                raise self.fail(f"roles.{role[:40]}", name,
                                f"a name of at most {MAX_NAME} characters")
        return dict(value)

    def names(self, key: str) -> list[str] | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(x, str) and len(x) <= MAX_NAME
                                                  for x in value):
            raise self.fail(key, value, "a list of names, or null")
        return list(value)

    def minutes(self) -> float | None:
        value = self.data.get("prompt_minutes")
        if value is None:
            return None
        number = self.number("prompt_minutes", value)
        if not math.isfinite(number) or number <= 0:
            raise self.fail("prompt_minutes", value, "a number of minutes above 0, or null")
        return number

    def items(self, key: str) -> list[Any]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise self.fail(key, value, "a list")
        return value

    def entry(self, i: int, value: Any) -> JournalEntry:
        key = f"journal[{i}]"
        if not isinstance(value, dict) or "at_h" not in value:
            raise self.fail(key, value, "an entry such as {\"at_h\": 1.5, \"kind\": "
                            "\"acknowledge\"} or {\"at_h\": 2, \"inject\": 0}")
        self.hours(f"{key}.at_h", value["at_h"])
        if "inject" in value:
            self.whole(f"{key}.inject", value["inject"], 0, 10_000)
            if not isinstance(value.get("text", ""), str):
                raise self.fail(f"{key}.text", value["text"], "a text")
        else:
            for field_ in ("kind", "tone", "text"):
                if field_ in value and not isinstance(value[field_], str):
                    raise self.fail(f"{key}.{field_}", value[field_], "a text")
        try:
            return JournalEntry.from_dict(value)
        except (TypeError, ValueError, ActionError) as exc:
            raise SessionError(f"{self.path}: {key}: {exc}; the file was edited or "
                               "damaged") from None

    def decision(self, i: int, value: Any) -> Decision:
        key = f"decisions[{i}]"
        if not isinstance(value, dict) or not {"point", "option", "at_h"} <= value.keys():
            raise self.fail(key, value, "a decision such as {\"point\": 0, \"option\": 1, "
                            "\"at_h\": 3.0}")
        unknown = set(value) - {"point", "option", "at_h", "timed_out"}
        if unknown:
            raise self.fail(f"{key}.{sorted(unknown)[0]}", value[sorted(unknown)[0]],
                            "only point, option, at_h and timed_out")
        timed_out = value.get("timed_out", False)
        if not isinstance(timed_out, bool):
            raise self.fail(f"{key}.timed_out", timed_out, "true or false")
        return Decision(point=self.whole(f"{key}.point", value["point"], 0, 10_000),
                        option=self.whole(f"{key}.option", value["option"], -1, 10_000),
                        at_h=self.hours(f"{key}.at_h", value["at_h"]), timed_out=timed_out)
