"""`lane report` figures, run by hand (`.venv/bin/python -m benchmarks.report`); not a test.

0. The week: 7 days of a 4-lane site with queue entries, made by benchmarks.queue_log (plain rows, realistic
   waits by Lindley's recursion, balking and reneging; its time is printed, goal under 1 s), into
   var/report-bench/week.db; then the report over the week, timed as in 3 below (every row, the day cache empty,
   from the day cache; median of --runs), and `python -m lane.report` over it with --csv (one row a cycle) and
   --html (median of 3). `--week-only` stops here.
1. The data: a year of a four-lane site made with the engine `lane simulate` runs (`lane.simulate.simulate` on the
   virtual clock), one 8-hour day at a time from 08:00 site time, 13 arrivals an hour a lane: about 150,000
   cycles, 1.1 GB. Made once into var/report-bench/year.db, with each day's summary in year.json beside it;
   resumable (a stopped run carries on from the last finished day). A day costs 10 to 40 s of CPU (more since
   the simulation seeds and serves a population registry), so by default (`--simulated 86`) it simulates 86
   days and then repeats them, every row copied with its times shifted by whole blocks of 86 days and its
   cycle ids after the last (`fill`), to make the 365; their summaries are repeated the same way
   (year.filled.json).
2. The check: the report's totals equal the sum of the days' summary lines (completed, rejected, aborted).
3. The figure: the wall (and CPU) time of the whole report over the year, and over its last week: open
   read-only, query, terminal table (into a buffer), CSV and HTML; median of 5 runs in this process (goal:
   under 1 s). Three ways: every row read from the store (--no-cache), the first report once the days have
   closed (the day cache empty: it reads the rows and fills the cache), and the reports after it (the closed
   days read from the day cache, lane.report.cache). Then `lane report` as a command in each way, and the part
   of it that is only starting Python and importing.
4. The sizes of the CSV and HTML files.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from lane import clock as clocks
from lane.config import SiteConfig, load
from lane.report.model import Period
from lane.simulate import SimPlan, simulate
from lane.site import lanes_for
from lane.summary import Summary

ROOT = Path(__file__).resolve().parent.parent

FIRST_DAY = date(2025, 1, 1)
TABLES_AT = {"cycles": "started_at", "events": "at", "device_events": "at", "operator_actions": "at", "notices": "at"}


def _day_start(config: SiteConfig, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=ZoneInfo(config.site.timezone))


def _forget_from(db: Path, start: datetime) -> None:
    """Drop what an interrupted day wrote, so that it is made again from its start."""
    con = sqlite3.connect(db)
    stamp = start.astimezone(ZoneInfo("UTC")).isoformat(timespec="milliseconds")
    with con:
        for table, column in TABLES_AT.items():
            con.execute(f"delete from {table} where {column} >= ?", [stamp])
        con.execute("delete from lane_state")
    con.close()


def generate(db: Path, days: int, lanes: int, per_hour: float, hours: float) -> list[dict[str, object]]:
    """Make (or finish making) `days` days from FIRST_DAY; returns each day's summary figures."""
    config = load(ROOT / "config" / "site.toml")
    side = db.with_suffix(".json")
    params = {"lanes": lanes, "per_hour": per_hour, "hours": hours, "first": FIRST_DAY.isoformat()}
    done: list[dict[str, object]] = []
    if side.exists() and db.exists():
        saved = json.loads(side.read_text())
        if {k: saved["params"].get(k) for k in params} == params:
            done = saved["days"][:days]
    if not done:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    if len(done) >= days:
        return done
    db.parent.mkdir(parents=True, exist_ok=True)
    site_lanes = lanes_for(config, lanes)
    t0 = time.perf_counter()
    for index in range(len(done), days):
        day = FIRST_DAY + timedelta(days=index)
        start = _day_start(config, day)
        if db.exists():
            _forget_from(db, start)
        seed = config.simulation.seed + (day - FIRST_DAY).days
        plan = SimPlan(hours=hours, per_hour=per_hour, plate_reader="operator", seed=seed)

        async def one_day(clock: clocks.Clock, plan: SimPlan = plan) -> Summary:
            return await simulate(clock, config, site_lanes, db, plan, durable=False)

        summary: Summary = clocks.run(one_day, "virtual", start=start)
        shutil.rmtree(db.parent / "photos", ignore_errors=True)  # a year of driver photos is not wanted here
        done.append(
            {
                "date": day.isoformat(),
                "completed": summary.completed,
                "rejected": summary.rejected,
                "aborted": summary.aborted,
                "open": summary.open,
            }
        )
        side.write_text(json.dumps({"params": params, "days": done}, indent=0))
        if index % 10 == 9 or index == days - 1:
            cycles = sum(int(str(d["completed"])) + int(str(d["rejected"])) for d in done)
            print(f"  day {index + 1}/{days} ({day}): {cycles} cycles so far, {time.perf_counter() - t0:.0f} s")
    return done


def fill(db: Path, days: list[dict[str, object]], total: int) -> list[dict[str, object]]:
    """Repeat the simulated days, dates shifted by whole blocks of them, until there are `total` days: every row
    of every table is copied with its times moved and its cycle ids after the last. Returns the days' summaries,
    repeated the same way."""
    n = len(days)
    if n >= total:
        return days[:total]
    config = load(ROOT / "config" / "site.toml")
    _forget_from(db, _day_start(config, FIRST_DAY + timedelta(days=n)))  # what an interrupted day left
    con = sqlite3.connect(db)
    top = {t: con.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0] for t in TABLES_AT}
    for block in range(1, -(-total // n)):
        shift, keep = block * n, min(n, total - block * n)
        cutoff = _day_start(config, FIRST_DAY + timedelta(days=keep)).replace(hour=0)
        until = cutoff.astimezone(ZoneInfo("UTC")).isoformat(timespec="milliseconds")
        with con:
            for table, column in TABLES_AT.items():
                cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
                moved = {
                    c: f"strftime('%Y-%m-%dT%H:%M:%f', {c}, '+{shift} days') || '+00:00'"
                    for c in ("at", "started_at", "ended_at")
                    if c in cols
                }
                moved["cycle_id" if table != "cycles" else "id"] = f"{'cycle_id' if table != 'cycles' else 'id'} + ?"
                targets = [c for c in cols if c != "id" or table == "cycles"]
                values = [moved.get(c, c) for c in targets]
                con.execute(
                    f"INSERT INTO {table} ({', '.join(targets)}) SELECT {', '.join(values)} FROM {table} "
                    f"WHERE id <= ? AND {column} < ? ORDER BY id",
                    [block * top["cycles"], top[table], until],
                )
        print(f"  days {shift + 1} to {shift + keep}: days 1 to {keep} again, {shift} days later")
    con.close()
    out = [*days]
    for k in range(n, total):
        out.append({**days[k % n], "date": (FIRST_DAY + timedelta(days=k)).isoformat()})
    return out


def timed(db: Path, config: SiteConfig, period: Period, out: Path, runs: int, mode: str) -> dict[str, float]:
    """Median wall and CPU seconds of the whole report in this process: open, query, terminal table (into a
    buffer), CSV and HTML files. `mode`: "rows" reads every row (--no-cache); "first" starts each run with no
    day cache (the first report after the days closed); "kept" reads the closed days from a full cache; "new"
    from the cache but its last day (the first report after another day closed)."""
    from lane.report import cache, query, render_csv, render_html, render_text

    kept = cache.path_for(db)
    walls, cpus, builds = [], [], []
    for _ in range(runs):
        if mode == "first":
            kept.unlink(missing_ok=True)
        if mode == "new":
            _forget_last_day(kept)
        w0, c0 = time.perf_counter(), time.process_time()
        con = query.connect(db)
        report = query.build(con, config, period, cache=None if mode == "rows" else kept, rows=True)
        con.close()
        builds.append(time.perf_counter() - w0)
        render_text.render(report, io.StringIO(), width=160)
        render_csv.save(report, out.with_suffix(".csv"))
        render_html.save(report, out.with_suffix(".html"))
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return {
        "wall": statistics.median(walls),
        "best": min(walls),
        "cpu": statistics.median(cpus),
        "query": statistics.median(builds),
        "cycles": report.total.total,
        "completed": report.total.completed,
        "rejected": report.total.rejected,
        "aborted": report.total.aborted,
        "open": report.total.open,
    }


def _forget_last_day(kept: Path) -> None:
    con = sqlite3.connect(kept)
    with con:
        con.execute("DELETE FROM blocks WHERE day = (SELECT max(day) FROM blocks)")
    con.close()


def command_wall(args: list[str], runs: int = 3, before: Callable[[], None] | None = None) -> float:
    walls = []
    for _ in range(runs):
        if before:
            before()
        t0 = time.perf_counter()
        subprocess.run(args, cwd=ROOT, check=True, capture_output=True)
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls)


MODES = {
    "rows": "every row read (--no-cache)",
    "first": "first report, day cache empty",
    "kept": "closed days from the day cache",
    "new": "from the day cache but a day closed since",
}


def figures(db: Path, days: list[dict[str, object]], runs: int) -> None:
    from lane.report import cache

    config = load(ROOT / "config" / "site.toml")
    last = FIRST_DAY + timedelta(days=len(days) - 1)
    year = Period(FIRST_DAY, last, config.site.timezone)
    week = Period(last - timedelta(days=6), last, config.site.timezone)
    out = db.parent / "out"
    out.mkdir(exist_ok=True)
    print(f"2. check against the days' summary lines (lane.simulate.simulate), {FIRST_DAY} to {last}")
    for mode in MODES:
        r = timed(db, config, year, out / "year", 1, mode)
        for field in ("completed", "rejected", "aborted", "open"):
            summed = sum(int(str(d[field])) for d in days)
            if summed != r[field]:
                print(f"  {MODES[mode]}: {field}: days' summaries {summed}, report {int(r[field])}: MISMATCH")
    print(
        "  completed, rejected, aborted, open: the report's totals equal the days' summaries in every mode (else "
        "MISMATCH above)"
    )
    loop = min(timeit.repeat("sum(range(10**6))", number=1, repeat=5))
    print(
        f"3. report time (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; this Python adds up "
        f"a million integers in {loop * 1000:.0f} ms)"
    )
    for mode, label in MODES.items():
        for name, period in (("year", year), ("week", week)):
            t = timed(db, config, period, out / name, runs, mode)
            print(
                f"  {label}, {name} ({int(t['cycles'])} cycles): {t['wall']:.3f} s wall (best {t['best']:.3f}), "
                f"{t['cpu']:.3f} s CPU (query {t['query']:.3f} s); goal 1 s: ratio {t['wall']:.2f}"
            )
    lane = ROOT / ".venv" / "bin" / "lane"
    cmd = [
        str(lane),
        "report",
        "--db",
        str(db),
        "--from",
        year.first.isoformat(),
        "--to",
        year.last.isoformat(),
        "--csv",
        str(out / "cmd.csv"),
        "--html",
        str(out / "cmd.html"),
    ]
    imports = command_wall(
        [
            sys.executable,
            "-c",
            "import lane.cli, lane.report.cache, lane.report.query, "
            "lane.report.render_text, lane.report.render_html, lane.report.render_csv",
        ]
    )
    kept = cache.path_for(db)
    for mode, label in MODES.items():
        extra = ["--no-cache"] if mode == "rows" else []
        before = {"first": lambda: kept.unlink(missing_ok=True), "new": lambda: _forget_last_day(kept)}.get(mode)
        wall = command_wall([*cmd, *extra], before=before)
        print(
            f"  `lane report` over the year (terminal table, --csv, --html), {label}: {wall:.3f} s wall; "
            f"goal 1 s: ratio {wall:.2f}"
        )
    print(f"  (of which starting Python and importing: {imports:.3f} s)")
    print(f"4. files, in {out}")
    for name in ("year.csv", "year.html", "week.csv", "week.html"):
        print(f"  {name}: {(out / name).stat().st_size:,} bytes")
    print(f"  day cache {kept}: {kept.stat().st_size:,} bytes")


def week_figures(db: Path, runs: int, days: int = 7) -> None:
    """Section 0: the report over `days` generated days (7; 365 with --generated-year)."""
    from benchmarks.queue_log import Plan
    from benchmarks.queue_log import generate as generate_week

    config = load(ROOT / "config" / "site.toml")
    plan = Plan(days=days) if days == 7 else Plan(days=days, first=FIRST_DAY)  # a year: days closed by now
    db.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    made = generate_week(db, plan)
    made_s = time.perf_counter() - t0
    print(f"0. {days} days, {plan.lanes} lanes, with queue entries (benchmarks.queue_log): {made} in {made_s:.3f} s")
    week = Period(plan.first, plan.first + timedelta(days=plan.days - 1), config.site.timezone)
    out = db.parent / "out"
    out.mkdir(exist_ok=True)
    for mode in ("rows", "first", "kept"):
        t = timed(db, config, week, out / f"days{days}", runs, mode)
        print(
            f"  {MODES[mode]}, {days} days ({int(t['cycles'])} cycles): {t['wall']:.3f} s wall (best {t['best']:.3f}), "
            f"{t['cpu']:.3f} s CPU (query {t['query']:.3f} s); goal 1 s: ratio {t['wall']:.2f}"
        )
    from lane.report import cache, query

    con = query.connect(db)
    r = query.build(con, config, week, cache=cache.path_for(db))
    con.close()
    tt, wt = r.total.total_time, r.total.wait_time
    print(
        f"  {days} days: {r.total.total} cars, total time median {tt.median_s:.0f} s, p90 {tt.p90_s:.0f} s, goal met "
        f"{tt.under_target:.0%}; wait median {wt.median_s:.0f} s; service median {r.total.median_s:.0f} s; "
        f"balked {r.queue_count('balk')}, reneged {r.queue_count('renege')}"
    )
    cmd = [sys.executable, "-m", "lane.report", "--db", str(db), "--from", week.first.isoformat(), "--to",
           week.last.isoformat(), "--csv", str(out / "cmd-week.csv"), "--html", str(out / "cmd-week.html")]  # fmt: skip
    imports = command_wall([sys.executable, "-c", "import lane.report.cli, lane.report.cache, lane.report.query, "
                            "lane.report.render_text, lane.report.render_html, lane.report.render_csv"])  # fmt: skip
    wall = command_wall(cmd)
    print(
        f"  `python -m lane.report` over the {days} days (terminal, --csv, --html), days cached: {wall:.3f} s "
        f"(of which starting Python and importing: {imports:.3f} s)"
    )
    for name in (f"days{days}.csv", f"days{days}.html"):
        print(f"  {name}: {(out / name).stat().st_size:,} bytes")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--db", type=Path, default=ROOT / "var" / "report-bench" / "year.db")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--lanes", type=int, default=4)
    ap.add_argument("--per-hour", type=float, default=13.0)
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--generate-only", action="store_true", help="make the data and stop")
    ap.add_argument("--runs", type=int, default=5, help="timed runs; the median is reported")
    ap.add_argument(
        "--simulated",
        type=int,
        default=86,
        metavar="DAYS",
        help="simulate this many days, then repeat them to make --days (default 86)",
    )
    ap.add_argument("--week-only", action="store_true", help="only the 7-day report over the generated week (0.)")
    ap.add_argument(
        "--generated-year",
        action="store_true",
        help="section 0 over 365 generated days (queue entries, no device events) instead of the week, then stop",
    )
    args = ap.parse_args()

    if args.generated_year:
        week_figures(args.db.with_name("generated-year.db"), args.runs, 365)
        return
    week_figures(args.db.with_name("week.db"), args.runs)
    if args.week_only:
        return
    print(f"1. data: {args.days} days x {args.hours:g} h, {args.lanes} lanes, {args.per_hour:g} arrivals/h a lane")
    simulated = min(args.simulated, args.days)
    days = generate(args.db, simulated, args.lanes, args.per_hour, args.hours)
    if simulated < args.days:
        filled = args.db.with_suffix(".filled.json")
        made = json.loads(filled.read_text()) if filled.exists() else {}
        if made.get("simulated") != simulated or len(made.get("days", [])) != args.days:
            made = {"simulated": simulated, "days": fill(args.db, days, args.days)}
            filled.write_text(json.dumps(made, indent=0))
        days = made["days"]
    con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    cycles = con.execute("select count(*) from cycles").fetchone()[0]
    con.close()
    print(f"  {args.db}: {cycles} cycles, {args.db.stat().st_size / 1e6:.0f} MB")
    if args.generate_only:
        return
    figures(args.db, days, args.runs)


if __name__ == "__main__":
    main()
