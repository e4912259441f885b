"""The run summary of `lane demo` and `lane simulate` (lane.summary): total time first, then the wait and the
service, and how many renewals had no queue entry, on a hand-made log.

Completed renewals (service, wait): (300, 120), (400, 250), (500, None), (200, 30); one rejected (100, 60).
Totals: 420, 650, 500 (no queue entry: service alone), 230 -> median (420 + 500) / 2 = 460, p90 over sorted
230, 420, 500, 650: i = 9 * 3 = 27, j = 2, d = 7 -> (500 * 3 + 650 * 7) / 10 = 605; under 600: 3 of 4.
Waits (with a queue entry): 30, 120, 250 -> median 120, p90 i = 18, j = 1, d = 8 -> (120 * 2 + 250 * 8) / 10 = 224.
Service: 200, 300, 400, 500 -> median 350, p90 i = 27 -> (400 * 3 + 500 * 7) / 10 = 470, all under 600.
"""

from __future__ import annotations

from pathlib import Path

from lane.store import Store
from lane.summary import summarise

CYCLES = [("completed", 300.0, 120.0), ("completed", 400.0, 250.0), ("completed", 500.0, None),
          ("completed", 200.0, 30.0), ("rejected", 100.0, 60.0)]  # fmt: skip


def test_total_time_comes_first_and_unqueued_renewals_are_said(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db", durable=False)
    for i, (outcome, duration, wait) in enumerate(CYCLES, 1):
        store.db.conn.execute(
            "INSERT INTO cycles (id, lane, lane_class, outcome, started_at, duration, wait) VALUES "
            "(?, 'L1', 'A', ?, '2026-03-02T01:00:00.000+00:00', ?, ?)",
            [i, outcome, duration, wait],
        )
    s = summarise(store.db, 600.0, "s.db")
    store.close()
    assert (s.total_median_s, s.total_p90_s, s.total_under_target) == (460.0, 605.0, 0.75)
    assert (s.wait_median_s, s.wait_p90_s, s.unqueued) == (120.0, 224.0, 1)
    assert (s.median_s, s.p90_s, s.under_target) == (350.0, 470.0, 1.0)
    assert s.lines() == [
        "renewals completed: 4   rejected: 1   aborted: 0",
        "total time (queue to exit): median 7:40.0   p90 10:05.0   under 10 min: 75%",
        "wait (queue to lane): median 2:00.0   p90 3:44.0   1 with no queue entry: counted with their service time "
        "as total",
        "service (lane entry to exit): median 5:50.0   p90 7:50.0   under 10 min: 100%",
        "database: s.db",
    ]


def test_a_run_with_no_queue_entries_says_so(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db", durable=False)
    store.db.conn.execute(
        "INSERT INTO cycles (lane, lane_class, outcome, started_at, duration) VALUES "
        "('L1', 'A', 'completed', '2026-03-02T01:00:00.000+00:00', 610.0)"
    )
    lines = summarise(store.db, 600.0, "s.db").lines()
    store.close()
    assert lines[1] == "total time (queue to exit): median 10:10.0   p90 10:10.0   under 10 min: 0%"
    assert lines[2] == "wait (queue to lane): median -   p90 -   no queue entry recorded: total = service"
