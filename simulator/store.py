"""The results store: one SQLite file per batch, written run by run.

Rows are committed in small transactions as runs finish, so an interrupted
batch (Ctrl-C, kill -9, a dead worker) keeps every finished run and never
leaves a corrupt file (SQLite's journal). `--resume` reads which run ids are
done and skips them. The `meta` table pins the experiment a file belongs to,
so a resume with a different experiment is refused instead of mixing results.
An existing file is checked (SQLite's quick_check, the schema, the JSON and
types of every row) through a read-only connection before it is read or
written, so a damaged file, another tool's database or a user's own file is
refused with a StoreError and left byte for byte as it was.
"""

from __future__ import annotations

import json
import numbers
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from simulator.errors import StormdrillError
from simulator.outcomes import STORED

#: per-run outcome columns (name, SQL type), from the one outcome schema. Columns are read
#: and written by name, so their order is free to change.
METRICS: tuple[tuple[str, str], ...] = tuple((o.name, o.sql_type) for o in STORED)
METRIC_NAMES = tuple(name for name, _ in METRICS)
#: columns a file may lack because it was written before they existed: added when the file
#: is opened for writing, read as NULL (unknown) in its older runs, never an error
ADDED_COLUMNS: tuple[tuple[str, str], ...] = (("scenario_fingerprint", "TEXT"),)
RUN_COLUMNS = ("run_id", "design", "scenario", "strategy", "point", "replication", "seed",
               "params", "version", "status", "error", "elapsed_s", *METRIC_NAMES,
               *(name for name, _ in ADDED_COLUMNS))

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    design TEXT NOT NULL,          -- 'grid' or 'sensitivity'
    scenario TEXT NOT NULL,
    strategy TEXT NOT NULL,
    point TEXT NOT NULL,           -- readable grid point, '' for the base point
    replication INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    params TEXT NOT NULL,          -- JSON object: dotted parameter -> value
    version TEXT NOT NULL,
    scenario_fingerprint TEXT,     -- simulator.config.fingerprint of the scenario as run
    status TEXT NOT NULL,          -- 'ok' or 'error'
    error TEXT,
    elapsed_s REAL,
    {", ".join(f"{name} {kind}" for name, kind in METRICS)}
);
CREATE TABLE IF NOT EXISTS hourly (
    run_id TEXT NOT NULL,
    hour INTEGER NOT NULL,
    negative INTEGER NOT NULL,
    reach INTEGER NOT NULL,
    reputation REAL NOT NULL,      -- the trust index at the end of the hour
    PRIMARY KEY (run_id, hour)
);
"""


def value_key(value: Any) -> tuple[int, Any]:
    """Sort key that puts numbers in numeric order (15, 60, 240, not 15, 240, 60), then text."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return (0, float(value))
    return (1, str(value))


def params_key(params: Mapping[str, Any] | None) -> tuple[Any, ...]:
    """Sort key of a grid or policy point: each parameter's name, then its value numerically.

    The base point (no parameters) comes first. The store, every table and
    plot sort points with this key, so 15, 60, 240 read in that order everywhere.
    """
    return tuple((str(k), value_key(v)) for k, v in (params or {}).items())


#: error text of a run lost to the machinery (its worker died), not to its own simulation
LOST_PREFIX = "worker lost: "


class StoreError(StormdrillError, ValueError):
    """A results file that cannot be used as asked."""

    names_its_file = True


def store_file(path: str | Path) -> Path:
    """The results file of `path`: `path/results.sqlite`, or `path` if that is an existing file.

    A path is a folder even when its name has a dot (`results/v1.2`): only a
    file that already exists is taken as the store itself, so a new store is
    never created as a file next to where its exports go.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        return path
    return path / ResultsStore.FILENAME


class ResultsStore:
    """`DIR/results.sqlite`: runs, their hourly series and the experiment they belong to."""

    FILENAME = "results.sqlite"

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        """Open (or, unless `readonly`, create) the store of folder `path`.

        `path` is the results folder, even with a dot in its name; an existing
        file is taken as the store itself. An existing file is checked through
        a read-only connection before anything writes to it, so a user's file,
        a damaged file or another tool's database is refused unchanged.
        `readonly` never creates or changes anything (SQLite `mode=ro`).
        """
        self.path = store_file(path)
        self._readonly = readonly
        self._tables: set[str] = set()
        existing = self.path.exists()
        if existing and not self.path.is_file():
            raise StoreError(f"{self.path}: not a regular file; expected a stormdrill results "
                             "file (results.sqlite); use another --out folder")
        if readonly and not existing:
            raise StoreError(f"{self.path}: no such results file; expected the --out folder "
                             "of `stormdrill batch` or its results.sqlite")
        # a zero-byte results.sqlite is one whose creation was interrupted: ours to fill
        fresh = not existing or (self.path.name == self.FILENAME
                                 and self.path.stat().st_size == 0 and not readonly)
        if not fresh:
            self.db = self._connect(read_only=True)
            try:
                self._check()
            except BaseException:
                self.db.close()
                raise
            if readonly:
                self._missing = self._missing_columns()
                return
            self.db.close()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{self.path.parent}: cannot create the results folder "
                             f"({exc.strerror or exc}); use another --out folder") from None
        self.db = self._connect(read_only=False)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
            self._tables = {"meta", "runs", "hourly"}
            self._missing = self._upgrade()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise StoreError(f"{self.path}: not a stormdrill results file ({exc}); "
                             "use another --out folder") from None

    def _connect(self, read_only: bool) -> sqlite3.Connection:
        """A connection; read-only ones use `mode=ro`, which never creates or changes a file."""
        try:
            if read_only:
                # with no -wal file beside it no batch is writing the file, and `immutable`
                # keeps SQLite from creating -wal/-shm files next to a file it only reads
                wal = self.path.with_name(self.path.name + "-wal").exists()
                mode = "mode=ro" if wal else "mode=ro&immutable=1"
                return sqlite3.connect(f"{self.path.resolve().as_uri()}?{mode}", uri=True,
                                       timeout=30.0)
            return sqlite3.connect(self.path, timeout=30.0)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the results file ({exc}); check it "
                             "exists and is readable, or use another --out folder") from None

    def _check(self) -> None:
        """Refuse a file that is not an intact stormdrill results file, naming what is wrong.

        Run on every existing file before it is read or written: a damaged page,
        another tool's schema, unreadable `params` / `meta` JSON or a metric
        that is not a number would otherwise surface as a traceback mid-report
        or after a resumed batch has run.
        """
        hint = ("it was not written by `stormdrill batch`, or was damaged, and is left as it "
                "is; give another results folder, or run the batch into a new --out folder")

        def bad(what: str) -> StoreError:
            return StoreError(f"{self.path}: not a usable stormdrill results file: {what}; "
                              f"{hint}")

        try:
            if self.path.stat().st_size == 0:
                raise bad("the file is empty")
            problems = [r[0] for r in self.db.execute("PRAGMA quick_check(5)")]
            if problems != ["ok"]:
                found = " ".join(" ".join(str(x).replace("*** in database main ***", "")
                                          .split()) for x in problems)
                raise bad(f"SQLite reports damage ({found})")
            tables = {r[0] for r in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            # early files may lack meta or hourly (read as empty); runs is what makes one ours
            self._tables = tables
            if "runs" not in tables:
                raise bad(f"tables {', '.join(sorted(tables)) or 'none'}, expected runs, "
                          "meta and hourly")
            have = {r[1] for r in self.db.execute("PRAGMA table_info(runs)")}
            core = [c for c in RUN_COLUMNS if c not in METRIC_NAMES
                    and c not in dict(ADDED_COLUMNS)]
            lacking = [c for c in core if c not in have]
            if lacking:
                raise bad(f"table runs lacks {', '.join(lacking)}")
            meta = self.db.execute("SELECT key, value FROM meta") if "meta" in tables else []
            for key, value in meta:
                if key == "fingerprint":
                    continue
                try:
                    decoded = json.loads(value)
                except (TypeError, ValueError):
                    raise bad(f"meta {key!r} is not valid JSON") from None
                if key == "experiment" and not isinstance(decoded, dict):
                    raise bad("meta 'experiment' is not a JSON object")
            for run_id, params in self.db.execute("SELECT run_id, params FROM runs"):
                try:
                    decoded = json.loads(params)
                except (TypeError, ValueError):
                    raise bad(f"run {run_id!r} has params that are not valid JSON") from None
                if not isinstance(decoded, dict):
                    raise bad(f"run {run_id!r} has params that are not a JSON object")
            checks = [(c, f"typeof({c}) NOT IN ('integer', 'real', 'null')", "a number")
                      for c in (*METRIC_NAMES, "elapsed_s") if c in have]
            checks += [(c, f"typeof({c}) != 'integer'", "an integer")
                       for c in ("replication", "seed")]
            checks += [(c, f"typeof({c}) != 'text'", "text") for c in
                       ("run_id", "design", "scenario", "strategy", "point", "version")]
            checks += [(c, f"typeof({c}) NOT IN ('text', 'null')", "text or null")
                       for c in dict(ADDED_COLUMNS) if c in have]
            checks.append(("status", "status IS NULL OR status NOT IN ('ok', 'error')",
                           "ok or error"))
            for column, clause, expected in checks:
                row = self.db.execute(f"SELECT run_id FROM runs WHERE {clause} LIMIT 1").fetchone()
                if row is not None:
                    raise bad(f"run {row[0]!r}: {column} is not {expected}")
            hourly = ("typeof(hour) != 'integer' OR typeof(negative) != 'integer' OR "
                      "typeof(reach) != 'integer' OR typeof(reputation) NOT IN "
                      "('integer', 'real')")
            row = self.db.execute(f"SELECT run_id, hour FROM hourly WHERE {hourly} "
                                  "LIMIT 1").fetchone() if "hourly" in tables else None
            if row is not None:
                raise bad(f"hourly series of run {row[0]!r} holds a value that is not a number")
        except sqlite3.DatabaseError as exc:
            raise bad(str(exc)) from None
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot read the results file "
                             f"({exc.strerror or exc})") from None

    def _missing_columns(self) -> tuple[str, ...]:
        have = {row[1] for row in self.db.execute("PRAGMA table_info(runs)")}
        return tuple(name for name in (*METRIC_NAMES, *dict(ADDED_COLUMNS))
                     if name not in have)

    def _upgrade(self) -> tuple[str, ...]:
        """Metric columns an older file lacks; added at once when it holds no runs yet.

        A file with runs of an older version stays readable (the new metrics
        read as missing) but takes no new runs: one experiment's results must
        come from one model. An `ADDED_COLUMNS` column is added whatever the file
        holds: its older runs read NULL there (not known), and it goes on.
        """
        have = {row[1] for row in self.db.execute("PRAGMA table_info(runs)")}
        added = [(name, kind) for name, kind in ADDED_COLUMNS if name not in have]
        if added:
            with self.db:
                for name, kind in added:
                    self.db.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")
        missing = tuple((name, kind) for name, kind in METRICS if name not in have)
        if missing and self.count() == 0:
            with self.db:
                for name, kind in missing:
                    self.db.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")
            return ()
        return tuple(name for name, _ in missing)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- the experiment the file belongs to ---------------------------------------------
    def meta(self, key: str) -> str | None:
        if "meta" not in self._tables:  # an early file opened read-only
            return None
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _writable(self) -> None:
        if self._readonly:
            raise StoreError(f"{self.path} was opened read-only; open it without "
                             "readonly=True to add to it")

    def set_meta(self, key: str, value: Any) -> None:
        """Record a JSON value under `key` (e.g. the achieved CI half-widths of a batch)."""
        self._writable()
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                            (key, json.dumps(value, sort_keys=True)))

    def claim(self, fingerprint: str, description: dict[str, Any], resume: bool) -> None:
        """Tie the file to one experiment; refuse to mix two."""
        self._writable()
        existing = self.meta("fingerprint")
        done = self.count()
        if existing is None or (done == 0 and not resume):
            with self.db:
                self.db.execute("DELETE FROM meta")
                self.db.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (fingerprint,))
                self.db.execute("INSERT INTO meta VALUES ('experiment', ?)",
                                (json.dumps(description, sort_keys=True),))
            return
        if existing != fingerprint:
            raise StoreError(f"{self.path} holds results of another experiment; "
                             "use another --out folder, or delete the file")
        if not resume:
            raise StoreError(f"{self.path} already holds {done} runs of this experiment; "
                             "add --resume to continue it, or use another --out folder")

    # ---- writing ------------------------------------------------------------------------
    def done_ids(self) -> set[str]:
        """Runs that finished (ok, or their own simulation failed): never recomputed.

        A run lost to the machinery (its worker died) is not done: `--resume` runs it again.
        """
        return {r[0] for r in self.db.execute(
            "SELECT run_id FROM runs WHERE NOT (status = 'error' AND "
            "substr(COALESCE(error, ''), 1, ?) = ?)",
            (len(LOST_PREFIX), LOST_PREFIX))}

    def add(self, results: Iterable[dict[str, Any]]) -> int:
        """Store finished runs (row dicts with an optional `hourly` list) in one transaction."""
        self._writable()
        if self._missing:
            raise StoreError(f"{self.path} holds runs of an older stormdrill (no "
                             f"{', '.join(self._missing)}); it can be read but not "
                             "continued: use another --out folder")
        n = 0
        insert = (f"INSERT OR REPLACE INTO runs ({', '.join(RUN_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(RUN_COLUMNS))})")
        with self.db:
            for res in results:
                row = [res.get(c) for c in RUN_COLUMNS]
                row[RUN_COLUMNS.index("params")] = json.dumps(res.get("params", {}),
                                                              sort_keys=True)
                self.db.execute(insert, row)
                hourly = res.get("hourly") or []
                self.db.executemany("INSERT OR REPLACE INTO hourly VALUES (?, ?, ?, ?, ?)",
                                    [(res["run_id"], h, *vals) for h, vals in enumerate(hourly)])
                n += 1
        return n

    # ---- reading ------------------------------------------------------------------------
    def count(self, status: str | None = None) -> int:
        if status is None:
            return int(self.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
        return int(self.db.execute("SELECT COUNT(*) FROM runs WHERE status = ?",
                                   (status,)).fetchone()[0])

    def rows(self) -> Iterator[dict[str, Any]]:
        """Tidy rows: one dict per run, grid parameters as their own keys.

        Strategies come in the order the experiment declared them (the
        baseline is usually first), so tables and plots read as written;
        grid points in numeric order of their values, not as text.
        """
        text = self.meta("experiment")
        declared = json.loads(text).get("strategy_order", []) if text else []
        rank = {name: i for i, name in enumerate(declared)}
        # an older file lacks the newer metrics: they read as missing (None)
        columns = [f"NULL AS {c}" if c in self._missing else c for c in RUN_COLUMNS]
        cur = self.db.execute(f"SELECT {', '.join(columns)} FROM runs")
        out = []
        for values in cur:
            row = dict(zip(RUN_COLUMNS, values, strict=True))
            params = json.loads(row["params"])
            row["params"] = params
            row.update(params)
            out.append(row)
        out.sort(key=lambda r: (r["design"], r["scenario"], params_key(r["params"]), r["point"],
                                rank.get(r["strategy"], len(rank)), r["strategy"],
                                r["replication"]))
        yield from out

    def hourly(self, run_ids: Iterable[str] | None = None) -> Iterator[tuple[str, int, int, int,
                                                                             float]]:
        """(run_id, hour, negative, reach, reputation) rows; reputation is the trust index."""
        if "hourly" not in self._tables:  # an early file opened read-only
            return
        if run_ids is None:
            yield from self.db.execute("SELECT * FROM hourly ORDER BY run_id, hour")
            return
        for rid in run_ids:
            yield from self.db.execute("SELECT * FROM hourly WHERE run_id = ? ORDER BY hour",
                                       (rid,))
