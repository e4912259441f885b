"""`lane demo --central`: two simulated sites pushing to a central database. The local cluster of `make central`
(var/central, port 5544) is started if it is not running and migrated; the two sites (the configured one and a
second, "<office code>-2") are registered with their roles; each site simulates a day of four lanes on the
virtual clock (`lane simulate`, a process a site) while its sync worker pushes its outbox from here; a line a
second shows each site's lag and what central holds; at the end, the central report of the day.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

from lane.central import figures, render, schema
from lane.central.cluster import Cluster, ClusterError
from lane.central.lag import lag
from lane.central.sync import SyncWorker
from lane.config import Central, SiteConfig
from lane.store import SCHEMA_VERSION

PORT = 5544  # make central's


def run(config: SiteConfig, config_path: Path, var: Path, hours: float = 4.0) -> int:
    cluster = Cluster((var / "central").resolve(), PORT)
    try:
        cluster.start()
    except ClusterError as err:
        print(f"lane demo --central: {err}")
        return 1
    with psycopg.connect(cluster.dsn(), autocommit=True) as con:
        schema.migrate(con)
        sites = [config.site.office_code, f"{config.site.office_code}-2"[:20]]
        for i, site in enumerate(sites):
            schema.add_site(con, site, f"{config.site.name}{' 2' if i else ''}", config.site.timezone)
            schema.forget_site(con, site)  # the demo's site stores start anew, so does what central holds of them
    folder = var / "demo-central"
    folder.mkdir(parents=True, exist_ok=True)
    sims, workers = [], []
    for i, site in enumerate(sites):
        (folder / f"site{i + 1}").mkdir(exist_ok=True)
        db = folder / f"site{i + 1}" / "site.db"  # a folder a site: its simulated population's registry beside it
        for suffix in ("", "-wal", "-shm"):  # gone before the simulation starts, so the worker opens the new one
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "lane.cli", "--config", str(config_path), "simulate", "--hours", str(hours),
               "--lanes", "4", "--arrivals-per-hour", str(6 + 2 * i), "--seed", str(11 + i),
               "--db", str(db)]  # fmt: skip
        sims.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL))
        central = Central(dsn=cluster.dsn(user=schema.role_of(site)), batch=2000)
        workers.append(SyncWorker(db, site, central, durable=False))
    for worker in workers:  # once its simulation has made the store (and its outbox)
        while _version(worker.db) < SCHEMA_VERSION:
            time.sleep(0.1)
        worker.start()
    while any(s.poll() is None for s in sims) or any(_behind(w.db) for w in workers):
        _show(cluster, sites, workers)
        time.sleep(1.0)
    for worker in workers:
        worker.stop()
    _show(cluster, sites, workers)
    with psycopg.connect(cluster.dsn(user="central_supervisor"), autocommit=True) as con:
        today = datetime.now(ZoneInfo(config.site.timezone)).date()
        render.text(figures.read(con, today, today))
    print(f"central: {cluster.dsn(user='central_supervisor')} (make central-stop stops it)")
    return 0


def _version(db: Path) -> int:
    try:
        con = sqlite3.connect(str(db), timeout=5)
        try:
            return int(con.execute("PRAGMA user_version").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _behind(db: Path) -> int:
    try:
        con = sqlite3.connect(str(db), timeout=5)
    except sqlite3.Error:
        return 1
    try:
        found = lag(con)
        return found.rows if found else 1
    finally:
        con.close()


def _show(cluster: Cluster, sites: list[str], workers: list[SyncWorker]) -> None:
    with psycopg.connect(cluster.dsn(), autocommit=True) as con:
        held: dict[str, int] = dict(con.execute("SELECT site, count(*) FROM cycles GROUP BY site").fetchall())
    parts = [
        f"{s}: {held.get(s, 0)} cycles central, {_behind(w.db)} rows to send"
        for s, w in zip(sites, workers, strict=True)
    ]
    print("  |  ".join(parts), flush=True)
