"""The figures of a supervisor report, read from the store.

One read-only connection (a `mode=ro` URI, `query_only`), one read transaction: every table is seen at the
same moment, and WAL lets the lanes go on committing meanwhile (a reader never blocks the writer). A cycle
belongs to the day and hour, in site time, of its start. The period is read a day at a time (`blocks`): the closed
days from the reports' cache when there is one (`cache`), the others from the store with a few grouped queries;
`stats` does the medians and percentiles with numpy over the period's cycles; the slowest cycles' rows and
timelines are then read by id.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
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
) -> Report:
    """Every figure of the report, in one read transaction. With `cache` (a file, `lane.report.cache`), the
    closed days it holds are read from it and the closed days it lacks are added to it."""
    target = config.site.target_minutes * 60
    now = now or datetime.now(UTC)
    kept = DayCache.open(cache) if cache is not None else None
    saved = False
    con.execute("BEGIN")
    try:
        found = kept.load(con, period.zone, period.first, period.last) if kept else {}
        runs = _missing(period, found)
        known = _known_lanes(con, config) if runs else ()
        made = [b for run in runs for b in blocks.read(con, run, known, now)]
        merged = blocks.merge(sorted([*found.values(), *made], key=lambda b: b.day), period, lanes)
        cycles = merged.cycles
        classes = [_lane_class(con, lane) for lane in cycles.lanes]
        slow = _slowest(con, period, merged, personal, slowest)
        receipts = manual.read(con, period, lanes)
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
        by_hour=tuple(stats.figures([f"{h:02d}" for h in hours], hour_key, cycles, target)),
        stages=tuple(f for group in staged[: len(cycles.lanes)] for f in group),
        stage_classes=tuple(f for group in staged[len(cycles.lanes) :] for f in group),
        histogram=stats.histogram(cycles, target),
        slowest=tuple(slow),
        reasons=tuple(merged.reasons),
        faults=tuple(merged.faults),
        overrides=tuple(merged.overrides),
        manual_receipts=tuple(receipts),
        chains=chains,
    )


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


def _slowest(
    con: sqlite3.Connection, period: Period, merged: blocks.Merged, personal: bool, n: int
) -> list[model.SlowCycle]:
    """The `n` longest ended cycles (ties: the first started), with their stage timelines."""
    c = merged.cycles
    ended = np.flatnonzero(c.outcome != OUTCOMES.index("open"))
    if n <= 0 or not len(ended):
        return []
    longest = np.nan_to_num(c.duration[ended], nan=-np.inf)
    if len(ended) > n:  # those at least as long as the n-th longest: ties at the cut are all still in
        keep = longest >= np.partition(longest, len(ended) - n)[len(ended) - n]
        ended, longest = ended[keep], longest[keep]
    order = ended[np.lexsort((merged.ids[ended], -longest))][:n]
    ids = [int(i) for i in merged.ids[order]]
    have = {r[1] for r in con.execute("PRAGMA table_info(cycles)")}
    who = ", ".join(col if col in have else "NULL" for col in ("holder_name", "nik"))  # NULL in a schema-1 store
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
    for cid, lane, started, duration, outcome, reason, plate, holder, nik, retries in rows:
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
            )
        )
    return out
