"""A drill session on disk: what it takes to restore a drill exactly.

A run is a pure function of (scenario, seed, journal), so a session file
holds just those, the team, the decisions taken and the clock reached. It is
rewritten atomically (write a temporary file, then rename) after every
action, so killing the terminal at any moment leaves the last complete state.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator.actions import ActionError, JournalEntry

FORMAT = "stormdrill-session/1"


class SessionError(ValueError):
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
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path) -> Session:
        """Read a session file; every problem is a SessionError naming the file and key."""
        p = Path(path)
        if not p.is_file():
            raise SessionError(f"{p}: no such session file; expected the file written by "
                               "`stormdrill play` (see --session)")
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SessionError(f"{p}: not a stormdrill session (not JSON: {exc})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise SessionError(f"{p}: not a stormdrill session; expected \"format\": "
                               f"\"{FORMAT}\"")
        try:
            journal = [JournalEntry.from_dict(e) for e in data.get("journal", [])]
            decisions = [Decision(**d) for d in data.get("decisions", [])]
            session = cls(scenario=str(data["scenario"]), seed=int(data["seed"]),
                          team=str(data.get("team", "Team")),
                          roles={str(k): str(v) for k, v in data.get("roles", {}).items()},
                          clock_h=float(data.get("clock_h", 0.0)), journal=journal,
                          decisions=decisions, created=str(data.get("created", "")),
                          finished=bool(data.get("finished", False)),
                          prompt_clock=_optional(data, "prompt_clock", str),
                          prompt_minutes=_optional(data, "prompt_minutes", float),
                          auto_pause=_optional(data, "auto_pause",
                                               lambda v: [str(x) for x in v]),
                          scenario_fingerprint=str(data.get("scenario_fingerprint") or ""),
                          version=str(data.get("version") or ""),
                          path=p)
        except KeyError as exc:
            raise SessionError(f"{p}: missing key {exc}; the file is incomplete") from None
        except (TypeError, ValueError, ActionError) as exc:
            raise SessionError(f"{p}: a value has the wrong form ({exc})") from None
        times = [session.clock_h, *(e.at_h for e in journal), *(d.at_h for d in decisions)]
        if not all(math.isfinite(t) and t >= 0 for t in times):
            raise SessionError(f"{p}: a time is negative or not a number (clock_h or an "
                               "at_h); the file was edited or damaged")
        late = [e.at_h for e in journal if e.at_h > session.clock_h + 1e-9]
        if late:
            raise SessionError(f"{p}: a journal entry at {late[0]:g} h is after the saved "
                               f"clock ({session.clock_h:g} h); the file was edited or "
                               "damaged. Restore a copy, or set clock_h to at least "
                               f"{max(late):g}")
        if session.seed < 0:
            raise SessionError(f"{p}: seed {session.seed} is negative; expected 0 or more")
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


def _optional(data: dict[str, Any], key: str, convert: Any) -> Any:
    """`data[key]` converted, or None when absent or null (older sessions lack these keys)."""
    value = data.get(key)
    return None if value is None else convert(value)
