"""The central database's figures (issue 20), run by hand: `.venv/bin/python -m benchmarks.central` (a throwaway
PostgreSQL cluster in a temporary folder, stopped at the end; `--keep DIR` keeps it and its data for another run).

1. Ingest: cycles with their events (each completed cycle with its 10 transition events, as the lanes write them)
   from the generator below, written by `lane.central.ingest.write` as the sites' own roles (row-level security
   on), in batches of 1,000 cycles and their events, as a sync worker sends them; `--processes` (2) sites push
   at once, each process's rows made before the clock starts. Figure: cycles a second.
2. The report: a year of 200 sites x 4 lanes, generated straight into central through the same ingest path,
   then `lane central report` for one month and for the whole year: the figures read as the supervisor role
   and rendered (terminal table into a buffer, CSV, HTML), median of 3; and the command as a process once.
   The generator (`generate`): per site, lane and day (Monday to Saturday) `--per-lane-day` cycles (default 12)
   started uniformly 08:00-16:00 site time, service lognormal (median 7 min, sigma 0.35, a site's median
   shifted by up to +-25%), 92% completed, 6% rejected (one of five reasons), 1% aborted, 1% abandoned; no events
   for this part (the report reads the aggregates only). The aggregates a report reads do not grow with the
   cycles a day (daily: a row per site, lane, day and daypart; histograms: a row per site, day or month and
   occupied 5-second bin), so the volume a day only sets how long the data takes to make; their row counts are
   printed.
3. Catch-up: a site store with 56 hours of arrivals on 4 lanes (`lane simulate`'s engine on the virtual clock;
   the volume of 7 eight-hour days) that has never pushed: the sync worker sends the whole backlog while a lane
   commits durable transitions (`Store.transition`, as a lane does, every 20 ms) on the same store. Figures: the
   time to send it, and the commit time of those transitions before and during the push (median, p99).
"""

from __future__ import annotations

import argparse
import io
import itertools
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import psycopg

from lane import clock as clocks
from lane.central import figures, render, schema
from lane.central.cluster import Cluster, free_port
from lane.central.ingest import Row, write
from lane.central.sync import SyncWorker
from lane.config import Central, load
from lane.simulate import SimPlan, simulate
from lane.site import lanes_for
from lane.store import Stamp, Store, TransitionRecord

ZONE = "Asia/Jakarta"
TZ = ZoneInfo(ZONE)
REASONS = [
    "NIK tidak sesuai dengan data SIM",
    "SIM sudah habis berlaku 13-10-2025; ajukan SIM baru di Satpas",
    "Surat sehat lebih dari 180 hari",
    "Tes psikologi tidak berlaku",
    "SIM A tidak dilayani di lajur ini",
]
STEPS = ["idle", "arrived", "plate", "documents", "payment", "photo", "printing", "handover", "exiting", "idle"]


def generate(site: int, days: list[date], per_lane_day: int, events: bool, seed: int = 1) -> list[Row]:
    """The rows of one site for `days`: cycles (ids from 1) and, with `events`, each cycle's transitions."""
    rng = np.random.default_rng([seed, site])
    shift = 1 + rng.uniform(-0.25, 0.25)
    rows: list[Row] = []
    cycle_id = event_id = 0
    for day in days:
        if day.weekday() == 6:
            continue
        start = datetime(day.year, day.month, day.day, 8, tzinfo=TZ).astimezone(UTC)
        n = 4 * per_lane_day
        offsets = np.sort(rng.uniform(0, 8 * 3600, n))
        service = rng.lognormal(np.log(420 * shift), 0.35, n)
        fate = rng.random(n)
        reason = rng.integers(0, len(REASONS), n)
        for i in range(n):
            cycle_id += 1
            began = start + timedelta(seconds=float(offsets[i]))
            f = fate[i]
            outcome = "completed" if f < 0.92 else "rejected" if f < 0.98 else "aborted" if f < 0.99 else "abandoned"
            lane = f"L{i % 4 + 1}"
            at = began.isoformat(timespec="milliseconds")
            data = {
                "id": cycle_id, "lane": lane, "lane_class": "A" if i % 4 < 2 else "C", "started_at": at,
                "ended_at": (began + timedelta(seconds=float(service[i]))).isoformat(timespec="milliseconds"),
                "outcome": outcome, "reason": REASONS[reason[i]] if outcome == "rejected" else None,
                "duration": float(service[i]), "plate": f"G {1000 + i} AB", "retries": 0,
            }  # fmt: skip
            rows.append(Row("cycles", cycle_id, cycle_id, data))
            if events and outcome == "completed":
                step = float(service[i]) / (len(STEPS) - 1)
                for k, (source, dest) in enumerate(itertools.pairwise(STEPS)):
                    event_id += 1
                    when = (began + timedelta(seconds=k * step)).isoformat(timespec="milliseconds")
                    rows.append(Row("events", event_id, cycle_id, {
                        "id": event_id, "at": when, "lane": lane, "cycle_id": cycle_id, "source": source,
                        "dest": dest, "trigger": f"to_{dest}", "actor": "sim", "detail": "{}",
                    }))  # fmt: skip
    return rows


def _batches(rows: list[Row], cycles: int) -> list[list[Row]]:
    """Consecutive batches of about `cycles` cycles, each with its events (the generator keeps them together)."""
    out: list[list[Row]] = [[]]
    count = 0
    for row in rows:
        if row.table == "cycles":
            if count == cycles:
                out.append([])
                count = 0
            count += 1
        out[-1].append(row)
    return [b for b in out if b]


def _sites(cluster: Cluster, count: int, prefix: str) -> list[str]:
    names = [f"{prefix}{i:03d}" for i in range(count)]
    with psycopg.connect(cluster.dsn(), autocommit=True) as con:
        for name in names:
            schema.add_site(con, name, name, ZONE)
    return names


def _load(cluster: Cluster, site: str, rows: list[Row], per_batch: int = 1000) -> float:
    """Write a site's rows as its role, batch by batch; returns the seconds spent in `write`."""
    spent = 0.0
    with psycopg.connect(cluster.dsn(user=schema.role_of(site))) as con:
        for batch in _batches(rows, per_batch):
            t0 = time.perf_counter()
            write(con, site, batch, max(r.seq for r in batch))
            spent += time.perf_counter() - t0
    return spent


def _pusher(args: tuple[str, list[str], int, Any]) -> tuple[int, int, float, float]:
    """One process of sites pushing: its rows made first, then (all processes at once) written."""
    dsn, sites, offset, barrier = args
    days = [date(2025, 3, 3) + timedelta(days=i) for i in range(6)]
    made = [(site, generate(offset + i, days, 40, events=True)) for i, site in enumerate(sites)]
    cycles = sum(r.table == "cycles" for _, rows in made for r in rows)
    events = sum(r.table == "events" for _, rows in made for r in rows)
    barrier.wait()
    t0 = time.time()
    for site, rows in made:
        with psycopg.connect(dsn.replace("user=central", f"user={schema.role_of(site)}")) as con:
            for batch in _batches(rows, 1000):
                write(con, site, batch, max(r.seq for r in batch))
    return cycles, events, t0, time.time()


def ingest(cluster: Cluster, processes: int) -> None:
    """Sites pushing at once, `processes` of them at a time (a central serves many sites)."""
    import multiprocessing

    sites = _sites(cluster, 4 * processes, f"I{int(time.time()) % 100000:05d}-")  # new sites: rows not yet held
    with multiprocessing.Manager() as manager:
        barrier = manager.Barrier(processes)
        jobs = [(cluster.dsn(), sites[i::processes], 1000 + 100 * i, barrier) for i in range(processes)]
        with multiprocessing.Pool(processes) as pool:
            done = pool.map(_pusher, jobs)
    cycles, events = sum(d[0] for d in done), sum(d[1] for d in done)
    wall = max(d[3] for d in done) - min(d[2] for d in done)
    print(f"ingest: {cycles:,} cycles with {events:,} events from {len(sites)} sites, {processes} pushing at once, "
          f"in {wall:.2f} s: {cycles / wall:,.0f} cycles/s ({(cycles + events) / wall:,.0f} rows/s), batches of "
          f"1,000 cycles and their events")  # fmt: skip


def report(cluster: Cluster, sites: int, per_lane_day: int, year: int) -> None:
    first, last = date(year, 1, 1), date(year, 12, 31)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    names = _sites(cluster, sites, "RPT")
    with psycopg.connect(cluster.dsn(), autocommit=True) as con:
        have = con.execute("SELECT count(DISTINCT site) FROM cycles WHERE site LIKE 'RPT%%'").fetchone()
    if not have or have[0] < sites:
        t0 = time.perf_counter()
        cycles = 0
        for i, site in enumerate(names):
            rows = generate(i, days, per_lane_day, events=False)
            cycles += len(rows)
            _load(cluster, site, rows, 5000)
        took = time.perf_counter() - t0
        print(f"report data: {cycles:,} cycles of {sites} sites x 4 lanes over {year}, made and written in "
              f"{took:.0f} s ({cycles / took:,.0f} cycles/s, generator included)")  # fmt: skip
    with psycopg.connect(cluster.dsn(), autocommit=True) as con:
        con.execute("VACUUM ANALYZE")
        sizes = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("daily", "hist_day", "hist_month")}  # type: ignore[index]
    print("aggregate rows: " + ", ".join(f"{t} {n:,}" for t, n in sizes.items()))
    for name, since in (("one month", date(year, 6, 1)), ("one year", first)):
        until = date(year, 6, 30) if name == "one month" else last
        times = []
        for _ in range(3):
            with psycopg.connect(cluster.dsn(user="central_supervisor"), autocommit=True) as con:
                t0 = time.perf_counter()
                found = figures.read(con, since, until)
                render.text(found, io.StringIO(), 160)
                render.write_csv(found, io.StringIO())
                render.html(found)
                times.append(time.perf_counter() - t0)
        cmd = [sys.executable, "-m", "lane.cli", "central", "--dsn", cluster.dsn(user="central_supervisor"), "report",
               "--from", since.isoformat(), "--to", until.isoformat(), "--quiet"]  # fmt: skip
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        whole = time.perf_counter() - t0
        took = statistics.median(times)
        print(f"report, {name} ({since} to {until}), {len(found.ranking)} sites: read and rendered in {took:.3f} s "
              f"(median of 3); `lane central report` as a command {whole:.2f} s")  # fmt: skip


def _backlog(folder: Path) -> Path:
    db = folder / "backlog.db"
    if db.exists():
        return db
    config = load(Path("config/site.toml"))
    plan = SimPlan(hours=56, per_hour=5.0, plate_reader="operator", seed=3)
    start = datetime(2025, 3, 3, 8, tzinfo=TZ)
    part = folder / "backlog.part.db"
    clocks.run(lambda c: simulate(c, config, lanes_for(config, 4), part, plan, False), "virtual", start=start)
    part.rename(db)
    return db


def catch_up(cluster: Cluster, folder: Path) -> None:
    source = _backlog(folder)
    db = folder / "catch-up.db"
    shutil.copy(source, db)
    site = _sites(cluster, 1, "CATCH")[0]
    store = Store(db, durable=True)
    pending = store.db.execute("SELECT count(*), count(DISTINCT tbl || row_id) FROM outbox").fetchone()
    cycles = store.db.execute("SELECT count(*) FROM cycles").fetchone()[0]
    stop = threading.Event()
    lat: dict[str, list[float]] = {"before": [], "during": []}
    phase = ["before"]

    def lane() -> None:  # a lane: a transition every 20 ms, durable, on the same store
        n = 0
        while not stop.is_set():
            n += 1
            rec = TransitionRecord("LX", "A", Stamp(datetime.now(UTC), time.monotonic()), "idle", "arrived",
                                   "vehicle_arrived", "sim", {}, None, True, False, {}, {"context": {}})  # fmt: skip
            t0 = time.perf_counter()
            store.transition(rec)
            lat[phase[0]].append(time.perf_counter() - t0)
            stop.wait(0.02)

    writer = threading.Thread(target=lane)
    writer.start()
    time.sleep(5)
    phase[0] = "during"
    worker = SyncWorker(db, site, Central(dsn=cluster.dsn(user=schema.role_of(site)), batch=5000), durable=True)
    t0 = time.perf_counter()
    worker.run(until_empty=True, give_up=3)
    took = time.perf_counter() - t0
    stop.set()
    writer.join()
    store.close()

    def ms(values: list[float]) -> str:
        q = np.percentile(np.array(values) * 1000, [50, 99])
        return f"median {q[0]:.2f} ms, p99 {q[1]:.2f} ms ({len(values)} commits)"

    print(f"catch-up: {cycles:,} cycles ({pending[0]:,} outbox entries, {pending[1]:,} rows) of 56 h x 4 lanes "
          f"sent in {took:.2f} s")  # fmt: skip
    print(f"catch-up: a lane's durable commit before the push: {ms(lat['before'])}; during: {ms(lat['during'])}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.central")
    parser.add_argument("--keep", type=Path, default=None, help="keep the cluster and data in this folder")
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--per-lane-day", type=int, default=12)
    parser.add_argument("--processes", type=int, default=2, help="sites pushing at once (ingest)")
    parser.add_argument("--only", choices=["ingest", "report", "catch-up"], default=None)
    args = parser.parse_args()
    folder = (args.keep or Path(tempfile.mkdtemp(prefix="lane-central-bench-"))).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # mkdtemp makes it 0700: the cluster under it runs as the postgres user when we are root
    port_file = folder / "port"
    port = int(port_file.read_text()) if port_file.exists() else free_port()
    port_file.write_text(str(port))
    cluster = Cluster(folder / "pg", port)
    cluster.start()
    try:
        with psycopg.connect(cluster.dsn(), autocommit=True) as con:
            schema.migrate(con)
        if args.only in (None, "ingest"):
            ingest(cluster, args.processes)
        if args.only in (None, "report"):
            report(cluster, args.sites, args.per_lane_day, 2025)
        if args.only in (None, "catch-up"):
            catch_up(cluster, folder)
    finally:
        cluster.stop()
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
