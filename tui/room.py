"""A drill room: several teams on the same crisis at once, one facilitator.

A room is a directory:

    room.json                    the room: scenario, seed, teams, access tokens
    teams/<team>.json            each team's session (its own journal, `tui/session.py`)
    teams/<team>.json.live.sqlite  each team's live store (`tui/live.py`, SQLite WAL)
    teams/<team>.lock            held by the one process playing the team (`Room.claim`)
    outbox.sqlite                every console broadcast (SQLite WAL)

Each team plays its own copy of the simulation, so its choices change only its own
run; every team faces the same scenario, seed and injects, which is what makes the
comparison fair. The facilitator's console writes every command (pause, pace, an
inject) to the room's outbox, then to every team's live store: each team applies it
once, crash or not, by the live store's claim/consumed protocol, and a console killed
halfway through a broadcast sends the rest when it starts again (`Room.redeliver`).
An inject fired for the room carries the room's clock (the furthest team's), and a
team that is behind applies it when its own clock gets there, so no team meets it
earlier in its crisis than another.

`room.json` is written once, atomically, readable by its owner only: it holds the
tokens that a served room's URLs carry (`stormdrill serve`).
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from simulator import __version__
from simulator.config import fingerprint
from simulator.errors import StormdrillError
from simulator.netio import UnreadableFile, read_bounded
from tui.live import LiveError, LiveStore, Note
from tui.session import Session

FORMAT = "stormdrill-room/1"
ROOM_FILE = "room.json"
OUTBOX = "outbox.sqlite"  # every console broadcast, so a killed console's is sent again
TEAMS_DIR = "teams"
MAX_TEAMS = 12
MAX_BYTES = 64 * 1024  # a room file is a few hundred bytes
TEAM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _-]{0,31}")
CONSOLE = "console"  # the key of the facilitator's token
#: each team this process plays (`Room.claim`): lock file -> its open descriptor
_CLAIMS: dict[Path, int] = {}
T = TypeVar("T")


class RoomError(StormdrillError, ValueError):
    """A room that cannot be created or used; names the directory or file and the key."""

    names_its_file = True


def parse_teams(text: str) -> tuple[str, ...]:
    """`A,B,C` as team names: 1 to 12, unique, letters/digits/space/_/- (32 at most)."""
    names = tuple(t.strip() for t in text.split(",") if t.strip())
    hint = "e.g. --teams Comms,Care,Regional"
    if not 1 <= len(names) <= MAX_TEAMS:
        raise RoomError(f"--teams: expected 1 to {MAX_TEAMS} team names, got {len(names)}; "
                        f"{hint}")
    for name in names:
        if not TEAM_NAME.fullmatch(name):
            raise RoomError(f"--teams: {name!r} is not a usable team name; expected up to 32 "
                            f"letters, digits, spaces, _ or -, starting with a letter or digit; "
                            f"{hint}")
    folded = [n.casefold() for n in names]
    if len(set(folded)) != len(folded):
        twice = next(n for n in names if folded.count(n.casefold()) > 1)
        raise RoomError(f"--teams: {twice!r} is named twice; each team needs its own name")
    if CONSOLE in folded:
        raise RoomError(f"--teams: {CONSOLE!r} is the facilitator's; choose another name")
    return names


@dataclass(frozen=True)
class Room:
    """One drill room on disk (see the module docstring for the layout)."""

    path: Path
    scenario: str  # a library name, or an absolute path to the scenario file
    scenario_fingerprint: str
    seed: int
    teams: tuple[str, ...]
    tokens: dict[str, str]  # team (and CONSOLE) -> access token
    created: str
    version: str
    #: live stores kept open by `_live` (not part of what the room is)
    _open: dict[str, LiveStore] = field(default_factory=dict, compare=False, repr=False)

    # ---- creating and opening -------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, scenario_ref: str, seed: int,
               teams: tuple[str, ...]) -> Room:
        """Create the room directory with every team's live store; refuses to reuse a room
        or a folder with other files in it (nothing already there is touched)."""
        import scenarios
        from scenarios.refs import pinned

        room_dir = Path(path)
        if room_dir.exists() and (not room_dir.is_dir() or any(room_dir.iterdir())):
            what = "a room already" if (room_dir / ROOM_FILE).exists() else "not an empty folder"
            raise RoomError(f"{room_dir}: {what}; choose a new folder for the room (--room)")
        if not 0 <= seed < 2**63:
            raise RoomError(f"--seed {seed}: expected 0 to 2^63-1")
        scenario = scenarios.load_scenario(scenario_ref)  # a bad file fails before any write
        ref = pinned(scenario_ref)  # a path becomes absolute: the room outlives the cwd
        room = cls(path=room_dir, scenario=ref, scenario_fingerprint=fingerprint(scenario),
                   seed=seed, teams=teams,
                   tokens={name: secrets.token_urlsafe(16) for name in (*teams, CONSOLE)},
                   created=datetime.now().isoformat(timespec="seconds"), version=__version__)
        try:
            (room_dir / TEAMS_DIR).mkdir(parents=True, exist_ok=True)
            for folder in (room_dir, room_dir / TEAMS_DIR):  # journals and notes: the owner's
                folder.chmod(0o700)
            for team in teams:
                LiveStore.open(room.session_path(team)).close()
            room._write()
        except OSError as exc:
            raise RoomError(f"{room_dir}: cannot create the room ({exc.strerror or exc}); "
                            "is the folder writable?") from None
        return room

    @classmethod
    def open(cls, path: str | Path) -> Room:
        """The room at `path` (its directory, or its room.json); RoomError for anything
        missing, unreadable or malformed, naming the file and key."""
        given = Path(path)
        file = given if given.name == ROOM_FILE else given / ROOM_FILE
        try:
            raw = read_bounded(file, MAX_BYTES)
            data = json.loads(raw.decode("utf-8"))
        except UnreadableFile as exc:
            hint = ("expected a folder made by `stormdrill room create`"
                    if exc.message == "file not found" else exc.hint)
            raise RoomError(f"{file}: {exc.message}; {hint}") from None
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise RoomError(f"{file}: not a stormdrill room ({exc}); expected the room.json "
                            "written by `stormdrill room create`") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise RoomError(f"{file}: not a stormdrill room; expected \"format\": \"{FORMAT}\"")

        def need(key: str, kind: type | tuple[type, ...]) -> Any:
            value = data.get(key)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise RoomError(f"{file}: {key}: expected {getattr(kind, '__name__', kind)}, "
                                f"got {type(value).__name__}; the file was edited or damaged")
            return value

        teams = need("teams", list)
        tokens = need("tokens", dict)
        try:
            names = parse_teams(",".join(str(t) for t in teams))
        except RoomError as exc:
            raise RoomError(f"{file}: teams: {exc}") from None
        if names != tuple(teams) or set(tokens) != {*names, CONSOLE} or not all(
                isinstance(t, str) and len(t) >= 16 for t in tokens.values()):
            raise RoomError(f"{file}: tokens: expected one token per team and one for the "
                            "console; the file was edited or damaged")
        seed = need("seed", int)
        if not 0 <= seed < 2**63:
            raise RoomError(f"{file}: seed: expected 0 to 2^63-1, got {seed}")
        return cls(path=file.parent, scenario=need("scenario", str),
                   scenario_fingerprint=need("scenario_fingerprint", str), seed=seed,
                   teams=names, tokens=dict(tokens), created=need("created", str),
                   version=need("version", str))

    def _write(self) -> None:
        """room.json, atomically and readable by its owner only (it holds the tokens)."""
        data = {"format": FORMAT, "scenario": self.scenario,
                "scenario_fingerprint": self.scenario_fingerprint, "seed": self.seed,
                "teams": list(self.teams), "tokens": self.tokens, "created": self.created,
                "version": self.version}
        fd, tmp = tempfile.mkstemp(prefix=".room-", dir=self.path)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path / ROOM_FILE)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # ---- teams ----------------------------------------------------------------------------
    def team(self, name: str) -> str:
        """The room's spelling of team `name` (any case); RoomError naming the teams."""
        for team in self.teams:
            if team.casefold() == name.strip().casefold():
                return team
        raise RoomError(f"{self.path}: no team {name!r} in this room; its teams are "
                        f"{', '.join(self.teams)}")

    def session_path(self, team: str) -> Path:
        return self.path / TEAMS_DIR / f"{team}.json"

    def session(self, team: str) -> Session | None:
        """The team's saved session, or None before the team first joined."""
        path = self.session_path(team)
        return Session.load(path) if path.exists() else None

    def new_session(self, team: str) -> Session:
        """A fresh session for a team joining for the first time."""
        return Session(scenario=self.scenario, seed=self.seed, team=team,
                       scenario_fingerprint=self.scenario_fingerprint, version=__version__,
                       path=self.session_path(team))

    def claim(self, team: str) -> None:
        """Make this process the only one playing `team`, for as long as it runs.

        Two processes on one team would both write its journal (two terminals, a served
        page and a terminal, a page whose server was killed and is not gone yet). The lock
        is an flock, so the OS releases it when the process ends, crash or kill -9, and a
        team can always rejoin."""
        lock = self.path / TEAMS_DIR / f"{team}.lock"
        if lock in _CLAIMS:
            return
        try:
            import fcntl
        except ImportError:  # not a POSIX system: no lock, as before rooms had one
            return
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise RoomError(f"{lock}: cannot open the team's lock ({exc.strerror or exc}); "
                            "is the room folder writable?") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise RoomError(f"{self.path}: team {team} is already playing in another window "
                            "(a terminal or a browser page); close that one first, then join "
                            "again: nothing it did is lost") from None
        _CLAIMS[lock] = fd

    def store(self, team: str) -> LiveStore:
        return LiveStore.open(self.session_path(team))

    def allows(self, who: str, token: str) -> bool:
        """Whether `token` is the access token of `who` (a team or CONSOLE), in constant time."""
        expected = self.tokens.get(who)
        return expected is not None and hmac.compare_digest(expected.encode(), token.encode())

    # ---- the facilitator, for every team at once -------------------------------------------
    def _live(self, team: str, call: Callable[[LiveStore], T]) -> T:
        """`call` on the team's live store, kept open across calls: the room console reads
        every team four times a second, and opening a store is a write transaction that
        would contend with the team's own drill. A store that fails is closed and opened
        afresh next time."""
        store = self._open.get(team)
        if store is None:
            store = self._open[team] = self.store(team)
        try:
            return call(store)
        except LiveError:
            self._open.pop(team).close()
            raise

    def close(self) -> None:
        """Close the live stores this room object keeps open."""
        while self._open:
            self._open.popitem()[1].close()

    def broadcast(self, kind: str, **args: Any) -> list[str]:
        """One console command for every team: written to the room's outbox first, then
        posted to each team's live store; the teams it could not reach yet (their store is
        busy or damaged), so the console can say so and `redeliver` later."""
        with self._outbox() as outbox:
            broadcast = int(outbox.execute(
                "INSERT INTO broadcasts (kind, args, created) VALUES (?, ?, ?)",
                (kind, json.dumps(args), time.time())).lastrowid or 0)
        return self._deliver([(broadcast, kind, args)])

    def redeliver(self) -> list[str]:
        """Every broadcast of the room to every team that has not got it: after a console
        killed halfway through a broadcast, or a team's store that was busy. Each team's
        store keeps which broadcasts it has (`LiveStore.post_once`): none arrives twice."""
        if not (self.path / OUTBOX).exists():
            return []
        with self._outbox() as outbox:
            rows = outbox.execute("SELECT id, kind, args FROM broadcasts ORDER BY id").fetchall()
        return self._deliver([(int(i), str(k), json.loads(a)) for i, k, a in rows])

    def _deliver(self, broadcasts: list[tuple[int, str, dict[str, Any]]]) -> list[str]:
        missed = []
        for team in self.teams:
            try:
                for number, kind, args in broadcasts:
                    self._live(team, lambda store, n=number, k=kind, a=args: store.post_once(
                        f"room:{n}", k, **a))
            except LiveError:
                missed.append(team)
        return missed

    @contextlib.contextmanager
    def _outbox(self) -> Iterator[sqlite3.Connection]:
        """The room's outbox (SQLite, WAL): one write transaction, then closed."""
        try:
            conn = sqlite3.connect(self.path / OUTBOX, timeout=10.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise LiveError(f"{self.path / OUTBOX}: cannot open the room's outbox ({exc})") \
                from None
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS broadcasts (id INTEGER PRIMARY KEY "
                         "AUTOINCREMENT, kind TEXT NOT NULL, args TEXT NOT NULL, "
                         "created REAL NOT NULL)")
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise LiveError(f"{self.path / OUTBOX}: {exc}") from None
        finally:
            conn.close()

    def states(self) -> dict[str, dict[str, Any] | None]:
        """Each team's last published state (None: never joined, or unreadable)."""
        out: dict[str, dict[str, Any] | None] = {}
        for team in self.teams:
            try:
                out[team] = self._live(team, LiveStore.read_state)
            except LiveError:
                out[team] = None
        return out

    def add_note(self, team: str, text: str, clock_h: float | None) -> None:
        self._live(team, lambda store: store.add_note(text, clock_h))

    def notes(self) -> dict[str, list[Note]]:
        return {team: self._live(team, LiveStore.notes) for team in self.teams}
