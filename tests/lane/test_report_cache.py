"""The reports' day cache (lane.report.cache): a report made with it is the report made from the rows, whether the
cache is empty, full or stale; it keeps closed days only; and a cache that cannot be used never stops a report."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lane.report import cache, query
from lane.report.model import Period, Report
from tests.lane.test_report import CONFIG, PERIOD, iso, make_log

NOW = datetime(2026, 3, 4, tzinfo=UTC)  # 03-02 is closed; 03-03 still has cycle 8 open


def build(db: Path, kept: Path | None, lanes: tuple[str, ...] = (), period: Period = PERIOD) -> Report:
    con = query.connect(db)
    try:
        return query.build(con, CONFIG, period, lanes, slowest=5, now=NOW, cache=kept)
    finally:
        con.close()


def kept_days(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [r[0] for r in con.execute("SELECT day FROM blocks ORDER BY day")]
    finally:
        con.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_log(tmp_path / "log.db")


def test_empty_then_full_cache_give_the_report_of_the_rows(db: Path) -> None:
    rows = build(db, None)
    kept = cache.path_for(db)
    assert build(db, kept) == rows  # made the cache
    assert kept_days(kept) == ["2026-03-02"], "03-03 has an open cycle; the days around are outside the period"
    assert build(db, kept) == rows  # read from it
    for lanes in (("L1",), ("L2",), ("L1", "L2")):
        assert build(db, kept, lanes) == build(db, None, lanes)


def test_a_longer_period_keeps_every_closed_day_even_empty_ones(db: Path) -> None:
    wide = Period(date(2026, 2, 27), date(2026, 3, 6), "Asia/Jakarta")
    kept = cache.path_for(db)
    rows = build(db, None, period=wide)
    assert build(db, kept, period=wide) == rows
    assert kept_days(kept) == ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"], "03-04 on: not over"
    assert build(db, kept, period=wide) == rows


def _add(db: Path, sql: str, values: list[object]) -> None:
    con = sqlite3.connect(db)
    with con:
        con.execute(sql, values)
    con.close()


@pytest.mark.parametrize("late", [
    ("INSERT INTO device_events (at, mono, lane, device, kind, detail) VALUES (?, 0, 'L2', 'L2.printer', 'fault', "
     "'{\"cause\": \"cover_open\"}')", "2026-03-02 03:00:00"),
    ("INSERT INTO operator_actions (at, mono, lane, operator, action, args, result, message) VALUES "
     "(?, 0, 'L1', 'op9', 'open_gate', '{}', 'ok', '')", "2026-03-02 04:00:00"),
    ("INSERT INTO cycles (lane, lane_class, outcome, started_at, duration) VALUES ('L1', 'A', 'completed', ?, 99.0)",
     "2026-03-02 05:00:00"),
])  # fmt: skip
def test_a_row_added_later_in_a_kept_day_is_counted(db: Path, late: tuple[str, str]) -> None:
    kept = cache.path_for(db)
    before = build(db, kept)
    _add(db, late[0], [iso(late[1])])
    after = build(db, kept)
    assert after == build(db, None)
    assert after != before


def test_a_replaced_store_drops_the_whole_cache(tmp_path: Path, db: Path) -> None:
    kept = cache.path_for(db)
    build(db, kept)
    other = make_log(tmp_path / "other" / "log.db")
    con = sqlite3.connect(other)
    with con:  # another history: the first cycle started a minute later, one cycle fewer
        con.execute("UPDATE cycles SET started_at = ? WHERE id = 1", [iso("2026-03-02 01:11:00")])
        con.execute("DELETE FROM cycles WHERE id = 2")
    con.close()
    assert build(other, kept) == build(other, None)


@pytest.mark.parametrize("junk", [b"", b"not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_broken_cache_file_is_made_again(db: Path, junk: bytes) -> None:
    kept = cache.path_for(db)
    kept.write_bytes(junk)
    assert build(db, kept) == build(db, None)
    assert kept_days(kept) == ["2026-03-02"]


def test_a_block_that_does_not_decode_is_read_from_the_store(db: Path) -> None:
    kept = cache.path_for(db)
    rows = build(db, kept)
    con = sqlite3.connect(kept)
    with con:
        con.execute("UPDATE blocks SET rows = x'0102'")
    con.close()
    assert build(db, kept) == rows


def test_no_cache_where_it_cannot_be_written(db: Path, tmp_path: Path) -> None:
    assert build(db, tmp_path / "no such folder" / "x.report-cache") == build(db, None)


def test_a_report_that_waits_too_long_for_the_cache_goes_on_without_it(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = cache.path_for(db)
    rows = build(db, kept)
    monkeypatch.setattr(cache, "WAIT_S", 0.05)
    holder = sqlite3.connect(kept, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another report holds the lock
    try:
        done: list[Report] = []
        worker = threading.Thread(target=lambda: done.append(build(db, kept)))
        worker.start()
        worker.join(30)
        assert done == [rows]
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_days_kept_before_a_lane_was_added(db: Path) -> None:
    """A kept day knows the lanes of its time; a lane added since (L0 sorts first) renumbers them all."""
    kept = cache.path_for(db)
    build(db, kept)
    _add(db, "INSERT INTO cycles (lane, lane_class, outcome, started_at, duration, dur_documents) VALUES "
         "('L0', 'A', 'completed', ?, 321.0, 60.0)", [iso("2026-03-03 02:00:00")])  # fmt: skip
    with_l0 = build(db, kept)
    assert with_l0 == build(db, None)
    assert [f.key for f in with_l0.by_lane] == ["L0", "L1", "L2"]
    assert build(db, kept, ("L2",)) == build(db, None, ("L2",))
