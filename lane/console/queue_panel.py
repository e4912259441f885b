"""The console's queue panel (issue 17): for each approach, how many drivers are queueing and how long the one
at the head has waited, with today's balking and reneging counts, read from `queue_events` (a `join` row with no
cycle and not marked "left" is a driver still queueing; lane/queue.py keeps the rows so). A panel of its own
beside the lane table, so the console's lane table can change without it."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from textual.widgets import Static

#: A join older than this with no cycle is not shown as queueing (a controller stopped with drivers queued).
STALE = timedelta(hours=12)


@dataclass(frozen=True)
class QueueRow:
    approach: str
    waiting: int
    oldest_s: float
    balked: int
    reneged: int


def queue_rows(con: sqlite3.Connection, now: datetime) -> list[QueueRow]:
    """Every approach that has queue events in the last 12 hours, by name."""
    since = (now - STALE).isoformat(timespec="milliseconds")
    found = con.execute(
        "select approach, sum(kind = 'join' and cycle_id is null and coalesce(detail, '') != 'left'), "
        "min(case when kind = 'join' and cycle_id is null and coalesce(detail, '') != 'left' then at end), "
        "sum(kind = 'balk'), sum(kind = 'renege') from queue_events where at >= ? group by approach order by 1",
        [since],
    ).fetchall()
    return [
        QueueRow(str(a), int(n or 0), (now - datetime.fromisoformat(o)).total_seconds() if o else 0.0, int(b), int(r))
        for a, n, o, b, r in found
    ]


def describe(rows: list[QueueRow]) -> str:
    if not rows:
        return "Antrean / queue: -"
    parts = []
    for r in rows:
        oldest = f", oldest {int(r.oldest_s // 60)}:{int(r.oldest_s % 60):02d}" if r.waiting else ""
        gone = f" (balked {r.balked}, reneged {r.reneged})" if r.balked or r.reneged else ""
        parts.append(f"{r.approach}: {r.waiting} waiting{oldest}{gone}")
    return "Antrean / queue: " + "   ".join(parts)


class QueuePanel(Static):
    DEFAULT_CSS = "QueuePanel { height: auto; padding: 0 1; }"
    shown = ""

    def show_from(self, con: sqlite3.Connection, now: datetime) -> None:
        text = describe(queue_rows(con, now))
        if text != self.shown:
            self.update(text)
            self.shown = text
