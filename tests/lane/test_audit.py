"""The audit's hash chains: rows chained as the store writes them, a database made before the chains sealed by its
migration, and `lane audit verify` finding an edited, a deleted and an inserted row, and a head no longer there."""

from __future__ import annotations

import argparse
import itertools
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from lane import audit, audit_cli
from lane.store import MIGRATIONS, SCHEMA_VERSION, Stamp, Store, TransitionRecord
from tests.lane.test_report import CONFIG

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _stamp(i: int) -> Stamp:
    return Stamp(T0 + timedelta(seconds=i), float(i))


def _rec(i: int, lane: str, source: str, dest: str, cycle: int | None, opening: bool = False) -> TransitionRecord:
    return TransitionRecord(
        lane,
        "A",
        _stamp(i),
        source,
        dest,
        "step",
        "test",
        {"i": i, "teks": "ü"},
        cycle,
        opening,
        True,
        {},
        {"context": {}},
    )


def make_store(path: Path) -> Path:
    """Two lanes, six transitions, four operator actions (one refused), as the controller writes them."""
    store = Store(path)
    c1 = store.transition(_rec(1, "L1", "idle", "arrived", None, opening=True))
    c2 = store.transition(_rec(2, "L2", "idle", "arrived", None, opening=True))
    store.transition(_rec(3, "L1", "arrived", "plate", c1))
    store.operator_action("L1", c1, _stamp(4), "op1", "enter_plate", {"plate": "G 1 A"}, "ok", "plate entered")
    store.transition(_rec(5, "L2", "arrived", "plate", c2))
    store.operator_action("L2", c2, _stamp(6), "op2", "resume", {}, "refused", "nothing to resume")
    store.operator_action("L2", c2, Stamp(T0, 7), "op2", "enter_plate", {"plate": "H 2 B"}, "ok", "mono an int")
    store.transition(_rec(8, "L1", "plate", "documents", c1))
    store.operator_action("L1", c1, _stamp(9), "op1", "confirm", {}, "ok", "")
    store.transition(_rec(10, "L2", "plate", "documents", c2))
    store.close()
    return path


def _sql(path: Path, statement: str, params: list[Any] | None = None) -> None:
    con = sqlite3.connect(path)
    con.execute(statement, params or [])
    con.commit()
    con.close()


def _verify(path: Path, *options: str) -> int:
    parser = argparse.ArgumentParser()
    audit_cli.add_parser(parser.add_subparsers(dest="command"))
    return audit_cli.run(parser.parse_args(["audit", "verify", "--db", str(path), *options]), CONFIG)


def _heads(path: Path) -> tuple[audit.Head, ...]:
    con = sqlite3.connect(path)
    try:
        return audit.heads(con)
    finally:
        con.close()


def _problems(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [str(p) for table in audit.TABLES for p in audit.verify(con, table)] + [
            str(p) for p in audit.lane_tails(con)
        ]
    finally:
        con.close()


def test_rows_are_chained_as_written_and_an_intact_store_passes(tmp_path: Path, capsys: Any) -> None:
    db = make_store(tmp_path / "a.db")
    con = sqlite3.connect(db)
    rows = con.execute("SELECT id, prev_hash, hash FROM events ORDER BY id").fetchall()
    con.close()
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0][1] == audit.GENESIS and all(b[1] == a[2] for a, b in itertools.pairwise(rows))
    assert _verify(db) == 0
    out = capsys.readouterr().out
    assert f"events: intact, 6 rows, head row 6 {rows[-1][2]}" in out
    assert "operator_actions: intact, 4 rows, head row 4" in out and "audit intact" in out


def test_an_edited_row_is_found_and_located(tmp_path: Path, capsys: Any) -> None:
    db = make_store(tmp_path / "a.db")
    _sql(db, "UPDATE events SET dest = 'payment' WHERE id = 3")
    assert _problems(db) == ["events row 3: its fields do not match its hash: edited"]
    _sql(db, "UPDATE operator_actions SET result = 'ok' WHERE id = 2")  # the refused command made to look done
    assert _verify(db) == 1
    out = capsys.readouterr().out
    assert "operator_actions: BROKEN in 1 place," in out and "operator_actions row 2: its fields do not match" in out
    assert "events row 3: its fields do not match its hash: edited" in out and "AUDIT NOT INTACT" in out


def test_a_deleted_row_is_found_and_located(tmp_path: Path) -> None:
    db = make_store(tmp_path / "a.db")
    _sql(db, "DELETE FROM operator_actions WHERE id = 2")
    (problem,) = _problems(db)
    assert problem.startswith("operator_actions row 3: prev_hash ")
    assert problem.endswith("a row deleted or inserted before it (ids jump from 1 to 3)")
    _sql(db, "DELETE FROM events WHERE id = 1")  # the first row: the chain no longer starts from GENESIS
    assert "events row 2: prev_hash" in _problems(db)[0] and "the chain's start" in _problems(db)[0]


def test_a_lanes_last_events_deleted_are_found_from_its_state(tmp_path: Path) -> None:
    """Rows cut off at the end of the chain leave it whole; the lane's snapshot, written with its last event,
    still names the state those rows led to."""
    db = make_store(tmp_path / "a.db")
    _sql(db, "DELETE FROM events WHERE id = 6")  # L2's plate -> documents, the chain's last row
    (problem,) = _problems(db)
    assert problem.startswith(
        "events row 4: lane L2's last event, to plate at 2026-03-02T01:00:05.000+00:00, is "
        "not its state (documents since 2026-03-02T01:00:10.000+00:00)"
    )
    _sql(db, "DELETE FROM events WHERE lane = 'L1'")
    lost = "events row 0: lane L1 is in documents since 2026-03-02T01:00:08.000+00:00, but it has no event at all"
    assert any(p.startswith(lost) for p in _problems(db))


def test_an_inserted_row_is_found_and_located(tmp_path: Path) -> None:
    db = make_store(tmp_path / "a.db")
    _sql(
        db,
        "INSERT INTO operator_actions (id, at, lane, operator, action, result) "
        "VALUES (5, '2026-03-02T01:00:10.000+00:00', 'L1', 'op9', 'abort', 'ok')",
    )
    (problem,) = _problems(db)
    assert problem == "operator_actions row 5: no hash: written outside the store (inserted), or its hash erased"
    store = Store(db)  # the store goes on after it: the next row is linked, and only the inserted one is named
    store.operator_action("L1", 1, _stamp(11), "op1", "confirm", {}, "ok", "")
    store.close()
    assert [p.split(":")[0] for p in _problems(db)] == ["operator_actions row 5"]


def test_a_row_moved_between_two_others_is_found(tmp_path: Path) -> None:
    """A row copied, hash and all, into a gap between two others: its hash is not for its new place."""
    db = make_store(tmp_path / "a.db")
    con = sqlite3.connect(db)
    con.execute("UPDATE events SET id = id + 10 WHERE id > 3")  # make a gap after row 3, renumbering the rest
    con.execute(
        "INSERT INTO events SELECT 4, at, mono, lane, cycle_id, source, dest, [trigger], actor, detail, "
        "prev_hash, hash FROM events WHERE id = 2"
    )
    con.commit()
    con.close()
    found = _problems(db)
    assert found[0].startswith("events row 4: prev_hash") and "events row 4: its fields do not match" in found[1]
    assert any(p.startswith("events row 14:") for p in found)


def test_a_printed_head_is_checked(tmp_path: Path, capsys: Any) -> None:
    db = make_store(tmp_path / "a.db")
    con = sqlite3.connect(db)
    head = next(h for h in audit.heads(con) if h.table == "operator_actions")
    earlier = con.execute("SELECT hash FROM events WHERE id = 5").fetchone()[0]
    con.close()
    assert head.row_id == 4 and head.count == 4
    assert _verify(db, "--head", head.hash, "--head", earlier[:16]) == 0
    out = capsys.readouterr().out
    assert "operator_actions row 4, still on the chain" in out and "events row 5, still on the chain" in out
    _sql(db, "DELETE FROM operator_actions WHERE id = 4")  # the last row: the chain alone cannot tell
    assert _problems(db) == []
    assert _verify(db, "--head", head.hash) == 1
    assert "on no chain: rows deleted or rewritten since it was printed" in capsys.readouterr().out
    _sql(db, "UPDATE events SET actor = 'x' WHERE id = 2")  # a head found, but an edit before it
    assert _verify(db, "--head", earlier) == 1
    assert "events row 5, but its chain does not hold up to it" in capsys.readouterr().out


def test_bad_input_is_one_line_and_no_traceback(tmp_path: Path, capsys: Any) -> None:
    assert _verify(tmp_path / "none.db") == 1
    assert capsys.readouterr().err.strip() == f"lane audit verify: {tmp_path / 'none.db'}: no database there"
    (tmp_path / "junk.db").write_text("not a database")
    assert _verify(tmp_path / "junk.db") == 1
    assert "file is not a database" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _verify(tmp_path / "none.db", "--head", "xyz")
    assert "expected 12 to 64 hex digits" in capsys.readouterr().err


def test_a_database_made_before_the_chains_is_sealed_by_its_migration(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    for number, migration in enumerate(MIGRATIONS[:5]):
        migration(old)
        old.execute(f"pragma user_version = {number + 1}")
    for i in range(1, 4):
        old.table("events").insert({"at": _stamp(i).iso, "mono": i, "lane": "L1", "source": "a", "dest": "b"})
        old.table("operator_actions").insert({"at": _stamp(i).iso, "mono": 0.5 * i, "lane": "L1", "action": "x"})
    old.conn.commit()
    old.close()
    assert _verify(path) == 1 and "no audit chains (schema version 5)" in capsys.readouterr().out
    store = Store(path)
    assert store.db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION
    store.operator_action("L1", None, _stamp(9), "op1", "confirm", {}, "ok", "after the migration")
    store.close()
    assert _verify(path) == 0
    assert "operator_actions: intact, 4 rows" in capsys.readouterr().out
    _sql(path, "UPDATE events SET mono = 2.5 WHERE id = 2")  # a row from before the chains is covered too
    assert _problems(path) == ["events row 2: its fields do not match its hash: edited"]


def test_a_second_writer_waits_for_the_head_and_extends_it(tmp_path: Path) -> None:
    """A report's audit row written while the controller holds a transaction: it waits for the write lock and
    then links to the controller's row (read before the lock, its head would be stale and the write refused)."""
    db = make_store(tmp_path / "a.db")
    controller, report = Store(db), Store(db)
    failed: list[BaseException] = []

    def write() -> None:
        try:
            report.operator_action("*", None, _stamp(20), "sup", "report_show_personal", {}, "ok", "")
        except BaseException as err:
            failed.append(err)

    with controller.transaction():
        controller.operator_action("L1", 1, _stamp(19), "op1", "retry", {}, "ok", "")
        other = threading.Thread(target=write)
        other.start()
        time.sleep(0.3)  # the report is now waiting for the lock
    other.join()
    controller.operator_action("L1", 1, _stamp(21), "op1", "confirm", {}, "ok", "")  # after the report's row
    controller.close()
    report.close()
    assert failed == [] and _problems(db) == []
    con = sqlite3.connect(db)
    added = con.execute("SELECT operator FROM operator_actions WHERE id > 4 ORDER BY id").fetchall()
    assert added == [("op1",), ("sup",), ("op1",)]
    con.close()


def test_a_transition_rolled_back_leaves_the_chain_whole(tmp_path: Path) -> None:
    """The event row was inserted, then the cycle update failed: the next transition links to the row before."""
    db = make_store(tmp_path / "a.db")
    store = Store(db)
    store.transition(_rec(11, "L1", "documents", "payment", 1))
    bad = _rec(12, "L1", "payment", "photo", 1)
    bad.cycle_update = {"no_such_column": 1}
    with pytest.raises(sqlite3.OperationalError):
        store.transition(bad)
    with pytest.raises(sqlite3.OperationalError), store.transaction():  # the same inside an outer transaction
        store.operator_action("L1", 1, _stamp(12), "op1", "confirm", {}, "ok", "")
        store.db.execute("INSERT INTO no_such_table VALUES (1)")
    with pytest.raises(ZeroDivisionError), store.db.atomic():  # someone else's transaction around it, undone
        store.operator_action("L1", 1, _stamp(12), "op1", "confirm", {}, "ok", "")
        store.transition(_rec(12, "L1", "payment", "photo", 1))
        print(1 / 0)
    store.transition(_rec(13, "L1", "payment", "photo", 1))
    store.operator_action("L1", 1, _stamp(14), "op1", "confirm", {}, "ok", "")
    store.close()
    assert _problems(db) == [] and [h.count for h in _heads(db)] == [8, 5]
