"""The manual receipts of a report's period: cycles whose receipt matched no payment the payment point recorded,
taken as paid because a supervisor approved them (lane/receipts.py). Listed one by one, with who approved: a
supervisor checks each against the cash book. A store from before the officers' migration has none."""

from __future__ import annotations

import sqlite3

from lane.report.model import ManualReceipt, Period


def read(con: sqlite3.Connection, period: Period, lanes: tuple[str, ...] = ()) -> list[ManualReceipt]:
    """The period's manual receipts (by the cycle's start, site time), in cycle order; only `lanes` if given."""
    if "receipt_manual" not in {r[1] for r in con.execute("PRAGMA table_info(cycles)")}:
        return []
    start, end = period.utc_bounds()
    only = f" AND lane IN ({', '.join('?' for _ in lanes)})" if lanes else ""
    rows = con.execute(
        "SELECT id, lane, started_at, receipt, approved_by, outcome FROM cycles WHERE receipt_manual = 1 "
        f"AND started_at >= ? AND started_at < ?{only} ORDER BY id",
        [start, end, *lanes],
    )
    return [
        ManualReceipt(cid, lane, period.local(started).strftime("%Y-%m-%d %H:%M"), receipt or "", approved or "", done)
        for cid, lane, started, receipt, approved, done in rows
    ]
