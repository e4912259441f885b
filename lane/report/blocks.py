"""What a report needs of a store, one site-time day at a time ("blocks"), and the blocks of a period put together.

A `Block` is one day: its cycles as a matrix of numbers, one row for each of `COLUMNS` (id, lane code, local hour,
outcome code, duration, wait (NaN: no queue entry), the stage columns, time in fault) so that a column is contiguous
in memory, and its reject reasons, device faults, operator overrides, queue events and left-out test vehicles as
grouped counts, each with its lane, so that a `--lane` filter applies afterwards. The cycles of test vehicles
(plates in the site file's `report.test_plates`) are not in the matrix, only counted. `read` makes the blocks of a
run of days with a few grouped queries (inside the caller's read transaction); `lane.report.cache` keeps the blocks
of closed days (over, and no cycle still open) so that the next report reads them instead of the rows. `merge` puts
a period's blocks together: the cycle columns `stats` works on, and the reasons, faults and overrides summed.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

import numpy as np

from lane.report.model import (
    OUTCOMES,
    STAGES,
    FaultCount,
    OverrideCount,
    Period,
    QueueCount,
    ReasonCount,
    reason_group,
)
from lane.report.stats import Cycles, Floats

#: Rows of `Block.columns`; the stage columns follow "duration", then time in fault.
COLUMNS = ("id", "lane", "hour", "outcome", "duration", "wait", *STAGES, "fault")
WAIT = COLUMNS.index("wait")
FIRST_STAGE = WAIT + 1
CLOSED_AFTER = timedelta(hours=1)  # a day's block is kept once its end is this far in the past
CHUNK = 16384  # rows fetched at a time: a year's rows as Python objects would be ~60 MB
#: From this many days on, grouped queries read their table straight through rather than through the index on its
#: time column: when most rows are in the range, the index only adds a lookup a row (a read-only store has no
#: statistics to tell SQLite so). A unary plus on the column keeps SQLite off the index.
LONG_DAYS = 31
Reason = tuple[str, str, str, int]  # lane, outcome, reason, count
Fault = tuple[str, str, str, str, int, str]  # lane, device, kind ("fault" or the health), cause, count, last (UTC)
Override = tuple[str | None, str, str, str | None, int]  # lane, action, result, operator, count
Queued = tuple[str, str | None, str, int]  # approach, lane (assignments), kind, count
Tested = tuple[str, int]  # lane, cycles of test vehicles left out


@dataclass(frozen=True)
class Block:
    day: date  # site time
    closed: bool  # the day is over and none of its cycles is open: its block will not change
    lanes: tuple[str, ...]  # names of the lane codes in columns[1]
    columns: Floats  # len(COLUMNS) x cycles
    reasons: Sequence[Reason] = ()  # tuples when read, lists when decoded from the cache
    faults: Sequence[Fault] = ()
    overrides: Sequence[Override] = ()
    queue: Sequence[Queued] = ()
    tests: Sequence[Tested] = ()


def whole_hours(period: Period) -> int:
    """The prefix length of a UTC time that lies in one local hour: the hour (13) when the zone's offset is a whole
    number of hours all through the period, else the minute (16)."""
    return 13 if period.whole_hour_offsets() else 16


def test_filter(keys: Sequence[str]) -> tuple[str, str]:
    """SQL conditions on `cycles` (not a test vehicle, a test vehicle) for the test plates `keys`
    (lane.report.settings.plate_key); literals, not parameters, so that the queries keep their shapes."""
    if not keys:
        return "1", "0"
    listed = ", ".join("'" + k.replace("'", "''") + "'" for k in keys)
    test = f"coalesce(replace(upper(plate), ' ', ''), '') IN ({listed})"
    return f"NOT {test}", test


def read(
    con: sqlite3.Connection, days: Period, lanes: Sequence[str], now: datetime, tests: Sequence[str] = ()
) -> list[Block]:
    """The blocks of every day of `days` (inside a read transaction the caller holds). `lanes`: the lanes whose
    device faults are looked up (the index on device_events starts with the lane); `tests`: the test plates
    (plate_key), whose cycles are counted, not read."""
    width = whole_hours(days)
    local = _slot_clock(days.zone, width)
    start, end = days.utc_bounds()
    plus = "+" if (days.last - days.first).days >= LONG_DAYS else ""
    real, test = test_filter(tests)
    have = {r[1] for r in con.execute("PRAGMA table_info(cycles)")}
    wait = "wait" if "wait" in have else "NULL"  # a store before schema 10 has no queue
    names = [
        str(r[0])
        for r in con.execute(
            f"SELECT DISTINCT lane FROM cycles WHERE {plus}started_at >= ? AND {plus}started_at < ? AND {real} "
            "ORDER BY lane",
            [start, end],
        )
    ]
    lane_case = "CASE lane " + " ".join(f"WHEN ? THEN {i}" for i in range(len(names))) + " ELSE -1 END"
    outcome_case = "CASE outcome " + " ".join(f"WHEN '{o}' THEN {i}" for i, o in enumerate(OUTCOMES)) + " END"
    stage_cols = ", ".join(f"dur_{s}" for s in (*STAGES, "fault"))
    slots = con.execute(
        f"SELECT substr(started_at, 1, {width}), count(*) FROM cycles WHERE started_at >= ? AND "
        f"started_at < ? AND {real} GROUP BY 1 ORDER BY 1",
        [start, end],
    ).fetchall()
    cursor = con.execute(
        f"SELECT id, {lane_case if names else '-1'}, 0, {outcome_case}, duration, {wait}, {stage_cols} "
        f"FROM cycles WHERE started_at >= ? AND started_at < ? AND {real} ORDER BY started_at",
        [*names, start, end],
    )
    parts = [np.empty((0, len(COLUMNS)))]
    while chunk := cursor.fetchmany(CHUNK):
        parts.append(np.array(chunk, dtype=np.float64))  # NULL (no wait, still open) becomes NaN
    rows = np.concatenate(parts)
    if len(rows) != sum(n for _, n in slots):  # cannot happen inside one read transaction
        raise RuntimeError(f"cycles counted by hour ({sum(n for _, n in slots)}) and read ({len(rows)}) differ")
    when = [local(slot) for slot, _ in slots]
    rows[:, 2] = np.repeat(np.array([h for _, h in when], dtype=np.float64), [n for _, n in slots])
    rows[:, 3] = np.nan_to_num(rows[:, 3], nan=OUTCOMES.index("open"))
    row_day = np.repeat(np.array([(d - days.first).days for d, _ in when], dtype=np.int64), [n for _, n in slots])
    bounds = np.searchsorted(row_day, np.arange(len(days.days()) + 1))

    reasons: defaultdict[date, Counter[tuple[str, str, str]]] = defaultdict(Counter)
    for slot, lane, outcome, reason, n in con.execute(
        f"SELECT substr(started_at, 1, {width}), lane, outcome, coalesce(nullif(reason, ''), '(none)'), count(*) "
        f"FROM cycles WHERE {plus}started_at >= ? AND {plus}started_at < ? AND outcome IN ('rejected', 'aborted', "
        f"'abandoned') AND {real} GROUP BY 1, 2, 3, 4",
        [start, end],
    ):
        reasons[local(slot)[0]][lane, outcome, reason_group(reason)] += n
    faults: defaultdict[date, dict[tuple[str, str, str, str], tuple[int, str]]] = defaultdict(dict)
    if lanes:
        marks = ", ".join("?" for _ in lanes)
        for slot, lane, device, kind, health, cause, n, last in con.execute(
            f"SELECT substr(at, 1, {width}), lane, device, kind, health, cause, count(*), max(at) FROM (SELECT lane, "
            "device, kind, at, json_extract(detail, '$.health') AS health, json_extract(detail, CASE kind WHEN "
            "'fault' THEN '$.cause' ELSE '$.why' END) AS cause FROM device_events WHERE kind IN ('fault', 'health') "
            f"AND at >= ? AND at < ? AND lane IN ({marks})) WHERE kind = 'fault' OR health != 'ok' "
            "GROUP BY 1, 2, 3, 4, 5, 6",
            [start, end, *lanes],
        ):
            key = (lane, device, str(health) if kind == "health" else "fault", str(cause or ""))
            n0, last0 = faults[local(slot)[0]].get(key, (0, last))
            faults[local(slot)[0]][key] = (n0 + n, max(last0, last))
    overrides: defaultdict[date, Counter[tuple[str | None, str, str, str | None]]] = defaultdict(Counter)
    for slot, lane, action, result, operator, n in con.execute(
        f"SELECT substr(at, 1, {width}), lane, action, result, operator, count(*) FROM operator_actions WHERE "
        f"{plus}at >= ? AND {plus}at < ? AND action != 'confirm' GROUP BY 1, 2, 3, 4, 5",
        [start, end],
    ):
        overrides[local(slot)[0]][lane, action, result, operator] += n
    queue: defaultdict[date, Counter[tuple[str, str | None, str]]] = defaultdict(Counter)
    if con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'queue_events'").fetchone():
        for slot, approach, lane, kind, n in con.execute(
            f"SELECT substr(at, 1, {width}), coalesce(approach, ''), lane, kind, count(*) FROM queue_events "
            f"WHERE {plus}at >= ? AND {plus}at < ? GROUP BY 1, 2, 3, 4",
            [start, end],
        ):
            queue[local(slot)[0]][approach, lane, kind] += n
    tested: defaultdict[date, Counter[str]] = defaultdict(Counter)
    if tests:
        for slot, lane, n in con.execute(
            f"SELECT substr(started_at, 1, {width}), lane, count(*) FROM cycles WHERE started_at >= ? AND "
            f"started_at < ? AND {test} GROUP BY 1, 2",
            [start, end],
        ):
            tested[local(slot)[0]][lane] += n

    out = []
    for i, day in enumerate(days.days()):
        mine = np.ascontiguousarray(rows[bounds[i] : bounds[i + 1]].T)
        over = Period(day, day, days.zone).utc_bounds()[1] <= (now - CLOSED_AFTER).astimezone(UTC).isoformat()
        closed = over and not np.any(mine[3] == OUTCOMES.index("open"))
        out.append(
            Block(
                day,
                bool(closed),
                tuple(names),
                mine,
                tuple((*k, n) for k, n in reasons[day].items()),
                tuple((*k, n, last) for k, (n, last) in faults[day].items()),
                tuple((*k, n) for k, n in overrides[day].items()),
                tuple((*k, n) for k, n in queue[day].items()),
                tuple(tested[day].items()),
            )
        )
    return out


def _slot_clock(zone: str, width: int) -> Any:
    """A function from a UTC time prefix ("2026-03-02T01" or "...T01:30") to its site-time (date, hour)."""
    tz = Period(date.min, date.min, zone).tz

    @cache
    def local(slot: str) -> tuple[date, int]:
        here = datetime.fromisoformat(slot + (":00" if width == 13 else "") + ":00+00:00").astimezone(tz)
        return date(here.year, here.month, here.day), here.hour

    return local


@dataclass(frozen=True)
class Merged:
    cycles: Cycles
    ids: Floats  # each cycle's id, in the order of `cycles`
    reasons: list[ReasonCount]
    faults: list[FaultCount]
    overrides: list[OverrideCount]
    queue: list[QueueCount]
    tests: int  # cycles of test vehicles left out


def merge(blocks: Sequence[Block], period: Period, lanes: Sequence[str] = ()) -> Merged:
    """The period's blocks as one: cycles of the `lanes` (all when empty) with their days counted from
    period.first; reasons, faults and overrides summed over the days, in the report's order."""
    names = sorted({n for b in blocks for n in b.lanes})
    wanted = set(lanes)
    table = np.concatenate([np.empty((len(COLUMNS), 0)), *(b.columns for b in blocks)], axis=1)
    sizes = [b.columns.shape[1] for b in blocks]
    day = np.repeat(np.array([(b.day - period.first).days for b in blocks], dtype=np.int64), sizes)
    at = 0
    for b, size in zip(blocks, sizes, strict=True):  # lane codes to codes in `names` (blocks kept at other times)
        if b.lanes != tuple(names) and size:
            to_names = np.array([names.index(n) for n in b.lanes] + [-1], dtype=np.float64)
            table[1, at : at + size] = to_names[b.columns[1].astype(np.int64)]
        at += size
    if wanted:
        mine = np.isin(table[1], [names.index(n) for n in wanted if n in names])
        table, day = table[:, mine], day[mine]
    code = table[1].astype(np.int64) + 1  # 0: a lane not known to the block
    seen = np.bincount(code, minlength=len(names) + 1) > 0
    present = np.flatnonzero(seen) - 1
    cycles = Cycles(
        lanes=[names[i] if i >= 0 else "" for i in present],
        lane=(np.cumsum(seen) - 1)[code],
        day=day,
        hour=table[2].astype(np.int64),
        outcome=table[3].astype(np.int64),
        duration=table[4],
        wait=table[WAIT],
        stages=table[FIRST_STAGE:],
    )

    reasons: Counter[tuple[str, str]] = Counter()
    fault: dict[tuple[str, str, str, str], tuple[int, str]] = {}  # count, last
    override_n: Counter[tuple[str, str]] = Counter()
    override_who: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    override_where: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for b in blocks:  # a year holds some 15,000 of these: one plain loop each, the lane test only when asked
        for lane_name, outcome, reason, n in b.reasons:
            if not wanted or lane_name in wanted:
                reasons[outcome, reason] += n
        for lane_name, device, kind, cause, n, last in b.faults:
            if not wanted or lane_name in wanted:
                key = (lane_name, device, kind, cause)
                old = fault.get(key)
                fault[key] = (n, last) if old is None else (old[0] + n, max(old[1], last))
        for lane_or_none, action, result, operator, n in b.overrides:
            if not wanted or lane_or_none in wanted:
                override_n[action, result] += n
                if operator is not None:
                    override_who[action, result].add(operator)
                if lane_or_none is not None:
                    override_where[action, result].add(lane_or_none)
    queue: Counter[tuple[str, str]] = Counter()
    tests = 0
    for b in blocks:
        for approach, lane_or_none, kind, n in b.queue:
            if not wanted or lane_or_none in wanted or approach in wanted:
                queue[approach, kind] += n
        tests += sum(n for lane_name, n in b.tests if not wanted or lane_name in wanted)
    faults = sorted(fault.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return Merged(
        cycles,
        table[0],
        [ReasonCount(o, r, n) for (o, r), n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))],
        [FaultCount(*k, n, period.local(last).strftime("%Y-%m-%d %H:%M")) for k, (n, last) in faults],
        [
            OverrideCount(a, r, n, len(override_who[a, r]), ",".join(sorted(override_where[a, r])))
            for (a, r), n in sorted(override_n.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        [QueueCount(a, k, n) for (a, k), n in sorted(queue.items())],
        tests,
    )
