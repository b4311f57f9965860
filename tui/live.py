"""The live store: what a running drill and the facilitator's console share.

A drill and its console are two processes. They meet in one SQLite file next
to the session (`blue.json` -> `blue.json.live.sqlite`), in WAL mode so one
can read while the other writes, with a busy timeout so neither fails on a
lock. Every call is one short transaction; nothing is cached across calls.

- `state`: one row the drill replaces on each tick (`publish`): the clock,
  pace and both outcomes, with a heartbeat so the console can tell a drill
  that stopped from one that is merely paused.
- `commands`: what the console asks of the drill (`post`): pace, injects,
  skips. The drill applies each one once (see `claim`, `consumed` and
  `settle` for the protocol that survives a crash between the two files).
- `notes`: the facilitator's notes with the simulated clock and wall time.
  They are written here directly, not sent as commands, so they are kept
  even when no drill is running; the after-action report reads them.

The session file stays the one source of truth for the run (scenario, seed,
journal); this store holds only what is live or what the facilitator wrote.
It never deletes rows, and it refuses (LiveError) a file it did not create.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.errors import StormdrillError

if TYPE_CHECKING:
    from tui.controller import DrillController

FORMAT = "stormdrill-live/1"
SUFFIX = ".live.sqlite"
BUSY_TIMEOUT_S = 10.0  # a writer waits this long for the other process's transaction
STALE_AFTER_S = 3.0  # no heartbeat for this long: the drill is not running

#: command kind -> its arguments and their types (the contract with the drill)
COMMANDS: dict[str, dict[str, type]] = {
    "pause": {},
    "resume": {},
    "speed": {"index": int},  # an index into tui.controller.SPEEDS
    # text "": the scenario's own wording; at_h: fire when the drill's clock gets there
    # (a room's inject, at the furthest team's clock), -1: at once
    "fire_inject": {"index": int, "text": str, "at_h": float},
    "skip_to_next_event": {},
    "skip_to_detection": {},
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    data TEXT NOT NULL,
    heartbeat REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS commands (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    args TEXT NOT NULL,
    created REAL NOT NULL,
    claimed_journal INTEGER,
    consumed_at REAL
);
CREATE TABLE IF NOT EXISTS delivered (
    origin TEXT PRIMARY KEY,
    command_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text TEXT NOT NULL,
    clock_h REAL,
    wall TEXT NOT NULL
);
"""
_TABLES = {"meta", "state", "commands", "delivered", "notes"}


class LiveError(StormdrillError, ValueError):
    """The live store cannot be used: damaged, foreign, or not writable. Names the file."""


@dataclass(frozen=True)
class Command:
    """One request from the console, in the order it was posted."""

    id: int
    kind: str
    args: dict[str, Any]
    created: float  # wall time, seconds since the epoch
    claimed_journal: int | None = None  # journal length when the drill began applying it


@dataclass(frozen=True)
class Note:
    """A facilitator's note: simulated clock (None: no drill state yet) and wall time."""

    id: int
    text: str
    clock_h: float | None
    wall: str  # ISO 8601, UTC


def is_due(command: Command, clock_h: float) -> bool:
    """Whether the drill should apply `command` now: everything at once, except a room's
    inject, which waits until this drill's clock reaches the moment it was fired for."""
    return (command.kind != "fire_inject"
            or float(command.args.get("at_h", -1.0)) <= clock_h + 1e-9)


def live_path(session_path: str | Path) -> Path:
    """Where a session's live store lives: next to it, `<session file>.live.sqlite`."""
    p = Path(session_path)
    return p.with_name(p.name + SUFFIX)


#: what a text argument left out means (int arguments are required; a float one is left out)
OPTIONAL: dict[type, Any] = {str: ""}


def check_command(kind: str, args: dict[str, Any]) -> dict[str, Any]:
    """The arguments of a command, checked and completed, or LiveError.

    Both sides call it: the console before posting, the drill could before
    applying, so a command from an older or newer console fails loudly.
    """
    spec = COMMANDS.get(kind)
    if spec is None:
        raise LiveError(f"unknown command {kind!r}; expected one of {', '.join(COMMANDS)}")
    unknown = set(args) - set(spec)
    if unknown:
        raise LiveError(f"command {kind!r} takes no {', '.join(sorted(unknown))}; expected "
                        f"{', '.join(spec) or 'no arguments'}")
    out: dict[str, Any] = {}
    for name, typ in spec.items():
        if typ is float and name not in args:
            continue  # an optional moment: left out means "at once" (see `is_due`)
        value = args.get(name, OPTIONAL.get(typ))
        if typ is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, typ) or isinstance(value, bool):
            raise LiveError(f"command {kind!r}: {name} must be {typ.__name__}, got {value!r}")
        out[name] = value
    return out


class LiveStore:
    """One process's connection to a session's live store (open with `LiveStore.open`)."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._lock = threading.Lock()  # one connection, used from the UI thread and workers

    # ---- opening --------------------------------------------------------------------------
    @classmethod
    def open(cls, session_path: str | Path) -> LiveStore:
        """Open (or create) the live store of the session at `session_path`."""
        path = live_path(session_path)
        if path.exists() and not path.is_file():
            raise LiveError(f"{path}: not a file; expected the drill's live store "
                            "(a SQLite file)")
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            raise LiveError(f"{path}: cannot open the live store ({exc}); is the folder "
                            "writable?") from None
        store = cls(path, conn)
        try:
            store._prepare()
        except BaseException:
            conn.close()
            raise
        return store

    def _prepare(self) -> None:
        """Check the file is ours (or empty), then switch to WAL and create the tables."""
        conn = self._conn
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            tables = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            tables.discard("sqlite_sequence")
            if tables and not tables >= {"meta"}:
                raise LiveError(f"{self.path}: a SQLite file, but not a stormdrill live store "
                                f"(tables {', '.join(sorted(tables))}); it is left as it is")
            if tables:
                row = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
                if row is None or row[0] != FORMAT:
                    found = row[0] if row else "none"
                    raise LiveError(f"{self.path}: format {found!r}, expected {FORMAT!r}; "
                                    "it is left as it is")
            conn.execute("PRAGMA journal_mode = WAL")
            with self._write() as c:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        c.execute(statement)
                c.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('format', ?)",
                          (FORMAT,))
            missing = _TABLES - {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if missing:
                raise LiveError(f"{self.path}: tables {', '.join(sorted(missing))} missing")
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from None

    def _error(self, exc: sqlite3.Error) -> LiveError:
        """A SQLite failure as a message a facilitator can act on."""
        text = str(exc)
        if "not a database" in text or "malformed" in text:
            return LiveError(f"{self.path}: damaged or not a SQLite file ({text}); it is left "
                             "as it is: move it away to start a fresh live store")
        if "readonly" in text or "unable to open" in text:
            return LiveError(f"{self.path}: not writable ({text}); check the folder's "
                             "permissions")
        if "locked" in text or "busy" in text:
            return LiveError(f"{self.path}: busy for more than {BUSY_TIMEOUT_S:g} s ({text})")
        return LiveError(f"{self.path}: {text}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> LiveStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction; IMMEDIATE takes the write lock up front (no deadlock)."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise self._error(exc) from None

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise self._error(exc) from None

    # ---- the drill's state ----------------------------------------------------------------
    def publish(self, state: dict[str, Any]) -> None:
        """Replace the drill's state (a JSON-able dict, see `drill_state`); beats the heart."""
        data = json.dumps(state)
        with self._write() as c:
            c.execute("INSERT OR REPLACE INTO state (id, data, heartbeat) VALUES (1, ?, ?)",
                      (data, time.time()))

    def read_state(self) -> dict[str, Any] | None:
        """The last published state plus `heartbeat` (wall time); None if never published."""
        rows = self._read("SELECT data, heartbeat FROM state WHERE id = 1")
        if not rows:
            return None
        try:
            state = json.loads(rows[0][0])
        except json.JSONDecodeError as exc:
            raise LiveError(f"{self.path}: the drill's state is damaged ({exc})") from None
        state["heartbeat"] = float(rows[0][1])
        return state

    # ---- commands: the console posts, the drill applies -----------------------------------
    def post(self, kind: str, **args: Any) -> int:
        """Queue a command for the drill; its id. Arguments as in `COMMANDS`."""
        checked = check_command(kind, args)
        with self._write() as c:
            cur = c.execute("INSERT INTO commands (kind, args, created) VALUES (?, ?, ?)",
                            (kind, json.dumps(checked), time.time()))
            return int(cur.lastrowid or 0)

    def post_once(self, origin: str, kind: str, **args: Any) -> bool:
        """Queue a command that `origin` names (a room's broadcast), unless it was queued
        already: a room console that died halfway through a broadcast sends it again, and
        no team gets it twice. True if it was queued now."""
        checked = check_command(kind, args)
        with self._write() as c:
            if c.execute("SELECT 1 FROM delivered WHERE origin = ?", (origin,)).fetchone():
                return False
            cur = c.execute("INSERT INTO commands (kind, args, created) VALUES (?, ?, ?)",
                            (kind, json.dumps(checked), time.time()))
            c.execute("INSERT INTO delivered (origin, command_id) VALUES (?, ?)",
                      (origin, int(cur.lastrowid or 0)))
            return True

    def pending(self) -> list[Command]:
        """Commands not yet consumed, oldest first (a claimed one too: see `settle`)."""
        rows = self._read("SELECT id, kind, args, created, claimed_journal FROM commands "
                          "WHERE consumed_at IS NULL ORDER BY id")
        return [Command(int(i), str(k), json.loads(a), float(t), j) for i, k, a, t, j in rows]

    def claim(self, command_id: int, journal_len: int) -> None:
        """The drill starts applying a command; `journal_len` is its journal's length now."""
        with self._write() as c:
            c.execute("UPDATE commands SET claimed_journal = ? WHERE id = ? AND consumed_at "
                      "IS NULL", (journal_len, command_id))

    def consumed(self, command_id: int) -> bool:
        """Mark a command applied; False if it already was (then do not apply it again)."""
        with self._write() as c:
            cur = c.execute("UPDATE commands SET consumed_at = ? WHERE id = ? AND consumed_at "
                            "IS NULL", (time.time(), command_id))
            return cur.rowcount == 1

    def settle(self, journal_len: int) -> list[int]:
        """After a restart: mark consumed the claimed commands whose effect the journal has.

        A command claimed at journal length n whose effect was journaled and
        saved leaves the saved journal longer than n; one the drill died
        before saving does not, and stays pending to be applied again. Call
        once when the drill starts, with the saved session's journal length.
        Returns the ids it marked.
        """
        now = time.time()
        with self._write() as c:
            rows = c.execute("SELECT id FROM commands WHERE consumed_at IS NULL AND "
                             "claimed_journal IS NOT NULL AND claimed_journal < ?",
                             (journal_len,)).fetchall()
            ids = [int(r[0]) for r in rows]
            c.executemany("UPDATE commands SET consumed_at = ? WHERE id = ?",
                          [(now, i) for i in ids])
            c.execute("UPDATE commands SET claimed_journal = NULL WHERE consumed_at IS NULL")
        return ids

    def facilitator_clock(self) -> tuple[int | None, bool | None]:
        """The pace (speed index) and the pause the facilitator last set, from the commands
        already applied (None: never set). A drill restarted after a crash takes them up
        again: the commands that set them were used up by the process that died."""
        rows = self._read("SELECT kind, args FROM commands WHERE consumed_at IS NOT NULL "
                          "AND kind IN ('speed', 'pause', 'resume') ORDER BY id DESC")
        speed = next((json.loads(a).get("index") for k, a in rows if k == "speed"), None)
        paused = next((k == "pause" for k, _ in rows if k in ("pause", "resume")), None)
        return (int(speed) if isinstance(speed, int) else None), paused

    # ---- notes ----------------------------------------------------------------------------
    def add_note(self, text: str, clock_h: float | None) -> int:
        """Keep a facilitator's note at simulated hour `clock_h`; its id."""
        text = text.strip()
        if not text:
            raise LiveError("an empty note; type something first")
        wall = datetime.now(UTC).isoformat(timespec="seconds")
        with self._write() as c:
            cur = c.execute("INSERT INTO notes (text, clock_h, wall) VALUES (?, ?, ?)",
                            (text, clock_h, wall))
            return int(cur.lastrowid or 0)

    def notes(self) -> list[Note]:
        """Every note, in the order written."""
        rows = self._read("SELECT id, text, clock_h, wall FROM notes ORDER BY id")
        return [Note(int(i), str(t), None if c is None else float(c), str(w))
                for i, t, c, w in rows]


def is_stale(state: dict[str, Any] | None, now: float | None = None) -> bool:
    """True when no drill has published lately (never started, quit, or crashed)."""
    if state is None:
        return True
    age = (time.time() if now is None else now) - float(state.get("heartbeat", 0.0))
    return not age < STALE_AFTER_S


def notes_of(session_path: str | Path) -> list[Note]:
    """The notes of a session, for reports; none when it never had a live store."""
    if not live_path(session_path).is_file():
        return []
    with LiveStore.open(session_path) as store:
        return store.notes()


def drill_state(controller: DrillController,
                metrics: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the drill publishes each tick: clock, pace, both outcomes, injects, prompts.

    Everything is plain JSON. Outcomes are the true numbers, not the team's
    view (the console is for the facilitator's eyes only). Pass `metrics`
    when the tick already has `controller.metrics()`, to take the snapshot once.
    """
    c = controller
    sim, sc = c.sim, c.scenario
    m = c.metrics() if metrics is None else metrics
    now = c.now
    decided = {d.point for d in c.session.decisions}
    waiting = [p.at_h for i, p in enumerate(sc.decision_points)
               if i not in decided and i not in c.open and p.at_h > now - 1e-9]
    upcoming = [inj.at_h for inj in sc.injects if inj.at_h > now + 1e-9]
    detected_at = sim.detected_at
    return {
        "clock_h": now,
        "duration_h": sim.duration,
        "paused": bool(c.paused),
        "speed": c.speed,
        "speed_index": c.speed_index,
        "finished": bool(sim.finished),
        "detected": detected_at is not None,
        "detected_at_h": detected_at,
        "trust": float(m["reputation"]),
        "trust_start": float(sc.reputation.start),
        "negative_last_hour": int(m["negative_last_hour"]),
        "negative_total": int(sum(m["hourly_negative"])),  # as the run summary counts them
        "participants": int(m["sharers"]),
        "reach": int(m["reach"]),
        "media_stories": int(m["media_stories"]),
        "open_prompts": [{"index": p.index, "prompt": p.point.prompt,
                          "deadline_h": p.deadline} for _, p in sorted(c.open.items())],
        "fired": [{"index": e.inject, "at_h": e.at_h, "text": e.text}
                  for e in sim.journal if e.inject is not None],
        "actions": len([e for e in sim.journal if e.action is not None]),
        "last_actions": [{"at_h": e.at_h, "kind": e.action.kind, "tone": e.action.tone}
                         for e in sim.journal if e.action is not None][-3:],
        "next_inject_h": min(upcoming, default=None),
        "next_decision_h": min(waiting, default=None),
        "team": c.session.team,
    }
