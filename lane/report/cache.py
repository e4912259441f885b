"""The reports' day cache: the blocks (`lane.report.blocks`) of closed days, in a SQLite file beside the store
(`<store>.report-cache`), so that a report over a year reads a few hundred blocks instead of every row.

The cache is the reports' own: the store is only read, and deleting the file loses nothing (the next report makes it
again). A day's block is kept only once the day is closed: over by an hour, and none of its cycles open. The store
only adds rows (a cycle's row changes only while it is open), so a closed day's block stays true unless a row is
added later with a time in that day (a late device event, a clock put back, a store replaced). To catch that, the
cache keeps, with its blocks, the store's highest row id in each table a block reads, and the start of the store's
first cycle, and the test plates the blocks left out (another list drops every block). A report first looks at the
rows added since (by id, which is cheap) and drops the blocks of every day from the earliest of their times on; ids
that went down, or another first cycle, drop every block. Reports hold the cache's write lock from before their read
transaction on the store until they have saved what they made, one at a time; one that waits more than `WAIT_S` (or
finds the file unusable) goes on without it.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from lane.privacy import private_db
from lane.report.blocks import COLUMNS, Block
from lane.store import SCHEMA_VERSION

FORMAT = f"blocks-4/{len(COLUMNS)}/store-{SCHEMA_VERSION}"
WAIT_S = 5.0
MMAP_BYTES = 1 << 28  # the cache file is mapped up to this size (a year is about 20 MB)
#: The store's tables that blocks read, with their time column.
TABLES = {"cycles": "started_at", "device_events": "at", "operator_actions": "at", "queue_events": "at"}


def path_for(store: Path) -> Path:
    return store.with_name(store.name + ".report-cache")


class DayCache:
    """An open cache, its write lock held: `load` what is still true, `save` new closed days, then `close`."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con
        self.marks: dict[str, str] = {}  # the store's, as `load` saw it: what `save` records

    @classmethod
    def open(cls, path: Path) -> DayCache | None:
        """The cache at `path`, made if missing and remade if it is not a database; None when it cannot be used
        (a folder the report may not write to, a lock held too long)."""
        for attempt in range(2):
            con = None
            with contextlib.suppress(OSError):  # a folder the report may not write to: sqlite3 says so below
                private_db(path)  # owner-only, like the store it is made from
            try:
                con = sqlite3.connect(path, timeout=WAIT_S, isolation_level=None)
                con.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")  # a year's blocks read without a copy a page
                con.execute("BEGIN IMMEDIATE")
                con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                con.execute(
                    "CREATE TABLE IF NOT EXISTS blocks (day TEXT PRIMARY KEY, header TEXT NOT NULL, rows BLOB NOT NULL)"
                )
                return cls(con)
            except sqlite3.DatabaseError as err:
                if con is not None:
                    con.close()
                broken = not isinstance(err, sqlite3.OperationalError) or "malformed" in str(err)
                if attempt or not broken:
                    return None
                with contextlib.suppress(OSError):  # not a database: it is only a cache, start again
                    path.unlink()
        return None

    def close(self, keep: bool) -> None:
        """Commit (`keep`) or forget what this report wrote, and let the next report in."""
        with contextlib.suppress(sqlite3.Error):
            self.con.execute("COMMIT" if keep else "ROLLBACK")
        self.con.close()

    def load(
        self, store: sqlite3.Connection, zone: str, first: date, last: date, tests: tuple[str, ...] = ()
    ) -> dict[date, Block]:
        """The kept blocks of `first`..`last` that are still true of `store` (in its read transaction), made
        leaving out the test plates `tests`."""
        self._forget_stale(store, zone, tests)
        out = {}
        for day, header, rows in self.con.execute(
            "SELECT day, header, rows FROM blocks WHERE day >= ? AND day <= ?", [first.isoformat(), last.isoformat()]
        ):
            try:
                block = _decode(date.fromisoformat(day), header, rows)
            except (ValueError, KeyError, TypeError):
                self.con.execute("DELETE FROM blocks WHERE day = ?", [day])
                continue
            out[block.day] = block
        return out

    def save(self, blocks: Iterable[Block]) -> None:
        """Keep the closed ones of `blocks`, read from the store in the read transaction `load` saw."""
        self.con.executemany(
            "INSERT OR REPLACE INTO blocks (day, header, rows) VALUES (?, ?, ?)",
            [_encode(b) for b in blocks if b.closed],
        )
        self.con.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(self.marks.items()))

    def _forget_stale(self, store: sqlite3.Connection, zone: str, tests: tuple[str, ...]) -> None:
        kept = dict(self.con.execute("SELECT key, value FROM meta").fetchall())
        now = self.marks = _marks(store, zone, tests)
        if any(kept.get(k) != now[k] for k in ("format", "zone", "first_cycle", "tests")) or any(
            int(kept.get(t, 0)) > int(now[t]) for t in TABLES
        ):
            self.con.execute("DELETE FROM blocks")
            self.con.execute("DELETE FROM meta")
            return
        added = [
            store.execute(f"SELECT min(+{column}) FROM {table} WHERE id > ?", [int(kept.get(table, 0))]).fetchone()[0]
            for table, column in TABLES.items()
            if table in _tables(store)
        ]
        earliest = min((a for a in added if a), default=None)
        if earliest is not None:
            local = datetime.fromisoformat(earliest).astimezone(ZoneInfo(zone)).date()
            self.con.execute("DELETE FROM blocks WHERE day >= ?", [local.isoformat()])


def _tables(store: sqlite3.Connection) -> set[str]:
    return {r[0] for r in store.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _marks(store: sqlite3.Connection, zone: str, tests: tuple[str, ...]) -> dict[str, str]:
    row = store.execute("SELECT started_at FROM cycles ORDER BY id LIMIT 1").fetchone()
    marks = {"format": FORMAT, "zone": zone, "first_cycle": row[0] if row else "", "tests": json.dumps(tests)}
    have = _tables(store)  # a store before schema 10 has no queue_events
    for table in TABLES:
        top = store.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0] if table in have else 0
        marks[table] = str(top)
    return marks


def _encode(b: Block) -> tuple[str, str, bytes]:
    header = {"lanes": b.lanes, "reasons": b.reasons, "faults": b.faults, "overrides": b.overrides,
              "queue": b.queue, "tests": b.tests}  # fmt: skip
    return b.day.isoformat(), json.dumps(header), np.ascontiguousarray(b.columns, dtype="<f8").tobytes()


def _decode(day: date, header: str, rows: bytes) -> Block:
    h = json.loads(header)
    if len(rows) % (8 * len(COLUMNS)):
        raise ValueError("rows do not fill whole cycles")
    matrix = np.frombuffer(rows, dtype="<f8").reshape(len(COLUMNS), -1)
    return Block(
        day, True, tuple(h["lanes"]), matrix, h["reasons"], h["faults"], h["overrides"], h["queue"], h["tests"]
    )
