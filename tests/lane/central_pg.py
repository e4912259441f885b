"""What the central database's tests share: a throwaway PostgreSQL cluster (a temporary folder, a free loopback
port, stopped at the end; the tests skip, saying why, only when the postgres binaries are absent), simulated site
stores, a cuttable TCP proxy, and the check that central holds exactly what a site's own store holds."""

from __future__ import annotations

import contextlib
import shutil
import socket
import sqlite3
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from lane import clock as clocks
from lane.central import schema
from lane.central.cluster import Cluster, bin_dir, free_port
from lane.config import Central, SiteConfig, load
from lane.simulate import SimPlan, simulate
from lane.site import lanes_for
from lane.store import OUTBOX_TABLES
from tests.conftest import ROOT

ZONE = "Asia/Jakarta"


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if bin_dir() is None:
        pytest.skip("no PostgreSQL binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="lane-central-"))  # in /tmp: the postgres user can reach it
    made = Cluster(folder, free_port())
    made.start()
    with psycopg.connect(made.dsn(), autocommit=True) as con:
        schema.migrate(con)
    try:
        yield made
    finally:
        made.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def admin(cluster: Cluster) -> psycopg.Connection[Any]:
    return psycopg.connect(cluster.dsn(), autocommit=True)


def scalar(con: psycopg.Connection[Any], sql: str, params: Sequence[Any] = ()) -> Any:
    row = con.execute(sql.encode(), params).fetchone()
    assert row is not None, sql
    return row[0]


def add_site(cluster: Cluster, site: str) -> str:
    with admin(cluster) as con:
        return schema.add_site(con, site, f"site {site}", ZONE)


def central_config(cluster: Cluster, role: str, batch: int = 5000, port: int | None = None) -> Central:
    dsn = f"host=127.0.0.1 port={port or cluster.port} user={role} dbname=central"
    return Central(dsn=dsn, batch=batch, retry_max_s=0.2)


def site_config() -> SiteConfig:
    return load(ROOT / "config" / "site.toml")


def simulated_site(folder: Path, hours: float = 3.0, lanes: int = 2, start: datetime | None = None) -> Path:
    """A site store of `hours` of simulated arrivals on `lanes` lanes (virtual clock) starting at `start`."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "site.db"
    config = site_config()
    plan = SimPlan(hours=hours, per_hour=6.0, plate_reader="operator", seed=7)
    when = start or datetime(2026, 11, 2, 8, 0, tzinfo=ZoneInfo(ZONE))
    clocks.run(lambda c: simulate(c, config, lanes_for(config, lanes), db, plan, False), "virtual", start=when)
    return db


def copy_site(db: Path, to: Path) -> Path:
    to.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(str(db))
    out = to / "site.db"
    dst = sqlite3.connect(str(out))
    src.backup(dst)
    src.close()
    dst.close()
    return out


def site_figures(db: Path) -> dict[tuple[str, str], tuple[int, int, int, int, int, float]]:
    """Per (lane, site-time day): completed, rejected, aborted, abandoned or open, goal met, sum of total times
    (total = wait in the queue + the lane's service, as lane report counts it; no queue entry: the service)."""
    con = sqlite3.connect(str(db))
    out: dict[tuple[str, str], list[Any]] = {}
    rows = con.execute("SELECT lane, started_at, outcome, coalesce(wait, 0) + duration FROM cycles")
    for lane, started, outcome, duration in rows:
        day = datetime.fromisoformat(started).astimezone(ZoneInfo(ZONE)).date().isoformat()
        row = out.setdefault((lane, day), [0, 0, 0, 0, 0, 0.0])
        index = {"completed": 0, "rejected": 1, "aborted": 2}.get(outcome or "open", 3)
        row[index] += 1
        if outcome == "completed":
            row[4] += duration < 600
            row[5] += duration
    con.close()
    return {k: (v[0], v[1], v[2], v[3], v[4], round(v[5], 6)) for k, v in out.items()}


def central_figures(cluster: Cluster, site: str) -> dict[tuple[str, str], tuple[int, int, int, int, int, float]]:
    with admin(cluster) as con:
        rows = con.execute(
            "SELECT lane, day, sum(completed), sum(rejected), sum(aborted), sum(abandoned + open), sum(goal_met), "
            "sum(sum_total) FROM daily WHERE site = %s GROUP BY 1, 2 HAVING sum(completed + rejected + aborted + "
            "abandoned + open) > 0",
            [site],
        ).fetchall()
    return {
        (lane, day.isoformat()): (int(a), int(b), int(c), int(d), int(e), round(float(f), 6))
        for lane, day, a, b, c, d, e, f in rows
    }


def assert_same(cluster: Cluster, site: str, db: Path) -> None:
    """Central holds exactly the site's rows: every table's row count, and per lane and day the cycle counts and
    sums; the histograms count each completed renewal once. Nothing lost, nothing doubled."""
    con = sqlite3.connect(str(db))
    own = {t: con.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in OUTBOX_TABLES}
    con.close()
    with admin(cluster) as pg:
        held = Counter(dict(pg.execute("SELECT tbl, count(*) FROM site_rows WHERE site = %s GROUP BY 1", [site])))
        held["cycles"] = scalar(pg, "SELECT count(*) FROM cycles WHERE site = %s", [site])
        by_day = scalar(pg, "SELECT sum(n) FROM hist_day WHERE site = %s", [site]) or 0
        by_month = scalar(pg, "SELECT sum(n) FROM hist_month WHERE site = %s", [site]) or 0
    assert {t: held[t] for t in OUTBOX_TABLES} == own
    mine = site_figures(db)
    assert central_figures(cluster, site) == mine
    completed = sum(v[0] for v in mine.values())
    assert by_day == by_month == completed


class CutProxy:
    """A TCP proxy to `port` on loopback that can cut every connection through it (`cut`), once `budget` bytes
    from the client have passed (`cut_after`), or at once."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.server.getsockname()[1])
        self.sockets: list[socket.socket] = []
        self.budget: int | None = None
        self.cuts = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_after(self, budget: int) -> None:
        self.budget = budget

    def cut(self) -> None:
        with self.lock:
            self.cuts += 1
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self.sockets.clear()

    def close(self) -> None:
        self.cut()
        self.server.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, counted: bool) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
                if counted and self.budget is not None:
                    self.budget -= len(data)
                    if self.budget <= 0:
                        self.budget = None
                        self.cut()
                        return
        except OSError:
            return
