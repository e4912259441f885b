"""The figures of a supervisor report, read from the store.

One read-only connection (a `mode=ro` URI, `query_only`), one read transaction: every table is seen at the
same moment, and WAL lets the lanes go on committing meanwhile (a reader never blocks the writer). A cycle
belongs to the day and hour, in site time, of its start (its lane entry); the cycles of test vehicles (the site
file's `report.test_plates`) are left out and counted. The period is read a day at a time (`blocks`): the closed
days from the reports' cache when there is one (`cache`), the others from the store with a few grouped queries;
`stats` does the medians and percentiles with numpy over the period's cycles (by lane, day, ISO week, month, hour,
daypart, lane and day, lane and hour); the slowest and fastest cycles' rows and timelines are then read by id, and
for the CSV (`rows`) every cycle's row.
"""

from __future__ import annotations

import functools
import itertools
import sqlite3
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from flows.renewal import make_flow
from flows.states import Stage
from lane import audit
from lane.config import SiteConfig
from lane.report import blocks, manual, model, stats
from lane.report.cache import DayCache
from lane.report.model import OUTCOMES, Period, Report
from lane.store import SCHEMA_VERSION


class ReportError(Exception):
    """The report cannot be made (no database, a newer schema): `str()` says why."""


def connect(path: Path) -> sqlite3.Connection:
    """Open the store read-only. A database with a newer schema than this program is refused."""
    if not path.is_file():
        raise ReportError(f"{path}: no database there")
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0, isolation_level=None)
    con.execute("PRAGMA query_only = 1")
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        con.close()
        raise ReportError(f"{path}: schema version {version} is newer than this program ({SCHEMA_VERSION})")
    return con


def budgets(config: SiteConfig, lane: str, lane_class: str) -> dict[str, float]:
    """A lane's soft budgets: from the site file; a lane it does not list (`lane simulate --lanes 4` makes L3,
    L4) takes those of the first listed lane of its class, else the class defaults."""
    listed = next((x for x in config.lanes if x.id == lane), None)
    listed = listed or next((x for x in config.lanes if x.lane_class.value == lane_class), None)
    flow = config.flow(listed) if listed else make_flow(lane_class)
    return {s.value: b.soft for s, b in flow.budgets.items() if s is not Stage.FAULT}


def build(
    con: sqlite3.Connection,
    config: SiteConfig,
    period: Period,
    lanes: tuple[str, ...] = (),
    personal: bool = False,
    slowest: int = 10,
    now: datetime | None = None,
    cache: Path | None = None,
    rows: bool = False,
) -> Report:
    """Every figure of the report, in one read transaction. With `cache` (a file, `lane.report.cache`), the
    closed days it holds are read from it and the closed days it lacks are added to it. `rows`: also every
    cycle of the period, one row each (for the CSV)."""
    target = config.site.target_minutes * 60
    now = now or datetime.now(UTC)
    tests = config.report.test_keys
    kept = DayCache.open(cache) if cache is not None else None
    saved = False
    con.execute("BEGIN")
    try:
        found = kept.load(con, period.zone, period.first, period.last, tests) if kept else {}
        runs = _missing(period, found)
        known = _known_lanes(con, config) if runs else ()
        made = [b for run in runs for b in blocks.read(con, run, known, now, tests)]
        merged = blocks.merge(sorted([*found.values(), *made], key=lambda b: b.day), period, lanes)
        cycles = merged.cycles
        classes = [_lane_class(con, lane) for lane in cycles.lanes]
        slow = _read_cycles(con, period, _pick(merged, slowest, longest=True), personal)
        fast = _read_cycles(con, period, _pick(merged, slowest, longest=False), personal)
        receipts = manual.read(con, period, lanes)
        held = None if len(cycles.lane) else _held(con, period)
        listed = tuple(_rows(con, period, lanes, tests)) if rows else ()
        chains = audit.heads(con)  # in the same read transaction: the heads of the rows the report read
        if kept:
            kept.save(made)
            saved = True
    finally:
        con.execute("COMMIT")
        if kept:
            kept.close(keep=saved)
    days = period.days()
    months = sorted({d.strftime("%Y-%m") for d in days})
    month_of_day = np.array([months.index(d.strftime("%Y-%m")) for d in days], dtype=np.int64)
    hours = sorted(set(cycles.hour.tolist()))
    hour_key = np.searchsorted(np.array(hours, dtype=np.int64), cycles.hour)
    weeks = sorted({_week(d) for d in days})
    week_of_day = np.array([weeks.index(_week(d)) for d in days], dtype=np.int64)
    parts = sorted(config.report.dayparts, key=lambda d: d.start)
    part_of_hour = np.array([len(parts) if p < 0 else p for p in config.report.daypart_of_hour()], dtype=np.int64)
    part_names = [d.name for d in parts] + ["-"]
    by_part = stats.figures(part_names, part_of_hour[cycles.hour], cycles, target)
    by_lane_day: list[model.Figures] = []
    by_lane_hour: list[model.Figures] = []
    if rows:  # the CSV's tables only: a year's lane days are some 1,500 groups
        by_lane_day = stats.figures(
            [d.isoformat() for _ in cycles.lanes for d in days], cycles.lane * len(days) + cycles.day, cycles, target
        )
        by_lane_hour = stats.figures(
            [f"{h:02d}" for _ in cycles.lanes for h in range(24)], cycles.lane * 24 + cycles.hour, cycles, target
        )
    own = [budgets(config, lane, cls) for lane, cls in zip(cycles.lanes, classes, strict=True)]
    by_class = {cls: [i for i, c in enumerate(classes) if c == cls] for cls in sorted(set(classes))}
    staged = stats.stage_figures(
        cycles,
        [
            *((lane, [i], [own[i]]) for i, lane in enumerate(cycles.lanes)),
            *((f"SIM {cls}", members, [own[i] for i in members]) for cls, members in by_class.items()),
        ],
    )
    return Report(
        site=config.site.name,
        period=period,
        lanes=lanes,
        target_s=target,
        generated=now.astimezone(period.tz).strftime("%Y-%m-%d %H:%M"),
        personal=personal,
        total=stats.figures(["site"], np.zeros_like(cycles.lane), cycles, target)[0],
        by_lane=tuple(stats.figures(cycles.lanes, cycles.lane, cycles, target)),
        by_day=tuple(stats.figures([d.isoformat() for d in days], cycles.day, cycles, target)),
        by_month=tuple(stats.figures(months, month_of_day[cycles.day], cycles, target)),
        by_week=tuple(stats.figures(weeks, week_of_day[cycles.day], cycles, target)),
        by_daypart=tuple(f for f in by_part if f.key != "-" or f.total),
        dayparts=tuple((d.name, d.start, d.end) for d in parts),
        lane_days=tuple((cycles.lanes[i // len(days)], f) for i, f in enumerate(by_lane_day) if f.total),
        lane_hours=tuple((cycles.lanes[i // 24], f) for i, f in enumerate(by_lane_hour) if f.total),
        by_hour=tuple(stats.figures([f"{h:02d}" for h in hours], hour_key, cycles, target)),
        stages=tuple(f for group in staged[: len(cycles.lanes)] for f in group),
        stage_classes=tuple(f for group in staged[len(cycles.lanes) :] for f in group),
        histogram=stats.histogram(cycles, target),
        slowest=tuple(slow),
        fastest=tuple(fast),
        queue=tuple(merged.queue),
        test_cycles=merged.tests,
        held=held,
        cycles=listed,
        reasons=tuple(merged.reasons),
        faults=tuple(merged.faults),
        overrides=tuple(merged.overrides),
        manual_receipts=tuple(receipts),
        chains=chains,
    )


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _held(con: sqlite3.Connection, period: Period) -> tuple[str, str] | None:
    """The first and last day (site time) of the store's cycles; None when it has none."""
    first, last = con.execute("SELECT min(started_at), max(started_at) FROM cycles").fetchone()
    if first is None:
        return None
    return period.local(first).date().isoformat(), period.local(last).date().isoformat()


def _fixed_offset(period: Period) -> int | None:
    """The zone's UTC offset in seconds when it is the same all through the period (no DST change), else None."""
    offsets = {
        (datetime.combine(day, time(0), period.tz).utcoffset() or timedelta(0)).total_seconds()
        for day in [*period.days(), period.last + timedelta(days=1)]
    }
    return int(offsets.pop()) if len(offsets) == 1 else None


def _rows(
    con: sqlite3.Connection, period: Period, lanes: tuple[str, ...], tests: tuple[str, ...]
) -> list[model.CycleRow]:
    """Every cycle of the period (test vehicles left out, `lanes` only when given), in start order. Site times are
    made by SQLite when the zone's offset is fixed through the period (a year's rows in a fraction of a second),
    else one by one."""
    have = {r[1] for r in con.execute("PRAGMA table_info(cycles)")}
    queued_col, approach, match, wait = (
        c if c in have else "NULL" for c in ("queued_at", "queue_approach", "queue_match", "wait")
    )
    real, _ = blocks.test_filter(tests)
    start, end = period.utc_bounds()
    only = f" AND lane IN ({', '.join('?' for _ in lanes)})" if lanes else ""
    offset = _fixed_offset(period)
    if offset is not None:
        queued, started = (
            f"strftime('%Y-%m-%d %H:%M:%S', {c}, '{offset:+d} seconds')" for c in (queued_col, "started_at")
        )
    else:
        queued, started = queued_col, "started_at"
    cursor = con.execute(
        f"SELECT id, lane, coalesce(lane_class, ''), coalesce({queued}, ''), {started}, coalesce({approach}, ''), "
        f"coalesce({match}, ''), coalesce(outcome, 'open'), {wait}, duration, coalesce(plate, '') FROM cycles "
        f"WHERE started_at >= ? AND started_at < ? AND {real}{only} ORDER BY started_at, id",
        [start, end, *lanes],
    )
    if offset is not None:
        return list(map(model.CycleRow._make, cursor))  # CycleRow's order: no Python work a row
    local = functools.lru_cache(maxsize=4096)(lambda iso: period.local(iso).strftime("%Y-%m-%d %H:%M:%S"))
    return [r._replace(queued=local(r.queued) if r.queued else "", started=local(r.started)) for r in
            map(model.CycleRow._make, cursor)]  # fmt: skip


def _missing(period: Period, found: dict[date, blocks.Block]) -> list[Period]:
    """The runs of consecutive days of `period` that `found` lacks."""
    runs: list[Period] = []
    for day in period.days():
        if day in found:
            continue
        if runs and runs[-1].last == day - timedelta(days=1):
            runs[-1] = Period(runs[-1].first, day, period.zone)
        else:
            runs.append(Period(day, day, period.zone))
    return runs


def _known_lanes(con: sqlite3.Connection, config: SiteConfig) -> tuple[str, ...]:
    """Lanes whose device faults are looked up: the site file's, those that have had a cycle, and those the
    lane_state table knows (asked lane by lane, SQLite uses the index on device_events(lane, kind, id) instead of
    reading every device event: millions a year)."""
    known = {x.id for x in config.lanes} | {r[0] for r in con.execute("SELECT DISTINCT lane FROM cycles")}
    return tuple(sorted(known | {r[0] for r in con.execute("SELECT lane FROM lane_state")}))


def _lane_class(con: sqlite3.Connection, lane: str) -> str:
    row = con.execute("SELECT lane_class FROM cycles WHERE lane = ? LIMIT 1", [lane]).fetchone()
    return str(row[0]) if row else ""


def _pick(merged: blocks.Merged, n: int, longest: bool) -> list[int]:
    """Ids of the `n` longest ended cycles of any outcome by total time (`longest`), or of the `n` shortest
    completed renewals; ties: the first started."""
    c = merged.cycles
    outcome = c.outcome != OUTCOMES.index("open") if longest else c.outcome == OUTCOMES.index("completed")
    ended = np.flatnonzero(outcome)
    if n <= 0 or not len(ended):
        return []
    key = np.nan_to_num(c.total[ended], nan=-np.inf)
    key = -key if longest else key  # the n smallest of key
    if len(ended) > n:  # those at least as far as the n-th: ties at the cut are all still in
        keep = key <= np.partition(key, n - 1)[n - 1]
        ended, key = ended[keep], key[keep]
    order = ended[np.lexsort((merged.ids[ended], key))][:n]
    return [int(i) for i in merged.ids[order]]


def _read_cycles(con: sqlite3.Connection, period: Period, ids: list[int], personal: bool) -> list[model.SlowCycle]:
    """The cycles `ids`, in that order, with their stage timelines."""
    if not ids:
        return []
    have = {r[1] for r in con.execute("PRAGMA table_info(cycles)")}
    who = ", ".join(col if col in have else "NULL" for col in ("holder_name", "nik", "wait"))  # NULL: older stores
    marks = ", ".join("?" for _ in ids)
    found = {
        r[0]: r
        for r in con.execute(
            f"SELECT id, lane, started_at, duration, outcome, reason, plate, {who}, "
            f"retries FROM cycles WHERE id IN ({marks})",
            ids,
        )
    }
    rows = [found[i] for i in ids if i in found]
    events: defaultdict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for ev in con.execute(
        f"SELECT cycle_id, at, dest, trigger FROM events WHERE cycle_id IN ({marks}) ORDER BY id", ids
    ):
        events[ev[0]].append(ev)
    out = []
    for cid, lane, started, duration, outcome, reason, plate, holder, nik, wait, retries in rows:
        evs = events[cid]
        t0 = datetime.fromisoformat(started)
        steps = []
        for ev, nxt in itertools.pairwise(evs):
            begin, end = datetime.fromisoformat(ev[1]), datetime.fromisoformat(nxt[1])
            steps.append(model.Step(ev[2], (begin - t0).total_seconds(), (end - begin).total_seconds(), nxt[3]))
        out.append(
            model.SlowCycle(
                cid,
                lane,
                period.local(started).strftime("%Y-%m-%d %H:%M:%S"),
                float(duration or 0),
                outcome,
                reason or "",
                plate or "",
                (holder or "") if personal else model.mask_name(holder),
                (nik or "") if personal else model.mask_nik(nik),
                int(retries or 0),
                tuple(steps),
                None if wait is None else float(wait),
            )
        )
    return out
