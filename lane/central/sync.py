"""The site's sync worker: pushes the outbox (lane/schema.py `_v13`) to the central database, in its own thread,
so that a lane never waits for the network.

Each push reads up to `batch` outbox entries after the last seq central holds, keeps each row once (its newest
entry), reads the rows whole from their tables (a column added later goes along), masks the personal columns of
cycles as the `[central] personal` policy says, and writes them with `lane.central.ingest.write` in one central
transaction that also moves the site's `last_seq`. Only then are the entries deleted from the outbox. At least
once: a push cut anywhere is sent again, and the upserts make a second copy a no-op. On (re)connecting the worker
asks central for `last_seq`, so it resumes where central stands after a network cut, an outage of days or a
restart (kill -9 included). A failure is logged as one line and retried with a doubling wait up to
`retry_max_s`. `lag` is what the console and `lane sync --status` show: rows unsent and the age of the oldest.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.nik import mask
from lane.central.ingest import Row, last_seq, write
from lane.central.lag import Lag, lag
from lane.config import Central, SiteConfig
from lane.privacy import PERSONAL_COLUMNS, mask_name
from lane.store import OUTBOX_TABLES, Stamp, Store

log = logging.getLogger(__name__)


def personal(row: dict[str, Any], policy: str) -> dict[str, Any]:
    """A cycle row as the policy lets it go central: "full" as it is, "masked" with the NIK and SIM number to
    region and last two digits and the name to initials (lane/privacy.py), "none" without them."""
    if policy == "full":
        return row
    out = dict(row)
    for column in PERSONAL_COLUMNS:
        if out.get(column) is not None:
            out[column] = (
                None if policy == "none" else mask_name(out[column]) if column == "holder_name" else mask(out[column])
            )
    return out


class StoreMismatch(OSError):
    """Central is ahead of this store: pushing would skip or overwrite rows. Logged and retried like an outage."""


class Outbox:
    """The site side: reads batches from the outbox (its own connection) and forgets what central holds."""

    def __init__(self, db: Path, policy: str = "masked", durable: bool = True) -> None:
        self.store = Store(db, durable)  # migrates an older store, so the outbox is there
        self.con = sqlite3.connect(str(db), timeout=10, isolation_level=None, check_same_thread=False)
        self.con.row_factory = sqlite3.Row
        self.policy = policy

    def close(self) -> None:
        self.con.close()
        self.store.close()

    def batch(self, after: int, limit: int) -> tuple[list[Row], int]:
        """Up to `limit` entries after seq `after`, as rows (each once, its newest seq), and the last seq read
        (`after` when none)."""
        self.con.execute("BEGIN")  # one read transaction: the rows as they were when the entries were read
        try:
            entries = self.con.execute(
                "SELECT seq, tbl, row_id FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?", [after, limit]
            ).fetchall()
            newest: dict[tuple[str, int], int] = {}
            for seq, table, row_id in entries:
                newest[table, row_id] = seq
            wanted: defaultdict[str, list[int]] = defaultdict(list)
            for table, row_id in newest:
                if table in OUTBOX_TABLES:
                    wanted[table].append(row_id)
            rows = []
            for table, ids in wanted.items():
                for start in range(0, len(ids), 900):  # SQLite's limit on bound parameters
                    part = ids[start : start + 900]
                    marks = ", ".join("?" * len(part))
                    for found in self.con.execute(
                        f"SELECT rowid AS rowid_, * FROM [{table}] WHERE rowid IN ({marks})", part
                    ):
                        data = dict(found)
                        row_id = data.pop("rowid_")
                        if table == "cycles":
                            data = personal(data, self.policy)
                        rows.append(Row(table, row_id, newest[table, row_id], data))
        finally:
            self.con.execute("COMMIT")
        return rows, (entries[-1][0] if entries else after)

    def issued(self) -> int:
        """The last outbox seq this store ever gave out (AUTOINCREMENT keeps it after the rows are deleted)."""
        found = self.con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
        return int(found[0]) if found else 0

    def sent(self, upto: int) -> None:
        self.store.outbox_sent(upto)

    def lag(self) -> Lag:
        return lag(self.con) or Lag(0, None)


class SyncWorker:
    """Pushes one site's outbox to central until stopped; `run` is a thread's target (`start` starts one)."""

    def __init__(self, db: Path, site: str, central: Central, durable: bool = True) -> None:
        self.db, self.site, self.central, self.durable = db, site, central, durable
        self.stop_event = threading.Event()
        self.failures = 0
        self.last_error = ""
        self.pushed = 0  # rows written to central by this worker
        self._thread: threading.Thread | None = None
        self._con: Any = None
        self._acked = 0

    def _connect(self, outbox: Outbox) -> None:
        import psycopg

        self._con = psycopg.connect(self.central.dsn, connect_timeout=10, application_name=f"lane sync {self.site}")
        acked = last_seq(self._con, self.site)
        issued = outbox.issued()
        if acked > issued:
            raise StoreMismatch(
                f"central holds outbox seq {acked} of site {self.site}, past the last this store ({self.db}) issued "
                f"({issued}): another store of the same site, or one restored from an older copy; nothing is sent"
            )
        self._acked = acked
        outbox.sent(self._acked)  # what central already holds (a push whose acknowledgement was lost)

    def _drop(self) -> None:
        if self._con is not None:
            try:
                self._con.close()
            finally:
                self._con = None

    def push(self, outbox: Outbox) -> int:
        """One batch; returns the number of rows sent (0: the outbox is empty). Raises on a failure."""
        if self._con is None:
            self._connect(outbox)
        rows, upto = outbox.batch(self._acked, self.central.batch)
        if upto == self._acked:
            return 0
        write(self._con, self.site, rows, upto)
        self._acked = upto
        outbox.sent(upto)
        self.pushed += len(rows)
        return len(rows)

    def run(self, until_empty: bool = False, idle_s: float = 1.0, give_up: int | None = None) -> bool:
        """Push until stopped (or, `until_empty`, until the outbox is empty: True); never raises for central's
        sake. `give_up`: return False after that many failed tries in a row."""
        import psycopg

        outbox = Outbox(self.db, self.central.personal, self.durable)
        try:
            while not self.stop_event.is_set():
                try:
                    sent = self.push(outbox)
                except Exception as err:  # network, central, the store busy, a row refused: the
                    # push is retried later and the thread lives on (a lane never depends on it)
                    self._drop()
                    self.failures += 1
                    text = str(err).strip()
                    self.last_error = text.splitlines()[0] if text else type(err).__name__
                    if not isinstance(err, psycopg.Error | OSError):
                        log.exception("central sync: unexpected failure")
                    if self.failures == 1:
                        self._health(outbox, "down")
                    wait = min(self.central.retry_max_s, 2 ** min(self.failures - 1, 16)) * random.uniform(0.8, 1.2)
                    if give_up is not None and self.failures >= give_up:
                        log.warning("central sync: %s; giving up after %d tries", self.last_error, self.failures)
                        return False
                    log.warning("central sync: %s; retrying in %.0f s", self.last_error, wait)
                    self.stop_event.wait(wait)
                    continue
                if self.failures:
                    log.info("central sync: back after %d failed tries", self.failures)
                    self._health(outbox, "ok")
                self.failures, self.last_error = 0, ""
                if not sent:
                    if until_empty:
                        return True
                    self.stop_event.wait(idle_s)
            return False
        finally:
            self._drop()
            outbox.close()

    def _health(self, outbox: Outbox, health: str) -> None:
        """The site's health log (device_events, lane '*', device 'central.sync'): the sync went down or came back;
        central receives it too, as a fault of the site, once it is back. It carries the lag at that moment."""
        when = Stamp(datetime.now(UTC), time.monotonic())
        try:
            behind = outbox.lag()
            detail = {"health": health, "why": self.last_error if health != "ok" else "", "rows": behind.rows,
                      "oldest_s": round(behind.oldest_s or 0.0, 1)}  # fmt: skip
            outbox.store.device_event("*", None, when, "central.sync", "health", detail)
        except sqlite3.Error as err:  # the store busy: the log line above says it anyway
            log.warning("central sync: health row not written: %s", err)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="central-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout)


def start_sync(config: SiteConfig, db: Path) -> SyncWorker | None:
    """`lane run`'s worker, started when the site file has a `[central]` section (None otherwise)."""
    if config.central is None:
        return None
    worker = SyncWorker(db, config.site.office_code, config.central, config.store.durable)
    worker.start()
    return worker
