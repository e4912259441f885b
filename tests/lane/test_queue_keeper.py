"""The queue keeper on a lane (lane/queue.py): what the queue loop tells is written to `queue_events`, each cycle
gets its queue entry and wait when its vehicle enters the lane, and what the loop got wrong is flagged in the cycle
and in the events, never guessed."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from devices.virtual import Vehicle, VirtualLoop
from flows.states import Stage
from lane.queue import QueueKeeper
from lane.queue_config import Queues
from lane.store import Store
from tests.conftest import Rig


async def keeper(rig: Rig, **queues: Any) -> QueueKeeper:
    k = QueueKeeper({"L1": rig.lane}, rig.store, rig.clock, Queues(**queues))
    await k.start()
    return k


async def pulse(rig: Rig, seconds: float = 0.5) -> None:
    rig.world.queue_loop.set(True)
    await rig.clock.sleep(seconds)
    rig.world.queue_loop.set(False)


def test_a_double_count_is_flagged_and_the_cycle_gets_the_first_entry(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[list[dict[str, Any]], dict[str, Any], int, float]:
        k = await keeper(rig)
        await pulse(rig, 0.3)
        await rig.clock.sleep(0.3)
        await pulse(rig, 0.3)  # the loop saw the same car twice
        length = k.length("L1")
        await rig.clock.sleep(120.0)
        oldest = k.oldest("L1")
        await rig.drive_to(Stage.PLATE)
        events = rig.rows("select kind, approach, cycle_id, detail from queue_events order by id")
        return events, rig.store.cycle(rig.lane.cycle_id or 0), length, oldest

    events, cycle, length, oldest = rig_factory(scenario)
    assert length == 1 and oldest >= 120.0
    assert [(e["kind"], e["approach"]) for e in events] == [("join", "L1"), ("double", "L1")]
    assert "after the last detection" in events[1]["detail"]
    assert events[0]["cycle_id"] == cycle["id"], "the join row says which cycle it ended in"
    assert cycle["queue_match"] == "order" and cycle["queue_approach"] == "L1"
    assert cycle["wait"] == round(cycle["started_mono"] - cycle["queued_mono"], 3) and cycle["wait"] > 120.0
    assert cycle["queued_at"] < cycle["started_at"]


def test_a_vehicle_the_loop_missed_is_flagged_missed(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        await keeper(rig)
        await rig.drive_to(Stage.ARRIVED)  # nobody was seen joining the queue
        return rig.rows("select kind, lane, cycle_id from queue_events"), rig.store.cycle(rig.lane.cycle_id or 0)

    events, cycle = rig_factory(scenario)
    assert events == [{"kind": "miss", "lane": "L1", "cycle_id": cycle["id"]}]
    assert cycle["queue_match"] == "missed" and cycle["wait"] is None and cycle["queued_at"] is None


def test_a_full_queue_raises_one_alert(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> list[dict[str, Any]]:
        await keeper(rig, capacity=2)
        for _ in range(4):
            await pulse(rig)
            await rig.clock.sleep(5.0)
        return rig.rows("select code, text from notices where kind = 'alert'")

    alerts = rig_factory(scenario)
    assert alerts == [{"code": "queue_full", "text": "queue L1 full: 2 vehicles (capacity 2)"}]


def test_a_database_of_schema_9_still_opens_and_takes_queue_figures(tmp_path: Path) -> None:
    import sqlite_utils

    from lane.store import MIGRATIONS

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    for migration in MIGRATIONS[:9]:
        migration(db)
    db.execute("PRAGMA user_version=9")
    db.execute(
        "insert into cycles (lane, lane_class, started_at, outcome) values ('L1', 'A', '2026-01-05', 'completed')"
    )
    db.conn.commit()
    db.conn.close()
    store = Store(path, durable=False)
    try:
        store.queue_record(1, {"queue_match": "missed"}, [{"approach": "L1", "kind": "miss", "cycle_id": 1}], [])
        row = store.cycle(1)
    finally:
        store.close()
    con = sqlite3.connect(path)
    assert con.execute("pragma user_version").fetchone()[0] == len(MIGRATIONS)
    assert row["outcome"] == "completed" and row["queue_match"] == "missed" and row["wait"] is None
    assert con.execute("select kind, cycle_id from queue_events").fetchall() == [("miss", 1)]
    con.close()


class PolledLoop(VirtualLoop):
    """A loop read by polling, as the I/O module's: a short pass can be missed by the poll, never by the counter."""

    edges_exact = False

    def missed_pass(self) -> None:
        self.count += 1  # the module counted it between two polls


def test_a_polled_loop_joins_by_its_counter_and_flags_a_pass_no_edge_told(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        loop = PolledLoop("L1.queue_loop", rig.clock)
        loop.count = 41  # what the module counted before the controller started
        rig.lane.devices.queue_loop = loop
        k = await keeper(rig, counter_poll=2.0)
        loop.set(True)  # seen: joins at once, read from the counter
        loop.set(False)
        await rig.clock.sleep(10.5)
        loop.missed_pass()  # not seen: the next counter reading joins it
        await rig.clock.sleep(0.4)
        assert k.length("L1") == 1
        await rig.clock.sleep(2.0)
        assert k.length("L1") == 2
        loop.missed_pass()  # the vehicle reaches the lane before the next reading: the lane reads it first
        await rig.drive_to(Stage.ARRIVED)
        await rig.clock.sleep(0.1)
        events = rig.rows("select kind, detail, mono from queue_events order by id")
        return events, rig.store.cycle(rig.lane.cycle_id or 0)

    events, cycle = rig_factory(scenario)
    assert [(e["kind"], e["detail"]) for e in events] == [
        ("join", ""),
        ("join", "counted, not seen"),
        ("join", "counted, not seen"),
    ]
    assert cycle["queue_match"] == "order" and cycle["queued_mono"] == events[0]["mono"]


def test_the_approach_camera_plate_shows_a_driver_who_left_the_queue(rig_factory: Any) -> None:
    """detector = "both": the loop counts, the approach camera reads each plate (the real reader, on the lane's
    plate thread). The lane then reads the second car's plate: the first car left the queue, and is flagged."""
    from plates import lane_reader

    async def scenario(rig: Rig) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        await keeper(rig, detector="both")
        for plate in ("H 77 X", "G 1234 AB"):
            rig.world.queue_vehicle = Vehicle(plate)
            await pulse(rig, 1.0)
            await rig.clock.sleep(30.0)
        await rig.drive_to(Stage.ARRIVED)  # G 1234 AB, the rig's vehicle; H 77 X drove away unseen
        rig.world.vehicle = None
        rig.driving = asyncio.ensure_future(rig.world.drive_in(rig.vehicle))
        await rig.until(lambda: rig.lane.stage is Stage.DOCUMENTS)
        events = rig.rows("select kind, plate, cycle_id, detail, mono from queue_events order by id")
        return events, rig.store.cycle(rig.lane.cycle_id or 0)

    events, cycle = rig_factory(scenario, reader=lane_reader.lane_reader())
    assert [(e["kind"], e["plate"]) for e in events] == [
        ("join", "H 77 X"),
        ("join", "G 1234 AB"),
        ("renege", "H 77 X"),
    ]
    assert events[0]["detail"] == "left" and events[1]["cycle_id"] == cycle["id"] == events[2]["cycle_id"]
    assert cycle["plate"] == "G 1234 AB" and cycle["queue_match"] == "plate,renege"
    assert cycle["queued_mono"] == events[1]["mono"] and cycle["wait"] == round(
        cycle["started_mono"] - events[1]["mono"], 3
    )


def test_after_a_restart_the_queue_is_taken_up_from_the_store(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[int, list[dict[str, Any]], dict[str, Any]]:
        first = await keeper(rig)
        for _ in range(3):
            await pulse(rig)
            await rig.clock.sleep(20.0)
        first.leave("L1", joined=first.approaches["L1"].waiting[1].mono)  # the second driver leaves
        await first.stop()
        rig.lane.listeners.clear()  # the controller is gone; a new one starts on the same store
        await rig.clock.sleep(100.0)
        second = await keeper(rig)
        length = second.length("L1")
        await rig.drive_to(Stage.ARRIVED)
        return (
            length,
            rig.rows("select id, cycle_id, detail, mono from queue_events where kind = 'join'"),
            (rig.store.cycle(rig.lane.cycle_id or 0)),
        )

    length, joins, cycle = rig_factory(scenario)
    assert length == 2
    assert [(j["cycle_id"], j["detail"]) for j in joins] == [(cycle["id"], ""), (None, "left"), (None, "")]
    assert cycle["queue_match"] == "order" and cycle["queued_mono"] == pytest.approx(joins[0]["mono"], abs=0.01)
    assert cycle["wait"] == pytest.approx(cycle["started_mono"] - joins[0]["mono"], abs=0.01)
