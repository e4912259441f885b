"""The console's queue panel (lane/console/queue_panel.py): queue length and the oldest wait of each approach,
read from the store while the controller's queue keeper writes it."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lane.console.queue_panel import QueuePanel, describe, queue_rows
from lane.queue import QueueKeeper
from lane.queue_config import Queues
from tests.lane.test_console import Harness, run


def test_the_panel_shows_each_queue_and_its_oldest_wait(tmp_path: Path) -> None:
    async def scenario(h: Harness) -> None:
        keeper = QueueKeeper(h.site.lanes, h.site.store, h.site.clock, Queues(double_window=0.0))
        await keeper.start()
        for _ in range(2):
            h.world.queue_loop.set(True)
            await asyncio.sleep(0.05)
            h.world.queue_loop.set(False)
        keeper.balk("L1", "G 9 X")
        panel = h.app.query_one(QueuePanel)
        shown = "L1: 2 waiting, oldest 0:0"
        await h.until(lambda: shown in panel.shown and "(balked 1, reneged 0)" in panel.shown, "the queue shown")
        assert "L2: " not in panel.shown
        await keeper.stop()

    run(tmp_path, scenario)


def test_rows_leave_out_drivers_served_or_gone_and_stale_joins(tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / "q.db")
    con.execute("create table queue_events (id integer primary key, at, approach, kind, cycle_id, detail)")
    now = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)

    def at(minutes: float) -> str:
        return (now - timedelta(minutes=minutes)).isoformat(timespec="milliseconds")

    rows = [
        (at(30), "A", "join", 7, ""),  # served by cycle 7
        (at(20), "A", "join", None, "left"),  # reneged
        (at(20), "A", "renege", None, "seen leaving"),
        (at(12.5), "A", "join", None, ""),
        (at(3), "A", "join", None, ""),
        (at(2), "C", "balk", None, "queue of 12"),
        (at(13 * 60), "C", "join", None, ""),  # from before a restart, half a day ago
    ]
    con.executemany("insert into queue_events (at, approach, kind, cycle_id, detail) values (?, ?, ?, ?, ?)", rows)
    got = queue_rows(con, now)
    assert [(r.approach, r.waiting, round(r.oldest_s), r.balked, r.reneged) for r in got] == [
        ("A", 2, 750, 0, 1),
        ("C", 0, 0, 1, 0),
    ]
    assert (
        describe(got)
        == "Antrean / queue: A: 2 waiting, oldest 12:30 (balked 0, reneged 1)   C: 0 waiting (balked 1, reneged 0)"
    )
