"""The queue-aware report against figures computed by hand on a log that spans two ISO weeks (`make_queue_log`):
total time (wait + service) against the goal, wait and service, dayparts, trends by day and week, lanes side by
side, fastest and slowest by total time, balking and reneging, a test vehicle left out, and the CSV's per-cycle,
lane-day and lane-hour tables in both languages.

Site time Asia/Jakarta (UTC+7); period Mon 2026-03-09 .. Sun 2026-03-22 (ISO weeks 11 and 12); target 10 min;
dayparts pagi 07-11, siang 11-14, sore 14-17; test plate "B 1 TES".
  id lane start (site)     outcome   service wait  total
   1 L1   03-09 08:00      completed 300     120   420   pagi
   2 L1   03-09 12:00      completed 400     300   700   siang
   3 L2   03-10 15:00      completed 360     -     360   sore (no queue entry: total = service)
   4 L2   03-10 18:00      completed 200     100   300   outside the dayparts
   5 L1   03-11 09:00      rejected  150     60    210
   6 L1   03-11 09:30      completed 100     0     (test vehicle "b 1 tes": left out)
   7 L1   03-16 10:00      completed 500     200   700   pagi
   8 L2   03-17 11:30      completed 450     30    480   siang
   9 L2   03-22 16:00      completed 250     50    300   sore
  10 L1   03-22 13:00      aborted   200     400   600
Completed totals sorted 300 300 360 420 480 700 700: median 420, p90 (i = 54: j 5, d 4) 700, under 10 min 5/7.
Waits 30 50 100 120 200 300: median 110, p90 (i = 45: j 4, d 5) 250. Service 200 250 300 360 400 450 500: median
360, p90 (450 * 6 + 500 * 4) / 10 = 470. Week 11: totals 300 360 420 700: median 390, p90 (i = 27) 616, 3/4;
week 12: 300 480 700: median 480, p90 (i = 18: j 1, d 8) 656, 2/3.
Queue events: balk at L1 (03-09 12:05) and at L2 (03-17 11:40), renege at L2 (03-10 15:10), a join per queued cycle.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from lane.config import SiteConfig, parse
from lane.report import cache, query, render_csv
from lane.report.model import Period, Report, Times
from lane.report.settings import ReportSettings, plate_key
from lane.store import Store

CONFIG: SiteConfig = parse(
    {
        "site": {"name": "Test Site", "office_code": "TEST-1", "timezone": "Asia/Jakarta", "target_minutes": 10.0},
        "lanes": [{"id": "L1", "class": "A"}, {"id": "L2", "class": "C"}],
        "report": {"test_plates": ["B 1 TES"]},
    }
)
PERIOD = Period(date(2026, 3, 9), date(2026, 3, 22), "Asia/Jakarta")
NOW = datetime(2026, 3, 24, tzinfo=UTC)  # every day of the period closed
# id, lane, site time start, outcome, service, wait, plate
CYCLES = [
    (1, "L1", "2026-03-09 08:00", "completed", 300.0, 120.0, "G 1 A"),
    (2, "L1", "2026-03-09 12:00", "completed", 400.0, 300.0, "G 2 A"),
    (3, "L2", "2026-03-10 15:00", "completed", 360.0, None, "G 3 A"),
    (4, "L2", "2026-03-10 18:00", "completed", 200.0, 100.0, "G 4 A"),
    (5, "L1", "2026-03-11 09:00", "rejected", 150.0, 60.0, "G 5 A"),
    (6, "L1", "2026-03-11 09:30", "completed", 100.0, 0.0, "b 1 tes"),
    (7, "L1", "2026-03-16 10:00", "completed", 500.0, 200.0, "G 7 A"),
    (8, "L2", "2026-03-17 11:30", "completed", 450.0, 30.0, "G 8 A"),
    (9, "L2", "2026-03-22 16:00", "completed", 250.0, 50.0, "G 9 A"),
    (10, "L1", "2026-03-22 13:00", "aborted", 200.0, 400.0, "G 10 A"),
]
EVENTS = [("2026-03-09 12:05", "L1", "balk"), ("2026-03-17 11:40", "L2", "balk"), ("2026-03-10 15:10", "L2", "renege")]


def utc(local: str, minus_s: float = 0.0) -> str:
    """A site time "YYYY-MM-DD HH:MM" (UTC+7) in the store's UTC format, `minus_s` seconds earlier."""
    at = datetime.fromisoformat(local).replace(tzinfo=UTC) - timedelta(hours=7, seconds=minus_s)
    return at.isoformat(timespec="milliseconds")


def make_queue_log(path: Path) -> Path:
    """The log above in a new store at `path` (kept if it is there already)."""
    if path.exists():
        return path
    store = Store(path, durable=False)
    con = store.db.conn
    for cid, lane, start, outcome, service, wait, plate in CYCLES:
        queued = None if wait is None else utc(start, wait)
        con.execute(
            "INSERT INTO cycles (id, lane, lane_class, plate, outcome, started_at, duration, queued_at, "
            "queue_approach, queue_match, wait) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [cid, lane, "A" if lane == "L1" else "C", plate, outcome, utc(start), service, queued,
             lane if queued else None, "order" if queued else "missed", wait],
        )  # fmt: skip
        if queued:
            con.execute(
                "INSERT INTO queue_events (at, mono, approach, kind, plate, lane, cycle_id, detail) "
                "VALUES (?, 0, ?, 'join', ?, NULL, NULL, '{}')",
                [queued, lane, plate],
            )
    for at, approach, kind in EVENTS:
        con.execute(
            "INSERT INTO queue_events (at, mono, approach, kind, plate, lane, cycle_id, detail) "
            "VALUES (?, 0, ?, ?, '', NULL, NULL, '{}')",
            [utc(at), approach, kind],
        )
    store.close()
    return path


def build(db: Path, lanes: tuple[str, ...] = (), config: SiteConfig = CONFIG, kept: Path | None = None) -> Report:
    con = query.connect(db)
    try:
        return query.build(con, config, PERIOD, lanes, slowest=3, now=NOW, cache=kept, rows=True)
    finally:
        con.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_queue_log(tmp_path / "queue.db")


def test_totals_with_wait_against_the_hand_computed_log(db: Path) -> None:
    r = build(db)
    t = r.total
    assert (t.total, t.completed, t.rejected, t.aborted, r.test_cycles) == (9, 7, 1, 1, 1)
    assert t.total_time == Times(7, 420.0, 700.0, 700.0, 5 / 7)
    assert t.wait_time == Times(6, 110.0, 250.0, 300.0, 1.0)
    assert (t.median_s, t.p90_s, t.max_s, t.under_target, t.unqueued) == (360.0, 470.0, 500.0, 1.0, 1)
    assert {i: n for i, n in enumerate(r.histogram.counts) if n} == {10: 2, 12: 1, 14: 1, 16: 1, 23: 2}  # totals


def test_lanes_side_by_side(db: Path) -> None:
    l1, l2 = build(db).by_lane
    assert (l1.key, l1.total_time.median_s, l1.wait_time.median_s, l1.median_s, l1.unqueued) == (
        "L1", 700.0, 200.0, 400.0, 0)  # fmt: skip
    assert (l2.key, l2.total_time.median_s, l2.wait_time.median_s, l2.median_s, l2.unqueued) == (
        "L2", 330.0, 50.0, 305.0, 1)  # fmt: skip


def test_dayparts_and_trends_over_two_weeks(db: Path) -> None:
    r = build(db)
    parts = {f.key: (f.completed, f.total_time.median_s, f.total_time.under_target) for f in r.by_daypart}
    assert parts == {"pagi": (2, 560.0, 0.5), "siang": (2, 590.0, 0.5), "sore": (2, 330.0, 1.0), "-": (1, 300.0, 1.0)}
    assert [(f.key, f.rejected, f.aborted) for f in r.by_daypart] == [
        ("pagi", 1, 0), ("siang", 0, 1), ("sore", 0, 0), ("-", 0, 0)]  # fmt: skip
    assert r.dayparts == (("pagi", 7, 11), ("siang", 11, 14), ("sore", 14, 17))
    w11, w12 = r.by_week
    assert (w11.key, w11.total_time, w11.rejected) == ("2026-W11", Times(4, 390.0, 616.0, 700.0, 0.75), 1)
    assert (w12.key, w12.total_time, w12.aborted) == ("2026-W12", Times(3, 480.0, 656.0, 700.0, 2 / 3), 1)
    days = {f.key: f.total_time.median_s for f in r.by_day if f.total}
    assert len(r.by_day) == 14
    assert days == {"2026-03-09": 560.0, "2026-03-10": 330.0, "2026-03-11": None, "2026-03-16": 700.0,
                    "2026-03-17": 480.0, "2026-03-22": 300.0}  # fmt: skip


def test_dayparts_come_from_the_site_file(db: Path) -> None:
    settings = {"test_plates": ["B 1 TES"], "dayparts": [{"name": "buka", "from": 8, "to": 17}]}
    config = CONFIG.model_copy(update={"report": ReportSettings.model_validate(settings)})
    assert [(f.key, f.completed) for f in build(db, config=config).by_daypart] == [("buka", 6), ("-", 1)]


def test_fastest_and_slowest_by_total_time(db: Path) -> None:
    r = build(db)
    assert [(c.id, c.total_s, c.wait_s) for c in r.slowest] == [
        (2, 700.0, 300.0),
        (7, 700.0, 200.0),
        (10, 600.0, 400.0),
    ]
    assert [(c.id, c.total_s) for c in r.fastest] == [(4, 300.0), (9, 300.0), (3, 360.0)]
    assert r.fastest[2].wait_s is None


def test_balking_reneging_and_the_lane_filter(db: Path) -> None:
    r = build(db)
    assert (r.queue_count("balk"), r.queue_count("renege"), r.queue_count("join")) == (
        2,
        1,
        9,
    )  # joins: every queued cycle
    one = build(db, ("L1",))
    assert (one.queue_count("balk"), one.queue_count("renege"), one.test_cycles) == (1, 0, 1)
    assert (one.total.completed, one.total.total_time.median_s) == (3, 700.0)


def test_lane_days_and_hours(db: Path) -> None:
    r = build(db)
    assert [(lane, f.key, f.total) for lane, f in r.lane_days] == [
        ("L1", "2026-03-09", 2), ("L1", "2026-03-11", 1), ("L1", "2026-03-16", 1), ("L1", "2026-03-22", 1),
        ("L2", "2026-03-10", 2), ("L2", "2026-03-17", 1), ("L2", "2026-03-22", 1)]  # fmt: skip
    assert [(lane, f.key) for lane, f in r.lane_hours] == [
        ("L1", "08"), ("L1", "09"), ("L1", "10"), ("L1", "12"), ("L1", "13"),
        ("L2", "11"), ("L2", "15"), ("L2", "16"), ("L2", "18")]  # fmt: skip


@pytest.mark.parametrize("lang", ["id", "en"])
def test_csv_cycle_rows_and_lane_tables(db: Path, tmp_path: Path, lang: str) -> None:
    path = tmp_path / f"r-{lang}.csv"
    render_csv.save(build(db), path, lang)
    text = path.read_text()
    assert ("tunggu_dtk" in text) == (lang == "id") and ("wait_s" in text) == (lang == "en")
    tables = render_csv.read(path)
    rows = tables["cycles"]
    assert [r["cycle"] for r in rows] == ["1", "2", "3", "4", "5", "7", "8", "10", "9"]  # start order, no test car
    first = rows[0]
    assert (first["queued"], first["started"], first["wait_s"], first["service_s"], first["total_s"]) == (
        "2026-03-09 07:58:00", "2026-03-09 08:00:00", "120.000", "300.000", "420.000")  # fmt: skip
    assert (rows[2]["queued"], rows[2]["match"], rows[2]["total_s"]) == ("", "missed", "360.000")
    days = [(r["lane"], r["day"], r["completed"], r["total_median_s"]) for r in tables["lane_days"]]
    assert days[0] == ("L1", "2026-03-09", "2", "560.000") and len(days) == 7
    hours = {(r["lane"], r["hour"]): r["cars"] for r in tables["lane_hours"]}
    assert hours[("L1", "09")] == "1" and hours[("L2", "18")] == "1"
    site = tables["figures"][0]
    assert (site["total_median_s"], site["total_under_target_share"], site["no_queue"]) == ("420.000", "0.7143", "1")
    assert {r["kind"]: r["count"] for r in tables["queue"] if r["approach"] == "L2"} == {
        "balk": "1", "renege": "1", "join": "3"}  # fmt: skip
    rules = tables["rules"][0]["text"]
    said = ("tanpa catatan antrean: 1;", "report.test_plates di berkas situs): 1 siklus") if lang == "id" else (
        "no queue entry: 1;", "report.test_plates): 1 cycles")  # fmt: skip
    assert all(part in rules for part in said), rules


def test_the_day_cache_keeps_the_new_figures(db: Path) -> None:
    kept = cache.path_for(db)
    rows = build(db)
    assert build(db, kept=kept) == rows  # fills the cache
    assert build(db, kept=kept) == rows  # reads it
    assert build(db, ("L2",), kept=kept) == build(db, ("L2",))
    fewer = CONFIG.model_copy(update={"report": CONFIG.report.model_copy(update={"test_plates": []})})
    assert build(db, config=fewer, kept=kept) == build(db, config=fewer), "another test-plate list: read again"
    assert build(db, config=fewer).test_cycles == 0 and build(db, config=fewer).total.completed == 8
    con = sqlite3.connect(db)
    with con:  # a late balk in a kept day
        con.execute(
            "INSERT INTO queue_events (at, mono, approach, kind, plate, lane, cycle_id, detail) "
            "VALUES (?, 0, 'L1', 'balk', '', NULL, NULL, '{}')",
            [utc("2026-03-12 10:00")],
        )
    con.close()
    assert build(db, kept=kept).queue_count("balk") == 3 == build(db).queue_count("balk")


def test_test_plates_are_matched_without_spaces_or_case() -> None:
    assert CONFIG.report.test_keys == ("B1TES",)
    assert plate_key(" b 1\ttes ") == "B1TES"


@pytest.mark.parametrize(
    ("zone", "first", "last"),
    [("Asia/Jakarta", "2026-03-09", "2026-03-22"), ("Europe/Berlin", "2026-03-09", "2026-03-22"),
     ("Europe/Berlin", "2026-03-23", "2026-03-31")],  # fixed offsets (SQLite shifts the times), then a DST change
)  # fmt: skip
def test_cycle_rows_in_site_time_with_and_without_a_fixed_offset(
    tmp_path: Path, zone: str, first: str, last: str
) -> None:
    db = make_queue_log(tmp_path / "queue.db")
    con = sqlite3.connect(db)
    with con:  # one more cycle after Berlin's change to summer time (01:00 UTC on 03-29)
        con.execute(
            "INSERT INTO cycles (lane, lane_class, outcome, started_at, duration, queued_at, wait) VALUES "
            "('L1', 'A', 'completed', '2026-03-30T08:00:00.000+00:00', 100.0, '2026-03-30T07:59:00.500+00:00', 59.5)"
        )
        stored = dict(con.execute("SELECT id, started_at FROM cycles").fetchall())
        queued = dict(con.execute("SELECT id, queued_at FROM cycles").fetchall())
    con.close()
    period = Period(date.fromisoformat(first), date.fromisoformat(last), zone)
    config = CONFIG.model_copy(update={"site": CONFIG.site.model_copy(update={"timezone": zone})})
    con = query.connect(db)
    rows = query.build(con, config, period, now=NOW + timedelta(days=30), rows=True).cycles
    con.close()
    assert rows
    for row in rows:
        assert row.started == period.local(stored[row.id]).strftime("%Y-%m-%d %H:%M:%S")
        assert row.queued == (period.local(queued[row.id]).strftime("%Y-%m-%d %H:%M:%S") if queued[row.id] else "")


def test_the_cycle_rows_hold_no_live_formula(db: Path, tmp_path: Path) -> None:
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE cycles SET plate = '=HYPERLINK(\"x\")', queue_match = '+cmd|x' WHERE id = 4")
    con.close()
    path = tmp_path / "r.csv"
    render_csv.save(build(db), path, "en")
    row = next(r for r in render_csv.read(path)["cycles"] if r["cycle"] == "4")
    assert (row["plate"], row["match"]) == ('\'=HYPERLINK("x")', "'+cmd|x")
