"""The results store: one SQLite file per batch, written run by run.

Rows are committed in small transactions as runs finish, so an interrupted
batch (Ctrl-C, kill -9, a dead worker) keeps every finished run and never
leaves a corrupt file (SQLite's journal). `--resume` reads which run ids are
done and skips them. The `meta` table pins the experiment a file belongs to,
so a resume with a different experiment is refused instead of mixing results.
"""

from __future__ import annotations

import json
import numbers
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

#: per-run outcome columns: trust first (drills are scored on it), then attention, then the
#: response. Columns are read and written by name, so their order is free to change.
METRICS: tuple[tuple[str, str], ...] = (
    ("reputation_end", "REAL"), ("reputation_min", "REAL"), ("trust_start", "REAL"),
    ("trust_dip", "REAL"), ("trust_30d", "REAL"),
    ("negative_posts", "INTEGER"), ("sharers", "INTEGER"), ("participants_outside", "INTEGER"),
    ("outside_share", "REAL"), ("reach", "INTEGER"), ("peak_hourly_negative", "INTEGER"),
    ("time_to_peak_h", "REAL"), ("duration_h", "REAL"), ("duration_cut_off", "INTEGER"),
    ("first_media_at_h", "REAL"), ("media_pickups", "INTEGER"), ("defences", "INTEGER"),
    ("detected_at_h", "REAL"), ("first_response_at_h", "REAL"), ("deletions", "INTEGER"),
    ("deletions_noticed", "INTEGER"),
)
METRIC_NAMES = tuple(name for name, _ in METRICS)
RUN_COLUMNS = ("run_id", "design", "scenario", "strategy", "point", "replication", "seed",
               "params", "version", "status", "error", "elapsed_s", *METRIC_NAMES)

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


class StoreError(ValueError):
    """A results file that cannot be used as asked."""


class ResultsStore:
    """`DIR/results.sqlite`: runs, their hourly series and the experiment they belong to."""

    FILENAME = "results.sqlite"

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        self.path = path / self.FILENAME if path.is_dir() or not path.suffix else path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30.0)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
            self._missing = self._upgrade()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a stormdrill results file ({exc})") from None

    def _upgrade(self) -> tuple[str, ...]:
        """Metric columns an older file lacks; added at once when it holds no runs yet.

        A file with runs of an older version stays readable (the new metrics
        read as missing) but takes no new runs: one experiment's results must
        come from one model.
        """
        have = {row[1] for row in self.db.execute("PRAGMA table_info(runs)")}
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
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        """Record a JSON value under `key` (e.g. the achieved CI half-widths of a batch)."""
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                            (key, json.dumps(value, sort_keys=True)))

    def claim(self, fingerprint: str, description: dict[str, Any], resume: bool) -> None:
        """Tie the file to one experiment; refuse to mix two."""
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
        if run_ids is None:
            yield from self.db.execute("SELECT * FROM hourly ORDER BY run_id, hour")
            return
        for rid in run_ids:
            yield from self.db.execute("SELECT * FROM hourly WHERE run_id = ? ORDER BY hour",
                                       (rid,))
