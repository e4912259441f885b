"""The figures of a supervisor report, read from the store.

One read-only connection (a `mode=ro` URI, `query_only`), one read transaction: every table is seen at the
same moment, and WAL lets the lanes go on committing meanwhile (a reader never blocks the writer). A cycle
belongs to the day and hour, in site time, of its start. SQLite does what it can (the period and lane filter,
grouped reasons, faults and overrides, the slowest cycles); `stats` does the medians and percentiles with numpy,
from one query over the period's cycles.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from flows.renewal import make_flow
from flows.states import Stage
from lane.config import SiteConfig
from lane.report import model, stats
from lane.report.model import Period, Report
from lane.store import SCHEMA_VERSION

LONG_DAYS = 31


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


def _where(period: Period, lanes: tuple[str, ...], column: str, scan_long: bool = False) -> tuple[str, list[Any]]:
    """The period (and lane) condition on a time column. With `scan_long`, a period longer than LONG_DAYS reads
    the table straight through rather than through an index on the time column: when most rows are in the
    period, an index only adds a lookup per row (SQLite has no statistics to know it in a read-only store)."""
    start, end = period.utc_bounds()
    if scan_long and (period.last - period.first).days >= LONG_DAYS:
        column = f"+{column}"  # the unary plus keeps SQLite from using an index on the column
    sql = f"{column} >= ? AND {column} < ?"
    if lanes:
        sql += f" AND lane IN ({', '.join('?' for _ in lanes)})"
    return sql, [start, end, *lanes]


def budgets(config: SiteConfig, lane: str, lane_class: str) -> dict[str, float]:
    """A lane's soft budgets: from the site file; a lane it does not list (`lane simulate --lanes 4` makes L3,
    L4) takes those of the first listed lane of its class, else the class defaults."""
    listed = next((x for x in config.lanes if x.id == lane), None)
    listed = listed or next((x for x in config.lanes if x.lane_class.value == lane_class), None)
    flow = config.flow(listed) if listed else make_flow(lane_class)
    return {s.value: b.soft for s, b in flow.budgets.items() if s is not Stage.FAULT}


def build(con: sqlite3.Connection, config: SiteConfig, period: Period, lanes: tuple[str, ...] = (),
          personal: bool = False, slowest: int = 10, now: datetime | None = None) -> Report:  # fmt: skip
    """Every figure of the report, in one read transaction."""
    target = config.site.target_minutes * 60
    con.execute("BEGIN")
    try:
        where, params = _where(period, lanes, "started_at")
        width = 13 if period.whole_hour_offsets() else 16  # a UTC hour (or minute) lies in one local hour
        cycles = stats.Cycles.read(con, where, params, period, width)
        classes = [_lane_class(con, lane) for lane in cycles.lanes]
        slow = _slowest(con, period, lanes, personal, slowest)
        scan, params = _where(period, lanes, "started_at", scan_long=True)
        reasons = [model.ReasonCount(*r) for r in con.execute(
            f"SELECT outcome, coalesce(nullif(reason, ''), '(none)'), count(*) FROM cycles WHERE {scan} AND "
            "outcome IN ('rejected', 'aborted', 'abandoned') GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2", params)]  # fmt: skip
        faults = _faults(con, config, period, lanes)
        overrides = _overrides(con, period, lanes)
    finally:
        con.execute("COMMIT")
    days = period.days()
    months = sorted({d.strftime("%Y-%m") for d in days})
    month_of_day = np.array([months.index(d.strftime("%Y-%m")) for d in days], dtype=np.int64)
    hours = sorted(set(cycles.hour.tolist()))
    hour_key = np.searchsorted(np.array(hours, dtype=np.int64), cycles.hour)
    own = [budgets(config, lane, cls) for lane, cls in zip(cycles.lanes, classes, strict=True)]
    by_class = {cls: [i for i, c in enumerate(classes) if c == cls] for cls in sorted(set(classes))}
    return Report(
        site=config.site.name, period=period, lanes=lanes, target_s=target,
        generated=(now or datetime.now(UTC)).astimezone(period.tz).strftime("%Y-%m-%d %H:%M"), personal=personal,
        total=stats.figures(["site"], np.zeros_like(cycles.lane), cycles, target)[0],
        by_lane=tuple(stats.figures(cycles.lanes, cycles.lane, cycles, target)),
        by_day=tuple(stats.figures([d.isoformat() for d in days], cycles.day, cycles, target)),
        by_month=tuple(stats.figures(months, month_of_day[cycles.day], cycles, target)),
        by_hour=tuple(stats.figures([f"{h:02d}" for h in hours], hour_key, cycles, target)),
        stages=tuple(f for i, lane in enumerate(cycles.lanes)
                     for f in stats.stage_figures(lane, cycles, [i], [own[i]])),
        stage_classes=tuple(f for cls, members in by_class.items()
                            for f in stats.stage_figures(f"SIM {cls}", cycles, members, [own[i] for i in members])),
        histogram=stats.histogram(cycles, target), slowest=tuple(slow), reasons=tuple(reasons),
        faults=tuple(faults), overrides=tuple(overrides),
    )  # fmt: skip


def _lane_class(con: sqlite3.Connection, lane: str) -> str:
    row = con.execute("SELECT lane_class FROM cycles WHERE lane = ? LIMIT 1", [lane]).fetchone()
    return str(row[0]) if row else ""


def _slowest(con: sqlite3.Connection, period: Period, lanes: tuple[str, ...], personal: bool,
             n: int) -> list[model.SlowCycle]:  # fmt: skip
    if n <= 0:
        return []
    where, params = _where(period, lanes, "started_at", scan_long=True)
    have = {r[1] for r in con.execute("PRAGMA table_info(cycles)")}
    who = ", ".join(c if c in have else "NULL" for c in ("holder_name", "nik"))  # NULL in a schema-1 store
    rows = con.execute(f"SELECT id, lane, started_at, duration, outcome, reason, plate, {who}, retries FROM cycles "
                       f"WHERE {where} AND outcome != 'open' ORDER BY duration DESC, id LIMIT ?",
                       [*params, n]).fetchall()  # fmt: skip
    events: defaultdict[int, list[tuple[Any, ...]]] = defaultdict(list)
    if rows:
        marks = ", ".join("?" for _ in rows)
        for ev in con.execute(f"SELECT cycle_id, at, dest, trigger FROM events WHERE cycle_id IN ({marks}) ORDER BY id",
                              [r[0] for r in rows]):  # fmt: skip
            events[ev[0]].append(ev)
    out = []
    for cid, lane, started, duration, outcome, reason, plate, holder, nik, retries in rows:
        evs = events[cid]
        t0 = datetime.fromisoformat(started)
        steps = []
        for ev, nxt in itertools.pairwise(evs):
            begin, end = datetime.fromisoformat(ev[1]), datetime.fromisoformat(nxt[1])
            steps.append(model.Step(ev[2], (begin - t0).total_seconds(), (end - begin).total_seconds(), nxt[3]))
        out.append(model.SlowCycle(
            cid, lane, period.local(started).strftime("%Y-%m-%d %H:%M:%S"), float(duration or 0), outcome,
            reason or "", plate or "", (holder or "") if personal else model.mask_name(holder),
            (nik or "") if personal else model.mask_nik(nik), int(retries or 0), tuple(steps),
        ))  # fmt: skip
    return out


def _faults(con: sqlite3.Connection, config: SiteConfig, period: Period,
            lanes: tuple[str, ...]) -> list[model.FaultCount]:  # fmt: skip
    """Device faults with their cause, and health changes to degraded or down with why (SQLite's JSON functions
    read the detail column). Asked lane by lane, which lets SQLite use the index on device_events(lane, kind, id)
    instead of reading every device event (millions a year): the lanes are the site file's, those that have
    had a cycle, and those the lane_state table knows."""
    if not lanes:
        known = {x.id for x in config.lanes} | {r[0] for r in con.execute("SELECT DISTINCT lane FROM cycles")}
        lanes = tuple(sorted(known | {r[0] for r in con.execute("SELECT lane FROM lane_state")}))
    where, params = _where(period, lanes, "at")
    sql = (f"SELECT lane, device, kind, health, cause, count(*), max(at) FROM (SELECT lane, device, kind, at, "
           "json_extract(detail, '$.health') AS health, json_extract(detail, CASE kind WHEN 'fault' THEN '$.cause' "
           f"ELSE '$.why' END) AS cause FROM device_events WHERE kind IN ('fault', 'health') AND {where}) "
           "WHERE kind = 'fault' OR health != 'ok' GROUP BY 1, 2, 3, 4, 5")  # fmt: skip
    rows = [(lane, device, str(health) if kind == "health" else "fault", str(cause or ""), n, last)
            for lane, device, kind, health, cause, n, last in con.execute(sql, params)]  # fmt: skip
    rows.sort(key=lambda r: (-r[4], r[:4]))
    return [model.FaultCount(*r[:5], period.local(r[5]).strftime("%Y-%m-%d %H:%M")) for r in rows]


def _overrides(con: sqlite3.Connection, period: Period, lanes: tuple[str, ...]) -> list[model.OverrideCount]:
    where, params = _where(period, lanes, "at", scan_long=True)
    sql = (f"SELECT action, result, count(*), count(DISTINCT operator), group_concat(DISTINCT lane) FROM "
           f"operator_actions WHERE action != 'confirm' AND {where} GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2")  # fmt: skip
    return [model.OverrideCount(a, r, n, ops, ",".join(sorted((ln or "").split(",")))) for a, r, n, ops, ln in
            con.execute(sql, params)]  # fmt: skip
