"""The site side of the central database, no PostgreSQL needed: the outbox filled by the store's triggers in the
change's own transaction, a batch as the worker reads it, personal data as the policy sends it, percentiles from
the central histograms, the console's line."""

from __future__ import annotations

import json
import sqlite3
import statistics
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from lane.central.figures import BIN_S, BINS, _month_split, p90
from lane.central.lag import lag
from lane.central.sync import Outbox, personal
from lane.config import Central
from lane.console.state import StoreReader
from lane.store import Stamp, Store, TransitionRecord
from tests.lane.central_pg import site_config


def _rec(cycle_id: int | None = None, **update: object) -> TransitionRecord:
    return TransitionRecord(
        "L1", "A", Stamp(datetime(2026, 11, 2, 1, tzinfo=UTC), 1.0), "idle", "arrived", "vehicle_arrived", "loop",
        {}, cycle_id, cycle_id is None, True, dict(update), {"context": {}},
    )  # fmt: skip


def test_every_change_is_noted_in_the_same_transaction(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db", durable=False)
    cycle = store.transition(_rec())
    store.transition(_rec(cycle, duration=12.5))
    noted = store.db.execute("SELECT tbl, row_id FROM outbox ORDER BY seq").fetchall()
    assert noted == [("cycles", cycle), ("events", 1), ("events", 2), ("cycles", cycle)]
    with pytest.raises(RuntimeError), store.transaction():
        store.device_event("L1", cycle, _rec().when, "L1.printer", "fault", {"cause": "jam"})
        raise RuntimeError("the change is rolled back")
    assert store.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 4  # and its outbox entry with it
    store.close()


def test_a_batch_holds_each_row_once_whole_with_a_column_added_later(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db", durable=False)
    cycle = store.transition(_rec())
    store.db.execute("ALTER TABLE cycles ADD COLUMN plate_corrected TEXT")  # another branch's migration
    store.update_cycle(int(cycle or 0), {"plate_corrected": "G 1234 AB", "nik": "3325010101900007"})
    outbox = Outbox(tmp_path / "s.db", durable=False)
    rows, upto = outbox.batch(0, 100)
    assert upto == 3
    cycles = [r for r in rows if r.table == "cycles"]
    assert len(cycles) == 1 and cycles[0].seq == 3
    assert cycles[0].data["plate_corrected"] == "G 1234 AB"
    assert cycles[0].data["nik"] == "332501********07"  # masked by default
    outbox.sent(2)
    assert outbox.lag().rows == 1
    outbox.close()
    store.close()


def test_personal_data_goes_as_the_policy_says() -> None:
    row = {"holder_name": "Budi Santoso", "nik": "3325010101900007", "sim_number": "3325010101900007", "lane": "L1"}
    assert personal(row, "full") == row
    masked = personal(row, "masked")
    assert masked["holder_name"] == "B*** S***" and masked["nik"] == "332501********07"
    assert masked["sim_number"] == "332501********07" and masked["lane"] == "L1"
    assert {k: v for k, v in personal(row, "none").items() if v is not None} == {"lane": "L1"}
    assert Central(dsn="host=x").personal == "masked"


def test_p90_from_the_bins_is_within_half_a_bin_of_lane_reports() -> None:
    rng = np.random.default_rng(5)
    for n in (1, 2, 7, 23, 100, 1001):
        values = rng.lognormal(np.log(400), 0.4, n)
        counts = np.bincount(np.minimum(values // BIN_S, BINS - 1).astype(np.int64), minlength=BINS)
        exact = float(values[0]) if n == 1 else statistics.quantiles(values, n=10, method="inclusive")[-1]
        assert abs((p90(counts) or 0) - exact) <= BIN_S / 2
    assert p90(np.zeros(BINS, dtype=np.int64)) is None


def test_a_period_reads_whole_months_from_the_month_histograms() -> None:
    assert _month_split(date(2025, 1, 1), date(2025, 12, 31)) == ([date(2025, m, 1) for m in range(1, 13)], [])
    months, runs = _month_split(date(2025, 1, 15), date(2025, 3, 3))
    assert months == [date(2025, 2, 1)]
    assert runs == [(date(2025, 1, 15), date(2025, 1, 31)), (date(2025, 3, 1), date(2025, 3, 3))]


def test_the_console_shows_the_lag_when_the_site_pushes(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db", durable=False)
    store.transition(_rec())
    store.close()
    config = site_config()
    later = datetime.now(UTC).replace(year=datetime.now(UTC).year + 1)
    assert StoreReader(tmp_path / "s.db", config).snapshot(later).sync == ""  # no [central]: no line
    pushing = config.model_copy(update={"central": Central(dsn="host=x")})
    line = StoreReader(tmp_path / "s.db", pushing).snapshot(later).sync
    assert line.startswith("central: 2 rows to send, oldest ")
    assert lag(sqlite3.connect(":memory:")) is None  # a store without an outbox


def test_a_worker_that_cannot_reach_central_logs_retries_and_notes_it_in_the_health_log(tmp_path: Path) -> None:
    from lane.central.cluster import free_port
    from lane.central.sync import start_sync

    db = tmp_path / "s.db"
    Store(db, durable=False).close()
    config = site_config().model_copy(
        update={"central": Central(dsn=f"host=127.0.0.1 port={free_port()} user=x connect_timeout=1", retry_max_s=0.1)}
    )
    assert start_sync(site_config(), db) is None  # no [central]: no worker
    worker = start_sync(config, db)
    assert worker is not None
    try:
        for _ in range(200):
            if worker.failures >= 2:
                break
            time.sleep(0.05)
    finally:
        worker.stop()
    assert worker.failures >= 2 and worker.pushed == 0 and worker.last_error
    con = sqlite3.connect(str(db))
    rows = con.execute("SELECT lane, device, kind, detail FROM device_events").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [("*", "central.sync", "health")]  # once, not every try
    detail = json.loads(rows[0][3])
    assert detail["health"] == "down" and detail["why"] and detail["rows"] == 0


def test_bad_input_gets_one_line_and_nothing_made(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from lane.cli import main as lane_main
    from lane.config import ConfigError, load

    root = Path(__file__).resolve().parents[2] / "config"
    site = (root / "site.toml").read_text()
    (tmp_path / "prompts.toml").write_text((root / "prompts.toml").read_text())
    (tmp_path / "bad.toml").write_text(site + '\n[central]\ndsn = "host=x port"\n')
    with pytest.raises(ConfigError, match=r"central\.dsn: .*libpq connection string"):
        load(tmp_path / "bad.toml")
    missing = tmp_path / "none.db"
    assert lane_main(["sync", "--db", str(missing), "--status"]) == 1
    assert not missing.exists()  # a status asked of no store makes none
    assert lane_main(["central", "--dsn", "host=x", "add-site", "bad code!"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"lane sync: {missing}: no database there",
        "lane central add-site: 'bad code!': an office code is 2 to 20 of A-Z, 0-9 and -",
    ]


def test_a_site_without_central_drops_only_old_outbox_notes(tmp_path: Path) -> None:
    from datetime import timedelta

    from lane.config import Retention
    from lane.retention import once

    db = tmp_path / "s.db"
    store = Store(db, durable=False)
    store.transition(_rec())
    store.db.execute("UPDATE outbox SET at = '2020-01-01T00:00:00.000Z' WHERE seq = 1")
    store.close()
    now = datetime.now(UTC)
    once(db, Retention(outbox_days=30), tmp_path, now, 1.0, durable=False)  # a site with [central]: nothing dropped
    kept = sqlite3.connect(db)
    assert kept.execute("SELECT count(*) FROM outbox").fetchone()[0] == 2
    kept.close()
    once(db, Retention(outbox_days=30), tmp_path, now + timedelta(seconds=1), 1.0, durable=False, trim_outbox=True)
    left = sqlite3.connect(db)
    assert left.execute("SELECT seq FROM outbox").fetchall() == [(2,)]  # the old note gone, today's kept
    left.close()
