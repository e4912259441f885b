"""The sync worker's lag, read from a site store on any connection (the console's read-only one included): the
outbox entries not yet in the central database and the age of the oldest. No PostgreSQL here: the console imports
it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Lag:
    rows: int  # outbox entries not yet sent
    oldest_s: float | None  # age of the oldest, seconds (None: nothing waits)

    def line(self) -> str:
        if not self.rows:
            return "central: up to date"
        return f"central: {self.rows} rows to send, oldest {self.oldest_s or 0:.0f} s"


def lag(con: sqlite3.Connection, now: datetime | None = None) -> Lag | None:
    """The outbox's lag, read on any connection to the site store (None: a store without an outbox)."""
    try:
        rows, oldest = con.execute("SELECT count(*), min(at) FROM outbox").fetchone()
    except sqlite3.OperationalError:
        return None
    if not rows:
        return Lag(0, None)
    age = ((now or datetime.now(UTC)) - datetime.fromisoformat(oldest.replace("Z", "+00:00"))).total_seconds()
    return Lag(int(rows), max(0.0, age))
