"""The site's SQLite store (through sqlite-utils): opening it (its schema and migrations are lane/schema.py), and
every write the controller makes.

Only the lane package touches the database, and only this module writes it. Each transition is one
transaction (event row, cycle row, lane snapshot) committed before the lane acts on the new state. WAL lets the
console and reports read while lanes write. `durable` makes every commit reach the disk (synchronous=FULL).
Event and operator-action rows are hash-chained (lane/audit.py) in the transaction that writes them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lane import audit
from lane.privacy import private_db
from lane.schema import MIGRATIONS, OUTBOX_TABLES, SCHEMA_VERSION, STAGE_COLUMNS

if TYPE_CHECKING:  # loaded by Store itself: a report or the console, which only read, need not import it
    import sqlite_utils

__all__ = [
    "MIGRATIONS",
    "OUTBOX_TABLES",
    "SCHEMA_VERSION",
    "STAGE_COLUMNS",
    "Stamp",
    "Store",
    "StoreError",
    "TransitionRecord",
]


class StoreError(Exception):
    pass


_ENCODER = json.JSONEncoder(default=str, ensure_ascii=False, sort_keys=True)  # json.dumps would make one a call


def _json(value: Any) -> str:
    return _ENCODER.encode(value)


@dataclass(frozen=True)
class Stamp:
    """When something happened: UTC wall time and the clock's monotonic seconds."""

    at: datetime
    mono: float

    @cached_property  # a transition writes it twice (event, snapshot)
    def iso(self) -> str:
        return self.at.isoformat(timespec="milliseconds")


@dataclass
class TransitionRecord:
    """Everything one transition writes. `snapshot` holds faulted_from, close_requested and context."""

    lane: str
    lane_class: str
    when: Stamp
    source: str
    dest: str
    trigger: str
    actor: str
    detail: dict[str, Any]
    cycle_id: int | None
    open_cycle: bool
    keeps_cycle: bool
    cycle_update: dict[str, Any]
    snapshot: dict[str, Any]
    card_printed: str | None = None  # job id of a card that came out with this transition
    card_voided: tuple[str, str] | None = None  # (job id, reason) of a card this transition makes void


#: The INSERT of a row on a hash chain, per chained table (lane/audit.py).
_CHAINED = {
    t: f"INSERT INTO [{t}] ({', '.join(c)}) VALUES ({', '.join('?' * len(c))})" for t, c in audit.COLUMNS.items()
}


class Store:
    """The site database. Writes go through `_insert` (one prepared INSERT per table: sqlite-utils' `insert`
    inspects the table on every call, which costs more than the write itself on the lane's hot path)."""

    def __init__(self, path: Path | str, durable: bool = True) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            private_db(self.path)  # owner-only, before SQLite makes it (its -wal and -shm take its mode)
        import sqlite_utils

        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db = sqlite_utils.Database(conn)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.durable = durable
        self.db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        self.db.execute("PRAGMA busy_timeout=5000")
        self._heads: dict[str, tuple[int, str]] = {}  # chained table -> (id, hash) of the last row it committed
        self._pending: dict[str, tuple[int, str]] = {}  # the same in the transaction under way
        self.migrate()

    def migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: schema version {version} is newer than this program ({SCHEMA_VERSION})")
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                MIGRATIONS[number](self.db)
                self.db.execute(f"PRAGMA user_version={number + 1}")

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cursor = self.db.conn.execute(f"INSERT INTO [{table}] ({columns}) VALUES ({marks})", list(row.values()))
        return int(cursor.lastrowid or 0)

    def _chained(self, table: str, row: dict[str, Any]) -> int:
        """Insert a row on its table's hash chain (lane/audit.py), inside a transaction begun IMMEDIATE, so under
        the write lock. It links to the last row this store wrote in this transaction, else in one it committed,
        else (or when another writer's row has come since: the insert meets its id) to the head read now; the
        lanes' hot path runs one statement, not two."""
        conn = self.db.conn
        known = self._pending.get(table) or self._heads.get(table)
        values = audit.link(table, known, row) if known else None
        if values is not None:
            try:
                conn.execute(_CHAINED[table], values)
            except sqlite3.IntegrityError:  # another writer's row (a report's audit row) took the id
                values = None
        if values is None:
            head = conn.execute(f"SELECT id, hash FROM [{table}] ORDER BY id DESC LIMIT 1").fetchone()
            values = audit.link(table, head, row)
            conn.execute(_CHAINED[table], values)
        self._pending[table] = (values[0], values[-1])
        return int(values[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One transaction, begun IMMEDIATE (it takes the write lock at once, waiting up to busy_timeout); a
        nested one is a savepoint inside it (sqlite-utils' `atomic`). The chain heads written in it are kept
        only once it commits (inside someone else's transaction, never)."""
        conn = self.db.conn
        if conn.in_transaction:
            try:
                with self.db.atomic():
                    yield self.db
            except BaseException:
                self._pending.clear()
                raise
            return
        conn.execute("BEGIN IMMEDIATE")
        self._pending.clear()
        try:
            yield self.db
            conn.execute("COMMIT")
        except BaseException:
            conn.rollback()
            self._pending.clear()
            raise
        self._heads.update(self._pending)
        self._pending.clear()

    def close(self) -> None:
        self.db.conn.close()

    # -- writes, each one transaction ---------------------------------------------------------------------

    def transition(self, rec: TransitionRecord) -> int | None:
        """Record one transition atomically: open the cycle if asked, the event row, the cycle's new figures
        and the lane's snapshot. Returns the cycle id the lane holds afterwards (None when it holds none)."""
        cycle_id = rec.cycle_id
        with self.transaction():
            if rec.open_cycle:
                row = {
                    "lane": rec.lane,
                    "lane_class": rec.lane_class,
                    "started_at": rec.when.iso,
                    "started_mono": rec.when.mono,
                }
                cycle_id = self._insert("cycles", row)
            self._chained(
                "events",
                {
                    "at": rec.when.iso,
                    "mono": rec.when.mono,
                    "lane": rec.lane,
                    "cycle_id": cycle_id,
                    "source": rec.source,
                    "dest": rec.dest,
                    "trigger": rec.trigger,
                    "actor": rec.actor,
                    "detail": _json(rec.detail),
                },
            )
            if cycle_id is not None and rec.cycle_update:
                sets = ", ".join(f"[{k}] = ?" for k in rec.cycle_update)
                self.db.conn.execute(f"UPDATE cycles SET {sets} WHERE id = ?", [*rec.cycle_update.values(), cycle_id])
            if rec.card_printed:
                self._insert(
                    "cards",
                    {
                        "job_id": rec.card_printed,
                        "cycle_id": cycle_id,
                        "lane": rec.lane,
                        "status": "valid",
                        "printed_at": rec.when.iso,
                    },
                )
                self.db.conn.execute(
                    "UPDATE print_jobs SET state = 'out', settled_at = ?, settled_by = ? WHERE job_id = ?",
                    [rec.when.iso, rec.actor, rec.card_printed],
                )
            if rec.card_voided:
                self.db.conn.execute(
                    "UPDATE cards SET status = 'void', voided_at = ?, void_reason = ? WHERE job_id = ?",
                    [rec.when.iso, rec.card_voided[1], rec.card_voided[0]],
                )
            if rec.trigger == "abort" and rec.detail.get("refund") and cycle_id is not None:
                self._refund(rec, cycle_id)
            held = cycle_id if rec.keeps_cycle else None
            snapshot = {
                **rec.snapshot,
                "lane": rec.lane,
                "state": rec.dest,
                "cycle_id": held,
                "since_at": rec.when.iso,
                "since_mono": rec.when.mono,
                "context": _json(rec.snapshot.get("context", {})),
            }
            self.db.conn.execute(
                f"INSERT OR REPLACE INTO lane_state ({', '.join(snapshot)}) VALUES "
                f"({', '.join('?' for _ in snapshot)})",
                list(snapshot.values()),
            )
        return held

    def _refund(self, rec: TransitionRecord, cycle_id: int) -> None:
        """An abort after payment (lane/abort.py), in its transaction: every card of the cycle void, every job
        sent but not settled void (its card, if one came out, is not valid), and the refund to make."""
        conn, why = self.db.conn, f"aborted after payment by {rec.actor}"
        conn.execute(
            "UPDATE cards SET status = 'void', voided_at = ?, void_reason = ? WHERE cycle_id = ? AND status = 'valid'",
            [rec.when.iso, why, cycle_id],
        )
        conn.execute(
            "UPDATE print_jobs SET state = 'void', settled_at = ?, settled_by = ? "
            "WHERE cycle_id = ? AND state = 'sent'",
            [rec.when.iso, rec.actor, cycle_id],
        )
        row = {"cycle_id": cycle_id, "lane": rec.lane, "amount": int(rec.detail["refund"]), "at": rec.when.iso}
        self._insert("refunds", {**row, "receipt": str(rec.detail.get("paid_receipt", "")), "officer": rec.actor})

    def _log(self, table: str, row: dict[str, Any]) -> None:
        """A log row (device event, prompt, alert): committed without its own fsync. In WAL mode the log is one
        sequence, so the row reaches the disk with the next durable commit (the next transition or operator
        action), a fraction of a second later; writing it costs a tenth of a transition."""
        if not self.durable or self.db.conn.in_transaction:  # inside a transaction: it commits with it
            self._insert(table, row)
            return
        self.db.conn.execute("PRAGMA synchronous=NORMAL")
        try:
            self._insert(table, row)
        finally:
            self.db.conn.execute("PRAGMA synchronous=FULL")

    def device_event(
        self, lane: str, cycle_id: int | None, when: Stamp, device: str, kind: str, detail: dict[str, Any]
    ) -> None:
        self._log(
            "device_events",
            {
                "at": when.iso,
                "mono": when.mono,
                "lane": lane,
                "cycle_id": cycle_id,
                "device": device,
                "kind": kind,
                "detail": _json(detail),
            },
        )

    def operator_action(
        self,
        lane: str,
        cycle_id: int | None,
        when: Stamp,
        operator: str,
        action: str,
        args: dict[str, Any],
        result: str,
        message: str,
    ) -> None:
        with self.transaction():
            self._chained(
                "operator_actions",
                {
                    "at": when.iso,
                    "mono": when.mono,
                    "lane": lane,
                    "cycle_id": cycle_id,
                    "operator": operator,
                    "action": action,
                    "args": _json(args),
                    "result": result,
                    "message": message,
                },
            )

    def notice(self, lane: str, cycle_id: int | None, when: Stamp, stage: str, kind: str, code: str, text: str) -> None:
        self._log(
            "notices",
            {
                "at": when.iso,
                "mono": when.mono,
                "lane": lane,
                "cycle_id": cycle_id,
                "stage": stage,
                "kind": kind,
                "code": code,
                "text": text,
            },
        )

    def lane_context(self, lane: str, context: dict[str, Any]) -> None:
        """Replace the lane's snapshot context (facts noted mid-stage), durably."""
        with self.transaction():
            self.db.conn.execute("UPDATE lane_state SET context = ? WHERE lane = ?", [_json(context), lane])

    def print_job_sent(self, job_id: str, cycle_id: int | None, lane: str, counter: int | None, when: Stamp) -> None:
        """Commit (durably) that a job is about to be sent, with the printer's card counter before it."""
        with self.transaction():
            self.db.conn.execute(
                "INSERT OR REPLACE INTO print_jobs (job_id, cycle_id, lane, counter, state, sent_at) "
                "VALUES (?, ?, ?, ?, 'sent', ?)",
                [job_id, cycle_id, lane, counter, when.iso],
            )

    def print_job_settled(self, job_id: str, state: str, when: Stamp, by: str) -> None:
        """A sent job found not to have made a card ('not_out'), or voided by an operator ('void')."""
        with self.transaction():
            self.db.conn.execute(
                "UPDATE print_jobs SET state = ?, settled_at = ?, settled_by = ? WHERE job_id = ?",
                [state, when.iso, by, job_id],
            )

    def card_reissued(self, cycle_id: int, job_id: str, lane: str, when: Stamp, by: str, reason: str) -> list[str]:
        """A new card printed for a past renewal (lane/lookup.py), in one transaction: every card of the cycle that
        was valid is void, the new one is valid, its job is out, the cycle names it. Returns the cards voided."""
        with self.transaction():
            conn = self.db.conn
            voided = [
                r[0]
                for r in conn.execute("SELECT job_id FROM cards WHERE cycle_id = ? AND status = 'valid'", [cycle_id])
            ]
            conn.execute(
                "UPDATE cards SET status = 'void', voided_at = ?, void_reason = ? "
                "WHERE cycle_id = ? AND status = 'valid'",
                [when.iso, reason, cycle_id],
            )
            self._insert(
                "cards",
                {"job_id": job_id, "cycle_id": cycle_id, "lane": lane, "status": "valid", "printed_at": when.iso},
            )
            conn.execute(
                "UPDATE print_jobs SET state = 'out', settled_at = ?, settled_by = ? WHERE job_id = ?",
                [when.iso, by, job_id],
            )
            conn.execute(
                "UPDATE cycles SET card_job = ?, reprints = coalesce(reprints, 0) + 1 WHERE id = ?", [job_id, cycle_id]
            )
        return voided

    def outbox_trim(self, before: datetime) -> int:
        """A site with no central database: drop the outbox's notes made before `before` (lane/retention.py)."""
        with self.transaction():
            cur = self.db.conn.execute(
                "DELETE FROM outbox WHERE at < ?", [before.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")]
            )
        return cur.rowcount

    def outbox_sent(self, upto: int) -> None:
        """The outbox rows up to `upto` are in the central database (lane/central/sync.py): forget them."""
        with self.transaction():
            self.db.conn.execute("DELETE FROM outbox WHERE seq <= ?", [upto])

    def print_job(self, job_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select * from print_jobs where job_id = ?", [job_id]))
        return rows[0] if rows else None

    def retain(self, masked: dict[int, dict[str, str]], when: Stamp, args: dict[str, Any], message: str) -> None:
        """The retention policy's write (lane/retention.py): closed cycles' personal columns replaced by their masks
        (an open cycle never changes), and its audit row (lane '*', operator 'system', action 'retention'), in one
        transaction."""
        with self.transaction():
            for cycle_id, values in masked.items():
                sets = ", ".join(f"[{k}] = ?" for k in values)
                sql = f"UPDATE cycles SET {sets} WHERE id = ? AND outcome != 'open'"
                self.db.conn.execute(sql, [*values.values(), cycle_id])
            self.operator_action("*", None, when, "system", "retention", args, "ok", message)

    def add_officer(self, row: dict[str, Any]) -> None:
        """A new account (lane/officers.py makes the row); an id already taken raises sqlite3.IntegrityError."""
        with self.transaction():
            self._insert("officers", row)

    def update_officer(self, officer_id: str, values: dict[str, Any]) -> None:
        with self.transaction():
            self.db.table("officers").update(officer_id, values)

    def plate_corrected(self, cycle_id: int, plate: str, by: str, when: Stamp) -> None:
        """An operator's correction of an open cycle's plate (lane/plate_correction.py): `plate` is the plate in
        force from now on; `plate_read` keeps what the camera read."""
        with self.transaction():
            self.db.conn.execute(
                "UPDATE cycles SET plate = ?, plate_corrected_by = ?, plate_corrected_at = ? "
                "WHERE id = ? AND outcome = 'open'",
                [plate, by, when.iso, cycle_id],
            )

    def queue_record(
        self,
        cycle_id: int | None,
        values: dict[str, Any],
        events: list[dict[str, Any]],
        joins: list[tuple[int, int | None, str]],
    ) -> list[int]:
        """What the queue keeper (lane/queue.py) writes, in one transaction: a cycle's queue columns, queue events
        (their ids returned), and what became of earlier `join` rows: (row id, the cycle it ended in, detail)."""
        with self.transaction():
            if cycle_id is not None and values:
                sets = ", ".join(f"[{k}] = ?" for k in values)
                self.db.conn.execute(f"UPDATE cycles SET {sets} WHERE id = ?", [*values.values(), cycle_id])
            ids = [self._insert("queue_events", row) for row in events]
            for row_id, cycle, detail in joins:  # detail "" keeps the row's own (how it was detected)
                self.db.conn.execute(
                    "UPDATE queue_events SET cycle_id = ?, detail = coalesce(nullif(?, ''), detail) WHERE id = ?",
                    [cycle, detail, row_id],
                )
        return ids

    def update_cycle(self, cycle_id: int, values: dict[str, Any]) -> None:
        with self.transaction():
            self.db.table("cycles").update(cycle_id, values)

    # -- reads used by the controller at start-up --------------------------------------------------------

    def lane_snapshot(self, lane: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select * from lane_state where lane = ?", [lane]))
        if not rows:
            return None
        row = rows[0]
        row["context"] = json.loads(row["context"] or "{}")
        return row

    def cycle(self, cycle_id: int) -> dict[str, Any]:
        return dict(self.db.table("cycles").get(cycle_id))

    def open_cycles(self, lane: str) -> list[dict[str, Any]]:
        return list(self.db.query("select * from cycles where lane = ? and outcome = 'open' order by id", [lane]))
