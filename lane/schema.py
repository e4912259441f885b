"""The site store's schema: its migrations in order (`user_version` says how many have run), from the first
tables to the queue, plate corrections, refunds and the central outbox, and the names other modules read (the stage
duration columns, the tables the outbox carries). lane/store.py runs them when it opens a database."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from flows.states import TIMED
from lane import audit
from lane.privacy import history

if TYPE_CHECKING:  # loaded by Store itself when it opens a database
    import sqlite_utils

STAGE_COLUMNS = [f"dur_{s.value}" for s in TIMED] + ["dur_fault"]


def _v1(db: sqlite_utils.Database) -> None:
    db.table("cycles").create(
        {
            "id": int,
            "lane": str,
            "lane_class": str,
            "plate": str,
            "plate_source": str,
            "outcome": str,
            "reason": str,
            "started_at": str,
            "ended_at": str,
            "started_mono": float,
            "ended_mono": float,
            "duration": float,
            "receipt": str,
            "card_job": str,
            "retries": int,
            **{c: float for c in STAGE_COLUMNS},
        },
        pk="id",
        defaults={"outcome": "open", "retries": 0, **{c: 0.0 for c in STAGE_COLUMNS}},
    )
    db.table("cycles").create_index(["lane", "outcome"])
    db.table("cycles").create_index(["started_at"])
    db.table("events").create(
        {
            "id": int,
            "at": str,
            "mono": float,
            "lane": str,
            "cycle_id": int,
            "source": str,
            "dest": str,
            "trigger": str,
            "actor": str,
            "detail": str,
        },
        pk="id",
    )
    db.table("events").create_index(["lane", "id"])
    db.table("events").create_index(["cycle_id"])
    db.table("device_events").create(
        {"id": int, "at": str, "mono": float, "lane": str, "cycle_id": int, "device": str, "kind": str, "detail": str},
        pk="id",
    )
    db.table("operator_actions").create(
        {
            "id": int,
            "at": str,
            "mono": float,
            "lane": str,
            "cycle_id": int,
            "operator": str,
            "action": str,
            "args": str,
            "result": str,
            "message": str,
        },
        pk="id",
    )
    db.table("notices").create(
        {
            "id": int,
            "at": str,
            "mono": float,
            "lane": str,
            "cycle_id": int,
            "stage": str,
            "kind": str,
            "code": str,
            "text": str,
        },
        pk="id",
    )
    db.table("lane_state").create(
        {
            "lane": str,
            "state": str,
            "cycle_id": int,
            "since_at": str,
            "since_mono": float,
            "faulted_from": str,
            "close_requested": int,
            "context": str,
        },
        pk="lane",
    )


def _v2(db: sqlite_utils.Database) -> None:
    """Who was served and with what: holder, licence, fee, plate evidence, photo, reprints."""
    cycles = db.table("cycles")
    for column, kind in (
        ("holder_name", str),
        ("nik", str),
        ("sim_number", str),
        ("sim_class", str),
        ("fee", int),
        ("plate_confidence", float),
        ("plate_evidence", str),
        ("photo_file", str),
        ("reprints", int),
        ("prereg_id", int),
    ):
        cycles.add_column(column, kind)


def _v3(db: sqlite_utils.Database) -> None:
    """Every card that came out of a printer: one valid card a renewal, the ones it replaced void."""
    db.table("cards").create(
        {
            "job_id": str,
            "cycle_id": int,
            "lane": str,
            "status": str,
            "printed_at": str,
            "voided_at": str,
            "void_reason": str,
        },
        pk="job_id",
    )
    db.table("cards").create_index(["cycle_id"])


def _v4(db: sqlite_utils.Database) -> None:
    """Indexes for the console, which reads each lane's latest notices and device health every refresh."""
    db.table("notices").create_index(["lane", "id"])
    db.table("notices").create_index(["lane", "kind", "id"])
    db.table("device_events").create_index(["lane", "kind", "id"])


def _v5(db: sqlite_utils.Database) -> None:
    """An index for reports, which read the operator actions of a date range."""
    db.table("operator_actions").create_index(["at"])


def _v6(db: sqlite_utils.Database) -> None:
    """Every print job, committed before it is sent with the printer's card counter at that moment, so that after
    a crash the lane settles it against the printer instead of printing a second card."""
    db.table("print_jobs").create(
        {
            "job_id": str,
            "cycle_id": int,
            "lane": str,
            "counter": int,
            "state": str,
            "sent_at": str,
            "settled_at": str,
            "settled_by": str,
        },
        pk="job_id",
    )
    db.table("print_jobs").create_index(["cycle_id"])


def _v7(db: sqlite_utils.Database) -> None:
    """Personal data minimised (lane/privacy.py): NIKs, names and SIM numbers written in full before it, in
    events, notices, operator actions, reject reasons and lane snapshots, are masked (the cycles keep theirs)."""
    for table, key, column, rowid, value in history(db.conn):
        db.conn.execute(f"UPDATE [{table}] SET [{column}] = ? WHERE [{key}] = ?", [value, rowid])


def _v8(db: sqlite_utils.Database) -> None:
    """Officers' accounts (lane/officers.py: hashed PIN, role, failed logins, lockout), and on each cycle whether
    its receipt was entered by hand and which supervisor approved it."""
    db.table("officers").create(
        {
            "id": str,
            "name": str,
            "role": str,
            "pin_hash": str,
            "disabled": int,
            "failures": int,
            "locked_until": str,
            "created_at": str,
            "changed_at": str,
        },
        pk="id",
        defaults={"disabled": 0, "failures": 0},
    )
    db.table("cycles").add_column("receipt_manual", int)
    db.table("cycles").add_column("approved_by", str)


def _v9(db: sqlite_utils.Database) -> None:
    """The audit's hash chains (lane/audit.py): `prev_hash` and `hash` on events and operator actions; the rows
    already there are sealed here, in id order, so the chains cover them too."""
    for table in audit.TABLES:
        db.table(table).add_column("prev_hash", str)
        db.table(table).add_column("hash", str)
        sealed = audit.chain(table, audit.rows(db.conn, table))
        db.conn.executemany(f"UPDATE [{table}] SET prev_hash = ?, hash = ? WHERE id = ?", sealed)


def _v10(db: sqlite_utils.Database) -> None:
    """Queue and total time: when each driver joined the queue (which approach, which detector saw it, how the
    entry was matched to its cycle), and every queue event (join, balk, renege, assignment, a missed or doubled
    detection), so that wait, service and total time are measured from the queue, not from the lane's entry loop."""
    cycles = db.table("cycles")
    for column, kind in (
        ("queued_at", str),  # ISO time the driver joined the queue; NULL when no queue entry was matched
        ("queued_mono", float),
        ("queue_approach", str),  # the queue's name: a lane's own queue or a class's shared queue
        ("queue_match", str),  # how the entry was matched: order | plate | order+plate | missed | doubled ...
        ("wait", float),  # seconds from queue entry to lane entry
    ):
        cycles.add_column(column, kind)
    db.table("queue_events").create(
        {
            "id": int,
            "at": str,
            "mono": float,
            "approach": str,
            "kind": str,  # join | balk | renege | assign | miss | double
            "plate": str,
            "lane": str,
            "cycle_id": int,
            "detail": str,
        },
        pk="id",
    )
    db.table("queue_events").create_index(["approach", "id"])
    db.table("queue_events").create_index(["at"])


def _v11(db: sqlite_utils.Database) -> None:
    """Both plates of a cycle (issue 16): what the camera read (`plate_read`, its confidence: the agreed reading, or
    the best unsure one the operator was shown) beside the plate in force (`plate`), and who corrected the plate
    and when, when an operator did after the plate stage (lane/plate_correction.py)."""
    cycles = db.table("cycles")
    for column, kind in (
        ("plate_read", str),
        ("plate_read_confidence", float),
        ("plate_corrected_by", str),
        ("plate_corrected_at", str),
    ):
        cycles.add_column(column, kind)


def _v12(db: sqlite_utils.Database) -> None:
    """Refunds to make (issue 19): a renewal aborted after the driver paid owes the fee back; the row is written
    in the abort's own transaction (lane/abort.py), so no abort after payment is ever without its refund."""
    db.table("refunds").create(
        {
            "id": int,
            "cycle_id": int,
            "lane": str,
            "amount": int,
            "receipt": str,
            "at": str,
            "officer": str,
            "state": str,  # to_make | made
        },
        pk="id",
        defaults={"state": "to_make"},
    )
    db.table("refunds").create_index(["state"])
    db.table("refunds").create_index(["cycle_id"])


#: The tables whose rows go to the central database (lane/central/sync.py), through the outbox.
OUTBOX_TABLES = ("cycles", "events", "device_events", "operator_actions", "notices", "cards", "queue_events", "refunds")


def _v13(db: sqlite_utils.Database) -> None:
    """The outbox of the central database (issue 20): a trigger on every insert and update of the tables in
    `OUTBOX_TABLES` notes (table, rowid) in `outbox`, in the transaction of the change; the sync worker reads the
    whole row when it pushes it, so a column added later goes central with no change here. AUTOINCREMENT: a seq
    is never used twice, even after the sent rows are deleted."""
    db.execute(
        "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, row_id INTEGER NOT NULL, "
        "at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
    )
    for table in OUTBOX_TABLES:
        if not db.table(table).exists():
            continue
        for op in ("INSERT", "UPDATE"):
            db.execute(
                f"CREATE TRIGGER outbox_{table}_{op.lower()} AFTER {op} ON [{table}] BEGIN "
                f"INSERT INTO outbox (tbl, row_id) VALUES ('{table}', NEW.rowid); END"
            )


#: Migrations in order; the database's `user_version` says how many have run.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _v1,
    _v2,
    _v3,
    _v4,
    _v5,
    _v6,
    _v7,
    _v8,
    _v9,
    _v10,
    _v11,
    _v12,
    _v13,
]
SCHEMA_VERSION = len(MIGRATIONS)
