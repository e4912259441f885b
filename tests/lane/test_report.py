"""Report figures against values computed by hand on a small fixed log (`make_log`: ten cycles, two lanes, two
days in Asia/Jakarta, UTC+7, two of them just outside the period).

The log, site time (UTC + 7), period 2026-03-02 .. 2026-03-03, target 10 min, L1 (SIM A, documents budget 100 s)
and L2 (SIM C):
  #1  L1 03-02 08:10 completed 300   #5  L1 03-03 00:30 completed 600 (UTC 03-02 17:30; not under: strict)
  #2  L1 03-02 08:40 completed 420   #6  L1 03-03 10:00 aborted   500 (300 s in fault)
  #3  L2 03-02 09:05 completed 660   #7  L2 03-03 10:20 completed 240
  #4  L2 03-02 09:30 rejected  150   #8  L2 03-03 16:00 open
  #9  L1 03-01 23:59:59.999 and #10 L1 03-04 00:00: outside the period.
p90 is statistics.quantiles(n=10, method="inclusive")[-1]: for sorted x of n values, i = 9 (n - 1), j = i // 10,
d = i - 10 j, p90 = (x[j] (10 - d) + x[j + 1] d) / 10.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lane.config import SiteConfig, parse
from lane.report import model, query
from lane.report.model import Period, Report
from lane.store import STAGE_COLUMNS, Store

CONFIG: SiteConfig = parse(
    {
        "site": {"name": "Test Site", "office_code": "TEST-1", "timezone": "Asia/Jakarta", "target_minutes": 10.0},
        "lanes": [{"id": "L1", "class": "A", "budgets": {"documents": 100.0}}, {"id": "L2", "class": "C"}],
    }
)
PERIOD = Period(date(2026, 3, 2), date(2026, 3, 3), "Asia/Jakarta")
STAGE_ORDER = ("arrived", "plate", "documents", "payment", "photo", "printing", "handover", "exiting", "rejected")
NIK = "3325011203850007"


def iso(text: str) -> str:
    """UTC "YYYY-MM-DD HH:MM:SS[.fff]" in the store's format."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).isoformat(timespec="milliseconds")


# id, lane, class, UTC start, outcome, reason, duration, stage seconds (STAGE_ORDER), fault seconds
CYCLES: list[tuple[Any, ...]] = [
    (1, "L1", "A", "2026-03-02 01:10:00", "completed", None, 300.0, (20, 20, 110, 50, 40, 30, 15, 15, 0), 0),
    (2, "L1", "A", "2026-03-02 01:40:00", "completed", None, 420.0, (30, 30, 150, 60, 60, 40, 25, 25, 0), 0),
    (3, "L2", "C", "2026-03-02 02:05:00", "completed", None, 660.0, (20, 40, 200, 100, 100, 100, 50, 50, 0), 0),
    (4, "L2", "C", "2026-03-02 02:30:00", "rejected", "no health certificate", 150.0,
     (20, 20, 80, 0, 0, 0, 0, 0, 30), 0),
    (5, "L1", "A", "2026-03-02 17:30:00", "completed", None, 600.0, (30, 30, 200, 100, 100, 80, 30, 30, 0), 0),
    (6, "L1", "A", "2026-03-03 03:00:00", "aborted", "fault keeps coming back", 500.0,
     (20, 20, 60, 40, 30, 10, 0, 0, 20), 300),
    (7, "L2", "C", "2026-03-03 03:20:00", "completed", None, 240.0, (20, 20, 80, 40, 30, 20, 15, 15, 0), 0),
    (8, "L2", "C", "2026-03-03 09:00:00", "open", None, None, (20, 0, 0, 0, 0, 0, 0, 0, 0), 0),
    (9, "L1", "A", "2026-03-01 16:59:59.999", "completed", None, 100.0, (10, 10, 20, 20, 10, 10, 10, 10, 0), 0),
    (10, "L1", "A", "2026-03-03 17:00:00", "completed", None, 100.0, (10, 10, 20, 20, 10, 10, 10, 10, 0), 0),
]  # fmt: skip
# Cycle 6, step by step: (seconds after its start, source, dest, trigger)
CYCLE6 = [(0, "idle", "arrived", "vehicle_arrived"), (20, "arrived", "plate", "admitted"),
          (40, "plate", "documents", "plate_entered"), (100, "documents", "payment", "documents_ok"),
          (140, "payment", "photo", "paid"), (170, "photo", "printing", "photo_accepted"),
          (180, "printing", "fault", "fault"), (480, "fault", "rejected", "abort"),
          (500, "rejected", "idle", "vehicle_left")]  # fmt: skip
DEVICE_EVENTS = [  # UTC at, lane, device, kind, detail
    ("2026-03-03 03:03:00", "L1", "L1.printer", "health", '{"health": "degraded", "why": "card feeder empty"}'),
    ("2026-03-03 03:03:00", "L1", "L1.printer", "fault", '{"cause": "feeder_empty", "job": "L1-000006"}'),
    ("2026-03-03 03:09:00", "L1", "L1.printer", "health", '{"health": "ok", "why": "printed"}'),
    ("2026-03-02 02:00:00", "L2", "L2.entry_gate", "health", '{"health": "down", "why": "no open limit after 8 s"}'),
    ("2026-03-02 02:01:00", "L2", "L2.entry_gate", "gate", '{"position": "open"}'),
    ("2026-03-05 02:00:00", "L2", "L2.printer", "fault", '{"cause": "card_jam", "job": "L2-000011"}'),
]
ACTIONS = [  # UTC at, lane, operator, action, result
    ("2026-03-02 01:11:00", "L1", "op1", "enter_plate", "ok"), ("2026-03-02 01:12:00", "L1", "op1", "confirm", "ok"),
    ("2026-03-02 02:06:00", "L2", "op2", "enter_plate", "ok"), ("2026-03-02 02:07:00", "L2", "op2", "confirm", "ok"),
    ("2026-03-03 03:01:00", "L1", "op1", "retry", "ok"), ("2026-03-03 03:08:00", "L1", "op1", "abort", "ok"),
    ("2026-03-03 03:25:00", "L2", "op2", "resume", "refused"), ("2026-03-03 03:26:00", "L2", "op2", "confirm", "ok"),
    ("2026-03-05 01:00:00", "L1", "op1", "abort", "ok"),
]  # fmt: skip


def make_log(path: Path) -> Path:
    """The log above in a new store at `path` (kept if it is there already)."""
    if path.exists():
        return path
    store = Store(path, durable=False)
    con = store.db.conn
    stage_cols = [f"dur_{s}" for s in STAGE_ORDER]
    assert set(stage_cols) | {"dur_fault"} == set(STAGE_COLUMNS)
    for cid, lane, cls, start, outcome, reason, duration, stages, fault in CYCLES:
        holder, nik = ("Budi Santoso", NIK) if cid == 3 else (None, None)
        row = {"id": cid, "lane": lane, "lane_class": cls, "plate": f"G {cid} AB", "outcome": outcome,
               "reason": reason, "started_at": iso(start), "duration": duration, "holder_name": holder, "nik": nik,
               **dict(zip(stage_cols, map(float, stages), strict=True)), "dur_fault": float(fault)}  # fmt: skip
        con.execute(f"INSERT INTO cycles ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    for offset, source, dest, trigger in CYCLE6:
        when = datetime(2026, 3, 3, 3, 0, tzinfo=UTC) + timedelta(seconds=offset)
        con.execute(
            "INSERT INTO events (at, mono, lane, cycle_id, source, dest, trigger, actor, detail) VALUES "
            "(?, ?, 'L1', 6, ?, ?, ?, 'test', '{}')",
            [when.isoformat(timespec="milliseconds"), float(offset), source, dest, trigger],
        )
    for at, lane, device, kind, detail in DEVICE_EVENTS:
        con.execute(
            "INSERT INTO device_events (at, mono, lane, device, kind, detail) VALUES (?, 0, ?, ?, ?, ?)",
            [iso(at), lane, device, kind, detail],
        )
    for at, lane, operator, action, result in ACTIONS:
        con.execute(
            "INSERT INTO operator_actions (at, mono, lane, operator, action, args, result, message) "
            "VALUES (?, 0, ?, ?, ?, '{}', ?, '')",
            [iso(at), lane, operator, action, result],
        )
    store.close()
    return path


def report(tmp_path: Path, lanes: tuple[str, ...] = (), personal: bool = False, slowest: int = 3) -> Report:
    con = query.connect(make_log(tmp_path / "log.db"))
    try:
        return query.build(con, CONFIG, PERIOD, lanes, personal, slowest, now=datetime(2026, 3, 4, tzinfo=UTC))
    finally:
        con.close()


def svc(f: model.Figures) -> model.Figures:
    """The service figures of `f`, having checked that with no queue entry its total time is its service time
    (every completed renewal counted, none with a wait)."""
    service = model.Times(f.completed, f.median_s, f.p90_s, f.max_s, f.under_target)
    assert (f.total_time, f.wait_time, f.unqueued) == (service, model.Times(), f.completed)
    return dataclasses.replace(f, total_time=model.Times(), wait_time=model.Times(), unqueued=0)


def test_site_totals(tmp_path: Path) -> None:
    r = report(tmp_path)
    assert svc(r.total) == model.Figures(
        "site",
        completed=5,
        rejected=1,
        aborted=1,
        abandoned=0,
        open=1,
        median_s=420.0,
        p90_s=636.0,
        max_s=660.0,
        under_target=0.6,
    )
    assert r.target_s == 600.0 and r.site == "Test Site"


def test_by_lane(tmp_path: Path) -> None:
    l1, l2 = map(svc, report(tmp_path).by_lane)
    assert l1 == model.Figures("L1", 3, 0, 1, 0, 0, median_s=420.0, p90_s=564.0, max_s=600.0, under_target=2 / 3)
    assert l2 == model.Figures("L2", 2, 1, 0, 0, 1, median_s=450.0, p90_s=618.0, max_s=660.0, under_target=0.5)


def test_by_day_in_site_time(tmp_path: Path) -> None:
    d2, d3 = map(svc, report(tmp_path).by_day)
    assert d2 == model.Figures("2026-03-02", 3, 1, median_s=420.0, p90_s=612.0, max_s=660.0, under_target=2 / 3)
    # cycle 5 started on 03-02 in UTC but at 00:30 on 03-03 in Jakarta
    assert d3 == model.Figures("2026-03-03", 2, 0, 1, 0, 1, median_s=420.0, p90_s=564.0, max_s=600.0, under_target=0.5)
    r = report(tmp_path)
    assert r.by_month == (dataclasses.replace(r.total, key="2026-03"),)


def test_by_hour_of_day(tmp_path: Path) -> None:
    hours = {f.key: svc(f) for f in report(tmp_path).by_hour}
    assert list(hours) == ["00", "08", "09", "10", "16"]
    assert hours["00"] == model.Figures("00", 1, median_s=600.0, p90_s=600.0, max_s=600.0, under_target=0.0)
    assert hours["08"] == model.Figures("08", 2, median_s=360.0, p90_s=408.0, max_s=420.0, under_target=1.0)
    assert hours["09"] == model.Figures("09", 1, 1, median_s=660.0, p90_s=660.0, max_s=660.0, under_target=0.0)
    assert hours["10"] == model.Figures("10", 1, 0, 1, median_s=240.0, p90_s=240.0, max_s=240.0, under_target=1.0)
    assert hours["16"] == model.Figures("16", open=1)


def test_stage_medians_against_budgets(tmp_path: Path) -> None:
    r = report(tmp_path)
    s = {(x.group, x.stage): x for x in r.stages}
    assert s["L1", "documents"] == model.StageFigure("L1", "documents", 3, 150.0, 100.0)  # the site file's override
    assert s["L1", "documents"].over_budget
    assert s["L1", "arrived"] == model.StageFigure("L1", "arrived", 3, 30.0, 30.0)
    assert not s["L1", "arrived"].over_budget  # at the budget is not over it
    assert s["L1", "payment"].median_s == 60.0 and not s["L1", "payment"].over_budget
    assert s["L1", "rejected"] == model.StageFigure("L1", "rejected", 1, 20.0, 60.0)  # the aborted cycle's way out
    assert s["L1", "fault"] == model.StageFigure("L1", "fault", 1, 300.0, None)
    assert s["L2", "documents"] == model.StageFigure("L2", "documents", 2, 140.0, 120.0)
    assert s["L2", "photo"] == model.StageFigure("L2", "photo", 2, 65.0, 60.0)  # SIM C photo budget
    assert s["L2", "arrived"] == model.StageFigure("L2", "arrived", 2, 20.0, 20.0)
    assert s["L2", "rejected"] == model.StageFigure("L2", "rejected", 1, 30.0, 60.0)
    assert s["L2", "fault"] == model.StageFigure("L2", "fault", 0, None, None)
    by_class = {(x.group, x.stage): x for x in r.stage_classes}
    assert by_class["SIM A", "documents"] == model.StageFigure("SIM A", "documents", 3, 150.0, 100.0)
    assert by_class["SIM C", "photo"] == model.StageFigure("SIM C", "photo", 2, 65.0, 60.0)


def test_histogram_bins(tmp_path: Path) -> None:
    h = report(tmp_path).histogram
    assert h.bin_s == 30.0 and len(h.counts) == model.HISTOGRAM_BINS + 1
    assert {i: n for i, n in enumerate(h.counts) if n} == {8: 1, 10: 1, 14: 1, 20: 1, 22: 1}


def test_slowest_cycles_with_their_timelines(tmp_path: Path) -> None:
    slow = report(tmp_path).slowest
    assert [(c.id, c.duration_s, c.outcome) for c in slow] == [
        (3, 660.0, "completed"),
        (5, 600.0, "completed"),
        (6, 500.0, "aborted"),
    ]
    assert slow[1].started == "2026-03-03 00:30:00"  # site time
    six = slow[2]
    assert six.reason == "fault keeps coming back"
    assert [(s.stage, s.start_s, s.seconds, s.ended_by) for s in six.steps] == [
        ("arrived", 0, 20, "admitted"),
        ("plate", 20, 20, "plate_entered"),
        ("documents", 40, 60, "documents_ok"),
        ("payment", 100, 40, "paid"),
        ("photo", 140, 30, "photo_accepted"),
        ("printing", 170, 10, "fault"),
        ("fault", 180, 300, "abort"),
        ("rejected", 480, 20, "vehicle_left"),
    ]
    assert sum(s.seconds for s in six.steps) == six.duration_s


def test_names_and_niks_masked_unless_asked(tmp_path: Path) -> None:
    masked = report(tmp_path).slowest[0]
    assert (masked.holder, masked.nik) == ("B*** S***", "332501********07")
    shown = report(tmp_path, personal=True).slowest[0]
    assert (shown.holder, shown.nik) == ("Budi Santoso", NIK)


@pytest.mark.parametrize(
    ("name", "nik", "masked"),
    [
        ("Siti", "3374", ("S***", "****")),
        ("", None, ("", "")),
        ("  Ani  Rahayu Putri ", "1234567890", ("A*** R*** P***", "123456**90")),
    ],
)
def test_masking_rules(name: str, nik: str | None, masked: tuple[str, str]) -> None:
    assert (model.mask_name(name), model.mask_nik(nik)) == masked


def test_reasons_faults_and_overrides(tmp_path: Path) -> None:
    r = report(tmp_path)
    assert [(x.outcome, x.reason, x.count) for x in r.reasons] == [
        ("aborted", "fault keeps coming back", 1),
        ("rejected", "no health certificate", 1),
    ]
    assert [(f.lane, f.device, f.kind, f.cause, f.count, f.last) for f in r.faults] == [
        ("L1", "L1.printer", "degraded", "card feeder empty", 1, "2026-03-03 10:03"),
        ("L1", "L1.printer", "fault", "feeder_empty", 1, "2026-03-03 10:03"),
        ("L2", "L2.entry_gate", "down", "no open limit after 8 s", 1, "2026-03-02 09:00"),
    ]
    assert [(o.action, o.result, o.count, o.operators, o.lanes) for o in r.overrides] == [
        ("enter_plate", "ok", 2, 2, "L1,L2"),
        ("abort", "ok", 1, 1, "L1"),
        ("resume", "refused", 1, 1, "L2"),
        ("retry", "ok", 1, 1, "L1"),
    ]


def test_reasons_that_differ_only_by_a_date_are_one_row(tmp_path: Path) -> None:
    db = make_log(tmp_path / "log.db")
    con = sqlite3.connect(db)
    with con:
        for hour, expired in ((3, "16-01-2025"), (4, "03-12-2024"), (5, "2024-12-03")):
            con.execute(
                "INSERT INTO cycles (lane, lane_class, outcome, reason, started_at, duration) VALUES "
                "('L2', 'C', 'rejected', ?, ?, 60.0)",
                [f"SIM sudah habis berlaku {expired}; ajukan SIM baru di Satpas", iso(f"2026-03-02 0{hour}:00:00")],
            )
    con.close()
    r = report(tmp_path)
    assert [(x.outcome, x.reason, x.count) for x in r.reasons] == [
        ("rejected", "SIM sudah habis berlaku …; ajukan SIM baru di Satpas", 3),
        ("aborted", "fault keeps coming back", 1),
        ("rejected", "no health certificate", 1),
    ]


def test_lane_filter(tmp_path: Path) -> None:
    r = report(tmp_path, lanes=("L2",))
    assert svc(r.total) == model.Figures(
        "site", 2, 1, 0, 0, 1, median_s=450.0, p90_s=618.0, max_s=660.0, under_target=0.5
    )
    assert [f.key for f in r.by_lane] == ["L2"]
    assert {f.lane for f in r.faults} == {"L2"} and {o.lanes for o in r.overrides} == {"L2"}
    assert [c.id for c in r.slowest] == [3, 7, 4]


def test_default_period_is_the_last_seven_days_in_site_time() -> None:
    # 18:00 UTC on 2026-03-03 is already 01:00 on 03-04 in Jakarta
    p = Period.last_days("Asia/Jakarta", 7, datetime(2026, 3, 3, 18, 0, tzinfo=UTC))
    assert (p.first, p.last) == (date(2026, 2, 26), date(2026, 3, 4))
    assert p.utc_bounds() == ("2026-02-25T17:00:00.000+00:00", "2026-03-04T17:00:00.000+00:00")


@pytest.mark.parametrize(
    ("zone", "starts", "days", "hours"),
    [
        # UTC+5:30: a UTC hour spans two local hours, and two local days here
        (
            "Asia/Kolkata",
            ["2026-03-02 18:29:59", "2026-03-02 18:30:00"],
            {"2026-03-02": 1, "2026-03-03": 1},
            {"23": 1, "00": 1},
        ),
        # Berlin goes from UTC+1 to UTC+2 at 01:00 UTC on 2026-03-29: 01:59 local is followed by 03:00
        (
            "Europe/Berlin",
            ["2026-03-29 00:59:00", "2026-03-29 01:00:00", "2026-03-28 23:00:00"],
            {"2026-03-29": 3},
            {"00": 1, "01": 1, "03": 1},
        ),
    ],
)
def test_days_and_hours_in_other_time_zones(
    tmp_path: Path, zone: str, starts: list[str], days: dict[str, int], hours: dict[str, int]
) -> None:
    store = Store(tmp_path / "tz.db", durable=False)
    for i, start in enumerate(starts, 1):
        store.db.conn.execute(
            "INSERT INTO cycles (id, lane, lane_class, outcome, started_at, duration) VALUES "
            "(?, 'L1', 'A', 'completed', ?, 100.0)",
            [i, iso(start)],
        )
    store.close()
    config = CONFIG.model_copy(update={"site": CONFIG.site.model_copy(update={"timezone": zone})})
    first, last = sorted(days)[0], sorted(days)[-1]
    con = query.connect(tmp_path / "tz.db")
    r = query.build(con, config, Period(date.fromisoformat(first), date.fromisoformat(last), zone))
    con.close()
    assert {f.key: f.completed for f in r.by_day} == days
    assert {f.key: f.completed for f in r.by_hour} == hours
