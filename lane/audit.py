"""The audit's hash chains: what a chained row's hash covers, how it is computed, and how a chain is checked.

Two tables are chained, each on its own chain: `events` (every lane transition) and `operator_actions` (every
operator command, done or refused, and every `--show-personal` report). One chain a table, not one across both:
the lanes' transitions and the commands (some written by other processes, `lane report`) never wait on each
other's head, and each table is checked and printed on its own.

A chained row carries `prev_hash` (the `hash` of the row before it on its table, `GENESIS` for the first) and
`hash` = SHA-256 (hex) of `prev_hash`, a newline and the row's canonical encoding: the compact JSON array of the
table name, the row id and the fields of `FIELDS[table]` in that order, each coerced to its column's type
(`values`, applied before the insert too, so the values hashed are the values SQLite keeps). Row ids on a chain
follow one another (the store inserts each chained row with the id after its head's), so a missing id names
where a row was deleted. A column added to these tables later is covered only once it is added to `FIELDS`, by a
migration that seals the rows again.

lane/store.py inserts the rows (`link` gives their values) inside the transaction that writes them, under
SQLite's write lock, and seals the rows of a database made before the chains (`chain` over them, in the schema
migration that adds the columns). This module reads only: `verify` (and `lane_tails`, the events cut off at a
lane's end, which the chain alone cannot show), `heads`, `find`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
_TEXT, _REAL, _INT = str, float, int
#: The chained tables and the fields a row's hash covers, with their column types (the schema's, lane/schema.py).
FIELDS: dict[str, tuple[tuple[str, type], ...]] = {
    "events": (
        ("at", _TEXT), ("mono", _REAL), ("lane", _TEXT), ("cycle_id", _INT), ("source", _TEXT),
        ("dest", _TEXT), ("trigger", _TEXT), ("actor", _TEXT), ("detail", _TEXT),
    ),
    "operator_actions": (
        ("at", _TEXT), ("mono", _REAL), ("lane", _TEXT), ("cycle_id", _INT), ("operator", _TEXT),
        ("action", _TEXT), ("args", _TEXT), ("result", _TEXT), ("message", _TEXT),
    ),
}  # fmt: skip
TABLES = tuple(FIELDS)
#: A chained table's columns as the store inserts them (`link` gives their values).
COLUMNS = {table: ("id", *(name for name, _ in fields), "prev_hash", "hash") for table, fields in FIELDS.items()}


@dataclass(frozen=True)
class Head:
    """The last row of a chain: its id and hash, and how many rows the chain holds (0 rows: hash GENESIS)."""

    table: str
    row_id: int
    hash: str
    count: int


@dataclass(frozen=True)
class Problem:
    """One place where a chain does not hold: the table, the row id, what does not match."""

    table: str
    row_id: int
    what: str

    def __str__(self) -> str:
        return f"{self.table} row {self.row_id}: {self.what}"


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # made once: json.dumps with options
# builds an encoder a call


def values(table: str, row: Mapping[str, Any]) -> list[Any]:
    """The chained fields of `row` in order, each as its column's type (None stays None), as SQLite keeps it."""
    return [None if (value := row.get(name)) is None else kind(value) for name, kind in FIELDS[table]]


def digest(table: str, row_id: int, fields: Sequence[Any], prev_hash: str) -> str:
    """The hash of one row (its `values`) after `prev_hash`."""
    return hashlib.sha256(f"{prev_hash}\n{_encode([table, row_id, *fields])}".encode()).hexdigest()


def link(table: str, head: tuple[int, str | None] | None, row: Mapping[str, Any]) -> list[Any]:
    """The values of `COLUMNS[table]` to insert after `head` ((id, hash) of the table's last row, None when the
    table is empty): the next id, the fields coerced, prev_hash and hash."""
    row_id, prev = (head[0] + 1, head[1] or "") if head else (1, GENESIS)  # "": the row before has no hash
    fields = values(table, row)
    return [row_id, *fields, prev, digest(table, row_id, fields, prev)]


def chain(table: str, rows: Iterable[Mapping[str, Any]]) -> Iterator[tuple[str, str, int]]:
    """(prev_hash, hash, id) for rows in id order, from GENESIS: how a migration seals rows made before the chain."""
    prev = GENESIS
    for row in rows:
        row_id = int(row["id"])
        own = digest(table, row_id, values(table, row), prev)
        yield prev, own, row_id
        prev = own


def rows(con: sqlite3.Connection, table: str, page: int = 20_000) -> Iterator[dict[str, Any]]:
    """A chained table's rows in id order (id, the fields, prev_hash, hash), read a page at a time: no statement
    stays open across pages, so the migration may update the rows it has been given."""
    names = ", ".join(["id", *(name for name, _ in FIELDS[table]), "prev_hash", "hash"])
    after = -(2**63)
    while True:
        cursor = con.execute(f"SELECT {names} FROM [{table}] WHERE id > ? ORDER BY id LIMIT ?", [after, page])
        cursor.row_factory = sqlite3.Row
        got = cursor.fetchall()
        yield from map(dict, got)
        if len(got) < page:
            return
        after = int(got[-1]["id"])


def chained(con: sqlite3.Connection) -> bool:
    """Whether the database has the chains' columns (a store opened once by this program's `Store` has)."""
    columns = {r[1] for r in con.execute("PRAGMA table_info(events)")}
    return "hash" in columns


def verify(con: sqlite3.Connection, table: str) -> Iterator[Problem]:
    """Walk one chain and yield every place it does not hold: a row edited (its hash is not that of its fields),
    deleted (the next row's prev_hash is not the hash of the row before it, or an id is skipped) or inserted
    (no hash, or a prev_hash that links to nothing). Each row is checked against its own stored neighbours, so an
    edit shows at its row only and the walk goes on past it."""
    prev_id, prev_hash = 0, GENESIS
    for row in rows(con, table):
        row_id = int(row["id"])
        stored_prev, stored = row["prev_hash"], row["hash"]
        if not stored or stored_prev is None:
            yield Problem(table, row_id, "no hash: written outside the store (inserted), or its hash erased")
        else:
            if stored_prev != prev_hash:
                gap = f" (ids jump from {prev_id} to {row_id})" if row_id != prev_id + 1 else ""
                before = f"row {prev_id}'s hash" if prev_id else "the chain's start"
                yield Problem(
                    table,
                    row_id,
                    f"prev_hash {stored_prev[:12]}… is not {before} {prev_hash[:12]}…: "
                    f"a row deleted or inserted before it{gap}",
                )
            elif row_id != prev_id + 1:
                yield Problem(table, row_id, f"ids jump from {prev_id} to {row_id} (renumbered)")
            if digest(table, row_id, values(table, row), stored_prev) != stored:
                yield Problem(table, row_id, "its fields do not match its hash: edited")
        prev_id, prev_hash = row_id, stored or ""


def lane_tails(con: sqlite3.Connection) -> Iterator[Problem]:
    """What the events chain alone cannot show, its last rows deleted, seen from `lane_state`: each lane's
    snapshot is written in the transaction of its last event, so its state and since-time are that event's
    dest and time. A lane whose last event is not its snapshot's lost the events after it."""
    for lane, state, since in con.execute("SELECT lane, state, since_at FROM lane_state ORDER BY lane").fetchall():
        last = con.execute("SELECT id, dest, at FROM events WHERE lane = ? ORDER BY id DESC LIMIT 1", [lane]).fetchone()
        if last is None:
            yield Problem("events", 0, f"lane {lane} is in {state} since {since}, but it has no event at all: deleted")
        elif (last[1], last[2]) != (state, since):
            what = f"lane {lane}'s last event, to {last[1]} at {last[2]}, is not its state ({state} since {since})"
            yield Problem("events", int(last[0]), f"{what}: its later events deleted")


def heads(con: sqlite3.Connection) -> tuple[Head, ...]:
    """Each chain's head as the connection sees it now (empty when the database has no chains)."""
    if not chained(con):
        return ()
    out = []
    for table in TABLES:
        last = con.execute(f"SELECT id, hash FROM [{table}] ORDER BY id DESC LIMIT 1").fetchone()
        count = int(con.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0])
        out.append(Head(table, int(last[0]), str(last[1] or ""), count) if last else Head(table, 0, GENESIS, 0))
    return tuple(out)


def find(con: sqlite3.Connection, digest_hex: str) -> tuple[str, int] | None:
    """(table, row id) of the row whose hash is `digest_hex` (a prefix of 12 or more hex digits will do)."""
    text = digest_hex.strip().lower()
    for table in TABLES:
        hit = con.execute(
            f"SELECT id FROM [{table}] WHERE hash >= ? AND hash < ? ORDER BY id LIMIT 2", [text, text + "g"]
        ).fetchall()
        if len(hit) == 1:
            return table, int(hit[0][0])
    return None
