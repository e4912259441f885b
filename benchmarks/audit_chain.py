"""What the audit chains cost once and on demand (run by hand: `.venv/bin/python -m benchmarks.audit_chain
[--events 400000]`): sealing the rows of a store made before the chains (the schema migration, run once when the
controller first opens it) and `lane audit verify` walking them, in rows a second.

The store is made at schema version 5 (before the chains) with `--events` transitions and a quarter as many
operator actions, rows as the controller writes them; then `Store(path)` migrates it, and `verify` reads it back.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from lane import audit_cli
from lane.store import MIGRATIONS, Store

ROOT = Path(__file__).resolve().parent.parent

BEFORE_CHAINS = 5  # schema version of a store made before the chains


def _old_store(path: Path, events: int) -> None:
    db = sqlite_utils.Database(path)
    for number, migration in enumerate(MIGRATIONS[:BEFORE_CHAINS]):
        migration(db)
        db.execute(f"PRAGMA user_version = {number + 1}")
    t0 = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)

    def at(i: int) -> str:
        return (t0 + timedelta(seconds=3 * i)).isoformat(timespec="milliseconds")

    db.conn.executemany(
        "INSERT INTO events (at, mono, lane, cycle_id, source, dest, trigger, actor, detail) VALUES "
        "(?, ?, ?, ?, 'plate', 'documents', 'plate_read', 'plate_camera', ?)",
        (
            (at(i), 3.0 * i, f"L{i % 4 + 1}", i // 10, '{"plate": "G 1234 AB", "confidence": 0.97}')
            for i in range(events)
        ),
    )
    db.conn.executemany(
        "INSERT INTO operator_actions (at, mono, lane, cycle_id, operator, action, args, result, message) VALUES "
        "(?, ?, ?, ?, 'op1', 'confirm', '{\"receipt\": \"R-000123\"}', 'ok', 'paid')",
        ((at(4 * i), 12.0 * i, f"L{i % 4 + 1}", i // 3) for i in range(events // 4)),
    )
    db.conn.commit()
    db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=400_000, help="transitions in the store (default 400000)")
    args = parser.parse_args()
    rows = args.events + args.events // 4
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "old.db"
        _old_store(path, args.events)
        t0 = time.perf_counter()
        Store(path).close()
        sealed = time.perf_counter() - t0
        t0 = time.perf_counter()
        ok, lines = audit_cli.verify(path, [])
        walked = time.perf_counter() - t0
        con = sqlite3.connect(path)
        version = con.execute("PRAGMA user_version").fetchone()[0]
        con.close()
    assert ok, lines
    print(f"{rows:,} rows ({args.events:,} events, {args.events // 4:,} operator actions), schema {version}")
    print(f"sealing (the migration): {sealed:.2f} s, {rows / sealed:,.0f} rows/s")
    print(f"lane audit verify: {walked:.2f} s, {rows / walked:,.0f} rows/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
