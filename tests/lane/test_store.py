"""The store: schema version and migrations, WAL, atomic transitions, readers that do not block the writer."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lane.store import SCHEMA_VERSION, Stamp, Store, StoreError, TransitionRecord


def _rec(**over: object) -> TransitionRecord:
    base = dict(
        lane="L1",
        lane_class="A",
        when=Stamp(datetime(2026, 1, 1, tzinfo=UTC), 1.0),
        source="idle",
        dest="arrived",
        trigger="vehicle_arrived",
        actor="entry_loop",
        detail={},
        cycle_id=None,
        open_cycle=True,
        keeps_cycle=True,
        cycle_update={},
        snapshot={"context": {}},
    )
    base.update(over)
    return TransitionRecord(**base)  # type: ignore[arg-type]


def test_new_store_has_the_schema_and_wal(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    assert store.db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert {"cycles", "events", "device_events", "operator_actions", "notices", "lane_state"} <= set(
        store.db.table_names()
    )
    store.close()
    again = Store(tmp_path / "a.db")  # migrating twice is a no-op
    assert again.db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION
    again.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / "b.db")
    con.execute(f"pragma user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(StoreError, match="newer"):
        Store(tmp_path / "b.db")


def test_transition_opens_a_cycle_and_snapshots_the_lane(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.db")
    cycle = store.transition(_rec())
    assert cycle == 1
    snap = store.lane_snapshot("L1")
    assert snap is not None and snap["state"] == "arrived" and snap["cycle_id"] == 1
    left = store.transition(
        _rec(
            source="exiting",
            dest="idle",
            trigger="vehicle_left",
            cycle_id=1,
            open_cycle=False,
            keeps_cycle=False,
            cycle_update={"outcome": "completed"},
        )
    )
    assert left is None
    assert store.cycle(1)["outcome"] == "completed"
    assert store.lane_snapshot("L1")["cycle_id"] is None  # type: ignore[index]
    store.close()


def test_a_failed_transition_writes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "d.db")
    with pytest.raises(sqlite3.OperationalError):
        store.transition(_rec(cycle_update={"no_such_column": 1}))
    assert store.db.execute("select count(*) from events").fetchone()[0] == 0
    assert store.db.execute("select count(*) from cycles").fetchone()[0] == 0
    assert store.lane_snapshot("L1") is None
    store.close()


def test_a_reader_sees_committed_rows_while_the_writer_works(tmp_path: Path) -> None:
    store = Store(tmp_path / "e.db")
    store.transition(_rec())
    reader = sqlite3.connect(f"file:{tmp_path / 'e.db'}?mode=ro", uri=True)
    with store.transaction():
        store.notice("L1", 1, _rec().when, "arrived", "prompt", "arrived", "Silakan maju")
        # The writer holds an open transaction; the reader is not blocked and sees the last commit.
        assert reader.execute("select count(*) from events").fetchone()[0] == 1
        assert reader.execute("select count(*) from notices").fetchone()[0] == 0
    assert reader.execute("select count(*) from notices").fetchone()[0] == 1
    reader.close()
    store.close()


def test_a_version_1_database_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    import sqlite_utils

    from lane.store import MIGRATIONS

    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    MIGRATIONS[0](old)
    old.execute("pragma user_version = 1")
    old.table("cycles").insert({"lane": "L1", "outcome": "completed", "duration": 300.0})
    old.conn.commit()
    old.close()
    store = Store(path)
    assert store.db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION
    row = store.cycle(1)
    assert row["duration"] == 300.0 and "holder_name" in row and row["holder_name"] is None
    store.close()


def test_a_log_row_is_on_disk_once_the_next_transition_commits(tmp_path: Path) -> None:
    """Device events and notices skip their own fsync; the next durable commit carries them (WAL is one log)."""
    store = Store(tmp_path / "f.db", durable=True)
    store.transition(_rec())
    store.notice("L1", 1, _rec().when, "arrived", "prompt", "arrived", "Silakan maju")
    assert store.db.execute("pragma synchronous").fetchone()[0] == 2  # FULL again after the log row
    store.transition(_rec(source="arrived", dest="plate", trigger="admitted", cycle_id=1, open_cycle=False))
    store.close()
    reader = sqlite3.connect(tmp_path / "f.db")
    assert reader.execute("select count(*) from notices").fetchone()[0] == 1
    reader.close()
